"""The main screen: sectors and timeline on the left, search and results in the centre, reader right.

It owns the open corpus and the current request (query, sector, event), sends every query to
the search process (app/corpus.py) and waits for it in a worker, drops answers to requests that
are no longer current, and wires the panes' messages.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker

from ...bookmarks import anchor
from ...render import safe
from ...service import YOUNG_THRESHOLD
from ..corpus import Corpus, Facets, Found, Pending, Request, open_as_it_is, open_corpus
from ..widgets.format import plural
from ..widgets.header import Header
from ..widgets.reader import Reader
from ..widgets.results import ResultsList
from ..widgets.search_pane import SearchPane
from ..widgets.sector_tree import SectorTree
from ..widgets.timeline import SHOWN, TimelineList, describe_event_date
from .base import PaintAfterBatch

if TYPE_CHECKING:
    from ...bookmarks import Bookmark
    from ...answers import ArticleText

RESULTS_LIMIT = 50
PAINT_WAIT = 0.5  # seconds the rest of the results, and the counts, wait for a paint, at most
WATCH_EVERY = 2.0  # seconds between looks at the index for another process's update
# Seconds of no typing before the sector counts and the timeline follow the results. They hold
# the index for 5-30 ms (the first time after opening, 0.1-0.4 s at 100k paragraphs), and a key
# typed meanwhile waits for them: at 0.1 s they ran between most keys of a typist (~0.15 s a key).
FACETS_AFTER = 0.3
PROGRESS_EVERY = 0.05  # seconds between two repaints of the build's progress, at least
PANES = ("query", "results", "sectors", "timeline", "reader")  # the tab order
NUMBERED = {"1": "results", "2": "sectors", "3": "timeline", "4": "reader"}


def listed(found: Found) -> int:
    """How many results the results list shows for ``found``, once they are all there."""
    return min(found.result.total, RESULTS_LIMIT)


class MainScreen(PaintAfterBatch, Screen):
    """Everything at once on a wide terminal; below 100 columns the reader is a screen of its own."""

    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (60, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="focus_search", tooltip="Type a query"),
        Binding("escape", "focus_pane('results')", "Results", show=False, id="back_to_results"),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="previous_pane"),
        Binding("1", "focus_pane('results')", "Results", show=False, id="pane_results"),
        Binding("2", "focus_pane('sectors')", "Sectors", show=False, id="pane_sectors"),
        Binding("3", "focus_pane('timeline')", "Timeline", show=False, id="pane_timeline"),
        Binding("4", "focus_pane('reader')", "Reader", show=False, id="pane_reader"),
        Binding("x", "clear_filters", "Clear filters", id="clear_filters",
                tooltip="Forget the sector and event filters"),
        Binding("B", "bookmarks", "Bookmarks", id="bookmarks", tooltip="List your bookmarks"),
    ]

    # The command palette's entries: (title, help, action of this screen).
    PALETTE = [
        ("Focus search", "Put the cursor in the search box (/)", "focus_search"),
        ("Go to results", "Focus the results list (1)", "focus_pane('results')"),
        ("Go to sectors", "Focus the sector tree (2)", "focus_pane('sectors')"),
        ("Go to timeline", "Focus the timeline (3)", "focus_pane('timeline')"),
        ("Go to reader", "Focus the reader (4)", "focus_pane('reader')"),
        ("Clear filters", "Forget the sector and event filters (x)", "clear_filters"),
        ("Next match", "Reader: the next paragraph with a match (n)", "reader('next_match')"),
        ("Previous match", "Reader: the previous paragraph with a match (N)",
         "reader('previous_match')"),
        ("Select sentences", "Reader: start a sentence selection (v)", "reader('select_sentences')"),
        ("Bookmark passage", "Bookmark the passage under the cursor (b)", "passage('bookmark')"),
        ("Copy passage", "Copy the passage under the cursor (y)", "passage('copy')"),
        ("Open bookmarks", "List, filter, edit and delete bookmarks (B)", "bookmarks"),
    ]

    def __init__(self) -> None:
        super().__init__()
        # The width's class (-wide, ...) from the start: set by the screen's first resize, it
        # restyled every widget once more before the first paint (302 -> 252 styles applied).
        width_class = self._get_breakpoint_classes(self.app.size.width, self.HORIZONTAL_BREAKPOINTS)
        self.add_class(*width_class, update=False)
        self.corpus: Corpus | None = None
        self.request = Request()
        self._tree_for: str | None = None  # the query the sector tree's counts are for
        self._timeline_for: tuple | None = None  # the (query, sector) the timeline is for
        self._updating = False  # another process holds the index's write lock
        self._progress_shown = 0.0  # when the build's progress was last shown (time.monotonic)
        self._shown: Found | None = None  # the results the list shows (maybe a first screenful)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield SectorTree(id="sectors")
                yield TimelineList(id="timeline")
            with Vertical(id="centre"):
                yield SearchPane(id="search")
                yield ProgressBar(id="progress", show_eta=False)
                yield ResultsList(id="results")
            yield Reader(id="reader")
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "opening the index…"
        self._thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, *self._thresholds[1:])
        self.query_one(SearchPane).focus_input()
        self.watch(self.app, "bookmarks", self._mark_bookmarks)
        # Called as the keystroke edits the text, so its search is sent before its echo is painted.
        self.watch(self.search_pane.input, "value", self._query_typed, init=False)
        # The search process is opening the index meanwhile (ExplorerApp started it); the worker
        # waits for it, after the first frame (and builds the index if there is none).
        self.call_after_refresh(self.open_index)

    # --- the panes ---------------------------------------------------------------------------

    @property
    def search_pane(self) -> SearchPane:
        return self.query_one(SearchPane)

    @property
    def results(self) -> ResultsList:
        return self.query_one(ResultsList)

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    def _pane(self, name: str) -> Widget:
        return self.search_pane.input if name == "query" else self.query_one(f"#{name}")

    def _reachable(self, name: str) -> bool:
        if name == "reader":
            return self.has_class("-wide")
        if name in ("sectors", "timeline"):
            return not self.has_class("-tiny")
        return True

    def action_focus_search(self) -> None:
        self.search_pane.focus_input()

    def action_focus_pane(self, name: str) -> None:
        if name == "reader" and not self._reachable("reader"):
            if self.reader.text is not None:
                self._push_reader(self.reader.text, None)
            else:
                self.notify("Open a result first (enter)", markup=False)
            return
        if not self._reachable(name):
            self.notify("The terminal is too narrow for this pane", markup=False)
            return
        self._pane(name).focus()

    def action_cycle_pane(self, direction: int) -> None:
        names = [name for name in PANES if self._reachable(name)]
        focused = self.focused
        current = next((i for i, name in enumerate(names)
                        if focused is not None and self._pane(name) in (focused, *focused.ancestors)),
                       -1 if direction > 0 else 0)
        self._pane(names[(current + direction) % len(names)]).focus()

    def action_reader(self, action: str) -> None:
        if self.reader.text is None:
            self.notify("Open a result first (enter)", markup=False)
            return
        self.action_focus_pane("reader")
        if self._reachable("reader"):
            getattr(self.reader, f"action_{action}")()

    def action_passage(self, action: str) -> None:
        target = self.focused if isinstance(self.focused, (ResultsList, Reader)) else self.results
        getattr(target, f"action_{action}")()

    # --- opening the index -------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def open_index(self) -> None:
        """Open the index as it is, to search at once; build it first only if there is none.

        Whether the corpus changed since is looked at afterwards (update_index): at 100k
        paragraphs that look takes longer than opening the index and the first search together.
        """
        call = self.app.call_from_thread
        started, self.app.search_service = self.app.search_service, None  # the corpus owns it now
        corpus = open_as_it_is(self.app.paths, started)
        if corpus is None:
            corpus = open_corpus(self.app.paths, progress=self._progress_from_thread,
                                 notice=self._index_notice)
            up_to_date = True
        else:
            up_to_date = False
        if get_current_worker().is_cancelled:
            corpus.close()
            return
        call(self._index_ready, corpus, up_to_date)
        if not get_current_worker().is_cancelled:  # after the first results: a typist's first
            corpus.warm()  # word is the slowest search

    @work(thread=True, exclusive=True, group="update", exit_on_error=False)
    def update_index(self) -> None:
        """Bring the open index up to date with the corpus (articles added, changed, removed)."""
        changed = self.corpus.update(self.app.paths, self._progress_from_thread, self._index_notice)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._index_updated, changed)

    def _index_updated(self, changed: bool) -> None:
        self.query_one(ProgressBar).display = False
        if changed:
            self._index_changed()
        else:
            self._show_corpus_facts()  # over any "building the index" of a look that found nothing

    def _progress_from_thread(self, done: int, total: int) -> None:
        """Show the build's progress, 20 times a second at most: the builder waits for each."""
        now = time.monotonic()
        if done < total and now - self._progress_shown < PROGRESS_EVERY:
            return
        self._progress_shown = now
        self.app.call_from_thread(self._progress, done, total)

    def _index_notice(self, line: str) -> None:
        self.app.notify(line, title="Index", markup=False)

    def on_unmount(self) -> None:
        gc.set_threshold(*self._thresholds)
        if self.corpus is not None:
            self.corpus.close()

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.add_class("-building")
        bar.update(total=total, progress=done)
        self.app.sub_title = f"building the index: {done} of {total} paragraphs"

    def _index_ready(self, corpus: Corpus, up_to_date: bool) -> None:
        self.corpus = corpus
        self._keep_out_of_the_collector()
        self.query_one(ProgressBar).display = False
        self._updating = corpus.updating  # if so, opening it has said so
        self._show_corpus_facts()
        self._show_corpus_problems()
        self.search()
        if not up_to_date:
            self.update_index()
        self.set_interval(WATCH_EVERY, self.refresh_index, name="watch the index")

    def _show_corpus_facts(self) -> None:
        info = self.corpus.info
        self.app.title = safe(info.name or "tui").plain
        self.app.sub_title = (f"{plural(info.articles, 'article')} · "
                              f"{plural(info.paragraphs, 'paragraph')}"
                              + (" · the index is being updated…" if self._updating else ""))

    def _show_corpus_problems(self) -> None:
        for problem in self.corpus.info.problems:
            self.notify(problem, title="Corpus", severity="warning", markup=False)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_index(self) -> None:
        """Say so while another process (``tui index``) updates the index; switch to it after."""
        if self.corpus is None:
            return
        updating = self.corpus.updating
        changed = self.corpus.refresh()
        self.app.call_from_thread(self._index_state, updating, changed)

    def _index_state(self, updating: bool, changed: bool) -> None:
        ours = any(w.group == "update" and not w.is_finished for w in self.workers)
        updating = updating and not ours  # update_index holds the lock: not another process
        if updating != self._updating:
            self._updating = updating
            self._show_corpus_facts()
            if updating:
                self.notify("Another process is updating the index; searching it as it was",
                            title="Index", markup=False)
        if changed:
            self._index_changed()

    def _index_changed(self) -> None:
        self._show_corpus_facts()
        self._show_corpus_problems()
        self._tree_for = self._timeline_for = None
        self.search()
        self.notify("The index was updated; results refreshed", markup=False)

    # --- searching ---------------------------------------------------------------------------

    def search(self, **changes) -> None:
        """Make ``changes`` to the current request and run it (nothing before the index is open)."""
        self.request = replace(self.request, **changes)
        if self.corpus is None:
            return
        need_tree = self.request.query != self._tree_for
        need_timeline = (self.request.query, self.request.sector) != self._timeline_for
        # A new query: its best results first, the cursor on the first (as fzf and VS Code's
        # quick open do), and the results that fit on screen before the rest. Other changes (a
        # sector, an event, a new index) keep the cursor on its paragraph, wherever it is: all at
        # once.
        typed = "query" in changes or not self.results.hits
        first = self._screenful() if typed else RESULTS_LIMIT
        # Sent now, from here: the search process works on it while this key's echo is painted.
        pending = self.corpus.ask(self.request, limit=first)
        self.run_search(pending, first, typed, need_tree, need_timeline)

    def _screenful(self) -> int:
        """As many results as the results list can show at once: a card is three lines or more."""
        height = self.results.size.height or self.app.size.height
        return min(RESULTS_LIMIT, height // 3 + 1)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, pending: Pending, first: int, top: bool, tree: bool, timeline: bool) -> None:
        """The ``first`` results, painted (with the cursor on the first if ``top``); the rest of
        the results; then, once typing pauses, the sector counts and timeline.

        On a large corpus the counts and the timeline take longer than the results, and a user
        typing reads the results on screen: these are painted before the rest starts (the
        off-screen results' texts and highlights took as long as the search), and a keystroke
        meanwhile (which cancels this worker) means the rest is not computed at all.
        """
        worker = get_current_worker()
        cancelled = lambda: worker.is_cancelled  # noqa: E731
        request = pending.request
        found = pending.wait()
        if found is None or worker.is_cancelled:
            return
        painted = threading.Event()
        self.app.call_from_thread(self._show_found, found, painted.set, top)
        if found.error is not None:
            return
        if first < RESULTS_LIMIT and found.result.total > first:
            painted.wait(PAINT_WAIT)
            if worker.is_cancelled:
                return
            found = self.corpus.ask(request, limit=RESULTS_LIMIT, following=pending).wait()
            if found is None or worker.is_cancelled:
                return
            painted = threading.Event()  # the first's may yet be set, by a paint it gave up on
            self.app.call_from_thread(self._show_found, found, painted.set, False)
        if not (tree or timeline):
            return
        painted.wait(PAINT_WAIT)
        if not self._typing_paused(worker):
            return
        for asked in ({"tree": True} if tree else None, {"timeline": SHOWN} if timeline else None):
            facets = asked and self.corpus.facets(request, **asked, following=pending,
                                                  cancelled=cancelled)
            if facets and not worker.is_cancelled:  # one request each: a search waits less
                self.app.call_from_thread(self._show_facets, facets)

    @staticmethod
    def _typing_paused(worker: Worker) -> bool:
        """Wait FACETS_AFTER seconds: False if a keystroke (which cancels ``worker``) came first."""
        deadline = time.monotonic() + FACETS_AFTER
        while not worker.is_cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        return not worker.is_cancelled

    def _show_found(self, found: Found, painted: Callable[[], None], top: bool = False) -> None:
        if found.request != self.request:  # typed on meanwhile: a newer search is on its way
            self.call_after_refresh(painted)
        elif found.error is not None:
            self.search_pane.show_error(found.error)  # "showing the last results": all of them
            if self._shown is not None and len(self.results.hits) < listed(self._shown):
                self.complete_results(self._shown.request)
            self.call_after_refresh(painted)
        else:
            self._shown = found
            self.search_pane.show_status(self._status(found))
            if self.results.show(found.result, keep_cursor=not top):
                self.results.when_drawn(painted)
                self.results.when_drawn(self._collect_young)
            else:
                self.call_after_refresh(painted)
        if found.request == self.request:
            self.search_pane.input.release_echo()  # the keystroke's echo, held for this

    @work(thread=True, exclusive=True, group="complete", exit_on_error=False)
    def complete_results(self, request: Request) -> None:
        """The rest of the results on screen, whose search a keystroke cancelled (one that made
        the query unusable: the results stay, and say so)."""
        found = self.corpus.find(request, limit=RESULTS_LIMIT)
        if found is not None and found.error is None:
            self.app.call_from_thread(self._completed, found)

    def _completed(self, found: Found) -> None:
        if self._shown is not None and self._shown.request == found.request:
            self._shown = found
            self.results.show(found.result)

    def _keep_out_of_the_collector(self) -> None:
        """Move every object alive now (the screen's widgets, the corpus's facts) out of the
        garbage collector's reach (gc.freeze), once the index is open. The index itself, and its
        freezing after its first counts and timeline, live in the search process (tui.service)."""
        gc.freeze()

    @staticmethod
    def _collect_young() -> None:
        """Collect the young objects, with the results just painted: the user reads them now."""
        gc.collect(1)

    def _show_facets(self, facets: Facets) -> None:
        if facets.request != self.request:
            return
        if facets.tree is not None:
            self._tree_for = facets.request.query
            self.query_one(SectorTree).show(facets.tree)
        if facets.timeline is not None:
            self._timeline_for = (facets.request.query, facets.request.sector)
            self.query_one(TimelineList).show(facets.timeline, self.corpus.info.window)

    def _status(self, found: Found) -> Text:
        result, request = found.result, found.request
        shown = listed(found)  # the first screenful may not all be there yet
        if not result.total:
            count = Text("no paragraphs match", style="bold")
        elif shown < result.total:
            count = Text(f"{shown:,} of {result.total:,} paragraphs", style="bold")
        else:
            count = Text(plural(result.total, "paragraph"), style="bold")
        parts = [count]  # most telling first: what does not fit the status's two lines is cut
        if result.suggestion:
            parts += [Text(" · did you mean ", style="dim"),
                      safe(result.suggestion, "bold yellow"), Text("?", style="dim")]
        if request.sector:
            parts += [Text(" · sector: ", style="dim"),
                      Text.assemble(self.query_one(SectorTree).name_of(request.sector), style="green")]
        if request.event:
            parts += [Text(" · event: ", style="dim"),
                      Text(describe_event_date(request.event), style="magenta"),
                      Text(f" ({plural(len(request.event.sources), 'source')})", style="dim")]
        return Text.assemble(*parts)

    def _query_typed(self, query: str) -> None:
        self.search(query=query, event=None)
        if self.corpus is None:  # no results to paint its echo with (QueryInput._on_key)
            self.search_pane.input.release_echo()

    def on_search_pane_submitted(self, message: SearchPane.Submitted) -> None:
        self.results.focus()

    def on_sector_tree_picked(self, message: SectorTree.Picked) -> None:
        self.query_one(SectorTree).filter_by(message.path)
        self.search(sector=message.path, event=None)
        self.results.focus()

    def on_timeline_list_picked(self, message: TimelineList.Picked) -> None:
        self.search(event=message.event)
        self.results.focus()

    def action_clear_filters(self) -> None:
        self.query_one(SectorTree).filter_by(None)
        self.search(sector=None, event=None)

    # --- reading -----------------------------------------------------------------------------

    def on_results_list_opened(self, message: ResultsList.Opened) -> None:
        self.open_passage(message.hit.article, message.hit.paragraph)

    def open_passage(self, article: str, paragraph: int, bookmark: "Bookmark | None" = None) -> None:
        if self.corpus is not None:
            self.load_article(article, paragraph, bookmark, self.request.query)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def load_article(self, article: str, paragraph: int, bookmark: "Bookmark | None",
                     query: str) -> None:
        try:
            text = self.corpus.article(article, query)
        except KeyError:
            self.app.notify(f"The article {article} is no longer in the index",
                            severity="warning", markup=False)
            return
        span = None
        if bookmark is not None:  # find the passage again, even if the article has changed
            found = anchor(bookmark, [p.text for p in text.paragraphs])
            if found.orphaned:
                self.app.notify("The bookmarked passage is no longer in the article; "
                                "showing the article", severity="warning", markup=False)
            else:
                paragraph, span = found.paragraph, (found.start, found.end)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_article, text, paragraph, span)

    def _show_article(self, text: "ArticleText", paragraph: int, span=None) -> None:
        self.reader.show(text, paragraph, span)
        if self.app.screen is not self:
            return  # opened a palette, help or a dialog meanwhile: the reader waits behind it
        if self._reachable("reader"):
            self.reader.focus()
        else:
            self._push_reader(text, paragraph, span)

    def _push_reader(self, text: "ArticleText", paragraph: int | None, span=None) -> None:
        from .reader import ReaderScreen

        current = self.reader.current_paragraph()
        number = paragraph if paragraph is not None else (current.paragraph if current else None)
        self.app.push_screen(ReaderScreen(text, number, span))

    # --- bookmarks ---------------------------------------------------------------------------

    def _mark_bookmarks(self, bookmarks: "tuple[Bookmark, ...]") -> None:
        self.results.show_bookmarks(bookmarks)
        self.reader.show_bookmarks(bookmarks)

    def action_bookmarks(self) -> None:
        from .bookmarks import BookmarksScreen

        def opened(bookmark: "Bookmark | None") -> None:
            if bookmark is not None:
                self.open_passage(bookmark.article, bookmark.paragraph, bookmark)

        self.app.push_screen(BookmarksScreen(), opened)

    # --- errors ------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for what a worker did not expect: say it, never crash."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "index":
            self.app.sub_title = "no index"
            self.query_one(ProgressBar).display = False
            self.search_pane.show_status(Text.assemble(
                ("⚠ cannot open the index: ", "bold red"), safe(str(error), "red")))
        self.notify(f"{error.__class__.__name__}: {error}", title="Error", severity="error",
                    markup=False)
