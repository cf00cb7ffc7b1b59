"""The Textual explorer: the only package of ``tui`` that imports Textual."""

import os

# Textual paints at most 60 frames a second unless told otherwise, so results that arrive just
# after the frame that echoed the typed key wait up to 17 ms more to be seen (measured: keystroke
# to results painted p50 41 ms at 60, 20 ms at 240, on the seeds). It paints only what changed, so
# a higher cap costs nothing while idle. Read when Textual is first imported; the user's TEXTUAL_FPS wins.
os.environ.setdefault("TEXTUAL_FPS", "240")

from .app import ExplorerApp  # noqa: E402

__all__ = ["ExplorerApp"]
