"""The query API as the app's workers use it: one Explorer, one caller at a time.

Workers run in threads and a Whoosh searcher is not meant to serve two threads at once, so every
call goes through one lock. Nothing here imports Whoosh: ``tui.search`` is imported by
:func:`open_corpus`, inside the worker that opens the index, so the first frame does not wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import IndexBusy, IndexProblem, QueryError
from ..paths import Paths

if TYPE_CHECKING:
    from ..search import ArticleText, CorpusInfo, Explorer, SearchResult, SectorNode
    from ..timeline import Event


@dataclass(frozen=True)
class Request:
    """What the results show: a query, an optional sector and an optional timeline event."""

    query: str = ""
    sector: str | None = None
    event: "Event | None" = None

    @property
    def refs(self) -> set[str] | None:
        return {source.ref for source in self.event.sources} if self.event else None


@dataclass(frozen=True)
class Found:
    """The results for a Request, or the reason there are none (a query the user must fix)."""

    request: Request
    result: "SearchResult | None" = None
    error: str | None = None


@dataclass(frozen=True)
class Facets:
    """What the side panes show for a Request: the sector counts and the timeline, if asked for."""

    request: Request
    tree: "SectorNode | None" = None
    events: "list[Event] | None" = None


class Corpus:
    """An open Explorer with its lock, and the corpus facts that do not change while it is open."""

    def __init__(self, explorer: "Explorer") -> None:
        self._explorer = explorer
        self._lock = threading.Lock()
        self.info: CorpusInfo = explorer.info()

    def find(self, request: Request, *, limit: int,
             cancelled: Callable[[], bool] = lambda: False) -> Found | None:
        """The top ``limit`` results for ``request`` (None if ``cancelled`` once the lock is ours)."""
        with self._lock:
            if cancelled():
                return None
            try:
                return Found(request, self._explorer.search(
                    request.query, sector=request.sector, limit=limit, refs=request.refs))
            except QueryError as err:
                return Found(request, error=str(err))

    def facets(self, request: Request, *, tree: bool = False, timeline: bool = False,
               cancelled: Callable[[], bool] = lambda: False) -> Facets | None:
        """The sector counts and timeline for a request whose results were found (no QueryError)."""
        with self._lock:
            if cancelled():
                return None
            try:
                return Facets(
                    request,
                    self._explorer.sector_tree(request.query) if tree else None,
                    self._explorer.timeline(request.query, request.sector) if timeline else None,
                )
            except QueryError:  # the index changed under the query: the next search says why
                return None

    def warm(self) -> None:
        with self._lock:
            self._explorer.warm()

    def article(self, article_id: str, query: str = "") -> "ArticleText":
        with self._lock:
            try:
                return self._explorer.article(article_id, query)
            except QueryError:  # a half-typed query must not stop the article from opening
                return self._explorer.article(article_id, "")

    def refresh(self) -> bool:
        with self._lock:
            changed = self._explorer.refresh()
            if changed:
                self.info = self._explorer.info()
            return changed

    def update(self, paths: Paths, progress: Callable[[int, int], None],
               notice: Callable[[str], None]) -> bool:
        """Bring the index up to date with the corpus, then switch to it; True if it changed.

        Slow (it reads every article's size and time): call it in a thread. Searches go on
        meanwhile on the index as it was; an index another process is writing, or one that
        cannot be written, stays as it was, with a notice.
        """
        from ..search import CorpusError, Explorer

        try:
            report = Explorer.build(paths, progress=progress, wait=1.0)
        except IndexBusy as err:
            notice(f"{err}; searching it as it was")
            return False
        except CorpusError as err:  # the folder moved or went away since the index was built
            notice(f"{err}; searching the index as it was")
            return False
        except OSError as err:
            notice(f"cannot update the index ({err.strerror or err}); searching it as it was")
            return False
        for line in report.notices + report.problems:
            notice(line)
        return self.refresh()

    @property
    def updating(self) -> bool:
        """Whether another process holds the index's write lock (no lock of ours needed)."""
        return self._explorer.updating

    def close(self) -> None:
        with self._lock:
            self._explorer.close()


def open_as_it_is(paths: Paths) -> Corpus | None:
    """The index as it was last built, without looking at the corpus; None if there is none fit
    to open (then :func:`open_corpus` builds or repairs it)."""
    from ..search import Explorer

    try:
        return Corpus(Explorer.open(paths, build=False))
    except (IndexProblem, OSError):
        return None


def open_corpus(paths: Paths, progress: Callable[[int, int], None],
                notice: Callable[[str], None]) -> Corpus:
    """Open (building or repairing if need be) the index of ``paths``; slow, call it in a thread."""
    from ..search import Explorer

    return Corpus(Explorer.open(paths, progress=progress, notice=notice))
