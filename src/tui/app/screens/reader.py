"""The reader as a screen of its own, for terminals below 100 columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header

from ..widgets.reader import Reader

if TYPE_CHECKING:
    from ...bookmarks import Bookmark
    from ...search import ArticleText


class ReaderScreen(Screen):
    """One article; ``escape`` goes back to the results."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="reader.back")]

    def __init__(self, text: "ArticleText", paragraph: int | None,
                 span: tuple[int, int] | None = None) -> None:
        super().__init__()
        self._opening = (text, paragraph, span)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Reader(id="reader")
        yield Footer()

    def on_mount(self) -> None:
        reader = self.query_one(Reader)
        text, paragraph, span = self._opening
        reader.show(text, paragraph, span)
        reader.focus()
        self.watch(self.app, "bookmarks", self._mark_bookmarks)

    def _mark_bookmarks(self, bookmarks: "tuple[Bookmark, ...]") -> None:
        self.query_one(Reader).mark_bookmarked(
            frozenset(f"{b.article}:{b.paragraph}" for b in bookmarks))
