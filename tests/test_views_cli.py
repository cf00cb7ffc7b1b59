"""`tui sectors`, `tui timeline` and `tui read`: the sector tree, the timeline and the reader as commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tui.cli import main
from tui.paths import Paths

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
FIRST, SECOND = "000_ccb5cf8ea570b8ca", "001_b7e318ca484bc110"
OIL_PARAGRAPHS = {f"{FIRST}:1", f"{FIRST}:14", f"{FIRST}:15", f"{SECOND}:11"}


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("views")
    shutil.copytree(SEEDS, root / "seeds")
    paths = Paths(root / "seeds", root / "index", root / "bookmarks.toml")
    assert main(["index", "--corpus", str(paths.corpus), "--index", str(paths.index)]) == 0
    return paths


def run(paths: Paths, capsys, *args: str) -> tuple[int, str]:
    code = main([*args, "--corpus", str(paths.corpus), "--index", str(paths.index)])
    return code, capsys.readouterr().out


def nodes(tree: dict):
    yield tree
    for child in tree["children"]:
        yield from nodes(child)


def by_path(tree: dict) -> dict[str, dict]:
    return {node["path"]: node for node in nodes(tree)}


def test_sector_tree_counts_every_paragraph_without_a_query(paths, capsys):
    code, out = run(paths, capsys, "sectors", "--json")
    tree = json.loads(out)
    assert code == 0
    assert tree["count"] == 27
    assert set(tree) == {"name", "path", "count", "children"}
    assert [child["name"] for child in tree["children"]][-1] == "Other"
    for node in nodes(tree):  # a node counts its own paragraphs and its descendants'
        assert node["count"] >= max((c["count"] for c in node["children"]), default=0)


def test_sector_counts_follow_the_query(paths, capsys):
    _, out = run(paths, capsys, "sectors", "--query", "oil", "--json")
    tree = by_path(json.loads(out))
    assert tree[""]["count"] == 2  # only the two paragraphs that say "oil"
    assert tree["energy/oil"]["count"] == 2
    assert tree["energy"]["count"] == 2
    assert tree["connectivity-transport"]["count"] == 0
    code, out = run(paths, capsys, "search", "oil", "--json")
    assert {h["ref"] for h in json.loads(out)["hits"]} == {f"{FIRST}:14", f"{FIRST}:15"}


def test_sector_filter_restricts_search_to_the_node_and_its_children(paths, capsys):
    code, out = run(paths, capsys, "search", "pakistan", "--sector", "energy/oil", "--json", "--limit", "50")
    refs = {h["ref"] for h in json.loads(out)["hits"]}
    assert code == 0 and refs and refs <= OIL_PARAGRAPHS
    _, out = run(paths, capsys, "search", "karachi", "--sector", "connectivity-transport", "--json")
    assert json.loads(out)["total"] == 2
    _, out = run(paths, capsys, "search", "karachi", "--sector", "health", "--json")
    assert json.loads(out)["total"] == 0


def test_unknown_sector_is_a_one_line_error(paths, capsys):
    code = main(["search", "oil", "--sector", "nope", "--corpus", str(paths.corpus), "--index", str(paths.index)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("tui: no sector 'nope'") and err.count("\n") == 1


def test_human_sector_tree_has_counts_and_bars(paths, capsys):
    code, out = run(paths, capsys, "sectors", "--query", "oil")
    energy = next(line for line in out.splitlines() if line.startswith("Energy"))
    assert code == 0 and " 2 " in energy and "█" in energy


def test_timeline_json_holds_the_visit(paths, capsys):
    code, out = run(paths, capsys, "timeline", "--json")
    events = json.loads(out)["events"]
    assert code == 0
    assert set(events[0]) >= {"date", "precision", "flags", "label", "sources"}
    assert set(events[0]["sources"][0]) >= {"ref", "span", "text"}
    arrival = [e for e in events if e["date"] == "2026-02-03" and "arrived" in e["label"]]
    assert arrival and arrival[0]["sources"][0]["ref"] == f"{FIRST}:3"
    target = [e for e in events if "deadline" in e["flags"]]
    assert len(target) == 1
    assert {s["ref"].split(":")[0] for s in target[0]["sources"]} == {FIRST, SECOND}


def test_timeline_follows_query_and_sector(paths, capsys):
    _, out = run(paths, capsys, "timeline", "--query", "declaration", "--json")
    events = json.loads(out)["events"]
    assert [e["date"] for e in events] == ["2026-02-03"]
    assert [s["ref"] for s in events[0]["sources"]] == [f"{SECOND}:1"]
    code, out = run(paths, capsys, "timeline", "--sector", "trade-investment/trade", "--json")
    assert code == 0
    assert all(s["ref"] in {f"{FIRST}:4", f"{FIRST}:5", f"{FIRST}:13", f"{FIRST}:14", f"{SECOND}:1",
                            f"{SECOND}:3", f"{SECOND}:9"}
               for e in json.loads(out)["events"] for s in e["sources"])


def test_human_timeline_marks_the_visit_window(paths, capsys):
    code, out = run(paths, capsys, "timeline")
    assert code == 0
    assert "▌ 3 Feb 2026" in out and "▌ 4 Feb 2026" in out
    assert "c. 2003" in out and "later in 2026" in out


def test_read_prints_an_article_and_a_paragraph(paths, capsys):
    code, out = run(paths, capsys, "read", SECOND, "--query", "gwadar")
    assert code == 0 and "Ports, air links, and regional projects" in out and " 12  " in out
    code, out = run(paths, capsys, "read", f"{SECOND}:10", "--json")
    document = json.loads(out)
    assert [p["paragraph"] for p in document["paragraphs"]] == [10]
    code = main(["read", f"{SECOND}:99", "--corpus", str(paths.corpus), "--index", str(paths.index)])
    assert code == 2 and "paragraphs 1 to 12" in capsys.readouterr().err
