"""The Whoosh index: the one module that imports Whoosh."""

from __future__ import annotations

from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.support.charset import accent_map

# Case-folded, accent-folded, stemmed words. The tokenizer splits on apostrophes and on '-', '–'
# and '—', so "Pakistan's" and "Pakistan’s" give the same words and "two-day" gives two.
ANALYZER = StemmingAnalyzer() | CharsetFilter(accent_map)


def analyze(text: str) -> list[str]:
    """The words the index keeps for ``text``, in order: what queries and sector terms match on."""
    return [token.text for token in ANALYZER(text)]
