"""The bookmarks data layer: the record, the file format, safe saving, re-anchoring and export."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tui import bookmarks as bm
from tui.bookmarks import Bookmark, BookmarksError, UnknownBookmark, make_bookmark

PARAGRAPH = ("The river rose two metres overnight. Residents of the lower town were told to leave "
             "by noon. Officials said the dam was holding.")
WHEN = dt.datetime(2026, 2, 3, 10, 30, tzinfo=dt.timezone.utc)


def sample(note: str = "", tags=(), article: str = "seeds/flood", **kwargs) -> Bookmark:
    start, end = bm.sentence_run(PARAGRAPH, 1)
    return make_bookmark(article, "Flood waters rise", 2, PARAGRAPH, start, end, note, tags,
                         created=WHEN, **kwargs)


# --- the record --------------------------------------------------------------------------------

def test_make_bookmark_takes_quote_and_context_from_the_paragraph():
    b = sample(note="check the time", tags=[" flood ", "evacuation", "flood", ""])
    assert b.quote == "Residents of the lower town were told to leave by noon."
    assert PARAGRAPH[b.start:b.end] == b.quote
    assert b.prefix == PARAGRAPH[b.start - 32:b.start] and len(b.prefix) == 32
    assert b.suffix == " Officials said the dam was hold"
    assert b.tags == ("flood", "evacuation")
    assert b.paragraph == 2 and b.article == "seeds/flood" and b.created == WHEN
    assert len(b.id) == 8 and int(b.id, 16) >= 0


def test_make_bookmark_near_the_paragraph_edges_and_whole_paragraph():
    whole = make_bookmark("a", "A", 1, "Short one.")
    assert (whole.quote, whole.prefix, whole.suffix, whole.start, whole.end) == \
        ("Short one.", "", "", 0, 10)
    assert whole.created.tzinfo == dt.timezone.utc


@pytest.mark.parametrize("start,end", [(5, 5), (0, 999), (-1, 3), (4, 2)])
def test_make_bookmark_refuses_an_empty_or_outside_range(start, end):
    with pytest.raises(ValueError):
        make_bookmark("a", "A", 1, "Short one.", start, end)
    with pytest.raises(ValueError):
        make_bookmark("a", "A", 0, "Short one.")


def test_sentence_run_covers_several_sentences():
    start, end = bm.sentence_run(PARAGRAPH, 0, 1)
    assert PARAGRAPH[start:end].startswith("The river") and PARAGRAPH[start:end].endswith("noon.")
    with pytest.raises(IndexError):
        bm.sentence_run(PARAGRAPH, 2, 3)


def test_new_id_avoids_taken_ids(monkeypatch):
    tokens = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(bm.secrets, "token_hex", lambda n: next(tokens))
    assert bm.new_id({"aaaaaaaa"}) == "bbbbbbbb"


def test_tags_normalise_and_filter():
    assert bm.normalise_tags([" a ", "", "  ", "b", "a", "A"]) == ("a", "b", "A")
    one, two = sample(tags=["Flood", "Dam"]), sample(tags=["rescue", "flood"])
    assert bm.with_tags([one, two], "flood") == [one, two]
    assert bm.with_tags([one, two], "flood", "dam") == [one]
    assert bm.with_tags([one, two], " ") == [one, two]
    assert bm.tag_counts([one, two]) == {"Flood": 1, "Dam": 1, "rescue": 1, "flood": 1}
    assert list(bm.tag_counts([one, one, two])) == ["Dam", "Flood", "flood", "rescue"]


def test_find_by_id_or_unique_prefix():
    a, b = sample(), sample()
    a, b = Bookmark(**{**a.__dict__, "id": "ab12cd34"}), Bookmark(**{**b.__dict__, "id": "ab99ffff"})
    assert bm.find([a, b], "ab99ffff") is b
    assert bm.find([a, b], "ab1") is a
    with pytest.raises(UnknownBookmark, match="fits 2"):
        bm.find([a, b], "ab")
    with pytest.raises(UnknownBookmark, match="no bookmark"):
        bm.find([a, b], "zz")


# --- the file format ---------------------------------------------------------------------------

def test_dumps_writes_the_documented_layout():
    text = bm.dumps([sample(note="two\nlines", tags=["x"])])
    assert text.startswith("version = 1\n")
    assert "[[bookmark]]" in text and 'note = """' in text
    assert "created = 2026-02-03 10:30:00+00:00" in text
    (read,) = bm.loads(text)
    assert (read.note, read.tags, read.created) == ("two\nlines", ("x",), WHEN)


def test_empty_and_missing_parts_read_as_no_bookmarks():
    assert bm.loads("") == []
    assert bm.loads("version = 1\n") == []
    assert bm.dumps([]) == "version = 1\n"


def test_carriage_returns_fall_back_to_escaped_strings():
    b = sample(note="one\r\ntwo\rthree\n")
    text = bm.dumps([b])
    assert 'note = "one\\r\\ntwo\\rthree\\n"' in text
    assert bm.loads(text)[0].note == b.note


def test_lone_surrogates_are_stored_as_replacement_characters():
    b = sample(note="bad \udcff byte", tags=["\ud800"])
    (read,) = bm.loads(bm.dumps([b]).encode("utf-8"))
    assert read.note == "bad \ufffd byte" and read.tags == ("\ufffd",)


def test_unknown_keys_are_kept():
    text = bm.dumps([sample()]).replace("[[bookmark]]", 'colour = "blue"\n\n[[bookmark]]')
    text += 'rating = 5\n'
    bookmarks, extra = bm.parse(text)
    assert extra == {"colour": "blue"} and bookmarks[0].extra == {"rating": 5}
    again = bm.dumps(bookmarks, extra=extra)
    assert 'colour = "blue"' in again and "rating = 5" in again


def test_hand_written_times_without_offset_are_utc():
    text = bm.dumps([sample()]).replace("2026-02-03 10:30:00+00:00", "2026-02-03T12:30:00+02:00")
    assert bm.loads(text)[0].created == WHEN
    text = bm.dumps([sample()]).replace("2026-02-03 10:30:00+00:00", "2026-02-03 10:30:00")
    assert bm.loads(text)[0].created == WHEN


@pytest.mark.parametrize("change,message", [
    (("quote = ", "#quote = "), r"bookmarks.toml:3: bookmark 1: missing 'quote'"),
    (("paragraph = 2", 'paragraph = "2"'), r"bookmarks.toml:3: bookmark 1: 'paragraph' should be an integer"),
    (("paragraph = 2", "paragraph = true"), r"'paragraph' should be an integer"),
    (("paragraph = 2", "paragraph = 0"), r"'paragraph' counts from 1"),
    (("tags = [", "tags = [ 1,"), r"'tags' should be an array of strings"),
    (("created = 2026-02-03 10:30:00+00:00", "created = 2026-02-03"), r"'created' should be a date and time"),
    (("start = ", "start = 900 #"), r"'start' and 'end'"),
    (("version = 1", "version = 7"), r"version 7 was written by a newer release"),
    (("version = 1", 'version = "1"'), r"'version' should be a whole number"),
])
def test_wrong_shapes_are_errors_naming_the_bookmark(change, message):
    text = bm.dumps([sample(tags=["x"])]).replace(*change, 1)
    with pytest.raises(BookmarksError, match=message):
        bm.loads(text)


def test_the_second_bookmark_is_named_with_its_line():
    good = bm.dumps([sample(), sample()])
    bad = good[::-1].replace("\n2 = hpargarap", "\n'owt' = hpargarap", 1)[::-1]
    line = bad.count("\n", 0, bad.rindex("[[bookmark]]")) + 1
    with pytest.raises(BookmarksError, match=rf"^bookmarks.toml:{line}: bookmark 2: 'paragraph'"):
        bm.loads(bad)


def test_repeated_ids_are_an_error():
    b = sample()
    with pytest.raises(BookmarksError, match="bookmark 2 has the same id"):
        bm.loads(bm.dumps([b, b]))


def test_syntax_and_encoding_errors_name_line_and_column():
    with pytest.raises(BookmarksError, match=r"^notes\.toml:3:8: .*not valid TOML") as err:
        bm.loads('version = 1\n[[bookmark]]\nid = "x\n', "notes.toml")
    assert "\n" not in str(err.value)
    with pytest.raises(BookmarksError, match=r"^b\.toml:2:6: .*not UTF-8"):
        bm.loads(b'version = 1\nnote \xff= "x"\n', "b.toml")
    with pytest.raises(BookmarksError, match=r":1:5: .*Invalid value"):
        bm.loads("a = ")


# Any Unicode a user could type or paste, with the characters TOML treats specially made likely.
TRICKY = st.sampled_from(['"', '"""', "'''", "]]", "[[", "\\", "\n", "\r\n", "\r", "\t", "\x00",
                          "\x1b[31m", "\x7f", "\u0085", "\u2028", "\ufeff", "#", "=", "\U0001f30a"])
TEXT = st.lists(st.one_of(st.text(), TRICKY), max_size=6).map("".join)


@settings(max_examples=150, deadline=None)
@given(note=TEXT, tags=st.lists(TEXT, max_size=5), title=TEXT, quote=TEXT.filter(bool))
@example(note='"""\n]]\x00\r\n', tags=["]]", '"""', "\x00", "a\nb"], title="[[bookmark]]", quote="\x00")
def test_any_text_survives_dumps_and_loads(note, tags, title, quote):
    b = make_bookmark("a", title, 1, "x" + quote + "y", 1, 1 + len(quote), note, tags, created=WHEN)
    (read,) = bm.loads(bm.dumps([b]).encode("utf-8"))
    assert read == b
    assert (read.note, read.tags, read.quote, read.title) == (note, bm.normalise_tags(tags), quote, title)
