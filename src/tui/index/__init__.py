"""The Whoosh index: the one package that imports Whoosh.

Layout of an index folder (``index/`` in a checkout)::

    index/
      data/           the Whoosh index, manifest.json, events.pickle and timeline.sqlite,
                      swapped in whole after a full build
      data.new/       a full build in progress (removed if it fails)
      .write.lock     held by whoever updates the index

The modules: ``build`` (full builds and updates), ``read`` (an open index: CorpusIndex),
``blocks`` (matching and scoring from whole posting blocks), ``docs`` (sets of documents as bits),
``query`` (parsing what a user types), ``analysis`` and ``schema`` (the words and fields indexed),
``manifest``, ``events`` and ``timeline_cache`` (what the index keeps besides Whoosh's files),
``lock``, ``errors``, and ``whoosh_io`` (Whoosh's reader and writer classes as this package uses them).
"""

from typing import TYPE_CHECKING

from .analysis import ANALYZER, analyze, highlight_spans
from .docs import Docs
from .errors import DAMAGE, IndexBusy, IndexProblem, QueryError
from .lock import is_locked, write_lock
from .manifest import Manifest
from .query import check_syntax
from .read import CorpusIndex
from .schema import SCHEMA_VERSION, make_schema

if TYPE_CHECKING:
    from .build import BuildReport, Progress, update


def __getattr__(name: str):
    """The builder's names, imported when first asked for: a process that only searches (the
    app's search process) does without the builder's modules."""
    if name in ("BuildReport", "Progress", "update"):
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ANALYZER", "DAMAGE", "SCHEMA_VERSION", "BuildReport", "CorpusIndex", "Docs", "IndexBusy", "IndexProblem",
    "Manifest", "Progress", "QueryError", "analyze", "check_syntax", "highlight_spans", "is_locked",
    "make_schema", "update", "write_lock",
]
