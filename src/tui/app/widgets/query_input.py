"""The search box: an Input that does not lay the screen out again on every keystroke, and whose
echo of a keystroke waits for the keystroke's results."""

from __future__ import annotations

from textual import events
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widgets import Input

ECHO_WITHIN = 0.03  # seconds a keystroke's echo waits for the keystroke's results, at most
# The keys of Input's own bindings that edit the text (their actions run after _on_key).
EDITING_KEYS = frozenset(key for binding in Input.BINDINGS for key in binding.key.split(",")
                         if binding.action.startswith(("delete", "cut", "paste")))


class QueryInput(Input):
    """Input whose growing text only repaints it.

    Textual's Input sets its virtual size (the width of its text) on every change, and that
    reactive asks for a layout of the whole screen: 1-3 ms, and the layout marks every scroll
    view's scrollbars for repainting, so the keystroke's echo and the results after it each
    redrew most of the screen. The box's own size never depends on its text (its width and height
    are fixed by the stylesheet), and it scrolls within its own virtual size, so a repaint is enough.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    _echo_timer: Timer | None = None  # while set, the box's repaints wait for release_echo
    _echo_waiting = False  # a repaint is waiting

    def watch_value(self) -> None:
        """Keep the text in view when it gets shorter without the cursor moving (ctrl+k,
        delete): the layout used to bring the scroll back within the text."""
        if self.scroll_x > self.max_scroll_x:
            self.scroll_x = self.max_scroll_x

    async def _on_key(self, event: events.Key) -> None:
        """Hold the echo of a key that edits the text until the screen has the results of the
        query it makes (``release_echo``), ECHO_WITHIN at most.

        Painted on its own, the echo (2-3 ms of the app's time) ran while the search process
        searched, on a machine whose two cores slow each other down, and the results came in a
        paint of their own: now both are one paint. It is held from the start of the key's
        handling: Input repaints the box (its cursor's blink restarted) before the text changes.
        """
        editing = event.is_printable or event.key in EDITING_KEYS
        if editing:
            self.hold_echo()
        before = self.value
        await super()._on_key(event)
        if event.is_printable and self.value == before:  # nothing changed, no search comes
            self.release_echo()

    def hold_echo(self) -> None:
        """Repaint the box only once ``release_echo`` is called, or ECHO_WITHIN from now."""
        if self._echo_timer is None:
            self._echo_timer = self.set_timer(ECHO_WITHIN, self.release_echo)

    def release_echo(self) -> None:
        """Repaint the box now if a repaint waited for this."""
        timer, self._echo_timer = self._echo_timer, None
        if timer is not None:
            timer.stop()
        if self._echo_waiting:
            self._echo_waiting = False
            super().refresh()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> "QueryInput":
        if self._echo_timer is not None and repaint and not (regions or layout or recompose):
            self._echo_waiting = True
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
