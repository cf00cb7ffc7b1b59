"""Broken and hostile corpora: each bad file gets a one-line reason and the rest is indexed.

tests/test_ingest.py covers the reader's single cases (empty, binary, too large, cp1252, BOMs,
CRLF, an unreadable file, nested folders with a symlink loop, a missing folder); here every case
goes through the whole build (index.update or `tui index`) and the result is searched.
"""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import pytest

from tui import index, ingest
from tui.cli import main
from tui.paths import Paths
from tui.search import Explorer


def corpus_paths(tmp_path: Path) -> Paths:
    (tmp_path / "corpus").mkdir(exist_ok=True)
    return Paths(tmp_path / "corpus", tmp_path / "index", tmp_path / "bookmarks.toml")


def write(folder: Path, name: str | bytes, data: bytes) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tui(paths: Paths, capsys, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--corpus", str(paths.corpus), "--index", str(paths.index),
                 "--bookmarks", str(paths.bookmarks)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def reasons(report: index.BuildReport) -> dict[str, str]:
    """Problem lines by file name; each one line."""
    assert all("\n" not in line for line in report.problems)
    return dict(line.split(": ", 1) for line in report.problems)


def total(paths: Paths, query: str) -> int:
    with Explorer.open(paths, build=False) as explorer:
        return explorer.search(query).total


# --- folders -----------------------------------------------------------------------------------

def test_an_empty_folder_gives_an_empty_index_and_no_matches(tmp_path, capsys):
    paths = corpus_paths(tmp_path)
    code, out, err = tui(paths, capsys, "index")
    assert (code, err) == (0, "") and out.startswith("0 articles, 0 paragraphs, 0 skipped files")
    assert tui(paths, capsys, "search", "gwadar")[:2] == (1, "no paragraphs match\n")
    assert tui(paths, capsys, "articles")[:2] == (1, "")
    assert tui(paths, capsys, "timeline")[0] == 1


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    # also tests/test_search.py::test_missing_corpus_is_a_one_line_error
    paths = Paths(tmp_path / "nope", tmp_path / "index", tmp_path / "bookmarks.toml")
    code, out, err = tui(paths, capsys, "index")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "corpus folder not found" in err
    assert not (tmp_path / "index" / "data").exists()


def _make_deep(top: Path, depth: int, leaf: str, data: bytes) -> None:
    """``top/d/d/.../d/leaf``, ``depth`` folders deep, built without ever naming the long path."""
    (top / "d").mkdir(parents=True)
    (top / "d" / leaf).write_bytes(data)
    for _ in range(depth - 1):
        (top / "n").mkdir()
        os.rename(top / "d", top / "n" / "d")
        os.rename(top / "n", top / "d")


def _remove_deep(top: Path) -> None:
    """Undo _make_deep (shutil.rmtree recurses, and pytest's clean-up would hit RecursionError)."""
    while (top / "d").exists():
        if (top / "d" / "d").exists():
            os.rename(top / "d" / "d", top / "x")
        for child in (top / "d").iterdir():
            child.unlink()
        (top / "d").rmdir()
        if (top / "x").exists():
            os.rename(top / "x", top / "d")


def _make_long(top: Path, levels: int, leaf: str, data: bytes) -> None:
    """``levels`` folders of 250-character names below ``top``, made relative to open folders."""
    top.mkdir()
    folder = os.open(top, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("x" * 250, dir_fd=folder)
        inner = os.open("x" * 250, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    handle = os.open(leaf, os.O_WRONLY | os.O_CREAT, dir_fd=folder)
    os.write(handle, data)
    os.close(handle)
    os.close(folder)


def test_folders_1500_deep_are_read_and_past_path_max_is_one_line(tmp_path):
    # Python 3.11's os.walk recursed: 1100 levels raised RecursionError and nothing was indexed.
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "top.txt", b"A top level paragraph about zanzibar.\n")
    _make_long(paths.corpus / "long", 17, "lost.txt", b"Past PATH_MAX (4096 bytes).\n")
    try:
        _make_deep(paths.corpus / "deep", 1500, "deep.txt", b"A deep paragraph about zanzibar.\n")
        report = index.update(paths.corpus, paths.index)
        assert report.articles == 2
        [(folder, why)] = reasons(report).items()
        assert folder.startswith(str(paths.corpus / "long" / ("x" * 250)))
        assert why == "cannot read folder (File name too long)"
        assert total(paths, "zanzibar") == 2
    finally:
        _remove_deep(paths.corpus / "deep")


def test_symlink_loops_and_links_out_of_the_corpus(tmp_path):
    # also tests/test_ingest.py::test_nested_folders_and_symlink_loops
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "a/real.txt", b"Real zanzibar paragraph.\n")
    (paths.corpus / "a" / "loop").symlink_to(paths.corpus, target_is_directory=True)
    (paths.corpus / "a" / "self").symlink_to(paths.corpus / "a" / "self")  # a link to itself
    (paths.corpus / "folder.txt").symlink_to(paths.corpus / "a", target_is_directory=True)
    outside = write(tmp_path, "outside.txt", b"A zanzibar file linked in from elsewhere.\n")
    (paths.corpus / "linked.txt").symlink_to(outside)
    report = index.update(paths.corpus, paths.index)
    assert report.articles == 2  # a/real and linked; no folder is walked twice
    assert total(paths, "zanzibar") == 2


# --- files -------------------------------------------------------------------------------------

def _unblock(fifo: Path, blocked: list) -> None:
    """End a read blocked on ``fifo`` (and say so in ``blocked``); nothing if none is."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        return  # nobody is reading it
    blocked.append(fifo.name)


def test_every_kind_of_bad_file_at_once(tmp_path, capsys):
    """One build: each bad file skipped (or read leniently) with a reason; the good ones searchable."""
    # single-file cases also in tests/test_ingest.py::test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read
    paths = corpus_paths(tmp_path)
    c = paths.corpus
    write(c, "good.txt", b"A good zanzibar paragraph.\n")
    write(c, "binary.txt", bytes(range(256)) * 64)
    write(c, "png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2048))
    write(c, "latin.txt", "Zanzibar caf\u00e9 in cp1252 \u201cquotes\u201d.\n".encode("cp1252"))
    write(c, "broken.txt", b"Zanzibar then broken \xc3\x28 UTF-8 \xff\xfe bytes.\n")
    write(c, "utf16.txt", "\ufeffZanzibar in UTF-16.\r\nSecond line.\r\n".encode("utf-16-le"))
    write(c, "utf16be.txt", "\ufeffZanzibar big-endian.\n".encode("utf-16-be"))
    write(c, "utf16odd.txt", b"\xff\xfeZ\x00a\x00n")  # odd length after its BOM
    write(c, "nobom16.txt", "Zanzibar no BOM.\n".encode("utf-16-le"))  # NULs: binary
    write(c, "crlf.txt", b"Zanzibar line one.\r\n\r\nZanzibar line two.\r\n")
    write(c, "cr.txt", b"Zanzibar old Mac one.\r\rZanzibar old Mac two.\r")
    write(c, "empty.txt", b"")
    write(c, "blank.md", b" \n\t\n\r\n")
    write(c, "boilerplate.txt", b"Advertisement\nRead more\nSubscribe\n")
    write(c, "notext.md", b"+++\ntitle = \"Only front matter\"\n+++\n")
    write(c, os.fsdecode(b"bad\xffname.txt"), b"Zanzibar in a file whose name is not UTF-8.\n")
    write(c, "huge.txt", b"")
    os.truncate(c / "huge.txt", 50 * 1024 * 1024)  # 50 MB (sparse: the reader must not read it)
    os.mkfifo(c / "pipe.txt")  # would block a read for ever
    (c / "device.txt").symlink_to("/dev/zero")
    (c / "dangling.txt").symlink_to(c / "missing.txt")
    # A reader blocked on the pipe would hang the suite: after 10 s, open its other end and close
    # it, so the read ends (as "empty file") and the test fails instead.
    blocked: list[str] = []
    watchdog = threading.Timer(10, _unblock, [c / "pipe.txt", blocked])
    watchdog.start()
    try:
        code, out, err = tui(paths, capsys, "index")
    finally:
        watchdog.cancel()
    assert blocked == []  # no read waited on the pipe
    assert code == 0
    lines = err.splitlines()
    assert all(line.startswith("tui: ") for line in lines)
    why = dict(line.removeprefix("tui: ").split(": ", 1) for line in lines)
    assert why == {
        "binary.txt": "skipped: binary file",
        "png.md": "skipped: binary file",
        "latin.txt": "not UTF-8; read as cp1252",
        "broken.txt": "not UTF-8; read as cp1252",
        "utf16odd.txt": "skipped: invalid utf-16-le after its byte-order mark (truncated data)",
        "nobom16.txt": "skipped: binary file",
        "empty.txt": "skipped: empty file",
        "blank.md": "skipped: empty file",
        "boilerplate.txt": "skipped: no paragraphs of text",
        "notext.md": "skipped: no paragraphs of text",
        "bad\\xffname.txt": "skipped: its name is not UTF-8; rename the file",
        "huge.txt": "skipped: too large (50.0 MB > 5 MB)",
        "pipe.txt": "skipped: not a regular file",
        "device.txt": "skipped: not a regular file",
        "dangling.txt": "skipped: file vanished or is a broken link",
    }
    skipped = sum(1 for reason in why.values() if reason.startswith("skipped"))
    assert out.startswith(f"7 articles, 10 paragraphs, {skipped} skipped files, rebuilt")
    explorer = Explorer.open(paths, build=False)
    texts = {hit.ref: hit.text for hit in explorer.search("zanzibar", limit=None).hits}
    explorer.close()
    assert texts == {
        "good:1": "A good zanzibar paragraph.",
        "latin:1": "Zanzibar caf\u00e9 in cp1252 \u201cquotes\u201d.",
        "broken:1": "Zanzibar then broken \u00c3( UTF-8 \u00ff\u00fe bytes.",
        "utf16:1": "Zanzibar in UTF-16.", "utf16be:1": "Zanzibar big-endian.",
        "crlf:1": "Zanzibar line one.", "crlf:2": "Zanzibar line two.",
        "cr:1": "Zanzibar old Mac one.", "cr:2": "Zanzibar old Mac two.",
    }


def test_unreadable_file_through_the_build(tmp_path, monkeypatch):
    # the reader's side: tests/test_ingest.py::test_unreadable_file_is_skipped (root reads anything,
    # so permission is refused by a patched open, as a user would meet it)
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "a.txt", b"Readable zanzibar.\n")
    write(paths.corpus, "locked.txt", b"Secret zanzibar.\n").chmod(0)
    real_open = Path.open

    def open_as_a_user(self, *args, **kwargs):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_as_a_user)
    report = index.update(paths.corpus, paths.index)
    assert reasons(report) == {"locked.txt": "skipped: permission denied"}
    assert total(paths, "zanzibar") == 1
    monkeypatch.undo()  # permission given back: the next update picks it up
    assert index.update(paths.corpus, paths.index).reindexed == ["locked"]
    assert total(paths, "zanzibar") == 2


def test_a_single_1_mb_line_is_one_searchable_paragraph(tmp_path):
    """News prose with a date every few sentences and no line break: one 1 MB paragraph.

    The date tagger split the whole paragraph into sentences again for every date it found: 66 s
    for this file before text.sentence_spans kept its last answers (its build time is in bench/:
    `bench/run.py`, "Hostile shapes").
    """
    rng = random.Random(7)
    sentences = ["The delegation toured the Gwadar port and discussed rail links.",
                 "Officials said trade would grow.", "Energy cooperation was also on the agenda.",
                 "Kazakhstan wants access to the Arabian Sea through Pakistan.",
                 "The two leaders met on 4 February 2026 in Islamabad."]
    words, size = [], 0
    while size < 1024 * 1024:
        words.append(rng.choices(sentences, [3, 3, 3, 3, 1])[0])
        size += len(words[-1]) + 1
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "line.txt", " ".join(words)[:1024 * 1024].encode())
    write(paths.corpus, "other.txt", b"Zanzibar.\n")
    report = index.update(paths.corpus, paths.index)
    assert (report.articles, report.paragraphs, report.problems) == (2, 2, [])
    with Explorer.open(paths, build=False) as explorer:
        [hit] = explorer.search("arabian").hits
        assert len(hit.text) > 1_000_000 and hit.ref == "line:1"
        assert explorer.timeline() and explorer.search("zanzibar").total == 1


def test_ten_thousand_tiny_files(tmp_path):
    """Each file an article (their build time is in bench/: `bench/run.py`, "Hostile shapes")."""
    paths = corpus_paths(tmp_path)
    for i in range(10_000):
        (paths.corpus / f"f{i:05}.txt").write_bytes(b"Note %d about trade at Gwadar, word%d.\n" % (i, i))
    report = index.update(paths.corpus, paths.index)
    assert (report.articles, report.paragraphs, report.problems) == (10_000, 10_000, [])
    with Explorer.open(paths, build=False) as explorer:
        assert explorer.search("gwadar").total == 10_000
        assert [hit.ref for hit in explorer.search("word9876").hits] == ["f09876:1"]
    assert index.update(paths.corpus, paths.index).reindexed == []  # and nothing to redo


# --- files that change under the reader ---------------------------------------------------------

def test_a_file_deleted_or_changed_between_listing_and_reading(tmp_path, monkeypatch):
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "a.txt", b"Stays zanzibar.\n")
    write(paths.corpus, "b.txt", b"Deleted zanzibar.\n")
    write(paths.corpus, "c.txt", b"Old zanzibar text.\n")
    write(paths.corpus, "d.txt", b"Emptied zanzibar.\n")
    listed = ingest.article_files

    def list_then_change(folder, problems=None):
        files = listed(folder, problems)
        (folder / "b.txt").unlink()
        (folder / "c.txt").write_bytes(b"New zanzibar text, longer than before.\n")
        (folder / "d.txt").write_bytes(b"")
        return files

    monkeypatch.setattr(ingest, "article_files", list_then_change)
    report = index.update(paths.corpus, paths.index)
    assert reasons(report) == {"b.txt": "skipped: file vanished or is a broken link",
                               "d.txt": "skipped: empty file"}
    monkeypatch.undo()
    explorer = Explorer.open(paths, build=False)
    assert sorted(hit.text for hit in explorer.search("zanzibar").hits) == \
        ["New zanzibar text, longer than before.", "Stays zanzibar."]
    explorer.close()
    again = index.update(paths.corpus, paths.index)  # what was indexed is what is on disk now
    assert (again.reindexed, again.removed) == ([], [])


def test_a_file_changed_after_it_was_read_is_picked_up_next_time(tmp_path, monkeypatch):
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "a.txt", b"First zanzibar version.\n")
    write(paths.corpus, "b.txt", b"Other.\n")
    index.update(paths.corpus, paths.index)
    (paths.corpus / "a.txt").write_bytes(b"Second zanzibar version.\n")
    read = ingest.read_bytes

    def read_then_change(path):
        data = read(path)
        if path.name == "a.txt":  # an editor saves again while the build runs
            path.write_bytes(b"Third zanzibar version, saved mid-build.\n")
        return data

    monkeypatch.setattr(ingest, "read_bytes", read_then_change)
    assert index.update(paths.corpus, paths.index).reindexed == ["a"]
    monkeypatch.undo()
    explorer = Explorer.open(paths, build=False)
    assert [hit.text for hit in explorer.search("zanzibar").hits] == ["Second zanzibar version."]
    explorer.close()
    # the digest was of the bytes indexed, so the newer file is seen as changed: nothing is lost
    assert index.update(paths.corpus, paths.index).reindexed == ["a"]
    explorer = Explorer.open(paths, build=False)
    assert [hit.text for hit in explorer.search("zanzibar").hits] == \
        ["Third zanzibar version, saved mid-build."]
    explorer.close()


def test_a_file_growing_past_the_limit_while_read_is_skipped(tmp_path, monkeypatch):
    paths = corpus_paths(tmp_path)
    write(paths.corpus, "a.txt", b"Zanzibar.\n")
    grows = write(paths.corpus, "grows.txt", b"Small at first.\n")
    real_stat = Path.stat

    def stat_then_grow(self, *args, **kwargs):
        result = real_stat(self, *args, **kwargs)
        if self == grows and result.st_size < 100:
            with open(grows, "ab") as handle:  # appended to after the size was checked
                handle.write(b"x" * (ingest.MAX_FILE_BYTES + 10))
        return result

    monkeypatch.setattr(Path, "stat", stat_then_grow)
    report = index.update(paths.corpus, paths.index)
    assert reasons(report) == {"grows.txt": "skipped: too large (> 5 MB)"}
    assert report.articles == 1


# --- the app on a corpus with nothing in it -----------------------------------------------------

async def test_the_app_opens_on_an_empty_corpus(tmp_path, settle, screen_text):
    from tui.app import ExplorerApp

    paths = corpus_paths(tmp_path)
    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"gwadar", "enter", "tab", "enter", "j", "k")
        await settle(pilot)
        assert app.is_running
        assert "no paragraphs match" in screen_text(app)


async def test_the_app_searches_the_last_index_when_the_corpus_folder_is_gone(tmp_path, settle):
    """The index was built, then the corpus folder was moved away: the app opens the index as it
    was, says why it cannot update it in one line, and searches."""
    import shutil

    from tui.app import ExplorerApp
    from tui.search import Explorer

    paths = corpus_paths(tmp_path)
    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", paths.corpus, dirs_exist_ok=True)
    Explorer.build(paths)
    paths.corpus.rename(tmp_path / "moved")
    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [(n.title, n.message) for n in app._notifications] == [
            ("Index", f"corpus folder not found: {paths.corpus}; searching the index as it was")]
        await pilot.press("slash", *"gwadar")
        await settle(pilot)
        assert len(app.screen.results.hits) == 2
