"""timeline.sqlite: what the timeline's events are made of, so an update re-merges only a few."""

from __future__ import annotations

import bisect
import json
import pickle
from collections import Counter
from pathlib import Path

from .. import ingest
from .errors import IndexProblem
from .events import Stems, common_floor, date_key, in_order, merge_drafts, order_of, without
from .manifest import Manifest

TIMELINE_CACHE = "timeline.sqlite"


class TimelineCache:
    """timeline.sqlite: each date mention's draft (its terms before common words are taken out)
    and each word's paragraph count, so an update merges again only the date keys it touches."""

    SCHEMA = """
        CREATE TABLE meta (name TEXT PRIMARY KEY, value);
        CREATE TABLE words (stem TEXT PRIMARY KEY, n INTEGER NOT NULL);
        CREATE TABLE drafts (article TEXT NOT NULL, file TEXT NOT NULL, para INTEGER NOT NULL,
                             idx INTEGER NOT NULL, key TEXT, draft BLOB NOT NULL);
        CREATE INDEX drafts_by_key ON drafts (key);
        CREATE INDEX drafts_by_article ON drafts (article);
    """

    @staticmethod
    def check(data: Path, manifest: Manifest) -> None:
        """Raise IndexProblem unless the cache is the one the manifest names."""
        import sqlite3

        path = data / TIMELINE_CACHE
        try:
            if not path.is_file():
                raise IndexProblem("its timeline cache is missing")
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = con.execute("SELECT value FROM meta WHERE name = 'token'").fetchone()
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise IndexProblem(f"its timeline cache is unreadable ({err.__class__.__name__})") from None
        if not row or row[0] != manifest.timeline.get("cache"):
            raise IndexProblem("its timeline cache does not match the manifest")

    @staticmethod
    def _rows(article_id: str, file: str, drafts: list) -> list[tuple]:
        return [(article_id, file, para, idx, date_key(draft.event),
                 pickle.dumps(draft, protocol=pickle.HIGHEST_PROTOCOL))
                for para, idx, draft in drafts]

    @classmethod
    def create(cls, folder: Path, words: Counter, paragraphs: int,
               drafts: list[tuple[str, str, list]]) -> str:
        """A new cache in ``folder``: ``drafts`` is (article id, file, [(para, idx, draft)]); its token."""
        import sqlite3
        import uuid

        token = uuid.uuid4().hex
        con = sqlite3.connect(folder / TIMELINE_CACHE)
        try:
            with con:
                con.executescript(cls.SCHEMA)
                con.executemany("INSERT INTO words VALUES (?, ?)", words.items())
                con.executemany("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)",
                                [row for article_id, file, found in drafts
                                 for row in cls._rows(article_id, file, found)])
                con.executemany("INSERT INTO meta VALUES (?, ?)",
                                [("paragraphs", paragraphs), ("token", token)])
        finally:
            con.close()
        return token

    @classmethod
    def update(cls, data: Path, old_items: list[tuple], gone: dict[str, list[str]],
               added: list[tuple[ingest.Article, str, list]]) -> tuple[list[tuple], str]:
        """The events after the articles ``gone`` (id -> old paragraph texts) went and ``added``
        (article, file, [(para, idx, draft)]) came; the cache is changed to match. Returns the
        events (in timeline order, as events.pickle holds them) and the cache's new token."""
        import sqlite3
        import uuid

        token = uuid.uuid4().hex
        stems = Stems()
        delta: Counter = Counter()
        count = 0
        for texts in gone.values():
            for text in texts:
                delta.subtract(stems(text))
            count -= len(texts)
        for article, _, _ in added:
            for paragraph in article.paragraphs:
                delta.update(stems(paragraph.text))
            count += len(article.paragraphs)
        con = sqlite3.connect(data / TIMELINE_CACHE)
        try:
            with con:
                before = con.execute("SELECT value FROM meta WHERE name = 'paragraphs'").fetchone()[0]
                common = "SELECT stem FROM words WHERE n > ?"
                common_before = {w for (w,) in con.execute(common, (common_floor(before),))}
                con.executemany("INSERT INTO words VALUES (?, ?) ON CONFLICT (stem) DO UPDATE "
                                "SET n = n + excluded.n", [(w, n) for w, n in delta.items() if n])
                con.execute("DELETE FROM words WHERE n <= 0")
                after = before + count
                common_after = frozenset(w for (w,) in con.execute(common, (common_floor(after),)))
                ids = list(gone)
                keys: set[str] | None = set()
                for chunk in range(0, len(ids), 500):
                    marks = ",".join("?" * len(ids[chunk:chunk + 500]))
                    keys.update(k for (k,) in con.execute(
                        f"SELECT DISTINCT key FROM drafts WHERE article IN ({marks})", ids[chunk:chunk + 500]))
                    con.execute(f"DELETE FROM drafts WHERE article IN ({marks})", ids[chunk:chunk + 500])
                rows = [row for article, file, found in added for row in cls._rows(article.id, file, found)]
                con.executemany("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)", rows)
                keys.update(row[4] for row in rows)
                keys.discard(None)
                if common_after != common_before:  # every draft's terms change: merge them all again
                    keys = None
                    query, params = "SELECT file, para, idx, key, draft FROM drafts WHERE key IS NOT NULL", []
                else:
                    query, params = "SELECT file, para, idx, key, draft FROM drafts WHERE key IN " \
                                    "(SELECT value FROM json_each(?))", [json.dumps(sorted(keys))]
                groups: dict[str, list] = {}
                for file, para, idx, key, blob in con.execute(query, params):
                    groups.setdefault(key, []).append(((file, para, idx), pickle.loads(blob)))
                con.execute("UPDATE meta SET value = ? WHERE name = 'paragraphs'", (after,))
                con.execute("UPDATE meta SET value = ? WHERE name = 'token'", (token,))
        finally:
            con.close()
        gone_ids = set(gone)
        # the events no change can touch stay, in order; only the new ones are sorted in
        items = [item for item in old_items
                 if (item[1] is None and item[2][4][0][0].rpartition(":")[0] not in gone_ids)
                 or (item[1] is not None and keys is not None and item[1] not in keys)]
        new: list[tuple] = []
        for group in groups.values():
            group.sort(key=lambda entry: entry[0])
            new.extend(merge_drafts([(position, without(draft, common_after))
                                      for position, draft in group]))
        new.extend((draft.event, (file, para, idx), None) for article, file, found in added
                   for para, idx, draft in found if draft.event.date is None)
        for item in in_order(new):
            bisect.insort(items, item, key=order_of)
        return items, token
