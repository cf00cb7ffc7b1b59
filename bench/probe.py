"""One measurement in a fresh process: ``python bench/probe.py MODE ARGS...`` prints one JSON line.

run.py starts one of these per measurement so that no cache, import or allocation of one
measurement helps or hurts the next, and so that start-up costs are counted as a user pays them.
``BENCH_T0`` (time.time() in the parent just before the spawn) lets a probe count from the spawn.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import proc  # noqa: E402
from mix import MIX  # noqa: E402

T0 = float(os.environ.get("BENCH_T0", time.time()))


def since_spawn() -> float:
    return time.time() - T0


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def memory() -> dict:
    """Resident memory now and at its peak, in MB, of this process and any it started (the app's
    search process)."""
    return proc.memory(os.getpid())


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def paths(corpus: str, index: str):
    from tui.paths import Paths

    return Paths(Path(corpus), Path(index), Path(index).parent / "bench-bookmarks.toml")


def emit(data: dict) -> None:
    print(json.dumps(data))


# --- building ----------------------------------------------------------------------------------

def mode_build(corpus: str, index: str) -> None:
    """A full build from nothing, as `tui index` in a fresh process does it."""
    shutil.rmtree(index, ignore_errors=True)
    from tui.index import update

    cpu, started = cpu_seconds(), time.perf_counter()
    report = update(Path(corpus), Path(index))
    seconds = time.perf_counter() - started
    helpers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest helper
    emit({"seconds": seconds, "from_spawn": since_spawn(), "cpu": cpu_seconds() - cpu,
          "articles": report.articles, "paragraphs": report.paragraphs, "rebuilt": report.rebuilt,
          "index_bytes": folder_bytes(Path(index) / "data"), "helpers_peak_mb": helpers_peak,
          **memory()})


def mode_update(corpus: str, index: str) -> None:
    """An update after one article changed, then with nothing changed, then the change undone."""
    from tui.index import update

    files = sorted(p for p in Path(corpus).rglob("*") if p.suffix in (".txt", ".md"))
    victim = files[len(files) // 2]
    original = victim.read_bytes()
    text = original.decode("utf-8")
    marker = "\n\n" if "\n\n" in text else "\n"
    head, _, tail = text.rpartition(marker)
    changed = head + marker + "Officials said the talks on the pipeline would resume in March. " + tail
    out = {}
    try:
        victim.write_text(changed, encoding="utf-8")
        started = time.perf_counter()
        report = update(Path(corpus), Path(index))
        out["changed"] = time.perf_counter() - started
        out["reindexed"] = len(report.reindexed)
        out["rebuilt"] = report.rebuilt
        started = time.perf_counter()
        report = update(Path(corpus), Path(index))
        out["unchanged"] = time.perf_counter() - started
        out["reindexed_unchanged"] = len(report.reindexed)
    finally:
        victim.write_bytes(original)
    started = time.perf_counter()
    report = update(Path(corpus), Path(index))
    out["restored"] = time.perf_counter() - started
    out["reindexed_restored"] = len(report.reindexed)
    emit(out)


def mode_hostile(folder: str) -> None:
    """Full builds of the corpora of a hostile shape (bench/corpus.py), each from nothing."""
    import corpus

    from tui.index import update

    out = {}
    for name, make in (("long_line", corpus.one_long_line), ("tiny_files", corpus.tiny_files)):
        base = Path(folder) / name
        shutil.rmtree(base, ignore_errors=True)
        source = make(base / "corpus")
        started = time.perf_counter()
        report = update(source, base / "index")
        out[name] = {"seconds": time.perf_counter() - started, "articles": report.articles,
                     "paragraphs": report.paragraphs, "problems": len(report.problems)}
        shutil.rmtree(base, ignore_errors=True)
    out["anchor"] = _anchor_in_a_long_article()
    emit(out)


def _anchor_in_a_long_article() -> dict:
    """Find a bookmark's quote again in a 100 KB article where it was edited (the fuzzy pass)."""
    import random

    from tui import bookmarks

    rng = random.Random(7)
    words = "the pacts trade energy sharif tokayev signed ceremony minister road billion".split()
    article = [" ".join(rng.choice(words) for _ in range(90)) + "." for _ in range(170)]
    mark = bookmarks.make_bookmark("a", "A", 120, article[119], 50, 450)
    changed = ["Intro."] + article
    changed[120] = changed[120][:100] + "ZZZZZZZZZZ" + changed[120][110:300] + changed[120][330:]
    started = time.perf_counter()
    found = bookmarks.anchor(mark, changed)
    return {"seconds": time.perf_counter() - started, "method": found.method,
            "kb": sum(map(len, changed)) // 1000}


# --- querying ----------------------------------------------------------------------------------

def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def mode_queries(corpus: str, index: str, rounds: str) -> None:
    """Explorer.search / sector_tree / timeline over the mix: a warm-up pass, then ``rounds``."""
    from tui.search import Explorer

    opened, explorer = _timed(Explorer.open, paths(corpus, index), build=False)
    first = {"search": [], "tree": [], "timeline": []}
    for _, query, sector, _ in MIX:  # the warm-up; its times are the "first call" figures
        first["search"].append(_timed(explorer.search, query, sector, limit=20)[0])
    for _, query, sector, _ in MIX:
        first["tree"].append(_timed(explorer.sector_tree, query)[0])
        first["timeline"].append(_timed(explorer.timeline, query, sector)[0])
    times = {"search": [], "tree": [], "timeline": [], "keystroke": []}
    by_kind: dict[str, list[float]] = {}
    totals = {}
    for _ in range(int(rounds)):
        for kind, query, sector, _ in MIX:  # one pass per API, so no call follows its own query
            ms, result = _timed(explorer.search, query, sector, limit=20)
            times["search"].append(ms)
            by_kind.setdefault(kind, []).append(ms)
            totals[f"{query}|{sector}"] = result.total
        for _, query, sector, _ in MIX:
            times["tree"].append(_timed(explorer.sector_tree, query)[0])
        for _, query, sector, _ in MIX:
            times["timeline"].append(_timed(explorer.timeline, query, sector)[0])
        for _, query, sector, _ in MIX:  # what the app asks per keystroke: all three, 50 rows
            started = time.perf_counter()
            explorer.search(query, sector, limit=50)
            explorer.sector_tree(query)
            explorer.timeline(query, sector)
            times["keystroke"].append((time.perf_counter() - started) * 1000)
    emit({"open_ms": opened, "first": first, "times": times, "by_kind": by_kind, "totals": totals,
          **memory()})


# --- SQLite FTS5 -------------------------------------------------------------------------------

def mode_fts(corpus: str, db: str, rounds: str) -> None:
    import fts

    build = fts.build(Path(corpus), Path(db))
    times = fts.time_queries(Path(db), int(rounds))
    emit({"build": build, "times": times, **memory()})


# --- correctness -------------------------------------------------------------------------------

def mode_check(corpus: str, index: str) -> None:
    import check

    emit(check.run(Path(corpus), Path(index), paths(corpus, index)))


# --- the app -----------------------------------------------------------------------------------

def mode_app(corpus: str, index: str, keys: str) -> None:
    """The app headless (Textual's Pilot): start-up, then keystroke-to-results-painted.

    Each key goes to the app as the terminal driver delivers it (no Pilot waiting in between);
    the latency is from then to the end of the first screen update that draws the results list
    after it took the new results (or the status line, when the list stayed as it was): what a
    terminal would be sent. Between keys the app is let go idle, as between a typist's keys.
    """
    import asyncio

    from tui.app import ExplorerApp  # first: it sets Textual's frame rate before Textual loads

    from textual import events

    imported = since_spawn()
    out: dict = {"imported": imported}

    async def main() -> None:
        app = ExplorerApp(paths(corpus, index))
        async with app.run_test(size=(120, 40)) as pilot:
            out["first_paint"] = since_spawn()
            screen = app.screen
            while getattr(screen, "corpus", None) is None or not screen.results.hits:
                await pilot.pause(0.005)
                screen = app.screen
            await pilot.pause()
            out["interactive"] = since_spawn()
            results = screen.results
            status = screen.query_one("#status")
            shown: dict[str, float] = {}
            painted: dict[str, float] = {}
            waiting: list[tuple] = []  # (query, the widget to draw it), shown but not yet painted
            drawn: set = set()  # the widgets drawn in the screen update under way
            show, refresh = results.show, screen._compositor_refresh

            def timed_show(result, **options):
                changed = show(result, **options)
                shown.setdefault(result.query, time.perf_counter())
                waiting.append((result.query, results if changed else status))
                return changed

            def timed_refresh():
                drawn.clear()
                refresh()
                for query, widget in list(waiting):  # a paint may not yet hold what was shown
                    if widget in drawn:
                        painted.setdefault(query, time.perf_counter())
                        waiting.remove((query, widget))

            def noting_drawn(widget):
                render_lines = widget.render_lines

                def drawing(crop):
                    drawn.add(widget)
                    return render_lines(crop)
                widget.render_lines = drawing

            noting_drawn(results)
            noting_drawn(status)

            results.show, screen._compositor_refresh = timed_show, timed_refresh
            finds: list[float] = []  # the query API's share: a search from sent to answered
            opened = screen.corpus
            ask = opened.ask

            def timed_ask(*args, **kwargs):
                started, pending = time.perf_counter(), ask(*args, **kwargs)
                wait = pending.wait

                def timed_wait():
                    try:
                        return wait()
                    finally:
                        finds.append((time.perf_counter() - started) * 1000)

                pending.wait = timed_wait
                return pending

            opened.ask = timed_ask
            latencies, to_results = [], []
            typed = ""
            for key in keys:
                typed += key
                name = "space" if key == " " else key
                started = time.perf_counter()
                app._driver.send_message(events.Key(name, key))
                deadline = started + 30
                while typed.strip() and typed not in painted and time.perf_counter() < deadline:
                    await asyncio.sleep(0.0005)
                if typed in painted:
                    latencies.append((painted[typed] - started) * 1000)
                    to_results.append((shown[typed] - started) * 1000)
                await pilot.pause()  # a typist's gap: let the counts and timeline follow
                await pilot.pause(0.05)
            out["keystrokes"] = latencies
            out["to_results"] = to_results
            out["finds"] = finds
            out.update(memory())

    asyncio.run(main())
    emit(out)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    globals()[f"mode_{mode}"](*args)
