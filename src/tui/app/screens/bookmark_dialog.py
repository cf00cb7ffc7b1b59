"""The small dialog that takes a bookmark's note and tags (for a new bookmark or an edit)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ...render import safe
from ...text import shorten
from .base import ModalScreen


@dataclass(frozen=True)
class NoteAndTags:
    note: str
    tags: tuple[str, ...]


def split_tags(text: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in text.replace(";", ",").split(",") if tag.strip())


class BookmarkDialog(ModalScreen[NoteAndTags | None]):
    """``enter`` saves (the note and tags are optional), ``escape`` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, quote: str, where: str, note: str = "", tags: tuple[str, ...] = (),
                 *, title: str = "Bookmark this passage") -> None:
        super().__init__()
        self._quote, self._where, self._note, self._tags, self._title = quote, where, note, tags, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self._title, style="bold"), markup=False)
            yield Static(Text.assemble(("“", "dim"), safe(shorten(self._quote, 300), "italic"),
                                       ("”", "dim"), (f"\n{self._where}", "dim")),
                         classes="quote", markup=False)
            yield Label("Note (optional)")
            yield Input(self._note, placeholder="why this passage matters", id="note")
            yield Label("Tags (comma-separated, optional)")
            yield Input(", ".join(self._tags), placeholder="energy, follow-up", id="tags")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _save(self) -> None:
        self.dismiss(NoteAndTags(self.query_one("#note", Input).value.strip(),
                                 split_tags(self.query_one("#tags", Input).value)))
