"""Hostile text never reaches the terminal: escapes, controls, bidi overrides and markup are inert.

One corpus carries every payload in every field a user can see: article text, titles, headings,
place, source, url, the file name (the article id), the corpus and event names in corpus.toml, a
sector name in sectors.toml, a skipped file's name (a stderr notice), and a bookmark's id, note,
tags and quote. Each command runs in a subprocess that believes it writes to a colour terminal
(FORCE_COLOR, TERM); its raw bytes may hold Rich's own styling sequences and nothing else. The
``--json`` forms keep the exact text (json.loads gives it back) with every such character escaped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings, strategies as st
from rich.console import Console

from tui.index import update
from tui.ingest import parse_article
from tui.paths import Paths
from tui.render import highlighted, safe, snippet
from tui.text import clean_spans, escape_json, strip_controls

# --- the payloads ------------------------------------------------------------------------------

OSC52 = "\x1b]52;c;cHduZWQtY2xpcA==\x07"  # writes "pwned-clip" to the clipboard
OSC_TITLE = "\x1b]0;pwned-title\x07"  # changes the window title
OSC8 = "\x1b]8;;http://evil.example/\x1b\\"  # opens a hyperlink
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
HOSTILE_SGR = "\x1b[5;31m"  # blinking red, not a style we use
DCS = "\x1bP1$rpwned-dcs\x1b\\"
C1_CSI = "\x9b2J"  # 8-bit CSI: clear screen
C1_OSC = "\x9d0;pwned-c1\x07"  # 8-bit OSC: window title
BIDI = "\u202e\u2066"  # right-to-left override, left-to-right isolate
C0 = "\x07\x08\x7f"
RICH_MARKUP = "[bold red]Evil[/]"
RICH_LINK = "[link=http://evil.example]click[/link]"
TEXTUAL_MARKUP = "[@click=app.quit]quit[/]"
ALL = OSC52 + OSC_TITLE + OSC8 + CLEAR + HOSTILE_SGR + DCS + C1_CSI + C1_OSC + BIDI + C0

# What must never appear in what a terminal receives: the sequences' openings and their contents.
SEQUENCES = ["\x1b]", "\x1bP", "\x1b\\", "\x1b[2J", "\x1b[H", HOSTILE_SGR, "\x9b", "\x9d", "\x07",
             "\x08", "\x7f", "\u202e", "\u2066"]
CONTENTS = ["pwned-title", "cHduZWQtY2xpcA", "pwned-dcs", "pwned-c1", "evil.example/"]
FORBIDDEN = SEQUENCES + CONTENTS
# Rich's own output: SGR styling, and the progress bar's cursor hide/show, line erase and move up.
RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[1A")

EVIL_ID = f"n{OSC_TITLE}[b]x{BIDI}"  # a file name is an article id, shown everywhere
EMPTY_NAME = f"e{OSC52}.txt"  # skipped: its name is in a notice on stderr
SECTOR_NAME = f"Ports {OSC_TITLE}[blink]p[/]{BIDI}"
CORPUS_NAME = f"Corp {OSC52}[bold]x[/]"
EVENT_NAME = f"Visit {C1_OSC}[red]w[/]"
EVIL_TEXT = (
    "+++\n"
    f"title = {json.dumps(RICH_MARKUP + ' title ' + OSC_TITLE + BIDI)}\n"
    "date = 2026-02-03\n"
    f"place = {json.dumps(HOSTILE_SGR + 'Gwadar' + C1_CSI)}\n"
    f"source = {json.dumps(RICH_LINK + ' wire ' + OSC52)}\n"
    f"url = {json.dumps('https://example.org/' + OSC8)}\n"
    "+++\n"
    f"GWADAR — Gwadar port {RICH_LINK} and {ALL} everything, {TEXTUAL_MARKUP} on 3 February 2026.\n"
    "\n"
    f"Heading {OSC_TITLE} here\n"
    "\n"
    f"Gwadar again with {RICH_MARKUP} markup {CLEAR}{DCS} under the heading.\n"
)
BOOKMARK_ID = f"b{OSC_TITLE}1"
NOTE = f"note {RICH_MARKUP} {OSC52}{BIDI}"
TAG = f"tag{OSC_TITLE}[i]t[/]"


def _hostile_corpus(root: Path) -> Paths:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(EVIL_TEXT, "utf-8")
    (corpus / f"{EVIL_ID}.txt").write_text("On 3 February 2026 the ministers met at Gwadar port.\n",
                                           "utf-8")
    (corpus / EMPTY_NAME).write_text("", "utf-8")
    (corpus / "corpus.toml").write_text(tomli_w.dumps({
        "corpus": {"name": CORPUS_NAME},
        "event": {"name": EVENT_NAME, "start": dt.date(2026, 2, 3), "end": dt.date(2026, 2, 4)}}))
    (corpus / "sectors.toml").write_text(tomli_w.dumps({"sector": [
        {"name": SECTOR_NAME, "id": "ports", "terms": ["gwadar"]}]}))
    article, _ = parse_article("evil", corpus / "evil.txt", EVIL_TEXT)
    first = article.paragraphs[0].text
    quote = first[first.index("Gwadar port"):]
    bookmark = {"id": BOOKMARK_ID, "created": dt.datetime(2026, 2, 5, tzinfo=dt.timezone.utc),
                "article": "evil", "title": article.title, "paragraph": 1, "quote": quote,
                "prefix": first[:first.index("Gwadar port")], "suffix": "",
                "start": first.index("Gwadar port"), "end": len(first), "note": NOTE, "tags": [TAG]}
    (root / "bookmarks.toml").write_text(tomli_w.dumps({"version": 1, "bookmark": [bookmark]}))
    paths = Paths(corpus, root / "index", root / "bookmarks.toml")
    update(paths.corpus, paths.index)
    return paths


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Paths:
    return _hostile_corpus(tmp_path_factory.mktemp("hostile"))


def start_tui(paths: Paths, *args: str, env: dict | None = None) -> subprocess.Popen:
    """``tui ARGS`` in a subprocess that thinks it writes to a 256-colour terminal."""
    environment = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200",
                   **(env or {})}
    environment.pop("NO_COLOR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tui", *args, "--corpus", str(paths.corpus), "--index", str(paths.index),
         "--bookmarks", str(paths.bookmarks)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    """The raw bytes of a process from start_tui."""
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def run_tui(paths: Paths, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return finish(start_tui(paths, *args, env=env))


def assert_inert(raw: bytes, forbidden=FORBIDDEN) -> str:
    """The text of ``raw`` (UTF-8), checked to hold no sequence a terminal would act on but Rich's."""
    text = raw.decode("utf-8")
    for sequence in forbidden:
        assert sequence not in text, f"{sequence!r} reached the terminal"
    bare = RICH_OWN.sub("", text)
    assert "\x1b" not in bare, f"an escape that Rich did not write: {bare[bare.index(chr(27)) - 20:][:60]!r}"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]",
                         bare.replace("\r", "")), "a control character reached the terminal"
    return bare


# --- every command's human output --------------------------------------------------------------

# Each command, and the markup it must show as literal text.
COMMANDS = {
    "search": (["search", "gwadar"], [RICH_MARKUP, RICH_LINK, TEXTUAL_MARKUP, "n[b]x:1"]),
    "search-suggestion": (["search", "gwadr"], ['did you mean "gwadar"']),
    "search-sector": (["search", "gwadar", "--sector", "ports", "--limit", "1"], ["sectors: ports"]),
    "articles": (["articles"], [RICH_MARKUP, "n[b]x"]),
    "read": (["read", "evil", "--query", "gwadar"], [RICH_MARKUP, RICH_LINK, TEXTUAL_MARKUP,
                                                     "Heading  here"]),
    "read-paragraph": (["read", "evil:2"], [RICH_MARKUP]),
    "read-evil-id": (["read", EVIL_ID], ["ministers met at Gwadar"]),
    "sectors": (["sectors"], ["Corp [bold]x[/]", "Ports [blink]p[/]"]),
    "sectors-query": (["sectors", "--query", "markup"], ["Ports [blink]p[/]"]),
    "timeline": (["timeline"], ["Visit [red]w[/]", "n[b]x:1"]),
    "bookmarks-list": (["bookmarks", "list"], ["b1", "note [bold red]Evil[/]", "tag[i]t[/]"]),
    "bookmarks-export": (["bookmarks", "export"], [RICH_MARKUP, "note [bold red]Evil[/]"]),
    "index": (["index"], ["2 articles"]),
}


@pytest.fixture(scope="module")
def human_runs(hostile) -> dict[str, subprocess.CompletedProcess]:
    """Every command of COMMANDS run once, side by side (read-only: the index is up to date)."""
    started = {name: start_tui(hostile, *args) for name, (args, _) in COMMANDS.items() if name != "index"}
    return {name: finish(process) for name, process in started.items()}


@pytest.mark.parametrize("name", COMMANDS)
def test_human_output_holds_no_escape_from_the_corpus(hostile, human_runs, name):
    args, literal = COMMANDS[name]
    done = human_runs[name] if name in human_runs else run_tui(hostile, *args)
    assert done.returncode == (1 if name == "search-suggestion" else 0), done.stderr.decode()
    shown = assert_inert(done.stdout) + assert_inert(done.stderr)
    assert "Traceback" not in shown
    for text in literal:
        assert text in shown, f"{text!r} not shown literally"
    notice = [line for line in assert_inert(done.stderr).splitlines() if "skipped" in line]
    assert name == "bookmarks-export" or notice == ["tui: e.txt: skipped: empty file"]


def test_error_messages_echo_hostile_arguments_inertly(hostile):
    done = run_tui(hostile, "read", f"nope{OSC_TITLE}{BIDI}")
    assert done.returncode == 2
    err = assert_inert(done.stderr, SEQUENCES)  # shown escaped, as Python's repr writes it
    assert err.count("\n") == 2
    assert err.splitlines()[-1].startswith("tui: no article 'nope\\x1b]0;pwned-title\\x07\\u202e")
    done = run_tui(hostile, "search", "gwadr \x1b7 \x1bc")  # save the cursor, reset the terminal
    assert done.returncode == 1
    out = assert_inert(done.stdout)
    assert 'did you mean "gwadar 7 c"' in out


def test_a_name_that_is_not_utf8_and_a_strict_terminal_encoding_do_not_crash(hostile):
    # In a locale whose stdout is strict UTF-8, an argument that was not UTF-8 is a lone surrogate.
    query = os.fsdecode(b"gwadr\xff")
    done = run_tui(hostile, "search", query, env={"PYTHONIOENCODING": "utf-8:strict"})
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert "did you mean" in assert_inert(done.stdout)
    done = run_tui(hostile, "search", os.fsdecode(b"gwadar\xff"), "--json",
                   env={"PYTHONIOENCODING": "utf-8:strict"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert json.loads(done.stdout)["query"] == query.replace("gwadr", "gwadar")


# --- --json keeps the exact text ---------------------------------------------------------------

def assert_escaped_json(raw: bytes):
    text = raw.decode("utf-8")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", text)
    return json.loads(text)


def test_json_output_round_trips_the_exact_text(hostile):
    article, _ = parse_article("evil", hostile.corpus / "evil.txt", EVIL_TEXT)
    texts = [p.text for p in article.paragraphs]
    assert OSC52 in texts[0] and C1_OSC in texts[0] and BIDI in texts[0]  # ingest keeps them all

    runs = {name: start_tui(hostile, *args, "--json") for name, args in (
        ("search", ["search", "gwadar"]), ("read", ["read", "evil"]), ("articles", ["articles"]),
        ("sectors", ["sectors"]), ("timeline", ["timeline"]), ("bookmarks", ["bookmarks", "list"]))}
    runs = {name: finish(process) for name, process in runs.items()}
    found = assert_escaped_json(runs["search"].stdout)
    evil_hits = [hit for hit in found["hits"] if hit["article"] == "evil"]
    assert sorted(hit["text"] for hit in evil_hits) == sorted(texts)
    assert {hit["title"] for hit in evil_hits} == {article.title}
    assert EVIL_ID in {hit["article"] for hit in found["hits"]}

    read = assert_escaped_json(runs["read"].stdout)
    assert [p["text"] for p in read["paragraphs"]] == texts
    assert read["paragraphs"][1]["heading"] == f"Heading {OSC_TITLE} here"
    info = read["article"]
    assert (info["title"], info["place"], info["source"], info["url"]) == \
        (article.title, article.place, article.source, article.url)
    assert info["source"] == RICH_LINK + " wire " + OSC52

    articles = assert_escaped_json(runs["articles"].stdout)
    assert [a["id"] for a in articles] == ["evil", EVIL_ID]

    tree = assert_escaped_json(runs["sectors"].stdout)
    assert tree["name"] == CORPUS_NAME
    assert [child["name"] for child in tree["children"]][0] == SECTOR_NAME

    timeline = assert_escaped_json(runs["timeline"].stdout)
    assert timeline["window"]["name"] == EVENT_NAME
    sources = [s for e in timeline["events"] for s in e["sources"]]
    assert {s["ref"] for s in sources} >= {"evil:1", f"{EVIL_ID}:1"}
    assert all(s["text"] in texts[0] for s in sources if s["ref"] == "evil:1")

    [bookmark] = assert_escaped_json(runs["bookmarks"].stdout)
    assert (bookmark["id"], bookmark["note"], bookmark["tags"]) == (BOOKMARK_ID, NOTE, [TAG])
    assert bookmark["orphaned"] is False


def test_escape_json_keeps_any_string():
    document = {"all": ALL + "\u2028\ud800x\udcff" + "".join(map(chr, range(0x20)))}
    text = escape_json(json.dumps(document, ensure_ascii=False))
    assert json.loads(text) == document
    assert not re.search(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", text)


# --- the helpers every view uses ----------------------------------------------------------------

def rendered(renderable) -> str:
    console = Console(file=None, force_terminal=True, color_system="truecolor", width=400,
                      legacy_windows=False, record=True)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


hostile_text = st.lists(st.one_of(st.sampled_from([OSC52, OSC_TITLE, OSC8, CLEAR, HOSTILE_SGR, DCS,
                                                   C1_CSI, C1_OSC, BIDI, C0, RICH_MARKUP, RICH_LINK,
                                                   TEXTUAL_MARKUP, "\x1b", "\x9b", "\x1b]", "\r\n"]),
                                  st.text(max_size=20)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, spans=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=4))
def test_safe_highlighted_and_snippet_never_emit_a_foreign_escape(text, spans):
    spans = [(min(a, b), max(a, b)) for a, b in spans]
    for renderable in (safe(text, "bold"), highlighted(text, spans, "bold yellow"),
                       snippet(text, spans, width=40)):
        out = rendered(renderable)
        bare = RICH_OWN.sub("", out)
        assert "\x1b" not in bare
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]",
                             bare)
    assert safe(text).plain == strip_controls(text)  # markup is never parsed
    assert clean_spans(text, [])[0].split() == strip_controls(text).split()


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(hostile_text, st.text(alphabet=st.sampled_from("ab é\t\n\ud800"), max_size=30)),
       spans=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=4))
def test_highlights_move_with_the_characters_they_marked(text, spans):
    """clean_spans cleans as strip_controls does; spans over text with no control stay put."""
    spans = [(min(a, b), max(a, b)) for a, b in spans]
    clean, moved = clean_spans(text, spans)
    assert clean == strip_controls(text)
    assert all(0 <= s < e <= len(clean) for s, e in moved)
    if not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", text):
        assert moved == [(s, e) for s, e in spans if s < e <= len(text)]


def test_markup_stays_text():
    for markup in (RICH_MARKUP, RICH_LINK, TEXTUAL_MARKUP, "[/]", "[", "\\[x]"):
        assert safe(markup).plain == markup
        assert rendered(safe(markup)).rstrip("\n").endswith(markup)


# --- the app -----------------------------------------------------------------------------------

async def test_the_app_shows_hostile_text_inert(tmp_path, settle, screen_text):
    """Results, reader, sector tree, timeline, title, notices and the bookmarks screen."""
    from tui.app import ExplorerApp
    from tui.app.screens.bookmarks import BookmarksScreen

    paths = _hostile_corpus(tmp_path)
    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"gwadar")
        await settle(pilot)
        await pilot.press("enter", "enter")  # the results, then the first hit in the reader
        await settle(pilot)
        seen = [screen_text(app)]
        await pilot.press("B")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen)
        seen.append(screen_text(app))
        shown = "\n".join(seen)
        for sequence in FORBIDDEN:
            assert sequence not in shown, f"{sequence!r} reached the screen"
        assert "\x1b" not in shown and "\x9b" not in shown
        assert RICH_MARKUP in shown and RICH_LINK in shown and TEXTUAL_MARKUP in shown
        assert "Ports [blink]p[/]" in shown  # the sector tree
        assert "note [bold red]Evil[/]" in seen[1]  # the bookmark's note
        assert app.is_running  # [@click=app.quit] was not a live action
        assert "pwned" not in (app.title + app.sub_title)


async def test_a_screenshot_of_a_hostile_corpus_is_named_for_the_program(tmp_path, settle):
    """Textual names a screenshot for the title (here the corpus's name) and shows the saved
    path as markup; a name holding [@click=app.quit] must not become a live link there."""
    from tui.app import ExplorerApp

    paths = _hostile_corpus(tmp_path)
    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.title = "[@click=app.quit]pwned[/]"
        app.deliver_screenshot(path=str(tmp_path))
        for _ in range(100):
            await pilot.pause(0.02)
            if any(n.title == "Screenshot" for n in app._notifications):
                break
        saved = [p.name for p in tmp_path.glob("*.svg")]
        assert len(saved) == 1 and saved[0].startswith("tui_") and "pwned" not in saved[0]
        assert app.is_running
