"""Pilot tests of the explorer app: each flow driven from the keyboard, asserting on what the user
sees and on the messages the widgets post.

Every app runs on a private copy of the seeds and their index (tui_paths, in conftest.py), with
the bookmarks file and the keymap file in tmp_path.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
import time
from contextlib import asynccontextmanager

import pytest
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.corpus import Request
from tui.app.screens.help import HelpScreen, binding_sections
from tui.app.screens.main import MainScreen
from tui.app.screens.reader import ReaderScreen
from tui.app.widgets import query_input
from tui.app.widgets.reader import Reader
from tui.app.widgets.results import ResultsList
from tui.app.widgets.search_pane import SearchPane
from tui.app.widgets.sector_tree import SectorTree
from tui.app.widgets.timeline import TimelineList

WIDE = (120, 40)


@pytest.fixture
def make_app(tui_paths, tmp_path):
    """An ExplorerApp on the private corpus, reading its keymap from tmp_path (none by default)."""

    def make(**kwargs) -> ExplorerApp:
        kwargs.setdefault("keymap_file", tmp_path / "keymap.toml")
        return ExplorerApp(tui_paths, **kwargs)

    return make


class Messages(list):
    """The messages an app posted, in order; ``hook`` is run_test's message_hook."""

    def hook(self, message) -> None:
        self.append(message)


@pytest.fixture
def messages() -> Messages:
    return Messages()


def of_type(messages, kind) -> list:
    """Each message of ``kind`` once (the hook sees a bubbling message at every node it visits)."""
    unique = {id(m): m for m in messages if isinstance(m, kind)}
    return list(unique.values())


@asynccontextmanager
async def started(app, settle, size=WIDE, messages=None):
    """``app`` run under a pilot, once the index is open and the first results are shown."""
    async with app.run_test(size=size, message_hook=getattr(messages, "hook", None)) as pilot:
        await settle(pilot)
        yield pilot


def results_refs(app) -> list[str]:
    return [hit.ref for hit in app.screen.query_one(ResultsList).hits]


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def type_query(pilot, settle, text: str) -> None:
    """Focus the search box with / and put ``text`` in it (one change: typing is tested apart)."""
    if not isinstance(pilot.app.focused, Input):
        await pilot.press("slash")
    pilot.app.focused.value = text
    await settle(pilot)


# --- start-up ----------------------------------------------------------------------------------

async def test_an_article_added_while_closed_is_searchable_once_open(make_app, tui_paths, settle):
    """The app opens on the index as it was, then brings it up to date and searches again."""
    (tui_paths.corpus / "zanzibar.txt").write_text(
        "+++\ntitle = \"Gwadar and Zanzibar\"\n+++\nGwadar and Zanzibar ports compared.\n", "utf-8")
    app = make_app()
    async with started(app, settle) as pilot:
        assert app.sub_title == "3 articles · 28 paragraphs"
        assert "The index was updated; results refreshed" in [n.message for n in app._notifications]
        await type_query(pilot, settle, "zanzibar")
        assert status(app) == "1 paragraph"


async def test_first_frame_paints_before_the_index_is_open(make_app, settle, screen_text, monkeypatch):
    from tui.app.screens import main

    release = threading.Event()
    real_open = main.open_as_it_is

    def slow_open(*args, **kwargs):
        release.wait(10)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(main, "open_as_it_is", slow_open)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "opening the index" in shown  # painted while the index is still opening
        assert "1 Results" in shown and "2 Sectors" in shown and "3 Timeline" in shown
        assert app.screen.corpus is None
        await pilot.press(*"gwadar")  # typing before the index is open is kept ...
        release.set()
        await settle(pilot)
        assert app.screen.corpus is not None
        assert "Tokayev's state visit to Pakistan" in screen_text(app)
        assert len(results_refs(app)) == 2  # ... and searched once it is


async def test_a_missing_index_is_built_with_a_progress_bar(make_app, tui_paths, settle,
                                                           monkeypatch):
    import shutil

    shutil.rmtree(tui_paths.index)
    shown = []
    real_progress = MainScreen._progress

    def progress(self, done, total):
        real_progress(self, done, total)
        bar = self.query_one("#progress")
        shown.append((done, total, bar.display, bar.total, self.app.sub_title))

    monkeypatch.setattr(MainScreen, "_progress", progress)
    app = make_app()
    async with started(app, settle) as pilot:
        assert shown and shown[-1][:4] == (27, 27, True, 27)
        assert shown[-1][4] == "building the index: 27 of 27 paragraphs"
        assert not app.screen.query_one("#progress").display  # gone once the index is open
        assert status(app) == "27 paragraphs"


async def test_a_build_reporting_every_article_is_shown_twenty_times_a_second_at_most(
        make_app, settle, monkeypatch):
    from tui.app.screens import main

    shown = []
    monkeypatch.setattr(MainScreen, "_progress", lambda self, done, total: shown.append(done))
    app = make_app()
    async with started(app, settle) as pilot:
        def build() -> float:
            started = time.monotonic()
            for done in range(1, 5001):
                app.screen._progress_from_thread(done, 5000)
            return time.monotonic() - started

        seconds = await asyncio.to_thread(build)
        assert shown[-1] == 5000  # the end is always shown
        assert len(shown) <= 2 + seconds / main.PROGRESS_EVERY


async def test_an_index_that_cannot_open_is_reported_not_a_crash(make_app, tui_paths, settle,
                                                                screen_text):
    import shutil

    shutil.rmtree(tui_paths.corpus)
    shutil.rmtree(tui_paths.index)
    app = make_app()
    async with started(app, settle) as pilot:
        assert "cannot open the index" in status(app)
        assert app.sub_title == "no index"
        await pilot.press("escape", "2", "3", "4", "x", "question_mark")  # nothing to do, no crash
        assert isinstance(app.screen, HelpScreen)


def test_starting_the_app_leaves_whoosh_for_the_index_worker():
    """The first frame must not wait for Whoosh: only the worker that opens the index imports it,
    not the app's modules nor the command line's way to the app (`tui` with no command)."""
    import subprocess
    import sys

    loaded = "sorted(m for m in ('whoosh', 'tui.index', 'tui.search') if m in sys.modules)"
    code = ("import sys, tui.app, tui.cli\n"
            f"tui.cli.run_app = lambda *args: print({loaded}) or 0\n"
            "sys.exit(tui.cli.main([]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_a_search_process_that_died_is_started_again(make_app, settle):
    """Searches run in a process of the app's own; killed (say, by the kernel short of memory),
    it is started again and the search that found it gone is asked again."""
    app = make_app()
    async with started(app, settle) as pilot:
        first = app.screen.corpus.pid
        os.kill(first, signal.SIGKILL)
        await type_query(pilot, settle, "gwadar")
        assert status(app) == "2 paragraphs"
        assert app.screen.corpus.pid != first
        assert not [n for n in app._notifications if n.severity == "error"]


# --- search ------------------------------------------------------------------------------------

async def test_typing_a_query_updates_results_count_and_highlights(make_app, settle, screen_text):
    app = make_app()
    async with started(app, settle) as pilot:
        assert status(app) == "27 paragraphs"
        searched = []
        for key in "gwadar":  # the search box has the focus from the start
            await pilot.press(key)
            searched.append(app.screen.request.query)  # asked at once, before any pause
        await settle(pilot)
        assert searched == ["g", "gw", "gwa", "gwad", "gwada", "gwadar"]
        assert status(app) == "2 paragraphs"
        assert results_refs(app) == ["001_b7e318ca484bc110:10", "001_b7e318ca484bc110:4"]
        shown = screen_text(app)
        assert "potential use of Karachi and" in shown  # a line of context, then the match
        assert "Gwadar ports, the possibility" in shown
        assert "§ Ports, air links" in shown  # the heading
        assert "connectivity-transport/ports" in shown  # the sectors
        snippet = app.screen.query_one(ResultsList).get_option_at_index(0).prompt.snippet_at(41)
        marked = [snippet.plain[s.start:s.end] for s in snippet.spans if "reverse" in str(s.style)]
        assert marked == ["Gwadar"]


async def test_the_results_on_screen_come_first_and_the_rest_below_them(make_app, settle,
                                                                       monkeypatch):
    """A card takes 3 rows or more: as many as fill the list's rows (30 at 40 rows: 11) of the 14
    results are drawn first, the status already counting all 14; the others follow, added below
    the first (which are not made again)."""
    app = make_app()
    async with started(app, settle) as pilot:
        results = app.screen.query_one(ResultsList)
        shown, show = [], results.show

        def spy(result, **options):
            changed = show(result, **options)
            shown.append((len(result.hits), status(app), results.get_option_at_index(0)))
            return changed

        monkeypatch.setattr(results, "show", spy)
        await type_query(pilot, settle, "pakistan")
        screenful = results.size.height // 3 + 1
        assert [(count, said) for count, said, _ in shown] == [
            (screenful, "14 paragraphs"), (14, "14 paragraphs")] and screenful == 11
        assert shown[0][2] is shown[1][2] is results.get_option_at_index(0)
        assert results.option_count == len(results_refs(app)) == 14


def gate_searches(monkeypatch, screen) -> threading.Event:
    """Hold every search's answer back until the returned event is set."""
    gate, ask = threading.Event(), screen.corpus.ask

    def gated_ask(*args, **kwargs):
        pending = ask(*args, **kwargs)
        wait = pending.wait
        pending.wait = lambda: gate.wait(10) and wait()
        return pending

    monkeypatch.setattr(screen.corpus, "ask", gated_ask)
    return gate


def note_drawings(widget, note) -> None:
    """Call ``note()`` each time the screen draws ``widget``."""
    render_lines = widget.render_lines

    def drawing(crop):
        note()
        return render_lines(crop)

    widget.render_lines = drawing


async def test_a_keystrokes_echo_is_painted_with_its_results(make_app, settle, monkeypatch):
    """The query box shows a typed key when the key's results are shown, in the same paint (not
    in one of its own while the search runs)."""
    monkeypatch.setattr(query_input, "ECHO_WITHIN", 10.0)  # however slow this machine
    app = make_app()
    async with started(app, settle) as pilot:
        box = app.screen.search_pane.input
        drawn: list[tuple[str, str]] = []  # (the box's text, the status line) at each draw of the box
        note_drawings(box, lambda: drawn.append((box.value, status(app))))
        gate = gate_searches(monkeypatch, app.screen)
        await pilot.press("g")
        await pilot.pause(0.1)
        assert box.value == "g" and "g" not in [text for text, _ in drawn]  # not yet drawn
        gate.set()
        await settle(pilot)
        first = next(said for text, said in drawn if text == "g")
        assert first == status(app) != "27 paragraphs"  # drawn once its results were there


async def test_a_keystrokes_echo_does_not_wait_for_a_slow_search(make_app, settle, monkeypatch):
    monkeypatch.setattr(query_input, "ECHO_WITHIN", 0.05)
    app = make_app()
    async with started(app, settle) as pilot:
        box = app.screen.search_pane.input
        drawn: list[str] = []
        note_drawings(box, lambda: drawn.append(box.value))
        gate = gate_searches(monkeypatch, app.screen)
        await pilot.press("g")
        await pilot.pause(0.5)
        assert "g" in drawn and status(app) == "27 paragraphs"  # the echo, the results yet to come
        gate.set()
        await settle(pilot)
        assert status(app) != "27 paragraphs"


async def test_a_query_matching_nothing_after_another_redraws_nothing(make_app, settle,
                                                                     monkeypatch):
    """The list was said to have changed (empty before, empty after): the screen then waited for
    a redraw that never came before the sector counts and the timeline followed (PAINT_WAIT)."""
    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "zzyzx")
        results = app.screen.query_one(ResultsList)
        changed, show = [], results.show
        monkeypatch.setattr(results, "show", lambda result, **kw: changed.append(show(result, **kw)))
        await pilot.press("q")
        await settle(pilot)
        assert status(app).startswith("no paragraphs match") and changed == [False]


async def test_a_word_typed_on_that_changes_nothing_keeps_the_list_and_cursor(make_app, settle):
    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "pakistan")
        results = app.screen.query_one(ResultsList)
        results.focus()
        await pilot.press("down")
        chosen, first = results.highlighted, results.get_option_at_index(0)
        await pilot.press("slash", "space", "e")
        await settle(pilot)
        assert app.screen.query_one(SearchPane).query_one(Input).value == "pakistan e"
        assert results.highlighted == chosen and results.get_option_at_index(0) is first
        assert status(app) == "14 paragraphs"


async def test_a_new_query_puts_the_cursor_on_its_best_result(make_app, settle):
    """As fzf and VS Code's quick open: typing shows the best match under the cursor, even when
    the paragraph the cursor was on is among the new results; a sector keeps that paragraph."""
    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "pakistan OR trade")
        results = app.screen.query_one(ResultsList)
        results.focus()
        await pilot.press("G")
        chosen = results.current_hit().ref
        await type_query(pilot, settle, "pakistan OR trade OR port")
        assert chosen in results_refs(app) and results.highlighted == 0
        results.focus()
        await pilot.press("G")
        chosen = results.current_hit().ref
        sector = next(s for s in results.current_hit().sectors)
        app.screen.search(sector=sector)
        await settle(pilot)
        assert results.current_hit().ref == chosen


async def test_a_query_made_unusable_mid_results_leaves_them_all_listed(make_app, settle,
                                                                       monkeypatch):
    """The rest of a query's results is on its way when the next key makes the query unusable:
    the status says the last results stay, and all of them are listed, not the first screenful."""
    app = make_app()
    async with started(app, settle) as pilot:
        results = app.screen.query_one(ResultsList)
        monkeypatch.setattr(results, "when_drawn", lambda callback: None)  # the rest waits 0.5 s
        await pilot.press("slash")
        app.focused.value = "pakistan"
        while not 0 < len(results.hits) < 14:
            await pilot.pause(0.005)
        app.focused.value = 'pakistan "'
        await settle(pilot)
        assert status(app).startswith("⚠ unbalanced quote")
        assert len(results_refs(app)) == results.option_count == 14


async def test_a_stale_answer_is_dropped(make_app, settle):
    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "gwadar")
        screen = app.screen
        stale_request = Request(query="pakistan")
        stale = screen.corpus.find(stale_request, limit=50)
        assert stale.result.total > 2
        screen._show_found(stale, lambda: None)  # an answer arriving after the user typed on
        assert results_refs(app) == ["001_b7e318ca484bc110:10", "001_b7e318ca484bc110:4"]
        assert status(app) == "2 paragraphs"
        tree = app.screen.query_one(SectorTree)
        counts = str(tree.root.label)
        facets = screen.corpus.facets(stale_request, tree=True, timeline=100)
        screen._show_facets(facets)  # so are its sector counts and timeline
        assert str(tree.root.label) == counts


async def test_the_results_stay_put_whatever_the_status_line_says(make_app, settle, screen_text):
    """The status has two lines whatever it says: a suggestion or an error fits them at 80
    columns, and the results below never move as it changes."""
    app = make_app()
    async with started(app, settle, size=(80, 30)) as pilot:
        results = app.screen.query_one(ResultsList)
        top = results.region.y
        await type_query(pilot, settle, "gwadr")  # "no paragraphs match · did you mean gwadar?"
        assert results.region.y == top
        await type_query(pilot, settle, "karachi gwadr ports connectivity")
        assert "did you mean" in status(app) and results.region.y == top
        shown = " ".join(row.split("│")[2].strip() for row in screen_text(app).splitlines()[4:6])
        assert shown == "no paragraphs match · did you mean karachi gwadar ports connectivity?"
        await type_query(pilot, settle, 'karachi "gwadar')
        assert results.region.y == top
        shown = " ".join(row.split("│")[2].strip() for row in screen_text(app).splitlines()[4:6])
        assert shown == '⚠ unbalanced quote: a phrase needs a closing " (showing the last results)'


async def test_bookmark_and_copy_are_offered_in_the_footer_only_with_a_result(make_app, settle):
    from textual.widgets._footer import FooterKey

    def offered(app) -> dict[str, bool]:
        return {key.action: not key.has_class("-disabled") for key in app.screen.query(FooterKey)
                if key.action in ("bookmark", "copy")}

    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "zzzz")  # no result; the search box has the focus
        await pilot.press("escape")
        await settle(pilot)
        assert offered(app) == {"bookmark": False, "copy": False}
        await type_query(pilot, settle, "gwadar")  # results arrive while the box has the focus
        await pilot.press("escape")
        await settle(pilot)
        assert offered(app) == {"bookmark": True, "copy": True}
        await type_query(pilot, settle, "zzzz")
        await pilot.press("escape")
        await settle(pilot)
        assert offered(app) == {"bookmark": False, "copy": False}


async def test_a_query_longer_than_the_box_keeps_its_end_in_view(make_app, settle, screen_text):
    app = make_app()
    async with started(app, settle) as pilot:
        query = "pakistan kazakhstan energy corridor gwadar karachi railway zz"
        await pilot.press(*query)
        await settle(pilot)
        assert "railway zz" in screen_text(app)
        assert app.screen.query_one(SearchPane).value == query
        await pilot.press(*["left"] * 15, "ctrl+k")  # shorter, the cursor where it was
        await settle(pilot)
        box = app.screen.query_one(SearchPane).input
        assert box.value == query[:-15] and box.scroll_x <= box.max_scroll_x
        assert "corridor gwadar kar" in screen_text(app)


async def test_the_status_line_says_did_you_mean_and_what_is_malformed(make_app, settle):
    app = make_app()
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "gwadr")
        assert status(app) == "no paragraphs match · did you mean gwadar?"
        assert results_refs(app) == []
        await type_query(pilot, settle, "gwadar")
        await pilot.press("quotation_mark")
        await settle(pilot)
        assert "unbalanced quote" in status(app)
        assert "showing the last results" in status(app)
        assert len(results_refs(app)) == 2
        await pilot.press("backspace")  # fixed: searched again
        await settle(pilot)
        assert status(app) == "2 paragraphs"


# --- sectors and timeline ----------------------------------------------------------------------

async def test_picking_a_sector_filters_and_the_root_clears(make_app, settle, messages):
    app = make_app()
    async with started(app, settle, messages=messages) as pilot:
        await pilot.press("escape", "2")
        tree = app.screen.query_one(SectorTree)
        assert app.focused is tree
        labels = [str(tree.get_node_at_line(n).label) for n in range(tree.last_line + 1)]
        energy = next(n for n, label in enumerate(labels) if label.startswith("Energy"))
        assert labels[energy] == "Energy 8"  # the count for the (empty) query
        await pilot.press(*["j"] * energy, "enter")
        await settle(pilot)
        assert [m.path for m in of_type(messages, SectorTree.Picked)] == ["energy"]
        assert status(app).startswith("8 paragraphs · sector: Energy")
        hits = app.screen.query_one(ResultsList).hits
        assert hits and all(any(s.split("/")[0] == "energy" for s in hit.sectors) for hit in hits)
        assert app.focused is app.screen.query_one(ResultsList)

        await pilot.press("2", "g", "enter")  # the root: no filter
        await settle(pilot)
        assert of_type(messages, SectorTree.Picked)[-1].path is None
        assert status(app) == "27 paragraphs"

        await type_query(pilot, settle, "gwadar")  # the counts follow the query
        labels = [str(tree.get_node_at_line(n).label) for n in range(tree.last_line + 1)]
        assert "All sectors 2" in labels[0]
        assert "Energy 1" in labels and "Diplomacy 0" in labels


async def test_a_large_timeline_shows_the_events_around_the_visit(make_app, settle, screen_text):
    """Tens of thousands of events would take the pane seconds to lay out: it shows 100, from a
    little before the visit, and says how many it leaves out on each side."""
    import datetime as dt

    from tui.timeline import Event, Source, page_around

    def event(day: dt.date) -> Event:
        return Event(day, "day", (), f"something on {day}", (Source(f"a:{day.toordinal()}", (0, 1), "x"),))

    first_day = dt.date(2025, 1, 1)
    events = [event(first_day + dt.timedelta(days=n)) for n in range(1000)]  # to 2027-09-27
    window = {"start": "2026-02-03", "end": "2026-02-04"}
    page = page_around(events, window, 100)  # as the search process sends it
    app = make_app()
    async with started(app, settle) as pilot:
        timeline = app.screen.query_one(TimelineList)
        timeline.show(page, window)
        await settle(pilot)
        ids = [timeline.get_option_at_index(i).id for i in range(timeline.option_count)]
        shown = [page.events[int(i)] for i in ids if i is not None]
        assert len(shown) == 100 and shown[0].date < dt.date(2026, 2, 3) < shown[-1].date
        first_in_window = next(n for n, e in enumerate(shown) if e.date == dt.date(2026, 2, 3))
        assert first_in_window == 25  # a quarter of the pane before the visit
        earlier = events.index(shown[0])
        text = screen_text(app)
        assert f"▲ {earlier} earlier events" in text
        assert timeline.border_subtitle == "100 of 1,000 events"
        assert str(timeline.get_option_at_index(timeline.option_count - 1).prompt).startswith(
            f"▼ {1000 - earlier - 100} later events")


async def test_picking_an_event_shows_its_sources(make_app, settle, screen_text, messages):
    app = make_app()
    async with started(app, settle, messages=messages) as pilot:
        await pilot.press("escape", "3")
        timeline = app.screen.query_one(TimelineList)
        assert app.focused is timeline
        shown = screen_text(app)
        for when in ("c. 2003", "3 Feb 2026", "4 Feb 2026"):
            assert when in shown
        assert "▌  3 Feb 2026  visit" in shown  # the visit window stands out
        assert "approximate · 1 source" in shown and "inferred · 1 source" in shown
        headings = [str(timeline.get_option_at_index(i).prompt).strip("▌ ").removesuffix("visit")
                    .strip() for i in range(timeline.option_count)
                    if timeline.get_option_at_index(i).disabled]
        assert headings == ["c. 2003", "3 Feb 2026", "4 Feb 2026", "later in 2026", "by Feb 2027"]
        await pilot.press("enter")
        await settle(pilot)
        picked = of_type(messages, TimelineList.Picked)[-1].event
        assert picked.label.startswith("He is the first Kazakh president")
        assert results_refs(app) == [source.ref for source in picked.sources]
        assert status(app).startswith("1 paragraph · event: c. 2003 (1 source)")
        await pilot.press("x")  # clear the filters
        await settle(pilot)
        assert status(app) == "27 paragraphs"


# --- reading -----------------------------------------------------------------------------------

async def test_opening_a_hit_and_moving_through_matches(make_app, settle, screen_text, messages):
    app = make_app()
    async with started(app, settle, messages=messages) as pilot:
        await type_query(pilot, settle, "gwadar")
        await pilot.press("enter")  # to the results
        assert app.focused is app.screen.query_one(ResultsList)
        await pilot.press("y")  # copy the passage (OSC 52)
        assert app.clipboard == app.screen.query_one(ResultsList).hits[0].text
        await pilot.press("enter")  # open the first hit
        await settle(pilot)
        assert [m.hit.ref for m in of_type(messages, ResultsList.Opened)] == ["001_b7e318ca484bc110:10"]
        reader = app.screen.query_one(Reader)
        assert app.focused is reader
        assert reader.current_paragraph().paragraph == 10
        shown = screen_text(app)
        assert "Ports, air links, and regional projects" in shown  # the heading above it
        assert "   10 Tokayev said discussions included" in shown  # number in the margin
        assert "2 matches · n/N" in shown
        await pilot.press("n")
        assert reader.current_paragraph().paragraph == 4  # wrapped to the first match
        await pilot.press("n")
        assert reader.current_paragraph().paragraph == 10
        await pilot.press("N")
        assert reader.current_paragraph().paragraph == 4
        moves = of_type(messages, Reader.MatchMoved)
        assert [(m.index, m.total, m.paragraph) for m in moves] == [(0, 2, 4), (1, 2, 10), (0, 2, 4)]
        assert "match 1/2 · n/N" in screen_text(app)
        await pilot.press("escape")  # back to the results
        assert app.focused is app.screen.query_one(ResultsList)


async def test_below_100_columns_the_reader_is_a_screen(make_app, settle, screen_text):
    app = make_app()
    async with started(app, settle, size=(80, 24)) as pilot:
        assert "4 Reader" not in screen_text(app)
        await type_query(pilot, settle, "gwadar")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert "Karachi and" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("4")  # the reader keeps its article
        assert isinstance(app.screen, ReaderScreen)


async def test_a_tiny_terminal_does_not_crash(make_app, settle, screen_text):
    app = make_app()
    async with started(app, settle, size=(40, 12)) as pilot:
        await type_query(pilot, settle, "gwadar")
        await pilot.press("enter", "enter", "tab", "tab", "2", "3", "4", "question_mark")
        await settle(pilot)
        assert screen_text(app).strip()


# --- keys --------------------------------------------------------------------------------------

async def test_tab_and_numbers_reach_every_pane(make_app, settle):
    app = make_app()
    async with started(app, settle) as pilot:
        screen = app.screen
        order = []
        for _ in range(5):
            order.append(app.focused.id)
            await pilot.press("tab")
        assert order == ["query", "results", "sectors", "timeline", "reader"]
        assert app.focused.id == "query"  # and round again
        await pilot.press("shift+tab")
        assert app.focused.id == "reader"
        for key, pane in (("1", "results"), ("2", "sectors"), ("3", "timeline"), ("4", "reader")):
            await pilot.press(key)
            assert app.focused is screen.query_one(f"#{pane}")
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("1")  # typed into the search box, not a pane jump
        assert app.focused.value == "1"


async def test_help_lists_every_binding(make_app, settle, screen_text):
    from rich.console import Console

    app = make_app()
    async with started(app, settle) as pilot:
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Everywhere" in screen_text(app) and "focus_search" in screen_text(app)
        console = Console(width=110, record=True, file=io.StringIO())
        console.print(app.screen.bindings_table())  # what the help screen shows, all of it
        listed = console.export_text()
        ids = {b.id for _, bindings in binding_sections() for b in bindings}
        assert len(ids) > 25
        assert [i for i in ids if i not in listed] == []
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def test_every_binding_has_an_id_and_no_hard_chord():
    for _, bindings in binding_sections():
        for binding in bindings:
            assert binding.id
            assert "ctrl+enter" not in binding.key and "shift+enter" not in binding.key


async def test_command_palette_runs_actions(make_app, settle):
    app = make_app()
    async with started(app, settle) as pilot:
        await pilot.press("ctrl+p", *"timel")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one(TimelineList)
        await pilot.press("ctrl+p", *"termi")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "ansi-dark"


async def test_q_quits_except_in_the_search_box(make_app, settle, messages):
    from textual.messages import ExitApp

    app = make_app()
    async with app.run_test(size=WIDE, message_hook=messages.hook) as pilot:
        await settle(pilot)
        await pilot.press("q")  # the search box has the focus: a letter of the query
        await settle(pilot)
        assert app.screen.search_pane.value == "q" and not of_type(messages, ExitApp)
        await pilot.press("escape", "q")
        await pilot.pause()
        assert of_type(messages, ExitApp)
    assert app.return_code == 0


async def test_a_keymap_file_remaps_by_binding_id(make_app, settle, tmp_path):
    (tmp_path / "keymap.toml").write_text('focus_search = "f"\npane_timeline = ["t", "9"]\n', "utf-8")
    app = make_app()
    async with started(app, settle) as pilot:
        await pilot.press("escape", "9")
        assert app.focused is app.screen.query_one(TimelineList)
        await pilot.press("f")
        assert isinstance(app.focused, Input)


@pytest.mark.parametrize("text", ["focus_search = ", 'nonsense_id = "f"\nfocus_search = 3'])
async def test_a_bad_keymap_file_is_a_notification_not_a_crash(make_app, settle, tmp_path, text):
    (tmp_path / "keymap.toml").write_text(text, "utf-8")
    app = make_app()
    async with started(app, settle) as pilot:
        assert any(n.title == "Keymap" for n in app._notifications)
        assert app._keymap == {}
        await pilot.press("escape", "slash")  # the default keys still work
        assert isinstance(app.focused, Input)


# --- untrusted text ----------------------------------------------------------------------------

async def test_markup_and_escapes_in_articles_are_shown_inert(tui_paths, tmp_path, settle,
                                                              screen_text):
    (tui_paths.corpus / "evil.txt").write_text(
        "+++\ntitle = \"[bold red]Evil[/] \\u001b[31mtitle\"\ndate = 2026-02-03\n+++\n"
        "Gwadar [link=http://x]click[/link] and \x1b]0;pwned\x07 an OSC, [reverse]x.\n", "utf-8")
    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    async with started(app, settle) as pilot:
        await type_query(pilot, settle, "gwadar")
        await pilot.press("enter", "G", "enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "[bold red]Evil[/] title" in shown
        assert "[link=http://x]click[/link]" in shown
        assert "pwned" not in shown and "\x1b" not in shown


async def test_an_article_arriving_after_help_opened_waits_behind_it(make_app, settle):
    """On a narrow terminal the reader is a screen; an article that loads after the user opened
    help must not be pushed over help."""
    app = make_app()
    async with started(app, settle, size=(80, 24)) as pilot:
        await type_query(pilot, settle, "gwadar")
        main_screen = app.screen
        release, real_article = threading.Event(), main_screen.corpus.article

        def slow_article(*args, **kwargs):
            release.wait(10)
            return real_article(*args, **kwargs)

        main_screen.corpus.article = slow_article
        await pilot.press("enter", "enter", "question_mark")  # to the results, open, help at once
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert main_screen.reader.text is not None  # loaded, behind help
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is main_screen
