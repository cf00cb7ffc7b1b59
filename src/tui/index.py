"""The Whoosh index: the one module that imports Whoosh.

Layout of an index folder (``index/`` in a checkout)::

    index/
      data/           the Whoosh index, manifest.json, events.pickle and timeline.sqlite,
                      swapped in whole after a full build
      data.new/       a full build in progress (removed if it fails)
      .write.lock     held by whoever updates the index

``manifest.json`` says what the index holds: the schema version, a content hash per article file,
the size and times each file had when it was last read (so an update reads only files that
changed), the hashes of the taxonomy and the corpus settings, the hash of Whoosh's table of
contents (a pickle: we only open an index whose TOC we wrote), the articles' metadata, and the hash
of ``events.pickle``, the timeline's events (also ours, checked the same way). ``timeline.sqlite``
keeps what the events are made of (each date mention's draft, every word's paragraph count) so that
an update re-merges only the events an article's change can touch; only updates read it.
Reading needs no lock: Whoosh readers see the last committed generation.
"""

from __future__ import annotations

import bisect
import fcntl
import hashlib
import heapq
import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from collections import Counter, OrderedDict
from itertools import accumulate
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from datetime import date as _date

from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.codec import whoosh3 as _whoosh3
from whoosh.filedb.structfile import BufferFile as _BufferFile
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup, AndGroup
from whoosh.query import Every, Query, Term
from whoosh.columns import NumericColumn as _NumericColumn
from whoosh.matching import AndMaybeMatcher as _AndMaybeMatcher, AndNotMatcher as _AndNotMatcher
from whoosh.matching import FilterMatcher as _FilterMatcher, IntersectionMatcher as _IntersectionMatcher
from whoosh.matching import NullMatcherClass as _NullMatcher, UnionMatcher as _UnionMatcher
from whoosh.reading import MultiReader as _MultiReader, SegmentReader as _SegmentReader, TermNotFound
from whoosh.support.levenshtein import damerau_levenshtein as _damerau_levenshtein
from whoosh.support.levenshtein import levenshtein as _levenshtein
from whoosh import scoring as _scoring
from whoosh.scoring import BM25FScorer as _BM25FScorer
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length
from whoosh.formats import Positions as _Positions
from whoosh.query.spans import SpanNear2 as _SpanNear2
from whoosh.support.charset import accent_map

from . import dates, ingest, sectors, timeline

SCHEMA_VERSION = 2  # 2: events and their makings left the manifest; file sizes and times came in


def _cached_column_reader(self, fieldname, column):
    """W3PerDocReader._cached_reader that also remembers a column the segment does not have.

    Whoosh asks for a field's lengths column once per posting when it writes a segment, and for
    fields without lengths (ID, KEYWORD, not scorable) it looked for the file on disk every time:
    half the commit at 10k paragraphs went to os.stat. A segment's columns never change once its
    per-document files are written, so the answer can be kept; everything else is as Whoosh's.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


_whoosh3.W3PerDocReader._cached_reader = _cached_column_reader


class _ViewFile:
    """A read-only file over a buffer, as io.BytesIO reads one, but without copying the buffer.

    Whoosh opens each part of a segment's compound file as a BufferFile over a memoryview of the
    mmap'd segment, and BufferFile wraps that view in io.BytesIO, which copies it: every part of
    every segment ended up in the process's own memory (160 MB of the app's 470 MB at 100k
    paragraphs) as well as in the page cache. Reading through the view instead keeps the mmap's
    pages shared and reclaimable; the bytes read are the same.
    """

    def __init__(self, buf) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        if end <= start:
            return b""
        self._pos = end
        return bytes(self._buf[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        rest = bytes(self._buf[self._pos:]) if size is None or size < 0 \
            else bytes(self._buf[self._pos:self._pos + size])
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[:cut + 1]
        self._pos += len(line)
        return line

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, position: int, whence: int = 0) -> int:
        target = position if whence == 0 else self._pos + position if whence == 1 else len(self._buf) + position
        if target < 0:
            raise ValueError(f"negative seek value {target}")
        self._pos = target
        return target

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = b""


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    """whoosh.filedb.structfile.BufferFile.__init__ with a _ViewFile in place of io.BytesIO."""
    self._buf = buf
    self._name = name
    self.file = _ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


_BufferFile.__init__ = _buffer_file_init
_W3LeafMatcher = _whoosh3.W3LeafMatcher
_NumericReader = _NumericColumn.Reader
_SpanNear2Matcher = _SpanNear2.SpanNear2Matcher
_from_ordinal = _date.fromordinal
_BM25F_SCORE = _BM25FScorer._score
_POSITIONS_DECODE = _Positions.decode_positions
_BM25 = _scoring.bm25

# Case-folded, accent-folded, stemmed words. The tokenizer splits on apostrophes and on '-', '–'
# and '—', so "Pakistan's" and "Pakistan’s" give the same words and "two-day" gives two.
ANALYZER = StemmingAnalyzer() | CharsetFilter(accent_map)


def analyze(text: str) -> list[str]:
    """The words the index keeps for ``text``, in order: what queries and sector terms match on.

    The same words as ``[t.text for t in ANALYZER(text)]`` (the bench checks it on every corpus),
    three times faster: a tag runs on every paragraph of a build, and Whoosh's filter chain spends
    its time on token objects and generators. Each distinct word is folded once and remembered.
    """
    if _TOKENS is None:
        return [token.text for token in ANALYZER(text)]
    words = _TOKENS.findall(text)
    folded = _FOLDED
    try:
        return [word for word in [folded[raw] for raw in words] if word is not None]
    except KeyError:
        if len(folded) > 200_000:
            folded.clear()
        for raw in words:
            if raw not in folded:
                folded[raw] = _fold(raw)
        return [word for word in [folded[raw] for raw in words] if word is not None]


def _fast_analyzer():
    """The pieces of ANALYZER that :func:`analyze` applies itself, or None if it is not as expected."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

    try:
        tokenizer, lower, stop, stem, charset = ANALYZER.items
    except (AttributeError, ValueError):
        return None
    kinds = (RegexTokenizer, LowercaseFilter, StopFilter, StemFilter, CharsetFilter)
    if not all(type(item) is kind for item, kind in zip(ANALYZER.items, kinds)) or tokenizer.gaps \
            or tokenizer.expression.pattern != r"[\w\*]+(\.?[\w\*]+)*" or stop.max is not None:
        return None
    # the same matches, without the capturing group that would make findall return groups
    tokens = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*", tokenizer.expression.flags)

    def fold(raw: str) -> str | None:
        word = raw.lower()
        if len(word) < stop.min or word in stop.stops:
            return None
        if word not in stem.ignore:
            word = stem._stem(word)
        return word.translate(charset.charmap)

    return tokens, fold


_TOKENS, _fold = _fast_analyzer() or (None, None)
_FOLDED: dict[str, str | None] = {}


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


# --- the manifest ------------------------------------------------------------------------------

MANIFEST = "manifest.json"


@dataclass
class Manifest:
    schema: int = SCHEMA_VERSION
    taxonomy: str = ""
    settings: str = ""
    toc: dict[str, str] = field(default_factory=dict)
    corpus_name: str = ""
    window: dict | None = None
    sectors: list[dict] = field(default_factory=list)  # the taxonomy tree: name, path, children
    articles: dict[str, dict] = field(default_factory=dict)  # id -> metadata, digest
    problems: list[str] = field(default_factory=list)
    # Since schema 2 the events are in events.pickle and the date mentions in timeline.sqlite; the
    # manifest keeps both keys, empty, so that it has the shape older versions and checks expect.
    events: list[dict] = field(default_factory=list)
    # every article file as last read: path -> [size, mtime_ns, ctime_ns, inode, article id or
    # None if skipped, its problems]; trusted for files last modified RACY_NS before checked_ns
    files: dict[str, list] = field(default_factory=dict)
    checked_ns: int = 0
    timeline: dict[str, str] = field(default_factory=dict)  # "events": sha256, "cache": token

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        try:
            raw = json.loads((folder / MANIFEST).read_text("utf-8"))
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        except FileNotFoundError:
            raise IndexProblem("no index yet") from None
        except (OSError, ValueError, TypeError) as err:
            raise IndexProblem(f"index manifest unreadable ({err.__class__.__name__})") from None

    def save(self, folder: Path) -> None:
        data = json.dumps(self.__dict__, ensure_ascii=False, separators=(",", ":"))
        tmp = folder / (MANIFEST + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / MANIFEST)


def _toc_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.toc"))}


def _settings_digest(corpus: Path) -> str:
    try:
        return hashlib.sha256((corpus / "corpus.toml").read_bytes()).hexdigest()
    except OSError:
        return ""


# --- building ----------------------------------------------------------------------------------

@dataclass
class BuildReport:
    articles: int = 0
    paragraphs: int = 0
    reindexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # why a full rebuild happened, etc.
    rebuilt: bool = False
    seconds: float = 0.0


Progress = Callable[[int, int], None]


@contextmanager
def write_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's write lock; raise IndexBusy if another process holds it past ``wait``."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".write.lock", "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy("the index is being updated by another process") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_locked(root: Path) -> bool:
    try:
        with open(root / ".write.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def _date_keys(mentions: list[dates.DateMention]) -> list[str]:
    keys = set()
    for mention in mentions:
        if mention.date is None:
            continue
        iso = mention.date.isoformat()
        keys.update({iso[:4], iso[:7]} if mention.precision != "year" else {iso[:4]})
        if mention.precision == "day":
            keys.add(iso)
    return sorted(keys)


def _documents(article: ingest.Article, tagger: sectors.Tagger,
               mentions: dict[int, list[dates.DateMention]]) -> Iterator[dict]:
    for paragraph in article.paragraphs:
        paths = sectors.with_ancestors(tagger.tag(paragraph.text))
        yield dict(
            ref=paragraph.ref, article=article.id, number=paragraph.number, title=article.title,
            published=article.date.isoformat() if article.date else "", place=article.place,
            heading=paragraph.heading, text=paragraph.text, sector=",".join(paths),
            date=",".join(_date_keys(mentions.get(paragraph.number, []))),
        )


def _article_entry(article: ingest.Article, folder: Path) -> dict:
    return {
        "file": article.path.relative_to(folder).as_posix(), "digest": article.digest,
        "title": article.title, "date": article.date.isoformat() if article.date else None,
        "place": article.place, "source": article.source, "url": article.url,
        "paragraphs": len(article.paragraphs), "headings": list(article.headings),
        "mentions": {},  # since schema 2 in timeline.sqlite
    }


def _mentions_of(article: ingest.Article, window) -> dict[int, list[dates.DateMention]]:
    return {p.number: timeline.paragraph_mentions(p, article.date, window) for p in article.paragraphs}


def update(corpus: Path, root: Path, *, rebuild: bool = False, progress: Progress | None = None,
           wait: float = 30.0) -> BuildReport:
    """Bring the index at ``root`` up to date with ``corpus``; re-index only what changed.

    A full build happens on ``rebuild``, or when the index is missing, damaged or made with another
    schema, taxonomy or corpus settings; it is written aside and swapped in whole. Otherwise only
    the files whose size or times differ from the manifest's are read, only the articles whose
    content changed are re-indexed, and only the timeline's events they can touch are merged again.
    """
    started = time.perf_counter()
    report = BuildReport()
    corpus = Path(corpus)
    listing: list[ingest.Problem] = []
    paths = ingest.article_files(corpus, listing)  # raises CorpusError for a missing corpus folder
    taxonomy, taxonomy_problem = sectors.load_taxonomy(corpus)
    window, window_problem = dates.load_window(corpus)
    tagger = sectors.compile_taxonomy(taxonomy, analyze)
    settings = _settings_digest(corpus)

    with write_lock(root, wait):
        data = root / "data"
        old: Manifest | None = None
        if not rebuild:
            try:
                old = _check(data)
                _TimelineCache.check(data, old)
            except IndexProblem as err:
                old = None
                if data.exists() or (root / "data.new").exists():
                    report.notices.append(f"rebuilding the index: {err}")
        if old is not None and (old.taxonomy, old.settings) != (taxonomy.digest, settings):
            report.notices.append("rebuilding the index: the taxonomy or corpus settings changed")
            old = None

        read = _read_corpus(corpus, paths, listing, old)
        report.problems = read.problems + [p for p in (taxonomy_problem, window_problem) if p]
        if old is None:
            changed, removed = list(read.order), []
        else:
            changed = [i for i in read.order if i in read.fresh and (
                i not in old.articles or old.articles[i]["digest"] != read.fresh[i].digest
                or old.articles[i]["file"] != read.files_of[i])]
            current = set(read.order)
            removed = [i for i in old.articles if i not in current]
        renewed = set(changed)
        entries = {i: _article_entry(read.fresh[i], corpus) if i in renewed else old.articles[i]
                   for i in read.order}
        manifest = Manifest(
            taxonomy=taxonomy.digest, settings=settings,
            corpus_name=_corpus_name(corpus), window=_window_dict(window),
            sectors=[_sector_spec(sector) for sector in taxonomy.roots],
            articles=entries, problems=report.problems, files=read.files, checked_ns=read.checked_ns,
            timeline=dict(old.timeline) if old else {},
        )
        if old is None:
            _full_build(root, [read.fresh[i] for i in changed], read.files_of, tagger, window,
                        progress, manifest)
            report.rebuilt = True
        elif changed or removed or old.problems != manifest.problems:
            _incremental(data, old, [read.fresh[i] for i in changed], removed, read.files_of,
                         tagger, window, manifest, progress)
        elif old.files != manifest.files:  # only sizes or times: no need to touch the index
            manifest.toc = old.toc
            manifest.save(data)
        report.reindexed, report.removed = changed, removed

    report.articles = len(entries)
    report.paragraphs = sum(entry["paragraphs"] for entry in entries.values())
    report.seconds = time.perf_counter() - started
    return report


RACY_NS = 2_000_000_000  # a file modified this close before it was read is read again next time


@dataclass
class _Read:
    """The corpus as ingest.read_corpus reads it, with the unchanged files taken from the manifest."""

    order: list[str]  # article ids, in corpus order
    files_of: dict[str, str]  # article id -> its file, relative to the corpus
    fresh: dict[str, ingest.Article]  # the articles read this time (every one on a full build)
    files: dict[str, list]  # the manifest's record of every file
    problems: list[str]
    checked_ns: int


def _read_corpus(corpus: Path, paths: list[Path], listing: list, old: Manifest | None) -> _Read:
    """What ingest.read_corpus gives, reading only the files that changed since ``old``.

    A file whose size, modification and change times and inode are those the manifest recorded,
    and which had not been modified for RACY_NS before it was last read, is taken as unchanged
    (as git and make do); its article and problems are the manifest's. Every other file is read
    with ingest.read_article, and the rest follows read_corpus: the same order, the same problems.
    """
    checked = time.time_ns()
    read = _Read([], {}, {}, {}, [str(p) for p in listing], checked)
    known = old.files if old is not None else {}
    trusted_before = old.checked_ns - RACY_NS if old is not None else 0
    seen: set[str] = set()
    for path in paths:
        name = path.relative_to(corpus).as_posix()
        try:
            info = os.stat(path)
            stat = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
            name.encode("utf-8")  # a name that is not UTF-8 cannot go in the manifest
        except (OSError, UnicodeEncodeError):
            stat = None
        record = known.get(name)
        article = None
        if record is not None and stat is not None and record[:4] == stat and stat[1] < trusted_before \
                and (record[4] is None or old.articles.get(record[4], {}).get("file") == name):
            article_id, problems = record[4], list(record[5])
        else:
            article, found = ingest.read_article(corpus, path)
            article_id = article.id if article is not None else None
            problems = [str(problem) for problem in found]
        read.problems.extend(problems)
        if stat is not None:
            read.files[name] = stat + [article_id, problems]
        if article_id is None:
            continue
        if article_id in seen:
            read.problems.append(str(ingest.Problem(
                name, f"skipped: another file already has the id {article_id!r}")))
            continue
        seen.add(article_id)
        read.order.append(article_id)
        read.files_of[article_id] = name
        if article is not None:
            read.fresh[article_id] = article
    return read


# --- the timeline's events ---------------------------------------------------------------------

def _date_key(event: timeline.Event) -> str | None:
    """The group an event merges within (timeline's date key), as text; None: it never merges."""
    return None if event.date is None else repr(timeline._date_key(event))


def _merge_drafts(drafts: list) -> list[tuple]:
    """The events of ``drafts`` ((position, draft), in corpus order) merged as build_events does.

    ``build_events`` merges each new draft into the first earlier draft that reports the same thing,
    and that needs the same date key and at least one shared key term. So drafts are looked up by
    date key and term, and tried in the order ``build_events`` would try them: the same merges, in
    time linear in the drafts rather than quadratic (10k paragraphs: 9.9 s before). Undated drafts
    never merge. Gives (event, position of its first draft, date key), unsorted.
    """
    kept: list = []  # [position, draft], in the order build_events keeps them
    by_key: dict[tuple, dict[str, list[int]]] = {}  # date key -> term -> drafts (positions) having it
    for position, new in drafts:
        if new.event.date is None:
            kept.append([position, new])
            continue
        postings = by_key.setdefault(timeline._date_key(new.event), {})
        candidates = sorted({i for term in new.terms for i in postings.get(term, ())})
        for i in candidates:
            if timeline._same_report(kept[i][1], new):
                added = new.terms - kept[i][1].terms
                kept[i][1] = timeline._merged(kept[i][1], new)
                for term in added:
                    postings.setdefault(term, []).append(i)
                break
        else:
            for term in new.terms:
                postings.setdefault(term, []).append(len(kept))
            kept.append([position, new])
    return [(draft.event, position, _date_key(draft.event)) for position, draft in kept]


def _in_order(items: list[tuple]) -> list[tuple]:
    """Events in timeline order; ties in the order build_events made them (corpus order).

    ``items`` are (event, position, key); the result is what events.pickle holds: (position,
    key, the event as plain tuples), which pickle and unpickle several times faster than Events.
    """
    ordered = sorted(items, key=lambda item: (timeline._timeline_order(item[0]), item[1]))
    return [(position, key, _event_tuple(event)) for event, position, key in ordered]


def _event_tuple(event: timeline.Event) -> tuple:
    return (event.date.toordinal() if event.date else None, event.precision, event.flags, event.label,
            tuple((s.ref, s.span[0], s.span[1], s.text) for s in event.sources),
            event.end_date.toordinal() if event.end_date else None)


def _event_of(data: tuple) -> timeline.Event:
    day, precision, flags, label, sources, end = data
    return timeline.Event(
        _from_ordinal(day) if day is not None else None, precision, flags, label,
        tuple(timeline.Source(ref, (start, stop), text) for ref, start, stop, text in sources),
        _from_ordinal(end) if end is not None else None)


def _order_of(item: tuple) -> tuple:
    """The sort key of an events.pickle item: timeline order, then position."""
    return (timeline._timeline_order(_event_of(item[2])), item[0])


class _Stems:
    """``set(timeline._words(text))``, stemming each distinct word once rather than every time."""

    def __init__(self) -> None:
        self._stems: dict[str, str | None] = {}

    def __call__(self, text: str) -> set[str]:
        stems, found = self._stems, set()
        for word in set(timeline._WORD.findall(text.casefold())):
            try:
                stem = stems[word]
            except KeyError:
                keep = (len(word) > 1 or word.isdigit()) and word not in timeline._STOPWORDS
                stem = stems[word] = timeline._stem(word) if keep else None
            if stem is not None:
                found.add(stem)
        return found


def _common_floor(paragraphs: int) -> float:
    """timeline._common_words: a word in more paragraphs than this is common."""
    return max(timeline.COMMON_MIN_PARAGRAPHS, timeline.COMMON_SHARE * paragraphs)


def _common_from(words: Counter, paragraphs: int) -> frozenset[str]:
    """:func:`timeline._common_words` from the count of paragraphs having each word."""
    floor = _common_floor(paragraphs)
    return frozenset(word for word, count in words.items() if count > floor)


EVENTS = "events.pickle"
TIMELINE_CACHE = "timeline.sqlite"


def _save_events(folder: Path, items: list[tuple]) -> str:
    """Write events.pickle (events in timeline order, with position and key); its sha256."""
    data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = folder / (EVENTS + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / EVENTS)
    return hashlib.sha256(data).hexdigest()


def _load_events(folder: Path, digest: str) -> list[tuple]:
    """events.pickle, if it is the one the manifest names (we only unpickle what we wrote)."""
    try:
        data = (folder / EVENTS).read_bytes()
    except OSError as err:
        raise IndexProblem(f"its timeline is unreadable ({err.strerror or err})") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexProblem("its timeline does not match the manifest")
    try:
        return pickle.loads(data)
    except DAMAGE as err:
        raise IndexProblem(f"its timeline is damaged ({err.__class__.__name__})") from None


class _TimelineCache:
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
        return [(article_id, file, para, idx, _date_key(draft.event),
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
        stems = _Stems()
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
                common_before = {w for (w,) in con.execute(common, (_common_floor(before),))}
                con.executemany("INSERT INTO words VALUES (?, ?) ON CONFLICT (stem) DO UPDATE "
                                "SET n = n + excluded.n", [(w, n) for w, n in delta.items() if n])
                con.execute("DELETE FROM words WHERE n <= 0")
                after = before + count
                common_after = frozenset(w for (w,) in con.execute(common, (_common_floor(after),)))
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
            new.extend(_merge_drafts([(position, replace(draft, terms=draft.terms - common_after))
                                      for position, draft in group]))
        new.extend((draft.event, (file, para, idx), None) for article, file, found in added
                   for para, idx, draft in found if draft.event.date is None)
        for item in _in_order(new):
            bisect.insort(items, item, key=_order_of)
        return items, token


def _corpus_name(corpus: Path) -> str:
    import tomllib
    try:
        return str(tomllib.loads((corpus / "corpus.toml").read_text("utf-8"))["corpus"]["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return corpus.resolve().name


def _sector_spec(sector: sectors.Sector) -> dict:
    return {"name": sector.name, "path": sector.path,
            "children": [_sector_spec(child) for child in sector.children]}


def _window_dict(window) -> dict | None:
    if window is None:
        return None
    return {"name": window.name, "start": window.start.isoformat(), "end": window.end.isoformat()}


PARALLEL_FROM = 2_000  # paragraphs; below this a helper process costs more than it saves
WRITER_MB = 2048  # per writer: the postings Whoosh sorts in memory before spilling to disk


def _writer_procs(paragraphs: int) -> int:
    """Processes for a full build: one per core (at most 4) once there is enough work to share."""
    return min(os.cpu_count() or 1, 4) if paragraphs >= PARALLEL_FROM else 1


def _add_all(writer, articles, tagger, mentions, progress: Progress | None) -> None:
    total = sum(len(a.paragraphs) for a in articles)
    done = 0
    for article in articles:
        for document in _documents(article, tagger, mentions[article.id]):
            writer.add_document(**document)
        done += len(article.paragraphs)
        if progress:
            progress(done, total)


@dataclass
class _Part:
    """What indexing a run of articles gives besides its documents: the makings of the timeline."""

    words: Counter  # stem -> paragraphs having it, for the timeline's common words
    paragraphs: int
    drafts: list  # (article id, [(paragraph, mention index, draft)]) in corpus order; each draft
    #               with all its words as terms (common words are taken out once all are counted)
    segment: object = None  # the Whoosh segment a helper process wrote


def _drafts_of(article: ingest.Article, mentions: dict[int, list[dates.DateMention]]) -> list:
    nothing_common: frozenset[str] = frozenset()
    return [(paragraph.number, idx, timeline._draft(paragraph, mention, nothing_common))
            for paragraph in article.paragraphs
            for idx, mention in enumerate(mentions.get(paragraph.number, ()))]


def _index_part(writer, articles, tagger, window, tick: Callable[[int], None]) -> _Part:
    """Add ``articles`` to ``writer``; date-tag them and gather what the timeline needs."""
    part = _Part(Counter(), 0, [])
    stems = _Stems()
    for article in articles:
        found = _mentions_of(article, window)
        _add_all(writer, [article], tagger, {article.id: found}, None)
        for paragraph in article.paragraphs:
            part.words.update(stems(paragraph.text))
        part.drafts.append((article.id, _drafts_of(article, found)))
        part.paragraphs += len(article.paragraphs)
        tick(len(article.paragraphs))
    return part


def _helper(fresh: str, articles, tagger, window, counter, conn) -> None:
    """A helper process of a parallel full build: indexes ``articles`` into a new segment."""
    from whoosh.writing import SegmentWriter

    try:
        ix = whoosh_index.open_dir(fresh)
        writer = SegmentWriter(ix, _lk=False, limitmb=WRITER_MB)  # the parent holds the lock

        def tick(count: int) -> None:
            counter.value += count

        part = _index_part(writer, articles, tagger, window, tick)
        part.segment = writer._finalize_segment()  # the parent lists it in the table of contents
        conn.send((True, part))
    except BaseException as err:  # the parent raises it
        try:
            conn.send((False, err))
        except Exception:
            conn.send((False, RuntimeError(f"a helper process of the index build failed: {err!r}")))
    finally:
        conn.close()


def _split(articles: list, count: int) -> list[list]:
    """``articles`` cut into at most ``count`` runs, in order, of about as many paragraphs each."""
    total = sum(len(a.paragraphs) for a in articles)
    runs: list[list] = [[] for _ in range(count)]
    done = 0
    for article in articles:
        runs[min(count - 1, done * count // max(total, 1))].append(article)
        done += len(article.paragraphs)
    return [run for run in runs if run] or [[]]


def _full_build(root: Path, articles, files_of: dict[str, str], tagger, window, progress,
                manifest: Manifest) -> None:
    """Index everything into ``data.new``, then swap it in whole.

    With enough paragraphs the articles are cut into runs, one per core, in corpus order, and a
    helper process indexes each run into a segment of its own; the table of contents then lists
    the segments in corpus order, so document numbers follow the corpus as in a one-process
    build. Date tagging and the timeline's word counts happen in the helpers too; only merging the
    timeline's events is left for this process, which does not grow by a writer's memory (in the
    app it is the app's process).
    """
    import multiprocessing
    import threading

    fresh, data, stale = root / "data.new", root / "data", root / "data.old"
    for folder in (fresh, stale):
        shutil.rmtree(folder, ignore_errors=True)
    fresh.mkdir(parents=True)
    total = sum(len(a.paragraphs) for a in articles)
    runs = _split(articles, _writer_procs(total))
    helpers: list = []
    try:
        ix = whoosh_index.create_in(str(fresh), make_schema())
        if len(runs) > 1:  # fork is quick, but unsafe in a threaded process (the app's worker)
            context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
        for run in runs if len(runs) > 1 else ():
            counter = context.Value("q", 0, lock=False)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_helper, daemon=True,
                                      args=(str(fresh), run, tagger, window, counter, send))
            process.start()
            send.close()
            helpers.append((process, counter, receive))
        own = 0

        def tick(count: int) -> None:
            nonlocal own
            own += count
            if progress:
                progress(own + sum(counter.value for _, counter, _ in helpers), total)

        writer = ix.writer(limitmb=WRITER_MB)
        try:
            parts = [] if helpers else [_index_part(writer, runs[0], tagger, window, tick)]
            for process, _, receive in helpers:
                while not receive.poll(0.1):
                    if not process.is_alive() and not receive.poll(0):
                        raise RuntimeError("a helper process of the index build stopped "
                                           f"(exit code {process.exitcode})")
                    tick(0)
                ok, value = receive.recv()
                if not ok:
                    raise value
                parts.append(value)
                process.join()
        except BaseException:
            writer.cancel()
            raise
        if helpers:  # Whoosh's own multi-segment commit, with the segments in corpus order
            writer._close_segment()
            writer._commit_toc([part.segment for part in parts])
            writer._finish()
        else:
            writer.commit()
        ix.close()
        words: Counter = Counter()
        for part in parts:
            words.update(part.words)
        paragraphs = sum(part.paragraphs for part in parts)
        common = _common_from(words, paragraphs)
        drafts = [(article_id, files_of[article_id], found) for part in parts for article_id, found in part.drafts]
        items = _in_order(_merge_drafts([((file, para, idx), replace(draft, terms=draft.terms - common))
                                         for _, file, found in drafts for para, idx, draft in found]))
        manifest.timeline = {"events": _save_events(fresh, items),
                             "cache": _TimelineCache.create(fresh, words, paragraphs, drafts)}
        manifest.toc = _toc_hashes(fresh)
        manifest.save(fresh)
        if data.exists():
            data.rename(stale)
        fresh.rename(data)
        shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        for process, _, _ in helpers:
            if process.is_alive():
                process.terminate()
            process.join()
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _incremental(data: Path, old: Manifest, articles, removed, files_of: dict[str, str], tagger,
                 window, manifest: Manifest, progress) -> None:
    """Re-index ``articles``, drop ``removed``, and bring the timeline up to date with them."""
    ix = whoosh_index.open_dir(str(data))
    try:
        gone: dict[str, list[str]] = {}  # the old paragraphs' texts: the words they took away
        with ix.searcher() as searcher:
            for article_id in removed + [a.id for a in articles]:
                if article_id in old.articles:
                    docs = searcher.documents(article=article_id)
                    gone[article_id] = [doc.get("text", "") for doc in docs]
        mentions = {a.id: _mentions_of(a, window) for a in articles}
        writer = ix.writer()
        try:
            for article_id in removed + [a.id for a in articles]:
                writer.delete_by_term("article", article_id)
            _add_all(writer, articles, tagger, mentions, progress)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    finally:
        ix.close()
    old_items = _load_events(data, old.timeline.get("events", ""))
    added = [(a, files_of[a.id], _drafts_of(a, mentions[a.id])) for a in articles]
    items, token = _TimelineCache.update(data, old_items, gone, added)
    manifest.timeline = {"events": _save_events(data, items), "cache": token}
    manifest.toc = _toc_hashes(data)
    manifest.save(data)


_ENTRY_KEYS = {"file", "digest", "title", "date", "place", "source", "url", "paragraphs", "headings",
               "mentions"}
_MENTION_KEYS = {"start", "end", "text", "date", "precision"}
_EVENT_KEYS = {"date", "precision", "label", "sources"}


def _well_formed(m: Manifest) -> bool:
    """Whether a manifest has the shape this version writes, down to the keys the views read.

    A hand-edited manifest, or one from a version with the same schema number but other fields,
    crashed the views that read it (a KeyError in `tui sectors`, `timeline`, `articles`); such an
    index is rebuilt instead. Only types and keys are looked at: it stays quick at 100k paragraphs.
    """
    if not (isinstance(m.toc, dict) and isinstance(m.articles, dict) and isinstance(m.sectors, list)
            and isinstance(m.events, list) and isinstance(m.problems, list)
            and all(isinstance(x, str) for x in (m.corpus_name, m.taxonomy, m.settings))
            and isinstance(m.files, dict) and isinstance(m.checked_ns, int)
            and isinstance(m.timeline, dict) and isinstance(m.timeline.get("events"), str)
            and isinstance(m.timeline.get("cache"), str)):
        return False
    if not all(isinstance(record, list) and len(record) == 6 and isinstance(record[5], list)
               for record in m.files.values()):
        return False
    if m.window is not None and not (isinstance(m.window, dict) and all(
            isinstance(m.window.get(key), str) for key in ("name", "start", "end"))):
        return False
    specs = list(m.sectors)
    while specs:
        spec = specs.pop()
        if not (isinstance(spec, dict) and isinstance(spec.get("name"), str)
                and isinstance(spec.get("path"), str) and isinstance(spec.get("children", []), list)):
            return False
        specs.extend(spec.get("children", []))
    for entry in m.articles.values():
        if not (isinstance(entry, dict) and _ENTRY_KEYS <= entry.keys()
                and isinstance(entry["paragraphs"], int) and isinstance(entry["mentions"], dict)
                and all(isinstance(found, list) and all(isinstance(x, dict) and _MENTION_KEYS <= x.keys()
                                                        for x in found)
                        for found in entry["mentions"].values())):
            return False
    return all(isinstance(e, dict) and _EVENT_KEYS <= e.keys() and isinstance(e["sources"], list)
               for e in m.events)


def _events_digest_ok(data: Path, manifest: Manifest) -> None:
    try:
        digest = hashlib.sha256((data / EVENTS).read_bytes()).hexdigest()
    except OSError as err:
        raise IndexProblem(f"its timeline is unreadable ({err.strerror or err})") from None
    if digest != manifest.timeline["events"]:
        raise IndexProblem("its timeline does not match the manifest")


def _check(data: Path) -> Manifest:
    """The manifest of a usable index at ``data``; raises IndexProblem with the reason otherwise."""
    manifest = Manifest.load(data)
    if manifest.schema != SCHEMA_VERSION:
        raise IndexProblem(f"it was made by schema version {manifest.schema!r}, this tool uses {SCHEMA_VERSION}")
    if not _well_formed(manifest):
        raise IndexProblem("its manifest does not have the fields this version writes")
    try:
        tocs = _toc_hashes(data)
    except OSError as err:
        raise IndexProblem(f"index unreadable ({err.strerror})") from None
    if not tocs or tocs != manifest.toc:
        raise IndexProblem("its table of contents does not match the manifest")
    _events_digest_ok(data, manifest)
    try:
        ix = whoosh_index.open_dir(str(data))
        with ix.searcher() as searcher:
            if searcher.doc_count() != sum(a["paragraphs"] for a in manifest.articles.values()):
                raise IndexProblem("it holds a different number of paragraphs than its manifest")
            last = searcher.doc_count_all() - 1
            for docnum in {0, last} if last >= 0 else ():  # an empty corpus has no documents
                searcher.stored_fields(docnum)
        ix.close()
    except IndexProblem:
        raise
    except DAMAGE as err:
        raise IndexProblem(f"it is damaged ({err.__class__.__name__})") from None
    return manifest


# --- reading -----------------------------------------------------------------------------------

# Whoosh matches and scores one posting at a time through a tree of matcher objects: a few
# microseconds a posting, 60 ms for a word in a fifth of 100k paragraphs. The functions below give
# the same documents and the same scores (the same float operations in the same order) from whole
# blocks of postings, for the matcher types the query parser makes of words, prefixes, fuzzy words
# and AND/OR/ANDNOT; any other matcher (phrases, NOT) is run by Whoosh itself, as before.

def _load_block(matcher) -> None:
    """Decode the current posting block's ids and weights, if not done yet."""
    if matcher._ids is None:
        _read_ids(matcher)
    if matcher._weights is None:
        matcher._read_weights()


def _read_ids(matcher) -> None:
    """W3LeafMatcher._read_ids, with its delta decoding (a Python generator) done by accumulate."""
    if matcher._data is None:
        matcher._read_data()
    ids = matcher._data[0]
    matcher._ids = ids if matcher._byteids else tuple(accumulate(ids))


def _leaf_ids(matcher) -> list[int]:
    """The remaining document numbers of a W3LeafMatcher, read a block at a time."""
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            _read_ids(matcher)
        ids.extend(matcher._ids[matcher._i:matcher._blocklength])
        matcher._i = matcher._blocklength - 1
        matcher.next()
    return ids


def _doc_set(matcher) -> set[int]:
    """The documents ``matcher`` (fresh from query.matcher) matches in its segment."""
    kind = type(matcher)
    if kind is _W3LeafMatcher:
        return set(_leaf_ids(matcher))
    if kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found = _doc_set(matcher.child)
        return found - matcher._ids if matcher._exclude else found & matcher._ids
    if kind is _UnionMatcher:
        return _doc_set(matcher.a) | _doc_set(matcher.b)
    if kind is _IntersectionMatcher:
        return _doc_set(matcher.a) & _doc_set(matcher.b)
    if kind is _AndNotMatcher:
        return _doc_set(matcher.a) - _doc_set(matcher.b)
    if kind is _AndMaybeMatcher:
        return _doc_set(matcher.a)
    if kind is _NullMatcher:
        return set()
    if kind is _SpanNear2Matcher:
        phrase = _phrase(matcher)
        if phrase is not None:
            return set(phrase[0])
    return set(matcher.all_ids())


def _doc_scores(matcher, lengths: Callable[[str], list | None]) -> dict[int, float]:
    """Each document ``matcher`` (fresh, scoring) matches, with the score Whoosh gives it."""
    kind = type(matcher)
    if kind is _W3LeafMatcher and type(matcher.scorer) is _BM25FScorer:
        of_doc = lengths(matcher._term[0]) if matcher._term else None
        if of_doc is not None:
            return _leaf_scores(matcher, of_doc)
    elif kind is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        found = _doc_scores(matcher.child, lengths)
        ids, boost = matcher._ids, matcher.boost
        if matcher._exclude:
            return {n: v * boost for n, v in found.items() if n not in ids}
        return {n: v * boost for n, v in found.items() if n in ids}
    elif kind is _UnionMatcher:
        a, b = _doc_scores(matcher.a, lengths), _doc_scores(matcher.b, lengths)
        for n, v in b.items():
            a[n] = a[n] + v if n in a else v
        return a
    elif kind is _IntersectionMatcher:
        a, b = _doc_scores(matcher.a, lengths), _doc_scores(matcher.b, lengths)
        return {n: v + b[n] for n, v in a.items() if n in b}
    elif kind is _AndNotMatcher:
        a, b = _doc_scores(matcher.a, lengths), _doc_set(matcher.b)
        return {n: v for n, v in a.items() if n not in b}
    elif kind is _AndMaybeMatcher:
        a, b = _doc_scores(matcher.a, lengths), _doc_scores(matcher.b, lengths)
        return {n: v + b[n] if n in b else v for n, v in a.items()}
    elif kind is _NullMatcher:
        return {}
    elif kind is _SpanNear2Matcher:
        phrase = _phrase(matcher)
        if phrase is not None:
            docs, postings = phrase
            boost = matcher.boost  # SpanNear2Matcher.score: child.score() * boost
            return {n: _tree_score(matcher.child, postings, n, lengths) * boost for n in docs}
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


def _leaf_scores(matcher, of_doc: list) -> dict[int, float]:
    """BM25FScorer.score for each posting of a W3LeafMatcher: _score(weight, field length).

    When the scorer's _score is BM25FScorer's own, its formula (scoring.bm25) is written out
    below with the same operations in the same order, so the floats are the same bit for bit,
    without two function calls a posting.
    """
    scorer = matcher.scorer
    score = scorer._score
    if type(scorer)._score is _BM25F_SCORE and _scoring.bm25 is _BM25:
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        found = {}
        while matcher.is_active():
            _load_block(matcher)
            start, stop = matcher._i, matcher._blocklength
            found.update({n: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * of_doc[n] / avgfl)))
                          for n, tf in zip(matcher._ids[start:stop], matcher._weights[start:stop])})
            matcher._i = stop - 1
            matcher.next()
        return found
    found: dict[int, float] = {}
    while matcher.is_active():
        _load_block(matcher)
        start, stop = matcher._i, matcher._blocklength
        for n, weight in zip(matcher._ids[start:stop], matcher._weights[start:stop]):
            found[n] = score(weight, of_doc[n])
        matcher._i = stop - 1
        matcher.next()
    return found


def _bits(docs) -> int:
    """A set of document numbers as an int with those bits set."""
    if not docs:
        return 0
    buf = bytearray(max(docs) // 8 + 1)
    for n in docs:
        buf[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buf, "little")


def _leaf_of(matcher):
    """The W3LeafMatcher under a matcher (itself, or under a deletions filter), and that filter."""
    if type(matcher) is _FilterMatcher and isinstance(matcher._ids, (set, frozenset)):
        return matcher.child, matcher
    return matcher, None


def _phrase(matcher):
    """The documents of a phrase (SpanNear2Matcher: slop 1, in order) and the postings read.

    Whoosh checks the spans of every document having all the words, one matcher step at a time;
    here each word's postings (ids, weights, positions) are read a block at a time, the documents
    having all the words are intersected, and only those have their positions decoded: a phrase
    matches where the words' positions run p, p + 1, ..., as SpanNear2 with slop 1 and mindist 1
    requires. None when the matcher is not of that simple kind (Whoosh then runs it as before).
    """
    if (matcher.slop, matcher.ordered, matcher.mindist) != (1, True, 1) or not matcher.is_active():
        return None if matcher.is_active() else ([], {})
    words = []
    for sub in matcher.ms:
        leaf, wrapper = _leaf_of(sub)
        if type(leaf) is not _W3LeafMatcher or type(leaf.format) is not _Positions:
            return None
        words.append((leaf, wrapper))
    postings = {}
    common = None
    for leaf, wrapper in words:
        found = {}
        while leaf.is_active():
            _load_block(leaf)
            if leaf._values is None:
                leaf._read_values()
            start, stop = leaf._i, leaf._blocklength
            found.update(zip(leaf._ids[start:stop], zip(leaf._weights[start:stop], leaf._values[start:stop])))
            leaf._i = stop - 1
            leaf.next()
        if wrapper is not None:
            found = {n: v for n, v in found.items() if (n in wrapper._ids) != wrapper._exclude}
        postings[id(leaf)] = found
        common = set(found) if common is None else common & found.keys()
    decode = _decode_positions if type(words[0][0].format).decode_positions is _POSITIONS_DECODE \
        else words[0][0].format.decode_positions
    docs = []
    for n in sorted(common):
        starts = None
        for offset, (leaf, _) in enumerate(words):
            at = {p - offset for p in decode(postings[id(leaf)][n][1])}
            starts = at if starts is None else starts & at
            if not starts:
                break
        if starts:
            docs.append(n)
    return docs, postings


def _decode_positions(value: bytes) -> list[int]:
    """Positions.decode_positions, its running sum done by accumulate."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


def _tree_score(node, postings: dict, n: int, lengths: Callable[[str], list | None]) -> float:
    """The score Whoosh's matcher tree under a phrase gives document ``n`` (sums of leaf scores)."""
    if type(node) is _IntersectionMatcher:
        return _tree_score(node.a, postings, n, lengths) + _tree_score(node.b, postings, n, lengths)
    leaf, wrapper = _leaf_of(node)
    weight = postings[id(leaf)][n][0]
    of_doc = lengths(leaf._term[0]) if type(leaf.scorer) is _BM25FScorer else None
    if of_doc is not None:
        score = leaf.scorer._score(weight, of_doc[n])
    else:  # as LeafMatcher.score: the scorer given the matcher's weight and id
        score = leaf.scorer.score(_Posting(n, weight))
    return score * wrapper.boost if wrapper is not None else score


class _Posting:
    """What a scorer asks of a matcher, for one posting already read."""

    def __init__(self, docnum: int, weight: float) -> None:
        self._docnum, self._weight = docnum, weight

    def id(self) -> int:
        return self._docnum

    def weight(self) -> float:
        return self._weight


_BYTE_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]  # as doc_field_length decodes


def _segment_lengths(reader, field: str) -> list | None:
    """Each document's length of ``field`` in one segment, as Whoosh's doc_field_length gives it
    to BM25F (via the lengths column, a byte per document); None where that path does not apply."""
    try:
        perdoc = reader._perdoc
        column = perdoc._cached_reader(_whoosh3._lenfield(field), _whoosh3.LENGTHS_COLUMN)
        if column is None or type(column) is not _NumericReader or column._fixedlen != 1:
            return None
        raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
        count = reader.doc_count_all()
        default = column._unpack(column._defaultbytes)[0]
        return [_BYTE_LENGTHS[b] for b in raw] + [_BYTE_LENGTHS[default]] * max(0, count - len(raw))
    except (AttributeError, TypeError):
        return None



OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
_PLAIN_WORD = re.compile(r"(?<![\w:*~^])[^\W\d_]{3,}(?![\w:*~^])")
FIELD_ALIASES = {"sectors": "sector", "dates": "date", "body": "text"}


class CorpusIndex:
    """An open index: one searcher reused across queries and refreshed when the index changes."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.manifest = _check(self.data)
        self._items = _load_events(self.data, self.manifest.timeline["events"])
        try:
            self._ix = whoosh_index.open_dir(str(self.data))
            self._searcher = self._ix.searcher()
        except DAMAGE as err:
            raise IndexProblem(f"it is damaged ({err.__class__.__name__})") from None
        self._parser = self._make_parser()
        self._forget()

    def _forget(self) -> None:
        """Drop what was worked out for the current searcher (its documents, sectors, events)."""
        self._sector_docs: dict[str, frozenset[int]] = {}
        self._matches: OrderedDict = OrderedDict()  # query -> documents: the last few queries
        self._all_docs: frozenset[int] | None = None
        self._lengths: dict[tuple[int, str], list] = {}  # (segment, field) -> length of each doc
        self._sector_masks: dict[str, int] = {}
        self._events: list | None = None
        self._event_docs: list[tuple[int | None, ...]] | None = None
        self._event_index: tuple[dict, list[int]] | None = None
        self._spelling: dict[int, list[tuple[str, frozenset[str]]]] | None = None

    def _make_parser(self) -> MultifieldParser:
        parser = MultifieldParser(["text", "heading"], schema=self._ix.schema, group=AndGroup)
        parser.add_plugin(FuzzyTermPlugin())
        return parser

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def refresh(self) -> bool:
        """Pick up a newer committed index; True if something changed."""
        try:
            if _toc_hashes(self.data) == self.manifest.toc:
                return False  # the usual case, found without reading the manifest
        except OSError:
            return False
        try:
            manifest = _check(self.data)
        except IndexProblem:
            return False  # mid-update or damaged: keep serving what we have
        if manifest.toc == self.manifest.toc:
            return False
        try:
            items = _load_events(self.data, manifest.timeline["events"])
            ix = whoosh_index.open_dir(str(self.data))
            searcher = ix.searcher()
        except (IndexProblem, *DAMAGE):
            return False
        old_searcher, old_ix = self._searcher, self._ix
        self._ix, self._searcher, self.manifest, self._items = ix, searcher, manifest, items
        self._forget()
        old_searcher.close()
        old_ix.close()
        return True

    # queries

    def parse(self, text: str) -> Query:
        check_syntax(text)
        for alias, name in FIELD_ALIASES.items():
            text = text.replace(f"{alias}:", f"{name}:")
        try:
            query = self._parser.parse(text)
        except Exception as err:  # Whoosh's parser raises assorted errors on odd input
            raise QueryError(f"cannot parse the query ({err.__class__.__name__})") from None
        _check_fuzzy(query)
        return query

    def everything(self) -> Query:
        return Every()

    def matching(self, query: Query) -> frozenset[int]:
        """The documents ``query`` matches; the last few queries' answers are kept.

        The app asks for the same query three times per keystroke (results, sector counts,
        timeline); sets of documents are worked out from whole blocks of postings (see _doc_set).
        """
        if isinstance(query, Every):
            return self.all_docs()
        try:
            found = self._matches.get(query)
            if found is None:
                found = frozenset(self._evaluate(query, scored=False))
                self._remember(query, found)
            return found
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None

    def _remember(self, query: Query, found: frozenset[int]) -> None:
        self._matches[query] = found
        self._matches.move_to_end(query)
        while len(self._matches) > 8:
            self._matches.popitem(last=False)

    def all_docs(self) -> frozenset[int]:
        """Every live document (the ones ``Every()`` matches)."""
        if self._all_docs is None:
            found: set[int] = set()
            for sub, offset in self._searcher.leaf_searchers():
                reader = sub.reader()
                found.update(range(offset, offset + reader.doc_count_all()))
                if reader.has_deletions():
                    found.difference_update(offset + n for n in range(reader.doc_count_all())
                                            if reader.is_deleted(n))
            self._all_docs = frozenset(found)
        return self._all_docs

    def _evaluate(self, query: Query, scored: bool):
        """Documents (a set) or documents and scores (a dict) of ``query``, over every segment."""
        out: set[int] | dict[int, float] = {} if scored else set()
        context = self._searcher.context() if scored else None
        for sub, offset in self._searcher.leaf_searchers():
            try:
                matcher = query.matcher(sub, context if scored else sub.boolean_context())
            except TermNotFound:
                continue
            if scored:
                found = _doc_scores(matcher, lambda field, sub=sub: self._field_lengths(sub, field))
                out.update(found.items() if not offset else ((offset + n, v) for n, v in found.items()))
            else:
                found = _doc_set(matcher)
                out.update(found if not offset else (offset + n for n in found))
        return out

    def _field_lengths(self, sub, field: str) -> list | None:
        """The length Whoosh scores each document of a segment's ``field`` with (None: no column)."""
        key = (id(sub.reader()), field)
        if key not in self._lengths:
            self._lengths[key] = _segment_lengths(sub.reader(), field)
        return self._lengths[key]

    def search(self, query: Query, within: frozenset[int] | None,
               limit: int | None) -> tuple[frozenset[int], list[tuple[int, float]]]:
        """All documents ``query`` matches, and the best ``limit`` of those ``within`` (if given).

        Every match is scored, as Whoosh's own unlimited search scores them, and the best come first
        with ties in document order. Whoosh's top-N search skips documents by estimated score
        bounds, and on indexes of several segments those bounds were not always above the real
        scores: it could leave out a document that belonged in the top 20.
        """
        try:
            scores = self._evaluate(query, scored=True)
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None
        matched = frozenset(scores)
        self._remember(query, matched)
        if within is not None:
            scores = {n: v for n, v in scores.items() if n in within}
        count = len(scores) if limit is None else limit
        best = heapq.nsmallest(count, scores.items(), key=lambda item: (-item[1], item[0]))
        return matched, [(n, float(v or 0.0)) for n, v in best]

    def ranked(self, query: Query, allowed: frozenset[int] | None, limit: int) -> list[tuple[int, float]]:
        """The top ``limit`` documents by score, among ``allowed`` if given."""
        if allowed is not None and not allowed:
            return []
        return self.search(query, allowed, limit)[1]

    def stored(self, docnum: int) -> dict:
        return self._searcher.stored_fields(docnum)

    def article_docs(self, article: str) -> list[dict]:
        docs = [self._searcher.stored_fields(n)
                for n in self._searcher.docs_for_query(Term("article", article))]
        return sorted(docs, key=lambda d: d["number"])

    def doc_for_ref(self, ref: str) -> int | None:
        return self._searcher.document_number(ref=ref)

    # the timeline

    def events(self) -> list[timeline.Event]:
        """The timeline's events, read once for this searcher (a new list each call)."""
        if self._events is None:
            self._events = [_event_of(data) for _, _, data in self._items]
            self._items = None  # the events hold all that the open index needs of them
        return list(self._events)

    def events_within(self, docs: frozenset[int]) -> list[timeline.Event]:
        """``timeline.restrict(events, refs of docs)``: each event cut to its sources among ``docs``.

        Which document each source is was worked out once per searcher (see _event_sources).
        Most events have one source: those are found from the documents' side, through a map of
        document -> its one-source events, walking whichever of the two is smaller; the rest are
        cut source by source. An event kept whole is returned as it is (events are frozen).
        """
        if self._events is None:
            self.events()
        events = self._events
        if self._event_docs is None:
            self._event_docs = self._event_sources(events)
            by_doc: dict[int | None, list[int]] = {}
            several = []
            for i, sources in enumerate(self._event_docs):
                if len(sources) == 1:
                    by_doc.setdefault(sources[0], []).append(i)
                else:
                    several.append(i)
            self._event_index = (by_doc, several)
        by_doc, several = self._event_index
        if len(docs) < len(by_doc):
            hits = [i for n in docs if n in by_doc for i in by_doc[n]]
        else:
            hits = [i for n, found in by_doc.items() if n in docs for i in found]
        kept: dict[int, timeline.Event] = {i: events[i] for i in hits}
        for i in several:
            inside = [n in docs for n in self._event_docs[i]]
            if all(inside):
                kept[i] = events[i]
            elif any(inside):
                kept[i] = replace(events[i], sources=tuple(
                    source for source, yes in zip(events[i].sources, inside) if yes))
        return [kept[i] for i in sorted(kept)]

    def _event_sources(self, events: list[timeline.Event]) -> list[tuple[int | None, ...]]:
        """The document of each source of each event (None for a paragraph not in the index).

        A ref is "article:number". An article's documents are added together, in paragraph order,
        and deleted together; so where the term info of its "article" term says its documents run
        without a gap (first to last, as many as the manifest's paragraphs), paragraph n is the
        n-th of them. That reads one term info per article and segment (15 ms at 100k paragraphs)
        instead of a lookup per ref (0.5 s); any other ref is looked up itself.
        """
        first: dict[str, int] = {}
        for sub, offset in self._searcher.leaf_searchers():
            reader = sub.reader()
            deletions = reader.has_deletions()
            for text, info in reader.iter_field("article"):
                start, stop, count = info.min_id(), info.max_id(), info.doc_frequency()
                if deletions and reader.is_deleted(start):
                    continue  # an older version of the article, deleted whole
                article = text.decode("utf-8") if isinstance(text, bytes) else text
                entry = self.manifest.articles.get(article)
                if entry and stop - start + 1 == count == entry.get("paragraphs") and article not in first:
                    first[article] = offset + start
                else:
                    first[article] = -1
        refs = {}
        for event in events:
            for source in event.sources:
                if source.ref in refs:
                    continue
                article, _, number = source.ref.rpartition(":")
                start = first.get(article, -1)
                paragraphs = self.manifest.articles.get(article, {}).get("paragraphs", 0)
                if start >= 0 and number.isdigit() and str(int(number)) == number \
                        and 1 <= int(number) <= paragraphs:
                    refs[source.ref] = start + int(number) - 1
                else:
                    refs[source.ref] = self.doc_for_ref(source.ref)
        return [tuple(refs[source.ref] for source in event.sources) for event in events]

    def sector_docs(self, path: str) -> frozenset[int]:
        """Documents tagged with ``path`` or a descendant; cached for this searcher."""
        if path not in self._sector_docs:
            self._sector_docs[path] = frozenset(self._evaluate(Term("sector", path), scored=False))
        return self._sector_docs[path]

    def sector_counts(self, docs: frozenset[int], paths: list[str]) -> dict[str, int]:
        """How many of ``docs`` each sector path holds (a document counts in every path it has).

        Intersecting ``docs`` with each sector's set costs a pass over the smaller set per sector
        (14 ms for 'pakistan' at 100k); for many documents, each sector's documents are kept as a
        bit mask too, and ``docs`` made into one: then a count is an AND and a popcount (2-4 ms).
        """
        sets = [self.sector_docs(path) for path in paths]
        if len(docs) < 2_000:
            return {path: len(docs & found) for path, found in zip(paths, sets)}
        mask = _bits(docs)
        return {path: (mask & self._sector_bits(path)).bit_count() for path in paths}

    def _sector_bits(self, path: str) -> int:
        if path not in self._sector_masks:
            self._sector_masks[path] = _bits(self.sector_docs(path))
        return self._sector_masks[path]

    def highlight_terms(self, query: Query) -> set[str]:
        """The indexed words of the text field that the query matches (prefixes, fuzzy expanded)."""
        try:
            terms = query.existing_terms(self._searcher.reader(), expand=True)
        except Exception:  # an odd query must never break a search over highlighting
            return set()
        return {word.decode("utf-8") if isinstance(word, bytes) else word
                for fieldname, word in terms if fieldname in ("text", "heading")}

    def suggest(self, text: str) -> str | None:
        """The query with each word the index does not know replaced by its nearest known word."""
        reader = self._searcher.reader()
        corrector = self._searcher.corrector("text")
        changed = False

        def fix(match: re.Match) -> str:
            nonlocal changed
            word = match.group(0)
            if word in OPERATORS or all(reader.doc_frequency("text", w) for w in analyze(word)):
                return word
            options = self._nearest(word.lower())
            if options is None:  # not the corrector this was written against: ask it
                options = corrector.suggest(word.lower(), limit=1)
            if not options:
                return word
            changed = True
            return options[0]

        try:
            corrected = _PLAIN_WORD.sub(fix, text)
        except DAMAGE:
            return None
        return corrected if changed else None

    def _nearest(self, text: str, maxdist: int = 2) -> list[str] | None:
        """``corrector("text").suggest(text, limit=1)``, without an edit distance to every word.

        Whoosh's ReaderCorrector takes the words of the spelling field within ``maxdist`` edits
        (plain Levenshtein through an automaton on a one-segment index, Damerau-Levenshtein word
        by word on several segments) and keeps the best (score, word) by frequency: 150-250 ms a
        word at 10k paragraphs, paid on every keystroke whose query finds nothing. The same words
        pass here, and the same one wins, but the distance is only computed for words whose length
        and letters allow it: a word needs at least one edit per length unit of difference and per
        letter it lacks. None if the reader is not one of the two kinds this mirrors.
        """
        reader = self._searcher.reader()
        if type(reader) is _SegmentReader:
            metric = _levenshtein
        elif type(reader) is _MultiReader:
            metric = _damerau_levenshtein
        else:
            return None
        if self._spelling is None:
            field = self._ix.schema["text"]
            name = field.spelling_fieldname("text")
            spelled = self._ix.schema[name]
            by_length: dict[int, list[tuple[str, frozenset[str]]]] = {}
            for btext in reader.expand_prefix(name, ""):
                word = spelled.from_bytes(btext)
                by_length.setdefault(len(word), []).append((word, frozenset(word)))
            self._spelling = by_length
        letters = frozenset(text)
        best = None
        for length in range(len(text) - maxdist, len(text) + maxdist + 1):
            for word, has in self._spelling.get(length, ()):
                if len(letters - has) > maxdist or len(has - letters) > maxdist:
                    continue
                if metric(word, text, limit=maxdist) <= maxdist:
                    frequency = reader.frequency("text", word) or 1
                    item = (0 - (maxdist + (1.0 / frequency * 0.5)), word)
                    if best is None or item > best:
                        best = item
        return [best[1]] if best else []

    @property
    def paragraph_count(self) -> int:
        return self._searcher.doc_count()


def highlight_spans(text: str, words: set[str]) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the words whose analyzed form is in ``words``."""
    if not words:
        return []
    if _TOKENS is None:
        return [(t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="index")
                if t.text in words]
    folded = _FOLDED  # as analyze(): the same tokens, each distinct word folded once
    spans = []
    for match in _TOKENS.finditer(text):
        raw = match.group()
        word = folded[raw] if raw in folded else folded.setdefault(raw, _fold(raw))
        if word is not None and word in words:
            spans.append(match.span())
    return spans


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


def _check_fuzzy(query: Query) -> None:
    for sub in query.leaves() if hasattr(query, "leaves") else [query]:
        if getattr(sub, "maxdist", 0) > 2:
            raise QueryError("fuzzy distance above 2 is not supported (use word~1 or word~2)")
