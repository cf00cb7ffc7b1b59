"""The installed ``tui`` in a real terminal: tmux on a private server, driven with send-keys.

Types a query, opens the first hit, bookmarks it through the dialog and quits, asserting on the
text tmux shows and on the bookmarks file. Every path is in tmp_path; the server is killed after.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tui.bookmarks import BookmarkStore

TUI = Path(sys.executable).parent / "tui"


@pytest.fixture(autouse=True)
def tmux_installed() -> None:
    # A skipped real-terminal test proves nothing: fail loudly instead (.ci/run installs tmux).
    if shutil.which("tmux") is None:
        pytest.fail("this test needs tmux: apt-get install -y tmux")


class Tmux:
    def __init__(self) -> None:
        self.server = f"tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.server, *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=check, timeout=10)

    def start(self, command: str, width: int, height: int) -> None:
        """A detached session running ``command``; the server it starts must not hold our pipes."""
        subprocess.run(["tmux", "-L", self.server, "new-session", "-d", "-s", "tui",
                        "-x", str(width), "-y", str(height), command],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=10)

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "tui").stdout

    def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {texts!r}; the screen was:\n{shown}")
            time.sleep(0.05)

    def running(self) -> bool:
        return self("has-session", "-t", "tui", check=False).returncode == 0


def test_search_open_bookmark_and_quit_in_a_real_terminal(tui_paths, tmp_path):
    env = {"TUI_CORPUS": tui_paths.corpus, "TUI_INDEX": tui_paths.index,
           "TUI_BOOKMARKS": tui_paths.bookmarks, "XDG_CONFIG_HOME": tmp_path / "config"}
    command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), str(TUI)])
    tmux = Tmux()
    try:
        tmux.start(command, 120, 40)
        tmux.wait_for("1 Results", "27 paragraphs")
        tmux("send-keys", "-t", "tui", "-l", "gwadar")
        tmux.wait_for("2 paragraphs", "Karachi and Gwadar")
        tmux("send-keys", "-t", "tui", "Enter")  # to the results ...
        tmux.wait_for("⏎ Open")  # ... once they have the focus (the footer shows their keys)
        tmux("send-keys", "-t", "tui", "Enter")  # open the first hit
        tmux.wait_for("2 matches", "10 Tokayev said discussions")
        tmux("send-keys", "-t", "tui", "b")
        tmux.wait_for("Bookmark this passage", "Note (optional)")
        tmux("send-keys", "-t", "tui", "Enter")  # accept the dialog as it is
        shown = tmux.wait_for("★ 10 Tokayev said")
        assert "Bookmark this passage" not in shown
        [bookmark] = BookmarkStore(tui_paths.bookmarks).load()
        assert (bookmark.article, bookmark.paragraph) == ("001_b7e318ca484bc110", 10)
        assert bookmark.quote.startswith("Tokayev said discussions included the potential use")
        tmux("send-keys", "-t", "tui", "q")
        deadline = time.monotonic() + 10
        while tmux.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not tmux.running()  # q quit the app, and its session with it
    finally:
        tmux("kill-server", check=False)
