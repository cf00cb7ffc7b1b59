"""Reading article files: the corpus folder in, articles and paragraphs out.

Every ``*.txt`` and ``*.md`` file below the corpus folder is one article. A file may open with TOML
front matter between two ``+++`` lines (title, date, source, url, place); otherwise these are
inferred from the raw text the way the shipped seeds have it. Bad files never stop the rest: each
one is skipped (or read leniently) with a one-line :class:`Problem` naming it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError
from .text import sentence_spans, shorten

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5 * 1024 * 1024
FRONT_MATTER_KEYS = ("title", "date", "source", "url", "place")


@dataclass(frozen=True)
class Paragraph:
    article: str
    number: int  # counts from 1 within its article
    text: str
    heading: str = ""

    @property
    def ref(self) -> str:
        return f"{self.article}:{self.number}"


@dataclass(frozen=True)
class Article:
    id: str  # the file's path below the corpus folder, without its suffix
    path: Path
    title: str
    date: dt.date | None
    place: str
    source: str
    url: str
    paragraphs: tuple[Paragraph, ...]
    headings: tuple[str, ...]
    digest: str  # sha256 of the file's bytes


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class CorpusRead:
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.skipped]


# --- finding files -----------------------------------------------------------------------------

def article_files(folder: Path, problems: list[Problem] | None = None) -> list[Path]:
    """Every article file below ``folder``, sorted; never follows symlinked folders (no loops)."""
    if not folder.exists():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"corpus is not a folder: {folder}")

    def on_error(err: OSError) -> None:
        if problems is not None:
            problems.append(Problem(printable(str(err.filename or folder)),
                                    f"cannot read folder ({err.strerror})"))

    # A walk with a stack of its own: os.walk recurses, and a folder ~1000 levels deep raised
    # RecursionError out of Python 3.11's.
    found, stack = [], [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as scan:
                entries = list(scan)
        except OSError as err:
            on_error(err)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.is_symlink():
                    stack.append(entry.path)
            elif entry.name.endswith(ARTICLE_SUFFIXES):
                found.append(entry.path)
    # In the order of their names in the folder, sorted as strings: each path starts with the
    # folder's (sorting by PurePath.relative_to took 50 ms at 5,000 files, this 16 ms).
    found.sort(key=lambda path: path.replace(os.sep, "/"))
    return [Path(path) for path in found]


def printable(name: str) -> str:
    """A file name as it can be shown: bytes that were not UTF-8 as ``\\xff`` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def name_in(folder: Path, path: Path) -> str:
    """``path``'s name inside ``folder``, its parts joined by "/" (as the manifest keeps it):
    ``path.relative_to(folder).as_posix()``, for a path under the folder as written (as
    article_files gives them) sliced from its string instead, 8 times quicker (an update looks
    at every file: 35 ms at 5,000 files)."""
    base = os.path.join(str(folder), "")  # "/" and "//" as they are, any other with a "/" added
    text = str(path)
    if not text.startswith(base):
        return path.relative_to(folder).as_posix()
    return text[len(base):].replace(os.sep, "/")


def article_id(folder: Path, path: Path) -> str:
    return path.relative_to(folder).with_suffix("").as_posix()


# --- decoding ----------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class Unreadable(Exception):
    """A file that is skipped; the message is its one-line reason."""


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a file's bytes and a warning, if it was not clean UTF-8. Raises Unreadable."""
    if not data.strip():
        raise Unreadable("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError as err:
                raise Unreadable(f"invalid {encoding} after its byte-order mark ({err.reason})") from None
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not UTF-8; read as cp1252"


def read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a named pipe would block the read for ever
            raise Unreadable("not a regular file")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise Unreadable(f"too large ({size / 1024 / 1024:.1f} MB > {MAX_FILE_BYTES // 1024 // 1024} MB)")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise Unreadable("file vanished or is a broken link") from None
    except PermissionError:
        raise Unreadable("permission denied") from None
    except IsADirectoryError:
        raise Unreadable("is a folder") from None
    except OSError as err:
        raise Unreadable(f"cannot read ({err.strerror or err})") from None
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"too large (> {MAX_FILE_BYTES // 1024 // 1024} MB)")
    return data


# --- parsing -----------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\s*\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.S)
_DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_DATELINE = re.compile(r"\A([A-Z][A-Z.'’ -]{1,40}?)(?:,\s*[A-Za-z. ]{2,30})?\s*(?:—|–|--|-)\s+(?=\S)")
_BOILERPLATE = re.compile(
    r"(advertisement|advertisements?|sponsored( content)?|today'?s e-?paper|e-?paper|"
    r"read more\b.*|read also\b.*|also read\b.*|related( articles| stories)?:?.*|share this\b.*|"
    r"share( on)? (facebook|twitter|x|whatsapp)\b.*|subscribe\b.*|sign up\b.*|follow us\b.*|"
    r"click here\b.*|comments?|print|email|download (our|the) app\b.*|"
    r"copyright\b.*|©.*|all rights reserved\.?)",
    re.I,
)
_CLOSING = tuple(".!?:;,\"'”’)]…")
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12


def _is_boilerplate(line: str) -> bool:
    normal = line.strip().replace("’", "'")
    return len(normal) <= 80 and _BOILERPLATE.fullmatch(normal) is not None


def _looks_like_heading(line: str) -> bool:
    line = line.strip()
    return (0 < len(line) <= HEADING_MAX_CHARS and len(line.split()) <= HEADING_MAX_WORDS
            and not line.endswith(_CLOSING) and not line.startswith(("-", "*", "•")))


def _blocks(text: str) -> list[str]:
    """Paragraph-sized blocks: blank-line-separated where the file has blank lines, else lines."""
    if re.search(r"\n[ \t]*\n", text):
        raw = re.split(r"\n[ \t]*\n", text)
        blocks = [" ".join(part.split()) for part in raw]
    else:
        blocks = [" ".join(line.split()) for line in text.split("\n")]
    return [b for b in blocks if b]


def _front_matter(text: str) -> tuple[dict, str, str | None]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, None
    body = text[match.end():]
    try:
        meta = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as err:
        return {}, body, f"front matter ignored: {err}"
    unknown = sorted(set(meta) - set(FRONT_MATTER_KEYS))
    meta = {k: v for k, v in meta.items() if k in FRONT_MATTER_KEYS}
    return meta, body, (f"unknown front matter keys ignored: {', '.join(unknown)}" if unknown else None)


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_article(article: str, path: Path, text: str, digest: str = "") -> tuple[Article, list[str]]:
    """Turn one file's text into an Article; also returns one-line notes about what was ignored."""
    notes: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, text, note = _front_matter(text)
    if note:
        notes.append(note)
    date = _as_date(meta.get("date"))
    if "date" in meta and date is None:
        notes.append(f"front matter date not understood: {meta['date']!r}")
    marker = _DATE_MARKER.match(text)
    if marker:
        text = text[marker.end():]
        if date is None:
            date = _as_date(marker.group(1))

    blocks = [b for b in _blocks(text) if not _is_boilerplate(b)]
    title = str(meta.get("title") or "").strip()
    if not title and len(blocks) > 1 and _looks_like_heading(blocks[0]):
        title = blocks.pop(0)  # a headline line above the body

    place = str(meta.get("place") or "").strip()
    if blocks:
        dateline = _DATELINE.match(blocks[0])
        if dateline and not place:
            place = dateline.group(1).strip().title()

    paragraphs: list[Paragraph] = []
    headings: list[str] = []
    heading = ""
    for i, block in enumerate(blocks):
        followed_by_text = i + 1 < len(blocks) and not _looks_like_heading(blocks[i + 1])
        if _looks_like_heading(block) and followed_by_text:
            heading = block
            headings.append(block)
            continue
        paragraphs.append(Paragraph(article, len(paragraphs) + 1, block, heading))

    if not title and paragraphs:
        first = paragraphs[0].text
        dateline = _DATELINE.match(first)
        if dateline:
            first = first[dateline.end():]
        spans = sentence_spans(first)
        sentence = first[spans[0][0]:spans[0][1]] if spans else first
        title = shorten(sentence.rstrip(". "), 90)
    return Article(
        id=article, path=path, title=title or article, date=date, place=place,
        source=str(meta.get("source") or "").strip(), url=str(meta.get("url") or "").strip(),
        paragraphs=tuple(paragraphs), headings=tuple(headings), digest=digest,
    ), notes


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_article(folder: Path, path: Path) -> tuple[Article | None, list[Problem]]:
    """One file: its article (or None if skipped) and the problems met."""
    name = name_in(folder, path)
    if printable(name) != name:  # the index and the manifest hold UTF-8 only
        return None, [Problem(printable(name), "skipped: its name is not UTF-8; rename the file")]
    try:
        data = read_bytes(path)
        text, warning = decode(data)
    except Unreadable as err:
        return None, [Problem(name, f"skipped: {err}")]
    problems = [Problem(name, warning, skipped=False)] if warning else []
    article, notes = parse_article(article_id(folder, path), path, text, file_digest(data))
    problems += [Problem(name, note, skipped=False) for note in notes]
    if not article.paragraphs:
        return None, problems + [Problem(name, "skipped: no paragraphs of text")]
    return article, problems


def read_corpus(folder: Path) -> CorpusRead:
    """Every article below ``folder``, in sorted order, with the problems met on the way."""
    folder = Path(folder)
    result = CorpusRead()
    seen: set[str] = set()
    for path in article_files(folder, result.problems):
        article, problems = read_article(folder, path)
        result.problems.extend(problems)
        if article is None:
            continue
        if article.id in seen:
            result.problems.append(Problem(name_in(folder, path),
                                           f"skipped: another file already has the id {article.id!r}"))
            continue
        seen.add(article.id)
        result.articles.append(article)
    return result
