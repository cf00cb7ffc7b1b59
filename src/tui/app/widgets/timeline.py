"""The timeline: dated events grouped under their date, the visit window standing out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...render import safe
from ...text import shorten
from .card import Card, one_line
from .format import plural
from .paged_option_list import PagedOptionList

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

    from ...timeline import Event, TimelinePage

# Flags worth a word of their own; "later", "earlier" and "deadline" are in describe_date's text.
MARKED_FLAGS = ("inferred", "approximate")
LABEL_CHARS = 72  # about two lines of the left column
SHOWN = 100  # events in the pane at most: a large archive has tens of thousands (`tui timeline`)
INDENT = 2  # an event's lines under its date heading


def describe_event_date(event: "Event") -> str:
    """``timeline.describe_date``, imported on first use: tui.timeline brings the date tagger and
    the ingest module with it, ~20 ms the first frame need not wait for."""
    from ...timeline import describe_date

    return describe_date(event)


def in_window(event: "Event", window: dict | None) -> bool:
    """Whether a day-precise event falls inside the visit window."""
    return bool(window and event.date and event.precision == "day"
                and window["start"] <= event.date.isoformat() <= window["end"])


class TimelineList(PagedOptionList):
    """Events in date order; ``enter`` shows an event's source paragraphs in the results."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("g", "first", "First", show=False, id="first"),
        Binding("G", "last", "Last", show=False, id="last"),
        Binding("enter", "select", "Sources", id="timeline.sources",
                tooltip="Show this event's source paragraphs in the results"),
    ]

    class Picked(Message):
        """The user picked ``event``: its sources should fill the results."""

        def __init__(self, event: "Event") -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "3 Timeline"
        self.events: list[Event] = []
        self._card_heights: dict[tuple[str, int], int] = {}  # the event cards' heights, by label and width

    def show(self, page: "TimelinePage", window: dict | None) -> None:
        """Replace the list with ``page``'s events, under one heading per date as a reader says it.

        A large archive has more events than a pane can hold: the page is those around the visit
        window (at most SHOWN), and the pane says how many are before and after it.
        """
        self.events = list(page.events)
        later = page.total - page.first - len(self.events)
        options: list[Option] = []
        if page.first:
            options.append(self._more(f"▲ {plural(page.first, 'earlier event')}"))
        heading = None
        for index, event in enumerate(self.events):
            when = describe_event_date(event)
            if when != heading:
                heading = when
                inside = in_window(event, window)
                style = "bold reverse magenta" if inside else "bold"
                options.append(Option(Text.assemble(
                    ("▌ " if inside else "  "), (f" {when} " if inside else when, style),
                    (" visit" if inside else "", "magenta")), disabled=True))
            options.append(Option(self._prompt(event), id=str(index)))
        if later:
            options.append(self._more(f"▼ {plural(later, 'later event')}"))
        if not options:
            options.append(Option(Text("no dated events match", style="dim italic"), disabled=True))
        self.set_options(options)
        total = plural(page.total, "event")
        self.border_subtitle = (total if len(self.events) == page.total
                                else f"{len(self.events):,} of {total}") if self.events else ""
        if self.events:
            self.action_first()

    @staticmethod
    def _more(what: str) -> Option:
        return Option(Text.assemble((what, "dim italic"), (" · narrow the search to see them", "dim")),
                      disabled=True)

    def _prompt(self, event: "Event") -> "EventCard":
        flags = [flag for flag in event.flags if flag in MARKED_FLAGS]
        return EventCard(safe(shorten(event.label, LABEL_CHARS)), Text.assemble(
            (f"{', '.join(flags)} · " if flags else "", "italic yellow"),
            (plural(len(event.sources), "source"), "dim")), self._card_heights)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if index >= self.option_count or self.options[index] is not event.option:
            return  # chosen in a list that a new timeline has since replaced
        if event.option.id is not None:
            self.post_message(self.Picked(self.events[int(event.option.id)]))


class EventCard(Card):
    """An event under its date: its label, wrapped, and a line of flags and sources, indented.

    As a Rich renderable each of the pane's hundred events was rendered in full for its height
    whenever the timeline followed a query (16 ms at 10k paragraphs, often landing on the next
    keystroke); a card's height is its label's wrap, known from earlier timelines mostly, and it is
    drawn only when on screen.
    """

    def __init__(self, label: Text, note: Text, heights: dict[tuple[str, int], int]) -> None:
        self.label, self.note = label, note
        self._heights = heights  # (label, width) -> height, shared by the list's cards

    def get_height(self, rules: "RulesMap", width: int) -> int:
        key = (self.label.plain, width)
        if key not in self._heights:  # the next query's timeline has mostly the same events
            if len(self._heights) > 10_000:
                self._heights.clear()
            self._heights[key] = len(Content(self.label.plain).wrap(self._inner(width))) + 1
        return self._heights[key]

    def lines(self, width: int) -> list[Content]:
        inner = self._inner(width)
        indent = Content(" " * (width - inner))
        label = Content.from_rich_text(self.label).wrap(inner)
        note = one_line(Content.from_rich_text(self.note), inner)
        return [indent + line for line in [*label, note]]

    @staticmethod
    def _inner(width: int) -> int:
        """The width left for the text: less the indent, where there is room for it."""
        return width - INDENT if width > INDENT else max(width, 1)
