"""Textual's Screen and ModalScreen, for keys that arrive faster than screens open and close, and
without the frames Textual draws only to drop."""

from __future__ import annotations

from typing import TypeVar

from textual import events, screen
from textual.await_complete import AwaitComplete

Result = TypeVar("Result")


class ClosedScreenGuard:
    """For a Screen: closed only while the user sees it, and inert once it has been closed.

    Keys arrive faster than screens open and close, so a screen still handles what was queued for
    it after it was popped (a second ``enter`` or ``escape``; its own mount, when it closed in the
    turn it opened), or while a screen opened meanwhile covers it. In Textual 8.2:

    - ``Screen.dismiss`` pops the top of the stack, whichever screen that is
      (Textualize/textual#2575): a late dismiss popped the screen beneath (the main screen, then
      the last one: ``ScreenStackError``), and a covered one answered its caller twice
      (``InvalidStateError``). Here a dismiss from a screen that is not the active one is dropped.
    - Handlers on a popped screen looked up widgets already taken down (``NoMatches``), the app's
      (a dialog's mount, a second submit) and Textual's (the command palette starting a search
      for a key typed into it). Here a popped screen is not mounted any more and answers none of
      its widgets' messages; of the rest it runs only Textual's handlers: its teardown.
    """

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)

    def _get_dispatch_methods(self, method_name, message):
        if not (self.is_attached and self not in self.app.screen_stack):
            yield from super()._get_dispatch_methods(method_name, message)
            return
        # Closed: Textual's handlers of events (not Mount) and of its internal messages only.
        textuals = isinstance(message, events.Event) or message.__module__ == "textual.messages"
        if isinstance(message, events.Mount) or not textuals:
            return
        for cls, method in super()._get_dispatch_methods(method_name, message):
            if cls.__module__.startswith("textual."):
                yield cls, method


class PaintAfterBatch:
    """For a Screen: no frame drawn while the app batches its updates.

    Textual 8.2 defers the paint of a new layout made during a batch (the app starts up in one,
    until its Mount handlers have run; closing screens is one), then draws it when the deferral
    runs, batch or not: and the app drops a frame drawn in a batch. At start-up that was a whole
    frame of the main screen, 13-29 ms, thrown away before the first paint. The top screen keeps
    the paint for the batch's end instead (ExplorerApp._end_batch); a screen beneath passes its
    changes up as Textual's does. These are Textual's private names: check them again when
    Textual is upgraded (pyproject.toml holds it to 8.2.x).
    """

    def _compositor_refresh(self) -> None:
        if self.app._batch_count and self is self.app.screen:
            self._repaint_required = True
            return
        super()._compositor_refresh()


class Screen(ClosedScreenGuard, PaintAfterBatch, screen.Screen[Result]):
    """Textual's Screen with the ``ClosedScreenGuard``, painting after a batch."""


class ModalScreen(ClosedScreenGuard, PaintAfterBatch, screen.ModalScreen[Result]):
    """Textual's ModalScreen with the ``ClosedScreenGuard``, painting after a batch."""
