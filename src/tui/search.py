"""The query API: what the app and the command line ask of the corpus.

It imports neither Textual nor Rich and never touches Whoosh directly; ``index`` does that.
Every method returns plain dataclasses (``answers``); any query string gives a result or a
``QueryError``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import index as _index
from .answers import ArticleInfo, ArticleText, CorpusInfo, Hit, SearchResult, SectorNode
from .errors import CorpusError
from .index import Docs, IndexBusy, IndexProblem, QueryError
from .paths import Paths
from .timeline import Event, TimelinePage, page_around

if TYPE_CHECKING:
    from .index import BuildReport

__all__ = ["Explorer", "Hit", "SearchResult", "SectorNode", "ArticleInfo", "ArticleText",
           "QueryError", "IndexBusy", "IndexProblem", "CorpusError", "Event"]

DEFAULT_LIMIT = 20
GUESSED_HITS = 20  # hits found ahead for the query read_ahead guesses: a screenful of results
QUERIES_KEPT = 2  # queries whose hits are kept: the last one asked, and read_ahead's guess


class Explorer:
    """The corpus behind one index folder, opened once and queried many times."""

    def __init__(self, corpus_index: _index.CorpusIndex):
        self._index = corpus_index
        self._ref_docs: dict[str, int | None] = {}
        self._kept_hits: OrderedDict = OrderedDict()  # (query, highlight) -> its hits by document

    # opening

    @classmethod
    def open(cls, paths: Paths, *, build: bool = True,
             progress: Callable[[int, int], None] | None = None,
             notice: Callable[[str], None] | None = None) -> "Explorer":
        """Open the index, first building or repairing it from the corpus if it needs it.

        ``notice`` hears one line per thing worth telling (a rebuild and why, skipped files).
        With ``build=False`` a missing or damaged index raises IndexProblem instead. An index that
        cannot be updated now (another process is writing it, a read-only folder, a full disk) is
        opened as it is, with a notice; only when there is none to open is the error raised.
        """
        if build:
            try:
                report = cls.build(paths, progress=progress, wait=1.0)
            except (IndexBusy, OSError) as err:
                try:
                    explorer = cls(_index.CorpusIndex(paths.index))
                except (IndexProblem, OSError):
                    explorer = None
                if explorer is None and not isinstance(err, IndexBusy):
                    raise
                if explorer is not None:
                    if notice:
                        why = str(err) if isinstance(err, IndexBusy) else \
                            f"cannot update the index ({err.strerror or err})"
                        notice(f"{why}; searching it as it was")
                    return explorer
                report = cls.build(paths, progress=progress)  # none yet: wait for the other writer
            if notice:
                for line in report.notices + report.problems:
                    notice(line)
        try:
            return cls(_index.CorpusIndex(paths.index))
        except IndexProblem:
            if not build:
                raise
            report = cls.build(paths, rebuild=True, progress=progress)
            if notice:
                notice("the index was damaged and has been rebuilt")
            return cls(_index.CorpusIndex(paths.index))

    @staticmethod
    def build(paths: Paths, *, rebuild: bool = False,
              progress: Callable[[int, int], None] | None = None, wait: float = 30.0) -> BuildReport:
        return _index.update(paths.corpus, paths.index, rebuild=rebuild, progress=progress, wait=wait)

    def refresh(self) -> bool:
        """Switch to a newer index if another process has updated it; True if it did."""
        changed = self._index.refresh()
        if changed:
            self._ref_docs.clear()
            self._kept_hits.clear()
        return changed

    def close(self) -> None:
        self._index.close()

    def warm(self) -> None:
        """Read ahead what any first search needs, so that the first one a user types is quick."""
        self._index.warm()

    def read_ahead(self, query: str) -> Iterator[None]:
        """Read ahead, a step at a time, what a query typed on from ``query`` will likely need (the
        words its half-typed last word may become), and find the hits of the query it most likely
        becomes, ranked by the index (``GUESSED_HITS`` of them, a hit a step). A generator: stop
        it when there is work.

        A query's results change when a word is finished (a half-typed one matches nothing), and
        the keystroke that finishes it searched from nothing: 2-3 ms of the search process at 10k
        paragraphs before the app could draw anything. When the guess was right, that search is
        an answer already worked out."""
        guess = yield from self._index.read_ahead(query)
        if guess is not None:
            words = self._index.highlight_terms(guess)
            for best in self._index.search(guess, None, GUESSED_HITS)[1]:
                self._hits(guess, [best], highlight=True, words=words)
                yield

    def __enter__(self) -> "Explorer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def updating(self) -> bool:
        return _index.is_locked(self._index.root)

    # what is there

    def info(self) -> CorpusInfo:
        manifest = self._index.manifest
        return CorpusInfo(manifest.corpus_name, len(manifest.articles), self._index.paragraph_count,
                          manifest.window, tuple(manifest.problems))

    def articles(self) -> list[ArticleInfo]:
        return [self._article_info(i, entry) for i, entry in sorted(self._index.manifest.articles.items())]

    def article(self, article_id: str, query: str = "") -> ArticleText:
        entry = self._index.manifest.articles.get(article_id)
        if entry is None:
            raise KeyError(f"no article {article_id!r}")
        words = self._words(query)
        docs = self._index.article_docs(article_id)
        return ArticleText(self._article_info(article_id, entry),
                           tuple(self._hit(doc, 0.0, words) for doc in docs))

    def paragraph(self, ref: str) -> Hit:
        docnum = self._docnum(ref)
        if docnum is None:
            raise KeyError(f"no paragraph {ref!r}")
        return self._hit(self._index.stored(docnum), 0.0, set())

    # queries

    def search(self, query: str = "", sector: str | None = None, limit: int | None = DEFAULT_LIMIT,
               refs: set[str] | None = None) -> SearchResult:
        """Paragraphs matching ``query`` (all for an empty one), best first.

        ``sector`` keeps a node and its descendants; ``refs`` keeps only those paragraphs (the
        sources of a timeline event).
        """
        parsed = self._parse(query)
        within = self._within(sector, refs)
        if query.strip():  # one pass gives the matches (for the count) and the best of them
            matched, ranked = self._index.search(parsed, within, limit or None)
            allowed = matched if within is None else matched & within
        else:  # browsing: corpus order
            everything = self._index.all_docs()
            allowed = everything if within is None else everything & within
            ranked = [(n, 0.0) for n in (allowed.first(limit) if limit else allowed.numbers())]
        suggestion = None
        if not allowed and query.strip():
            suggestion = self._index.suggest(query)
        return SearchResult(query, len(allowed), suggestion,
                            self._hits(parsed, ranked, bool(query.strip())), sector)

    def count(self, query: str = "", sector: str | None = None) -> int:
        return len(self._allowed(self._parse(query), sector, None))

    def sector_tree(self, query: str | None = None) -> SectorNode:
        """The taxonomy with, per node, how many matching paragraphs sit in it or below it."""
        matched = self._index.matching(self._parse(query or ""))
        paths = []
        stack = list(self._index.manifest.sectors)
        while stack:
            spec = stack.pop()
            paths.append(spec["path"])
            stack.extend(spec.get("children", ()))
        counts = self._index.sector_counts(matched, paths)

        def node(spec: dict) -> SectorNode:
            children = tuple(node(child) for child in spec.get("children", ()))
            return SectorNode(spec["name"], spec["path"], counts[spec["path"]], children)

        roots = tuple(node(spec) for spec in self._index.manifest.sectors)
        return SectorNode(self.info().name or "All sectors", "", len(matched), roots)

    def timeline(self, query: str | None = None, sector: str | None = None) -> list[Event]:
        """Events in date order, each cut to the sources that match the query and sector."""
        docs = self._timeline_docs(query, sector)
        return self._index.events() if docs is None else self._index.events_within(docs)

    def timeline_page(self, query: str | None, sector: str | None, limit: int) -> TimelinePage:
        """``timeline`` cut to ``limit`` events around the visit window: what a pane shows (the
        app's pane says how many: timeline widget's SHOWN)."""
        docs, window = self._timeline_docs(query, sector), self._index.manifest.window
        if docs is None:
            return page_around(self._index.events(), window, limit)
        return self._index.events_page(docs, window, limit)

    # helpers

    def _timeline_docs(self, query: str | None, sector: str | None) -> Docs | None:
        """The paragraphs whose sources the timeline keeps; None: all, every event whole."""
        if not (query or "").strip() and not sector:
            return None
        return self._allowed(self._parse(query or ""), sector, None)

    def _parse(self, query: str):
        if not isinstance(query, str):
            raise QueryError("a query is text")
        return self._index.parse(query) if query.strip() else self._index.everything()

    def _allowed(self, parsed, sector: str | None, refs: set[str] | None) -> Docs:
        allowed = self._index.matching(parsed)
        if sector:
            if not self._known_sector(sector):
                raise QueryError(f"no sector {sector!r} (see `tui sectors`)")
            allowed &= self._index.sector_docs(sector)
        if refs is not None:
            allowed &= Docs.of(self._docnum(ref) for ref in refs)
        return allowed

    def _within(self, sector: str | None, refs: set[str] | None) -> Docs | None:
        """The documents ``sector`` and ``refs`` keep (None: no restriction)."""
        within = None
        if sector:
            if not self._known_sector(sector):
                raise QueryError(f"no sector {sector!r} (see `tui sectors`)")
            within = self._index.sector_docs(sector)
        if refs is not None:
            docs = Docs.of(self._docnum(ref) for ref in refs)
            within = docs if within is None else within & docs
        return within

    def _known_sector(self, path: str) -> bool:
        stack = list(self._index.manifest.sectors)
        while stack:
            spec = stack.pop()
            if spec["path"] == path:
                return True
            stack.extend(spec.get("children", ()))
        return False

    def _words(self, query: str) -> set[str]:
        return self._index.highlight_terms(self._parse(query)) if query.strip() else set()

    def _docnum(self, ref: str) -> int | None:
        if ref not in self._ref_docs:
            self._ref_docs[ref] = self._index.doc_for_ref(ref)
        return self._ref_docs[ref]

    def _hits(self, parsed, ranked: list[tuple[int, float]], highlight: bool,
              words: set[str] | None = None) -> tuple[Hit, ...]:
        """The hits of ``ranked`` documents for the query ``parsed``. The last two queries' are
        kept (the last one asked, and read_ahead's guess): a word typed on ("pakistan e",
        "Pakistan") often parses to the same query, and its results need no stored fields read or
        highlights found again. ``words``: the query's words to highlight, if known."""
        key = (parsed, highlight)  # "*:*" parses as "" does: not scored alike
        kept = self._kept_hits.get(key)
        if kept is None:
            kept = self._kept_hits[key] = {}
            while len(self._kept_hits) > QUERIES_KEPT:
                self._kept_hits.popitem(last=False)
        self._kept_hits.move_to_end(key)
        for n, score in ranked:
            if n not in kept:
                if words is None:
                    words = self._index.highlight_terms(parsed) if highlight else set()
                kept[n] = self._hit(self._index.stored(n), score, words)
        return tuple(kept[n] for n, _ in ranked)

    def _hit(self, doc: dict, score: float, words: set[str]) -> Hit:
        text = doc.get("text", "")
        return Hit(
            ref=doc["ref"], article=doc["article"], paragraph=int(doc["number"]),
            title=doc.get("title", ""), date=doc.get("published") or None,
            heading=doc.get("heading", ""), text=text,
            highlights=tuple(_index.highlight_spans(text, words)),
            sectors=tuple(_leaves(doc.get("sector", ""))), score=score,
        )

    @staticmethod
    def _article_info(article_id: str, entry: dict) -> ArticleInfo:
        return ArticleInfo(article_id, entry["title"], entry.get("date"), entry.get("place", ""),
                           entry.get("source", ""), entry.get("url", ""), entry["paragraphs"],
                           tuple(entry.get("headings", ())))


def _leaves(field_value: str) -> list[str]:
    """The most specific sector paths of a stored field that also holds their ancestors."""
    paths = [p for p in field_value.split(",") if p]
    inner = {path[:cut] for path in paths for cut, ch in enumerate(path) if ch == "/"}
    return [p for p in paths if p not in inner]  # linear: any() over the others was 35 µs a hit

