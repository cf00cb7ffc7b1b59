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


async def test_the_scrollbar_is_drawn_as_textuals_scrollbar_draws_it():
    """QuickScrollBar draws the lines, styles and mouse actions of Textual's ScrollBar: at the
    top, the middle and the end of a list, hovered, with nothing to scroll, and a line alone."""
    from textual.scrollbar import ScrollBar
    from textual.geometry import Region

    from tui.app.widgets.scroll_bar import QuickScrollBar

    def cells(strips):
        return [[(segment.text, segment.style) for segment in strip] for strip in strips]

    app = AList()
    async with app.run_test(size=(40, 30)) as pilot:
        options = app.query_one(PagedOptionList)
        bar = options.vertical_scrollbar
        assert isinstance(bar, QuickScrollBar) and bar.display
        width, height = bar.size
        for scroll, hovered in ((0, False), (7, False), (10_000, False), (7, True)):
            options.scroll_to(y=scroll, animate=False)
            bar.mouse_over = hovered
            await pilot.pause()
            for crop in (Region(0, 0, width, height), Region(0, 3, width, 1)):
                quick = bar.render_lines(crop)
                bar._styles_cache.clear()
                assert cells(quick) == cells(ScrollBar.render_lines(bar, crop)), (scroll, hovered, crop)
        assert any(segment.style.meta for strip in quick for segment in strip)  # the mouse's actions
        options.styles.overflow_y = "scroll"  # as the results list's: shown with nothing to scroll
        options.clear_options()
        options.add_option("only one")
        await pilot.pause()
        assert bar.display and bar.size == (width, height)
        whole = Region(0, 0, width, height)
        bar._styles_cache.clear()
        assert cells(bar.render_lines(whole)) == cells(ScrollBar.render_lines(bar, whole))


class APane(App):
    CSS = """
    PagedOptionList {
        height: 12; border: round $border-blurred; padding: 0 1; scrollbar-gutter: stable;
        &:focus { border: round $border; background-tint: $foreground 3%; }
    }
    PagedOptionList.tinted { tint: red 20%; }
    """

    def compose(self) -> ComposeResult:
        yield PagedOptionList(*[Option(f"option {n}, whose text is long enough to wrap at the width",
                                       disabled=n == 2) for n in range(9)])
        yield OptionList("another")


async def test_the_lists_lines_are_drawn_as_textuals_styles_cache_draws_them():
    """ListLines gives each line the sides StylesCache gives it: focused or not (border colour,
    background tint), highlighted, scrolled, titled, tinted (Textual's own lines then)."""
    from textual._styles_cache import StylesCache
    from textual.geometry import Region

    from tui.app.widgets.list_lines import ListLines

    def drawn(options):
        return [[(segment.text, segment.style) for segment in strip]
                for strip in options.render_lines(Region(0, 0, *options.outer_size))]

    app = APane()
    async with app.run_test(size=(40, 30)) as pilot:
        options = app.query_one(PagedOptionList)
        assert isinstance(options._styles_cache, ListLines)
        options.border_title, options.border_subtitle = "1 Results", "3 of 9"
        for focused, highlighted, scroll, tinted in ((False, 0, 0, False), (True, 3, 0, False),
                                                     (True, 5, 4, False), (False, 1, 0, True),
                                                     (False, 1, 0, False)):
            (options if focused else app.query_one(OptionList)).focus()
            options.set_class(tinted, "tinted")
            options.highlighted = highlighted
            options.scroll_to(y=scroll, animate=False)
            await pilot.pause()
            quick = options._styles_cache
            quick.clear()
            lines = drawn(options)
            assert (quick._sides is not None) != tinted  # its own lines, but where tinted
            quick._sides = None
            options._styles_cache = StylesCache()
            try:
                assert lines == drawn(options), (focused, highlighted, scroll, tinted)
            finally:
                options._styles_cache = quick
