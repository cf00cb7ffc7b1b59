"""The search results: one option per paragraph, with its title, date, heading, snippet, sectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from .passage_list import Passage, PassageList
from .result_card import ResultCard

if TYPE_CHECKING:
    from ...search import Hit, SearchResult


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

    def show(self, result: "SearchResult") -> None:
        """Replace the list with ``result``'s hits, keeping the cursor on the same paragraph."""
        previous = self.current_hit()
        had_hits, self.hits = bool(self.hits), result.hits
        self.set_options(self._options_for(result.hits))
        if self.hits:
            refs = [hit.ref for hit in self.hits]
            self.highlighted = refs.index(previous.ref) if previous and previous.ref in refs else 0
        if bool(self.hits) != had_hits and self.has_focus:  # b and y grey out with no passage;
            self.refresh_bindings()  # the footer shows them only with the focus here, and redraws all

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
