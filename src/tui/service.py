"""The query API served from a process of its own, so that searching and drawing run at once.

The app's searches used to run in a thread of its own process: Python runs one thread at a time,
so the search of a keystroke waited for that keystroke's echo to be painted, and the results'
paint for the search. Here an Explorer lives in a child process (``SearchService``): a request
is sent the moment the key is handled and is answered while the app paints, on the other core.

Requests are answered in the order they were sent. One marked ``skippable`` (a search, or the
counts for one, that a newer request of the same kind makes useless) is not run if another
skippable request is already waiting behind it: it is answered ``None``. A fast typist's stale
searches are dropped instead of queued.

Nothing here imports Whoosh (the child does, through ``tui.search``) or Textual.
"""

from __future__ import annotations

import gc
import itertools
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Any, Iterator

from .errors import IndexProblem
from .paths import Paths

# Requests after which the child moves every object alive out of the collector's reach: the index
# they load is long-lived, and a full collection walking it (millions of objects at 100k
# paragraphs) paused a search for 50-130 ms.
_FREEZE_AFTER = {"warm", "sector_tree", "timeline"}
STOPPED = "the search process stopped; start tui again to search"
# Allocations between two of Python's automatic collections of young objects (700 by default,
# 5-8 of them in a search or a paint of new results, ~1.5 ms). The app's two processes collect
# when idle instead; this many is the safety net.
YOUNG_THRESHOLD = 100_000


class SearchService:
    """An Explorer in a child process; ``call`` asks it something and returns a Reply at once."""

    def __init__(self, paths: Paths) -> None:
        from multiprocessing.connection import Connection  # not on the way to the first frame

        ours, theirs = socket.socketpair()
        with ours, theirs:
            # A fresh interpreter (not a fork of this threaded one, nor multiprocessing's spawn,
            # which wants the terminal's stderr that Textual has replaced), on its own session:
            # the terminal's signals are the app's. It imports this package from where we did.
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(theirs.fileno()), str(Path(__file__).parents[1])],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
            self._conn = Connection(ours.detach())
        self._numbers = itertools.count(1)
        self._sending = threading.Lock()
        self._receiving = threading.Lock()
        self._replies: dict[int, tuple] = {}
        self._stopped: str | None = None
        try:
            self._conn.send(paths)
            self.info = Reply(self, 0).wait()  # the child's first answer: it opened the index
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def call(self, name: str, *args: Any, skippable: bool = False, **kwargs: Any) -> "Reply":
        """Send ``Explorer.name(*args, **kwargs)`` to the child now (an attribute's value if it is
        not a method); the Reply waits for its answer. Never raises: a child that is gone is
        the Reply's IndexProblem."""
        number = next(self._numbers)
        with self._sending:
            if self._stopped is None:
                try:
                    self._conn.send((number, name, args, kwargs, skippable))
                except OSError:
                    self._stop(STOPPED)
        return Reply(self, number)

    def ask(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``call`` and wait for the answer."""
        return self.call(name, *args, **kwargs).wait()

    def _answer(self, number: int) -> tuple:
        """The child's answer to request ``number``: (ok, value); the answers that come first,
        to other threads' requests, are kept for them."""
        while True:
            with self._receiving:
                if number in self._replies:
                    return self._replies.pop(number)
                self._check()
                try:
                    got, ok, value = self._conn.recv()
                except (EOFError, OSError):
                    self._stop(STOPPED)
                    continue
                self._replies[got] = (ok, value)

    def _stop(self, why: str) -> None:
        if self._stopped is None:
            self._stopped = why

    def _check(self) -> None:
        if self._stopped is not None:
            raise IndexProblem(self._stopped)

    def close(self) -> None:
        """Stop the child (it closes its index) and wait for it, a second at most."""
        if self._stopped is None:
            try:
                with self._sending:
                    self._conn.send((0, "close", (), {}, False))
            except OSError:
                pass
            self._stopped = "the index is closed"
        try:
            self._process.wait(1.0)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()


class Reply:
    """The answer to one request, once it comes."""

    def __init__(self, service: SearchService, number: int) -> None:
        self._service, self._number = service, number

    def wait(self) -> Any:
        """The value the child returned (None for a skipped request); what it raised is raised."""
        ok, value = self._service._answer(self._number)
        if not ok:
            raise value
        return value


# --- the child ----------------------------------------------------------------------------------

_DONE = object()
_CHILD = "import sys; sys.path.insert(0, sys.argv[2]); from tui.service import serve; serve(int(sys.argv[1]))"


def serve(fd: int) -> None:
    """The child's whole life: open the index, answer requests until told to close or orphaned."""
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    paths = conn.recv()
    from .search import Explorer

    try:
        explorer = Explorer.open(paths, build=False)
    except BaseException as err:
        conn.send((0, False, _portable(err)))
        return
    conn.send((0, True, explorer.info()))
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    waiting: deque = deque()
    ahead: Iterator[None] = iter(())  # reading ahead for the last search, a step at a time
    try:
        while True:
            if not waiting:
                while not conn.poll():  # idle: read ahead while nothing is asked
                    if _step(ahead) is _DONE:
                        gc.collect(1)  # between requests, not in one
                        break
                waiting.append(conn.recv())
            while conn.poll():
                waiting.append(conn.recv())
            number, name, args, kwargs, skippable = waiting.popleft()
            if name == "close":
                break
            if skippable and any(later[4] for later in waiting):
                conn.send((number, True, None))
                continue
            try:
                value = getattr(explorer, name)
                value = value(*args, **kwargs) if callable(value) else value
            except Exception as err:
                conn.send((number, False, _portable(err)))
            else:
                conn.send((number, True, value))
            if name in _FREEZE_AFTER:
                gc.freeze()
            # (after a search only: another request may have switched to a newer index)
            ahead = explorer.read_ahead(args[0]) if name == "search" else iter(())
    except (EOFError, OSError):  # the app is gone
        pass
    finally:
        explorer.close()


def _step(ahead: Iterator[None]) -> object:
    """One step of reading ahead; _DONE once there is nothing more (or it failed: it is only
    ever an optimisation, and the search that needs the part will say what is wrong)."""
    try:
        return next(ahead, _DONE)
    except Exception:
        return _DONE


def _portable(err: BaseException) -> BaseException:
    """``err`` if it survives the trip to the app (pickled), else an IndexProblem saying what it was."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return IndexProblem(f"{type(err).__name__}: {err}")
