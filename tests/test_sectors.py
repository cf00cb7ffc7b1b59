import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.index import analyze
from tui.ingest import read_corpus
from tui.sectors import (
    MAX_DEPTH, OTHER, Taxonomy, TaxonomyError, compile_taxonomy, default_taxonomy,
    load_taxonomy, most_specific, parse_taxonomy, slug, with_ancestors,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def default() -> Taxonomy:
    return default_taxonomy()


@pytest.fixture(scope="module")
def tagger(default):
    return compile_taxonomy(default, analyze)


@pytest.fixture(scope="module")
def seeds():
    """The seed paragraphs by (article 1 or 2, paragraph number)."""
    articles = read_corpus(SEEDS).articles
    assert len(articles) == 2
    return {(n, p.number): p.text for n, article in enumerate(articles, 1) for p in article.paragraphs}


@pytest.fixture(scope="module")
def placed(seeds, tagger):
    """Each seed paragraph's sector paths with their ancestors, as the index stores them."""
    return {key: with_ancestors(tagger.tag(text)) for key, text in seeds.items()}


def small(text: str) -> Taxonomy:
    return parse_taxonomy(text, "test.toml")


def error(text: str) -> str:
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(text, "test.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the seeds, tagged with the default taxonomy ----------------------------------------------

def test_karachi_and_gwadar_paragraphs_are_under_ports(seeds, placed):
    for key in [(2, 4), (2, 10)]:
        assert "Karachi and Gwadar ports" in seeds[key]
        assert "connectivity-transport/ports" in placed[key]


def test_tapi_paragraph_is_under_gas_and_connectivity(seeds, placed):
    assert "TAPI gas pipeline" in seeds[2, 10]
    assert {"energy/gas", "connectivity-transport"} <= set(placed[2, 10])


def test_extradition_treaty_is_under_defence_and_security(seeds, placed):
    assert "extradition" in seeds[2, 12]
    assert "defence-security" in placed[2, 12]


def test_the_areas_of_the_37_mous_span_at_least_twelve_sectors(seeds, placed):
    assert "37 MoUs" in seeds[2, 11]
    top_level = {path.split("/")[0] for path in placed[2, 11]}
    assert len(top_level) >= 12, sorted(top_level)


def test_oil_is_the_crude_oil_paragraphs_and_petroleum_only(seeds, placed):
    under_oil = {key for key, paths in placed.items() if "energy/oil" in paths}
    assert {(1, 14), (1, 15)} <= under_oil
    for key in under_oil - {(1, 14), (1, 15)}:
        assert "petroleum" in seeds[key].lower(), seeds[key]
    assert under_oil == {(1, 1), (1, 14), (1, 15), (2, 11)}


def test_every_seed_paragraph_is_in_a_real_sector(placed, default):
    for key, paths in placed.items():
        assert paths and OTHER not in paths, key
        assert all(default.find(path) is not None for path in paths)


# --- the default taxonomy ----------------------------------------------------------------------

def test_default_has_the_sectors_the_issue_asks_for_and_other_last(default):
    names = [root.name for root in default.roots]
    assert names[-1] == "Other" and default.roots[-1].path == OTHER
    for name in ["Diplomacy", "Trade & Investment", "Energy", "Mining & Geosciences",
                 "Connectivity & Transport", "Defence & Security", "Agriculture", "Digital & AI",
                 "Health", "Education", "Science & Technology", "Media", "Climate & Environment",
                 "Culture", "Sports"]:
        assert name in names
    assert default.source == "default"
    assert default.find("connectivity-transport/ports").name == "Ports & Maritime"


def test_every_default_term_survives_the_analyzer(tagger):
    assert tagger.unmatchable == ()


def test_default_paths_are_unique(default):
    paths = [sector.path for sector in default.walk()]
    assert len(paths) == len(set(paths))


def test_words_in_every_news_story_place_nothing(tagger):
    text = ("The fruitful talks on cooperation in every sector ended in an important agreement; "
            "the government secured renewed development connections and thanked the hosts.")
    assert tagger.tag(text) == (OTHER,)


@pytest.mark.parametrize("text, expected, not_expected", [
    ("Imports of palm oil rose.", "agriculture", "energy/oil"),
    ("It holds a seat on the Security Council.", "diplomacy/multilateral", "defence-security"),
    ("Settlements in the West Bank grew.", "diplomacy/international-issues", "trade-investment/finance"),
    ("Greenhouse gas emissions fell.", "climate-environment", "energy/gas"),
    ("Industrial power trade grew.", "energy/renewables-power", "trade-investment/trade"),
])
def test_a_longer_term_keeps_its_words_from_a_shorter_one(tagger, text, expected, not_expected):
    paths = with_ancestors(tagger.tag(text))
    assert expected in paths and not_expected not in paths


# --- parsing -----------------------------------------------------------------------------------

NESTED = """
[[sector]]
name = "Connectivity & Transport"
terms = ["transport"]

  [[sector.children]]
  name = "Ports & Maritime"
  id = "ports"
  terms = ["seaport", "  deep  sea port "]

  [[sector.children]]
  name = "Railways"
  terms = ["railway"]

[[sector]]
name = "Energy"

  [[sector.children]]
  name = "Gas"
  terms = ["gas", "gas pipeline"]
"""


def test_parse_builds_ids_paths_and_appends_other():
    taxonomy = parse_taxonomy(NESTED, "test.toml")
    assert [s.path for s in taxonomy.walk()] == [
        "connectivity-transport", "connectivity-transport/ports", "connectivity-transport/railways",
        "energy", "energy/gas", "other"]
    ports = taxonomy.find("connectivity-transport/ports")
    assert (ports.name, ports.id, ports.terms) == ("Ports & Maritime", "ports", ("seaport", "deep sea port"))
    assert taxonomy.roots[-1].name == "Other" and taxonomy.roots[-1].children == ()
    assert taxonomy.digest == hashlib.sha256(NESTED.encode()).hexdigest()
    assert taxonomy.source == "test.toml"


@pytest.mark.parametrize("name, expected", [
    ("Connectivity & Transport", "connectivity-transport"),
    ("Digital & AI", "digital-ai"),
    ("  Counter-Terrorism ", "counter-terrorism"),
    ("Café culture", "cafe-culture"),
])
def test_slug(name, expected):
    assert slug(name) == expected


def test_find_takes_a_path_a_name_path_or_a_unique_id():
    taxonomy = small(NESTED + '\n[[sector]]\nname = "Rail"\n\n  [[sector.children]]\n'
                     '  name = "Railways"\n  terms = ["train service"]\n')
    assert taxonomy.find("energy/gas").name == "Gas"
    assert taxonomy.find("Connectivity & Transport/Ports & MARITIME").id == "ports"
    assert taxonomy.find("ports").path == "connectivity-transport/ports"
    assert taxonomy.find("railways") is None  # two sectors have that id
    assert taxonomy.find("energy/oil") is None


@pytest.mark.parametrize("text, line", [
    ('[[sector]]\nname = "A"\nterms = ["a" "b"]\n', 3),
    ('[[sector]]\nname = "A"\nterms = ["a"]\nname = "B"\n', 4),
    ('[[sector]]\nname = "A"\nterms = ["a",\n', 4),  # the error is at the end of the document
])
def test_toml_syntax_errors_give_file_line_and_column(text, line):
    assert re.fullmatch(rf"test\.toml:{line}:\d+: \S.*", error(text))


@pytest.mark.parametrize("text, fragment", [
    ("", "no sectors"),
    ("# only a comment\n", "no sectors"),
    ('title = "x"\n[[sector]]\nname = "A"\nterms = ["a"]\n', "unknown key 'title' at the top"),
    ('[[sector]]\nname = "A"\nterm = ["a"]\n', "sector 'A': unknown key 'term'"),
    ('[[sector]]\nnmae = "A"\nterms = ["a"]\n', "sector #1 at the top: unknown key 'nmae'"),
    ('[[sector]]\nname = "A"\nterms = ["a"]\n[[sector]]\nname = "a"\nterms = ["b"]\n',
     "two sectors named 'a' at the top"),
    ('[[sector]]\nname = "A"\nterms = ["a"]\n[[sector]]\nname = "B"\nid = "a"\nterms = ["b"]\n',
     "two sectors with the id 'a' at the top"),
    ('[[sector]]\nname = "A"\n[[sector.children]]\nname = "B"\nterms = ["b"]\n'
     '[[sector.children]]\nname = "B"\nterms = ["c"]\n', "two sectors named 'B' under 'a'"),
    ('[[sector]]\nname = ""\nterms = ["a"]\n', "sector #1 at the top: needs a name"),
    ('[[sector]]\nname = "  "\nterms = ["a"]\n', "needs a name"),
    ('[[sector]]\nterms = ["a"]\n', "needs a name"),
    ('[[sector]]\nname = 3\nterms = ["a"]\n', "needs a name"),
    ('[[sector]]\nname = "&"\nterms = ["a"]\n', "its name gives no id"),
    ('[[sector]]\nname = "A"\nid = "A B"\nterms = ["a"]\n', "id 'A B' must be lowercase"),
    ('[[sector]]\nname = "A"\nterms = "a"\n', "sector 'A': terms must be a list of strings"),
    ('[[sector]]\nname = "A"\nterms = ["a", 1]\n', "terms must be a list of strings"),
    ('[[sector]]\nname = "A"\nterms = ["a", " "]\n', "sector 'A': has an empty term"),
    ('[[sector]]\nname = "A"\n', "sector 'A': places nothing"),
    ('[[sector]]\nname = "A"\nterms = []\n', "places nothing"),
    ('[[sector]]\nname = "A"\nchildren = "b"\n', "'children' under 'a' must be an array of tables"),
    ('[sector]\nname = "A"\nterms = ["a"]\n', "'sector' at the top must be an array of tables"),
    ('[[sector]]\nname = "Other"\nterms = ["a"]\n', "'Other' is reserved"),
])
def test_invalid_taxonomies_are_one_line_errors_naming_the_file(text, fragment):
    message = error(text)
    assert message.startswith("test.toml: ")
    assert fragment in message


def nested(depth: int) -> str:
    text = ""
    for level in range(1, depth + 1):
        table = ".".join(["sector"] + ["children"] * (level - 1))
        text += f'[[{table}]]\nname = "Level {level}"\nterms = ["word{level}"]\n'
    return text


def test_nesting_is_limited():
    assert small(nested(MAX_DEPTH)).find("level-1/level-2/level-3/level-4/level-5/level-6")
    assert f"nested more than {MAX_DEPTH} levels" in error(nested(MAX_DEPTH + 1))


def test_a_child_may_share_a_name_with_a_sector_elsewhere():
    taxonomy = small('[[sector]]\nname = "A"\n[[sector.children]]\nname = "A"\nterms = ["a"]\n')
    assert taxonomy.find("a/a").name == "A"


def test_taxonomy_error_is_a_value_error():
    assert issubclass(TaxonomyError, ValueError)


# --- loading from the corpus folder ------------------------------------------------------------

def test_without_a_file_the_default_is_used(tmp_path, default):
    taxonomy, problem = load_taxonomy(tmp_path)
    assert problem is None
    assert taxonomy == default


def test_the_corpus_file_replaces_the_default(tmp_path):
    (tmp_path / "sectors.toml").write_text(NESTED, encoding="utf-8")
    taxonomy, problem = load_taxonomy(tmp_path)
    assert problem is None
    assert taxonomy.source == str(tmp_path / "sectors.toml")
    assert [root.id for root in taxonomy.roots] == ["connectivity-transport", "energy", OTHER]


def test_a_malformed_file_falls_back_to_the_default_with_its_position(tmp_path, default):
    path = tmp_path / "sectors.toml"
    path.write_text('[[sector]]\nname = "A"\nterms = ["a"\nname = "B"\n', encoding="utf-8")
    taxonomy, problem = load_taxonomy(tmp_path)
    assert taxonomy == default
    assert re.fullmatch(rf"{re.escape(str(path))}:4:\d+: \S.*; using the default sectors", problem)


def test_an_invalid_file_falls_back_to_the_default_with_the_reason(tmp_path, default):
    path = tmp_path / "sectors.toml"
    path.write_text('[[sector]]\nname = "A"\nterm = ["a"]\n', encoding="utf-8")
    taxonomy, problem = load_taxonomy(tmp_path)
    assert taxonomy == default
    assert problem == (f"{path}: sector 'A': unknown key 'term' (allowed: name, id, terms, children)"
                       "; using the default sectors")


def test_an_unreadable_file_falls_back_to_the_default(tmp_path, default):
    (tmp_path / "sectors.toml").write_bytes(b'[[sector]]\nname = "Caf\xe9"\nterms = ["a"]\n')
    taxonomy, problem = load_taxonomy(tmp_path)
    assert taxonomy == default
    assert problem == f"{tmp_path / 'sectors.toml'}: not UTF-8; using the default sectors"


def test_a_folder_named_sectors_toml_falls_back_to_the_default(tmp_path, default):
    (tmp_path / "sectors.toml").mkdir()
    taxonomy, problem = load_taxonomy(tmp_path)
    assert taxonomy == default
    assert problem.startswith(f"{tmp_path / 'sectors.toml'}: cannot read (")


# --- tagging -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nested_tagger():
    return compile_taxonomy(parse_taxonomy(NESTED, "test.toml"), analyze)


def test_terms_match_through_the_analyzer(nested_tagger):
    assert nested_tagger.tag("New SEAPORTS were opened.") == ("connectivity-transport/ports",)
    assert nested_tagger.tag("The Railways Ministry") == ("connectivity-transport/railways",)


def test_phrases_match_only_as_consecutive_words(nested_tagger):
    assert nested_tagger.tag("a deep-sea port") == ("connectivity-transport/ports",)
    assert nested_tagger.tag("a deep port by the sea") == (OTHER,)
    assert nested_tagger.tag("the port lies deep in the sea") == (OTHER,)


def test_tags_are_the_most_specific_matches_sorted(nested_tagger):
    text = "Gas and transport by railway."
    assert nested_tagger.tag(text) == ("connectivity-transport/railways", "energy/gas")
    assert nested_tagger.tag("Transport costs rose.") == ("connectivity-transport",)


def test_nothing_matched_is_other(nested_tagger):
    assert nested_tagger.tag("The weather was fine.") == (OTHER,)
    assert nested_tagger.tag("") == (OTHER,)


def test_a_term_in_two_sectors_places_both():
    tagger = compile_taxonomy(small('[[sector]]\nname = "A"\nterms = ["cricket"]\n'
                                    '[[sector]]\nname = "B"\nterms = ["cricket", "tea"]\n'), analyze)
    assert tagger.tag("Cricket diplomacy") == ("a", "b")


def test_terms_the_analyzer_drops_are_reported():
    tagger = compile_taxonomy(small('[[sector]]\nname = "A"\nterms = ["the", "us", "apple"]\n'), analyze)
    assert tagger.unmatchable == ("a: the", "a: us")
    assert tagger.tag("The US apples") == ("a",)


def test_tag_words_takes_analyzed_words(nested_tagger):
    assert nested_tagger.tag_words(analyze("gas pipelines")) == nested_tagger.tag("gas pipelines")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["oil", "gas", "palm", "security", "council", "port", "the",
                                 "Karachi", "crude", "trade", "power", "weather", "and", "MoUs"]),
                max_size=12))
def test_tags_are_sorted_known_and_never_nested(default, tagger, words):
    tags = tagger.tag(" ".join(words))
    assert tags and tags == tuple(sorted(set(tags)))
    assert all(default.find(path) is not None for path in tags)
    assert most_specific(tags) == tags


# --- paths -------------------------------------------------------------------------------------

def test_with_ancestors():
    assert with_ancestors(["a/b/c"]) == ("a", "a/b", "a/b/c")
    assert with_ancestors(["energy/gas", "energy/oil", "media"]) == (
        "energy", "energy/gas", "energy/oil", "media")
    assert with_ancestors([OTHER]) == (OTHER,)
    assert with_ancestors([]) == ()


def test_most_specific_drops_ancestors_only():
    assert most_specific(["a", "a/b", "a/bc", "ab"]) == ("a/b", "a/bc", "ab")
