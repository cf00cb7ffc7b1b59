"""Load: the app stays open while another process re-indexes the corpus ten times.

Each round changes one article (a new word in it), runs `tui index` in a subprocess (every other
round with --rebuild, which swaps the whole index folder) and keeps searching in the app while it
runs. Then the app's index watch runs (MainScreen.refresh_index, what its timer calls every 2 seconds)
and the new word is found: the app switched to the new index without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

SECOND = "001_b7e318ca484bc110"


async def test_the_app_keeps_answering_while_another_process_reindexes_ten_times(
        tui_paths, tmp_path, settle):
    from tui.app import ExplorerApp
    from tui.app.widgets.results import ResultsList

    app = ExplorerApp(tui_paths, keymap_file=tmp_path / "keymap.toml")
    article = tui_paths.corpus / f"{SECOND}.txt"
    original = article.read_text("utf-8")

    def refs() -> list[str]:
        return sorted(hit.ref for hit in app.screen.query_one(ResultsList).hits)

    async def search(query: str) -> list[str]:
        app.screen.search_pane.input.value = query
        await settle(pilot)
        return refs()

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        answered = 0
        for round_ in range(10):
            article.write_text(original + f"\nRound {round_} brought news of zanzibar{round_}.\n", "utf-8")
            indexer = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tui", "index", *(["--rebuild"] if round_ % 2 else []),
                "--corpus", str(tui_paths.corpus), "--index", str(tui_paths.index),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            started = time.monotonic()
            while indexer.returncode is None and time.monotonic() - started < 60:
                assert await search("gwadar") == [f"{SECOND}:10", f"{SECOND}:4"]
                assert len(await search("")) == 27 + (1 if round_ else 0)  # the index it has open
                answered += 2
                with contextlib.suppress(asyncio.TimeoutError):  # still indexing: search again
                    await asyncio.wait_for(indexer.wait(), 0.05)
            out, err = await indexer.communicate()
            assert indexer.returncode == 0, err.decode()
            app.screen.refresh_index()  # what the app's index watch runs every WATCH_EVERY seconds
            await settle(pilot)
            await pilot.pause(0.05)
            await settle(pilot)
            assert await search(f"zanzibar{round_}") == [f"{SECOND}:13"], f"round {round_}"
            if round_:
                assert await search(f"zanzibar{round_ - 1}") == []  # the old text is gone
            assert await search("gwadar") == [f"{SECOND}:10", f"{SECOND}:4"]
        assert answered >= 20
        assert app.is_running
        updated = [n for n in app._notifications if "index was updated" in n.message]
        assert updated and not [n for n in app._notifications if n.severity == "error"]
