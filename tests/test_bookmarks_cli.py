"""`tui bookmarks list/add/remove/export` against a copy of the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tui.cli import main
from tui.paths import Paths

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SECOND = "001_b7e318ca484bc110"


@pytest.fixture
def paths(tmp_path) -> Paths:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return Paths(tmp_path / "seeds", tmp_path / "index", tmp_path / "marks" / "bookmarks.toml")


def tui(paths: Paths, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["bookmarks", *args, "--corpus", str(paths.corpus), "--index", str(paths.index),
                 "--bookmarks", str(paths.bookmarks)])
    out, err = capsys.readouterr()
    return code, out, err


def listed(paths: Paths, capsys, *args: str) -> list[dict]:
    code, out, _ = tui(paths, capsys, "list", "--json", *args)
    return json.loads(out)


def test_add_a_quote_list_and_remove(paths, capsys):
    code, out, _ = tui(paths, capsys, "add", f"{SECOND}:10", "--quote", "Karachi and Gwadar ports",
                       "--note", "two ports\nnamed", "--tag", "ports", "--tag", "sea")
    assert code == 0 and out.startswith(f"bookmarked {SECOND}:10 as ")
    assert tui(paths, capsys, "add", f"{SECOND}:12")[0] == 0
    marks = listed(paths, capsys)
    assert [(m["paragraph"], m["quote"][:24], m["tags"]) for m in marks] == [
        (10, "Karachi and Gwadar ports", ["ports", "sea"]),
        (12, "The two sides also signe", []),
    ]
    assert marks[0]["note"] == "two ports\nnamed" and not marks[0]["orphaned"]
    assert [m["paragraph"] for m in listed(paths, capsys, "--tag", "ports")] == [10]
    assert paths.bookmarks.stat().st_mode & 0o777 == 0o600
    code, out, _ = tui(paths, capsys, "remove", marks[0]["id"])
    assert code == 0 and [m["paragraph"] for m in listed(paths, capsys)] == [12]


def test_bad_references_and_quotes_are_one_line_errors(paths, capsys):
    for args, message in [(("add", "nonsense"), "ARTICLE:N"),
                          (("add", f"{SECOND}:99"), "no paragraph"),
                          (("add", f"{SECOND}:10", "--quote", "not in the text"), "quote is not in"),
                          (("remove", "ffffffff"), "no bookmark")]:
        code, out, err = tui(paths, capsys, *args)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)


def test_a_corrupt_file_is_reported_with_its_place_and_left_as_it_was(paths, capsys):
    paths.bookmarks.parent.mkdir(parents=True)
    paths.bookmarks.write_bytes(b'version = 1\n[[bookmark]]\nid = "abc\n')
    before = paths.bookmarks.read_bytes()
    for args in (("list",), ("add", f"{SECOND}:1"), ("remove", "abc")):
        code, _, err = tui(paths, capsys, *args)
        assert code == 2 and ":3:" in err and err.count("\n") == 1
    assert paths.bookmarks.read_bytes() == before


def test_bookmark_of_a_changed_article_is_found_again_or_listed_as_orphan(paths, capsys):
    tui(paths, capsys, "add", f"{SECOND}:12", "--quote", "a treaty on extradition")
    article = paths.corpus / f"{SECOND}.txt"
    text = article.read_text(encoding="utf-8")
    article.write_text("A new first paragraph.\n" + text, encoding="utf-8")
    [mark] = listed(paths, capsys)
    assert mark["found"]["paragraph"] == 13 and mark["found"]["method"] == "exact"
    article.write_text(text.replace("The two sides also signed a treaty on extradition", "Gone."),
                       encoding="utf-8")
    [mark] = listed(paths, capsys)
    assert mark["orphaned"] and mark["quote"] == "a treaty on extradition"
    code, out, _ = tui(paths, capsys, "list")
    assert "orphaned" in out


def test_export_markdown_brief_and_toml(paths, capsys, tmp_path):
    tui(paths, capsys, "add", f"{SECOND}:10", "--quote", "TAPI gas pipeline", "--note", "energy", "--tag", "gas")
    code, out, _ = tui(paths, capsys, "export")
    assert code == 0
    assert "> TAPI gas pipeline" in out and "paragraph 10" in out and "Tags: gas" in out
    target = tmp_path / "brief.toml"
    code, _, err = tui(paths, capsys, "export", "--format", "toml", "-o", str(target))
    assert code == 0 and 'quote = "TAPI gas pipeline"' in target.read_text()


def test_no_bookmarks_lists_nothing_with_exit_1(paths, capsys):
    code, out, _ = tui(paths, capsys, "list")
    assert (code, out) == (1, "")
