"""A list option drawn from lines the option makes for a width: what the result and event cards share."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from rich.style import Style as RichStyle
from rich.text import Text
from textual.content import Content, Span
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

if TYPE_CHECKING:
    from textual.css.styles import RulesMap


class Card(Visual):
    """A Textual Visual made of ``lines(width)``, each already no wider than the width.

    OptionList asks every option's height each time it is refilled and draws only the options on
    screen; a card can answer the height without drawing (see ResultCard), and its lines are drawn
    as they are, not wrapped again.
    """

    def lines(self, width: int) -> list[Content]:  # pragma: no cover - overridden
        raise NotImplementedError

    def get_optimal_width(self, rules: "RulesMap", container_width: int) -> int:
        return container_width

    def get_height(self, rules: "RulesMap", width: int) -> int:
        return len(self.lines(width))

    def render_strips(self, width: int, height: int | None, style: "Style",
                      options: RenderOptions) -> list[Strip]:
        strips = [Strip(line.render_segments(style), line.cell_length) for line in self.lines(width)]
        return strips if height is None else strips[:height]


def one_line(content: Content, width: int) -> Content:
    """``content`` on one line of ``width`` cells, cut with "…" if longer."""
    return content.truncate(width, ellipsis=True)


def assemble(*parts: "tuple[str, str] | str") -> Content:
    """``Content.from_rich_text(Text.assemble(*parts))`` for text already clear of control
    characters (``render.safe``'s, ``strip_controls``'), each part plain or (text, Rich style).

    Made for every line of every card drawn: from_rich_text looks each style up in the app's
    console, converts it and strips the text of control characters again, 27 µs for a card's
    title line, 4 here.
    """
    return Content.assemble(
        *(part if isinstance(part, str) else (part[0], part[1] and visual_style(part[1]))
          for part in parts if part and part[0]), strip_control_codes=False)


def content_of(text: Text) -> Content:
    """``Content.from_rich_text(text)`` for a Text already clear of control characters."""
    spans = [Span(start, end, visual_style(style) if isinstance(style, str)
                  else Style.from_rich_style(style)) for start, end, style in text.spans]
    if text.style:  # a string Textual parses (its own colours): as from_rich_text leaves it
        spans.insert(0, Span(0, len(text.plain), text.style if isinstance(text.style, str)
                             else Style.from_rich_style(text.style)))
    return Content(text.plain, spans, strip_control_codes=False)


@cache
def visual_style(spec: str) -> Style:
    """A Rich style ("dim", "bold yellow") as from_rich_text makes a span's style of it: its
    colours stay the terminal's standard ones, whatever the app's theme (a Text's own style, a
    string, from_rich_text leaves to Textual's parser, as content_of does)."""
    return Style.from_rich_style(RichStyle.parse(spec))
