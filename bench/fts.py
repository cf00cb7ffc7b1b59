"""The same corpus and queries through SQLite FTS5 (stdlib sqlite3): the yardstick.

Built from the same articles (tui.ingest) with the same sector tags (tui.sectors, the same
analyzer), so a facet count here counts what ours counts. Not built: dates and the timeline, which
FTS5 has no equivalent of; the build time below is reading, tagging and inserting only.
Ranking is FTS5's bm25(), highlights are highlight() over the whole paragraph (as ours are).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from mix import MIX

SCHEMA = """
CREATE VIRTUAL TABLE para USING fts5(ref UNINDEXED, title, heading, text, tokenize='porter unicode61');
CREATE TABLE sectors (doc INTEGER NOT NULL, sector TEXT NOT NULL);
"""
INDEXES = "CREATE INDEX sectors_by_sector ON sectors (sector, doc); CREATE INDEX sectors_by_doc ON sectors (doc);"


def build(corpus: Path, db: Path) -> dict:
    from tui import index, ingest, sectors

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    read = ingest.read_corpus(corpus)
    taxonomy, _ = sectors.load_taxonomy(corpus)
    tagger = sectors.compile_taxonomy(taxonomy, index.analyze)
    con = sqlite3.connect(db)
    con.executescript(SCHEMA)
    rows, tags = [], []
    doc = 0
    for article in read.articles:
        for paragraph in article.paragraphs:
            doc += 1
            rows.append((doc, paragraph.ref, article.title, paragraph.heading, paragraph.text))
            tags.extend((doc, path) for path in sectors.with_ancestors(tagger.tag(paragraph.text)))
    with con:
        con.executemany("INSERT INTO para (rowid, ref, title, heading, text) VALUES (?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO sectors (doc, sector) VALUES (?, ?)", tags)
        con.executescript(INDEXES)
        con.execute("INSERT INTO para (para) VALUES ('optimize')")
    con.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "paragraphs": doc, "bytes": db.stat().st_size}


SEARCH = """SELECT ref, highlight(para, 3, char(2), char(3)), bm25(para) FROM para
            WHERE para MATCH ? ORDER BY bm25(para) LIMIT 20"""
# The sector filter as a join for ranking and as EXISTS for counting: the plans SQLite runs fastest
# (`rowid IN (SELECT ...)` took 4-12 s at 100k; join 22 ms; EXISTS counts in 6 ms, join in 300 ms).
SEARCH_IN = """SELECT ref, highlight(para, 3, char(2), char(3)), bm25(para) FROM para
               JOIN sectors s ON s.doc = para.rowid WHERE para MATCH ? AND s.sector = ?
               ORDER BY bm25(para) LIMIT 20"""
COUNT = "SELECT count(*) FROM para WHERE para MATCH ?"
COUNT_IN = """SELECT count(*) FROM para WHERE para MATCH ?
              AND EXISTS (SELECT 1 FROM sectors s WHERE s.doc = para.rowid AND s.sector = ?)"""
FACETS = """SELECT s.sector, count(*) FROM para JOIN sectors s ON s.doc = para.rowid
            WHERE para MATCH ? GROUP BY s.sector"""


def search(con: sqlite3.Connection, match: str, sector: str | None) -> tuple[int, list]:
    if sector:
        rows = con.execute(SEARCH_IN, (match, sector)).fetchall()
        total = con.execute(COUNT_IN, (match, sector)).fetchone()[0]
    else:
        rows = con.execute(SEARCH, (match,)).fetchall()
        total = con.execute(COUNT, (match,)).fetchone()[0]
    return total, rows


def facets(con: sqlite3.Connection, match: str) -> dict[str, int]:
    return dict(con.execute(FACETS, (match,)).fetchall())


def time_queries(db: Path, rounds: int) -> dict:
    con = sqlite3.connect(db)
    for _, _, sector, match in MIX:  # warm-up
        search(con, match, sector)
        facets(con, match)
    times = {"search": [], "tree": []}
    totals = {}
    for _ in range(rounds):
        for _, query, sector, match in MIX:
            started = time.perf_counter()
            total, _ = search(con, match, sector)
            times["search"].append((time.perf_counter() - started) * 1000)
            totals[f"{query}|{sector}"] = total
        for _, _, _, match in MIX:
            started = time.perf_counter()
            facets(con, match)
            times["tree"].append((time.perf_counter() - started) * 1000)
    con.close()
    return {"times": times, "totals": totals}
