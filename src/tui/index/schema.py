"""The fields of a paragraph's document in the Whoosh index."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import ANALYZER

SCHEMA_VERSION = 2  # 2: events and their makings left the manifest; file sizes and times came in


def make_schema() -> Schema:
    return Schema(
        ref=ID(stored=True, unique=True),
        article=ID(stored=True),
        number=NUMERIC(stored=True),
        title=TEXT(analyzer=ANALYZER, stored=True),
        published=ID(stored=True),  # the article's date, ISO
        place=STORED,
        heading=TEXT(analyzer=ANALYZER, stored=True),
        text=TEXT(analyzer=ANALYZER, stored=True, spelling=True),
        sector=KEYWORD(stored=True, commas=True, scorable=False),  # paths and their ancestors
        date=KEYWORD(stored=True, commas=True, scorable=False),  # days, months, years mentioned
    )
