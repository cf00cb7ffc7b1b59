"""An OptionList whose page keys are safe before its first layout and at its ends."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import OptionList


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

    def _move_page(self, direction) -> None:
        try:
            super()._move_page(direction)
        except (KeyError, IndexError):
            return
        if self.highlighted is None and direction < 0:
            self.action_first()
        elif self.highlighted is None:
            self.action_last()
