"""Matching and BM25F scoring from whole posting blocks, as Whoosh's matchers would give them.

Whoosh matches and scores one posting at a time through a tree of matcher objects: a few
microseconds a posting, 60 ms for a word in a fifth of 100k paragraphs. The functions here give
the same documents and the same scores (the same float operations in the same order) from whole
blocks of postings, for the matcher types the query parser makes of words, prefixes, fuzzy words,
phrases and AND/OR/ANDNOT; any other matcher (NOT, ...) is run by Whoosh itself.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from itertools import accumulate

from whoosh import scoring as _scoring
from whoosh.codec import whoosh3 as _whoosh3
from whoosh.columns import NumericColumn as _NumericColumn
from whoosh.formats import Positions as _Positions
from whoosh.matching import AndMaybeMatcher as _AndMaybeMatcher, AndNotMatcher as _AndNotMatcher
from whoosh.matching import FilterMatcher as _FilterMatcher, IntersectionMatcher as _IntersectionMatcher
from whoosh.matching import NullMatcherClass as _NullMatcher, UnionMatcher as _UnionMatcher
from whoosh.query.spans import SpanNear2 as _SpanNear2
from whoosh.scoring import BM25FScorer as _BM25FScorer
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

_W3LeafMatcher = _whoosh3.W3LeafMatcher
_NumericReader = _NumericColumn.Reader
_SpanNear2Matcher = _SpanNear2.SpanNear2Matcher
_BM25F_SCORE = _BM25FScorer._score
_POSITIONS_DECODE = _Positions.decode_positions
_BM25 = _scoring.bm25


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


def doc_set(matcher) -> set[int]:
    """The documents ``matcher`` (fresh from query.matcher) matches in its segment."""
    kind = type(matcher)
    if kind is _W3LeafMatcher:
        return set(_leaf_ids(matcher))
    if kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found = doc_set(matcher.child)
        return found - matcher._ids if matcher._exclude else found & matcher._ids
    if kind is _UnionMatcher:
        return doc_set(matcher.a) | doc_set(matcher.b)
    if kind is _IntersectionMatcher:
        return doc_set(matcher.a) & doc_set(matcher.b)
    if kind is _AndNotMatcher:
        return doc_set(matcher.a) - doc_set(matcher.b)
    if kind is _AndMaybeMatcher:
        return doc_set(matcher.a)
    if kind is _NullMatcher:
        return set()
    if kind is _SpanNear2Matcher:
        phrase = _phrase(matcher)
        if phrase is not None:
            return set(phrase[0])
    return set(matcher.all_ids())


def doc_scores(matcher, lengths: Callable[[str], list | None]) -> dict[int, float]:
    """Each document ``matcher`` (fresh, scoring) matches, with the score Whoosh gives it."""
    kind = type(matcher)
    if kind is _W3LeafMatcher and type(matcher.scorer) is _BM25FScorer:
        of_doc = lengths(matcher._term[0]) if matcher._term else None
        if of_doc is not None:
            return _leaf_scores(matcher, of_doc)
    elif kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found = doc_scores(matcher.child, lengths)
        ids, boost = matcher._ids, matcher.boost
        if matcher._exclude:
            return {n: v * boost for n, v in found.items() if n not in ids}
        return {n: v * boost for n, v in found.items() if n in ids}
    elif kind is _UnionMatcher:
        a, b = doc_scores(matcher.a, lengths), doc_scores(matcher.b, lengths)
        for n, v in b.items():
            a[n] = a[n] + v if n in a else v
        return a
    elif kind is _IntersectionMatcher:
        a, b = doc_scores(matcher.a, lengths), doc_scores(matcher.b, lengths)
        return {n: v + b[n] for n, v in a.items() if n in b}
    elif kind is _AndNotMatcher:
        a, b = doc_scores(matcher.a, lengths), doc_set(matcher.b)
        return {n: v for n, v in a.items() if n not in b}
    elif kind is _AndMaybeMatcher:
        a, b = doc_scores(matcher.a, lengths), doc_scores(matcher.b, lengths)
        return {n: v + b[n] if n in b else v for n, v in a.items()}
    elif kind is _NullMatcher:
        return {}
    elif kind is _SpanNear2Matcher:
        phrase = _phrase(matcher)
        if phrase is not None:
            docs, postings = phrase
            boost = matcher.boost  # SpanNear2Matcher.score: child.score() * boost
            return {n: _tree_score(matcher.child, postings, n, lengths) * boost for n in docs}
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


def _leaf_scores(matcher, of_doc: list) -> dict[int, float]:
    """BM25FScorer.score for each posting of a W3LeafMatcher: _score(weight, field length).

    When the scorer's _score is BM25FScorer's own, its formula (scoring.bm25) is written out
    below with the same operations in the same order, so the floats are the same bit for bit,
    without two function calls a posting.
    """
    scorer = matcher.scorer
    score = scorer._score
    if type(scorer)._score is _BM25F_SCORE and _scoring.bm25 is _BM25:
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        found = {}
        while matcher.is_active():
            _load_block(matcher)
            start, stop = matcher._i, matcher._blocklength
            found.update({n: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * of_doc[n] / avgfl)))
                          for n, tf in zip(matcher._ids[start:stop], matcher._weights[start:stop])})
            matcher._i = stop - 1
            matcher.next()
        return found
    found: dict[int, float] = {}
    while matcher.is_active():
        _load_block(matcher)
        start, stop = matcher._i, matcher._blocklength
        for n, weight in zip(matcher._ids[start:stop], matcher._weights[start:stop]):
            found[n] = score(weight, of_doc[n])
        matcher._i = stop - 1
        matcher.next()
    return found


def bits(docs) -> int:
    """A set of document numbers as an int with those bits set."""
    if not docs:
        return 0
    buf = bytearray(max(docs) // 8 + 1)
    for n in docs:
        buf[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buf, "little")


def _leaf_of(matcher):
    """The W3LeafMatcher under a matcher (itself, or under a deletions filter), and that filter."""
    if type(matcher) is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        return matcher.child, matcher
    return matcher, None


def _phrase(matcher):
    """The documents of a phrase (SpanNear2Matcher: slop 1, in order) and the postings read.

    Whoosh checks the spans of every document having all the words, one matcher step at a time;
    here each word's postings (ids, weights, positions) are read a block at a time, the documents
    having all the words are intersected, and only those have their positions decoded: a phrase
    matches where the words' positions run p, p + 1, ..., as SpanNear2 with slop 1 and mindist 1
    requires. None when the matcher is not of that simple kind (Whoosh then runs it as before).
    """
    if (matcher.slop, matcher.ordered, matcher.mindist) != (1, True, 1) or not matcher.is_active():
        return None if matcher.is_active() else ([], {})
    words = []
    for sub in matcher.ms:
        leaf, wrapper = _leaf_of(sub)
        if type(leaf) is not _W3LeafMatcher or type(leaf.format) is not _Positions:
            return None
        words.append((leaf, wrapper))
    postings = {}
    common = None
    for leaf, wrapper in words:
        found = {}
        while leaf.is_active():
            _load_block(leaf)
            if leaf._values is None:
                leaf._read_values()
            start, stop = leaf._i, leaf._blocklength
            found.update(zip(leaf._ids[start:stop], zip(leaf._weights[start:stop], leaf._values[start:stop])))
            leaf._i = stop - 1
            leaf.next()
        if wrapper is not None:
            found = {n: v for n, v in found.items() if (n in wrapper._ids) != wrapper._exclude}
        postings[id(leaf)] = found
        common = set(found) if common is None else common & found.keys()
    decode = _decode_positions if type(words[0][0].format).decode_positions is _POSITIONS_DECODE \
        else words[0][0].format.decode_positions
    docs = []
    for n in sorted(common):
        starts = None
        for offset, (leaf, _) in enumerate(words):
            at = {p - offset for p in decode(postings[id(leaf)][n][1])}
            starts = at if starts is None else starts & at
            if not starts:
                break
        if starts:
            docs.append(n)
    return docs, postings


def _decode_positions(value: bytes) -> list[int]:
    """Positions.decode_positions, its running sum done by accumulate."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


def _tree_score(node, postings: dict, n: int, lengths: Callable[[str], list | None]) -> float:
    """The score Whoosh's matcher tree under a phrase gives document ``n`` (sums of leaf scores)."""
    if type(node) is _IntersectionMatcher:
        return _tree_score(node.a, postings, n, lengths) + _tree_score(node.b, postings, n, lengths)
    leaf, wrapper = _leaf_of(node)
    weight = postings[id(leaf)][n][0]
    of_doc = lengths(leaf._term[0]) if type(leaf.scorer) is _BM25FScorer else None
    if of_doc is not None:
        score = leaf.scorer._score(weight, of_doc[n])
    else:  # as LeafMatcher.score: the scorer given the matcher's weight and id
        score = leaf.scorer.score(_Posting(n, weight))
    return score * wrapper.boost if wrapper is not None else score


class _Posting:
    """What a scorer asks of a matcher, for one posting already read."""

    def __init__(self, docnum: int, weight: float) -> None:
        self._docnum, self._weight = docnum, weight

    def id(self) -> int:
        return self._docnum

    def weight(self) -> float:
        return self._weight


_BYTE_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]  # as doc_field_length decodes


def segment_lengths(reader, field: str) -> list | None:
    """Each document's length of ``field`` in one segment, as Whoosh's doc_field_length gives it
    to BM25F (via the lengths column, a byte per document); None where that path does not apply."""
    try:
        perdoc = reader._perdoc
        column = perdoc._cached_reader(_whoosh3._lenfield(field), _whoosh3.LENGTHS_COLUMN)
        if column is None or type(column) is not _NumericReader or column._fixedlen != 1:
            return None
        raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
        count = reader.doc_count_all()
        default = column._unpack(column._defaultbytes)[0]
        return [_BYTE_LENGTHS[b] for b in raw] + [_BYTE_LENGTHS[default]] * max(0, count - len(raw))
    except (AttributeError, TypeError):
        return None
