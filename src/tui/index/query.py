"""Queries as a user types them, parsed by Whoosh's parser after the checks it would not make."""

from __future__ import annotations

from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser
from whoosh.query import Query

from .errors import QueryError

FIELD_ALIASES = {"sectors": "sector", "dates": "date", "body": "text"}
SEARCHED = ("text", "heading")  # the fields a word without a field name searches


def make_parser(schema) -> MultifieldParser:
    """Words search the text and the heading, all of them by default (AND); fuzzy words allowed."""
    parser = MultifieldParser(list(SEARCHED), schema=schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def parse(parser: MultifieldParser, text: str) -> Query:
    """The Whoosh query of ``text``; QueryError, fit to show a user, if it cannot be run."""
    check_syntax(text)
    for alias, name in FIELD_ALIASES.items():
        text = text.replace(f"{alias}:", f"{name}:")
    try:
        query = parser.parse(text)
    except Exception as err:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse the query ({err.__class__.__name__})") from None
    check_fuzzy(query)
    return query

def check_syntax(text: str) -> None:
    """Reject what Whoosh would silently misread: unbalanced quotes and brackets."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote: a phrase needs a closing "')
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise QueryError("unbalanced parenthesis: ')' without '('")
    if depth:
        raise QueryError("unbalanced parenthesis: '(' without ')'")
    if text.count("[") != text.count("]") or text.count("{") != text.count("}"):
        raise QueryError("unbalanced range brackets")


def check_fuzzy(query: Query) -> None:
    for sub in query.leaves() if hasattr(query, "leaves") else [query]:
        if getattr(sub, "maxdist", 0) > 2:
            raise QueryError("fuzzy distance above 2 is not supported (use word~1 or word~2)")
