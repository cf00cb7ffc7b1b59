"""The query API served from a process of its own, so that searching and drawing run at once.

The app's searches used to run in a thread of its own process: Python runs one thread at a time,
so the search of a keystroke waited for that keystroke's echo to be painted, and the results'
paint for the search. Here an Explorer lives in a child process (``SearchService``): a request
is sent the moment the key is handled and is answered while the app paints, on the other core.

Requests are answered in the order they were sent. A request may belong to a ``generation`` (a
search as typed, and the rest of its results and its counts, asked after it): once the child has
been sent a request of a newer generation it answers the older ones ``None`` without running
them, so a fast typist's stale searches are dropped instead of queued.

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
import weakref
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .errors import IndexProblem
from .paths import Paths

if TYPE_CHECKING:
    from .answers import CorpusInfo

# Requests after the first of which the child moves every object alive out of the collector's
# reach: the index they load is long-lived, and a full collection walking it (millions of objects
# at 100k paragraphs) paused a search for 50-130 ms. Only the first (for each open index): what
# is frozen is never collected, and each request leaves some garbage.
_FREEZE_AFTER = {"warm", "sector_tree", "timeline", "timeline_page"}
STOPPED = "the search process stopped"
# Allocations between two of Python's automatic collections of young objects (700 by default,
# 5-8 of them in a search or a paint of new results, ~1.5 ms). The app's two processes collect
# when idle instead; this many is the safety net.
YOUNG_THRESHOLD = 100_000
QUIET = 0.03  # seconds the child leaves the machine to the app after an answer, before its own work


class SearchService:
    """An Explorer in a child process; ``call`` asks it something and returns a Reply at once.

    Made, it has started the child, which opens the index meanwhile: the app starts it before it
    imports Textual, so that the index is open by its first frame. ``opened`` waits for that.
    """

    def __init__(self, paths: Paths) -> None:
        from multiprocessing.connection import Connection

        self.paths = paths
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
        # Answers come in order, read by one waiting thread at a time (the reader), which hands
        # each to its Reply and wakes the others: no answer waits behind a later one.
        self._arrived = threading.Condition()
        self._reading = False
        self._wanted: weakref.WeakValueDictionary[int, Reply] = weakref.WeakValueDictionary()
        self.stopped: str | None = None  # why no more answers will come
        self._closed = False
        self._opened = self._reply(0)  # the child's first answer: the index opened, or why not
        try:
            self._conn.send(paths)
        except OSError:
            self._stop(STOPPED)

    def opened(self) -> "CorpusInfo":
        """Wait for the child to open the index: its facts, or the error that stopped it (then
        the child is gone)."""
        try:
            return self._opened.wait()
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def call(self, name: str, *args: Any, generation: int | None = None, **kwargs: Any) -> "Reply":
        """Send ``Explorer.name(*args, **kwargs)`` to the child now (an attribute's value if it is
        not a method); the Reply waits for its answer. Never raises: a child that is gone is
        the Reply's IndexProblem."""
        with self._sending:
            reply = self._reply(next(self._numbers))
            if self.stopped is None:
                try:
                    self._conn.send((reply.number, name, args, kwargs, generation))
                except OSError:
                    self._stop(STOPPED)
        return reply

    def ask(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``call`` and wait for the answer."""
        return self.call(name, *args, **kwargs).wait()

    def _reply(self, number: int) -> "Reply":
        reply = Reply(self, number)
        with self._arrived:
            self._wanted[number] = reply  # an answer nobody holds a Reply for is dropped
        return reply

    def _wait(self, reply: "Reply") -> None:
        """Until ``reply`` has its answer, or no answer can come (then IndexProblem)."""
        while True:
            with self._arrived:
                while reply.answer is None and self._reading:
                    self._arrived.wait()
                if reply.answer is not None:
                    return
                if self.stopped is not None:
                    raise IndexProblem(self.stopped)
                self._reading = True
            try:
                got = self._conn.recv()  # the next answer, whoever's it is
            except Exception:  # gone (EOFError, OSError), or an answer that cannot be read
                got = None
            with self._arrived:
                self._reading = False
                if got is None:
                    self._stop(STOPPED)
                else:
                    number, ok, value = got
                    if number == 0 and not ok:  # it could not open the index: say why, not
                        self._stop(str(value) or type(value).__name__)  # "stopped"
                    waiting = self._wanted.pop(number, None)
                    if waiting is not None:
                        waiting.answer = (ok, value)
                if self._closed:  # close() left the connection to this reader
                    self._conn.close()
                self._arrived.notify_all()

    def _stop(self, why: str) -> None:
        if self.stopped is None:
            self.stopped = why

    def close(self) -> None:
        """Stop the child. It only ever reads the index: if it does not stop at once (busy with
        a long request), it is killed, so that quitting never waits for a search."""
        with self._sending:
            if self.stopped is None:
                try:
                    self._conn.send((0, "close", (), {}, None))
                except OSError:
                    pass
            self._stop("the index is closed")
        try:
            self._process.wait(0.2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        with self._arrived:
            self._closed = True
            if not self._reading:  # else the reader closes it, once its recv has returned
                self._conn.close()


class Reply:
    """The answer to one request, once it comes."""

    def __init__(self, service: SearchService, number: int) -> None:
        self.number = number
        self.answer: tuple | None = None  # (ok, value) once it came
        self._service = service

    def wait(self) -> Any:
        """The value the child returned (None for a request it dropped); what it raised is
        raised. Asked again, the same."""
        if self.answer is None:
            self._service._wait(self)
        ok, value = self.answer
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
    newest = 0  # the newest generation sent
    frozen_after: set[str] = set()
    ahead: Iterator[None] = iter(())  # reading ahead for the last search, a step at a time
    try:
        while True:
            # Idle: once the app has had QUIET to take the answer in and paint it (work here
            # meanwhile slowed its paint: two processes share the machine), collect the young
            # garbage and read ahead, a step at a time while nothing is asked.
            if not waiting and not conn.poll(QUIET):
                while not conn.poll():
                    if _step(ahead) is _DONE:
                        gc.collect(1)
                        break
            if not waiting:
                waiting.append(conn.recv())
            while conn.poll():
                waiting.append(conn.recv())
            newest = max([newest, *(request[4] or 0 for request in waiting)])
            number, name, args, kwargs, generation = waiting.popleft()
            if name == "close":
                break
            if generation is not None and generation < newest:
                conn.send((number, True, None))  # stale: a newer search has been asked for
                continue
            try:
                value = getattr(explorer, name)
                answer = (number, True, value(*args, **kwargs) if callable(value) else value)
            except Exception as err:
                answer = (number, False, _portable(err))
            try:
                conn.send(answer)
            except (EOFError, OSError):
                raise
            except Exception as err:  # an answer that cannot be pickled
                conn.send((number, False, IndexProblem(f"cannot send the answer to {name}: {err}")))
            if name in _FREEZE_AFTER - frozen_after:
                frozen_after.add(name)
                gc.freeze()
            elif name == "refresh" and answer[2] is True:  # a newer index: the old one's
                gc.unfreeze()  # objects may be garbage now, the new one's to freeze
                frozen_after.clear()
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
