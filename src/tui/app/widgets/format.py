"""Small display helpers shared by the widgets (plain strings in, strings or Text out)."""

from __future__ import annotations

import datetime as dt


def day(iso: str | None) -> str:
    """``2026-02-03`` as ``3 Feb 2026``; anything else as given (or empty)."""
    if not iso:
        return ""
    try:
        date = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{date.day} {date:%b %Y}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 source``, ``2 sources``; ``words`` for an irregular plural (``matches``)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"
