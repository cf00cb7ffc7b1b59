"""The query API and `tui search`/`tui articles`/`tui index` on the shipped seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.cli import main
from tui.paths import Paths
from tui.search import Explorer, QueryError

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
FIRST, SECOND = "000_ccb5cf8ea570b8ca", "001_b7e318ca484bc110"


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SEEDS, root / "seeds")
    return Paths(root / "seeds", root / "index", root / "bookmarks.toml")


@pytest.fixture(scope="module")
def explorer(paths) -> Explorer:
    explorer = Explorer.open(paths)
    yield explorer
    explorer.close()


def run(paths: Paths, *args: str, capsys) -> tuple[int, str, str]:
    code = main([*args, "--corpus", str(paths.corpus), "--index", str(paths.index)])
    out, err = capsys.readouterr()
    return code, out, err


def test_gwadar_finds_exactly_the_two_paragraphs_of_the_second_seed(paths, capsys):
    code, out, _ = run(paths, "search", "gwadar", "--json", capsys=capsys)
    result = json.loads(out)
    assert code == 0
    assert result["total"] == 2
    assert [hit["ref"] for hit in result["hits"]] == [f"{SECOND}:4", f"{SECOND}:10"] or \
        sorted(hit["ref"] for hit in result["hits"]) == [f"{SECOND}:10", f"{SECOND}:4"]
    for hit in result["hits"]:
        assert set(hit) == {"ref", "article", "paragraph", "title", "date", "heading", "text",
                            "highlights", "sectors", "score"}
        assert [hit["text"][s:e] for s, e in hit["highlights"]] == ["Gwadar"]


def test_straight_apostrophe_finds_curly(explorer):
    refs = {hit.ref for hit in explorer.search("Pakistan's commitment").hits}
    assert f"{FIRST}:8" in refs  # written "Pakistan’s commitment"
    phrase = explorer.search('"Pakistan\'s role"')
    assert [hit.ref for hit in phrase.hits] == [f"{SECOND}:8"]  # "Pakistan’s role"


def test_stemming_seaport_finds_seaports(explorer):
    refs = {hit.ref for hit in explorer.search("seaport").hits}
    assert f"{FIRST}:8" in refs  # "seaports"
    assert f"{SECOND}:4" in refs  # "seaport facilities"


def test_phrase_finds_the_corridor_paragraph_of_each_article(explorer):
    result = explorer.search('"transport corridor"')
    assert sorted(hit.ref for hit in result.hits) == [f"{FIRST}:8", f"{SECOND}:5"]
    hit = result.hits[0]
    assert [hit.text[s:e].lower() for s, e in hit.highlights] == ["transport", "corridor"]


def test_misspelling_suggests_the_word(explorer, paths, capsys):
    result = explorer.search("artifical")
    assert result.total == 0
    assert result.suggestion == "artificial"
    code, out, _ = run(paths, "search", "artifical", capsys=capsys)
    assert code == 1
    assert 'did you mean "artificial"' in out


@pytest.mark.parametrize("typed, suggested", [
    ("gw", None),  # two letters: no edit allowed (typing 'gwadar', nothing to correct yet)
    ("gss", "gas"),  # three to five letters: one edit
    ("gwd", None),  # ... so not two ("gas")
    ("gwadr", "gwadar"),
    ("kazakstn", "kazakhstan"),  # six or more: two edits
    ("kzakstn", None),  # three edits away
    ("pakista", "pakistan"),  # a word being typed: its most frequent completion
    ("gwa", "gwadar"),
])
def test_suggestions_allow_more_edits_for_longer_words(explorer, typed, suggested):
    assert explorer.search(typed).suggestion == suggested


def test_query_syntax(explorer):
    assert explorer.search("karachi gwadar").total == 2  # AND by default
    assert explorer.search("gwadar OR petroleum").total == 4
    assert explorer.search("gwadar NOT tapi").total == 1
    assert explorer.search("extradit*").total == 1
    assert explorer.search("gwadr~1").total == 2
    assert explorer.search("heading:ports").total == 3
    assert explorer.search("").total == 27


@pytest.mark.parametrize("query, message", [
    ('"unclosed phrase', "unbalanced quote"),
    ("(gwadar", "unbalanced parenthesis"),
    ("gwadar~9", "fuzzy distance"),
])
def test_malformed_queries_give_a_query_error(explorer, query, message):
    with pytest.raises(QueryError, match=message):
        explorer.search(query)


def test_malformed_query_on_the_command_line_exits_2_with_one_line(paths, capsys):
    code, out, err = run(paths, "search", '"oops', capsys=capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("tui: unbalanced quote")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_any_string_gives_a_result_or_a_query_error(explorer, query):
    try:
        result = explorer.search(query)
    except QueryError as err:
        assert str(err)
    else:
        assert result.total >= len(result.hits)


def test_articles_json(paths, capsys):
    code, out, _ = run(paths, "articles", "--json", capsys=capsys)
    articles = json.loads(out)
    assert code == 0
    assert [(a["id"], a["date"], a["place"], a["paragraphs"], len(a["headings"])) for a in articles] == [
        (FIRST, "2026-02-04", "", 15, 1), (SECOND, None, "Islamabad", 12, 3)]
    assert set(articles[0]) == {"id", "title", "date", "place", "source", "url", "paragraphs", "headings"}


def test_human_search_output_shows_refs_and_matches(paths, capsys):
    code, out, _ = run(paths, "search", "tapi", capsys=capsys)
    assert code == 0
    assert f"{SECOND}:10" in out and "TAPI gas pipeline" in out


def test_usage_errors_are_one_line_and_exit_2(paths, capsys):
    code, _, err = run(paths, "search", "x", "--limit", "0", capsys=capsys)
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(paths, "frobnicate", capsys=capsys)
    assert code == 2 and err.count("\n") == 1


def test_missing_corpus_is_a_one_line_error(tmp_path, capsys):
    code = main(["search", "x", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == f"tui: corpus folder not found: {tmp_path / 'nope'}"


@pytest.mark.parametrize("query", ["pakistan", "", "pakistan OR trade", "kazakhstan"])
def test_fewer_results_are_the_start_of_more(explorer, query):
    """The app asks for a screenful of results, then for the rest to put below them: the first
    are the same whatever the limit (ties in a fixed order), with or without a sector."""
    sector = explorer.sector_tree().children[0].path
    for within in (None, sector):
        every = explorer.search(query, sector=within, limit=50).hits
        for limit in range(1, len(every) + 2):
            assert explorer.search(query, sector=within, limit=limit).hits == every[:limit]


def test_a_word_typed_on_that_changes_nothing_gives_the_same_hits(explorer):
    """"pakistan e" is the query "pakistan" ('e' is not indexed): the same hits, not new ones with
    the same contents, so the results list sees at once that nothing changed."""
    typed = explorer.search("pakistan")
    for more in ("pakistan ", "pakistan e", "Pakistan"):
        again = explorer.search(more)
        assert again.query == more and again.total == typed.total
        assert all(a is b for a, b in zip(again.hits, typed.hits, strict=True))
