"""The user's key remapping: an optional TOML file of binding id -> keys.

``$XDG_CONFIG_HOME/tui/keymap.toml`` (else ``~/.config/tui/keymap.toml``)::

    # binding id = "key" or "key1,key2" or ["key1", "key2"]
    focus_search = "slash,ctrl+f"
    bookmark = "m"

A ``[keymap]`` table holding the same entries works too. The ids are listed in the help screen
(``?``). Nothing here raises: a file that cannot be used gives an error message instead.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from ..paths import APP_NAME


def keymap_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config) if config else Path.home() / ".config"
    return base / APP_NAME / "keymap.toml"


def load_keymap(path: Path, binding_ids: Callable[[], set[str]]) -> tuple[dict[str, str], list[str]]:
    """The keymap in ``path`` (empty if there is no file) and one message per problem found.

    ``binding_ids`` gives the ids a keymap may name; it is asked only when there is a keymap
    (listing them imports every screen, which nothing else needs before the first paint).
    """
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as err:
        return {}, [f"{path}: cannot read the keymap ({getattr(err, 'strerror', None) or err})"]
    except tomllib.TOMLDecodeError as err:
        return {}, [f"{path}: not valid TOML ({err}); using the default keys"]
    table = document.get("keymap", document)
    if not isinstance(table, dict):
        return {}, [f"{path}: 'keymap' should be a table of binding id = keys"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    known_ids = binding_ids() if table else set()
    for binding_id, keys in table.items():
        if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: {binding_id!r} should be a key like \"ctrl+f\" or a list of keys")
        elif binding_id not in known_ids:
            problems.append(f"{path}: no binding with id {binding_id!r} (see the help screen, ?)")
        else:
            keymap[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap, problems
