"""Benchmark: build, update, query and app figures on synthetic corpora, with FTS5 as a yardstick.

    .venv/bin/python bench/run.py [--sizes seeds,1k,10k,100k] [--out bench/out] [--rounds 20]

Every measurement runs in a fresh process (bench/probe.py) and prints one JSON line; this script
makes the corpora (bench/corpus.py), starts the probes, checks correctness (bench/check.py) and
prints Markdown tables. Results are also written to OUT/results.json. Exits 1 on a MISMATCH.
Needs only the project's dependencies and the standard library (tmux for the real-terminal start).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpora  # noqa: E402
import proc  # noqa: E402
from mix import MIX, percentile  # noqa: E402

PYTHON = sys.executable
TARGETS = {  # issue "Instant at 100k paragraphs": seeds / 10k / 100k
    "search": {"seeds": 5, "10k": 10, "100k": 40},
    "tree": {"seeds": 5, "10k": 10, "100k": 40},
    "timeline": {"seeds": 5, "10k": 10, "100k": 40},
    "build": {"seeds": 1, "10k": 10, "100k": 60},
    "update": {"seeds": 0.3, "10k": 0.5, "100k": 1},
    "memory": {"seeds": 120, "10k": 150, "100k": 250},
    "keystroke": {"seeds": 16, "10k": 16, "100k": 50},
    "first_paint": {"seeds": 0.5, "10k": 0.5, "100k": 0.5},
    "interactive": {"seeds": 0.7, "10k": 0.8, "100k": 1.0},
}
HOSTILE = {  # full build seconds a hostile shape must stay under (a hang or a quadratic pass shows)
    "long_line": ("one 1 MB line, no paragraph break", 25),
    "tiny_files": ("10,000 files of one line", 40),
}
ANCHOR_SECONDS = 2  # a bookmark found again by its fuzzy pass in a 100 KB article
APP_KEYS = "pakistan energy corridor"
APP_RUNS = 3  # fresh app processes per corpus: a run's 24 keystrokes give a p95 of its 2 slowest


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"machine: {model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def reference_ms(rounds: int = 5) -> float:
    """Milliseconds for a fixed pure-Python workload (strings, a dict, a sort), best of
    ``rounds``: how fast this machine runs Python at the moment. A shared machine's speed drifts
    (the same full build has taken 85 to 122 CPU seconds); two runs' figures compare only at a
    like reference."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        counts: dict[str, int] = {}
        for word in [str(i * 7919 % 10007) for i in range(200_000)]:
            counts[word] = counts.get(word, 0) + 1
        sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def probe(*args: str, timeout: float = 3600) -> dict:
    env = dict(os.environ, BENCH_T0=repr(time.time()))
    done = subprocess.run([PYTHON, str(HERE / "probe.py"), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"probe {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the app in a real terminal ------------------------------------------------------------------

def app_in_tmux(corpus: Path, index: Path, timeout: float = 300) -> dict | None:
    """Spawn the app in a private tmux server; time the first paint and the first results, from
    the start of the app's process (tmux's own start, ~50 ms, is kept as tmux_start)."""
    tmux = shutil.which("tmux")
    if not tmux:
        return None
    server = f"bench{os.getpid()}-{time.monotonic_ns()}"  # one server a run: a socket name
    # used again at once can meet the last server still exiting ("server exited unexpectedly")
    base = [tmux, "-L", server]
    bookmarks = index.parent / "bench-bookmarks.toml"
    command = [PYTHON, "-m", "tui", "--corpus", str(corpus), "--index", str(index),
               "--bookmarks", str(bookmarks)]
    out: dict = {}
    started = time.time()
    subprocess.run(base + ["-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "-s", "app",
                           "--", *command], check=True, env=dict(os.environ, TERM="xterm-256color"))
    try:
        count = re.compile(r"(\d[\d,]* of [\d,]+ paragraphs|\b[\d,]+ paragraphs?\b(?! ·))")
        while time.time() - started < timeout:
            screen = subprocess.run(base + ["capture-pane", "-p", "-t", "app"], capture_output=True,
                                    text=True).stdout
            now = time.time() - started
            lines = screen.splitlines()
            if "first_paint" not in out and lines and lines[0].strip():
                out["first_paint"] = now
            if "articles ·" in screen and count.search("\n".join(lines[1:])):
                out["interactive"] = now
                break
            time.sleep(0.01)
        pid = subprocess.run(base + ["display", "-p", "-t", "app", "#{pane_pid}"], capture_output=True,
                             text=True).stdout.strip()
        begun = process_started(pid)
        if begun is not None:  # count from the app's own start, not from the tmux server's
            out["tmux_start"] = begun - started
            for key in ("first_paint", "interactive"):
                if key in out:
                    out[f"{key}_from_tmux"] = out[key]
                    out[key] -= out["tmux_start"]
        time.sleep(1.0)  # let the first search's allocations settle
        used = proc.memory(int(pid))  # the app and its search process
        out["VmRSS"], out["VmHWM"], out["own_rss_mb"] = used["rss_mb"], used["peak_mb"], used["own_rss_mb"]
    finally:
        subprocess.run(base + ["kill-server"], capture_output=True)
    return out


def process_started(pid: str) -> float | None:
    """When process ``pid`` started, on time.time()'s clock (to the kernel's tick, 10 ms)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks = int(after_name[19])  # field 22 of stat(5), starttime; after_name begins at field 3
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")


def app_available() -> bool:
    try:
        from tui.app import ExplorerApp  # noqa: F401
    except Exception:
        return False
    return True


# --- one corpus ----------------------------------------------------------------------------------

def measure(size: str, out: Path, rounds: int, skip: set[str]) -> dict:
    folder = corpora.make(out / f"corpus-{size}", size)
    index = out / f"index-{size}"
    result: dict = {"size": size}
    log(f"{size}: full build")
    result["build"] = probe("build", str(folder), str(index))
    log(f"{size}: {result['build']['paragraphs']} paragraphs in {result['build']['seconds']:.2f} s; updates")
    os.sync()  # the build's files (367 MB at 100k) written out first: the update fsyncs its own,
    # and it took 1.23 s while the disk was still writing the build's, 0.77 s on its own
    result["update"] = probe("update", str(folder), str(index))
    log(f"{size}: queries")
    result["queries"] = probe("queries", str(folder), str(index), str(rounds))
    if "fts" not in skip:
        log(f"{size}: SQLite FTS5")
        result["fts"] = probe("fts", str(folder), str(out / f"fts-{size}.sqlite"), str(rounds))
    log(f"{size}: correctness")
    result["check"] = probe("check", str(folder), str(index))
    if "app" not in skip and app_available():
        log(f"{size}: the app (Pilot, {APP_RUNS} runs)")
        result["app"] = pooled([probe("app", str(folder), str(index), APP_KEYS) for _ in range(APP_RUNS)])
        log(f"{size}: the app (tmux, {APP_RUNS} runs)")
        result["tmux"] = pooled([app_in_tmux(folder, index) or {} for _ in range(APP_RUNS)])
    return result


def pooled(runs: list[dict]) -> dict:
    """Several runs of one app probe as one: keystroke samples pooled, each time the median of the
    runs (with its range in ``*_range``), memory the largest; each run's keystroke p95 kept."""
    out: dict = {"runs": len(runs)}
    for key in ("keystrokes", "to_results", "finds"):
        if any(key in run for run in runs):
            out[key] = [v for run in runs for v in run.get(key, [])]
    if "keystrokes" in out:
        out["p95_each"] = [percentile(run["keystrokes"], 95) for run in runs if run.get("keystrokes")]
    for key in ("first_paint", "interactive", "imported", "tmux_start"):
        values = sorted(run[key] for run in runs if key in run)
        if values:
            out[key] = values[len(values) // 2]
            out[f"{key}_range"] = (values[0], values[-1])
    for key in ("rss_mb", "peak_mb", "VmRSS", "VmHWM"):
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            out[key] = max(values)
    return out


# --- tables --------------------------------------------------------------------------------------

def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.1f}" if values else "—"


def seconds(run: dict, key: str) -> str:
    """A pooled time in seconds with its range over the runs."""
    if key not in run:
        return "—"
    low, high = run.get(f"{key}_range", (run[key], run[key]))
    return f"{run[key]:.2f} [{low:.2f}-{high:.2f}]" if high > low else f"{run[key]:.2f}"


def verdict(kind: str, size: str, value: float | None) -> str:
    target = TARGETS[kind].get(size)
    if target is None or value is None:
        return ""
    return f" ({'met' if value <= target else 'MISSED'}: ≤ {target:g})"


def tables(results: list[dict]) -> str:
    lines = []
    add = lines.append
    add("### Build and update\n")
    add("| corpus | articles | paragraphs | full build s | paragraphs/s | CPU s | index MB "
        "| peak RSS MB (this process / largest helper) | 1 article changed s | nothing changed s |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        b, u = r["build"], r["update"]
        add(f"| {r['size']} | {b['articles']:,} | {b['paragraphs']:,} | {b['seconds']:.2f}{verdict('build', r['size'], b['seconds'])} "
            f"| {b['paragraphs'] / b['seconds']:,.0f} | {b['cpu']:.1f} | {b['index_bytes'] / 1e6:.1f} "
            f"| {b['peak_mb']:.0f} / {b.get('helpers_peak_mb', 0):.0f} "
            f"| {u['changed']:.2f}{verdict('update', r['size'], u['changed'])} | {u['unchanged']:.2f} |")
    add("")
    add("### Queries (ms; Explorer on an open index, after a warm-up pass)\n")
    add("| corpus | search top 20 p50 / p95 / p99 | sector counts p50 / p95 | timeline p50 / p95 "
        "| app's 3 calls per keystroke p50 / p95 | slowest first call (search / counts / timeline) | open ms |")
    add("|---|---|---|---|---|---|---:|")
    for r in results:
        q = r["queries"]
        t, f = q["times"], q["first"]
        p95 = {k: percentile(t[k], 95) for k in ("search", "tree", "timeline")}
        add(f"| {r['size']} | {ms(t['search'], 50)} / {ms(t['search'], 95)} / {ms(t['search'], 99)}"
            f"{verdict('search', r['size'], p95['search'])} "
            f"| {ms(t['tree'], 50)} / {ms(t['tree'], 95)}{verdict('tree', r['size'], p95['tree'])} "
            f"| {ms(t['timeline'], 50)} / {ms(t['timeline'], 95)}{verdict('timeline', r['size'], p95['timeline'])} "
            f"| {ms(t['keystroke'], 50)} / {ms(t['keystroke'], 95)} "
            f"| {max(f['search']):.1f} / {max(f['tree']):.1f} / {max(f['timeline']):.1f} | {q['open_ms']:.0f} |")
    add("")
    kinds = list(dict.fromkeys(kind for kind, *_ in MIX))
    add("### Search p95 by kind of query (ms)\n")
    add("| corpus | " + " | ".join(kinds) + " |")
    add("|---|" + "---:|" * len(kinds))
    for r in results:
        by = r["queries"]["by_kind"]
        add(f"| {r['size']} | " + " | ".join(ms(by.get(k, []), 95) for k in kinds) + " |")
    add("")
    if any("fts" in r for r in results):
        add("### Against SQLite FTS5 (same corpus, same queries; ratio = ours / FTS5, below 1 is ours faster)\n")
        add("| corpus | FTS5 build s | build ratio | FTS5 search p50 / p95 ms | search p95 ratio "
            "| FTS5 facet counts p50 / p95 ms | counts p95 ratio | FTS5 MB |")
        add("|---|---:|---:|---|---:|---|---:|---:|")
        for r in results:
            if "fts" not in r:
                continue
            fb, ft = r["fts"]["build"], r["fts"]["times"]["times"]
            ours = r["queries"]["times"]
            add(f"| {r['size']} | {fb['seconds']:.2f} | {r['build']['seconds'] / fb['seconds']:.1f} "
                f"| {ms(ft['search'], 50)} / {ms(ft['search'], 95)} "
                f"| {percentile(ours['search'], 95) / percentile(ft['search'], 95):.1f} "
                f"| {ms(ft['tree'], 50)} / {ms(ft['tree'], 95)} "
                f"| {percentile(ours['tree'], 95) / percentile(ft['tree'], 95):.1f} | {fb['bytes'] / 1e6:.1f} |")
        add("")
    if any("app" in r for r in results):
        add(f"### The app ({APP_RUNS} fresh processes per corpus, each typing {APP_KEYS!r} with a "
            "typist's pause after each key; times are the median of the runs [range], keystrokes "
            "are pooled)\n")
        add("| corpus | first paint s (tmux / Pilot) | interactive s (tmux / Pilot) "
            "| keystroke → results painted p50 / p95 ms [p95 of each run] "
            "| of which key → results shown p50 | resident MB (tmux / Pilot) |")
        add("|---|---|---|---|---:|---|")
        for r in results:
            if "app" not in r:
                continue
            a, x, size = r["app"], r.get("tmux") or {}, r["size"]
            rss = x.get("VmRSS")
            keys = a["keystrokes"]
            each = " / ".join(f"{v:.0f}" for v in a.get("p95_each", []))
            add(f"| {size} | {seconds(x, 'first_paint')}"
                f"{verdict('first_paint', size, x.get('first_paint'))} / {seconds(a, 'first_paint')} "
                f"| {seconds(x, 'interactive')}"
                f"{verdict('interactive', size, x.get('interactive'))} / {seconds(a, 'interactive')} "
                f"| {ms(keys, 50)} / {ms(keys, 95)}"
                f"{verdict('keystroke', size, percentile(keys, 95) if keys else None)} [{each}] "
                f"| {ms(a.get('to_results', []), 50)} "
                f"| {rss if rss is None else f'{rss:.0f}'}{verdict('memory', size, rss)} / {a['rss_mb']:.0f} |")
        add("")
    add("### Correctness (optimised paths against plain Whoosh, build_events and the Whoosh analyzer)\n")
    for r in results:
        c = r["check"]
        state = "OK" if not c["problems"] else "MISMATCH"
        add(f"- {r['size']}: {state} ({c['checked']} checks)")
        for problem in c["problems"][:10]:
            add(f"  - {problem}")
    return "\n".join(lines)


def hostile_table(hostile: dict) -> str:
    lines = ["\n### Hostile shapes (full build from nothing)\n",
             "| corpus | articles | paragraphs | build s |", "|---|---:|---:|---:|"]
    for name, (what, bound) in HOSTILE.items():
        h = hostile[name]
        verdict = "met" if h["seconds"] <= bound and not h["problems"] else "MISSED"
        lines.append(f"| {what} | {h['articles']:,} | {h['paragraphs']:,} "
                     f"| {h['seconds']:.1f} ({verdict}: ≤ {bound}) |")
    a = hostile["anchor"]
    bound = ANCHOR_SECONDS
    verdict = "met" if a["seconds"] <= bound and a["method"] == "fuzzy" else "MISSED"
    lines.append(f"\nA bookmark's edited quote found again in a {a['kb']} KB article ({a['method']}): "
                 f"{a['seconds'] * 1000:.0f} ms ({verdict}: ≤ {bound * 1000:.0f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seeds,1k,10k,100k")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix (default 20)")
    parser.add_argument("--skip", default="", help="comma-separated: fts, app, hostile")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    compileall.compile_dir(HERE.parent / "src", quiet=1)  # the app as `make run` starts it
    results = []
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    reference = [reference_ms()]
    for size in filter(None, args.sizes.split(",")):
        results.append(measure(size, out, args.rounds, skip))
    hostile = None
    if "hostile" not in skip:
        log("hostile shapes: full builds")
        hostile = probe("hostile", str(out / "hostile"))
    reference.append(reference_ms())
    (out / "results.json").write_text(json.dumps(results, indent=1))
    command = "    .venv/bin/python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(machine())
    print(f"reference workload (bench/run.py reference_ms; lower is faster): {reference[0]:.0f} ms "
          f"at the start of the run, {reference[1]:.0f} ms at the end")
    print(f"load average at start: {' '.join(load)}; command:\n\n{command.rstrip()}\n")
    print(tables(results))
    if hostile is not None:
        print(hostile_table(hostile))
    return 1 if any(r["check"]["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
