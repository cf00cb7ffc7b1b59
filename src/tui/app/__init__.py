"""The Textual explorer: the only package of ``tui`` that imports Textual."""

import os

# Textual paints at most 60 frames a second unless told otherwise: a screen update waits for the
# next tick of that clock, so results that arrive just after the frame that echoed the typed key
# waited up to 17 ms more to be seen. It paints only what changed, when something did (the build's
# progress is shown 20 times a second at most), so a higher cap costs nothing while idle.
# Keystroke to results painted p50 on the seeds: 41 ms at 60, 20 ms at 240 (before other work),
# 12.2 -> 9.1 ms from 240 to 1000. Read when Textual is first imported; the user's TEXTUAL_FPS wins
# (a lower one merges more frames, which may suit a slow remote link).
os.environ.setdefault("TEXTUAL_FPS", "1000")

from .app import ExplorerApp  # noqa: E402

__all__ = ["ExplorerApp"]
