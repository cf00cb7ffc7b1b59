"""The Whoosh index: the one module that imports Whoosh.

Layout of an index folder (``index/`` in a checkout)::

    index/
      data/           the Whoosh index and manifest.json, swapped in whole after a full build
      data.new/       a full build in progress (removed if it fails)
      .write.lock     held by whoever updates the index

``manifest.json`` says what the index holds: the schema version, a content hash per article file,
the hashes of the taxonomy and the corpus settings, the hash of Whoosh's table of contents (a
pickle: we only open an index whose TOC we wrote), the articles' metadata and the timeline's events.
Reading needs no lock: Whoosh readers see the last committed generation.
"""

from __future__ import annotations

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
from itertools import chain
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.codec import whoosh3 as _whoosh3
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup, AndGroup
from whoosh.query import Every, Query, Term
from whoosh.columns import NumericColumn as _NumericColumn
from whoosh.matching import AndMaybeMatcher as _AndMaybeMatcher, AndNotMatcher as _AndNotMatcher
from whoosh.matching import FilterMatcher as _FilterMatcher, IntersectionMatcher as _IntersectionMatcher
from whoosh.matching import NullMatcherClass as _NullMatcher, UnionMatcher as _UnionMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25FScorer as _BM25FScorer
from whoosh.util.numeric import byte_to_length
from whoosh.support.charset import accent_map

from . import dates, ingest, sectors, timeline

SCHEMA_VERSION = 1


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
_W3LeafMatcher = _whoosh3.W3LeafMatcher
_NumericReader = _NumericColumn.Reader

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
    articles: dict[str, dict] = field(default_factory=dict)  # id -> metadata, digest, mentions
    problems: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

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


def _article_entry(article: ingest.Article, folder: Path,
                   mentions: dict[int, list[dates.DateMention]]) -> dict:
    return {
        "file": article.path.relative_to(folder).as_posix(), "digest": article.digest,
        "title": article.title, "date": article.date.isoformat() if article.date else None,
        "place": article.place, "source": article.source, "url": article.url,
        "paragraphs": len(article.paragraphs), "headings": list(article.headings),
        "mentions": {str(n): [m.to_dict() for m in ms] for n, ms in mentions.items() if ms},
    }


def _mentions_of(article: ingest.Article, window) -> dict[int, list[dates.DateMention]]:
    return {p.number: timeline.paragraph_mentions(p, article.date, window) for p in article.paragraphs}


def update(corpus: Path, root: Path, *, rebuild: bool = False, progress: Progress | None = None,
           wait: float = 30.0) -> BuildReport:
    """Bring the index at ``root`` up to date with ``corpus``; re-index only what changed.

    A full build happens on ``rebuild``, or when the index is missing, damaged or made with another
    schema, taxonomy or corpus settings; it is written aside and swapped in whole.
    """
    started = time.perf_counter()
    report = BuildReport()
    read = ingest.read_corpus(corpus)  # raises CorpusError for a missing corpus folder
    report.problems = [str(p) for p in read.problems]
    taxonomy, taxonomy_problem = sectors.load_taxonomy(corpus)
    window, window_problem = dates.load_window(corpus)
    report.problems += [p for p in (taxonomy_problem, window_problem) if p]
    tagger = sectors.compile_taxonomy(taxonomy, analyze)
    settings = _settings_digest(corpus)

    with write_lock(root, wait):
        data = root / "data"
        old: Manifest | None = None
        if not rebuild:
            try:
                old = _check(data)
            except IndexProblem as err:
                if data.exists() or (root / "data.new").exists():
                    report.notices.append(f"rebuilding the index: {err}")
        if old is not None and (old.taxonomy, old.settings) != (taxonomy.digest, settings):
            report.notices.append("rebuilding the index: the taxonomy or corpus settings changed")
            old = None

        current = {a.id: a for a in read.articles}
        if old is None:
            changed, removed = list(current), []
        else:
            changed = [i for i, a in current.items()
                       if i not in old.articles or old.articles[i]["digest"] != a.digest]
            removed = [i for i in old.articles if i not in current]

        def make_manifest(entries: dict[str, dict], events: list[timeline.Event]) -> Manifest:
            return Manifest(
                taxonomy=taxonomy.digest, settings=settings,
                corpus_name=_corpus_name(corpus), window=_window_dict(window),
                sectors=[_sector_spec(sector) for sector in taxonomy.roots],
                articles=entries, problems=report.problems, events=[e.to_dict() for e in events],
            )

        if old is None:
            articles = [current[i] for i in changed]
            _full_build(root, articles, tagger, window, progress,
                        lambda parts: make_manifest(*_entries_and_events(corpus, articles, parts)))
            report.rebuilt = True
        else:
            mentions = {i: _mentions_of(current[i], window) for i in changed}
            entries = {}
            for i, article in current.items():
                if i in mentions:
                    entries[i] = _article_entry(article, corpus, mentions[i])
                else:
                    entries[i] = old.articles[i]
            manifest = make_manifest(entries, _build_events(_all_mentions(read.articles, entries)))
            if changed or removed or (old.events, old.problems) != (manifest.events, manifest.problems):
                _incremental(data, [current[i] for i in changed], removed, tagger, mentions, manifest,
                             progress)
        report.reindexed, report.removed = changed, removed

    report.articles = len(read.articles)
    report.paragraphs = sum(len(a.paragraphs) for a in read.articles)
    report.seconds = time.perf_counter() - started
    return report


def _all_mentions(articles: list[ingest.Article], entries: dict[str, dict]):
    for article in articles:
        stored = entries[article.id]["mentions"]
        for paragraph in article.paragraphs:  # every paragraph: merging weighs words corpus-wide
            yield paragraph, [dates.DateMention.from_dict(m) for m in stored.get(str(paragraph.number), ())]


def _build_events(corpus) -> list[timeline.Event]:
    """What :func:`timeline.build_events` gives, found without trying every event against every other."""
    paragraphs = list(corpus)
    stems = _Stems()
    words: Counter = Counter()
    for paragraph, _ in paragraphs:
        words.update(stems(paragraph.text))
    common = _common_from(words, len(paragraphs))
    return _merge_drafts([timeline._draft(paragraph, mention, common)
                          for paragraph, mentions in paragraphs for mention in mentions])


def _merge_drafts(drafts: list) -> list[timeline.Event]:
    """The events of ``drafts`` (in corpus order) merged as :func:`timeline.build_events` does.

    ``build_events`` merges each new draft into the first earlier draft that reports the same thing,
    and that needs the same date key and at least one shared key term. So drafts are looked up by
    date key and term, and tried in the order ``build_events`` would try them: the same merges, in
    the same list order, in time linear in the drafts rather than quadratic (10k paragraphs: 9.9 s
    before). Undated drafts never merge.
    """
    kept: list = []  # in the order build_events keeps them
    by_key: dict[tuple, dict[str, list[int]]] = {}  # date key -> term -> drafts (positions) having it
    for new in drafts:
        if new.event.date is None:
            kept.append(new)
            continue
        postings = by_key.setdefault(timeline._date_key(new.event), {})
        candidates = sorted({i for term in new.terms for i in postings.get(term, ())})
        for i in candidates:
            if timeline._same_report(kept[i], new):
                added = new.terms - kept[i].terms
                kept[i] = timeline._merged(kept[i], new)
                for term in added:
                    postings.setdefault(term, []).append(i)
                break
        else:
            for term in new.terms:
                postings.setdefault(term, []).append(len(kept))
            kept.append(new)
    return sorted((draft.event for draft in kept), key=timeline._timeline_order)


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


def _common_from(words: Counter, paragraphs: int) -> frozenset[str]:
    """:func:`timeline._common_words` from the count of paragraphs having each word."""
    floor = max(timeline.COMMON_MIN_PARAGRAPHS, timeline.COMMON_SHARE * paragraphs)
    return frozenset(word for word, count in words.items() if count > floor)


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
WRITER_MB = 256  # per writer: the postings Whoosh sorts in memory before spilling to disk


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
    """What indexing a run of articles gives besides its documents: the makings of the manifest."""

    mentions: dict[str, dict[int, list[dates.DateMention]]]
    words: Counter  # stem -> paragraphs having it, for the timeline's common words
    paragraphs: int
    drafts: list  # timeline drafts in corpus order, common words not yet taken out of their terms
    segment: object = None  # the Whoosh segment a helper process wrote


def _index_part(writer, articles, tagger, window, tick: Callable[[int], None]) -> _Part:
    """Add ``articles`` to ``writer``; date-tag them and gather what the timeline needs."""
    part = _Part({}, Counter(), 0, [])
    stems = _Stems()
    nothing_common: frozenset[str] = frozenset()
    for article in articles:
        found = _mentions_of(article, window)
        part.mentions[article.id] = found
        _add_all(writer, [article], tagger, part.mentions, None)
        for paragraph in article.paragraphs:
            part.words.update(stems(paragraph.text))
            for mention in found.get(paragraph.number, ()):
                part.drafts.append(timeline._draft(paragraph, mention, nothing_common))
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


def _full_build(root: Path, articles, tagger, window, progress,
                manifest_for: Callable[[list[_Part]], Manifest]) -> None:
    """Index everything into ``data.new``, then swap it in whole.

    With enough paragraphs the articles are cut into runs, one per core, in corpus order: helper
    processes index all runs but the last, each into a segment of its own, while this process
    does the last; the table of contents then lists the segments in corpus order, so document
    numbers follow the corpus as in a one-process build. Date tagging and the timeline's word
    counts happen in the same processes; only merging the timeline's events is left for the end.
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
        for run in runs[:-1]:
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
            last = _index_part(writer, runs[-1], tagger, window, tick)
            parts = []
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
        parts.append(last)
        if helpers:  # Whoosh's own multi-segment commit, with the segments in corpus order
            writer._commit_toc([part.segment for part in parts[:-1]] + [writer._finalize_segment()])
            writer._finish()
        else:
            writer.commit()
        ix.close()
        manifest = manifest_for(parts)
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


def _entries_and_events(corpus: Path, articles, parts: list[_Part]):
    """The manifest's articles and the timeline's events, from the parts of a full build."""
    mentions: dict[str, dict] = {}
    words: Counter = Counter()
    paragraphs = 0
    for part in parts:
        mentions.update(part.mentions)
        words.update(part.words)
        paragraphs += part.paragraphs
    entries = {article.id: _article_entry(article, corpus, mentions[article.id]) for article in articles}
    common = _common_from(words, paragraphs)
    drafts = [replace(draft, terms=draft.terms - common) for part in parts for draft in part.drafts]
    return entries, _merge_drafts(drafts)


def _incremental(data: Path, articles, removed, tagger, mentions, manifest: Manifest, progress) -> None:
    ix = whoosh_index.open_dir(str(data))
    try:
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
            and all(isinstance(x, str) for x in (m.corpus_name, m.taxonomy, m.settings))):
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

def _leaf_ids(matcher) -> list[int]:
    """The remaining document numbers of a W3LeafMatcher, read a block at a time."""
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
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
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


def _leaf_scores(matcher, of_doc: list) -> dict[int, float]:
    """BM25FScorer.score for each posting of a W3LeafMatcher: _score(weight, field length)."""
    score = matcher.scorer._score
    found: dict[int, float] = {}
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start, stop = matcher._i, matcher._blocklength
        for n, weight in zip(matcher._ids[start:stop], matcher._weights[start:stop]):
            found[n] = score(weight, of_doc[n])
        matcher._i = stop - 1
        matcher.next()
    return found


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
        self._doc_sectors: tuple[list[str], list[tuple[int, ...]]] | None = None
        self._events: list | None = None
        self._event_docs: list[tuple[int | None, ...]] | None = None

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
            ix = whoosh_index.open_dir(str(self.data))
            searcher = ix.searcher()
        except DAMAGE:
            return False
        old_searcher, old_ix = self._searcher, self._ix
        self._ix, self._searcher, self.manifest = ix, searcher, manifest
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
            self._events = [timeline.Event.from_dict(e) for e in self.manifest.events]
        return list(self._events)

    def events_within(self, docs: frozenset[int]) -> list[timeline.Event]:
        """``timeline.restrict(events, refs of docs)``: each event cut to its sources among ``docs``.

        Which document each source is was worked out once per searcher (see _event_sources), so
        this is set lookups only; an event kept whole is returned as it is (events are frozen).
        """
        events = self.events()
        if self._event_docs is None:
            self._event_docs = self._event_sources(events)
        kept = []
        for event, sources in zip(events, self._event_docs):
            inside = [n in docs for n in sources]
            if all(inside):
                kept.append(event)
            elif any(inside):
                kept.append(replace(event, sources=tuple(
                    source for source, yes in zip(event.sources, inside) if yes)))
        return kept

    def _event_sources(self, events: list[timeline.Event]) -> list[tuple[int | None, ...]]:
        """The document of each source of each event (None for a paragraph not in the index).

        A ref is "article:number"; an article's documents are added in paragraph order and stay in
        that order through deletions and merges, so its n-th document is paragraph n. One term
        lookup per article instead of one per ref; where the count disagrees with the manifest the
        ref is looked up itself.
        """
        by_article: dict[str, list[int] | None] = {}
        refs = {}
        for event in events:
            for source in event.sources:
                if source.ref in refs:
                    continue
                article, _, number = source.ref.rpartition(":")
                if article not in by_article:
                    docs = sorted(self._evaluate(Term("article", article), scored=False))
                    entry = self.manifest.articles.get(article)
                    by_article[article] = docs if entry and entry.get("paragraphs") == len(docs) else None
                docs = by_article[article]
                if docs is not None and number.isdigit() and 1 <= int(number) <= len(docs) \
                        and str(int(number)) == number:
                    refs[source.ref] = docs[int(number) - 1]
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

        Intersecting ``docs`` with each sector's documents costs a pass over the smaller set per
        sector; for a large ``docs`` it is cheaper to count each document's sectors once.
        """
        sets = [self.sector_docs(path) for path in paths]
        if len(docs) * 4 < sum(min(len(docs), len(found)) for found in sets):
            names, of_doc = self._sectors_of_docs(paths)
            counts = Counter(chain.from_iterable(of_doc[n] for n in docs if n < len(of_doc)))
            return {path: counts.get(i, 0) for i, path in enumerate(names)}
        return {path: len(docs & found) for path, found in zip(paths, sets)}

    def _sectors_of_docs(self, paths: list[str]) -> tuple[list[str], list[tuple[int, ...]]]:
        if self._doc_sectors is None or self._doc_sectors[0] != paths:
            size = max((n for path in paths for n in self.sector_docs(path)), default=-1) + 1
            of_doc: list[list[int]] = [[] for _ in range(size)]
            for i, path in enumerate(paths):
                for n in self.sector_docs(path):
                    of_doc[n].append(i)
            self._doc_sectors = (list(paths), [tuple(found) for found in of_doc])
        return self._doc_sectors

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
