"""Dates in news text: a small rule-based temporal tagger, standard library only.

It follows the news rules of HeidelTime and TimeML: relative expressions ("on Tuesday", "last
year", "within the next year") resolve against the article's date. An undated article takes the
corpus's event window instead, and what resolves against the window is flagged "inferred"; with
neither, a relative expression stays "unresolved" and is never guessed.

A date is stored at the start of its precision: month precision on the 1st, year precision on
1 January.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Callable

from .text import sentence_spans

DAY, MONTH, YEAR, UNRESOLVED = "day", "month", "year", "unresolved"
APPROXIMATE, DEADLINE, EARLIER, INFERRED, LATER = (
    "approximate", "deadline", "earlier", "inferred", "later")


def to_iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def from_iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# --- the event window --------------------------------------------------------------------------

@dataclass(frozen=True)
class EventWindow:
    name: str
    start: date
    end: date


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_TABLE = re.compile(r"\s*\[\s*([^\]]*?)\s*\]")


def load_window(corpus: Path) -> tuple[EventWindow | None, str | None]:
    """The [event] window of ``corpus/corpus.toml``, and a one-line problem if it cannot be read.

    No file, or no [event] table in it, is simply no window.
    """
    path = Path(corpus) / "corpus.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as err:
        return None, f"{path.name}: cannot read ({err})"
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return None, _syntax_problem(text, str(err))
    return _window(settings, text)


def _syntax_problem(text: str, message: str) -> str:
    at = _TOML_AT.search(message)
    if at:
        return f"corpus.toml:{at[1]}:{at[2]}: {message[:at.start()]}"
    last_line = text.count("\n") + 1
    return f"corpus.toml:{last_line}:1: {message.replace(' (at end of document)', '')}"


def _window(settings: dict, text: str) -> tuple[EventWindow | None, str | None]:
    event = settings.get("event")
    if event is None:
        return None, None
    if not isinstance(event, dict):
        return None, _problem(text, "event", "[event] must be a table")
    days = {}
    for key in ("start", "end"):
        days[key] = _as_date(event.get(key))
        if days[key] is None:
            return None, _problem(text, key, f"[event] {key} must be a date such as 2026-02-03")
    if days["end"] < days["start"]:
        return None, _problem(text, "end", "[event] end is before its start")
    return EventWindow(str(event.get("name", "")), days["start"], days["end"]), None


def _as_date(value: object) -> date | None:
    """A TOML date (or ISO date string) as a date; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _problem(text: str, key: str, message: str) -> str:
    line, column = _locate(text, key)
    return f"corpus.toml:{line}:{column}: {message}"


def _locate(text: str, key: str) -> tuple[int, int]:
    """Line and column (from 1) of ``key``'s value in the [event] table, else of that table."""
    where, table = (1, 1), ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _TOML_TABLE.match(line)
        if header:
            table = header.group(1)
            where = (number, 1) if table == "event" else where
            continue
        value = re.match(rf"\s*{re.escape(key)}\s*=\s*", line)
        if table == "event" and value:
            return number, value.end() + 1
    return where


# --- mentions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: date | None
    precision: str  # DAY, MONTH, YEAR or UNRESOLVED
    flags: tuple[str, ...] = ()  # sorted
    end_date: date | None = None  # the last day of a range

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "date": to_iso(self.date),
                "precision": self.precision, "flags": list(self.flags),
                "end_date": to_iso(self.end_date)}

    @classmethod
    def from_dict(cls, data: dict) -> DateMention:
        return cls(int(data["start"]), int(data["end"]), str(data["text"]), from_iso(data["date"]),
                   str(data["precision"]), tuple(data.get("flags", ())), from_iso(data.get("end_date")))


@dataclass(frozen=True)
class _Anchor:
    """What relative expressions resolve against: the article's day, or the event window."""
    first: date
    last: date
    inferred: bool


@dataclass(frozen=True)
class _Context:
    text: str
    anchor: _Anchor | None


@dataclass(frozen=True)
class _Reading:
    """What a rule makes of one match."""
    date: date | None
    precision: str
    flags: tuple[str, ...] = ()
    end_date: date | None = None
    anchored: bool = False  # resolved against the anchor, so inferred when the anchor is


_UNRESOLVED = _Reading(None, UNRESOLVED)


def tag_dates(text: str, base: date | None, window: EventWindow | None = None) -> list[DateMention]:
    """The time expressions in ``text``, in order, resolved against ``base`` (or ``window``)."""
    context = _Context(text, _anchor(base, window))
    found = []
    for pattern, resolve in _rules_for(text):
        for match in pattern.finditer(text):
            reading = _read(resolve, match, context)
            if reading is not None:
                found.append(_mention(match, reading, context))
    return _without_overlaps(found)


def _anchor(base: date | None, window: EventWindow | None) -> _Anchor | None:
    if base is not None:
        return _Anchor(base, base, inferred=False)
    if window is not None:
        return _Anchor(window.start, window.end, inferred=True)
    return None


def _read(resolve: Callable[[re.Match, _Context], _Reading | None], match: re.Match,
          context: _Context) -> _Reading | None:
    """A rule's reading of a match; None where the date would fall off the calendar."""
    try:
        return resolve(match, context)
    except (ValueError, OverflowError):
        return None


def _mention(match: re.Match, reading: _Reading, context: _Context) -> DateMention:
    start, end = match.span("t") if "t" in match.re.groupindex else match.span()
    flags = set(reading.flags)
    if reading.anchored and context.anchor.inferred:
        flags.add(INFERRED)
    return DateMention(start, end, context.text[start:end], _truncate(reading.date, reading.precision),
                       reading.precision, tuple(sorted(flags)), reading.end_date)


def _truncate(day: date | None, precision: str) -> date | None:
    if day is None or precision == DAY:
        return day
    return day.replace(month=1, day=1) if precision == YEAR else day.replace(day=1)


def _without_overlaps(found: list[DateMention]) -> list[DateMention]:
    """Where expressions overlap, the longest wins (then the earliest)."""
    kept: list[DateMention] = []
    for mention in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if all(mention.end <= other.start or other.end <= mention.start for other in kept):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


# --- clauses and tense -------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+|\s+but\s+")
_FUTURE = re.compile(
    r"\b(?:will|shall)\s+(?!(?:of|to|and|for|in|the|a|an)\b)[a-z]|\bwon['’]t\b|['’]ll\b"
    r"|(?:\bis|\bare|\bam|['’]s|['’]re)\s+(?:due|expected|set|scheduled|slated|going|poised)\s+to\b"
    r"|\bplans?\s+to\b|\bupcoming\b",
    re.I,
)
_SUPERLATIVE = re.compile(
    r"\b(?:first|last|only|highest|lowest|largest|biggest|smallest|best|worst|longest|strongest"
    r"|weakest|most|least)\b",
    re.I,
)


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause holding ``text[start:end]``: its sentence, cut at ';' and at ', and' / ', but'."""
    first, last = _sentence_around(text, start)
    for cut in _CLAUSE_BREAK.finditer(text, first, last):
        if cut.end() <= start:
            first = cut.end()
        elif cut.start() >= end:
            last = cut.start()
            break
    return first, max(last, end)


def _sentence_around(text: str, position: int) -> tuple[int, int]:
    for start, end in sentence_spans(text):
        if start <= position < end:
            return start, end
    return 0, len(text)


def _is_future(text: str, start: int, end: int) -> bool:
    first, last = clause_span(text, start, end)
    return _FUTURE.search(text[first:last]) is not None


def _follows_superlative(text: str, start: int, end: int) -> bool:
    """'the first ... in 23 years': a superlative earlier in the clause points back in time."""
    first, _ = clause_span(text, start, end)
    return _SUPERLATIVE.search(text[first:start]) is not None


# --- the rules ---------------------------------------------------------------------------------

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_MONTH_NUMBERS = ({name: number for number, name in enumerate(_MONTH_NAMES, 1)}
                  | {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)} | {"Sept": 9})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                 "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_DAY_WORDS = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
              "yesterday": -1, "last night": -1, "tomorrow": 1}
_STEPS = {"last": -1, "this": 0, "next": 1}
_UNIT_PRECISION = {"day": DAY, "week": DAY, "month": MONTH, "year": YEAR}

# Month and weekday names must be capitalised: "may" and "march" are also verbs.
_MONTH = (r"(?P<month>(?:" + "|".join(_MONTH_NAMES) + r")\b"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)")
_YEAR = r"(?P<year>19[0-9]{2}|20[0-9]{2}|2100)\b"
_MAYBE_YEAR = rf"(?:,?\s+{_YEAR})?"
_DAY = r"(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?\b(?!\s*[-–]\s*[0-9])"  # not the start of a range
_DAYS = r"(?P<day>[0-3]?[0-9])\s*[-–]\s*(?P<day2>[0-3]?[0-9])\b"
_NUMBER = r"(?P<n>[0-9]{1,3}|" + "|".join(_NUMBER_WORDS) + ")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_YEAR_CONTEXT = r"(?:in|since|by|until|till|from|through|during|before|after|around|circa|early|late)"


def _month_number(name: str) -> int:
    return _MONTH_NUMBERS[name.rstrip(".")]


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[_fold(word)]


def _shift(day: date, count: int, unit: str) -> date:
    """``day`` moved by ``count`` days, weeks, months or years (the day clamped to the month)."""
    if unit in ("day", "week"):
        return day + timedelta(days=count * (7 if unit == "week" else 1))
    months = day.month - 1 + count * (12 if unit == "year" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _iso(match: re.Match, context: _Context) -> _Reading:
    """2026-02-04"""
    return _Reading(date(int(match["y"]), int(match["m"]), int(match["d"])), DAY)


def _days(match: re.Match, context: _Context) -> _Reading | None:
    """'February 4', '4 Feb 2026', 'Feb. 4, 2026', and ranges 'Feb 3-4', '3–4 February'."""
    month = _month_number(match["month"])
    first = int(match["day"])
    last = int(match.groupdict().get("day2") or first)
    if not 1 <= first <= last <= calendar.monthrange(2000, month)[1]:
        return None
    if match["year"]:
        year, anchored = int(match["year"]), False
    elif context.anchor:
        year, anchored = context.anchor.last.year, True  # a year-less day takes the base year
    else:
        return _UNRESOLVED
    start = date(year, month, first)
    return _Reading(start, DAY, (), start.replace(day=last) if last > first else None, anchored)


def _month_year(match: re.Match, context: _Context) -> _Reading:
    """'February 2026'"""
    return _Reading(date(int(match["year"]), _month_number(match["month"]), 1), MONTH)


def _year(match: re.Match, context: _Context) -> _Reading:
    """'in 2003', 'since 1991': a bare number is a year only after such a word."""
    return _Reading(date(int(match["year"]), 1, 1), YEAR)


def _weekday(match: re.Match, context: _Context) -> _Reading:
    """'on Tuesday': the last one for the past tense, the next one for the future tense."""
    if context.anchor is None:
        return _UNRESOLVED
    weekday = _WEEKDAYS.index(match["weekday"])
    step = _fold(match["step"] or "")
    first, last = context.anchor.first, context.anchor.last
    if step == "last":
        day = _on_or_before(first - timedelta(days=1), weekday)
    elif step in ("next", "coming"):
        day = _on_or_after(last + timedelta(days=1), weekday)
    elif _is_future(context.text, match.start(), match.end()):
        day = _on_or_after(first, weekday)
    else:
        day = _on_or_before(last, weekday)
    return _Reading(day, DAY, anchored=True)


def _fold(word: str) -> str:
    """A matched word as the tables spell it. The patterns match case-insensitively, and (?i)
    lets 'ſ' match 's', 'K' (Kelvin) match 'k' and 'İ' match 'i', which str.lower leaves as they
    are: casefold, then drop what is left of a dotted or dotless i."""
    return word.casefold().replace("ı", "i").replace("\u0307", "")


def _day_word(match: re.Match, context: _Context) -> _Reading:
    """'today', 'yesterday', 'tomorrow', 'last night'"""
    if context.anchor is None:
        return _UNRESOLVED
    offset = _DAY_WORDS[" ".join(_fold(match.group()).split())]
    return _Reading(context.anchor.last + timedelta(days=offset), DAY, anchored=True)


def _this_last_next(match: re.Match, context: _Context) -> _Reading:
    """'last week', 'next month', 'earlier this month', 'later this year'"""
    if context.anchor is None:
        return _UNRESOLVED
    unit = _fold(match["unit"])
    flags = {"earlier": (EARLIER,), "later": (LATER,)}.get(_fold(match["mod"] or ""), ())
    if unit == "week":
        flags += (APPROXIMATE,)
    day = _shift(context.anchor.last, _STEPS[_fold(match["step"])], unit)
    return _Reading(day, _UNIT_PRECISION[unit], flags, anchored=True)


def _within(match: re.Match, context: _Context) -> _Reading | None:
    """'within the next year', 'within two months': a deadline that long after the base."""
    if not (match["next"] or match["n"]):
        return None  # 'within the year', 'within days'
    if context.anchor is None:
        return _UNRESOLVED
    unit = _fold(match["unit"])
    day = _shift(context.anchor.last, _number(match["n"] or "1"), unit)
    return _Reading(day, DAY if unit in ("day", "week") else MONTH, (DEADLINE,), anchored=True)


def _ago(match: re.Match, context: _Context) -> _Reading:
    """'two years ago', 'a week ago'"""
    if context.anchor is None:
        return _UNRESOLVED
    unit = _fold(match["unit"])
    flags = (APPROXIMATE,) if unit == "week" else ()
    day = _shift(context.anchor.last, -_number(match["n"]), unit)
    return _Reading(day, _UNIT_PRECISION[unit], flags, anchored=True)


def _in_count(match: re.Match, context: _Context) -> _Reading | None:
    """'the first ... in 23 years' (about that long before); 'will ... in two years' (after)."""
    if _follows_superlative(context.text, match.start(), match.end()):
        sign = -1
    elif _is_future(context.text, match.start(), match.end()):
        sign = 1
    else:
        return None
    if context.anchor is None:
        return _UNRESOLVED
    unit = _fold(match["unit"])
    day = _shift(context.anchor.last, sign * _number(match["n"]), unit)
    return _Reading(day, _UNIT_PRECISION[unit], (APPROXIMATE,), anchored=True)


_Rule = tuple[re.Pattern, Callable[[re.Match, _Context], _Reading | None]]


@cache
def _rules() -> tuple[_Rule, ...]:
    """Every rule, compiled when first used: a process that only searches (the app's search
    process) reads no dates, and compiling them was a third of tui.dates' import time (11.6 ->
    7-8 ms in python -X importtime)."""
    return (
        (re.compile(r"(?<![0-9-])(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})(?![0-9])"), _iso),
        (re.compile(rf"\b{_MONTH}\s+{_DAYS}{_MAYBE_YEAR}"), _days),
        (re.compile(rf"\b{_DAYS}\s+(?:of\s+)?{_MONTH}{_MAYBE_YEAR}"), _days),
        (re.compile(rf"\b{_MONTH}\s+{_DAY}{_MAYBE_YEAR}"), _days),
        (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}{_MAYBE_YEAR}"), _days),
        (re.compile(rf"\b{_MONTH},?\s+{_YEAR}"), _month_year),
        (re.compile(rf"(?:\b(?i:{_YEAR_CONTEXT})\s+(?i:the\s+year\s+)?|\b(?i:mid)-)(?P<t>{_YEAR})"
                    r"(?!\s*(?:%|(?i:percent|per\s+cent))|[.,:][0-9]|[-–][0-9])"), _year),
        (re.compile(r"\b(?:(?P<step>(?i:last|next|this|coming))\s+)?(?P<weekday>"
                    + "|".join(_WEEKDAYS) + r")\b"), _weekday),
        (re.compile(r"\b(?i:today|tonight|yesterday|tomorrow|last\s+night"
                    r"|this\s+(?:morning|afternoon|evening))\b"), _day_word),
        (re.compile(r"(?<![Tt]he )\b(?i:(?:(?P<mod>earlier|later)\s+)?(?P<step>this|last|next)\s+"
                    r"(?P<unit>week|month|year))\b"), _this_last_next),
        (re.compile(rf"\b(?i:within\s+(?:the\s+)?(?:(?P<next>next|coming)\s+)?(?:{_NUMBER}\s+)?{_UNIT})\b"),
         _within),
        (re.compile(rf"\b(?i:{_NUMBER}\s+{_UNIT}\s+ago)\b"), _ago),
        (re.compile(rf"\b(?i:in\s+(?:(?:more\s+than|over|nearly|almost|about|around)\s+)?"
                    rf"{_NUMBER}\s+{_UNIT})\b"), _in_count),
    )


_DIGIT = re.compile(r"[0-9]")
_MONTH_HINT = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
_DAY_WORD_HINTS = ("today", "yesterday", "tomorrow", "night", "morning", "afternoon", "evening")


def _rules_for(text: str) -> list[_Rule]:
    """The rules, in order, less those that cannot match ``text``: each needs a word or a digit
    that a substring test finds quicker than its pattern fails (dates are tagged on every
    paragraph of a build). The tests only ever let a rule through: case-insensitive words are
    looked for in the text folded as a match's words are (_fold)."""
    digit = _DIGIT.search(text) is not None
    month = digit and _MONTH_HINT.search(text) is not None
    folded = _fold(text)
    units = "week" in folded or "month" in folded or "year" in folded
    could = (
        digit,  # ISO dates
        month, month, month, month, month,  # 'March 3', '3 March', 'March 2026', ...: a month and a number
        digit,  # 'in 2026'
        "day" in text,  # 'Monday', ... (capitalised, so in the text as it is)
        any(word in folded for word in _DAY_WORD_HINTS),  # 'today', 'last night', 'this morning'
        units,  # 'last week', 'next month', 'this year'
        "within" in folded,
        "ago" in folded,
        units or "day" in folded,  # 'in two days', 'in 23 years'
    )
    return [rule for rule, ok in zip(_rules(), could, strict=True) if ok]
