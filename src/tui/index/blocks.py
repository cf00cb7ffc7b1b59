"""Matching and BM25F scoring from whole posting blocks, as Whoosh's matchers would give them.

Whoosh matches and scores one posting at a time through a tree of matcher objects: a few
microseconds a posting, 60 ms for a word in a fifth of 100k paragraphs. The functions here give
the same documents and the same scores (the same float operations in the same order) from whole
blocks of postings, for the matcher types the query parser makes of words, prefixes, fuzzy words,
phrases and AND/OR/ANDNOT; any other matcher (NOT, ...) is run by Whoosh itself.

What a word's postings give does not change while a searcher is open, so each word's documents
(as a bit set) and term frequencies are read once and kept (:class:`PostingCache`, bounded by
size), and so is each phrase's set of documents: decoding a posting block (a pickle, after zlib
in segments written compressed) was most of a query's time, and the app asks for the same words
keystroke after keystroke.
"""

from __future__ import annotations

import bisect
import pickle
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

from whoosh import scoring as _scoring
from whoosh.codec import whoosh3 as _whoosh3
from whoosh.formats import Positions as _Positions
from whoosh.matching import AndMaybeMatcher as _AndMaybeMatcher, AndNotMatcher as _AndNotMatcher
from whoosh.matching import FilterMatcher as _FilterMatcher, IntersectionMatcher as _IntersectionMatcher
from whoosh.matching import NullMatcherClass as _NullMatcher, UnionMatcher as _UnionMatcher
from whoosh.query import And as _And, Or as _Or, Term as _Term
from whoosh.query.spans import SpanNear2 as _SpanNear2
from whoosh.scoring import BM25FScorer as _BM25FScorer
from whoosh.system import _INT_SIZE
from whoosh.util import make_weighted_tree as _make_weighted_tree
from whoosh.reading import TermNotFound

from .docs import bits_of, numbers_of
from .whoosh_io import MemoPerDocReader

_W3LeafMatcher = _whoosh3.W3LeafMatcher
_SpanNear2Matcher = _SpanNear2.SpanNear2Matcher
_BM25F_SCORE = _BM25FScorer._score
_POSITIONS_DECODE = _Positions.decode_positions
_BM25 = _scoring.bm25



@dataclass
class Postings:
    """A word's postings in one segment: document numbers (ascending, deleted ones included, as
    Whoosh's leaf matchers give them, but for any before the first live one: the deletions filter
    around the leaf has passed those), their term frequencies, and the documents as a bit set."""

    ids: array
    weights: array
    bits: int

    def size(self) -> int:
        return 12 * len(self.ids) + self.bits.bit_length() // 8 + 100


@dataclass
class PostingCache:
    """The postings (and phrase matches) read lately, least recently used dropped past ``budget``
    bytes. Belongs to one searcher: a newer index is read with a new cache."""

    budget: int = 32 << 20
    entries: OrderedDict = field(default_factory=OrderedDict)  # key -> (value, size)
    used: int = 0

    def get(self, key):
        entry = self.entries.get(key)
        if entry is None:
            return None
        self.entries.move_to_end(key)
        return entry[0]

    def put(self, key, value, size: int) -> None:
        if key in self.entries:
            self.used -= self.entries.pop(key)[1]
        self.entries[key] = (value, size)
        self.used += size
        while self.used > self.budget and len(self.entries) > 1:
            self.used -= self.entries.popitem(last=False)[1][1]


@dataclass
class Segment:
    """What evaluating a query on one segment needs: its reader, its documents' field lengths
    (as BM25F scores them; None where the fast path does not apply) and the searcher's cache."""

    reader: object
    key: int  # the segment's first document number in the searcher: unique among its segments
    lengths: Callable[[str], list | None]
    cache: PostingCache
    scorers: dict = field(default_factory=dict)  # term -> (weighting, its scorer in the segment)

    def scorer(self, term, weighting, searcher):
        """``weighting.scorer(searcher, *term)``, as Searcher.postings makes it, made once: its
        statistics (idf, average length) do not change while the searcher is open."""
        kept = self.scorers.get(term)
        if kept is None or kept[0] is not weighting:
            kept = self.scorers[term] = (weighting, weighting.scorer(searcher, *term))
        return kept[1]

    def postings(self, term) -> Postings | None:
        """The postings of ``term`` ((field, bytes)), or None if its leaf is not a W3LeafMatcher."""
        return self.postings_and_values(term, False)[0]

    def postings_and_values(self, term, values: bool) -> tuple[Postings | None, dict | None]:
        """The postings of ``term``; with ``values``, when they are read now (not kept from
        before), also each posting's value (encoded positions) by document, from the same pass."""
        key = (self.key, "postings", term)
        found = self.cache.get(key)
        if found is not None:
            return found, None
        found, by_doc = _read_postings(self.reader, term, values)
        if found is not None:
            self.cache.put(key, found, found.size())
        return found, by_doc

    def bits(self, term) -> int | None:
        """The documents of ``term`` as a bit set: from its postings if they are kept, else read
        without the weights and kept alone (a sector's documents are never scored)."""
        postings = self.cache.get((self.key, "postings", term))
        if postings is not None:
            return postings.bits
        key = (self.key, "bits", term)
        found = self.cache.get(key)
        if found is None:
            try:
                leaf, _ = _leaf_of(self.reader.postings(*term))
            except TermNotFound:
                leaf = None
            if leaf is not None and type(leaf) is not _W3LeafMatcher:
                return None
            found = bits_of(_leaf_ids(leaf)) if leaf is not None else 0
            self.cache.put(key, found, found.bit_length() // 8 + 100)
        return found


def _read_postings(reader, term, values: bool = False) -> tuple[Postings | None, dict | None]:
    """A word's postings, and with ``values`` each one's value by document (else None)."""
    by_doc: dict | None = {} if values else None
    try:
        matcher = reader.postings(*term)
    except TermNotFound:
        return Postings(array("i"), array("d"), 0), by_doc
    leaf, _ = _leaf_of(matcher)
    if type(leaf) is not _W3LeafMatcher:
        return None, None
    ids, weights = array("i"), array("d")
    while leaf.is_active():
        _load_block(leaf)
        start, stop = leaf._i, leaf._blocklength
        block_ids = leaf._ids[start:stop]
        ids.extend(block_ids)
        block = leaf._weights[start:stop]
        weights.extend(block.tolist() if type(block) is array else block)
        if by_doc is not None:
            if leaf._values is None:
                leaf._read_values()
            by_doc.update(zip(block_ids, leaf._values[start:stop]))
        leaf._i = stop - 1
        leaf.next()
    return Postings(ids, weights, bits_of(ids)), by_doc


def _load_block(matcher) -> None:
    """Decode the current posting block's ids and weights, if not done yet."""
    if matcher._ids is None:
        _read_ids(matcher)
    if matcher._weights is None:
        matcher._read_weights()


def _read_ids(matcher) -> None:
    """W3LeafMatcher._read_ids, with its delta decoding (a Python generator) done by accumulate."""
    if matcher._data is None:
        matcher._read_data()
    ids = matcher._data[0]
    matcher._ids = ids if matcher._byteids else tuple(accumulate(ids))


def _leaf_ids(matcher) -> list[int]:
    """The remaining document numbers of a W3LeafMatcher, read a block at a time."""
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            _read_ids(matcher)
        ids.extend(matcher._ids[matcher._i:matcher._blocklength])
        matcher._i = matcher._blocklength - 1
        matcher.next()
    return ids


def _leaf_postings(matcher, segment: Segment) -> Postings | None:
    """The whole postings of a leaf matcher's word (a leaf's documents and scores do not depend
    on how far an intersection has moved it: its set or its scores are combined whole)."""
    return segment.postings(matcher._term) if matcher._term else None


def doc_set(matcher, segment: Segment) -> int:
    """The documents ``matcher`` (from query.matcher) matches in its segment, as a bit set."""
    kind = type(matcher)
    if kind is _W3LeafMatcher:
        found = segment.bits(matcher._term) if matcher._term else None
        return found if found is not None else bits_of(_leaf_ids(matcher))
    if kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found = doc_set(matcher.child, segment)
        return found & ~bits_of(matcher._ids) if matcher._exclude else found & bits_of(matcher._ids)
    if kind is _UnionMatcher:
        return doc_set(matcher.a, segment) | doc_set(matcher.b, segment)
    if kind is _IntersectionMatcher:
        return doc_set(matcher.a, segment) & doc_set(matcher.b, segment)
    if kind is _AndNotMatcher:
        return doc_set(matcher.a, segment) & ~doc_set(matcher.b, segment)
    if kind is _AndMaybeMatcher:
        return doc_set(matcher.a, segment)
    if kind is _NullMatcher:
        return 0
    if kind is _SpanNear2Matcher:
        phrase = _phrase(matcher, segment)
        if phrase is not None:
            return phrase
    return bits_of(matcher.all_ids())


def doc_scores(matcher, segment: Segment) -> tuple[dict[int, float], int]:
    """Each document ``matcher`` (from query.matcher, scoring) matches, with Whoosh's score;
    and the same documents as a bit set."""
    kind = type(matcher)
    if kind is _W3LeafMatcher and type(matcher.scorer) is _BM25FScorer:
        of_doc = segment.lengths(matcher._term[0]) if matcher._term else None
        postings = _leaf_postings(matcher, segment) if of_doc is not None else None
        if postings is not None:
            return _leaf_scores(matcher.scorer, matcher._term, postings, of_doc, segment), postings.bits
    elif kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found, bits = doc_scores(matcher.child, segment)
        ids, boost = matcher._ids, matcher.boost
        if matcher._exclude:
            return {n: v * boost for n, v in found.items() if n not in ids}, bits & ~bits_of(ids)
        return {n: v * boost for n, v in found.items() if n in ids}, bits & bits_of(ids)
    elif kind is _UnionMatcher:
        return _union(doc_scores(matcher.a, segment), doc_scores(matcher.b, segment))
    elif kind is _IntersectionMatcher:
        return _intersection(doc_scores(matcher.a, segment), doc_scores(matcher.b, segment))
    elif kind is _AndNotMatcher:
        (a, a_bits), b_bits = doc_scores(matcher.a, segment), doc_set(matcher.b, segment)
        bits = a_bits & ~b_bits
        return {n: a[n] for n in numbers_of(bits)}, bits
    elif kind is _AndMaybeMatcher:
        (a, a_bits), (b, _) = doc_scores(matcher.a, segment), doc_scores(matcher.b, segment)
        return {n: v + b[n] if n in b else v for n, v in a.items()}, a_bits
    elif kind is _NullMatcher:
        return {}, 0
    elif kind is _SpanNear2Matcher:
        phrase = _phrase(matcher, segment)
        if phrase is not None:
            docs = numbers_of(phrase)
            boost = matcher.boost  # SpanNear2Matcher.score: child.score() * boost
            return {n: v * boost for n, v in _tree_scores(matcher.child, docs, segment).items()}, phrase
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found, bits_of(list(found))


Scored = tuple[dict[int, float], int]  # each matching document's score, and the documents as bits


def _union(a_found: Scored, b_found: Scored) -> Scored:
    """UnionMatcher's scores: a document both sides match scores a's score + b's."""
    (a, a_bits), (b, b_bits) = a_found, b_found
    # as "for n, v in b.items(): a[n] = a[n] + v if n in a else v", with the dict work in C
    both = {n: a[n] + b[n] for n in numbers_of(a_bits & b_bits)} if a_bits & b_bits else None
    a.update(b)
    if both:
        a.update(both)
    return a, a_bits | b_bits


def _intersection(a_found: Scored, b_found: Scored) -> Scored:
    """IntersectionMatcher's scores: a's score + b's, for the documents both sides match."""
    (a, a_bits), (b, b_bits) = a_found, b_found
    bits = a_bits & b_bits
    return {n: a[n] + b[n] for n in numbers_of(bits)}, bits


def query_scores(query, searcher, context, segment: Segment) -> Scored:
    """``doc_scores(query.matcher(searcher, context), segment)``, without Whoosh's matchers for
    the words, ANDs and ORs the parser makes of plain words.

    Building a matcher reads a posting block of each word in each segment (its header, and for
    an intersection to line up, its ids), though the postings are kept: 1.8-2.8 ms of a 4.6-6.1
    ms search of two or three words at 10k paragraphs. Here the same tree is worked out from the
    kept postings, so each score is the same sum of the same floats: an AND's or an OR's parts
    are paired by Whoosh's own make_weighted_tree, given each part's estimated size and a
    stand-in of the matcher class Whoosh would make of it (on a tied size, matchers compare by
    class, and a subclass's reflected comparison can win). Anything else (a phrase, a prefix,
    NOT, a boost) is Whoosh's matcher, read by doc_scores.
    """
    return _evaluated(query, searcher, context, segment).found


@dataclass
class _Part:
    """A query evaluated in one segment: its scores and bits, the size Whoosh estimates for it
    (None: ask the query), and the class of the matcher Whoosh would make of it."""

    found: Scored
    size: int | None
    kind: type


def _evaluated(query, searcher, context, segment: Segment) -> _Part:
    """``query`` in one segment, as the matcher Whoosh would build for it would score it."""
    kind = type(query)
    if kind is _Term:
        part = _term_scores(query, searcher, context, segment)
        if part is not None:
            return part
    elif kind is _And or kind is _Or:
        parts = query.subqueries
        if not parts:  # CompoundQuery.matcher; its size is the query's to say (an empty And's raises)
            return _Part(({}, 0), None, _NullMatcher)
        if len(parts) == 1:  # CompoundQuery.matcher: the one part's matcher, boost or not
            one = _evaluated(parts[0], searcher, context, segment)
            return _Part(one.found, None, one.kind)
        if query.boost == 1.0 and (kind is _And or _default_or(query, searcher, context)):
            reader = searcher.reader()
            found = [_evaluated(part, searcher, context, segment) for part in parts]
            sizes = [part.estimate_size(reader) if got.size is None else got.size
                     for part, got in zip(parts, found)]
            if kind is _And:  # And._matcher weighs a part by 0 - its size; And.estimate_size
                return _Part(_paired(_intersection, _IntersectionMatcher, [-size for size in sizes], found),
                             min(sizes), _IntersectionMatcher)
            return _Part(_paired(_union, _UnionMatcher, sizes, found),  # DefaultOr._matcher
                         min(sum(sizes), reader.doc_count()), _UnionMatcher)  # CompoundQuery.estimate_size
    matcher = query.matcher(searcher, context)
    return _Part(doc_scores(matcher, segment), None, type(matcher))


def _term_scores(query, searcher, context, segment: Segment) -> _Part | None:
    """A word as Term.matcher makes it: no matcher if the segment lacks it; else its leaf, under
    the deletions filter SegmentReader.postings puts around it if the segment has deletions (boost
    1). Its size is its document frequency (deleted postings included). None if that leaf would
    not be a plain BM25F one."""
    schema = searcher.schema
    if query.boost != 1.0 or query.minquality or query.fieldname not in schema:
        return None
    try:
        term = (query.fieldname, schema[query.fieldname].to_bytes(query.text))
    except ValueError:
        return None
    of_doc = segment.lengths(term[0])
    postings = segment.postings(term) if of_doc is not None else None
    if postings is None:
        return None
    reader = segment.reader
    deleted = reader.deleted_docs_set if reader.has_deletions() else None
    # with deletions, the filter skipped any deleted postings before the first live one as they
    # were read: the postings kept may be fewer than the document frequency, or none
    size = reader.doc_frequency(*term) if deleted else len(postings.ids)
    if not size:
        return _Part(({}, 0), 0, _NullMatcher)
    kind = _FilterMatcher if deleted else _W3LeafMatcher
    if not postings.ids:
        return _Part(({}, 0), size, kind)
    scorer = segment.scorer(term, (context.weighting if context else None) or searcher.weighting, searcher)
    if type(scorer) is not _BM25FScorer:
        return None
    scores = _leaf_scores(scorer, term, postings, of_doc, segment)
    if deleted:
        scores = {n: v for n, v in scores.items() if n not in deleted}
        return _Part((scores, postings.bits & ~bits_of(deleted)), size, kind)
    return _Part((scores, postings.bits), size, kind)


def _default_or(query, searcher, context) -> bool:
    """Whether Or.matcher makes a DefaultOr of ``query`` (a tree of UnionMatchers, no coordination
    bonus) in this segment: always for the two fields a word searches."""
    needs_current = context.needs_current if context else True
    return (query.matcher_type == _Or.AUTO_MATCHER and not query.scale and not query.minmatch
            and len(query.subqueries) < query.TOO_MANY_CLAUSES
            and (needs_current or len(query.subqueries) == 2 or searcher.doc_count_all() > 5000))


def _paired(combine: Callable[[Scored, Scored], Scored], kind: type, weights: list[int],
            parts: list[_Part]) -> Scored:
    """The parts' scores combined as Whoosh's make_weighted_tree pairs their matchers: it sorts
    (weight, matcher) pairs, comparing tied matchers by class alone, so a stand-in of each part's
    class (made without its __init__) is paired as the real one would be."""
    found: dict[int, tuple] = {}

    def stand_in(cls: type, scored: Scored):
        matcher = cls.__new__(cls)
        found[id(matcher)] = (matcher, scored)  # the stand-in kept alive: its id is not reused
        return matcher

    def pair(a, b):
        return stand_in(kind, combine(found[id(a)][1], found[id(b)][1]))

    root = _make_weighted_tree(pair, [(weight, stand_in(part.kind, part.found))
                                      for weight, part in zip(weights, parts)])
    return found[id(root)][1]


def _leaf_scores(scorer, term, postings: Postings, of_doc: list, segment: Segment) -> dict[int, float]:
    """The scores of a word's postings. With BM25FScorer's own formula they depend only on the
    searcher (idf, average length) and the scorer's settings, so they are kept with the postings,
    as an array in the postings' order."""
    if not _own_bm25f(scorer):
        return _bm25f(scorer, zip(postings.ids, postings.weights), of_doc)
    key = (segment.key, "scores", term, scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
    scores = segment.cache.get(key)
    if scores is None:
        scores = array("d", _bm25f(scorer, zip(postings.ids, postings.weights), of_doc).values())
        segment.cache.put(key, scores, 8 * len(scores) + 100)
    return dict(zip(postings.ids, scores))


def _own_bm25f(scorer) -> bool:
    return type(scorer)._score is _BM25F_SCORE and _scoring.bm25 is _BM25


def _bm25f(scorer, postings, of_doc: list) -> dict[int, float]:
    """BM25FScorer's score of each (document, weight) of ``postings``: _score(weight, length).

    When the scorer's _score is BM25FScorer's own, its formula (scoring.bm25) is written out
    below with the same operations in the same order, so the floats are the same bit for bit,
    without two function calls a posting.
    """
    if _own_bm25f(scorer):
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        return {n: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * of_doc[n] / avgfl)))
                for n, tf in postings}
    score = scorer._score
    return {n: score(tf, of_doc[n]) for n, tf in postings}


def _leaf_of(matcher):
    """The W3LeafMatcher under a matcher (itself, or under a deletions filter), and that filter."""
    if type(matcher) is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        return matcher.child, matcher
    return matcher, None


def _phrase(matcher, segment: Segment) -> int | None:
    """The documents of a phrase (SpanNear2Matcher: slop 1, in order), as a bit set.

    Whoosh checks the spans of every document having all the words, one matcher step at a time;
    here the documents having all the words come from the words' bit sets, and only the posting
    blocks holding one of them have their positions decoded: a phrase matches where the words'
    positions run p, p + 1, ..., as SpanNear2 with slop 1 and mindist 1 requires. The answer is
    kept with the postings. None when the matcher is not of that simple kind (Whoosh runs it).
    """
    if (matcher.slop, matcher.ordered, matcher.mindist) != (1, True, 1) or not matcher.is_active():
        return None if matcher.is_active() else 0
    words = []
    for sub in matcher.ms:
        leaf, wrapper = _leaf_of(sub)
        if type(leaf) is not _W3LeafMatcher or type(leaf.format) is not _Positions or not leaf._term:
            return None
        words.append((leaf, wrapper))
    key = (segment.key, "phrase", tuple(leaf._term for leaf, _ in words),
           tuple(tuple(sorted(wrapper._ids)) if wrapper else None for _, wrapper in words),
           tuple(wrapper._exclude if wrapper else None for _, wrapper in words))
    found = segment.cache.get(key)
    if found is not None:
        return found
    # a word read now brings its positions from the same pass over its blocks; for a word whose
    # postings were kept, only the blocks holding a candidate are read again (_values_of)
    read = [segment.postings_and_values(leaf._term, True) for leaf, _ in words]
    postings = [p for p, _ in read]
    if any(p is None for p in postings):
        return None
    candidates = -1
    for p, (_, wrapper) in zip(postings, words):
        candidates &= p.bits
        if wrapper is not None:
            candidates &= ~bits_of(wrapper._ids) if wrapper._exclude else bits_of(wrapper._ids)
    docs = numbers_of(candidates) if candidates > 0 else []
    decode = _decode_positions if type(words[0][0].format).decode_positions is _POSITIONS_DECODE \
        else words[0][0].format.decode_positions
    values = [known if known is not None else _values_of(segment.reader, leaf._term, p, docs)
              for (leaf, _), (p, known) in zip(words, read)] if docs else []
    matched = []
    for n in docs:
        starts = None
        for offset, of_doc in enumerate(values):
            at = {p - offset for p in decode(of_doc[n])}
            starts = at if starts is None else starts & at
            if not starts:
                break
        if starts:
            matched.append(n)
    found = bits_of(matched)
    segment.cache.put(key, found, found.bit_length() // 8 + 100)
    return found


def _values_of(reader, term, postings: Postings, docs: list[int]) -> dict[int, bytes]:
    """The encoded positions of ``docs`` (ascending, all in ``postings``, the postings of
    ``term``), decoding only the blocks that hold one of them: the cached ids say which documents
    a block holds before its data is unpickled."""
    leaf, _ = _leaf_of(reader.postings(*term))  # from its first block: a query's leaf has moved on
    found: dict[int, bytes] = {}
    ids = postings.ids
    at = 0  # the index in ids of the leaf's current block's first posting
    while leaf.is_active():
        length = leaf._blocklength
        first, last = ids[at], ids[at + length - 1]
        lo = bisect.bisect_left(docs, first)
        if lo < len(docs) and docs[lo] <= last:
            if leaf._values is None:
                leaf._read_values()
            wanted = set(docs[lo:bisect.bisect_right(docs, last)])
            found.update((n, v) for n, v in zip(ids[at:at + length], leaf._values) if n in wanted)
        at += length
        leaf._i = length - 1
        leaf.next()
    return found


def _decode_positions(value: bytes) -> list[int]:
    """Positions.decode_positions, its running sum done by accumulate."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


def _tree_scores(node, docs: list[int], segment: Segment) -> dict[int, float]:
    """The score Whoosh's matcher tree under a phrase gives each of ``docs`` (sums of leaf scores,
    added in the tree's order)."""
    if type(node) is _IntersectionMatcher:
        a, b = _tree_scores(node.a, docs, segment), _tree_scores(node.b, docs, segment)
        return {n: a[n] + b[n] for n in docs}
    leaf, wrapper = _leaf_of(node)
    postings = segment.postings(leaf._term)
    weight_of = dict(zip(postings.ids, postings.weights))
    weights = [(n, weight_of[n]) for n in docs]
    of_doc = segment.lengths(leaf._term[0]) if type(leaf.scorer) is _BM25FScorer else None
    if of_doc is not None:
        scores = _bm25f(leaf.scorer, weights, of_doc)
    else:  # as LeafMatcher.score: the scorer given the matcher's weight and id
        scores = {n: leaf.scorer.score(_Posting(n, weight)) for n, weight in weights}
    if wrapper is not None:
        return {n: v * wrapper.boost for n, v in scores.items()}
    return scores


class _Posting:
    """What a scorer asks of a matcher, for one posting already read."""

    def __init__(self, docnum: int, weight: float) -> None:
        self._docnum, self._weight = docnum, weight

    def id(self) -> int:
        return self._docnum

    def weight(self) -> float:
        return self._weight


def segment_lengths(reader, field: str) -> list | None:
    """Each document's length of ``field`` in one segment, as Whoosh's doc_field_length gives it
    to BM25F (via the lengths column, a byte per document); None where that path does not apply."""
    perdoc = getattr(reader, "_perdoc", None)
    return perdoc.field_lengths(field) if isinstance(perdoc, MemoPerDocReader) else None
