"""The fixed query mix: what is timed, in this order, for ours and for SQLite FTS5.

Each entry: (kind, Whoosh query as a user types it, sector filter or None, the FTS5 MATCH string).
Consecutive entries never repeat a query, so no cache of "the last query" helps the next entry.
The words all occur in the seeds, so every corpus size finds something.
"""

from __future__ import annotations

COLUMNS = "{text heading}"

MIX: list[tuple[str, str, str | None, str]] = [
    ("word", "pakistan", None, f"{COLUMNS}: pakistan"),
    ("and", "trade energy", None, f"{COLUMNS}: (trade AND energy)"),
    ("phrase", '"strategic partnership"', None, f'{COLUMNS}: "strategic partnership"'),
    ("prefix", "invest*", None, f"{COLUMNS}: invest*"),
    ("or", "mining OR petroleum", None, f"{COLUMNS}: (mining OR petroleum)"),
    ("sector", "trade", "trade-investment", f"{COLUMNS}: trade"),
    ("word", "petroleum", None, f"{COLUMNS}: petroleum"),
    ("and", "kazakhstan investment", None, f"{COLUMNS}: (kazakhstan AND investment)"),
    ("phrase", '"prime minister"', None, f'{COLUMNS}: "prime minister"'),
    ("prefix", "connect*", None, f"{COLUMNS}: connect*"),
    ("or", "railway OR corridor", None, f"{COLUMNS}: (railway OR corridor)"),
    ("sector", "pakistan", "energy", f"{COLUMNS}: pakistan"),
    ("word", "tokayev", None, f"{COLUMNS}: tokayev"),
]

# For the correctness check: the mix plus what a user also does (browse a sector, fuzzy, fields).
CHECK = [(q, s) for _, q, s, _ in MIX] + [
    ("", "energy"), ("", None), ("pakistn~1", None), ("heading:trade", None), ("sector:energy", None),
    ("trade NOT energy", None), ("kazakh*", "diplomacy"), ('"two countries"', "diplomacy/agreements"),
]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
