"""How the results list draws one search result: a card whose height is known before it is drawn."""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

from ...render import snippet
from ...text import strip_controls
from .card import Card, assemble, content_of, one_line
from .format import day

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

    from ...answers import Hit

SNIPPET_LINES = 3  # the most lines it takes; a longer one is cut there with "…"


class ResultCard(Card):
    """A result: date, paragraph and title; the heading; the matches in context; the sectors.

    Every line but the snippet's is one line at any width (cut with "…"), the snippet at most
    SNIPPET_LINES, then a blank line. So the card's height at a width needs at most the snippet's
    word wrap, and mostly not even that. The results list asks every option's height each time it
    is refilled, which is every keystroke: as Rich renderables its 50 results were rendered in full
    for that (0.4 ms each), though only the four or five on screen are ever drawn.
    """

    def __init__(self, hit: "Hit", *, bookmarked: bool = False) -> None:
        self.hit = hit
        self.bookmarked = bookmarked
        self._snippet: tuple[int, Text] | None = None  # for the last width asked
        self._content: Content | None = None  # of that snippet, once drawn

    @cached_property
    def title(self) -> Content:
        hit = self.hit
        where = " ".join(x for x in (day(hit.date), f"¶{hit.paragraph}") if x)
        marker = ("★ ", "bold yellow") if self.bookmarked else ""
        return assemble((f"{where}  ", "dim"), marker, (strip_controls(hit.title), "bold"))

    @cached_property
    def heading(self) -> Content | None:
        heading = self.hit.heading
        return assemble(("§ ", "dim"), (strip_controls(heading), "italic")) if heading else None

    def snippet_at(self, width: int) -> Text:
        """The paragraph around its first match, for a card ``width`` cells wide: about a line
        before the match, so that it falls in the first two of the SNIPPET_LINES lines."""
        if self._snippet is None or self._snippet[0] != width:
            text = snippet(self.hit.text, self.hit.highlights, width=(SNIPPET_LINES + 1) * width,
                           before=max(width - 2, 0))  # the "…" in front, and a space to break at
            self._snippet, self._content = (width, text), None
        return self._snippet[1]

    def _snippet_content(self, width: int) -> Content:
        """The snippet as Textual draws it: made only for the cards drawn, not for every card
        whose height the list asks (all of them, on every new page)."""
        text = self.snippet_at(width)
        if self._content is None:
            self._content = content_of(text)
        return self._content

    @cached_property
    def sectors(self) -> Content | None:
        sectors = self.hit.sectors
        if not sectors:
            return None
        return Content.styled(strip_controls("  ".join(sectors)), "dim cyan", strip_control_codes=False)

    def get_height(self, rules: "RulesMap", width: int) -> int:
        return 2 + bool(self.hit.heading) + bool(self.hit.sectors) + self._snippet_height(width)

    def _snippet_height(self, width: int) -> int:
        width = max(width, 1)
        plain = self.snippet_at(width).plain
        cells = _cells(plain)
        if 0 < cells <= width:
            return 1
        if width > 1 and _cells("".join(plain.split())) > SNIPPET_LINES * width:  # a line holds
            return SNIPPET_LINES  # at most width cells of what is not white space (and at one
            # cell, none of a character two cells wide: it is not drawn at all)
        return len(self._snippet_lines(width))

    def _snippet_lines(self, width: int) -> list[Content]:
        lines = self._snippet_content(width).wrap(width)
        if len(lines) > SNIPPET_LINES:
            lines = lines[:SNIPPET_LINES]
            lines[-1] = lines[-1].rstrip().truncate(width - 1) + "…"
        return lines

    def lines(self, width: int) -> list[Content]:
        lines = [one_line(self.title, width)]
        if self.heading is not None:
            lines.append(one_line(self.heading, width))
        lines += self._snippet_lines(max(width, 1))
        if self.sectors is not None:
            lines.append(one_line(self.sectors, width))
        lines.append(Content(""))
        return lines


@cache
def _narrow() -> frozenset[str]:
    """Characters one cell wide that news text is mostly made of: Latin, and the dashes, quotes
    and ellipsis of General Punctuation (as Rich measures each of them)."""
    candidates = map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x300), *range(0x2010, 0x2028)])
    return frozenset(ch for ch in candidates if cell_len(ch) == 1)


def _cells(text: str) -> int:
    """``cell_len(text)``, fast for a snippet. Rich counts a text holding any character outside
    its own short list of one-cell ranges a character at a time, and that list leaves out the
    "…" every snippet has and the ’ – — of most news text: 19 µs a snippet, against 2 here. (A
    text's cells are the sum of its characters' unless it holds a joiner, not in the set.)"""
    return len(text) if _narrow().issuperset(text) else cell_len(text)
