"""An OptionList whose page keys are safe before its first layout and at its ends."""

from __future__ import annotations

from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import OptionList

from .list_lines import ListLines
from .scroll_bar import QuickScrollBar


class PagedOptionList(OptionList):
    """OptionList with page up/down that wait for the list's lines and never lose the highlight.

    Its size is the stylesheet's (every one of these lists is ``height: 1fr``), never its
    options': a new set of options repaints it and its scrollbar, and does not lay the screen out
    again (Textual's virtual-size reactive asks for a layout, which costs 1-3 ms and repaints the
    scrollbars of every other list on the screen, on each keystroke's results).

    Textual 8.2's ``OptionList._move_page`` looks the highlighted option up in its line table,
    which is empty until the list is laid out at its width; a page key pressed in that moment (fast
    typing, a list just refilled) raised KeyError and ended the app. Before the lines exist there
    is no page to move by, so the key does nothing.

    It also lands a page away and looks for an enabled option from there in the page's direction
    only: page up in the reader's first paragraphs (below the disabled title lines) found none and
    set the highlight to None, without an OptionHighlighted message; the reader kept a sentence
    selection in no paragraph, and the next down key raised AttributeError. Now a page move that
    finds no option goes to the first (or last) one.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.auto_links = False  # no option holds a link: its strips need no look for one
        self._styles_cache = ListLines()  # Widget's StylesCache, with each line's sides made once
        self._drawing: dict | None = None  # each option's strips, while render_lines draws

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``, each option drawn once for all of its lines on screen.

        OptionList.render_line works out for every line what is the same for all of an option's
        lines (its table of lines brought up to date, the option's style, its cached strips): the
        results list's 33 rows took 7.1 ms to draw a new page and 3.5 ms to draw it again, now
        5.1 and 2.1 (median of 30, the same page at 10k paragraphs). What it draws is checked
        against OptionList's own in tests/test_paged_option_list.py.
        """
        self._update_lines()
        self._drawing = {}
        try:
            return Widget.render_lines(self, crop)  # OptionList's only adds the _update_lines
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        drawing = self._drawing
        if drawing is None:
            return super().render_line(y)
        lines = self._line_cache.lines
        line_number = self.scroll_offset.y + y
        if not 0 <= line_number < len(lines):  # below the last option: the same blank each line
            if None not in drawing:
                drawing[None] = super().render_line(y)
            return drawing[None]
        index, line_offset = lines[line_number]
        strips = drawing.get(index)
        if strips is None:
            option = self.options[index]
            if option.disabled:
                style = self.get_visual_style("option-list--option", "option-list--option-disabled")
            elif self.highlighted == index:
                style = self.get_visual_style("option-list--option", "option-list--option-highlighted")
            elif self._mouse_hovering_over == index:
                style = self.get_visual_style("option-list--option", "option-list--option-hover")
            else:
                style = self.get_visual_style("option-list--option")
            strips = drawing[index] = self._get_option_render(option, style)
        return strips[line_offset] if line_offset < len(strips) else super().render_line(y)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own property, with a QuickScrollBar made instead of a ScrollBar."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = QuickScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _move_page(self, direction) -> None:
        try:
            super()._move_page(direction)
        except (KeyError, IndexError):
            return
        if self.highlighted is None and direction < 0:
            self.action_first()
        elif self.highlighted is None:
            self.action_last()
