"""Textual's Screen and ModalScreen, for keys that arrive faster than screens open and close."""

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


class Screen(ClosedScreenGuard, screen.Screen[Result]):
    """Textual's Screen with the ``ClosedScreenGuard``."""


class ModalScreen(ClosedScreenGuard, screen.ModalScreen[Result]):
    """Textual's ModalScreen with the ``ClosedScreenGuard``."""
