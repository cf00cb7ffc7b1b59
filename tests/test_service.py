"""The query API served from a process of its own (what the app searches through)."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from tui.errors import IndexProblem, QueryError
from tui.search import Explorer
from tui.service import SearchService


@pytest.fixture
def service(tui_paths):
    opened = SearchService(tui_paths)
    yield opened
    opened.close()


def test_it_answers_in_another_process_as_the_explorer_does(service, tui_paths):
    with Explorer.open(tui_paths, build=False) as here:
        assert service.ask("search", "gwadar ports", limit=5) == here.search("gwadar ports", limit=5)
        assert service.ask("sector_tree", "gwadar") == here.sector_tree("gwadar")
        assert service.ask("timeline", "gwadar", None) == here.timeline("gwadar")
        page = service.ask("timeline_page", "", None, 3)
        assert page.events == tuple(here.timeline()[page.first:page.first + 3])
        assert page.total == len(here.timeline()) > 3
        assert service.opened() == here.info()
        assert service.ask("updating") is False
    assert service.pid not in (None, os.getpid())


def test_what_it_raises_is_raised_here(service, tui_paths):
    with Explorer.open(tui_paths, build=False) as here, pytest.raises(QueryError) as expected:
        here.search('"unbalanced')
    with pytest.raises(QueryError) as raised:
        service.ask("search", '"unbalanced')
    assert str(raised.value) == str(expected.value)
    with pytest.raises(KeyError):
        service.ask("article", "no-such-article")
    assert service.ask("search", "gwadar").total == 2  # and it goes on answering


def test_what_an_older_search_asked_is_dropped_once_a_newer_one_is_asked(service):
    os.kill(service.pid, signal.SIGSTOP)  # all of these wait for it
    try:
        stale = service.call("search", "gwadar", generation=1)
        kept = service.call("article", "000_ccb5cf8ea570b8ca")  # of no generation: always run
        newer = service.call("search", "karachi", generation=2)
        late = service.call("sector_tree", "gwadar", generation=1)  # sent after, but older
        rest = service.call("search", "karachi", limit=50, generation=2)
    finally:
        os.kill(service.pid, signal.SIGCONT)
    assert stale.wait() is None and late.wait() is None
    assert kept.wait().info.id == "000_ccb5cf8ea570b8ca"
    assert newer.wait().query == rest.wait().query == "karachi"


_SLOW_SECOND = """
import os, sys, time
from multiprocessing.connection import Connection
conn = Connection(int(sys.argv[1]))
conn.recv()
conn.send((0, True, "opened"))
for _ in range(2):
    number, name, *_ = conn.recv()
    while name == "second" and not os.path.exists(os.environ["RELEASE"]):
        time.sleep(0.01)
    conn.send((number, True, name))
"""


def test_an_answer_that_came_is_not_held_behind_a_later_one(tui_paths, tmp_path, monkeypatch):
    # a thread waiting for a slow answer reads the answers that come before it: it must hand them
    # over at once, not keep them until its own comes
    monkeypatch.setattr("tui.service._CHILD", _SLOW_SECOND)
    monkeypatch.setenv("RELEASE", str(tmp_path / "release"))
    service = SearchService(tui_paths)
    try:
        assert service.opened() == "opened"
        first, second = service.call("first"), service.call("second")
        got = {}
        slow = threading.Thread(target=lambda: got.update(second=second.wait()))
        slow.start()
        while not service._reading:  # the slow one is the reader
            time.sleep(0.001)
        quick = threading.Thread(target=lambda: got.update(first=first.wait()))
        quick.start()
        quick.join(10)
        assert got == {"first": "first"}  # while the second is still on its way
        (tmp_path / "release").touch()
        slow.join(10)
        assert got == {"first": "first", "second": "second"}
    finally:
        service.close()


def test_a_missing_index_is_an_index_problem(tui_paths):
    shutil.rmtree(tui_paths.index)
    service = SearchService(tui_paths)  # started: it says what stopped it once asked
    with pytest.raises(IndexProblem, match="no index"):
        service.opened()
    with pytest.raises(IndexProblem, match="no index"):  # why, not just that it stopped
        service.ask("search", "gwadar")


def test_a_process_that_died_is_an_index_problem_not_a_hang(service):
    os.kill(service.pid, signal.SIGKILL)
    with pytest.raises(IndexProblem, match="the search process stopped"):
        service.ask("search", "gwadar")
    with pytest.raises(IndexProblem):  # and at once from then on
        service.call("search", "gwadar").wait()


def test_closing_it_ends_the_process(service):
    service.close()
    assert service._process.poll() is not None
    with pytest.raises(IndexProblem, match="closed"):
        service.ask("search", "gwadar")


def test_a_search_process_started_again_on_a_removed_index_says_why(tui_paths):
    from tui.app.corpus import Corpus, Request

    corpus = Corpus(SearchService(tui_paths))
    try:
        os.kill(corpus.pid, signal.SIGKILL)
        shutil.rmtree(tui_paths.index)
        with pytest.raises(IndexProblem, match="no index"):
            corpus.find(Request("gwadar"), limit=5)
        assert corpus.updating is False and corpus.refresh() is False  # the watch stays quiet
    finally:
        corpus.close()


def test_taking_its_answers_in_does_not_load_the_index_code(tui_paths):
    """The app waits for its first answers before it is interactive: unpickling them must not
    import Whoosh (or the index package), which took 100 ms on the seeds."""
    script = (
        "import sys, pickle\n"
        "from tui.service import SearchService\n"
        "service = SearchService(pickle.loads(sys.stdin.buffer.read()))\n"
        "service.opened()\n"
        "service.ask('search', 'gwadar', limit=5); service.ask('sector_tree', 'gwadar')\n"
        "service.close()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('whoosh', 'tui.index', 'tui.search'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(tui_paths),
                          capture_output=True, timeout=60, check=True)
    assert done.stdout.decode().strip() == "[]"
