"""Building the index: a full build (in parallel, written aside, swapped in whole) or an update.

An update reads only the files whose size or times changed, re-indexes only the articles whose
content changed, and re-merges only the timeline events their date keys touch.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import dates, ingest, sectors, timeline
from . import whoosh_io
from .analysis import analyze, text_indexer
from .errors import IndexProblem
from .events import Stems, common_from, in_order, load_events, merge_drafts, save_events, without
from .lock import write_lock
from .manifest import Manifest, check_index, settings_digest, toc_hashes
from .schema import make_schema
from .timeline_cache import TimelineCache


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


@contextmanager
def _collector_off() -> Iterator[None]:
    """Python's cyclic garbage collector off meanwhile (as it was, after).

    A build makes millions of objects that live until it ends (articles, postings, the timeline's
    drafts, the helpers' parts as they are unpickled), and the collector walked them again and
    again as they were made; they hold no cycles to collect (the same peak memory without it).
    Full builds at 100k paragraphs, alternated: 67.1 -> 51.7 s and 52.7 -> 45.7 s (CPU 123 -> 94
    s, 96 -> 86). Collections asked for explicitly (the app's, between keystrokes) still run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def update(corpus: Path, root: Path, *, rebuild: bool = False, progress: Progress | None = None,
           wait: float = 30.0) -> BuildReport:
    """Bring the index at ``root`` up to date with ``corpus``; re-index only what changed.

    A full build happens on ``rebuild``, or when the index is missing, damaged or made with another
    schema, taxonomy or corpus settings; it is written aside and swapped in whole. Otherwise only
    the files whose size or times differ from the manifest's are read, only the articles whose
    content changed are re-indexed, and only the timeline's events they can touch are merged again.
    """
    with _collector_off():
        return _update(corpus, root, rebuild=rebuild, progress=progress, wait=wait)


def _update(corpus: Path, root: Path, *, rebuild: bool, progress: Progress | None,
            wait: float) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    corpus = Path(corpus)
    listing: list[ingest.Problem] = []
    paths = ingest.article_files(corpus, listing)  # raises CorpusError for a missing corpus folder
    taxonomy, taxonomy_problem = sectors.load_taxonomy(corpus)
    window, window_problem = dates.load_window(corpus)
    tagger = sectors.compile_taxonomy(taxonomy, analyze)
    settings = settings_digest(corpus)

    with write_lock(root, wait):
        data = root / "data"
        old: Manifest | None = None
        if not rebuild:
            try:
                old = check_index(data)
                TimelineCache.check(data, old)
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
        name = ingest.name_in(corpus, path)
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
    stems = Stems()
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
    gc.disable()  # as in update (a forked helper has it off already, a spawned one not)
    try:
        ix = whoosh_io.open_dir(fresh)
        # _lk=False: the parent holds the lock
        writer = whoosh_io.ViewSegmentWriter(ix, _lk=False, limitmb=WRITER_MB, indexer_for=text_indexer)

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
        ix = whoosh_io.create_in(fresh, make_schema())
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

        writer = ix.writer(limitmb=WRITER_MB, indexer_for=text_indexer)
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
        common = common_from(words, paragraphs)
        drafts = [(article_id, files_of[article_id], found) for part in parts for article_id, found in part.drafts]
        items = in_order(merge_drafts([((file, para, idx), without(draft, common))
                                         for _, file, found in drafts for para, idx, draft in found]))
        manifest.timeline = {"events": save_events(fresh, items),
                             "cache": TimelineCache.create(fresh, words, paragraphs, drafts)}
        manifest.toc = toc_hashes(fresh)
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
    ix = whoosh_io.open_dir(data)
    try:
        gone: dict[str, list[str]] = {}  # the old paragraphs' texts: the words they took away
        with ix.searcher() as searcher:
            for article_id in removed + [a.id for a in articles]:
                if article_id in old.articles:
                    docs = searcher.documents(article=article_id)
                    gone[article_id] = [doc.get("text", "") for doc in docs]
        mentions = {a.id: _mentions_of(a, window) for a in articles}
        writer = ix.writer(indexer_for=text_indexer)
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
    old_items = load_events(data, old.timeline.get("events", ""))
    added = [(a, files_of[a.id], _drafts_of(a, mentions[a.id])) for a in articles]
    items, token = TimelineCache.update(data, old_items, gone, added)
    manifest.timeline = {"events": save_events(data, items), "cache": token}
    manifest.toc = toc_hashes(data)
    manifest.save(data)
