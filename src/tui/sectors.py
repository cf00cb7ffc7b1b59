"""Sectors: the taxonomy tree and the tagging of paragraphs with the sectors they talk about.

A taxonomy is a tree of sectors read from TOML (the format is described at the top of the shipped
``sectors.toml``). Each sector lists the terms and phrases that place a paragraph in it; a
``sectors.toml`` in the corpus folder replaces the shipped one. The tree always ends with an
"Other" root, where paragraphs that match no term go.

Terms match on the index's analyzed words (passed in as a function, so this module needs no search
engine): ``seaport`` also places "seaports", and a phrase places a paragraph only where its words
appear consecutively. Where terms overlap, the longest one starting leftmost wins and uses up its
words, so "palm oil" (Agriculture) keeps "oil" (Energy) from matching too, and "Security Council"
does not count as "security".
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

OTHER = "other"
TAXONOMY_FILE = "sectors.toml"
MAX_DEPTH = 6
SECTOR_KEYS = ("name", "id", "terms", "children")

Analyzer = Callable[[str], list[str]]


class TaxonomyError(ValueError):
    """A taxonomy that cannot be used; the message is one line: "FILE:LINE:COL: ..." or "FILE: ..."."""


class _Invalid(Exception):
    """What is wrong with a parsed taxonomy, before the file's name is put in front."""


@dataclass(frozen=True)
class Sector:
    name: str
    id: str  # a slug, unique among its siblings
    path: str  # the ids from the root down, joined by "/"
    terms: tuple[str, ...] = ()
    children: tuple[Sector, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    roots: tuple[Sector, ...]  # always ends with the "Other" root
    digest: str  # sha256 of the source text
    source: str  # "default" or the file's path

    def walk(self) -> Iterator[Sector]:
        """Every sector, parents before their children, in file order."""
        for sector, _ in self._walk_named():
            yield sector

    def find(self, path: str) -> Sector | None:
        """The sector at ``path`` ("energy/gas"); also takes a path of names in any case
        ("energy/gas & pipelines") or an id that only one sector has ("gas")."""
        wanted = path.strip().strip("/").casefold()
        named = list(self._walk_named())
        for sector, names in named:
            if sector.path == wanted or "/".join(names).casefold() == wanted:
                return sector
        by_id = [sector for sector, _ in named if sector.id == wanted]
        return by_id[0] if len(by_id) == 1 else None

    def _walk_named(self) -> Iterator[tuple[Sector, tuple[str, ...]]]:
        stack = [(root, (root.name,)) for root in reversed(self.roots)]
        while stack:
            sector, names = stack.pop()
            yield sector, names
            stack.extend((child, names + (child.name,)) for child in reversed(sector.children))


OTHER_SECTOR = Sector(name="Other", id=OTHER, path=OTHER)


# --- reading a taxonomy ------------------------------------------------------------------------

def slug(name: str) -> str:
    """A sector id from its name: "Connectivity & Transport" -> "connectivity-transport"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def parse_taxonomy(text: str, source: str = "default") -> Taxonomy:
    """The taxonomy in ``text``; raises TaxonomyError naming ``source`` and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TaxonomyError(_syntax_error(source, text, err)) from None
    try:
        roots = _roots(data)
    except _Invalid as err:
        raise TaxonomyError(f"{source}: {err}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Taxonomy(roots=roots + (OTHER_SECTOR,), digest=digest, source=source)


def _syntax_error(source: str, text: str, err: tomllib.TOMLDecodeError) -> str:
    message = str(err)
    match = _TOML_POSITION.search(message)
    if match:
        line, column = match.group(1), match.group(2)
        message = message[:match.start()]
    else:  # "... (at end of document)"
        message = message.removesuffix(" (at end of document)")
        lines = text.split("\n")
        line, column = str(len(lines)), str(len(lines[-1]) + 1)
    return f"{source}:{line}:{column}: {message}"


def _roots(data: dict) -> tuple[Sector, ...]:
    unknown = sorted(set(data) - {"sector"})
    if unknown:
        raise _Invalid(f"unknown key {unknown[0]!r} at the top (allowed: sector)")
    roots = _sectors(data.get("sector", []), parent=None, depth=1)
    if not roots:
        raise _Invalid("no sectors: add [[sector]] tables with a name and terms")
    for root in roots:
        if root.id == OTHER:
            raise _Invalid(f"the top-level sector {root.name!r} is reserved: it is where "
                           "paragraphs that match no sector go")
    return roots


def _sectors(tables: object, parent: str | None, depth: int) -> tuple[Sector, ...]:
    """The sectors of a ``[[sector]]`` (parent None) or ``children`` array below ``parent``."""
    where = f"under {parent!r}" if parent else "at the top"
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        key = "children" if parent else "sector"
        raise _Invalid(f"{key!r} {where} must be an array of tables ([[...]])")
    if tables and depth > MAX_DEPTH:
        raise _Invalid(f"sectors nested more than {MAX_DEPTH} levels deep {where}")
    sectors: list[Sector] = []
    for number, table in enumerate(tables, 1):
        sector = _sector(table, f"sector #{number} {where}", parent, depth)
        for sibling in sectors:
            if sibling.name.casefold() == sector.name.casefold():
                raise _Invalid(f"two sectors named {sector.name!r} {where}")
            if sibling.id == sector.id:
                raise _Invalid(f"two sectors with the id {sector.id!r} {where}")
        sectors.append(sector)
    return tuple(sectors)


def _sector(table: dict, label: str, parent: str | None, depth: int) -> Sector:
    name = table.get("name")
    if isinstance(name, str):
        name = " ".join(name.split())
        label = f"sector {name!r}" if name else label
    unknown = sorted(set(table) - set(SECTOR_KEYS))
    if unknown:
        raise _Invalid(f"{label}: unknown key {unknown[0]!r} (allowed: {', '.join(SECTOR_KEYS)})")
    if not isinstance(name, str) or not name:
        raise _Invalid(f"{label}: needs a name (a non-empty string)")
    if "id" not in table and not slug(name):
        raise _Invalid(f"{label}: its name gives no id; add one, like id = \"my-sector\"")
    sector_id = table.get("id", slug(name))
    if not isinstance(sector_id, str) or not _SLUG.fullmatch(sector_id):
        raise _Invalid(f"{label}: id {sector_id!r} must be lowercase letters, digits and single dashes")
    path = f"{parent}/{sector_id}" if parent else sector_id

    terms = table.get("terms", [])
    if not isinstance(terms, list) or not all(isinstance(term, str) for term in terms):
        raise _Invalid(f"{label}: terms must be a list of strings")
    terms = [" ".join(term.split()) for term in terms]
    if "" in terms:
        raise _Invalid(f"{label}: has an empty term")

    children = _sectors(table.get("children", []), path, depth + 1)
    if not terms and not children:
        raise _Invalid(f"{label}: places nothing (give it terms or children)")
    return Sector(name=name, id=sector_id, path=path,
                  terms=tuple(dict.fromkeys(terms)), children=children)


def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package."""
    text = resources.files("tui").joinpath(TAXONOMY_FILE).read_text(encoding="utf-8")
    return parse_taxonomy(text, "default")


def load_taxonomy(corpus: Path) -> tuple[Taxonomy, str | None]:
    """The corpus's own ``sectors.toml`` if it has one, else the default.

    A file that cannot be read or used gives the default and a one-line problem that says why."""
    path = Path(corpus) / TAXONOMY_FILE
    if not path.exists():
        return default_taxonomy(), None
    try:
        taxonomy = parse_taxonomy(path.read_bytes().decode("utf-8-sig"), str(path))
    except OSError as err:
        problem = f"{path}: cannot read ({err.strerror or err})"
    except UnicodeDecodeError:
        problem = f"{path}: not UTF-8"
    except TaxonomyError as err:
        problem = str(err)
    else:
        return taxonomy, None
    return default_taxonomy(), f"{problem}; using the default sectors"


# --- tagging -----------------------------------------------------------------------------------

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Tagger:
    """A taxonomy with its terms analyzed once, ready to tag many paragraphs."""

    taxonomy: Taxonomy
    analyze: Analyzer
    # first word -> (phrase, the paths it places), longest phrases first
    phrases: Mapping[str, tuple[tuple[Phrase, tuple[str, ...]], ...]]
    unmatchable: tuple[str, ...] = ()  # "path: term" for terms the analyzer reduces to nothing

    def tag(self, text: str) -> tuple[str, ...]:
        """The most specific sector paths ``text`` matches, sorted; ("other",) if none."""
        return self.tag_words(self.analyze(text))

    def tag_words(self, words: Sequence[str]) -> tuple[str, ...]:
        """As :meth:`tag`, for words the analyzer already gave."""
        words = tuple(words)
        matched: set[str] = set()
        i = 0
        while i < len(words):
            for phrase, paths in self.phrases.get(words[i], ()):
                if words[i:i + len(phrase)] == phrase:
                    matched.update(paths)
                    i += len(phrase)
                    break
            else:
                i += 1
        return most_specific(matched) or (OTHER,)


def compile_taxonomy(taxonomy: Taxonomy, analyze: Analyzer) -> Tagger:
    """A tagger for ``taxonomy`` that matches terms on the words ``analyze`` gives."""
    places: dict[Phrase, set[str]] = {}
    unmatchable: list[str] = []
    for sector in taxonomy.walk():
        for term in sector.terms:
            phrase = tuple(analyze(term))
            if phrase:
                places.setdefault(phrase, set()).add(sector.path)
            else:
                unmatchable.append(f"{sector.path}: {term}")
    by_first: dict[str, list[tuple[Phrase, tuple[str, ...]]]] = {}
    for phrase, paths in places.items():
        by_first.setdefault(phrase[0], []).append((phrase, tuple(sorted(paths))))
    phrases = {first: tuple(sorted(entries, key=lambda entry: -len(entry[0])))
               for first, entries in by_first.items()}
    return Tagger(taxonomy, analyze, phrases, tuple(unmatchable))


def most_specific(paths: Iterable[str]) -> tuple[str, ...]:
    """``paths`` without those that are an ancestor of another one, sorted."""
    paths = set(paths)
    return tuple(sorted(p for p in paths if not any(q.startswith(p + "/") for q in paths)))


def with_ancestors(paths: Iterable[str]) -> tuple[str, ...]:
    """Each path and every ancestor of it, sorted: "a/b/c" -> "a", "a/b", "a/b/c"."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        found.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return tuple(sorted(found))
