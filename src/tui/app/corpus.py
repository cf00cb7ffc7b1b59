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
    """The answer to a Request: the results, and the tree and timeline if they were asked for."""

    request: Request
    result: "SearchResult | None" = None
    tree: "SectorNode | None" = None
    events: "list[Event] | None" = None
    error: str | None = None  # a query the user must fix: the message to show


class Corpus:
    """An open Explorer with its lock, and the corpus facts that do not change while it is open."""

    def __init__(self, explorer: "Explorer") -> None:
        self._explorer = explorer
        self._lock = threading.Lock()
        self.info: CorpusInfo = explorer.info()

    def find(self, request: Request, *, limit: int, tree: bool, timeline: bool,
             cancelled: Callable[[], bool] = lambda: False) -> Found | None:
        """Results for ``request`` (None if ``cancelled`` says so once the lock is ours)."""
        from ..search import QueryError

        with self._lock:
            if cancelled():
                return None
            try:
                return Found(
                    request,
                    self._explorer.search(request.query, sector=request.sector, limit=limit,
                                          refs=request.refs),
                    self._explorer.sector_tree(request.query) if tree else None,
                    self._explorer.timeline(request.query, request.sector) if timeline else None,
                )
            except QueryError as err:
                return Found(request, error=str(err))

    def article(self, article_id: str, query: str = "") -> "ArticleText":
        from ..search import QueryError

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

    def close(self) -> None:
        with self._lock:
            self._explorer.close()


def open_corpus(paths: Paths, progress: Callable[[int, int], None],
                notice: Callable[[str], None]) -> Corpus:
    """Open (building or repairing if need be) the index of ``paths``; slow, call it in a thread."""
    from ..search import Explorer

    return Corpus(Explorer.open(paths, progress=progress, notice=notice))
