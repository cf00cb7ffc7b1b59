"""What can go wrong with an index, as the rest of the program sees it."""

from __future__ import annotations

import pickle
import struct
import zlib

from whoosh import index as whoosh_index

# Whoosh raises all of these on damaged files; any of them means "rebuild".
DAMAGE = (EOFError, struct.error, pickle.UnpicklingError, FileNotFoundError, zlib.error,
          whoosh_index.EmptyIndexError, whoosh_index.IndexError, ValueError, KeyError, OSError,
          IndexError, AttributeError, TypeError, MemoryError)


class IndexProblem(Exception):
    """The index cannot be used as it is (missing, outdated, damaged); the message says why."""


class IndexBusy(Exception):
    """Another process holds the write lock."""


class QueryError(ValueError):
    """A query that cannot be run; the message is fit to show a user."""
