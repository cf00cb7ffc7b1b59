"""The timeline: every dated mention becomes an event, merged across articles.

Each mention makes an event labelled with the clause that holds it. Events on the same date from
different articles that report the same thing (their clauses share key terms) merge into one
event listing every source. Unresolved mentions stay separate and come last. Standard library
only; the index stores what :meth:`Event.to_dict` gives.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from .dates import (APPROXIMATE, DEADLINE, EARLIER, INFERRED, LATER, DateMention, EventWindow,
                    clause_span, from_iso, tag_dates, to_iso)
from .ingest import Paragraph
from .text import shorten

LABEL_WIDTH = 100
MIN_SHARED_TERMS = 2  # key terms two clauses must share to report the same thing
COMMON_SHARE = 0.4  # a word in more than this share of paragraphs is no key term ...
COMMON_MIN_PARAGRAPHS = 3  # ... provided it is in more than this many

_PRECISION_ORDER = {"day": 0, "month": 1, "year": 2, "unresolved": 3}
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WORD = re.compile(r"[^\W_]+")
_WORD_START = re.compile(r"(?<!\S)\S")
_STOPWORDS = frozenset("""
    a about above after again against all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no
    nor not now of off on once only or other our ours out over own same she should so some such
    than that the their theirs them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    said say says saying told tell added noted stated according
    ago day days week weeks month months year years today yesterday tomorrow earlier later next last
    monday tuesday wednesday thursday friday saturday sunday
""".split())


@dataclass(frozen=True)
class Source:
    ref: str  # the paragraph's reference, "article:number"
    span: tuple[int, int]  # the date expression within the paragraph's text
    text: str  # the clause of the paragraph holding it

    @property
    def article(self) -> str:
        return self.ref.rpartition(":")[0]

    def to_dict(self) -> dict:
        return {"ref": self.ref, "span": list(self.span), "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        start, end = data["span"]
        return cls(str(data["ref"]), (int(start), int(end)), str(data["text"]))


@dataclass(frozen=True)
class Event:
    date: date | None
    precision: str
    flags: tuple[str, ...]
    label: str
    sources: tuple[Source, ...]
    end_date: date | None = None

    def to_dict(self) -> dict:
        return {"date": to_iso(self.date), "precision": self.precision, "flags": list(self.flags),
                "label": self.label, "sources": [source.to_dict() for source in self.sources],
                "end_date": to_iso(self.end_date)}

    @classmethod
    def from_dict(cls, data: dict) -> Event:
        return cls(from_iso(data["date"]), str(data["precision"]), tuple(data.get("flags", ())),
                   str(data["label"]), tuple(Source.from_dict(s) for s in data["sources"]),
                   from_iso(data.get("end_date")))


@dataclass(frozen=True)
class TimelinePage:
    """Some of a timeline's events: ``events`` are those from position ``first`` of ``total``."""

    events: tuple[Event, ...]
    first: int
    total: int


def page_around(events: Sequence[Event], window: dict | None, limit: int) -> TimelinePage:
    """At most ``limit`` of the date-ordered ``events``: from a little before the visit window
    (a quarter of them before it), or from the first event without a window. A large archive has
    tens of thousands; a pane shows a hundred."""
    start = page_start([event.date for event in events], window, limit)
    return TimelinePage(tuple(events[start:start + limit]), start, len(events))


def page_start(dates: Sequence[date | None], window: dict | None, limit: int) -> int:
    """Where :func:`page_around` starts the page of the events of these ``dates``."""
    if len(dates) <= limit or not window:
        return 0
    start = next((i for i, day in enumerate(dates) if day and day.isoformat() >= window["start"]),
                 len(dates))
    return min(max(0, start - limit // 4), len(dates) - limit)


def paragraph_mentions(paragraph: Paragraph, article_date: date | None,
                       window: EventWindow | None) -> list[DateMention]:
    """The dates of one paragraph; the window stands in only where the article has no date."""
    return tag_dates(paragraph.text, article_date, window)


# --- building ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Draft:
    """An event while merging, with what it is matched on."""
    event: Event
    terms: frozenset[str]
    articles: frozenset[str]


def build_events(corpus: Iterable[tuple[Paragraph, Sequence[DateMention]]]) -> list[Event]:
    """Events from every paragraph with its mentions, merged and in timeline order.

    Pass every paragraph (even those without mentions): the words most of them share are what
    the whole corpus is about, so they do not count as evidence that two clauses agree.
    """
    paragraphs = list(corpus)
    common = _common_words(paragraph.text for paragraph, _ in paragraphs)
    drafts: list[_Draft] = []
    for paragraph, mentions in paragraphs:
        for mention in mentions:
            _add(drafts, _draft(paragraph, mention, common))
    return sorted((draft.event for draft in drafts), key=_timeline_order)


def _draft(paragraph: Paragraph, mention: DateMention, common: frozenset[str]) -> _Draft:
    text = paragraph.text
    start, end = clause_span(text, mention.start, mention.end)
    source = Source(paragraph.ref, (mention.start, mention.end), text[start:end])
    event = Event(mention.date, mention.precision, mention.flags,
                  _label(text, (start, end), (mention.start, mention.end)), (source,), mention.end_date)
    around = text[start:mention.start] + " " + text[mention.end:end]
    return _Draft(event, frozenset(_words(around)) - common, frozenset({source.article}))


def _add(drafts: list[_Draft], new: _Draft) -> None:
    """Merge ``new`` into the first draft reporting the same thing, or append it."""
    for i, draft in enumerate(drafts):
        if _same_report(draft, new):
            drafts[i] = _merged(draft, new)
            return
    drafts.append(new)


def _same_report(one: _Draft, other: _Draft) -> bool:
    """Same dated happening, from different articles, told in the same key terms."""
    if one.event.date is None or _date_key(one.event) != _date_key(other.event):
        return False
    return _agree(one, other)


def _agree(one: _Draft, other: _Draft) -> bool:
    """_same_report for two drafts already known to have the same date key, and a date."""
    if one.articles & other.articles:
        return False
    shared = len(one.terms & other.terms)
    return shared > 0 and shared >= min(MIN_SHARED_TERMS, len(one.terms), len(other.terms))


def _date_key(event: Event) -> tuple:
    """What two events must agree on to merge; one of them being inferred does not matter."""
    return (event.date, event.precision, event.end_date,
            tuple(flag for flag in event.flags if flag != INFERRED))


def _merged(one: _Draft, other: _Draft) -> _Draft:
    """Both drafts as one; the merged date is inferred only if every source's was."""
    inferred = INFERRED in one.event.flags and INFERRED in other.event.flags
    return _Draft(_merged_event(one.event, other.event.sources, inferred),
                  one.terms | other.terms, one.articles | other.articles)


def _merged_event(base: Event, sources: Sequence[Source], inferred: bool) -> Event:
    """``base`` with ``sources`` after its own, its date ``inferred`` or not."""
    flags = _date_key(base)[3] + ((INFERRED,) if inferred else ())
    # replace(base, flags=..., sources=...), without its cost
    return Event(base.date, base.precision, tuple(sorted(flags)), base.label,
                 base.sources + tuple(sources), base.end_date)


def _timeline_order(event: Event) -> tuple:
    return order_key(event.date, event.precision, event.flags, event.label,
                     [source.ref for source in event.sources])


def order_key(day: date | None, precision: str, flags: tuple[str, ...], label: str,
              refs: list[str]) -> tuple:
    """An event's place in the timeline, from its parts (the index orders its stored events
    without making Events of them)."""
    return (day is None, _sort_day(day, precision, flags), _PRECISION_ORDER.get(precision, 9), label, refs)


def _sort_day(day: date | None, precision: str, flags: tuple[str, ...]) -> date:
    """Where an event stands: 'later in 2026' at the end of 2026, anything else at its date."""
    if day is None:
        return date.min
    if LATER not in flags or precision == "day":
        return day
    if precision == "year":
        return day.replace(month=12, day=31)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# --- words and labels --------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    """Content words, lower-cased and crudely stemmed, without stopwords."""
    words = (word for word in _WORD.findall(text.casefold()) if len(word) > 1 or word.isdigit())
    return [_stem(word) for word in words if word not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + replacement
    return word


def _common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words in so many paragraphs that they say nothing about any one of them."""
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        counts.update(set(_words(text)))
        total += 1
    floor = max(COMMON_MIN_PARAGRAPHS, COMMON_SHARE * total)
    return frozenset(word for word, count in counts.items() if count > floor)


def _label(text: str, clause: tuple[int, int], span: tuple[int, int]) -> str:
    """The clause, cut at word boundaries to about LABEL_WIDTH characters, keeping the date."""
    start, end = clause
    if span[1] - start <= LABEL_WIDTH - 1:
        return shorten(text[start:end], LABEL_WIDTH).rstrip(".,;: ")
    word = _WORD_START.search(text, span[1] - LABEL_WIDTH + 2, span[0] + 1)
    return "…" + shorten(text[word.start() if word else span[0]:end], LABEL_WIDTH - 1).rstrip(".,;: ")


# --- using events ------------------------------------------------------------------------------

def restrict(events: Sequence[Event], refs: Container[str]) -> list[Event]:
    """Events with a source among ``refs`` (paragraph references), cut to those sources."""
    kept = []
    for event in events:
        sources = tuple(source for source in event.sources if source.ref in refs)
        if sources:
            kept.append(replace(event, sources=sources))
    return kept


def describe_date(event: Event | DateMention) -> str:
    """The date as a reader says it: '3 Feb 2026', 'c. 2003', 'later in 2026', 'by Feb 2027'."""
    if event.date is None:
        return "undated"
    when = (_range_text(event.date, event.end_date) if event.end_date
            else _date_text(event.date, event.precision))
    for flag, prefix in ((DEADLINE, "by "), (LATER, "later in "), (EARLIER, "earlier in "),
                         (APPROXIMATE, "c. ")):
        if flag in event.flags:
            return prefix + when
    return when


def _date_text(day: date, precision: str) -> str:
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{_MONTH_ABBR[day.month - 1]} {day.year}"
    return f"{day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"


def _range_text(first: date, last: date) -> str:
    if first.year != last.year:
        return f"{_date_text(first, 'day')} – {_date_text(last, 'day')}"
    if first.month != last.month:
        return f"{first.day} {_MONTH_ABBR[first.month - 1]} – {_date_text(last, 'day')}"
    return f"{first.day}–{_date_text(last, 'day')}"
