"""The explorer app: loads the keymap and the bookmarks, then hands over to the main screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.theme import ThemeProvider
from textual.worker import Worker, WorkerState

from ..bookmarks import BookmarksError, BookmarkStore, make_bookmark
from ..paths import Paths
from ..service import SearchService
from ..text import shorten, strip_controls
from .commands import ExplorerCommands
from .keymap import keymap_path, load_keymap
from .screens.main import MainScreen
from .widgets.palette import Palette
from .widgets.passage_list import PassageList

if TYPE_CHECKING:
    from ..bookmarks import Bookmark
    from .screens.bookmark_dialog import NoteAndTags
    from .widgets.passage_list import Passage


class ExplorerApp(App[None]):
    """A keyboard-first explorer of the news coverage of one event."""

    CSS_PATH = "explorer.tcss"
    TITLE = "tui"
    COMMANDS = App.COMMANDS | {ExplorerCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Every key, and its id"),
        Binding("ctrl+p", "command_palette", "Palette", id="command_palette", show=False,
                tooltip="Every action by name; also the theme switcher (ansi-dark, ansi-light)"),
    ]

    PALETTE = [
        ("Help", "Every key binding and its id (?)", "help"),
        ("Use terminal colours", "Switch to the ansi-dark theme: your terminal's own palette",
         "set_theme('ansi-dark')"),
        ("Use default colours", "Switch back to the textual-dark theme", "set_theme('textual-dark')"),
    ]

    bookmarks: reactive[tuple["Bookmark", ...]] = reactive((), init=False, always_update=True)

    def __init__(self, paths: Paths, *, keymap_file: Path | None = None,
                 search: SearchService | None = None) -> None:
        super().__init__()
        self.paths = paths
        # The search process opens the index while Textual starts: ``search`` if the caller
        # started it sooner still (the command line does, before importing Textual).
        self.search_service = search if search is not None else SearchService(paths)
        self.store = BookmarkStore(paths.bookmarks)
        self._keymap_file = keymap_file

    def on_mount(self) -> None:
        self._load_keymap()
        self.push_screen(MainScreen())
        self.load_bookmarks()

    def _load_keymap(self) -> None:
        def binding_ids() -> set[str]:
            from .screens.help import all_binding_ids  # imports every screen: only when needed

            return all_binding_ids()

        path = self._keymap_file or keymap_path()
        keymap, problems = load_keymap(path, binding_ids)
        if keymap:
            self.set_keymap(keymap)
        for problem in problems:
            self.notify(problem, title="Keymap", severity="warning", timeout=10, markup=False)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_set_theme(self, name: str) -> None:
        self.theme = name

    def _end_batch(self) -> None:
        """Textual's, and the screen then looks at once for a paint kept for the batch's end.

        The top screen keeps a paint asked for during a batch (screens.base.PaintAfterBatch)
        instead of drawing a frame the app would drop; Textual wakes only the app when a batch ends, and the
        screen would paint at its next message (a cursor blink, a timer) rather than now.
        """
        super()._end_batch()
        if not self._batch_count and self._screen_stack:
            self.screen.check_idle()

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Textual's, but the file is named for the program, not for the title.

        The title is the corpus's name (untrusted), and Textual's "Saved screenshot to ..." notice
        shows the path as markup: a name holding ``[@click=app.quit]`` would be a live link there.
        """
        from datetime import datetime

        name = filename or f"tui_{datetime.now().strftime(time_format or '%Y-%m-%dT%H_%M_%S')}.svg"
        return super().deliver_screenshot(name, path, time_format)

    # --- the command palette: Textual's, whose page keys cannot end the app ------------------

    def action_command_palette(self) -> None:
        # No id (Textual gives it "--command-palette"): a screen that a worker opens above an open
        # palette (a reader asked for before ctrl+p) covers it, and ctrl+p there opens a second one.
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette())

    def search_themes(self) -> None:
        self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))

    # --- bookmarks: the store's file work happens in threads ---------------------------------

    @work(thread=True, exclusive=True, group="bookmarks-load", exit_on_error=False)
    def load_bookmarks(self) -> None:
        try:
            bookmarks = tuple(self.store.load())
        except BookmarksError as err:
            self.notify(f"{err}\nBookmarks are read-only until the file is fixed.",
                        title="Bookmarks", severity="error", timeout=30, markup=False)
            return
        self.call_from_thread(setattr, self, "bookmarks", bookmarks)

    def on_passage_list_bookmark_requested(self, message: PassageList.BookmarkRequested) -> None:
        from .screens.bookmark_dialog import BookmarkDialog

        if isinstance(self.screen, BookmarkDialog):
            return  # a second b, queued before the first one's dialog opened: one dialog is enough
        if self._refuse_read_only():
            return
        passage = message.passage

        def done(answer: "NoteAndTags | None") -> None:
            if answer is not None:
                self.save_bookmark(passage, answer)

        self.push_screen(BookmarkDialog(passage.quote, f"{passage.title} ¶{passage.paragraph}"), done)

    def _refuse_read_only(self) -> bool:
        if self.store.read_only:
            self.notify(f"Bookmarks are read-only: {self.store.error}", title="Bookmarks",
                        severity="error", markup=False)
        return self.store.read_only

    @work(thread=True, group="bookmarks", exit_on_error=False)
    def save_bookmark(self, passage: "Passage", answer: "NoteAndTags") -> None:
        bookmark = make_bookmark(passage.article, passage.title, passage.paragraph, passage.text,
                                 passage.start, passage.end, answer.note, answer.tags)
        self._change(lambda: self.store.add(bookmark),
                     f"Bookmarked ¶{passage.paragraph} of “{shorten(strip_controls(passage.title), 60)}”")

    @work(thread=True, group="bookmarks", exit_on_error=False)
    def edit_bookmark(self, bookmark_id: str, answer: "NoteAndTags") -> None:
        self._change(lambda: self.store.edit(bookmark_id, note=answer.note, tags=answer.tags),
                     "Bookmark saved")

    @work(thread=True, group="bookmarks", exit_on_error=False)
    def delete_bookmark(self, bookmark_id: str) -> None:
        self._change(lambda: self.store.remove(bookmark_id), "Bookmark deleted")

    def _change(self, change, done: str) -> None:
        """Run a store change (in a worker thread), then show the file as it now is."""
        try:
            change()
            bookmarks = tuple(self.store.load())
        except BookmarksError as err:
            self.notify(str(err), title="Bookmarks", severity="error", timeout=15, markup=False)
            return
        self.call_from_thread(setattr, self, "bookmarks", bookmarks)
        self.notify(done, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.node is self:
            error = event.worker.error
            self.notify(f"{error.__class__.__name__}: {error}", title="Error", severity="error",
                        markup=False)
