"""Where things live: the corpus, the index and the bookmarks file.

In a checkout (a ``seeds/`` folder in the current directory) everything sits beside it; elsewhere
the corpus bundled in the package is used, the index goes to the user's cache directory and the
bookmarks to the user's data directory. Flags beat environment variables, which beat defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

APP_NAME = "tui"


@dataclass(frozen=True)
class Paths:
    corpus: Path
    index: Path
    bookmarks: Path


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value) if value else Path.home() / fallback


def bundled_corpus() -> Path:
    """The seeds shipped inside the package (a wheel), or the checkout's seeds (editable install)."""
    packaged = Path(str(resources.files("tui"))) / "corpus"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "seeds"


def resolve(corpus: str | os.PathLike | None = None, index: str | os.PathLike | None = None,
            bookmarks: str | os.PathLike | None = None, cwd: Path | None = None) -> Paths:
    cwd = cwd or Path.cwd()
    env = os.environ
    local = (cwd / "seeds").is_dir()
    corpus = corpus or env.get("TUI_CORPUS") or (cwd / "seeds" if local else bundled_corpus())
    index = index or env.get("TUI_INDEX") or (
        cwd / "index" if local else _xdg("XDG_CACHE_HOME", ".cache") / APP_NAME / "index")
    bookmarks = bookmarks or env.get("TUI_BOOKMARKS") or (
        cwd / "bookmarks.toml" if local else _xdg("XDG_DATA_HOME", ".local/share") / APP_NAME / "bookmarks.toml")
    return Paths(Path(corpus), Path(index), Path(bookmarks))
