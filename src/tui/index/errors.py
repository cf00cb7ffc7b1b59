"""What can go wrong with an index: the errors users are told of (from ``tui.errors``), and the
exceptions that reading a damaged index raises."""

from __future__ import annotations

import pickle
import struct
import zlib

from whoosh import index as whoosh_index

from ..errors import IndexBusy, IndexProblem, QueryError

__all__ = ["DAMAGE", "IndexBusy", "IndexProblem", "QueryError"]

# Whoosh raises all of these on damaged files; any of them means "rebuild".
DAMAGE = (EOFError, struct.error, pickle.UnpicklingError, FileNotFoundError, zlib.error,
          whoosh_index.EmptyIndexError, whoosh_index.IndexError, ValueError, KeyError, OSError,
          IndexError, AttributeError, TypeError, MemoryError)

