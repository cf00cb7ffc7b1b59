"""What the results list and the reader share: a list of paragraphs you can bookmark and copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message

from .paged_option_list import PagedOptionList

if TYPE_CHECKING:
    from ...bookmarks import Bookmark


@dataclass(frozen=True)
class Passage:
    """A paragraph of an article, or a run of its characters (``text[start:end]``)."""

    article: str
    title: str
    paragraph: int
    text: str
    start: int = 0
    end: int | None = None

    @property
    def ref(self) -> str:
        return f"{self.article}:{self.paragraph}"

    @property
    def quote(self) -> str:
        return self.text[self.start:self.end]


class PassageList(PagedOptionList):
    """An OptionList of paragraphs with vim keys, ``b`` to bookmark and ``y`` to copy."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("g", "first", "First", show=False, id="first"),
        Binding("G", "last", "Last", show=False, id="last"),
        Binding("b", "bookmark", "Bookmark", id="bookmark",
                tooltip="Bookmark the passage under the cursor"),
        Binding("y", "copy", "Copy", id="copy", tooltip="Copy the passage to the clipboard (OSC 52)"),
    ]

    class BookmarkRequested(Message):
        """The user asked to bookmark ``passage``."""

        def __init__(self, passage: Passage) -> None:
            super().__init__()
            self.passage = passage

    bookmarks: tuple["Bookmark", ...] = ()
    bookmarked: frozenset[str] = frozenset()  # refs ("article:paragraph") marked with ★

    def current_passage(self) -> Passage | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def show_bookmarks(self, bookmarks: "tuple[Bookmark, ...]") -> None:
        """Mark the paragraphs that ``bookmarks`` point at with ★."""
        self.bookmarks = tuple(bookmarks)
        refs = self.bookmarked_refs()
        if refs != self.bookmarked:
            self.bookmarked = refs
            self.render_prompts()

    def bookmarked_refs(self) -> frozenset[str]:
        """The refs of the paragraphs to mark: where the bookmarks say they are."""
        return frozenset(f"{b.article}:{b.paragraph}" for b in self.bookmarks)

    def render_prompts(self) -> None:  # pragma: no cover - overridden
        """Render every option's prompt again (after the marks changed)."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("bookmark", "copy"):
            return self.current_passage() is not None or None  # None: shown, greyed out
        return True

    def action_bookmark(self) -> None:
        passage = self.current_passage()
        if passage is not None:
            self.post_message(self.BookmarkRequested(passage))

    def action_copy(self) -> None:
        passage = self.current_passage()
        if passage is None:
            return
        self.app.copy_to_clipboard(passage.quote)
        self.notify(f"Copied {len(passage.quote)} characters of {passage.ref}", title="Copied",
                    markup=False)
