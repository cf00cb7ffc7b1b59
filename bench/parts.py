"""The parts of a keystroke that changes the results, measured alone (tables on stdout).

    .venv/bin/python bench/parts.py [--size 10k] [--rounds 40]

run.py times a keystroke whole, from the key to the paint; when that figure moves, this says
which part moved:

- search: Explorer.search of the keystrokes that finish a word of 'pakistan energy corridor'
  (the ones whose results change: a half-typed word matches nothing), typed as the app's search
  process sees them (each after a pause, with its read-ahead for the key before done).
- paint: the results list refilled with a new first screenful (12 results, alternating four
  queries) and the screen update that draws it, in the app under Textual's Pilot, after a pause
  as between keystrokes; with the time each widget took to draw in that update.

Uses the corpus and index run.py made in bench/out (run it first for the size).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import probe  # noqa: E402

TYPED = "pakistan energy corridor"
FINISHED = ("pakistan", "pakistan energy", "pakistan energy corridor")
PAUSE = 0.1  # seconds between keystrokes, as a typist's
QUERIES = ("pakistan", "energy corridor", "trade", "railway")


def search_parts(paths, rounds: int) -> dict[str, float]:
    from tui.search import Explorer

    explorer = Explorer.open(paths, build=False)
    explorer.warm()
    times: dict[str, list[float]] = {text: [] for text in FINISHED}
    for _ in range(max(1, rounds // 10)):
        for end in range(1, len(TYPED) + 1):
            text = TYPED[:end]
            time.sleep(PAUSE)
            started = time.perf_counter()
            explorer.search(text, limit=12)
            if text in times:
                times[text].append((time.perf_counter() - started) * 1000)
            for _ in explorer.read_ahead(text):
                pass
    explorer.close()
    return {text: statistics.median(found) for text, found in times.items()}


def paint_parts(paths, rounds: int) -> tuple[float, float, dict[str, float]]:
    from tui.app import ExplorerApp  # first: it sets Textual's frame rate
    from tui.app.corpus import Request
    from textual.widget import Widget

    try:  # drawn without Widget's render_lines (absent from code before it, to compare with)
        from tui.app.widgets.scroll_bar import QuickScrollBar
    except ImportError:
        QuickScrollBar = Widget
    drawn: dict[str, float] = {}
    own = {cls: cls.__dict__["render_lines"] for cls in {Widget, QuickScrollBar}}

    def timing(render_lines):
        def timed(widget, crop):
            started = time.perf_counter()
            try:
                return render_lines(widget, crop)
            finally:
                name = type(widget).__name__
                drawn[name] = drawn.get(name, 0.0) + (time.perf_counter() - started) * 1000
        return timed

    for cls, render_lines in own.items():  # QuickScrollBar draws without Widget's
        cls.render_lines = timing(render_lines)
    shows, paints, widgets = [], [], {}

    async def main() -> None:
        app = ExplorerApp(paths)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            while getattr(screen, "corpus", None) is None or not screen.results.hits:
                await pilot.pause(0.005)
                screen = app.screen
            await pilot.pause(0.3)
            founds = [screen.corpus.find(Request(query=query), limit=12) for query in QUERIES]
            refresh, painted = screen._compositor_refresh, []

            def timed_refresh():
                started = time.perf_counter()
                refresh()
                if "ResultsList" in drawn:
                    painted.append((time.perf_counter() - started) * 1000)

            screen._compositor_refresh = timed_refresh
            for round_ in range(rounds + 4):
                found = founds[round_ % len(founds)]
                drawn.clear()
                painted.clear()
                started = time.perf_counter()
                screen.search_pane.show_status(screen._status(found))
                screen.results.show(found.result, keep_cursor=False)
                screen.search_pane.input.refresh()  # the keystroke's echo
                shown = time.perf_counter()
                while not painted:
                    await asyncio.sleep(0)
                if round_ >= 4:  # the first rounds warm up
                    shows.append((shown - started) * 1000)
                    paints.append(painted[0])
                    for name, ms in drawn.items():
                        widgets.setdefault(name, []).append(ms)
                await pilot.pause(PAUSE)

    try:
        asyncio.run(main())
    finally:
        for cls, render_lines in own.items():
            cls.render_lines = render_lines
    return (statistics.median(shows), statistics.median(paints),
            {name: statistics.median(ms) for name, ms in widgets.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="10k")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    out = Path(args.out)
    paths = probe.paths(str(out / f"corpus-{args.size}"), str(out / f"index-{args.size}"))
    searched = search_parts(paths, args.rounds)
    show, paint, widgets = paint_parts(paths, args.rounds)
    print(f"### The parts of a results-changing keystroke ({args.size}; ms, medians)\n")
    print("| word-finishing search, after read-ahead | " + " | ".join(f"'{text}'" for text in searched) + " |")
    print("|---|" + "---:|" * len(searched))
    print("| Explorer.search | " + " | ".join(f"{ms:.2f}" for ms in searched.values()) + " |\n")
    print(f"| new first screenful ({args.rounds} rounds) | ms |")
    print("|---|---:|")
    print(f"| show(): the list refilled | {show:.2f} |")
    print(f"| the screen update that draws it | {paint:.2f} |")
    for name, ms in widgets.items():
        if ms >= 0.05:
            print(f"| of which drawing {name} | {ms:.2f} |")

if __name__ == "__main__":
    main()
