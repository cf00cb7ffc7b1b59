"""The reader as a screen of its own, for terminals below 100 columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from ..widgets.header import Header
from ..widgets.reader import Reader
from .base import Screen

if TYPE_CHECKING:
    from ...bookmarks import Bookmark
    from ...answers import ArticleText


class ReaderScreen(Screen):
    """One article; ``escape`` goes back to the results."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="reader.back")]

    PALETTE = [  # the command palette's entries: (title, help, action of this screen)
        ("Next match", "The next paragraph with a match (n)", "reader('next_match')"),
        ("Previous match", "The previous paragraph with a match (N)", "reader('previous_match')"),
        ("Select sentences", "Start a sentence selection (v)", "reader('select_sentences')"),
        ("Bookmark passage", "Bookmark the paragraph or the selected sentences (b)",
         "reader('bookmark')"),
        ("Copy passage", "Copy the paragraph or the selected sentences (y)", "reader('copy')"),
        ("Back to the results", "Close the reader (escape)", "app.pop_screen"),
    ]

    def __init__(self, text: "ArticleText", paragraph: int | None,
                 span: tuple[int, int] | None = None) -> None:
        super().__init__()
        self._opening = (text, paragraph, span)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Reader(id="reader")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "bookmarks", self._mark_bookmarks)
        reader = self.query_one(Reader)
        reader.show(*self._opening)
        reader.focus()

    def action_reader(self, action: str) -> None:
        getattr(self.query_one(Reader), f"action_{action}")()

    def _mark_bookmarks(self, bookmarks: "tuple[Bookmark, ...]") -> None:
        self.query_one(Reader).show_bookmarks(bookmarks)
