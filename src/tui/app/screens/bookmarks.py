"""The bookmarks screen: filter (/), open (enter), edit (e), delete (d), filter by tag (t)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static

from ...render import safe
from ...text import shorten
from ..widgets.bookmark_list import BookmarkList
from ..widgets.format import plural
from ..widgets.header import Header
from .base import Screen

if TYPE_CHECKING:
    from ...bookmarks import Bookmark


class BookmarksScreen(Screen["Bookmark | None"]):
    """Dismisses with the bookmark to open, or None."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="bookmarks.filter"),
        Binding("e", "edit", "Edit", id="bookmarks.edit", tooltip="Edit the note and tags"),
        Binding("d", "delete", "Delete", id="bookmarks.delete"),
        Binding("t", "tag", "Tag", id="bookmarks.tag", tooltip="Show only bookmarks with a tag"),
        Binding("escape", "back", "Back", id="bookmarks.back"),
    ]

    PALETTE = [  # the command palette's entries: (title, help, action of this screen)
        ("Filter bookmarks", "Type words the quote, note, tags or title hold (/)", "focus_filter"),
        ("Filter by tag", "Show only the bookmarks with one tag (t)", "tag"),
        ("Edit bookmark", "Change the note and tags of the highlighted bookmark (e)", "edit"),
        ("Delete bookmark", "Delete the highlighted bookmark, after asking (d)", "delete"),
        ("Back", "Close the bookmarks (escape)", "back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tag: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter bookmarks by quote, note, tag or title", id="filter")
        yield Static(id="status", markup=False)
        yield BookmarkList(id="bookmark-list")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "bookmarks", lambda _: self._refresh_list())
        self.query_one(BookmarkList).focus()

    @property
    def bookmark_list(self) -> BookmarkList:
        return self.query_one(BookmarkList)

    def _refresh_list(self) -> None:
        bookmarks = list(self.app.bookmarks)
        text_filter = self.query_one("#filter", Input).value
        self.bookmark_list.show(bookmarks, text_filter, self.tag)
        parts = [Text(f"{len(self.bookmark_list.shown)} of {plural(len(bookmarks), 'bookmark')}",
                      style="bold")]
        if self.tag:
            parts += [Text(" · tag: ", style="dim"), safe(f"#{self.tag}", "cyan"),
                      Text("  (t to change)", style="dim")]
        store = self.app.store
        if store.read_only:
            parts += [Text("\n⚠ read-only: ", style="bold red"), safe(str(store.error), "red")]
        self.query_one("#status", Static).update(Text.assemble(*parts))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.bookmark_list.focus()

    def on_bookmark_list_opened(self, message: BookmarkList.Opened) -> None:
        self.dismiss(message.bookmark)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self.bookmark_list.focus()
        else:
            self.dismiss(None)

    def action_edit(self) -> None:
        from .bookmark_dialog import BookmarkDialog

        bookmark = self.bookmark_list.current()
        if bookmark is None:
            return

        def edited(result) -> None:
            if result is not None:
                self.app.edit_bookmark(bookmark.id, result)

        self.app.push_screen(BookmarkDialog(bookmark.quote, f"{bookmark.title} ¶{bookmark.paragraph}",
                                            bookmark.note, bookmark.tags, title="Edit bookmark"),
                             edited)

    def action_delete(self) -> None:
        from .confirm import ConfirmDialog

        bookmark = self.bookmark_list.current()
        if bookmark is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.delete_bookmark(bookmark.id)

        question = Text.assemble("Delete the bookmark of\n", ("“", "dim"),
                                 safe(shorten(bookmark.quote, 120), "italic"), ("”", "dim"), "?")
        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    def action_tag(self) -> None:
        from ...bookmarks import tag_counts
        from .tag_picker import TagPicker

        counts = tag_counts(self.app.bookmarks)
        if not counts:
            self.notify("No bookmark has a tag yet (e adds some)", markup=False)
            return

        def picked(tag: str | None) -> None:
            self.tag = tag or None
            self._refresh_list()

        self.app.push_screen(TagPicker(counts, self.tag), picked)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "delete"):
            if self.app.store.read_only:
                return None
            return self.bookmark_list.current() is not None or None
        return True
