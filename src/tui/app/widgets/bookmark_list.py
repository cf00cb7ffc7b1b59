"""The list of bookmarks: quote, note, tags and article, narrowed by a filter and a tag."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList

from .paged_option_list import PagedOptionList
from textual.widgets.option_list import Option

from ...render import safe
from ...text import fold, shorten

if TYPE_CHECKING:
    from ...bookmarks import Bookmark


def matches(bookmark: "Bookmark", words: list[str]) -> bool:
    """Whether every folded word occurs in the bookmark's quote, note, tags or title."""
    haystack = fold(" ".join((bookmark.quote, bookmark.note, bookmark.title, *bookmark.tags)))
    return all(word in haystack for word in words)


class BookmarkList(PagedOptionList):
    """``enter`` opens the highlighted bookmark's passage."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("g", "first", "First", show=False, id="first"),
        Binding("G", "last", "Last", show=False, id="last"),
        Binding("enter", "select", "Open", id="bookmarks.open", tooltip="Read the passage"),
    ]

    class Opened(Message):
        def __init__(self, bookmark: "Bookmark") -> None:
            super().__init__()
            self.bookmark = bookmark

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.shown: list[Bookmark] = []

    def show(self, bookmarks: "list[Bookmark]", text_filter: str = "", tag: str | None = None) -> None:
        current = self.current()
        words = fold(text_filter).split()
        self.shown = [b for b in bookmarks if matches(b, words)
                      and (tag is None or fold(tag) in {fold(t) for t in b.tags})]
        self.set_options([Option(self._prompt(b), id=b.id) for b in self.shown] or
                         [Option(Text("no bookmarks" + (" match" if bookmarks else " yet: press b on "
                                      "a passage to keep it"), style="dim italic"), disabled=True)])
        if self.shown:
            ids = [b.id for b in self.shown]
            self.highlighted = ids.index(current.id) if current and current.id in ids else 0

    def current(self) -> "Bookmark | None":
        if self.highlighted is None or not 0 <= self.highlighted < len(self.shown):
            return None
        return self.shown[self.highlighted]

    @staticmethod
    def _prompt(bookmark: "Bookmark") -> Group:
        lines = [Text.assemble(("“", "dim"), safe(shorten(bookmark.quote, 300), "italic"), ("”", "dim"))]
        if bookmark.note:
            lines.append(Text.assemble(("note: ", "dim"), safe(bookmark.note)))
        if bookmark.tags:
            lines.append(Text.assemble(*[safe(f"#{tag} ", "bold cyan") for tag in bookmark.tags]))
        lines.append(Text.assemble(safe(bookmark.title or bookmark.article, "dim"),
                                   (f"  ¶{bookmark.paragraph}", "dim")))
        lines.append(Text(""))
        return Group(*lines)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        bookmark = self.current()
        if bookmark is not None:
            self.post_message(self.Opened(bookmark))
