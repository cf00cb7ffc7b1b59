"""The lists' faster drawing (PagedOptionList.render_line during render_lines) draws what
Textual's OptionList.render_line draws: a Textual release that changes its insides fails here."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.app.widgets.paged_option_list import PagedOptionList


class AList(App):
    CSS = "PagedOptionList { height: 12; }"

    def compose(self) -> ComposeResult:
        yield PagedOptionList(*[
            Option(f"option {n}\nits second line, long enough to wrap at the list's width",
                   disabled=n == 2) for n in range(9)])


async def test_each_line_is_drawn_as_option_list_draws_it():
    app = AList()
    async with app.run_test(size=(40, 30)) as pilot:
        options = app.query_one(PagedOptionList)
        for highlighted, scroll in ((0, 0), (3, 0), (5, 4)):
            options.highlighted = highlighted
            options.scroll_to(y=scroll, animate=False)
            await pilot.pause()
            options._mouse_hovering_over = 4
            height = options.size.height
            drawn = [OptionList.render_line(options, y) for y in range(height)]
            options._drawing = {}  # as render_lines sets it
            try:
                fast = [options.render_line(y) for y in range(height)]
            finally:
                options._drawing = None
            assert [strip.text for strip in fast] == [strip.text for strip in drawn]
            assert fast == drawn  # the styles too: highlighted, disabled, hovered, plain
