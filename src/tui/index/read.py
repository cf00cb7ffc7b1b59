"""An open index: queries, counts by sector, the timeline's events, spelling suggestions.

Reading needs no lock: Whoosh readers see the last committed generation.
"""

from __future__ import annotations

import heapq
import re
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator
from itertools import compress, islice
from pathlib import Path

from whoosh.query import Every, Query, Term
from whoosh.reading import MultiReader as _MultiReader, SegmentReader as _SegmentReader, TermNotFound
from whoosh.support.levenshtein import damerau_levenshtein as _damerau_levenshtein
from whoosh.support.levenshtein import levenshtein as _levenshtein

from .. import timeline
from . import whoosh_io
from .analysis import analyze
from .blocks import PostingCache, Segment, doc_set, query_scores, segment_lengths
from .docs import Docs, numbers_of
from .errors import DAMAGE, IndexProblem, QueryError
from .events import event_of, load_events
from .manifest import check_index, toc_hashes
from .query import OPERATORS, SEARCHED, make_parser, parse

_PLAIN_WORD = re.compile(r"(?<![\w:*~^])[^\W\d_]{3,}(?![\w:*~^])")


COMPLETIONS = 200  # known words a typed prefix is weighed against, at most (in sorted order)
READ_AHEAD = 3  # words a half-typed word may become whose postings are read before it is finished
MATCHES_KEPT = 8  # queries whose documents are kept: the app asks three times a keystroke
RANKED_KEPT = 50  # the last query's best documents kept, at least: asked again, as the app does
# (a word typed on, then the rest of a screenful), it is not scored again. Its scores are not
# kept: a dict of every match held from one query to the next made searches at 100k paragraphs
# 1-2 ms slower (the next query's could not reuse its memory).
RANKED_QUERIES = 2  # queries whose best documents are kept: the last one, and read_ahead's guess


def edits_allowed(word: str) -> int:
    """How many edits a spelling suggestion may make to ``word``: none for one or two letters,
    one for three to five, two beyond (Elasticsearch's "AUTO" fuzziness). Two edits turn most
    short words into some other word of a large corpus, and on a 100k-paragraph index looking
    for them took ~200 ms per keystroke of every short prefix that matched nothing."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2

class CorpusIndex:
    """An open index: one searcher reused across queries and refreshed when the index changes."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.manifest = check_index(self.data)
        self._items = load_events(self.data, self.manifest.timeline["events"])
        try:
            self._ix = whoosh_io.open_dir(self.data)
            self._searcher = self._ix.searcher()
        except DAMAGE as err:
            raise IndexProblem(f"it is damaged ({err.__class__.__name__})") from None
        self._parser = make_parser(self._ix.schema)
        self._forget()

    def _forget(self) -> None:
        """Drop what was worked out for the current searcher (its documents, sectors, events)."""
        self._sector_docs: dict[str, Docs] = {}
        self._matches: OrderedDict = OrderedDict()  # query -> documents: the last few queries
        self._ranked: OrderedDict = OrderedDict()  # query -> its documents and its best of them
        self._all_docs: Docs | None = None
        self._lengths: dict[tuple[int, str], list] = {}  # (segment, field) -> length of each doc
        self._postings = PostingCache()
        self._segments: list | None = None
        self._events: list | None = None
        self._event_docs: list[tuple[int | None, ...]] | None = None
        self._event_index: tuple[dict, int, dict, int] | None = None
        self._spelling: dict[int, list[tuple[str, frozenset[str]]]] | None = None

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def refresh(self) -> bool:
        """Pick up a newer committed index; True if something changed."""
        try:
            if toc_hashes(self.data) == self.manifest.toc:
                return False  # the usual case, found without reading the manifest
        except OSError:
            return False
        try:
            manifest = check_index(self.data)
        except IndexProblem:
            return False  # mid-update or damaged: keep serving what we have
        if manifest.toc == self.manifest.toc:
            return False
        try:
            items = load_events(self.data, manifest.timeline["events"])
            ix = whoosh_io.open_dir(self.data)
            searcher = ix.searcher()
        except (IndexProblem, *DAMAGE):
            return False
        old_searcher, old_ix = self._searcher, self._ix
        self._ix, self._searcher, self.manifest, self._items = ix, searcher, manifest, items
        self._forget()
        old_searcher.close()
        old_ix.close()
        return True

    # queries

    def parse(self, text: str) -> Query:
        return parse(self._parser, text)

    def everything(self) -> Query:
        return Every()

    def matching(self, query: Query) -> Docs:
        """The documents ``query`` matches; the last few queries' answers are kept.

        The app asks for the same query three times per keystroke (results, sector counts,
        timeline); sets of documents are worked out from whole blocks of postings (see doc_set).
        """
        if isinstance(query, Every):
            return self.all_docs()
        try:
            found = self._matches.get(query)
            if found is None:
                found = Docs(self._evaluate(query, scored=False))
                self._remember(query, found)
            return found
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None

    def _remember(self, query: Query, found: Docs) -> None:
        _keep(self._matches, query, found, MATCHES_KEPT)

    def all_docs(self) -> Docs:
        """Every live document (the ones ``Every()`` matches)."""
        if self._all_docs is None:
            found = 0
            for sub, offset in self._searcher.leaf_searchers():
                reader = sub.reader()
                found |= ((1 << reader.doc_count_all()) - 1) << offset
                if reader.has_deletions():
                    found &= ~Docs.of(offset + n for n in range(reader.doc_count_all())
                                      if reader.is_deleted(n)).bits
            self._all_docs = Docs(found)
        return self._all_docs

    def _segment_views(self) -> list:
        """(searcher, Segment) for each segment of the open searcher."""
        if self._segments is None:
            self._segments = [
                (sub, Segment(sub.reader(), offset, lambda field, sub=sub: self._field_lengths(sub, field),
                              self._postings))
                for sub, offset in self._searcher.leaf_searchers()]
        return self._segments

    def _evaluate(self, query: Query, scored: bool):
        """The documents of ``query`` over every segment, as a bit set; with ``scored``, also
        each one's score (a dict): (bits, scores)."""
        return _finished(self._evaluating(query, scored))

    def _evaluating(self, query: Query, scored: bool) -> Generator[None, None, object]:
        """``_evaluate`` a segment at a time (a generator returning its answer)."""
        bits, scores = 0, {}
        context = self._searcher.context() if scored else None
        for sub, segment in self._segment_views():
            offset = segment.key
            try:
                if scored:
                    found, found_bits = query_scores(query, sub, context, segment)
                    scores.update(found.items() if not offset else ((offset + n, v) for n, v in found.items()))
                    bits |= found_bits << offset
                else:
                    bits |= doc_set(query.matcher(sub, sub.boolean_context()), segment) << offset
            except TermNotFound:
                continue
            yield
        return (bits, scores) if scored else bits

    def warm(self) -> None:
        """Do now what the first search of a session does once, whatever its words: set the
        parser up, read each segment's document lengths and where its stored fields are (1-2 ms
        of a first word's search at 10k paragraphs). Nothing is said of a damaged index here:
        the search that needs the part says what is wrong."""
        try:
            self.parse("warm")
            for sub, _ in self._segment_views():
                for field in SEARCHED:
                    self._field_lengths(sub, field)
                if sub.reader().doc_count_all():
                    sub.stored_fields(0)
        except DAMAGE:
            return

    def read_ahead(self, text: str) -> Generator[None, None, Query | None]:
        """Read what the next keystrokes of ``text`` will likely ask for, a segment at a time (a
        generator: its caller stops it for real work). The words its last, half-typed word
        begins, most frequent first (READ_AHEAD of them): their postings and scores, as a search
        of each reads them. A new word's first search spent half of its 5-10 ms (10k paragraphs)
        reading them, in the keystroke that finished typing it. Then ``text`` with that word
        finished as the most frequent of them, searched and ranked (kept as search keeps the last
        query): the generator returns that query, once done (else None)."""
        words = text.split()
        prefix = words[-1].lower() if words and not text[-1:].isspace() else ""
        if len(prefix) < 2 or not prefix.isalpha():
            return None
        try:
            likely = [word for word, stems in self._words_begun(prefix) if len(stems) == 1]
            yield
            context, schema = self._searcher.context(), self._ix.schema
            for word in likely[:READ_AHEAD]:
                query = self.parse(word)
                terms = [(leaf.fieldname, schema[leaf.fieldname].to_bytes(leaf.text))
                         for leaf in query.leaves() if isinstance(leaf, Term)]
                for sub, segment in self._segment_views():
                    for term in terms:  # small steps: a search asked meanwhile waits for one
                        segment.postings(term)
                        yield
                    query_scores(query, sub, context, segment)  # the scores, from those postings
                    yield
            if likely:  # the query with its last word finished as most often, ranked and kept
                guess = self.parse(text[:len(text) - len(words[-1])] + likely[0])
                yield from self._searching(guess, None, RANKED_KEPT)
                return guess
        except (QueryError, TermNotFound, *DAMAGE):
            return None
        return None

    def _field_lengths(self, sub, field: str) -> list | None:
        """The length Whoosh scores each document of a segment's ``field`` with (None: no column)."""
        key = (id(sub.reader()), field)
        if key not in self._lengths:
            self._lengths[key] = segment_lengths(sub.reader(), field)
        return self._lengths[key]

    def search(self, query: Query, within: Docs | None,
               limit: int | None) -> tuple[Docs, list[tuple[int, float]]]:
        """All documents ``query`` matches, and the best ``limit`` of those ``within`` (if given).

        Every match is scored, as Whoosh's own unlimited search scores them, and the best come first
        with ties in document order. Whoosh's top-N search skips documents by estimated score
        bounds, and on indexes of several segments those bounds were not always above the real
        scores: it could leave out a document that belonged in the top 20.
        """
        try:
            return _finished(self._searching(query, within, limit))
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None

    def _searching(self, query: Query, within: Docs | None, limit: int | None
                   ) -> Generator[None, None, tuple[Docs, list[tuple[int, float]]]]:
        """``search`` a segment at a time (a generator returning its answer); without ``within``,
        the best RANKED_KEPT at least are kept for the next search of ``query``."""
        kept = self._ranked.get(query) if within is None else None
        if kept is not None:  # typing on past a word ("pakistan e") asks again; or read_ahead's guess
            matched, best = kept
            if len(best) == len(matched) or (limit is not None and limit <= len(best)):
                self._ranked.move_to_end(query)
                return matched, best[:limit]
        bits, scores = yield from self._evaluating(query, scored=True)
        matched = Docs(bits)
        self._remember(query, matched)
        if within is not None:
            scores = {n: scores[n] for n in numbers_of(bits & within.bits)}
        ranked = _best(scores, None if limit is None else max(limit, RANKED_KEPT))
        if within is None:
            _keep(self._ranked, query, (matched, ranked), RANKED_QUERIES)
        return matched, ranked[:limit]

    def ranked(self, query: Query, allowed: Docs | None, limit: int) -> list[tuple[int, float]]:
        """The top ``limit`` documents by score, among ``allowed`` if given."""
        if allowed is not None and not allowed:
            return []
        return self.search(query, allowed, limit)[1]

    def stored(self, docnum: int) -> dict:
        return self._searcher.stored_fields(docnum)

    def article_docs(self, article: str) -> list[dict]:
        docs = [self._searcher.stored_fields(n)
                for n in self._searcher.docs_for_query(Term("article", article))]
        return sorted(docs, key=lambda d: d["number"])

    def doc_for_ref(self, ref: str) -> int | None:
        return self._searcher.document_number(ref=ref)

    # the timeline

    def events(self) -> list[timeline.Event]:
        """The timeline's events, read once for this searcher (a new list each call)."""
        if self._events is None:
            self._events = [event_of(data) for _, _, data in self._items]
            self._items = None  # the events hold all that the open index needs of them
        return list(self._events)

    def events_within(self, docs: Docs) -> list[timeline.Event]:
        """``timeline.restrict(events, refs of docs)``: each event cut to its sources among ``docs``."""
        kept, cut = self._within(docs)
        return [cut(i) for i in kept]

    def events_page(self, docs: Docs, window: dict | None, limit: int) -> timeline.TimelinePage:
        """``timeline.page_around(self.events_within(docs), window, limit)``, cutting only the
        page's events: a broad query at 100k paragraphs keeps ~14,000 events, ~2,000 of them cut
        to fewer sources, and a pane shows a hundred (``connect*``: the whole timeline cut, then
        paged, 56 ms; the page 35)."""
        kept, cut = self._within(docs)
        events = self._events
        start = timeline.page_start([events[i].date for i in kept], window, limit)
        return timeline.TimelinePage(tuple(cut(i) for i in kept[start:start + limit]), start,
                                     len(kept))

    def _within(self, docs: Docs) -> tuple[list[int], Callable[[int], timeline.Event]]:
        """The events with a source among ``docs`` (their positions in the timeline, in order),
        and what gives the event at a position cut to those sources.

        Which document each source is was worked out once per searcher (see _event_sources), and
        from it a map of document -> the events it is a source of, for one-source events and for
        the others apart, with each map's documents as a bit set. An AND with ``docs`` gives the
        documents to look up; so the work follows the matches, not the 30,000 events of 100k
        paragraphs. An event with sources outside ``docs`` is cut to those inside; one kept whole
        is given as it is (events are frozen).
        """
        if self._events is None:
            self.events()
        events = self._events
        if self._event_index is None:
            self._event_docs = self._event_sources(events)
            single: dict[int | None, list[int]] = {}
            several: dict[int | None, list[int]] = {}
            for i, sources in enumerate(self._event_docs):
                for n in set(sources):
                    (single if len(sources) == 1 else several).setdefault(n, []).append(i)
            self._event_index = (single, Docs.of(single).bits, several, Docs.of(several).bits)
        single, single_bits, several, several_bits = self._event_index
        kept = [i for n in numbers_of(docs.bits & single_bits) for i in single[n]]
        hits = numbers_of(docs.bits & several_bits)
        kept.extend({i for n in hits for i in several[n]})
        kept.sort()
        inside = set(hits).__contains__
        event_docs = self._event_docs

        def cut(i: int) -> timeline.Event:
            sources, event = event_docs[i], events[i]
            if len(sources) == 1 or all(map(inside, sources)):  # one source: among docs
                return event
            return timeline.Event(event.date, event.precision, event.flags, event.label,
                                  tuple(compress(event.sources, map(inside, sources))),
                                  event.end_date)

        return kept, cut

    def _event_sources(self, events: list[timeline.Event]) -> list[tuple[int | None, ...]]:
        """The document of each source of each event (None for a paragraph not in the index).

        A ref is "article:number". An article's documents are added together, in paragraph order,
        and deleted together; so where the term info of its "article" term says its documents run
        without a gap (first to last, as many as the manifest's paragraphs), paragraph n is the
        n-th of them. That reads one term info per article and segment (15 ms at 100k paragraphs)
        instead of a lookup per ref (0.5 s); any other ref is looked up itself.
        """
        first: dict[str, int] = {}
        for sub, offset in self._searcher.leaf_searchers():
            reader = sub.reader()
            deletions = reader.has_deletions()
            for text, info in reader.iter_field("article"):
                start, stop, count = info.min_id(), info.max_id(), info.doc_frequency()
                if deletions and reader.is_deleted(start):
                    continue  # an older version of the article, deleted whole
                article = text.decode("utf-8") if isinstance(text, bytes) else text
                entry = self.manifest.articles.get(article)
                if entry and stop - start + 1 == count == entry.get("paragraphs") and article not in first:
                    first[article] = offset + start
                else:
                    first[article] = -1
        # article -> (its first document, its paragraphs); a paragraph number as a ref writes it
        spans = {article: (start, self.manifest.articles[article]["paragraphs"])
                 for article, start in first.items() if start >= 0}
        number_of = {str(n): n for n in range(1, max((p for _, p in spans.values()), default=0) + 1)}
        refs: dict[str, int | None] = {}
        for event in events:
            for source in event.sources:
                ref = source.ref
                if ref in refs:
                    continue
                article, _, number = ref.rpartition(":")
                span, n = spans.get(article), number_of.get(number)
                if span is not None and n is not None and n <= span[1]:
                    refs[ref] = span[0] + n - 1
                else:
                    refs[ref] = self.doc_for_ref(ref)
        return [tuple([refs[source.ref] for source in event.sources]) for event in events]

    def sector_docs(self, path: str) -> Docs:
        """Documents tagged with ``path`` or a descendant; cached for this searcher."""
        if path not in self._sector_docs:
            self._sector_docs[path] = Docs(self._evaluate(Term("sector", path), scored=False))
        return self._sector_docs[path]

    def sector_counts(self, docs: Docs, paths: list[str]) -> dict[str, int]:
        """How many of ``docs`` each sector path holds (a document counts in every path it has):
        per sector an AND of two bit sets and a popcount."""
        mask = docs.bits
        return {path: (mask & self.sector_docs(path).bits).bit_count() for path in paths}

    def highlight_terms(self, query: Query) -> set[str]:
        """The indexed words of the text field that the query matches (prefixes, fuzzy expanded)."""
        try:
            terms = query.existing_terms(self._searcher.reader(), expand=True)
        except Exception:  # an odd query must never break a search over highlighting
            return set()
        return {word.decode("utf-8") if isinstance(word, bytes) else word
                for fieldname, word in terms if fieldname in SEARCHED}

    def suggest(self, text: str) -> str | None:
        """The query with each word the index does not know replaced by its nearest known word
        (within edits_allowed: 'pa', typed on the way to 'pakistan', gets no suggestion)."""
        reader = self._searcher.reader()
        corrector = self._searcher.corrector("text")
        changed = False

        def fix(match: re.Match) -> str:
            nonlocal changed
            word = match.group(0)
            edits = edits_allowed(word)
            if not edits or word in OPERATORS or \
                    all(reader.doc_frequency("text", w) for w in analyze(word)):
                return word
            options = self._completion(word.lower()) or self._nearest(word.lower(), edits)
            if options is None:  # not the corrector this was written against: ask it
                options = corrector.suggest(word.lower(), limit=1, maxdist=edits)
            if not options:
                return word
            changed = True
            return options[0]

        try:
            corrected = _PLAIN_WORD.sub(fix, text)
        except DAMAGE:
            return None
        return corrected if changed else None

    def _completion(self, prefix: str) -> list[str]:
        """The most frequent known word that ``prefix`` begins (one being typed: 'pakista' ->
        'pakistan'), or none. A look in the sorted spelling words, where the nearest word by
        edits takes a pass over every word of about the same length (~190 ms at 100k)."""
        return next(([word] for word, _ in self._words_begun(prefix) if word != prefix), [])

    def _words_begun(self, prefix: str) -> list[tuple[str, list[str]]]:
        """The known words (as spelled) that ``prefix`` begins, of the first COMPLETIONS in sorted
        order, each with its stems: most frequent first (the documents of its stems in the text),
        the shorter first on a tie, else in sorted order."""
        reader = self._searcher.reader()
        name = self._ix.schema["text"].spelling_fieldname("text")
        spelled = self._ix.schema[name]
        found = []
        for btext in islice(reader.expand_prefix(name, prefix), COMPLETIONS):
            word = spelled.from_bytes(btext)
            stems = analyze(word)
            found.append((sum(reader.doc_frequency("text", stem) for stem in stems), word, stems))
        found.sort(key=lambda item: (-item[0], len(item[1])))
        return [(word, stems) for _, word, stems in found]

    def _nearest(self, text: str, maxdist: int = 2) -> list[str] | None:
        """``corrector("text").suggest(text, limit=1)``, without an edit distance to every word.

        Whoosh's ReaderCorrector takes the words of the spelling field within ``maxdist`` edits
        (plain Levenshtein through an automaton on a one-segment index, Damerau-Levenshtein word
        by word on several segments) and keeps the best (score, word) by frequency: 150-250 ms a
        word at 10k paragraphs, paid on every keystroke whose query finds nothing. The same words
        pass here, and the same one wins, but the distance is only computed for words whose length
        and letters allow it: a word needs at least one edit per length unit of difference and per
        letter it lacks. None if the reader is not one of the two kinds this mirrors.
        """
        reader = self._searcher.reader()
        if type(reader) in (_SegmentReader, whoosh_io.ViewSegmentReader):
            metric = _levenshtein
        elif type(reader) is _MultiReader:
            metric = _damerau_levenshtein
        else:
            return None
        if self._spelling is None:
            field = self._ix.schema["text"]
            name = field.spelling_fieldname("text")
            spelled = self._ix.schema[name]
            by_length: dict[int, list[tuple[str, frozenset[str]]]] = {}
            for btext in reader.expand_prefix(name, ""):
                word = spelled.from_bytes(btext)
                by_length.setdefault(len(word), []).append((word, frozenset(word)))
            self._spelling = by_length
        letters = frozenset(text)
        best = None
        for length in range(len(text) - maxdist, len(text) + maxdist + 1):
            for word, has in self._spelling.get(length, ()):
                if len(letters - has) > maxdist or len(has - letters) > maxdist:
                    continue
                if metric(word, text, limit=maxdist) <= maxdist:
                    frequency = reader.frequency("text", word) or 1
                    item = (0 - (maxdist + (1.0 / frequency * 0.5)), word)
                    if best is None or item > best:
                        best = item
        return [best[1]] if best else []

    @property
    def paragraph_count(self) -> int:
        return self._searcher.doc_count()


def _finished(steps: Generator):
    """What a generator of steps returns, once it is run to its end."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def _keep(memo: OrderedDict, key, value, most: int) -> None:
    """``memo[key] = value`` as its newest entry, the oldest dropped past ``most``."""
    memo[key] = value
    memo.move_to_end(key)
    while len(memo) > most:
        memo.popitem(last=False)


def _best(scores: dict[int, float], limit: int | None) -> list[tuple[int, float]]:
    """The ``limit`` (all if None) best of ``scores``: highest score first, ties in document order.

    As ``heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))``, without a
    key call per document: the limit-th highest score is found among the bare floats (in C), and
    only the documents scoring at least that are sorted; each score given as a float.
    """
    if limit is None or limit >= len(scores):
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    elif limit <= 0:
        return []
    else:
        floor = heapq.nlargest(limit, scores.values())[-1]
        best = sorted(((n, v) for n, v in scores.items() if v >= floor),
                      key=lambda item: (-item[1], item[0]))[:limit]
    return [(n, float(v or 0.0)) for n, v in best]
