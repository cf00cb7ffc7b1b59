"""The words the index keeps for a text: Whoosh's analyzer, and a faster path to the same words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.support.charset import accent_map


# Case-folded, accent-folded, stemmed words. The tokenizer splits on apostrophes and on '-', '–'
# and '—', so "Pakistan's" and "Pakistan’s" give the same words and "two-day" gives two.
ANALYZER = StemmingAnalyzer() | CharsetFilter(accent_map)


def analyze(text: str) -> list[str]:
    """The words the index keeps for ``text``, in order: what queries and sector terms match on.

    The same words as ``[t.text for t in ANALYZER(text)]`` (the bench checks it on every corpus),
    three times faster: a tag runs on every paragraph of a build, and Whoosh's filter chain spends
    its time on token objects and generators. Each distinct word is folded once and remembered.
    """
    if _TOKENS is None:
        return [token.text for token in ANALYZER(text)]
    return [word for word in _folded(text) if word is not None]


def _folded(text: str) -> list[str | None]:
    """Each token of ``text`` as ANALYZER folds it; None for one its stop filter drops."""
    return [_fold(raw) for raw in _TOKENS.findall(text)]


def _fast_analyzer():
    """The pieces of ANALYZER that :func:`analyze` applies itself, or None if it is not as expected."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

    try:
        tokenizer, lower, stop, stem, charset = ANALYZER.items
    except (AttributeError, ValueError):
        return None
    kinds = (RegexTokenizer, LowercaseFilter, StopFilter, StemFilter, CharsetFilter)
    if not all(type(item) is kind for item, kind in zip(ANALYZER.items, kinds)) or tokenizer.gaps \
            or tokenizer.expression.pattern != r"[\w\*]+(\.?[\w\*]+)*" or stop.max is not None:
        return None
    # the same matches, without the capturing group that would make findall return groups
    tokens = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*", tokenizer.expression.flags)

    def fold(raw: str) -> str | None:
        word = raw.lower()
        if len(word) < stop.min or word in stop.stops:
            return None
        if word not in stem.ignore:
            word = stem._stem(word)
        return word.translate(charset.charmap)

    def fold_unstemmed(raw: str) -> str | None:  # as ANALYZER(text, no_morph=True): no stemming
        word = raw.lower()
        if len(word) < stop.min or word in stop.stops:
            return None
        return word.translate(charset.charmap)

    @lru_cache(maxsize=4096)
    def initial(first: str) -> str | None:
        """The first letter of what a word starting with ``first`` folds to, None if not one
        letter. Stemming changes only a word's end: checked on every word of the bench's corpora
        and on random Unicode words (tests/test_index.py)."""
        folded = first.lower().translate(charset.charmap)
        return folded if len(folded) == 1 else None

    # Stemming is the slow part and a corpus repeats its words: each distinct one is folded once.
    remembered = lru_cache(maxsize=200_000)
    return tokens, remembered(fold), remembered(fold_unstemmed), initial


_TOKENS, _fold, _fold_unstemmed, _initial = _fast_analyzer() or (None, None, None, None)


def _unstemmed(text: str) -> list[str]:
    """``[t.text for t in ANALYZER(text, no_morph=True)]``, each distinct word folded once."""
    return [word for word in map(_fold_unstemmed, _TOKENS.findall(text)) if word is not None]


@dataclass
class TextIndexer:
    """What a TEXT field analysed with ANALYZER, with positions, gives Whoosh's writer for a value.

    ``items`` is ``field.index(value)`` (each word once, in order of first occurrence: its UTF-8
    bytes, frequency, weight and encoded positions) and ``spellable`` is
    ``field.spellable_words(value)``; both from the words :func:`analyze` gives instead of Whoosh's
    token objects and filter generators, which took a third of a full build.
    """

    encode: Callable[[list[int]], bytes]  # the field format's own encoder
    boost: float
    last: list = field(default_factory=lambda: [None, []], compare=False)  # the last value, its items

    def items(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        """``field.index(value)``; the last value's answer is kept (an article's title comes
        with each of its paragraphs)."""
        if value == self.last[0]:
            return self.last[1]
        tokens = _folded(value)
        # Whoosh's StopFilter renumbers the words it keeps from the first one's own position on
        # (the tokenizer's count, stop words included): p, p + 1, p + 2, ...
        start = next((i for i, word in enumerate(tokens) if word is not None), 0)
        positions: dict[str, list[int]] = {}
        for position, word in enumerate((word for word in tokens if word is not None), start):
            if word in positions:
                positions[word].append(position)
            else:
                positions[word] = [position]
        encode, boost = self.encode, self.boost
        found = [(word.encode("utf-8"), len(at), float(len(at)) * boost, encode(at))
                 for word, at in positions.items()]
        self.last[:] = [value, found]
        return found

    def spellable(self, value: str) -> list[str]:
        return sorted(set(_unstemmed(value)))


def text_indexer(field) -> TextIndexer | None:
    """A TextIndexer for a schema's field, or None where it would not give what Whoosh gives."""
    from whoosh.fields import TEXT
    from whoosh.formats import Positions

    if _TOKENS is None or type(field) is not TEXT or type(field.format) is not Positions \
            or type(field.format).encode is not Positions.encode or field.analyzer != ANALYZER:
        return None
    return TextIndexer(field.format.encode, field.format.field_boost)


def highlight_spans(text: str, words: set[str]) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the words whose analyzed form is in ``words``."""
    if not words:
        return []
    if _TOKENS is None:
        return [(t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="index")
                if t.text in words]
    # Only words that can fold to one of ``words`` are folded: a new query's first results used
    # to stem every word of their paragraphs not met before (5 ms of a first search at 10k).
    initials = frozenset(word[:1] for word in words)
    return [match.span() for match in _candidates(initials).finditer(text)
            if ((first := _initial((raw := match.group())[0])) is None or first in initials)
            and (word := _fold(raw)) is not None and word in words]


@lru_cache(maxsize=64)
def _candidates(initials: frozenset[str]) -> re.Pattern:
    """The tokens of ``_TOKENS`` that start with an ASCII character folding to one of
    ``initials``, or with any other character: the regex skips the rest of a paragraph's words,
    which a loop in Python looked at one by one (40 µs a hit, 12 hits a first screenful).

    A token starts where no token goes on: not after a word character, nor after a "." that
    follows one (``_TOKENS`` takes "U.S" and "e.g.pakistan" whole)."""
    ascii_first = "".join(re.escape(ch) for ch in map(chr, range(128)) if ch.lower() in initials)
    first = f"[{ascii_first}]|[^\\x00-\\x7f]" if ascii_first else "[^\\x00-\\x7f]"
    return re.compile(rf"(?<![\w*])(?<![\w*]\.)(?={first}){_TOKENS.pattern}", _TOKENS.flags)
