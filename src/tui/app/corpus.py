"""The query API as the app's workers use it: an Explorer in a process of its own.

The Explorer runs in a child process (``tui.service``), so that a search goes on while the app
paints: ``ask`` sends a search the moment a key is handled, and a worker waits for its answer.
Nothing here imports Whoosh, and neither does the app's process to search: only to update the
index from the corpus, in a worker.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import IndexBusy, IndexProblem, QueryError
from ..paths import Paths
from ..service import STOPPED, Reply, SearchService

RESTARTS = 3  # times a Corpus starts its search process again, at most

if TYPE_CHECKING:
    from ..answers import ArticleText, CorpusInfo, SearchResult, SectorNode
    from ..timeline import Event, TimelinePage


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
    timeline: "TimelinePage | None" = None


class Pending:
    """A search sent to the index; ``wait`` gives its Found, or None if a newer one replaced it."""

    def __init__(self, request: Request, generation: int | None, reply: Reply,
                 again: Callable[[], "Pending"] | None = None) -> None:
        self.request, self.generation, self._reply, self._again = request, generation, reply, again

    def wait(self) -> Found | None:
        """The Found; asked again (once) of a new search process if this one stopped first."""
        try:
            result = self._reply.wait()
        except QueryError as err:
            return Found(self.request, error=str(err))
        except IndexProblem:
            if self._again is None:
                raise
            return self._again().wait()
        return None if result is None else Found(self.request, result)


class Corpus:
    """The open index, searched in its own process, and the corpus facts that do not change
    while it is open. A search process that stopped (killed, out of memory) is started again
    at the next request, RESTARTS times at most."""

    def __init__(self, service: SearchService) -> None:
        """Waits for ``service`` to open the index (IndexProblem or OSError if it cannot)."""
        self._service = service
        self.info: CorpusInfo = service.opened()
        self._generations = itertools.count(1)
        self._restarting = threading.Lock()
        self._restarts = 0
        self._restarted = False  # its facts not yet asked again (the index may have changed)

    @property
    def pid(self) -> int | None:
        """The search process's."""
        return self._service.pid

    def _live(self) -> SearchService:
        """The search process, started again if it stopped since it was last asked something."""
        with self._restarting:
            if self._service.stopped == STOPPED and self._restarts < RESTARTS:
                self._restarts += 1
                self._service.close()
                self._service = SearchService(self._service.paths)
                self._restarted = True
            return self._service

    def ask(self, request: Request, *, limit: int, following: Pending | None = None) -> Pending:
        """Send the search for the top ``limit`` results of ``request`` now. It begins a new
        generation of searches, or belongs to ``following``'s (the rest of its results): the
        search process drops what it has not started of older generations than the newest."""
        generation = following.generation if following is not None else next(self._generations)
        return self._search(request, limit, generation)

    def find(self, request: Request, *, limit: int,
             cancelled: Callable[[], bool] = lambda: False) -> Found | None:
        """The top ``limit`` results for ``request``, of no generation: never dropped (None if
        ``cancelled`` before it is sent)."""
        if cancelled():
            return None
        return self._search(request, limit, None).wait()

    def _search(self, request: Request, limit: int, generation: int | None,
                again: bool = True) -> Pending:
        reply = self._live().call("search", request.query, sector=request.sector, limit=limit,
                                  refs=request.refs, generation=generation)
        return Pending(request, generation, reply,
                       (lambda: self._search(request, limit, generation, again=False)) if again else None)

    def facets(self, request: Request, *, tree: bool = False, timeline: int = 0,
               following: Pending | None = None,
               cancelled: Callable[[], bool] = lambda: False) -> Facets | None:
        """The sector counts and ``timeline`` events around the visit (the page a pane shows:
        the whole timeline of a large archive, sent from the search process, doubled the app's
        memory) for a request whose results were found (no QueryError), of ``following``'s
        generation; None if ``cancelled`` before they are asked. Each is None if it was not
        asked, or dropped for a newer search."""
        if cancelled():
            return None
        generation = following.generation if following is not None else None
        service = self._live()
        try:
            return Facets(
                request,
                service.ask("sector_tree", request.query, generation=generation) if tree else None,
                service.ask("timeline_page", request.query, request.sector, timeline,
                            generation=generation) if timeline else None,
            )
        except QueryError:  # the index changed under the query: the next search says why
            return None

    def warm(self) -> None:
        self._live().ask("warm")

    def article(self, article_id: str, query: str = "") -> "ArticleText":
        try:
            return self._live().ask("article", article_id, query)
        except QueryError:  # a half-typed query must not stop the article from opening
            return self._live().ask("article", article_id, "")

    def refresh(self) -> bool:
        """Switch to a newer index if another process updated it; True if it did (False if the
        search process cannot be asked: the next search says why)."""
        try:
            changed = self._live().ask("refresh")
            if changed or self._restarted:  # a search process started again opened the index
                info = self._live().ask("info")  # as it is now: has it changed since?
                changed = changed or info != self.info
                self.info, self._restarted = info, False
        except IndexProblem:
            return False
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
        """Whether another process holds the index's write lock (False if the search process
        cannot be asked: the next search says why)."""
        try:
            return self._live().ask("updating")
        except IndexProblem:
            return False

    def close(self) -> None:
        self._service.close()


def open_as_it_is(paths: Paths, started: SearchService | None = None) -> Corpus | None:
    """The index as it was last built, without looking at the corpus, searched by ``started``
    (a search process started early for ``paths``) or a new one; None if there is none fit to
    open (then :func:`open_corpus` builds or repairs it)."""
    try:
        return Corpus(started or SearchService(paths))
    except (IndexProblem, OSError):
        return None


def open_corpus(paths: Paths, progress: Callable[[int, int], None],
                notice: Callable[[str], None]) -> Corpus:
    """Open (building or repairing if need be) the index of ``paths``; slow, call it in a thread."""
    from ..search import Explorer

    Explorer.open(paths, progress=progress, notice=notice).close()  # built or repaired here
    return Corpus(SearchService(paths))
