"""Snapshot tests of the main screen (pytest-textual-snapshot).

Update the baselines after a deliberate change with ``pytest tests/test_app_snapshots.py
--snapshot-update`` and look at the report before committing tests/__snapshots__. The pictures
hold no clock, no blinking cursor and no paths: the corpus is a copy of the seeds in tmp_path.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.app import ExplorerApp


@pytest.fixture
def explorer(tui_paths, tmp_path) -> ExplorerApp:
    return ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")


@pytest.fixture
def searched(settle):
    """A run_before that waits for the index, types a query and turns the cursor blink off."""

    def after(query: str):
        async def run_before(pilot) -> None:
            await settle(pilot)
            search = pilot.app.screen.query_one("#query", Input)
            search.cursor_blink = False
            search.value = query
            await settle(pilot)

        return run_before

    return after


def test_main_screen_wide(snap_compare, explorer, searched):
    assert snap_compare(explorer, terminal_size=(120, 40), run_before=searched("gwadar"))


def test_main_screen_80x24(snap_compare, explorer, searched):
    assert snap_compare(explorer, terminal_size=(80, 24), run_before=searched(""))
