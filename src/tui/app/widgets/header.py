"""Textual's Header, whose title update survives the header being taken down."""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.widgets import Header as TextualHeader
from textual.widgets._header import HeaderTitle


class Header(TextualHeader):
    """The app's header: Textual's, with a title update that a vanished title cannot crash.

    Textual 8.2's ``Header`` watches the app's and its screen's title and sub-title, and on each
    change (and once when it mounts, deferred to the app's next turn) looks up its ``HeaderTitle``.
    When its screen is closed just after it opened (a screen pushed and popped within one turn:
    ``B`` then ``escape`` typed fast), the title is gone by then: ``NoMatches``, and the app ended.
    A header with no title has nothing to update, so the update does nothing.
    """

    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # Textual's own handler would watch with its unguarded update
        for reactable in (self.app, self.screen):
            self.watch(reactable, "title", self._show_title)
            self.watch(reactable, "sub_title", self._show_title)

    def _show_title(self) -> None:
        try:
            self.query_one(HeaderTitle).update(self.format_title())
        except (NoMatches, NoScreen):
            pass  # the header is being taken down
