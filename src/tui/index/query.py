"""Queries as a user types them, parsed by Whoosh's parser after the checks it would not make."""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser
from whoosh.query import And, Or, Query, Term

from . import analysis
from .errors import QueryError

FIELD_ALIASES = {"sectors": "sector", "dates": "date", "body": "text"}
SEARCHED = ("text", "heading")  # the fields a word without a field name searches
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})  # the parser's, in capitals
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Parser:
    """Whoosh's parser for a schema; ``plain`` if its searched fields analyse words as
    ``analysis.analyze`` does, so that a query of plain words can be made without it."""

    whoosh: MultifieldParser
    plain: bool


def make_parser(schema) -> Parser:
    """Words search the text and the heading, all of them by default (AND); fuzzy words allowed."""
    parser = MultifieldParser(list(SEARCHED), schema=schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    plain = analysis._fold is not None and all(
        name in schema and schema[name].analyzer == analysis.ANALYZER for name in SEARCHED)
    return Parser(parser, plain)


def parse(parser: Parser, text: str) -> Query:
    """The Whoosh query of ``text``; QueryError, fit to show a user, if it cannot be run."""
    if parser.plain and (query := plain_words(text)) is not None:
        return query
    check_syntax(text)
    for alias, name in FIELD_ALIASES.items():
        text = text.replace(f"{alias}:", f"{name}:")
    try:
        query = parser.whoosh.parse(text)
    except Exception as err:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse the query ({err.__class__.__name__})") from None
    check_fuzzy(query)
    return query


def plain_words(text: str) -> Query | None:
    """The query Whoosh's parser makes of ``text`` if it is words of ASCII letters between spaces
    (what is typed most), else None: each word in the text or the heading, all of them, a word
    again or one the analyzer drops left out. Whoosh's parser took 0.2-0.5 ms for it (0.7 ms in
    a process idle between keystrokes), on every keystroke; tests/test_index.py holds the two to
    the same queries."""
    if not (text.isascii() and text.replace(" ", "").isalpha()):
        return None
    words: dict[str, tuple[int, int]] = {}
    for match in _WORD.finditer(text):
        if match.group() in OPERATORS:
            return None
        word = analysis._fold(match.group())
        if word is not None and word not in words:
            words[word] = match.span()
    ors = [Or([_term(name, word, at) for name in SEARCHED]) for word, at in words.items()]
    if not ors:
        return None  # Whoosh's NullQuery, from the parser
    return ors[0] if len(ors) == 1 else And(ors)


def _term(name: str, word: str, at: tuple[int, int]) -> Term:
    term = Term(name, word)
    term.startchar, term.endchar = at  # as the parser sets them
    return term

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
