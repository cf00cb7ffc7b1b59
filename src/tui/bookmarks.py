"""Bookmarks: passages of articles kept with a note and tags, in a TOML file the user may edit.

The file holds a ``version`` key and one ``[[bookmark]]`` table per bookmark. A bookmark records its
passage the way W3C Web Annotation selectors do: the exact ``quote`` with up to 32 characters of
``prefix`` and ``suffix`` around it (a TextQuoteSelector) and its ``start``/``end`` offsets in the
paragraph (a TextPositionSelector), so that it can find the passage again after the article
changes (:func:`anchor`).

Saving never loses data (:class:`BookmarkStore`): each change takes a lock, re-reads the file,
applies itself to what it read (so hand edits survive), writes a temporary file, syncs it and
renames it over the old one. A file that does not parse is never overwritten. Comments and layout
of a hand-edited file are not kept (the TOML reader drops them); every value, including keys this
module does not know, is.

Nothing here knows about the terminal or the index.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import secrets
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import tomli_w

from .text import fold, sentence_spans, strip_controls

FORMAT_VERSION = 1
CONTEXT_CHARS = 32  # prefix and suffix length, as in Hypothesis's TextQuoteSelector
ID_BYTES = 4  # ids are 8 hex characters
LOCK_TIMEOUT = 10.0  # seconds to wait for another process to finish saving


class BookmarksError(Exception):
    """The bookmarks file cannot be read or written; the message is one line naming the file."""


class UnknownBookmark(LookupError):
    """No bookmark, or more than one, answers to the id given."""


# --- the record --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bookmark:
    id: str
    created: dt.datetime  # timezone-aware, UTC
    article: str  # Article.id
    title: str  # the article's title when the bookmark was made
    paragraph: int  # counts from 1, like Paragraph.number
    quote: str  # the exact text, paragraph_text[start:end]
    prefix: str  # up to CONTEXT_CHARS characters before the quote, within the paragraph
    suffix: str  # up to CONTEXT_CHARS characters after it
    start: int
    end: int
    note: str = ""
    tags: tuple[str, ...] = ()
    # Keys found in the file that this version does not know, written back unchanged.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def new_id(taken: Iterable[str] = ()) -> str:
    """A fresh random id (8 hex characters) that is not among ``taken``."""
    taken = set(taken)
    while (candidate := secrets.token_hex(ID_BYTES)) in taken:
        pass
    return candidate


def make_bookmark(article_id: str, title: str, paragraph_number: int, paragraph_text: str,
                  start: int = 0, end: int | None = None, note: str = "", tags: Iterable[str] = (),
                  *, created: dt.datetime | None = None) -> Bookmark:
    """A new bookmark of ``paragraph_text[start:end]`` (the whole paragraph by default).

    Raises ValueError when the range holds no text or the paragraph number is below 1.
    """
    end = len(paragraph_text) if end is None else end
    if paragraph_number < 1:
        raise ValueError(f"paragraph numbers count from 1, not {paragraph_number}")
    if not 0 <= start < end <= len(paragraph_text):
        raise ValueError(f"nothing to quote from {start} to {end} in a paragraph of "
                         f"{len(paragraph_text)} characters")
    created = (created or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return Bookmark(
        id=new_id(), created=created.replace(microsecond=0), article=article_id, title=title,
        paragraph=paragraph_number, quote=paragraph_text[start:end],
        prefix=paragraph_text[max(0, start - CONTEXT_CHARS):start],
        suffix=paragraph_text[end:end + CONTEXT_CHARS],
        start=start, end=end, note=note, tags=normalise_tags(tags),
    )


def sentence_run(paragraph_text: str, first: int, last: int | None = None) -> tuple[int, int]:
    """Start and end offsets of sentences ``first`` to ``last`` (counting from 0, inclusive).

    For bookmarking a run of sentences: ``make_bookmark(..., text, *sentence_run(text, 1, 2))``.
    Raises IndexError for a sentence the paragraph does not have.
    """
    spans = sentence_spans(paragraph_text)
    last = first if last is None else last
    if not 0 <= first <= last < len(spans):
        raise IndexError(f"no sentences {first}..{last} in a paragraph of {len(spans)}")
    return spans[first][0], spans[last][1]


# --- tags and finding --------------------------------------------------------------------------

def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped of surrounding space, without empty ones or repeats, in their first order."""
    return tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def with_tags(bookmarks: Iterable[Bookmark], *tags: str) -> list[Bookmark]:
    """The bookmarks carrying every one of ``tags`` (ignoring case and accents)."""
    wanted = {fold(tag) for tag in normalise_tags(tags)}
    return [b for b in bookmarks if wanted <= {fold(tag) for tag in b.tags}]


def tag_counts(bookmarks: Iterable[Bookmark]) -> dict[str, int]:
    """How many bookmarks carry each tag, most used first (then alphabetically)."""
    counts: dict[str, int] = {}
    for bookmark in bookmarks:
        for tag in bookmark.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], fold(item[0]))))


def find(bookmarks: Iterable[Bookmark], ref: str) -> Bookmark:
    """The bookmark whose id is ``ref``, or else the one whose id starts with it.

    Raises UnknownBookmark when none does, or when a prefix fits more than one.
    """
    ref = ref.strip()
    bookmarks = list(bookmarks)
    for bookmark in bookmarks:
        if bookmark.id == ref:
            return bookmark
    fits = [b for b in bookmarks if ref and b.id.startswith(ref)]
    if len(fits) == 1:
        return fits[0]
    if fits:
        raise UnknownBookmark(f"{ref!r} fits {len(fits)} bookmarks: "
                              + ", ".join(b.id for b in fits))
    raise UnknownBookmark(f"no bookmark {ref!r}")


# --- the file format ---------------------------------------------------------------------------

_TOML_TYPE = {str: "a string", int: "an integer", dt.datetime: "a date and time", list: "an array"}
_KEYS: dict[str, type] = {
    "id": str, "created": dt.datetime, "article": str, "title": str, "paragraph": int,
    "start": int, "end": int, "quote": str, "prefix": str, "suffix": str, "tags": list, "note": str,
}  # in the order they are written
_REQUIRED = ("id", "created", "article", "paragraph", "start", "end", "quote")
_OPTIONAL = {"title": "", "prefix": "", "suffix": "", "note": "", "tags": []}
# Python strings may hold lone surrogates (e.g. from undecodable command-line bytes); UTF-8 cannot.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TABLE_HEADER = re.compile(
    r"""^[ \t]*\[\[[ \t]*(?:bookmark|"bookmark"|'bookmark')[ \t]*\]\]""", re.M)
_ERROR_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _storable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _table(bookmark: Bookmark) -> dict[str, Any]:
    table = {key: getattr(bookmark, key) for key in _KEYS}
    table = {key: _storable(value) if isinstance(value, str) else value
             for key, value in table.items()}
    table["tags"] = [_storable(tag) for tag in bookmark.tags]
    table.update((key, value) for key, value in bookmark.extra.items() if key not in _KEYS)
    return table


def dumps(bookmarks: Iterable[Bookmark], *, extra: Mapping[str, Any] | None = None) -> str:
    """The TOML text of a bookmarks file holding ``bookmarks`` (and any other top-level keys).

    Notes that span lines are written as multi-line strings, which read well when editing by
    hand, unless that would not read back exactly (TOML multi-line strings may turn a carriage
    return into a plain newline): then every string is written on one line with escapes. Either
    way the text is parsed again and compared before it is returned; lone surrogates, which no
    UTF-8 file can hold, become U+FFFD.
    """
    document: dict[str, Any] = {"version": FORMAT_VERSION}
    document.update((k, v) for k, v in (extra or {}).items() if k not in ("version", "bookmark"))
    tables = [_table(bookmark) for bookmark in bookmarks]
    if tables:
        document["bookmark"] = tables
    for multiline in (True, False):
        text = tomli_w.dumps(document, multiline_strings=multiline)
        if tomllib.loads(text) == document:
            return text
    raise BookmarksError("bookmarks cannot be written as TOML that reads back the same")


def _where_error(err: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """Line, column and bare message of a TOML error (Python 3.11 puts them in the message)."""
    message = str(err)
    found = _ERROR_AT.search(message)
    if found:
        return int(found.group(1)), int(found.group(2)), message[:found.start()]
    message = message.removesuffix(" (at end of document)")
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1, message


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise BookmarksError(f"{source}:{line}:{column}: bookmarks file is not UTF-8 text; "
                             "fix it or move it away (it will not be overwritten)") from None


def _bookmark(table: Any) -> Bookmark:
    """One ``[[bookmark]]`` table as a Bookmark; raises ValueError saying what is wrong."""
    if not isinstance(table, dict):
        raise ValueError("not a table")
    missing = [key for key in _REQUIRED if key not in table]
    if missing:
        raise ValueError("missing " + ", ".join(repr(key) for key in missing))
    values = {**_OPTIONAL, **{k: v for k, v in table.items() if k in _KEYS}}
    for key, value in values.items():
        kind = _KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{key!r} should be {_TOML_TYPE[kind]}, not {value!r}")
    if not all(isinstance(tag, str) for tag in values["tags"]):
        raise ValueError("'tags' should be an array of strings")
    if not values["id"].strip():
        raise ValueError("'id' is empty")
    if values["paragraph"] < 1:
        raise ValueError(f"'paragraph' counts from 1, not {values['paragraph']}")
    if not 0 <= values["start"] <= values["end"]:
        raise ValueError(f"'start' and 'end' should satisfy 0 <= start <= end, not "
                         f"{values['start']} and {values['end']}")
    created = values["created"]
    # A hand-written time without an offset is taken as UTC, like the ones this module writes.
    created = created.replace(tzinfo=dt.timezone.utc) if created.tzinfo is None else created
    values.update(created=created.astimezone(dt.timezone.utc), tags=normalise_tags(values["tags"]))
    return Bookmark(**values, extra={k: v for k, v in table.items() if k not in _KEYS})


def _header_lines(text: str) -> list[int]:
    """Line numbers of the ``[[bookmark]]`` headers, to point at a bad table."""
    lines, line, position = [], 1, 0
    for match in _TABLE_HEADER.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.append(line)
    return lines


def parse(data: bytes | str, source: str | Path = "bookmarks.toml"
          ) -> tuple[list[Bookmark], dict[str, Any]]:
    """The bookmarks in a file's contents, and its other top-level keys (kept when saving).

    Raises BookmarksError with a one-line message naming ``source`` and the line (and column, for
    TOML syntax) of the first problem: bad syntax, a newer format version, or a bookmark table
    without its required keys or with a value of the wrong type.
    """
    text = _decode(data, str(source)) if isinstance(data, bytes) else data
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, column, message = _where_error(err, text)
        raise BookmarksError(f"{source}:{line}:{column}: bookmarks file is not valid TOML "
                             f"({message}); fix it or move it away (it will not be overwritten)"
                             ) from None
    version = document.pop("version", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BookmarksError(f"{source}: 'version' should be a whole number, not {version!r}")
    if version > FORMAT_VERSION:
        raise BookmarksError(f"{source}: bookmarks file version {version} was written by a newer "
                             f"release (this one reads version {FORMAT_VERSION})")
    tables = document.pop("bookmark", [])
    if not isinstance(tables, list):
        raise BookmarksError(f"{source}: 'bookmark' should be an array of tables ([[bookmark]])")
    headers = _header_lines(text)
    bookmarks: list[Bookmark] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(tables, 1):
        where = f"{source}:{headers[number - 1]}" if len(headers) == len(tables) else str(source)
        try:
            bookmark = _bookmark(table)
        except ValueError as err:
            raise BookmarksError(f"{where}: bookmark {number}: {err}") from None
        if bookmark.id in seen:
            raise BookmarksError(f"{where}: bookmark {number} has the same id {bookmark.id!r} as "
                                 f"bookmark {seen[bookmark.id]}")
        seen[bookmark.id] = number
        bookmarks.append(bookmark)
    return bookmarks, document


def loads(data: bytes | str, source: str | Path = "bookmarks.toml") -> list[Bookmark]:
    """The bookmarks in a file's contents; see :func:`parse` for the errors raised."""
    return parse(data, source)[0]


# --- the file on disk --------------------------------------------------------------------------

class BookmarkStore:
    """The bookmarks file at ``path``, read whole and changed only under its lock.

    Every change (:meth:`update`, and :meth:`add`, :meth:`remove`, :meth:`edit` built on it)
    takes ``<file>.lock`` with ``flock``, re-reads the file, applies itself to what it read and
    writes the result to a temporary file in the same folder, which is synced and renamed over the
    old one, and the folder synced. So edits made by hand or by another process since the last
    read are kept, two processes (or threads: each change opens the lock file anew) saving at
    once both land, and a crash at any moment leaves the old file or the new one, never half.
    The file is created owner-only (0600), with its folders as needed.

    A file that does not parse makes every read and change raise :class:`BookmarksError` and is
    never written; :attr:`error` holds the last such error (the store is read-only) until a read
    succeeds again.
    """

    def __init__(self, path: str | os.PathLike, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.error: BookmarksError | None = None

    @property
    def read_only(self) -> bool:
        return self.error is not None

    @property
    def lock_path(self) -> Path:
        target = self._target()
        return target.with_name(target.name + ".lock")

    def load(self) -> list[Bookmark]:
        """The bookmarks in the file, in file order; none if there is no file yet."""
        return self._read()[0]

    def update(self, change: Callable[[list[Bookmark]], Iterable[Bookmark]]) -> list[Bookmark]:
        """Apply ``change`` to the bookmarks as the file holds them now, save, return the result.

        ``change`` gets a fresh list and returns the new one; an exception from it (or bookmarks
        with repeated ids) leaves the file untouched.
        """
        with self._locked():
            bookmarks, extra = self._read()
            changed = list(change(bookmarks))
            ids = [bookmark.id for bookmark in changed]
            if len(set(ids)) != len(ids):
                raise ValueError("bookmark ids must be unique")
            self._write(dumps(changed, extra=extra))
        return changed

    def add(self, bookmark: Bookmark) -> Bookmark:
        """Append ``bookmark``; returns it, with a new id if the file already uses its id."""
        added = bookmark

        def append(bookmarks: list[Bookmark]) -> list[Bookmark]:
            nonlocal added
            taken = {b.id for b in bookmarks}
            added = replace(bookmark, id=new_id(taken)) if bookmark.id in taken else bookmark
            return [*bookmarks, added]

        self.update(append)
        return added

    def remove(self, ref: str) -> Bookmark:
        """Delete the bookmark with id (or unique id prefix) ``ref``; returns what was removed."""
        removed: Bookmark | None = None

        def drop(bookmarks: list[Bookmark]) -> list[Bookmark]:
            nonlocal removed
            removed = find(bookmarks, ref)
            return [b for b in bookmarks if b.id != removed.id]

        self.update(drop)
        assert removed is not None
        return removed

    def edit(self, ref: str, *, note: str | None = None, tags: Iterable[str] | None = None
             ) -> Bookmark:
        """Replace the note and/or tags of bookmark ``ref``; returns the bookmark as saved."""
        edited: Bookmark | None = None

        def change(bookmarks: list[Bookmark]) -> list[Bookmark]:
            nonlocal edited
            old = find(bookmarks, ref)
            edited = replace(old, note=old.note if note is None else note,
                             tags=old.tags if tags is None else normalise_tags(tags))
            return [edited if b.id == old.id else b for b in bookmarks]

        self.update(change)
        assert edited is not None
        return edited

    # The file itself. A symlinked bookmarks file is written through to its target, and locked
    # there, so that every path to it shares one lock.

    def _target(self) -> Path:
        return Path(os.path.realpath(self.path))

    def _read(self) -> tuple[list[Bookmark], dict[str, Any]]:
        try:
            data = self._target().read_bytes()
        except FileNotFoundError:
            result: tuple[list[Bookmark], dict[str, Any]] = ([], {})
        except OSError as err:
            raise BookmarksError(f"{self.path}: cannot read bookmarks ({err.strerror})") from None
        else:
            try:
                result = parse(data, self.path)
            except BookmarksError as err:
                self.error = err
                raise
        self.error = None
        return result

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.lock_path
        try:
            lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise BookmarksError(f"{lock}: cannot lock the bookmarks file ({err.strerror})"
                                 ) from None
        try:
            deadline = time.monotonic() + self.lock_timeout
            pause = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise BookmarksError(f"{lock}: another process kept the bookmarks locked "
                                             f"for {self.lock_timeout:g} s; try again") from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.01)
            yield
        finally:
            os.close(fd)  # releases the lock; the lock file stays (removing it would race)

    def _write(self, text: str) -> None:
        target = self._target()
        folder = target.parent
        _remove_leftovers(target)
        try:
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        except OSError as err:
            raise BookmarksError(f"{self.path}: cannot save bookmarks ({err.strerror})") from None
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp made it 0600
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException as err:
            with suppress(OSError):
                os.unlink(temporary)
            if isinstance(err, OSError):
                raise BookmarksError(f"{self.path}: cannot save bookmarks ({err.strerror}); "
                                     "the file is unchanged") from None
            raise
        _sync_folder(folder)


def _remove_leftovers(target: Path) -> None:
    """Delete temporary files that a writer killed mid-save left (only called under the lock)."""
    start, end = f".{target.name}.", ".tmp"
    with suppress(OSError):
        for name in os.listdir(target.parent):
            if name.startswith(start) and name.endswith(end):
                with suppress(OSError):
                    os.unlink(target.parent / name)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems cannot sync a folder, which is no error."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- finding the passage again -----------------------------------------------------------------

Method = Literal["position", "exact", "fuzzy", "orphan"]


@dataclass(frozen=True)
class Anchor:
    """Where a bookmark's passage is in an article's current text.

    ``method`` says how it was found: ``"position"`` (the stored offsets still hold the quote),
    ``"exact"`` (the quote elsewhere), ``"fuzzy"`` (text close to the quote) or ``"orphan"`` (not
    found: ``paragraph`` is None, and the bookmark is kept as it is). ``score`` runs from 0 to 1.
    """

    paragraph: int | None
    start: int
    end: int
    method: Method
    score: float

    @property
    def orphaned(self) -> bool:
        return self.paragraph is None


ORPHAN = Anchor(None, 0, 0, "orphan", 0.0)
# How much each part of a candidate counts, as in Hypothesis's match-quote.js.
_QUOTE_WEIGHT, _PREFIX_WEIGHT, _SUFFIX_WEIGHT, _POSITION_WEIGHT = 50, 20, 20, 2


def anchor(bookmark: Bookmark, paragraphs: Sequence[str]) -> Anchor:
    """Find ``bookmark``'s passage in an article whose paragraph texts are ``paragraphs``.

    The steps are those of annotation tools reading W3C selectors (Hypothesis's
    dom-anchor-text-quote): first the stored position, if it still gives the exact quote in the
    stored paragraph; else every exact occurrence of the quote in any paragraph; else every
    approximate one, with at most a quarter of the quote's length in edits; else an orphan.
    Several candidates are ranked on how well the quote, the 32 characters before it and the 32
    after it agree with the stored ones, and last on nearness to the old place.

    Approximate matches come from Myers' bit-parallel algorithm (J. ACM 1999) for approximate
    string matching, as in the approx-string-match library Hypothesis uses: one pass over each
    paragraph gives, for every end position, the fewest edits that turn the quote into some
    substring ending there, in O(n * m / w) time with the quote's bits held in one Python int.
    That is correct (the same result as the classic Sellers dynamic programme, which the tests
    check) and fast enough for articles of 100 KB, where a full Sellers table (quote length times
    article length cells) would not be. A second, anchored pass run backwards from each best end
    finds where that match starts.
    """
    quote = bookmark.quote
    if 1 <= bookmark.paragraph <= len(paragraphs):
        if paragraphs[bookmark.paragraph - 1][bookmark.start:bookmark.end] == quote:
            return Anchor(bookmark.paragraph, bookmark.start, bookmark.end, "position", 1.0)
    if not quote:
        return ORPHAN
    exact = [(number, start, start + len(quote), 0)
             for number, text in enumerate(paragraphs, 1) for start in _occurrences(text, quote)]
    if exact:
        return _best(bookmark, paragraphs, exact, "exact")
    limit = len(quote) // 4
    if limit == 0:
        return ORPHAN
    pattern = _Pattern(quote)
    fuzzy = [(number, *match) for number, text in enumerate(paragraphs, 1)
             for match in pattern.matches(text, limit)]
    return _best(bookmark, paragraphs, fuzzy, "fuzzy") if fuzzy else ORPHAN


def anchor_all(bookmarks: Iterable[Bookmark], articles: Mapping[str, Sequence[str]]
               ) -> list[tuple[Bookmark, Anchor]]:
    """Each bookmark with its anchor in ``articles`` (article id -> paragraph texts).

    A bookmark whose article is missing is an orphan too; list those with
    ``[b for b, a in anchor_all(...) if a.orphaned]``.
    """
    return [(b, anchor(b, articles[b.article]) if b.article in articles else ORPHAN)
            for b in bookmarks]


def _occurrences(text: str, quote: str) -> Iterator[int]:
    start = text.find(quote)
    while start != -1:
        yield start
        start = text.find(quote, start + 1)


def _best(bookmark: Bookmark, paragraphs: Sequence[str],
          candidates: Sequence[tuple[int, int, int, int]], method: Method) -> Anchor:
    """The best-scoring candidate (paragraph, start, end, edits) as an Anchor."""
    def score(candidate: tuple[int, int, int, int]) -> float:
        number, start, end, edits = candidate
        text = paragraphs[number - 1]
        quote = 1 - edits / len(bookmark.quote)
        prefix = _similarity(bookmark.prefix, text[max(0, start - CONTEXT_CHARS):start])
        suffix = _similarity(bookmark.suffix, text[end:end + CONTEXT_CHARS])
        distance = abs(number - bookmark.paragraph) + abs(start - bookmark.start) / 1000
        position = 1 / (1 + distance)
        return (_QUOTE_WEIGHT * quote + _PREFIX_WEIGHT * prefix + _SUFFIX_WEIGHT * suffix
                + _POSITION_WEIGHT * position) / (
                    _QUOTE_WEIGHT + _PREFIX_WEIGHT + _SUFFIX_WEIGHT + _POSITION_WEIGHT)

    scored = [(score(candidate), candidate) for candidate in candidates]
    best_score, (number, start, end, _) = max(scored, key=lambda item: item[0])
    return Anchor(number, start, end, method, round(best_score, 4))


def _similarity(expected: str, found: str) -> float:
    longest = max(len(expected), len(found))
    return 1.0 if longest == 0 else 1 - levenshtein(expected, found) / longest


def levenshtein(a: str, b: str) -> int:
    """Edit distance between ``a`` and ``b`` (insertions, deletions and substitutions).

    Computed with the anchored form of Myers' algorithm below: one big-int step per character of
    ``b``, against the plain dynamic programme's one step per pair of characters.
    """
    if not a or not b:
        return len(a) + len(b)
    distance = len(a)
    for _, distance in _edits_by_end(_masks(a), len(a), b, anchored=True):
        pass
    return distance


class _Pattern:
    """A quote prepared for Myers' bit-parallel approximate matching, forwards and backwards."""

    def __init__(self, quote: str) -> None:
        self.quote = quote
        self.forward = _masks(quote)
        self.reverse = _masks(quote[::-1])

    def matches(self, text: str, limit: int) -> list[tuple[int, int, int]]:
        """(start, end, edits) of the best match in each run of ends within ``limit`` edits."""
        if len(text) < len(self.quote) - limit:
            return []
        matches: list[tuple[int, int, int]] = []
        run: tuple[int, int] | None = None  # (edits, end) of the best end in the current run
        for end, edits in _edits_by_end(self.forward, len(self.quote), text, anchored=False):
            if edits <= limit:
                run = (edits, end) if run is None or edits < run[0] else run
            elif run is not None:
                matches.append(self._whole(text, *run, limit))
                run = None
        if run is not None:
            matches.append(self._whole(text, *run, limit))
        return matches

    def _whole(self, text: str, edits: int, end: int, limit: int) -> tuple[int, int, int]:
        """The match ending at ``end``: its start is found by matching backwards from there."""
        low = max(0, end - len(self.quote) - limit)
        backwards = text[low:end][::-1]
        best = (edits + 1, 0, 0)  # (edits, distance from the quote's length, start)
        for length, found in _edits_by_end(self.reverse, len(self.quote), backwards, anchored=True):
            best = min(best, (found, abs(length - len(self.quote)), end - length))
        return best[2], end, best[0]


def _masks(pattern: str) -> dict[str, int]:
    """For each character, the bits of the positions where the pattern has it."""
    peq: dict[str, int] = {}
    for i, char in enumerate(pattern):
        peq[char] = peq.get(char, 0) | 1 << i
    return peq


def _edits_by_end(peq: dict[str, int], m: int, text: str, *, anchored: bool
                  ) -> Iterator[tuple[int, int]]:
    """For each end j (1..len(text)), the fewest edits from the pattern to some text[s:j].

    Unanchored, s is free (searching); anchored, s is 0 (the edit distance to text[:j]). This is
    Myers' algorithm as Hyyrö (2001) states it: a column of the edit-distance table is held as
    its vertical +1 steps (``plus``) and -1 steps (``minus``), one bit per pattern character.
    """
    full = (1 << m) - 1
    top = 1 << (m - 1)
    carry_in = 1 if anchored else 0
    plus, minus, edits = full, 0, m
    for j, char in enumerate(text, 1):
        eq = peq.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hp = minus | (~(xh | plus) & full)
        hm = plus & xh
        if hp & top:
            edits += 1
        elif hm & top:
            edits -= 1
        hp = (hp << 1 | carry_in) & full
        hm = (hm << 1) & full
        plus = hm | (~(xv | hp) & full)
        minus = hp & xv
        yield j, edits


# --- export ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Citation:
    """What a brief cites an article by. An ``ingest.Article`` has these attributes too."""

    title: str
    date: dt.date | str | None = None
    source: str = ""
    url: str = ""


def citation(meta: Any, bookmark: Bookmark) -> Citation:
    """A Citation from a Citation, an Article, a mapping with those keys, or nothing at all."""
    if isinstance(meta, Mapping):
        get = meta.get
    else:
        def get(key: str) -> Any:
            return getattr(meta, key, None)
    date = get("date")
    return Citation(
        title=str(get("title") or bookmark.title or bookmark.article),
        date=date.date() if isinstance(date, dt.datetime) else date or None,
        source=str(get("source") or ""), url=str(get("url") or ""),
    )


def export_markdown(bookmarks: Iterable[Bookmark], articles_meta: Mapping[str, Any] | None = None,
                    *, heading: str = "Bookmarks") -> str:
    """A Markdown brief: the bookmarks grouped by article, in the order each article was first
    bookmarked, and by place within it. Each quote is a block quote followed by its citation
    (title, source, date, paragraph, link), note and tags.

    ``articles_meta`` maps article ids to a :class:`Citation`, an Article or a dict; an article
    missing from it is cited by the title stored in the bookmark. Control characters and
    terminal escapes are removed, since briefs get printed.
    """
    meta = articles_meta or {}
    groups: dict[str, list[Bookmark]] = {}
    for bookmark in bookmarks:
        groups.setdefault(bookmark.article, []).append(bookmark)
    parts = [f"# {_line(heading)}"]
    for article, group in groups.items():
        group.sort(key=lambda b: (b.paragraph, b.start, b.created))
        cited = citation(meta.get(article), group[0])
        parts.append(f"## {_line(cited.title)}")
        for bookmark in group:
            parts.append("> " + _line(bookmark.quote))
            parts.append(_cite(cited, bookmark))
            note = strip_controls(bookmark.note, keep_newlines=True).strip()
            if note:
                parts.append(note)
            if bookmark.tags:
                parts.append("Tags: " + ", ".join(_line(tag) for tag in bookmark.tags))
    return "\n\n".join(parts) + "\n"


def export_toml(bookmarks: Iterable[Bookmark]) -> str:
    """The bookmarks as a bookmarks file of their own (the same format as the store's)."""
    return dumps(bookmarks)


def _line(text: str) -> str:
    return " ".join(strip_controls(text).split())


def _cite(cited: Citation, bookmark: Bookmark) -> str:
    date = cited.date
    date = date.isoformat() if isinstance(date, dt.date) else _line(str(date or ""))
    parts = [f"*{_line(cited.title)}*", _line(cited.source), date,
             f"paragraph {bookmark.paragraph}"]
    url = _line(cited.url)
    if url.startswith(("https://", "http://")) and not set(url) & set("<> "):
        parts.append(f"<{url}>")
    return "— " + ", ".join(part for part in parts if part)
