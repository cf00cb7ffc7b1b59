"""The help screen: every key binding, where it works, and its id for the keymap file."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keymap import keymap_path
from .base import ModalScreen


def binding_sections() -> list[tuple[str, list[Binding]]]:
    """Every binding the app declares, by where it works (imported here to avoid cycles)."""
    from ..app import ExplorerApp
    from ..widgets.bookmark_list import BookmarkList
    from ..widgets.passage_list import PassageList
    from ..widgets.reader import Reader
    from ..widgets.results import ResultsList
    from ..widgets.sector_tree import SectorTree
    from ..widgets.timeline import TimelineList
    from .bookmark_dialog import BookmarkDialog
    from .bookmarks import BookmarksScreen
    from .confirm import ConfirmDialog
    from .main import MainScreen
    from .reader import ReaderScreen
    from .tag_picker import TagPicker

    sections = [
        ("Everywhere", [ExplorerApp]),
        ("Main screen", [MainScreen]),
        ("Results and reader", [PassageList]),
        ("Results", [ResultsList]),
        ("Sector tree", [SectorTree]),
        ("Timeline", [TimelineList]),
        ("Reader", [Reader, ReaderScreen]),
        ("Bookmarks screen", [BookmarksScreen, BookmarkList]),
        ("Dialogs", [BookmarkDialog, ConfirmDialog, TagPicker, HelpScreen]),
    ]
    return [(title, [b for cls in classes for b in cls.__dict__.get("BINDINGS", [])
                     if isinstance(b, Binding) and b.id])
            for title, classes in sections]


def all_binding_ids() -> set[str]:
    return {b.id for _, bindings in binding_sections() for b in bindings}


class HelpScreen(ModalScreen[None]):
    """``escape``, ``q`` or ``?`` closes it; arrows and ``j``/``k`` scroll."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
        Binding("j", "scroll('down')", show=False),
        Binding("k", "scroll('up')", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(self.bindings_table(), markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_down() if direction == "down" else body.scroll_up()

    def bindings_table(self) -> Table:
        """Every binding by section: its keys (after the user's keymap), what it does, its id."""
        keymap = getattr(self.app, "_keymap", {}) or {}
        table = Table(title="Keys", title_style="bold", expand=True, box=None, padding=(0, 1),
                      caption=f"Remap any key by its id in {keymap_path()}  (id = \"key\")",
                      caption_style="dim")
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("does")
        table.add_column("id", style="dim", no_wrap=True)
        for title, bindings in binding_sections():
            table.add_row(Text(title, style="bold underline"), "", "")
            for binding in bindings:
                keys = keymap.get(binding.id, binding.key)
                shown = " ".join(self.app.get_key_display(Binding(key.strip(), ""))
                                 for key in keys.split(","))
                does = binding.description or binding.action
                if binding.tooltip:
                    does = f"{does} — {binding.tooltip}"
                table.add_row(shown, does, binding.id)
            table.add_row("", "", "")
        return table
