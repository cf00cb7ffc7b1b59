"""The query API served from a process of its own (what the app searches through)."""

from __future__ import annotations

import os
import shutil
import signal

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
        assert service.info == here.info()
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


def test_a_search_a_newer_one_replaces_before_it_starts_is_not_run(service):
    os.kill(service.pid, signal.SIGSTOP)  # both wait for it
    try:
        stale = service.call("search", "gwadar", skippable=True)
        kept = service.call("article", "000_ccb5cf8ea570b8ca")  # not skippable: always run
        newer = service.call("search", "karachi", skippable=True)
    finally:
        os.kill(service.pid, signal.SIGCONT)
    assert stale.wait() is None
    assert kept.wait().info.id == "000_ccb5cf8ea570b8ca"
    assert newer.wait().query == "karachi"


def test_a_missing_index_is_an_index_problem(tui_paths):
    shutil.rmtree(tui_paths.index)
    with pytest.raises(IndexProblem):
        SearchService(tui_paths)


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
