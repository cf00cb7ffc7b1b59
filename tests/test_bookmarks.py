"""The bookmarks data layer: the record, the file format, safe saving, re-anchoring and export."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

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
    a, b = replace(sample(), id="ab12cd34"), replace(sample(), id="ab99ffff")
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
    (("paragraph = 2", 'paragraph = "2"'),
     r"bookmarks.toml:3: bookmark 1: 'paragraph' should be an integer"),
    (("paragraph = 2", "paragraph = true"), r"'paragraph' should be an integer"),
    (("paragraph = 2", "paragraph = 0"), r"'paragraph' counts from 1"),
    (("tags = [", "tags = [ 1,"), r"'tags' should be an array of strings"),
    (("created = 2026-02-03 10:30:00+00:00", "created = 2026-02-03"),
     r"'created' should be a date and time"),
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
@example(note='"""\n]]\x00\r\n', tags=["]]", '"""', "\x00", "a\nb"], title="[[bookmark]]",
         quote="\x00")
def test_any_text_survives_dumps_and_loads(note, tags, title, quote):
    b = make_bookmark("a", title, 1, "x" + quote + "y", 1, 1 + len(quote), note, tags, created=WHEN)
    (read,) = bm.loads(bm.dumps([b]).encode("utf-8"))
    assert read == b
    assert (read.note, read.tags) == (note, bm.normalise_tags(tags))
    assert (read.quote, read.title) == (quote, title)


# --- saving ------------------------------------------------------------------------------------

WRITER = Path(__file__).with_name("bookmark_writer.py")


@pytest.fixture
def store(tmp_path):
    return bm.BookmarkStore(tmp_path / "data" / "tui" / "bookmarks.toml")


def test_first_save_creates_folders_and_a_private_file(store):
    assert store.load() == []
    added = store.add(sample(note="private"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    assert store.lock_path == store.path.with_name("bookmarks.toml.lock")
    assert store.load() == [added]
    assert sorted(p.name for p in store.path.parent.iterdir()) == \
        ["bookmarks.toml", "bookmarks.toml.lock"]


def test_file_stays_private_when_rewritten(store):
    store.add(sample())
    os.chmod(store.path, 0o644)
    store.add(sample())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=TEXT, tags=st.lists(TEXT, max_size=4))
@example(note='a """ b ]] c\x00\r\n', tags=["]]", '"""', "\x1f", "\n"])
def test_any_note_and_tags_survive_save_and_load(tmp_path, note, tags):
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        store = bm.BookmarkStore(Path(folder) / "bookmarks.toml")
        added = store.add(sample(note=note, tags=tags))
        store.add(sample())
        read = bm.BookmarkStore(store.path).load()[0]
        assert read == added
        assert (read.note, read.tags) == (note, bm.normalise_tags(tags))


def test_add_gives_a_new_id_when_the_file_already_has_it(store):
    first = store.add(sample())
    second = store.add(first)
    assert second.id != first.id and second.quote == first.quote
    assert [b.id for b in store.load()] == [first.id, second.id]


def test_edit_and_remove_by_id_or_prefix(store):
    one = store.add(replace(sample(note="one"), id="11111111"))
    two = store.add(replace(sample(note="two", tags=["a"]), id="22222222"))
    edited = store.edit("22", note="changed\nnote")
    assert (edited.id, edited.note, edited.tags) == (two.id, "changed\nnote", ("a",))
    assert store.edit(one.id, tags=["b", " b "]).tags == ("b",)
    removed = store.remove(one.id)
    assert (removed.id, removed.note, removed.tags) == (one.id, "one", ("b",))
    assert [(b.id, b.note) for b in store.load()] == [(two.id, "changed\nnote")]
    with pytest.raises(UnknownBookmark):
        store.remove(one.id)
    with pytest.raises(UnknownBookmark):
        store.edit("nothing", note="x")
    assert len(store.load()) == 1


def test_update_applies_to_the_file_as_it_is_now(store):
    store.add(sample(tags=["keep"]))
    result = store.update(lambda bookmarks: [b for b in bookmarks if "keep" not in b.tags])
    assert result == [] == store.load()
    with pytest.raises(ValueError, match="unique"):
        b = sample()
        store.update(lambda bookmarks: [b, b])
    with pytest.raises(ZeroDivisionError):
        store.update(lambda bookmarks: [1 / 0])
    assert store.load() == []


def test_hand_edits_between_saves_are_kept(store):
    one = store.add(sample(note="first thought", tags=["a"]))
    text = store.path.read_text()
    text = text.replace('note = "first thought"', 'note = """\nsecond thought,\nby hand"""')
    text = text.replace('"a",', '"a", "added by hand",')
    text = text.replace("[[bookmark]]", "[[bookmark]]\nstars = 4", 1)
    store.path.write_text(text)
    two = store.add(sample(note="another"))
    read = {b.id: b for b in store.load()}
    assert read[one.id].note == "second thought,\nby hand"
    assert read[one.id].tags == ("a", "added by hand")
    assert read[one.id].extra == {"stars": 4}
    assert read[two.id].note == "another"
    assert "stars = 4" in store.path.read_text()


CORRUPT = [
    (b'version = 1\n\n[[bookmark]]\nid = "abc\nnote = "x"\n',
     r":4:10: bookmarks file is not valid TOML"),
    (b'version = 1\n[[bookmark]]\nid = "abc"\n', r":2: bookmark 1: missing 'created'"),
    (b'version = 1\nnote = "\xe9t\xe9"\n', r":2:9: bookmarks file is not UTF-8"),
]


@pytest.mark.parametrize("data,message", CORRUPT)
def test_a_bad_file_is_never_overwritten(store, data, message):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(data)
    os.chmod(store.path, 0o640)
    before = store.path.stat()
    for attempt in (store.load, lambda: store.add(sample()), lambda: store.remove("abc"),
                    lambda: store.edit("abc", note="x"), lambda: store.update(list)):
        with pytest.raises(BookmarksError, match=message) as err:
            attempt()
        assert str(err.value).startswith(str(store.path)) and "\n" not in str(err.value)
        assert store.read_only and store.error is err.value
    assert store.path.read_bytes() == data
    after = store.path.stat()
    assert (after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == \
        (before.st_ino, before.st_mtime_ns, 0o640)
    # Once fixed, the store writes again.
    store.path.write_text("version = 1\n")
    assert store.add(sample()) and not store.read_only and len(store.load()) == 1


def test_a_symlinked_file_is_written_through(tmp_path):
    real = tmp_path / "dotfiles" / "bookmarks.toml"
    real.parent.mkdir()
    real.write_text("version = 1\n")
    link = tmp_path / "bookmarks.toml"
    link.symlink_to(real)
    bm.BookmarkStore(link).add(sample())
    assert link.is_symlink() and len(bm.loads(real.read_bytes())) == 1
    assert (real.parent / "bookmarks.toml.lock").exists()


def test_a_held_lock_times_out_with_an_error(store):
    store.add(sample())
    with open(store.lock_path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        slow = bm.BookmarkStore(store.path, lock_timeout=0.05)
        with pytest.raises(BookmarksError, match="locked"):
            slow.add(sample())
        assert len(slow.load()) == 1  # reading needs no lock


def writer(path: Path, count: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(WRITER), str(path)] + ([str(count)] if count is not None else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_processes_adding_at_once_lose_nothing(store):
    writers = [writer(store.path, 50) for _ in range(4)]
    printed = []
    for process in writers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        printed += out.split()
    read = store.load()
    assert len(printed) == 200 == len(read)
    assert {b.id for b in read} == set(printed)
    assert len({b.article for b in read}) == 4
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_threads_sharing_one_store_lose_nothing(store):
    # The app saves from worker threads: flock on separate opens excludes threads too.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:
        added = list(pool.map(lambda n: store.add(sample(note=str(n))).id, range(40)))
    assert sorted(b.id for b in store.load()) == sorted(added)


def test_a_writer_killed_at_any_moment_leaves_a_whole_file(store):
    rng = random.Random(20260203)
    saved: list[str] = []
    for _ in range(30):
        process = writer(store.path)
        saved.append(process.stdout.readline().strip())  # started: from now on it keeps saving
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        saved += out.split()
        held = {b.id for b in bm.loads(store.path.read_bytes())}  # parses, whole
        assert set(saved) <= held
    assert len(saved) >= 30  # each writer saved at least once before its kill
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1  # at most the last killed writer's; the next save clears it


# --- re-anchoring ------------------------------------------------------------------------------

ARTICLE = [
    "Pakistan and Kazakhstan have signed 37 pacts on several sectors, including petroleum and "
    "mining.",
    "The pacts were signed on Wednesday during a ceremony in the Prime Minister's Office in "
    "Islamabad, attended by Prime Minister Shehbaz Sharif and President Kassym-Jomart Tokayev.",
    "Speaking at the ceremony, Sharif emphasised the strong bilateral ties between the two "
    "countries and announced plans to significantly boost trade. Trade currently stands at $250 "
    "million and would increase to $1 billion within the next year, he said.",
    "He highlighted opportunities for joint investment in energy, infrastructure and other "
    "sectors.",
]
QUOTE = ("Trade currently stands at $250 million and would increase to $1 billion within the "
         "next year")


def passage(paragraphs=ARTICLE, number=3, quote=QUOTE) -> Bookmark:
    text = paragraphs[number - 1]
    start = text.index(quote)
    return make_bookmark("seeds/000", "Pacts", number, text, start, start + len(quote))


def test_an_unchanged_article_anchors_by_position():
    b = passage()
    assert bm.anchor(b, ARTICLE) == bm.Anchor(3, b.start, b.end, "position", 1.0)


def test_a_paragraph_inserted_before_the_passage_is_found_exactly():
    b = passage()
    changed = ARTICLE[:1] + ["A new paragraph added by the editors, with background."] + ARTICLE[1:]
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.method) == (4, "exact")
    assert changed[3][found.start:found.end] == QUOTE and found.score > 0.95


def test_text_added_before_the_passage_in_its_paragraph_is_found_exactly():
    b = passage()
    changed = list(ARTICLE)
    changed[2] = "Officials smiled. " + changed[2]
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.start - b.start, found.method) == (3, 18, "exact")


def test_words_changed_inside_the_passage_are_found_fuzzily():
    b = passage()
    changed = list(ARTICLE)
    changed[2] = changed[2].replace("currently stands", "now stands")
    changed[2] = changed[2].replace("next year", "coming year")
    changed.insert(0, "Updated at 10:00.")
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.method) == (4, "fuzzy")
    assert changed[3][found.start:found.end] == \
        "Trade now stands at $250 million and would increase to $1 billion within the coming year"
    assert 0.8 < found.score < 1


def test_a_passage_rewritten_beyond_a_quarter_is_an_orphan():
    b = passage()
    changed = list(ARTICLE)
    changed[2] = changed[2].replace(QUOTE, "Officials expect commerce to grow fourfold soon")
    assert bm.anchor(b, changed) == bm.ORPHAN


def test_a_deleted_passage_is_an_orphan_that_stays_listed(store):
    kept = store.add(passage())
    other = store.add(passage(number=1, quote="37 pacts"))
    changed = ARTICLE[:2] + ARTICLE[3:]
    found = bm.anchor(kept, changed)
    assert found.orphaned and found.method == "orphan" and found.paragraph is None
    store.edit(other.id, note="still here")  # saving again never drops the orphan
    anchored = bm.anchor_all(store.load(), {"seeds/000": changed})
    assert [(b.id, a.method) for b, a in anchored] == [(kept.id, "orphan"), (other.id, "position")]
    assert [b.id for b, a in anchored if a.orphaned] == [kept.id]


def test_a_bookmark_of_a_missing_article_is_an_orphan():
    b = passage()
    assert bm.anchor_all([b], {}) == [(b, bm.ORPHAN)]
    assert bm.anchor(b, []) == bm.ORPHAN


REPEATS = [
    "The minister said: we will build the road. Critics doubted it.",
    "Asked about funding, the minister said: we will build the road. Nobody else spoke.",
    "Later, in Almaty, the minister said: we will build the road. The crowd cheered.",
]


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_repeated_quote_is_told_apart_by_prefix_and_suffix(number):
    b = passage(REPEATS, number, "we will build the road.")
    # The paragraphs are reordered and a new one comes first: the position is gone, the quote
    # appears three times, and only the words around it say which one was meant.
    changed = ["Road plans, a summary."] + REPEATS[::-1]
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.method) == (5 - number, "exact")
    assert changed[found.paragraph - 1][found.start:found.end] == b.quote


def test_a_repeat_with_the_same_context_goes_to_the_nearest():
    same = ["He said yes. " * 3 for _ in range(5)]
    b = make_bookmark("a", "A", 3, same[2], 13, 25)
    changed = [s.replace("yes", "no", 1) for s in same]  # position 13..25 now reads differently
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.start, found.method) == (3, 12, "exact")


def test_short_quotes_have_no_fuzzy_matches():
    b = make_bookmark("a", "A", 1, "Yes, he said.", 0, 3)
    assert bm.anchor(b, ["No, he said."]) == bm.ORPHAN


def test_a_quote_edited_in_a_100_kb_article_is_found_fuzzily():
    """(How long it takes is in bench/: `bench/run.py`, "Hostile shapes".)"""
    rng = random.Random(7)
    words = "the pacts trade energy sharif tokayev signed ceremony minister road billion".split()
    article = [" ".join(rng.choice(words) for _ in range(90)) + "." for _ in range(170)]
    assert 90_000 < sum(map(len, article)) < 110_000
    b = make_bookmark("a", "A", 120, article[120 - 1], 50, 450)
    changed = ["Intro."] + article
    changed[120] = changed[120][:100] + "ZZZZZZZZZZ" + changed[120][110:300] + changed[120][330:]
    found = bm.anchor(b, changed)
    assert (found.paragraph, found.start, found.method) == (121, 50, "fuzzy")


def sellers(pattern: str, text: str) -> list[int]:
    """Fewest edits from pattern to a substring of text ending at each j (the plain Sellers DP)."""
    column = list(range(len(pattern) + 1))
    ends = []
    for char in text:
        new = [0]
        for i, p in enumerate(pattern, 1):
            new.append(min(column[i - 1] + (p != char), column[i] + 1, new[i - 1] + 1))
        column = new
        ends.append(column[-1])
    return ends


def plain_levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        new = [i]
        for j, y in enumerate(b, 1):
            new.append(min(row[j - 1] + (x != y), row[j] + 1, new[j - 1] + 1))
        row = new
    return row[-1]


SMALL = st.text(alphabet="abc ", max_size=12)


@settings(max_examples=300, deadline=None)
@given(pattern=SMALL.filter(bool), text=SMALL, limit=st.integers(0, 5))
def test_myers_agrees_with_the_plain_dynamic_programme(pattern, text, limit):
    peq = bm._masks(pattern)
    searched = [e for _, e in bm._edits_by_end(peq, len(pattern), text, anchored=False)]
    assert searched == sellers(pattern, text)
    anchored = [e for _, e in bm._edits_by_end(peq, len(pattern), text, anchored=True)]
    assert anchored == [plain_levenshtein(pattern, text[:j]) for j in range(1, len(text) + 1)]
    assert bm.levenshtein(pattern, text) == plain_levenshtein(pattern, text)
    assert bm.levenshtein(text, pattern) == plain_levenshtein(pattern, text)
    assert bm.levenshtein("", text) == len(text)
    for start, end, edits in bm._Pattern(pattern).matches(text, limit):
        assert edits <= limit and plain_levenshtein(pattern, text[start:end]) == edits
        assert edits == sellers(pattern, text)[end - 1]


# --- export ------------------------------------------------------------------------------------

def test_export_markdown_groups_by_article_with_citations():
    later = passage()
    earlier = passage(number=1, quote="37 pacts")
    other = make_bookmark("seeds/001", "Stored title", 2, "Roads \x1b[31mreopened\x1b[0m today.",
                          note="check with\nthe ministry \x07", tags=["roads", "follow-up"])
    meta = {"seeds/000": bm.Citation("Pakistan, Kazakhstan sign 37 pacts", dt.date(2026, 2, 4),
                                     "Dawn", "https://www.dawn.com/news/1")}
    text = bm.export_markdown([later, other, earlier], meta)
    assert text == (
        "# Bookmarks\n\n"
        "## Pakistan, Kazakhstan sign 37 pacts\n\n"
        "> 37 pacts\n\n"
        "— *Pakistan, Kazakhstan sign 37 pacts*, Dawn, 2026-02-04, paragraph 1, "
        "<https://www.dawn.com/news/1>\n\n"
        f"> {QUOTE}\n\n"
        "— *Pakistan, Kazakhstan sign 37 pacts*, Dawn, 2026-02-04, paragraph 3, "
        "<https://www.dawn.com/news/1>\n\n"
        "## Stored title\n\n"
        "> Roads reopened today.\n\n"
        "— *Stored title*, paragraph 2\n\n"
        "check with\nthe ministry\n\n"
        "Tags: roads, follow-up\n"
    )


def test_export_markdown_takes_articles_and_dicts_as_metadata():
    from tui.ingest import parse_article
    article, _ = parse_article("seeds/000", Path("seeds/000.txt"),
                               '+++\ntitle = "Pacts"\ndate = 2026-02-04\nsource = "Dawn"\n+++\n'
                               + "\n\n".join(ARTICLE))
    b = passage()
    brief = bm.export_markdown([b], {article.id: article})
    assert "— *Pacts*, Dawn, 2026-02-04, paragraph 3" in brief
    meta = {"seeds/000": {"title": "T", "date": "4 Feb", "url": "javascript:alert(1)"}}
    assert "— *T*, 4 Feb, paragraph 3\n" in bm.export_markdown([b], meta)
    assert bm.export_markdown([]) == "# Bookmarks\n"


def test_export_toml_is_a_bookmarks_file():
    one, two = sample(note="a\nb", tags=["x"]), passage()
    assert bm.loads(bm.export_toml([one, two])) == [one, two]
