"""How a list pane's lines get their border and padding: once per style, not once a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual._styles_cache import StylesCache
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.color import Color
    from textual.css.styles import StylesBase
    from textual.geometry import Size, Spacing


class ListLines(StylesCache):
    """Textual's StylesCache, but a line between the borders is the content's line with the
    border and padding either side of it as the last such line had them.

    Textual works out every line's border and padding again: the border's colour (a blend of
    colours), its box characters, the padding, the line's theme, then a new Strip for each step.
    On a new page of results every one of the list's 33 lines is new, and that work was 3 of
    the 5 ms the list took to draw (a loaded machine). The sides of a line depend only on the
    styles, the size and the colours behind, so they are cut once from a line Textual draws and
    kept until one of those changes. Lines with anything more (tint, opacity, text opacity, a
    hatch, an outline) are Textual's own. Checked line by line against StylesCache in
    tests/test_paged_option_list.py.
    """

    def __init__(self) -> None:
        super().__init__()
        self._sides: tuple[tuple, Strip, Strip] | None = None  # what they depend on, left, right

    def render_line(self, styles: "StylesBase", y: int, size: "Size", content_size: "Size",
                    padding: "Spacing", base_background: "Color", background: "Color",
                    render_content_line, border_title, border_subtitle, opacity: float,
                    ansi_theme, native_ansi: bool) -> Strip:
        args = (styles, y, size, content_size, padding, base_background, background,
                render_content_line, border_title, border_subtitle, opacity, ansi_theme, native_ansi)
        gutter = styles.gutter
        content_y = y - gutter.top
        if not (0 <= content_y < content_size.height and y < size.height - gutter.bottom) \
                or opacity != 1.0 or styles.tint.a or styles.text_opacity != 1.0 \
                or (styles.has_rule("hatch") and styles.hatch != "none") \
                or any(edge for edge, _ in styles.outline):
            return super().render_line(*args)
        key = (size, content_size, padding, base_background, background, styles.border, gutter,
               ansi_theme, native_ansi)
        if self._sides is None or self._sides[0] != key:
            blank = Strip.blank(content_size.width)
            drawn = super().render_line(styles, y, size, content_size, padding, base_background,
                                        background, lambda _: blank, border_title, border_subtitle,
                                        opacity, ansi_theme, native_ansi)
            right = drawn.cell_length - gutter.right
            if right - gutter.left != content_size.width:
                return super().render_line(*args)
            self._sides = key, drawn.crop(0, gutter.left), drawn.crop(right, drawn.cell_length)
        _, left, right = self._sides
        inner = self.get_inner_outer(base_background, background)[0].rich_style
        line = render_content_line(content_y).adjust_cell_length(content_size.width, inner)
        return Strip.join([left, line, right])
