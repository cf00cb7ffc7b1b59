"""The search results: one option per paragraph, with its title, date, heading, snippet, sectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from .passage_list import Passage, PassageList
from .result_card import ResultCard

if TYPE_CHECKING:
    from textual.geometry import Region
    from textual.strip import Strip

    from ...answers import Hit, SearchResult


class ResultsList(PassageList):
    """Matching paragraphs, best first; ``enter`` opens one in the reader."""

    BINDINGS = [Binding("enter", "select", "Open", id="results.open",
                        tooltip="Read the whole article at this paragraph")]

    class Opened(Message):
        """The user chose ``hit`` to read."""

        def __init__(self, hit: "Hit") -> None:
            super().__init__()
            self.hit = hit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.hits: tuple[Hit, ...] = ()
        self.border_title = "1 Results"
        self._when_drawn: list[Callable[[], object]] = []

    def show(self, result: "SearchResult", *, keep_cursor: bool = True) -> bool:
        """Replace the list with ``result``'s hits, the cursor on the same paragraph if it is
        among them and ``keep_cursor``, else on the first; hits that only add to the ones shown
        are added below them. False if nothing changed."""
        kept, new = len(self.hits), result.hits
        if not kept and not new:  # no results before either
            return False
        if kept and new[:kept] == self.hits:  # the rest of a first screenful, or a word typed
            self.hits = new  # on that changed nothing ("pakistan e")
            if len(new) > kept:
                self.add_options(self._options_for(new[kept:]))
            return len(new) > kept
        if new and len(new) < result.total and self.hits[:len(new)] == new:
            return False  # the first screenful of the results shown: the rest is on its way
        previous = self.current_hit()
        had_hits, self.hits = bool(self.hits), result.hits
        self.set_options(self._options_for(result.hits))
        if self.hits:
            refs = [hit.ref for hit in self.hits]
            stays = keep_cursor and previous is not None and previous.ref in refs
            self.highlighted = refs.index(previous.ref) if stays else 0
        if bool(self.hits) != had_hits and self.has_focus:  # b and y grey out with no passage;
            self.refresh_bindings()  # the footer shows them only with the focus here, and redraws all
        return True

    def when_drawn(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the list's lines have been drawn as they are now.

        Screen.call_after_refresh is not that: when called just after a change it can run before
        the list has told the screen it needs drawing, which is before the paint.
        """
        self._when_drawn.append(callback)

    def render_lines(self, crop: "Region") -> list["Strip"]:
        lines = super().render_lines(crop)
        if crop.height > 1 or crop.height == self.outer_size.height:  # not a line for the mouse
            for callback in self._when_drawn:
                self.call_after_refresh(callback)  # after this paint, not in it
            self._when_drawn.clear()
        return lines

    def current_hit(self) -> "Hit | None":
        if self.highlighted is None or not 0 <= self.highlighted < len(self.hits):
            return None
        return self.hits[self.highlighted]

    def current_passage(self) -> Passage | None:
        hit = self.current_hit()
        return None if hit is None else Passage(hit.article, hit.title, hit.paragraph, hit.text)

    def render_prompts(self) -> None:
        for index, hit in enumerate(self.hits):
            self.replace_option_prompt_at_index(index, self._prompt(hit))

    def _options_for(self, hits) -> list[Option]:
        return [Option(self._prompt(hit), id=hit.ref) for hit in hits]

    def _prompt(self, hit: "Hit") -> ResultCard:
        return ResultCard(hit, bookmarked=hit.ref in self.bookmarked)

    def _on_option_list_option_selected(self, event: PassageList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if index is None or index >= len(self.hits) or self.options[index] is not event.option:
            return  # chosen in a list that new results have since replaced
        self.post_message(self.Opened(self.hits[index]))
