"""The Textual explorer: the only package of ``tui`` that imports Textual."""

from .app import ExplorerApp

__all__ = ["ExplorerApp"]
