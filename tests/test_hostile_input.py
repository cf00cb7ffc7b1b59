"""Fuzzed input: any query to the query API, any argument list to the command line, and 10,000
random keys to the app. Nothing raises past its boundary, nothing prints a traceback.

The query API answers or raises QueryError (tests/test_search.py::test_any_string_gives_a_result_or_a_query_error
feeds it plain text; here the text is built from the query language's own pieces, for every
method that takes a query). The command line exits 0, 1 or 2 with at most one line on stderr.
"""

from __future__ import annotations

import asyncio
import random
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tui import cli
from tui.search import Explorer, QueryError

PERIOD = 1.0  # seconds between repaints in the 10,000-key run (Textual's is 1/60)
FIRST, SECOND = "000_ccb5cf8ea570b8ca", "001_b7e318ca484bc110"

# --- the query language ------------------------------------------------------------------------

WORDS = ["gwadar", "trade", "corridor", "Pakistan's", "pakistan’s", "kazakhstan", "oil", "energy",
         "visit", "the", "and", "zzzq", "seaport", "Tokayev", "2026", "37", "é", "日本", "😀"]
FIELDS = ["text:", "title:", "heading:", "sector:", "sectors:", "date:", "dates:", "body:", "ref:",
          "article:", "number:", "published:", "place:", "nosuchfield:", ":", "text:text:"]
SYNTAX = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "and", "or", "*", "?", "~", "~1", "~2",
          "~9", "^2", "^-1", "^", '"', "(", ")", "[", "]", "{", "}", "<", ">", "'", "\\", "/", "-",
          "+", "!", "&&", "||", "=", "@", "#", ",", ".", ";", "\t", "\n", "\x00", "\x1b]0;x\x07",
          "\u202e", "\ud800", "2026-02-03", "2026-02", "[2026 TO 2027]", "{a TO}", "[TO b]",
          "energy/gas", "connectivity-transport/ports", "*a*", "a*b?c", "''", '""', "()"]
SECTORS = [None, "", "energy", "energy/gas", "connectivity-transport/ports", "other", "nope",
           "energy/", "/energy", "ENERGY", "\x00"]

query_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(FIELDS),
                                st.sampled_from(SYNTAX), st.text(max_size=6)),
                      max_size=10).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", "", "  "]), min_size=len(parts), max_size=len(parts))
    .map(lambda gaps: "".join(p + g for p, g in zip(parts, gaps))))


@pytest.fixture(scope="module")
def explorer(seeded_index):
    explorer = Explorer.open(seeded_index, build=False)
    yield explorer
    explorer.close()


def answers(call):
    """Run ``call``: it answers, or raises QueryError with a message fit to show (one line)."""
    try:
        return call()
    except QueryError as err:
        assert str(err) and "\n" not in str(err)
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=query_text, sector=st.sampled_from(SECTORS),
       limit=st.sampled_from([None, 0, 1, 3, 20, 10**9]))
def test_any_query_to_any_method_answers_or_says_why(explorer, query, sector, limit):
    result = answers(lambda: explorer.search(query, sector=sector, limit=limit))
    if result is not None:
        assert result.total >= len(result.hits)
        for hit in result.hits:
            assert all(0 <= start < end <= len(hit.text) for start, end in hit.highlights)
    count = answers(lambda: explorer.count(query, sector=sector))
    assert count is None or result is None or count == result.total
    tree = answers(lambda: explorer.sector_tree(query))
    assert tree is None or tree.count >= max((node.count for node in tree.children), default=0)
    answers(lambda: explorer.timeline(query, sector))
    article = answers(lambda: explorer.article(SECOND, query))
    assert article is None or len(article.paragraphs) == 12


@settings(max_examples=100, deadline=None)
@given(ref=st.one_of(st.text(max_size=30), st.sampled_from([f"{SECOND}:0", f"{SECOND}:13",
                                                            f"{SECOND}:-1", f"{SECOND}:1.0",
                                                            ":1", SECOND, f"{SECOND}:"])))
def test_any_reference_is_a_paragraph_or_a_key_error(explorer, ref):
    try:
        hit = explorer.paragraph(ref)
    except KeyError:
        return
    assert hit.ref == ref


# --- every command's arguments -----------------------------------------------------------------

COMMANDS = ["index", "search", "articles", "read", "sectors", "timeline", "bookmarks", "list", "add",
            "remove", "export", "app"]
OPTIONS = ["--json", "--limit", "--sector", "--query", "--rebuild", "--tag", "--quote", "--note",
           "--format", "-o", "--output", "--corpus", "--index", "--bookmarks", "--help", "-h",
           "--version", "--", "-", "--j", "--lim", "-x", "--limit=0", "--limit=-1", "--limit=1e3",
           "--format=md", "--format=toml", "--format=pdf", "--sector=energy"]
VALUES = ["gwadar", '"oops', "trade OR oil", "energy", "energy/gas", "nope", "0", "1", "-1",
          "99999999999999999999", f"{SECOND}", f"{SECOND}:3", f"{SECOND}:0", f"{SECOND}:x", "x:1",
          "md", "toml", "", " ", "a" * 300, "\x1b]52;c;eA==\x07", "\u202e", "日本", "\ud800",
          "out/brief.md", "/nonexistent/dir/file", ".", "..", "seeds"]
# a real argv holds no NUL; it may hold lone surrogates (bytes that were not UTF-8)
argument = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(OPTIONS), st.sampled_from(VALUES),
                     st.text(st.characters(blacklist_characters="\x00", blacklist_categories=()),
                             max_size=12))
argv = st.tuples(st.sampled_from(COMMANDS + ["bookmarks"] * 3),
                 st.lists(argument, max_size=7)).map(lambda t: [t[0], *t[1]]) | \
    st.lists(argument, max_size=6)


@pytest.fixture
def cli_sandbox(tui_paths, tmp_path, monkeypatch):
    """Every path the command line may touch points into tmp_path, and `tui app` does not start."""
    for name, path in (("TUI_CORPUS", tui_paths.corpus), ("TUI_INDEX", tui_paths.index),
                       ("TUI_BOOKMARKS", tui_paths.bookmarks), ("XDG_CACHE_HOME", tmp_path / "cache"),
                       ("XDG_DATA_HOME", tmp_path / "data"), ("HOME", tmp_path)):
        monkeypatch.setenv(name, str(path))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setattr(cli, "run_app", lambda args, out, err: cli.FOUND)  # fuzzed below
    return tui_paths


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=argv)
def test_any_argument_list_exits_0_1_or_2_without_a_traceback(cli_sandbox, capsys, args):
    try:
        code = cli.main(args)
    except SystemExit as done:  # --help and --version, as argparse does it
        code = done.code
        assert code == 0 and ("--help" in args or "-h" in args or "--version" in args)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (args, code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("tui: "), (args, err)
    else:
        assert all(line.startswith("tui: ") or line.startswith("wrote ") for line in err.splitlines()), \
            (args, err)


# --- the app -----------------------------------------------------------------------------------

def key_event(key: str):
    """The Key event Pilot.press would send for ``key``."""
    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


# Every key the app binds, keys Textual's widgets bind, and what one types into a query; ctrl+p
# opens the command palette (where letters type, enter runs a command, escape closes it). q quits:
# quit is made a no-op here.
KEYS = ["1", "2", "3", "4", "B", "G", "N", "b", "d", "e", "enter", "escape", "g", "h", "j", "k",
        "l", "n", "t", "v", "x", "y", "q", "slash", "tab", "shift+tab", "question_mark", "left",
        "right", "up", "down", "space", "backspace", "delete", "home", "end", "pageup", "pagedown",
        "a", "o", "r", "w", "ctrl+p",
        "z", "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", '"', "(", ")", "*", "~", ":", "[", "]",
        "-", "'"]


def send(app, *keys: str) -> None:
    """Queue ``keys`` for the app at once, as a terminal delivers a paste or fast typing: none of
    them is handled before the last is sent."""
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_10000_random_keys_leave_the_app_working(tui_paths, tmp_path, settle, monkeypatch):
    """10,000 random keys at 80x24 (the narrow layout: the reader is a screen of its own), in
    steps of one key or of a burst of 2 to 20 sent at once (half of the steps each); each step is
    handled before the next, as Pilot.press does but without its wait for an idle CPU. A burst
    reaches screens still opening, already closed, or covered by one opened meanwhile: that closed
    the main screen (a dialog dismissed twice popped it) and raised ScreenStackError,
    InvalidStateError and NoMatches (screens/base.py; the tests below pin each case).

    Every screen is visited, the palette too; no exception, the main screen kept, no error
    notification (a worker that failed), and afterwards a search still answers. Worker threads
    answer while keys arrive, so runs differ in timing; any crash fails the test."""
    import textual.screen

    from tui.app import ExplorerApp
    from tui.app.screens.main import MainScreen
    from tui.app.widgets.results import ResultsList

    async def stay(self) -> None:
        """q and the palette's Quit keep the app running: the keys go on."""

    monkeypatch.setattr(ExplorerApp, "action_quit", stay)
    # Repaint once a second instead of 60 times: the keys, not the painting, are under test, and
    # this halves the run time (the screen is still painted, and every test of the app paints it).
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", PERIOD)
    monkeypatch.chdir(tmp_path)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):  # the palette's Screenshot saves here
        monkeypatch.setenv(name, str(tmp_path))
    (tmp_path / "Downloads").mkdir()
    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    rng = random.Random(20260203)
    seen: set[str] = set()
    sent = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        while sent < 10_000:
            burst = 1 if rng.random() < 0.5 else rng.randint(2, 20)
            send(app, *(rng.choice(KEYS) for _ in range(burst)))
            sent += burst
            await pilot._wait_for_screen()
            if not app.is_running:
                break  # run_test raises what stopped it
            seen.add(type(app.screen).__name__)
            assert any(isinstance(screen, MainScreen) for screen in app.screen_stack), \
                f"the main screen was closed after {sent} keys"
        assert app.is_running
        await settle(pilot)
        assert [n.message for n in app._notifications if n.severity == "error"] == []
        assert {"MainScreen", "HelpScreen", "BookmarksScreen", "Palette"} <= seen
        for _ in range(12):  # back to the main screen, then a search
            if isinstance(app.screen, MainScreen):
                break
            await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        app.screen.action_clear_filters()  # the keys may have picked a sector or an event
        app.screen.search_pane.input.value = "gwadar"
        await settle(pilot)
        assert sorted(hit.ref for hit in app.screen.query_one(ResultsList).hits) == \
            [f"{SECOND}:10", f"{SECOND}:4"]
    assert not app._exception, "the app stopped"  # (run_test raises it; this is a backstop)


async def test_quit_in_a_burst_of_keys_ends_the_app_cleanly(tui_paths, tmp_path, settle,
                                                            monkeypatch):
    """ctrl+q with keys queued before and after it (screens opening, a search under way): the
    app ends with code 0 and nothing raised while it shut down, 20 bursts over."""
    from tui.app import ExplorerApp

    monkeypatch.chdir(tmp_path)
    rng = random.Random(7)
    for _ in range(20):
        app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
        async with app.run_test(size=rng.choice([(80, 24), (120, 40)])) as pilot:
            await settle(pilot)
            burst = [rng.choice(KEYS) for _ in range(rng.randint(0, 20))]
            burst.insert(rng.randint(0, len(burst)), "ctrl+q")
            send(app, *burst)
            for _ in range(50):
                if not app.is_running:
                    break
                await asyncio.sleep(0.02)
            assert not app.is_running, f"still running after {burst}"
        assert app.return_code == 0 and not app._exception, burst


async def test_enter_on_a_result_as_new_results_arrive_opens_nothing(tui_paths, tmp_path, settle):
    """Enter on the last of 27 results, and a search answer (2 results) lands before the
    'selected' message is handled. Found by the random keys (enter after typing in the search
    box): ResultsList read the new hits at the old position, IndexError, and the app ended (fixed
    in c9d3bf7). Now the stale selection opens nothing and the app goes on."""
    from tui.app import ExplorerApp
    from tui.app.widgets.reader import Reader
    from tui.app.widgets.results import ResultsList

    explorer = Explorer.open(tui_paths, build=False)
    fewer = explorer.search("gwadar", limit=50)
    explorer.close()
    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        results.focus()
        results.highlighted = len(results.hits) - 1
        results.action_select()  # enter: posts OptionSelected(26)
        results.show(fewer)  # the answer to a query typed just before, in the same frame
        await pilot.pause()
        await settle(pilot)
        assert app.is_running
        assert app.screen.query_one(Reader).text is None  # nothing was opened
        assert [hit.ref for hit in results.hits] == [hit.ref for hit in fewer.hits]


async def test_page_keys_right_after_opening_the_palette_do_not_end_the_app(tui_paths, tmp_path,
                                                                           settle):
    """ctrl+p, then page down and page up as soon as the palette's list has its commands but
    before it is laid out (a few milliseconds). Textual's OptionList._move_page raised KeyError
    there and the app ended with a traceback (the 10,000-key run met it whenever ctrl+p was among
    its keys). Now the early keys do nothing; once the list is shown, page down moves down a page,
    and escape goes back to the main screen."""
    from textual.command import CommandList, CommandPalette

    from tui.app import ExplorerApp
    from tui.app.screens.main import MainScreen

    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        send(app, "ctrl+p")
        for _ in range(10_000):  # event-loop turns, not time: until the commands are in the list
            await asyncio.sleep(0)
            commands = app.screen.query_one_optional(CommandList)
            if commands is not None and commands.option_count:
                break
        else:
            pytest.fail("the palette never listed its commands")
        send(app, "pagedown", "pageup")
        await pilot.pause()
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, CommandPalette)
        await pilot.press("down")  # show the list (the palette opens with it hidden)
        first = commands.highlighted
        await pilot.press("pagedown")
        assert commands.highlighted > first  # a page down the list of commands
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def second_article(paths):
    """The second seed as the reader shows it after a search for gwadar."""
    with Explorer.open(paths, build=False) as explorer:
        return explorer.article(SECOND, "gwadar")


async def test_a_screen_closed_in_the_turn_it_opened_leaves_the_app_working(tui_paths, tmp_path,
                                                                          settle, screen_text):
    """The bookmarks and reader screens, each opened and closed before the app's next turn (as a
    key that opens one and a key that closes it can be handled back to back). Textual's Header
    updates its title on the app's next turn, by then the closed screen's header had lost its title
    widget: NoMatches in Header.set_title, and the app ended (the 10,000-key run met it now and
    then). Now the app goes on, with the corpus name in the main screen's header."""
    from tui.app import ExplorerApp
    from tui.app.screens.bookmarks import BookmarksScreen
    from tui.app.screens.main import MainScreen
    from tui.app.screens.reader import ReaderScreen

    text = second_article(tui_paths)
    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            for screen in (BookmarksScreen(), ReaderScreen(text, 4)):
                app.push_screen(screen)
                app.pop_screen()
                await pilot.pause()
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert app.title != "tui" and app.title in screen_text(app).splitlines()[0]


async def test_enter_twice_in_the_bookmark_dialog_saves_once_and_keeps_the_main_screen(
        tui_paths, tmp_path, settle):
    """b on a result, then enter twice at once: the second enter reached the dialog after the
    first had closed it, and Textual's dismiss popped the screen under it, the main screen (found
    by the burst test). Now the late enter does nothing: one bookmark, the main screen shown."""
    from tui.app import ExplorerApp
    from tui.app.screens.bookmark_dialog import BookmarkDialog
    from tui.app.screens.main import MainScreen
    from tui.app.widgets.results import ResultsList
    from tui.bookmarks import BookmarkStore

    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(ResultsList).focus()
        await pilot.press("b")
        assert isinstance(app.screen, BookmarkDialog)
        send(app, "enter", "enter")
        await pilot.pause()
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert len(BookmarkStore(tui_paths.bookmarks).load()) == 1


async def test_page_up_at_the_top_of_an_article_keeps_a_paragraph_chosen(tui_paths, tmp_path,
                                                                       settle):
    """v (select a sentence) in the first paragraph, page up, down. Textual's page up found no
    paragraph above (only the disabled title lines) and left no option highlighted, the sentence
    selection stayed, and down raised AttributeError. Now page up goes to the first paragraph and
    the selection goes on."""
    from tui.app import ExplorerApp
    from tui.app.widgets.reader import Reader

    text = second_article(tui_paths)
    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reader = app.screen.query_one(Reader)
        reader.show(text, 1)
        reader.focus()
        await settle(pilot)
        await pilot.press("v", "pageup", "down")
        assert app.is_running
        assert reader.current_paragraph().paragraph == 1 and reader.selection is not None
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        assert reader.current_paragraph().paragraph == text.paragraphs[-1].paragraph
