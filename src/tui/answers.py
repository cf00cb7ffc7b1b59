"""The query API's answers: plain dataclasses, the same in the app's process as in the search
process that makes them (tui.service sends them pickled).

They import nothing of the index: the app takes its first answer in (the corpus's facts) without
importing Whoosh, which was 100 ms before its first results on the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    ref: str
    article: str
    paragraph: int
    title: str
    date: str | None
    heading: str
    text: str
    highlights: tuple[tuple[int, int], ...]
    sectors: tuple[str, ...]
    score: float

    def to_dict(self) -> dict:
        return {"ref": self.ref, "article": self.article, "paragraph": self.paragraph,
                "title": self.title, "date": self.date, "heading": self.heading, "text": self.text,
                "highlights": [list(span) for span in self.highlights],
                "sectors": list(self.sectors), "score": round(self.score, 4)}


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    suggestion: str | None
    hits: tuple[Hit, ...]
    sector: str | None = None

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "suggestion": self.suggestion,
                "sector": self.sector, "hits": [hit.to_dict() for hit in self.hits]}


@dataclass(frozen=True)
class SectorNode:
    name: str
    path: str
    count: int
    children: tuple["SectorNode", ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "count": self.count,
                "children": [child.to_dict() for child in self.children]}

    def walk(self, depth: int = 0):
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    title: str
    date: str | None
    place: str
    source: str
    url: str
    paragraphs: int
    headings: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "date": self.date, "place": self.place,
                "source": self.source, "url": self.url, "paragraphs": self.paragraphs,
                "headings": list(self.headings)}


@dataclass(frozen=True)
class ArticleText:
    info: ArticleInfo
    paragraphs: tuple[Hit, ...]  # every paragraph, in order, highlighted for the query given


@dataclass(frozen=True)
class CorpusInfo:
    name: str
    articles: int
    paragraphs: int
    window: dict | None
    problems: tuple[str, ...] = field(default=())
