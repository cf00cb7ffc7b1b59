"""manifest.json, what an index holds, and the check that an index folder is one we can use.

``manifest.json`` says what the index holds: the schema version, a content hash per article file,
the size and times each file had when it was last read (so an update reads only files that
changed), the hashes of the taxonomy and the corpus settings, the hash of Whoosh's table of
contents (a pickle: we only open an index whose TOC we wrote), the articles' metadata, and the hash
of ``events.pickle``, the timeline's events (also ours, checked the same way).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import whoosh_io
from .errors import DAMAGE, IndexProblem
from .events import EVENTS
from .schema import SCHEMA_VERSION

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


def toc_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.toc"))}


def settings_digest(corpus: Path) -> str:
    try:
        return hashlib.sha256((corpus / "corpus.toml").read_bytes()).hexdigest()
    except OSError:
        return ""

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


def check_index(data: Path) -> Manifest:
    """The manifest of a usable index at ``data``; raises IndexProblem with the reason otherwise."""
    manifest = Manifest.load(data)
    if manifest.schema != SCHEMA_VERSION:
        raise IndexProblem(f"it was made by schema version {manifest.schema!r}, this tool uses {SCHEMA_VERSION}")
    if not _well_formed(manifest):
        raise IndexProblem("its manifest does not have the fields this version writes")
    try:
        tocs = toc_hashes(data)
    except OSError as err:
        raise IndexProblem(f"index unreadable ({err.strerror})") from None
    if not tocs or tocs != manifest.toc:
        raise IndexProblem("its table of contents does not match the manifest")
    _events_digest_ok(data, manifest)
    try:
        ix = whoosh_io.open_dir(data)
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
