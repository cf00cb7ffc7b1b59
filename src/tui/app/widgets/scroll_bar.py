"""A vertical scrollbar drawn straight from its bar's segments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.geometry import Region


class QuickScrollBar(ScrollBar):
    """ScrollBar whose lines are its bar's segments, one Strip for each distinct one.

    Textual draws a scrollbar as it draws any widget: the bar as a Rich renderable, cut into
    lines, then each line through the stylesheet's machinery (padding, borders, tint, filters),
    which a scrollbar has no use for but the line filters. The results list's bar changes with
    every new page of results (its thumb follows the number of results), and drawing it took
    0.9-1.5 ms of the paint that shows them (bench/parts.py). Its lines are few distinct ones
    (track above, thumb, track below), so the screen's cutting of each into the screen's
    columns, cached by Strip, is done once for each. A bar with a tint, opacity, padding or
    border is Textual's own.

    What it draws is checked against ScrollBar's own in tests/test_paged_option_list.py.
    """

    _drawn: tuple[tuple, list[Strip]] | None = None  # the last bar's key and its lines

    def render_lines(self, crop: "Region") -> list[Strip]:
        bar = self.render()
        styles = self.styles
        if not self.vertical or type(bar) is not ScrollBarRender or self.opacity != 1.0 \
                or styles.tint.a or styles.gutter:
            return super().render_lines(crop)
        width, height = self.size
        filters = tuple(self.get_line_filters())
        background = self.background_colors[1]
        base = self.visual_style.rich_style  # under every segment, as Widget.post_render puts it
        key = (width, height, bar.virtual_size, bar.window_size, bar.position, bar.style,
               filters, background, base)
        if self._drawn is None or self._drawn[0] != key:
            style = bar.style
            segments = bar.render_bar(
                size=height, virtual_size=bar.virtual_size, window_size=bar.window_size,
                position=bar.position, thickness=width, vertical=True,
                back_color=style.bgcolor or Color.parse("#555555"),  # as ScrollBarRender does
                bar_color=style.color or Color.parse("bright_magenta"))
            strips: dict = {}
            for segment in segments.segments:
                if segment not in strips:
                    strip = Strip([segment], width).apply_style(base)
                    for line_filter in filters:
                        strip = strip.apply_filter(line_filter, background)
                    strips[segment] = strip
            self._drawn = key, [strips[segment] for segment in segments.segments]
        lines = self._drawn[1][crop.y:crop.bottom]
        if crop.x or crop.width != width:
            lines = [line.crop(crop.x, crop.right) for line in lines]
        return lines
