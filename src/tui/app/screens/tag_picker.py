"""Pick one tag to filter bookmarks by (or every tag)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...render import safe
from .base import ModalScreen

ALL = "\x00all"  # an id no tag can have


class TagPicker(ModalScreen[str | None]):
    """Dismisses with the tag picked, "" for every tag, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("j", "pick('cursor_down')", show=False),
        Binding("k", "pick('cursor_up')", show=False),
        Binding("g", "pick('first')", show=False),
        Binding("G", "pick('last')", show=False),
    ]

    def __init__(self, counts: dict[str, int], current: str | None) -> None:
        super().__init__()
        self._counts, self._current = counts, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Show bookmarks tagged", style="bold"), markup=False)
            options = [Option(Text("every tag", style="italic"), id=ALL)]
            options += [Option(Text.assemble(safe(f"#{tag}", "cyan"), (f"  {count}", "dim")), id=tag)
                        for tag, count in self._counts.items()]
            yield OptionList(*options, markup=False)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        tags = list(self._counts)
        option_list.highlighted = tags.index(self._current) + 1 if self._current in tags else 0
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss("" if event.option.id == ALL else event.option.id)

    def action_pick(self, move: str) -> None:
        getattr(self.query_one(OptionList), f"action_{move}")()

    def action_cancel(self) -> None:
        self.dismiss(None)
