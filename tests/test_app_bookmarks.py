"""Pilot tests of bookmarks in the app: making them (whole paragraphs and sentence runs), the
bookmarks screen (filter, open, edit, delete, tag), and a bookmarks file that does not parse.

The bookmarks file lives in tmp_path (tui_paths); the tests read it back with the store API.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.screens.bookmark_dialog import BookmarkDialog
from tui.app.screens.bookmarks import BookmarksScreen
from tui.app.screens.confirm import ConfirmDialog
from tui.app.screens.main import MainScreen
from tui.app.screens.tag_picker import TagPicker
from tui.app.widgets.bookmark_list import BookmarkList
from tui.app.widgets.passage_list import PassageList
from tui.app.widgets.reader import Reader
from tui.bookmarks import BookmarkStore, make_bookmark
from tui.text import sentence_spans

GWADAR_ARTICLE = "001_b7e318ca484bc110"


@pytest.fixture
def app(tui_paths, tmp_path) -> ExplorerApp:
    return ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")


@pytest.fixture
def store(tui_paths) -> BookmarkStore:
    return BookmarkStore(tui_paths.bookmarks)


async def open_gwadar(pilot, settle) -> Reader:
    """Search "gwadar" and open the first hit (paragraph 10) in the reader."""
    pilot.app.focused.value = "gwadar"
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    reader = pilot.app.screen.query_one(Reader)
    assert pilot.app.focused is reader
    return reader


async def test_b_bookmarks_the_paragraph_with_a_note_and_tags(app, store, settle, screen_text):
    seen = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(pilot)
        reader = await open_gwadar(pilot, settle)
        paragraph = reader.current_paragraph()
        await pilot.press("b", "escape")  # escape cancels
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and store.load() == []
        await pilot.press("b")
        assert isinstance(app.screen, BookmarkDialog)
        assert "Tokayev said discussions included" in screen_text(app)  # the quote
        await pilot.press(*"ports", "tab", *"energy, asia", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        [bookmark] = store.load()
        assert (bookmark.article, bookmark.paragraph) == (GWADAR_ARTICLE, 10)
        assert bookmark.quote == paragraph.text
        assert bookmark.note == "ports" and bookmark.tags == ("energy", "asia")
        requested = {id(m): m for m in seen if isinstance(m, PassageList.BookmarkRequested)}
        assert [m.passage.ref for m in requested.values()] == [f"{GWADAR_ARTICLE}:10"] * 2
        shown = screen_text(app)
        assert "★ 10 Tokayev said" in shown  # marked in the reader ...
        assert "★ Pakistan and Kazakhstan on Tues" in shown  # ... and in the results


async def test_a_sentence_selection_bookmarks_just_those_sentences(app, store, settle):
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reader = await open_gwadar(pilot, settle)
        await pilot.press("n")  # paragraph 4: two sentences, the match in the second
        paragraph = reader.current_paragraph()
        assert paragraph.paragraph == 4
        spans = sentence_spans(paragraph.text)
        await pilot.press("v")  # starts on the sentence holding the match
        assert reader.selection == (1, 1)
        await pilot.press("b", "enter")
        await settle(pilot)
        [bookmark] = store.load()
        assert bookmark.quote == paragraph.text[spans[1][0]:spans[1][1]]
        assert bookmark.quote.startswith("He added that Pakistan") and bookmark.start == spans[1][0]

        await pilot.press("escape", "k")  # paragraph 3, no match: starts on sentence 1
        assert reader.current_paragraph().paragraph == 3
        await pilot.press("v", "j", "j")  # extends to the last sentence and stops there
        assert reader.selection == (0, 1)
        await pilot.press("k")
        assert reader.selection == (0, 0)
        await pilot.press("j", "y")
        text = reader.current_paragraph().text
        spans = sentence_spans(text)
        assert app.clipboard == text[spans[0][0]:spans[1][1]]
        await pilot.press("escape")
        assert reader.selection is None
        assert app.focused is reader  # escape left the selection, not the reader


@pytest.fixture
def two_bookmarks(tui_paths, store, seeded_index):
    from tui.search import Explorer

    with Explorer.open(tui_paths, build=False) as explorer:
        text = explorer.article(GWADAR_ARTICLE)
        p10, p4 = text.paragraphs[9], text.paragraphs[3]
        store.add(make_bookmark(GWADAR_ARTICLE, text.info.title, 10, p10.text, note="air links",
                                tags=["transport"]))
        store.add(make_bookmark(GWADAR_ARTICLE, text.info.title, 4, p4.text, note="seaports",
                                tags=["transport", "trade"]))
    return store


async def test_the_bookmarks_screen_filters_opens_edits_and_deletes(app, two_bookmarks, settle,
                                                                    screen_text):
    store = two_bookmarks
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "B")
        assert isinstance(app.screen, BookmarksScreen)
        listing = app.screen.query_one(BookmarkList)
        shown = screen_text(app)
        assert "2 of 2 bookmarks" in shown
        assert "note: air links" in shown and "#transport #trade" in shown

        await pilot.press("slash", *"seaport", "enter")  # the filter, then back to the list
        assert [b.note for b in listing.shown] == ["seaports"]
        assert app.focused is listing
        await pilot.press("slash")
        app.focused.value = ""
        await pilot.press("escape")
        assert app.focused is listing and len(listing.shown) == 2

        await pilot.press("t")  # filter by tag
        assert isinstance(app.screen, TagPicker)
        await pilot.press("j", "j", "enter")  # every tag, transport, trade
        await pilot.pause()
        assert [b.note for b in listing.shown] == ["seaports"]
        assert "tag: #trade" in screen_text(app)
        await pilot.press("t", "enter")  # the picker opens on the tag in use
        await pilot.pause()
        assert [b.note for b in listing.shown] == ["seaports"]
        await pilot.press("t", "g", "enter")  # "every tag" comes first
        await pilot.pause()
        assert len(listing.shown) == 2

        assert listing.current().note == "seaports"  # the cursor stayed on it
        await pilot.press("e")
        assert isinstance(app.screen, BookmarkDialog)
        note = app.screen.query_one("#note", Input)
        assert note.value == "seaports"
        note.value = "Karachi and Gwadar"
        await pilot.press("enter")
        await settle(pilot)
        assert [b.note for b in store.load()] == ["air links", "Karachi and Gwadar"]

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert len(store.load()) == 2
        await pilot.press("d", "y")
        await settle(pilot)
        assert [b.note for b in store.load()] == ["air links"]
        assert "1 of 1 bookmark" in screen_text(app)

        await pilot.press("enter")  # open the passage in the reader
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        reader = app.screen.query_one(Reader)
        assert reader.current_paragraph().paragraph == 10
        assert app.focused is reader


async def test_a_bookmark_opens_where_its_quote_now_is(app, tui_paths, store, settle):
    """A bookmark whose stored paragraph number is stale is found again by its quote."""
    from tui.search import Explorer

    explorer = Explorer.open(tui_paths, build=False)
    text = explorer.article(GWADAR_ARTICLE)
    explorer.close()
    p4 = text.paragraphs[3].text
    spans = sentence_spans(p4)
    stale = make_bookmark(GWADAR_ARTICLE, text.info.title, 4, p4, *spans[1])
    from dataclasses import replace
    store.add(replace(stale, paragraph=7, start=0, end=len(stale.quote)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "B", "enter")
        await settle(pilot)
        reader = app.screen.query_one(Reader)
        assert reader.current_paragraph().paragraph == 4
        assert reader.selection == (1, 1)  # the quoted sentence is selected
        assert reader.bookmarked == {f"{GWADAR_ARTICLE}:4"}  # and the ★ is there, not at 7


async def test_a_bookmarks_file_that_does_not_parse_is_kept_read_only(app, tui_paths, settle,
                                                                     screen_text):
    broken = b'version = 1\n[[bookmark]]\nid = "x"\nquote = "unterminated\n'
    tui_paths.bookmarks.write_bytes(broken)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "not valid TOML" in errors[0].message
        assert "read-only" in errors[0].message
        await open_gwadar(pilot, settle)
        await pilot.press("b")
        await settle(pilot)
        assert not isinstance(app.screen, BookmarkDialog)  # no dialog: nothing can be saved
        assert any("read-only" in n.message for n in app._notifications if n is not errors[0])
        await pilot.press("B")
        assert "read-only" in screen_text(app)
        await pilot.press("e", "d")  # disabled: no dialog
        assert isinstance(app.screen, BookmarksScreen)
    assert tui_paths.bookmarks.read_bytes() == broken  # never overwritten
