"""The reader: a whole article, its headings, paragraph numbers in the margin, matches highlighted.

The cursor is a paragraph: ``n``/``N`` jump between paragraphs holding a match, ``v`` starts a
sentence selection inside the paragraph that ``j``/``k`` extend and shrink, so that ``b`` and ``y``
take just those sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from ...bookmarks import anchor
from ...render import MATCH_STYLE, highlighted, safe
from ...text import clean_spans, sentence_spans
from .format import day, plural
from .passage_list import Passage, PassageList

if TYPE_CHECKING:
    from ...answers import ArticleText, Hit

SELECTION_STYLE = "underline bold green"


class Reader(PassageList):
    """One article at a time; the highlighted option is the chosen paragraph."""

    BINDINGS = [
        Binding("n", "next_match", "Next match", id="reader.next_match"),
        Binding("N", "previous_match", "Prev match", id="reader.previous_match"),
        Binding("v", "select_sentences", "Select", id="reader.select",
                tooltip="Select sentences of this paragraph (j/k extend, b bookmarks them)"),
        Binding("escape", "cancel_selection", "Cancel selection", show=False,
                id="reader.cancel_selection"),
    ]

    class MatchMoved(Message):
        """The cursor went to match ``index`` (from 0) of ``total`` by ``n`` or ``N``."""

        def __init__(self, index: int, total: int, paragraph: int) -> None:
            super().__init__()
            self.index, self.total, self.paragraph = index, total, paragraph

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "4 Reader"
        self.text: ArticleText | None = None
        self._index_of: dict[int, int] = {}  # paragraph number -> option index
        self._paragraph_at: dict[int, Hit] = {}  # option index -> paragraph
        self.matches: list[int] = []  # paragraph numbers holding a match
        self.selection: tuple[int, int] | None = None  # first and last sentence, inclusive
        self._selection_at: int | None = None  # the option index the selection is in
        self._scroll_pending = False
        self._placeholder()

    # showing

    def show(self, text: "ArticleText", paragraph: int | None = None,
             span: tuple[int, int] | None = None) -> None:
        """Show ``text`` with ``paragraph`` chosen and scrolled to the top of the view.

        ``span`` (character offsets in that paragraph) pre-selects the sentences it covers.
        """
        self.text = text
        self.selection = self._selection_at = None
        self.bookmarked = self.bookmarked_refs()
        self.matches = [p.paragraph for p in text.paragraphs if p.highlights]
        options = [Option(safe(text.info.title, "bold"), disabled=True)]
        meta = " · ".join(x for x in (day(text.info.date), text.info.place, text.info.source) if x)
        options.append(Option(safe(f"{meta}  ({plural(len(text.paragraphs), 'paragraph')})",
                                   "dim"), disabled=True))
        self._index_of.clear()
        self._paragraph_at.clear()
        heading = ""
        for p in text.paragraphs:
            if p.heading and p.heading != heading:
                options.append(Option(Text.assemble("\n", safe(p.heading, "bold underline")),
                                      disabled=True))
            heading = p.heading
            self._index_of[p.paragraph] = len(options)
            self._paragraph_at[len(options)] = p
            options.append(Option(self._prompt(p), id=str(p.paragraph)))
        self.set_options(options)
        target = paragraph if paragraph in self._index_of else (
            text.paragraphs[0].paragraph if text.paragraphs else None)
        if target is not None:
            self.highlighted = self._index_of[target]
            if span is not None:
                self._select_span(span)
            self._scroll_pending = True
            self.call_after_refresh(self._scroll_to_chosen)
        self._update_subtitle()
        self.refresh_bindings()

    def _scroll_to_chosen(self) -> None:
        """Bring the chosen paragraph to the top, once the reader has a size to scroll in."""
        if self._scroll_pending and self.scrollable_content_region.width > 0:
            self._scroll_pending = False
            self.scroll_to_highlight(top=True)

    def on_resize(self) -> None:
        self.call_after_refresh(self._scroll_to_chosen)

    def bookmarked_refs(self) -> frozenset[str]:
        """Where this article's bookmarks are now: found by their quotes if the text has moved."""
        if self.text is None:
            return frozenset()
        article = self.text.info.id
        paragraphs = [p.text for p in self.text.paragraphs]
        anchors = (anchor(b, paragraphs) for b in self.bookmarks if b.article == article)
        return frozenset(f"{article}:{a.paragraph}" for a in anchors if not a.orphaned)

    def render_prompts(self) -> None:
        for index, p in self._paragraph_at.items():
            self.replace_option_prompt_at_index(index, self._prompt(p))

    def current_paragraph(self) -> "Hit | None":
        return self._paragraph_at.get(self.highlighted) if self.highlighted is not None else None

    def current_passage(self) -> Passage | None:
        p = self.current_paragraph()
        if p is None or self.text is None:
            return None
        start, end = self._selected_span(p) if self.selection else (0, None)
        return Passage(p.article, self.text.info.title, p.paragraph, p.text, start, end)

    def _placeholder(self) -> None:
        self.set_options([Option(Text("Open a result (enter) to read its article here.",
                                      style="dim italic"), disabled=True)])

    def _prompt(self, p: "Hit") -> Table:
        selected = (self._selected_span(p) if self.selection
                    and self._paragraph_at.get(self._selection_at) is p else None)
        body = highlighted(p.text, p.highlights, MATCH_STYLE)
        if selected:  # offsets in the raw text; the shown text has its controls removed
            for start, end in clean_spans(p.text, [selected])[1]:
                body.stylize(SELECTION_STYLE, start, end)
        marker = "★" if f"{p.article}:{p.paragraph}" in self.bookmarked else " "
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=5, justify="right", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(Text.assemble((marker, "bold yellow"), (f"{p.paragraph:>3}", "dim")), body)
        grid.add_row("", "")
        return grid

    def _update_subtitle(self, position: int | None = None) -> None:
        if not self.matches:
            self.border_subtitle = ""
        elif position is None:
            self.border_subtitle = plural(len(self.matches), "match", "matches") + " · n/N"
        else:
            self.border_subtitle = f"match {position + 1}/{len(self.matches)} · n/N"
        if self.selection:
            first, last = self.selection
            self.border_subtitle = f"sentences {first + 1}–{last + 1} selected · b/y · esc"

    # matches

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def _jump(self, direction: int) -> None:
        if not self.matches:
            self.notify("No matches of the query in this article", markup=False)
            return
        current = self.current_paragraph()
        number = current.paragraph if current else 0
        if direction > 0:
            later = [n for n in self.matches if n > number]
            target = later[0] if later else self.matches[0]
        else:
            earlier = [n for n in self.matches if n < number]
            target = earlier[-1] if earlier else self.matches[-1]
        self._clear_selection()
        self.highlighted = self._index_of[target]
        position = self.matches.index(target)
        self._update_subtitle(position)
        self.post_message(self.MatchMoved(position, len(self.matches), target))

    # sentence selection

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_selection":
            return self.selection is not None
        if action in ("next_match", "previous_match"):
            return bool(self.matches) or None
        if action == "select_sentences":
            return self.current_paragraph() is not None or None
        return super().check_action(action, parameters)

    def action_select_sentences(self) -> None:
        p = self.current_paragraph()
        if p is None:
            return
        if self.selection is not None:
            self._clear_selection()
            return
        spans = sentence_spans(p.text) or [(0, len(p.text))]
        first = next((i for i, (s, e) in enumerate(spans)
                      if any(s <= hs < e for hs, _ in p.highlights)), 0)
        self._set_selection((first, first))

    def action_cancel_selection(self) -> None:
        self._clear_selection()

    def action_cursor_down(self) -> None:
        if self.selection is None:
            return super().action_cursor_down()
        first, last = self.selection
        count = len(sentence_spans(self.current_paragraph().text)) or 1
        self._set_selection((first, min(last + 1, count - 1)))

    def action_cursor_up(self) -> None:
        if self.selection is None:
            return super().action_cursor_up()
        first, last = self.selection
        self._set_selection((first, max(first, last - 1)))

    def _selected_span(self, p: "Hit") -> tuple[int, int]:
        spans = sentence_spans(p.text) or [(0, len(p.text))]
        first, last = self.selection
        last = min(last, len(spans) - 1)
        return spans[first][0], spans[last][1]

    def _select_span(self, span: tuple[int, int]) -> None:
        """Select the sentences overlapping ``span`` of the current paragraph (a bookmark's quote)."""
        p = self.current_paragraph()
        spans = sentence_spans(p.text) if p else []
        covered = [i for i, (s, e) in enumerate(spans) if s < span[1] and e > span[0]]
        if covered and (len(covered) < len(spans)):
            self._set_selection((covered[0], covered[-1]))

    def _set_selection(self, selection: tuple[int, int] | None) -> None:
        previous = self._selection_at
        self.selection = selection
        self._selection_at = self.highlighted if selection is not None else None
        for index in {previous, self._selection_at} - {None}:
            if index in self._paragraph_at:
                self.replace_option_prompt_at_index(index, self._prompt(self._paragraph_at[index]))
        self._update_subtitle()
        self.refresh_bindings()

    def _clear_selection(self) -> None:
        if self.selection is not None:
            self._set_selection(None)

    def _on_option_list_option_highlighted(self, event: PassageList.OptionHighlighted) -> None:
        event.stop()
        if self.selection is not None and self.highlighted != self._selection_at:
            self._clear_selection()  # the cursor left the paragraph (a click, a page key)
        self.refresh_bindings()
