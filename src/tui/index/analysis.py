"""The words the index keeps for a text: Whoosh's analyzer, and a faster path to the same words."""

from __future__ import annotations

import re

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
    words = _TOKENS.findall(text)
    folded = _FOLDED
    try:
        return [word for word in [folded[raw] for raw in words] if word is not None]
    except KeyError:
        if len(folded) > 200_000:
            folded.clear()
        for raw in words:
            if raw not in folded:
                folded[raw] = _fold(raw)
        return [word for word in [folded[raw] for raw in words] if word is not None]


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

    return tokens, fold


_TOKENS, _fold = _fast_analyzer() or (None, None)
_FOLDED: dict[str, str | None] = {}


def highlight_spans(text: str, words: set[str]) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the words whose analyzed form is in ``words``."""
    if not words:
        return []
    if _TOKENS is None:
        return [(t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="index")
                if t.text in words]
    folded = _FOLDED  # as analyze(): the same tokens, each distinct word folded once
    spans = []
    for match in _TOKENS.finditer(text):
        raw = match.group()
        word = folded[raw] if raw in folded else folded.setdefault(raw, _fold(raw))
        if word is not None and word in words:
            spans.append(match.span())
    return spans
