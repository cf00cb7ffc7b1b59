"""An OptionList whose page keys are safe before its first layout."""

from __future__ import annotations

from textual.widgets import OptionList


class PagedOptionList(OptionList):
    """OptionList with page up/down that wait for the list's lines.

    Textual 8.2's ``OptionList._move_page`` looks the highlighted option up in its line table,
    which is empty until the list is laid out at its width; a page key pressed in that moment (fast
    typing, a list just refilled) raised KeyError and ended the app. Before the lines exist there
    is no page to move by, so the key does nothing.
    """

    def _move_page(self, direction) -> None:
        try:
            super()._move_page(direction)
        except (KeyError, IndexError):
            pass
