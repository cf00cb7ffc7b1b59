"""A list option drawn from lines the option makes for a width: what the result and event cards share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.strip import Strip
from textual.visual import RenderOptions, Visual

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.style import Style


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
