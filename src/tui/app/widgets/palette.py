"""Textual's command palette, with page keys that wait for its list's lines."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.command import CommandList, CommandPalette

from ..screens.base import ClosedScreenGuard


class PaletteList(CommandList):
    """The palette's list of commands, with the page-key guard of the app's own lists
    (``PagedOptionList``; a second base would drop ``CommandList`` from the CSS type names)."""

    def _move_page(self, direction) -> None:
        try:
            super()._move_page(direction)
        except (KeyError, IndexError):
            pass  # no lines laid out yet: no page to move by


class Palette(ClosedScreenGuard, CommandPalette):
    """The command palette the app opens (``ctrl+p``, the header's icon, the theme switcher).

    Textual 8.2's palette fills its list while the user types and before the list is laid out; a
    page key in that moment (``ctrl+p`` then ``pagedown`` within a frame) raised KeyError in
    ``OptionList._move_page`` and ended the app. This palette is Textual's, with its list swapped
    for one that ignores a page key until there is a page to move by, and, like the app's other
    screens, guarded against keys that outrun its closing (``screens/base.py``).
    """

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield PaletteList() if type(widget) is CommandList else widget
