"""The search box and the line under it that says what the results are."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ...render import safe
from .query_input import QueryInput

PLACEHOLDER = 'Search: words, "a phrase", gwad*, sector:energy, date:2026-02'


class SearchPane(Vertical):
    """The query input and the status under it; posts ``Submitted`` on enter.

    What is typed is not posted as a message: the screen watches the input's value (Textual's
    ``watch``), whose callback runs as the keystroke edits it. A message reached the screen after
    the keystroke's echo was painted, and the search waited for that paint (3-4 ms).
    """

    class Submitted(Message):
        """The user pressed enter in the search box."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    def compose(self) -> ComposeResult:
        # No validators, so no validation: Input's would add a "-valid" class on the first key,
        # restyling the box before the key's search was sent.
        yield QueryInput(placeholder=PLACEHOLDER, id="query", select_on_focus=False, validate_on=())
        yield Static(Text("opening the index…", style="dim"), id="status", markup=False)

    @property
    def input(self) -> QueryInput:
        return self.query_one("#query", QueryInput)

    @property
    def value(self) -> str:
        return self.input.value

    def focus_input(self) -> None:
        self.input.focus()

    def show_status(self, text: Text) -> None:
        """Say ``text`` under the box, in its two lines (the stylesheet's fixed height)."""
        self.query_one("#status", Static).update(text, layout=False)

    def show_error(self, message: str) -> None:
        self.show_status(Text.assemble(("⚠ ", "bold red"), safe(message, "red"),
                                       ("  (showing the last results)", "dim")))

    def _on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))
