"""A damaged, foreign, busy, read-only or full index: searching goes on, nothing is half-written.

Damaged files (truncated, deleted or garbage segments, TOC and manifest; an older schema) are
tests/test_index.py::test_damaged_index_is_rebuilt_with_a_notice. Here: a manifest from another
version, the write lock held by another process, a read-only index folder and a full disk. Root
ignores permissions and tests cannot mount, so a read-only folder and a full disk are simulated
by patching the calls that write (EROFS, ENOSPC), below the code under test.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tui import index
from tui.cli import main
from tui.paths import Paths
from tui.search import Explorer

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SECOND = "001_b7e318ca484bc110"


@pytest.fixture
def paths(tui_paths) -> Paths:
    """A private copy of the seeds with an up-to-date index (conftest.tui_paths)."""
    return tui_paths


def tui(paths: Paths, capsys, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--corpus", str(paths.corpus), "--index", str(paths.index)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def add_zanzibar(paths: Paths, n: int = 0) -> None:
    with (paths.corpus / f"{SECOND}.txt").open("a", encoding="utf-8") as handle:
        handle.write(f"\nA new paragraph about the zanzibar{n} question.\n")


def leftovers(paths: Paths) -> list[str]:
    """Anything a failed write may have left: a half build, a swapped-out copy, a temporary manifest."""
    return sorted(str(p.relative_to(paths.index)) for p in paths.index.rglob("*")
                  if p.name in ("data.new", "data.old") or p.name.endswith(".tmp"))


# --- a manifest from another version -----------------------------------------------------------

CHANGES = {
    "newer schema": lambda m: {**m, "schema": 99},
    "schema as text": lambda m: {**m, "schema": "1"},
    "sectors not a list": lambda m: {**m, "sectors": "energy"},
    "sector without a path": lambda m: {**m, "sectors": [{"name": "Energy"}]},
    "window without dates": lambda m: {**m, "window": {"name": "Visit"}},
    "article without a title": lambda m: {**m, "articles": {
        k: {kk: vv for kk, vv in v.items() if kk != "title"} for k, v in m["articles"].items()}},
    "mentions of another shape": lambda m: {**m, "articles": {
        k: {**v, "mentions": {"1": [{"at": 3}]}} for k, v in m["articles"].items()}},
    "events not a list": lambda m: {**m, "events": {"a": 1}},
    "a list, not a table": lambda m: [m],
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_manifest_written_by_another_version_is_rebuilt_not_a_crash(paths, capsys, change):
    manifest = paths.index / "data" / "manifest.json"
    manifest.write_text(json.dumps(CHANGES[change](json.loads(manifest.read_text()))))
    for command in (["sectors"], ["timeline"], ["articles"], ["read", SECOND], ["search", "gwadar"]):
        code, out, err = tui(paths, capsys, *command)
        assert code == 0, (command, err)
        if command == ["sectors"]:  # the first one rebuilds, saying why in one line
            assert err.startswith("tui: rebuilding the index:") and err.count("\n") == 1
        else:
            assert err == ""
    assert json.loads(out)["total"] == 2 if out.startswith("{") else "2 paragraphs" in out


# --- the write lock held by another process ----------------------------------------------------

@contextmanager
def lock_held_elsewhere(root: Path, release_after: float | None = None):
    """Another process holds the index's write lock until the block ends (or ``release_after``)."""
    root.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys\n"
         f"handle = open({str(root / '.write.lock')!r}, 'a+')\n"
         "fcntl.flock(handle, fcntl.LOCK_EX)\nprint('held', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    timer = threading.Timer(release_after, holder.stdin.close) if release_after else None
    if timer:
        timer.start()
    try:
        yield holder
    finally:
        if timer:
            timer.cancel()
        if not holder.stdin.closed:
            holder.stdin.close()
        holder.wait(10)


def test_search_answers_at_once_while_another_process_updates(paths, capsys):
    # before: every command waited 30 s for the lock, then failed with exit 2
    add_zanzibar(paths)  # the index is behind the corpus, and cannot catch up now
    with lock_held_elsewhere(paths.index):
        started = time.monotonic()
        code, out, err = tui(paths, capsys, "search", "gwadar", "--json")
        assert time.monotonic() - started < 5
        assert code == 0 and json.loads(out)["total"] == 2
        assert err == "tui: the index is being updated by another process; searching it as it was\n"
        assert tui(paths, capsys, "search", "zanzibar0")[0] == 1  # the old index, as it was
        explorer = Explorer.open(paths, build=False)
        assert explorer.updating
        explorer.close()
    assert tui(paths, capsys, "search", "zanzibar0")[0] == 0  # released: brought up to date


def test_index_waits_for_the_other_writer_then_updates(paths, capsys):
    # `tui index` with the lock never released: tests/test_index.py::test_searching_works_while_another_process_holds_the_write_lock
    add_zanzibar(paths)
    with lock_held_elsewhere(paths.index, release_after=1.5):
        started = time.monotonic()
        code, out, err = tui(paths, capsys, "index")
        assert time.monotonic() - started >= 1.4
    assert (code, err) == (0, "") and "1 re-indexed" in out


def test_a_first_build_elsewhere_is_waited_for(tmp_path, capsys):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    paths = Paths(tmp_path / "seeds", tmp_path / "index", tmp_path / "bookmarks.toml")
    with lock_held_elsewhere(paths.index, release_after=1.5):  # no index to fall back on yet
        code, out, err = tui(paths, capsys, "search", "gwadar")
    assert code == 0 and out.startswith("2 paragraphs") and err == ""


async def test_the_app_opens_and_says_so_while_another_process_updates(paths, tmp_path, settle,
                                                                       screen_text):
    from tui.app import ExplorerApp
    from tui.app.widgets.results import ResultsList

    add_zanzibar(paths)  # behind the corpus: the app would update the index if it could
    with lock_held_elsewhere(paths.index):
        app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
        async with app.run_test(size=(140, 40)) as pilot:
            started = time.monotonic()
            await settle(pilot)
            assert time.monotonic() - started < 5  # before: 30 s, then an error and no index
            assert len(app.screen.query_one(ResultsList).hits) == 27
            assert [(n.title, n.message) for n in app._notifications] == [
                ("Index", "the index is being updated by another process; searching it as it was")]
            await pilot.press("slash", *"gwadar")
            await settle(pilot)
            assert len(app.screen.query_one(ResultsList).hits) == 2


async def test_the_app_keeps_searching_when_an_update_starts_while_it_is_open(paths, tmp_path,
                                                                               settle):
    from tui.app import ExplorerApp
    from tui.app.widgets.results import ResultsList

    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title == "2 articles · 27 paragraphs"
        with lock_held_elsewhere(paths.index):
            app.screen.refresh_index()  # what its timer runs every WATCH_EVERY seconds
            await settle(pilot)
            assert [(n.title, n.message) for n in app._notifications][-1:] == [
                ("Index", "Another process is updating the index; searching it as it was")]
            assert app.sub_title == "2 articles · 27 paragraphs · the index is being updated…"
            await pilot.press("slash", *"gwadar")
            await settle(pilot)
            assert len(app.screen.query_one(ResultsList).hits) == 2
            assert app.is_running
        app.screen.refresh_index()
        await settle(pilot)
        assert app.sub_title == "2 articles · 27 paragraphs"  # the update is over


# --- a read-only index folder ------------------------------------------------------------------

@contextmanager
def refusing_writes(monkeypatch, root: Path, error: int, after_bytes: int | None = None):
    """Writes below ``root`` fail with ``error``: at once, or once ``after_bytes`` are written.

    Patches open (builtins and io, which pathlib uses), os.open, and the calls that make, move or
    remove files, so every layer (ours, Whoosh's) meets the error where the kernel would give it.
    """
    root = os.path.realpath(root)
    budget = [after_bytes]

    def below(path) -> bool:
        try:
            return os.path.realpath(os.fsdecode(path)).startswith(root)
        except TypeError:
            return False

    def refuse(path):
        raise OSError(error, os.strerror(error), os.fsdecode(path))

    class Disk(io.FileIO):
        def write(self, data):
            budget[0] -= len(data)
            if budget[0] < 0:
                refuse(self.name)
            return super().write(data)

    real_open, real_os_open = builtins.open, os.open

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and below(file) and set(mode) & set("wax+"):
            if budget[0] is None:
                refuse(file)
            if mode in ("wb", "ab"):
                return io.BufferedWriter(Disk(file, mode[0]))
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if budget[0] is None and kwargs.get("dir_fd") is None and below(path) and \
                flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    if after_bytes is None:
        for name in ("mkdir", "rename", "replace", "remove", "unlink", "rmdir"):
            def refused(path, *args, _real=getattr(os, name), **kwargs):
                if below(path):
                    refuse(path)
                return _real(path, *args, **kwargs)
            monkeypatch.setattr(os, name, refused)
    try:
        yield
    finally:
        monkeypatch.undo()


def test_a_read_only_index_is_searched_as_it_is(paths, capsys, monkeypatch):
    # before: every command failed with "Read-only file system: index/.write.lock", exit 2
    add_zanzibar(paths)
    with refusing_writes(monkeypatch, paths.index, errno.EROFS):
        code, out, err = tui(paths, capsys, "search", "gwadar")
        assert code == 0 and out.startswith("2 paragraphs")
        assert err == "tui: cannot update the index (Read-only file system); searching it as it was\n"
        code, out, err = tui(paths, capsys, "index")
        assert (code, out) == (2, "")
        assert err == f"tui: Read-only file system: {os.path.realpath(paths.index / '.write.lock')}\n"
    assert leftovers(paths) == []


def test_a_read_only_folder_without_an_index_is_one_line(tmp_path, capsys, monkeypatch):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    paths = Paths(tmp_path / "seeds", tmp_path / "index", tmp_path / "bookmarks.toml")
    with refusing_writes(monkeypatch, tmp_path / "index", errno.EROFS):
        code, out, err = tui(paths, capsys, "search", "gwadar")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("tui: Read-only file system:")


# --- a full disk -------------------------------------------------------------------------------

@pytest.mark.parametrize("budget", [0, 20_000])  # at the first byte, or part-way through a segment
def test_a_full_disk_during_a_rebuild_leaves_the_old_index(paths, capsys, monkeypatch, budget):
    # the build side alone: tests/test_index.py::test_a_failed_build_leaves_the_old_index_and_no_partial_one
    with refusing_writes(monkeypatch, paths.index, errno.ENOSPC, after_bytes=budget):
        code, out, err = tui(paths, capsys, "index", "--rebuild")
    assert (code, out) == (2, "")
    assert err.startswith("tui: No space left on device") and err.count("\n") == 1
    assert leftovers(paths) == []
    code, out, err = tui(paths, capsys, "search", "gwadar")  # the old index, untouched
    assert (code, err) == (0, "") and out.startswith("2 paragraphs")


def test_a_full_disk_during_an_update_loses_nothing(paths, capsys, monkeypatch):
    add_zanzibar(paths, 1)
    with refusing_writes(monkeypatch, paths.index, errno.ENOSPC, after_bytes=2_000):
        code, out, err = tui(paths, capsys, "index")
        assert (code, out) == (2, "") and err.startswith("tui: No space left on device")
        code, out, err = tui(paths, capsys, "search", "gwadar")  # the app and searches go on
        assert code == 0 and out.startswith("2 paragraphs")
        assert err == "tui: cannot update the index (No space left on device); searching it as it was\n"
    code, out, err = tui(paths, capsys, "search", "zanzibar1")  # space again: caught up
    assert code == 0 and f"{SECOND}:13" in out
    assert leftovers(paths) == []
    assert tui(paths, capsys, "search", "gwadar")[1].startswith("2 paragraphs")


def test_a_full_disk_while_saving_the_manifest(paths, capsys, monkeypatch):
    add_zanzibar(paths, 2)

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, err = tui(paths, capsys, "index")
    assert (code, out) == (2, "") and err == "tui: No space left on device\n"
    monkeypatch.undo()
    code, out, err = tui(paths, capsys, "search", "zanzibar2")
    assert code == 0 and f"{SECOND}:13" in out
    assert leftovers(paths) == []


async def test_the_apps_own_update_is_not_called_another_process(paths, tmp_path, settle,
                                                                monkeypatch):
    """The app opens the index as it was and updates it in a worker, holding the write lock; its
    index watch must not say that another process is updating the index meanwhile."""
    from tui.app import ExplorerApp
    from tui.app.corpus import Corpus
    from tui.index.lock import write_lock

    release, real_update = threading.Event(), Corpus.update

    def slow_update(self, *args, **kwargs):
        with write_lock(paths.index):  # as a long build holds it
            release.wait(10)
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(Corpus, "update", slow_update)
    add_zanzibar(paths)
    app = ExplorerApp(paths, keymap_file=tmp_path / "keymap.toml")
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(100):  # until the index is open and the update worker holds the lock
            await pilot.pause(0.02)
            if app.screen.corpus is not None and app.screen.corpus.updating:
                break
        app.screen.refresh_index()  # what its timer runs every WATCH_EVERY seconds
        await pilot.pause(0.2)
        assert "being updated" not in app.sub_title
        release.set()
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert not any("Another process" in m for m in messages)
        assert "The index was updated; results refreshed" in messages
        assert app.sub_title == "2 articles · 28 paragraphs"  # the new paragraph is in



def test_reading_ahead_in_a_damaged_segment_is_left_to_the_search(paths, monkeypatch):
    """The app reads ahead what any first search needs (Explorer.warm) while the user starts to
    type; a segment that cannot be read does not end the app there: the search that needs it
    says what is wrong."""
    from tui.index import read

    def damaged(reader, field):
        raise EOFError("truncated")

    explorer = Explorer.open(paths)
    try:
        monkeypatch.setattr(read, "segment_lengths", damaged)
        explorer.warm()  # raises nothing
        with pytest.raises(index.QueryError, match="could not be run"):
            explorer.search("pakistan")
    finally:
        explorer.close()
