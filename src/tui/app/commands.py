"""The command palette's provider: every action of the explorer, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


async def run_on(screen: Screen, action: str) -> None:
    """Run ``action`` on ``screen`` if the user still sees it.

    The palette runs a command after it has closed, on the app's next turn; keys typed meanwhile
    may have closed the screen it was opened on (or opened another above it). A command for a
    screen that is gone does nothing, instead of reaching into its removed widgets.
    """
    if screen.is_active:
        await screen.run_action(action)


class ExplorerCommands(Provider):
    """Commands of the screen the palette was opened on (its ``PALETTE``) and of the app."""

    def _commands(self) -> list[tuple[str, str, object]]:
        screen, app = self.screen, self.app
        commands = [(title, help, partial(run_on, screen, action))
                    for title, help, action in getattr(screen, "PALETTE", ())]
        commands += [(title, help, partial(app.run_action, action))
                     for title, help, action in getattr(app, "PALETTE", ())]
        return commands

    async def discover(self) -> Hits:
        for title, help, command in self._commands():
            yield DiscoveryHit(title, command, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help)
