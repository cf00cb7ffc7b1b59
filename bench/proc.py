"""Resident memory of a process and of every process it started (the app's search process), from
/proc (psutil is not a dependency)."""

from __future__ import annotations

from pathlib import Path


def family(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(after_name[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], ()))
    return found


def memory(pid: int) -> dict:
    """MB resident now (VmRSS) and at the peak (VmHWM), summed over ``pid`` and its descendants;
    the process's own as ``own_rss_mb``."""
    total = {"VmRSS": 0.0, "VmHWM": 0.0}
    own = None
    for member in family(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(":")
            if key in total:
                total[key] += int(value.split()[0]) / 1024
                if key == "VmRSS" and member == pid:
                    own = int(value.split()[0]) / 1024
    return {"rss_mb": total["VmRSS"], "peak_mb": total["VmHWM"], "own_rss_mb": own}
