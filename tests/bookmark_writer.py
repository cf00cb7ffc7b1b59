"""A separate process for the bookmark tests: adds bookmarks to a file, printing each id once saved.

    python tests/bookmark_writer.py PATH [COUNT]

Adds COUNT bookmarks (forever without it). An id is printed only after ``add`` has returned, so
every printed id must be in the file even if the process is killed right after.
"""

from __future__ import annotations

import itertools
import os
import sys

from tui.bookmarks import BookmarkStore, make_bookmark

PARAGRAPH = "Rescuers reached the village at dawn. \"We walked,\" one said. Roads were under water."


def main(path: str, count: int | None = None) -> None:
    store = BookmarkStore(path)
    numbers = range(count) if count is not None else itertools.count()
    for number in numbers:
        bookmark = make_bookmark(f"writer/{os.getpid()}", "Writer", 1, PARAGRAPH, 38, 60,
                                 note=f"from {os.getpid()}, number {number}\n]] \"\"\" \x00",
                                 tags=[f"n{number % 3}", "writer"])
        print(store.add(bookmark).id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
