"""What can go wrong with the corpus, the index or a query, as the user is told it.

The query API raises these; the command line and the app catch them. Nothing here imports Whoosh,
so catching them does not load the index's code (~100 ms of imports that the app does in a worker,
after its first frame).
"""

from __future__ import annotations


class CorpusError(Exception):
    """The corpus folder itself cannot be read."""


class IndexProblem(Exception):
    """The index cannot be used as it is (missing, outdated, damaged); the message says why."""


class IndexBusy(Exception):
    """Another process holds the write lock."""


class QueryError(ValueError):
    """A query that cannot be run; the message is fit to show a user."""
