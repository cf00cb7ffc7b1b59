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
import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from collections import Counter
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
        self._sector_docs: dict[str, frozenset[int]] = {}

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
        self._sector_docs.clear()
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
        try:
            return frozenset(self._searcher.docs_for_query(query))
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None

    def ranked(self, query: Query, allowed: frozenset[int] | None, limit: int) -> list[tuple[int, float]]:
        """The top ``limit`` documents by score, among ``allowed`` if given."""
        if allowed is not None and not allowed:
            return []  # Whoosh reads an empty filter as no filter at all
        try:
            results = self._searcher.search(query, limit=limit,
                                            filter=None if allowed is None else set(allowed))
            return [(hit.docnum, float(hit.score or 0.0)) for hit in results]
        except DAMAGE as err:
            raise QueryError(f"the query could not be run ({err.__class__.__name__})") from None

    def stored(self, docnum: int) -> dict:
        return self._searcher.stored_fields(docnum)

    def article_docs(self, article: str) -> list[dict]:
        docs = [self._searcher.stored_fields(n)
                for n in self._searcher.docs_for_query(Term("article", article))]
        return sorted(docs, key=lambda d: d["number"])

    def doc_for_ref(self, ref: str) -> int | None:
        return self._searcher.document_number(ref=ref)

    def sector_docs(self, path: str) -> frozenset[int]:
        """Documents tagged with ``path`` or a descendant; cached for this searcher."""
        if path not in self._sector_docs:
            self._sector_docs[path] = frozenset(self._searcher.docs_for_query(Term("sector", path)))
        return self._sector_docs[path]

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
    return [(t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="index")
            if t.text in words]


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
