"""The timeline's events as the index keeps them: merged from drafts, stored in events.pickle.

``events.pickle`` holds the events in timeline order as plain tuples (position of the first
draft, date key, the event), which pickle and unpickle several times faster than Events; it is
ours, and read only when its sha256 is the one the manifest names.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from collections import Counter
from datetime import date as _date
from pathlib import Path

from .. import timeline
from .errors import DAMAGE, IndexProblem

_from_ordinal = _date.fromordinal
EVENTS = "events.pickle"


def date_key(event: timeline.Event) -> str | None:
    """The group an event merges within (timeline's date key), as text; None: it never merges."""
    return None if event.date is None else repr(timeline._date_key(event))


def without(draft, common: frozenset[str]):
    """``draft`` without the ``common`` words among its terms (dataclasses.replace, quicker)."""
    return timeline._Draft(draft.event, draft.terms - common, draft.articles)


def merge_drafts(drafts: list) -> list[tuple]:
    """The events of ``drafts`` ((position, draft), in corpus order) merged as build_events does.

    ``build_events`` merges each new draft into the first earlier draft that reports the same thing,
    and that needs the same date key and at least one shared key term. So drafts are looked up by
    date key and term, and tried in the order ``build_events`` would try them: the same merges, in
    time linear in the drafts rather than quadratic (10k paragraphs: 9.9 s before). Undated drafts
    never merge. Gives (event, position of its first draft, date key), unsorted.

    What merges into a kept draft is gathered in place (_Merging), its event made once at the
    end: making a new draft at each merge copied the sources and terms gathered so far, quadratic
    in an event's sources (2,466 for one event at 100k paragraphs, whose 61,870 drafts took 4.6 s
    to merge, now 1.4).
    """
    kept: list[_Merging] = []  # in the order build_events keeps them
    by_key: dict[tuple, dict[str, list[int]]] = {}  # date key -> term -> drafts (indexes) having it
    for position, new in drafts:
        if new.event.date is None:
            kept.append(_Merging(position, new))
            continue
        postings = by_key.setdefault(timeline._date_key(new.event), {})
        candidates = sorted({i for term in new.terms for i in postings.get(term, ())})
        for i in candidates:
            # timeline._same_report: a candidate has new's date key (drafts are looked up under
            # it, and merging keeps the first draft's key), so only the rest is left to check
            one = kept[i]
            if timeline._agree(one, new):
                for term in new.terms - one.terms:
                    postings.setdefault(term, []).append(i)
                one.take(new)
                break
        else:
            for term in new.terms:
                postings.setdefault(term, []).append(len(kept))
            kept.append(_Merging(position, new))
    return [(event, merging.position, date_key(event))
            for merging in kept for event in [merging.event()]]


class _Merging:
    """A kept draft and the drafts merged into it: what timeline._merged makes of them one at a
    time, gathered in place."""

    __slots__ = ("position", "first", "terms", "articles", "sources", "inferred", "merged")

    def __init__(self, position, draft) -> None:
        self.position, self.first = position, draft.event
        self.terms, self.articles = draft.terms, draft.articles  # made sets at the first merge
        self.sources: list = []  # of the drafts merged into it
        self.inferred = timeline.INFERRED in draft.event.flags  # every draft's date was inferred
        self.merged = False

    def take(self, draft) -> None:
        if not self.merged:
            self.terms, self.articles, self.merged = set(self.terms), set(self.articles), True
        self.terms |= draft.terms
        self.articles |= draft.articles
        self.sources += draft.event.sources
        self.inferred = self.inferred and timeline.INFERRED in draft.event.flags

    def event(self) -> timeline.Event:
        if not self.merged:
            return self.first
        return timeline._merged_event(self.first, self.sources, self.inferred)


def in_order(items: list[tuple]) -> list[tuple]:
    """Events in timeline order; ties in the order build_events made them (corpus order).

    ``items`` are (event, position, key); the result is what events.pickle holds: (position,
    key, the event as plain tuples), which pickle and unpickle several times faster than Events.
    """
    ordered = sorted(items, key=lambda item: (timeline._timeline_order(item[0]), item[1]))
    return [(position, key, _event_tuple(event)) for event, position, key in ordered]


def _event_tuple(event: timeline.Event) -> tuple:
    return (event.date.toordinal() if event.date else None, event.precision, event.flags, event.label,
            tuple((s.ref, s.span[0], s.span[1], s.text) for s in event.sources),
            event.end_date.toordinal() if event.end_date else None)


def event_of(data: tuple) -> timeline.Event:
    day, precision, flags, label, sources, end = data
    return timeline.Event(
        _from_ordinal(day) if day is not None else None, precision, flags, label,
        tuple([timeline.Source(ref, (start, stop), text) for ref, start, stop, text in sources]),
        _from_ordinal(end) if end is not None else None)


def order_of(item: tuple) -> tuple:
    """The sort key of an events.pickle item: timeline order, then position (from the event's
    tuple: making its Event took three quarters of the time, and an update sorts in hundreds)."""
    day, precision, flags, label, sources, _ = item[2]
    return (timeline.order_key(_from_ordinal(day) if day is not None else None, precision, flags, label,
                               [source[0] for source in sources]), item[0])


class Stems:
    """``set(timeline._words(text))``, stemming each distinct word once rather than every time."""

    def __init__(self) -> None:
        self._stems: dict[str, str | None] = {}

    def __call__(self, text: str) -> set[str]:
        stems, found = self._stems, set()
        for word in set(timeline._WORD.findall(text.casefold())):
            try:
                stem = stems[word]
            except KeyError:
                keep = (len(word) > 1 or word.isdigit()) and word not in timeline._STOPWORDS
                stem = stems[word] = timeline._stem(word) if keep else None
            if stem is not None:
                found.add(stem)
        return found


def common_floor(paragraphs: int) -> float:
    """timeline._common_words: a word in more paragraphs than this is common."""
    return max(timeline.COMMON_MIN_PARAGRAPHS, timeline.COMMON_SHARE * paragraphs)


def common_from(words: Counter, paragraphs: int) -> frozenset[str]:
    """:func:`timeline._common_words` from the count of paragraphs having each word."""
    floor = common_floor(paragraphs)
    return frozenset(word for word, count in words.items() if count > floor)


def save_events(folder: Path, items: list[tuple]) -> str:
    """Write events.pickle (events in timeline order, with position and key); its sha256."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # Without the memo: the items are tuples of plain values, with no cycles, and remembering
    # each object pickled was four fifths of pickling them (16 MB at 100k paragraphs: 110-130
    # ms -> 20-30 ms; the whole save 117-189 -> 45-62 ms). An object met twice is written twice
    # (the file is 0.5% larger) and unpickled as two equal copies, which nothing here tells
    # apart. The docs call the attribute deprecated, with no replacement or removal planned.
    pickler.fast = True
    pickler.dump(items)
    data = buffer.getvalue()
    tmp = folder / (EVENTS + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / EVENTS)
    return hashlib.sha256(data).hexdigest()


def load_events(folder: Path, digest: str) -> list[tuple]:
    """events.pickle, if it is the one the manifest names (we only unpickle what we wrote)."""
    try:
        data = (folder / EVENTS).read_bytes()
    except OSError as err:
        raise IndexProblem(f"its timeline is unreadable ({err.strerror or err})") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexProblem("its timeline does not match the manifest")
    try:
        return pickle.loads(data)
    except DAMAGE as err:
        raise IndexProblem(f"its timeline is damaged ({err.__class__.__name__})") from None
