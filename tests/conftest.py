"""Shared fixtures: a private copy of the seeds with its index, and helpers to drive a Textual app.

Nothing here touches the repository's index/ or the user's home: every path is under tmp_path.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest

from tui.paths import Paths

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory) -> Paths:
    """The seeds and their index, built once per session; copy them (tui_paths), never change them."""
    from tui.search import Explorer

    root = tmp_path_factory.mktemp("seeded")
    shutil.copytree(SEEDS, root / "seeds")
    paths = Paths(root / "seeds", root / "index", root / "bookmarks.toml")
    Explorer.build(paths)
    return paths


@pytest.fixture
def tui_paths(tmp_path, seeded_index) -> Paths:
    """A private copy of the seeds and their index in tmp_path, and a bookmarks file there."""
    shutil.copytree(seeded_index.corpus, tmp_path / "seeds")
    shutil.copytree(seeded_index.index, tmp_path / "index")
    return Paths(tmp_path / "seeds", tmp_path / "index", tmp_path / "bookmarks.toml")


@pytest.fixture
def settle():
    """``await settle(pilot)``: wait until the app's workers have finished and their results shown."""

    async def settle(pilot, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await pilot.pause()
            if not any(worker.is_running or worker.state.name == "PENDING"
                       for worker in pilot.app.workers):
                await pilot.pause()
                return
            await pilot.pause(0.02)
        raise TimeoutError("the app's workers did not finish")

    return settle


@pytest.fixture
def screen_text():
    """``screen_text(app)``: the characters on the app's screen now, as the user sees them."""
    from rich.console import Console

    def screen_text(app) -> str:
        width, height = app.size
        console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                          color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
        console.print(app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True))
        return console.export_text(styles=False)

    return screen_text
