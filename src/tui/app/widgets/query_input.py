"""The search box: an Input that does not lay the screen out again on every keystroke."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class QueryInput(Input):
    """Input whose growing text only repaints it.

    Textual's Input sets its virtual size (the width of its text) on every change, and that
    reactive asks for a layout of the whole screen: 1-3 ms, and the layout marks every scroll
    view's scrollbars for repainting, so the keystroke's echo and the results after it each
    redrew most of the screen. The box's own size never depends on its text (its width and height
    are fixed by the stylesheet), and it scrolls within its own virtual size, so a repaint is enough.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_value(self) -> None:
        """Keep the text in view when it gets shorter without the cursor moving (ctrl+k,
        delete): the layout used to bring the scroll back within the text."""
        if self.scroll_x > self.max_scroll_x:
            self.scroll_x = self.max_scroll_x
