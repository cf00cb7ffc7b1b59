"""The command line: every view of the explorer as a scriptable command with ``--json``.

Exit status as grep has it: 0 when something was found, 1 when nothing was, 2 on a usage, query
or corpus error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.text import Text

from . import __version__
from .paths import Paths, resolve
from .render import safe
from .text import escape_json

FOUND, NOTHING, ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("locations")
    group.add_argument("--corpus", metavar="DIR", default=argparse.SUPPRESS,
                       help="folder of article files (default: ./seeds, or $TUI_CORPUS)")
    group.add_argument("--index", metavar="DIR", default=argparse.SUPPRESS,
                       help="index folder (default: ./index, or $TUI_INDEX)")
    group.add_argument("--bookmarks", metavar="FILE", default=argparse.SUPPRESS,
                       help="bookmarks file (default: ./bookmarks.toml, or $TUI_BOOKMARKS)")


def build_parser() -> Parser:
    parser = Parser(prog="tui", description="Explore news coverage of an event, from the terminal.")
    parser.add_argument("--version", action="version", version=f"tui {__version__}")
    _common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help: str, handler: Callable, group=commands) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help, description=help)
        _common(sub)
        sub.set_defaults(handler=handler)
        return sub

    command("app", "open the explorer (the default)", run_app)
    sub = command("index", "build or update the index", cmd_index)
    sub.add_argument("--rebuild", action="store_true", help="start from nothing")
    sub = command("search", "search paragraphs (Whoosh query syntax)", cmd_search)
    sub.add_argument("query")
    sub.add_argument("--limit", type=_positive, default=20, metavar="N")
    sub.add_argument("--sector", metavar="PATH", help="only this sector and its children")
    sub.add_argument("--json", action="store_true")
    sub = command("articles", "list the articles", cmd_articles)
    sub.add_argument("--json", action="store_true")
    sub = command("read", "print an article or a paragraph (ARTICLE or ARTICLE:N)", cmd_read)
    sub.add_argument("ref")
    sub.add_argument("--query", default="", help="highlight these words")
    sub.add_argument("--json", action="store_true")
    sub = command("sectors", "the sector tree with paragraph counts", cmd_sectors)
    sub.add_argument("--query", default="")
    sub.add_argument("--json", action="store_true")
    sub = command("timeline", "dated events of the coverage", cmd_timeline)
    sub.add_argument("--query", default="")
    sub.add_argument("--sector", metavar="PATH")
    sub.add_argument("--json", action="store_true")
    marks = command("bookmarks", "bookmarked passages, with notes and tags", cmd_bookmarks_list)
    actions = marks.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    sub = command("list", "list bookmarks (orphans: passages no longer found)", cmd_bookmarks_list, actions)
    sub.add_argument("--tag", action="append", default=[], metavar="T")
    sub.add_argument("--json", action="store_true")
    marks.set_defaults(tag=[], json=False)
    sub = command("add", "bookmark a paragraph (ARTICLE:N), or a quote in it", cmd_bookmarks_add, actions)
    sub.add_argument("ref", metavar="REF")
    sub.add_argument("--quote", help="exact text within the paragraph (default: all of it)")
    sub.add_argument("--note", default="")
    sub.add_argument("--tag", action="append", default=[], metavar="T")
    sub = command("remove", "remove a bookmark by id (or a unique start of it)", cmd_bookmarks_remove, actions)
    sub.add_argument("id")
    sub = command("export", "a Markdown brief or a TOML copy", cmd_bookmarks_export, actions)
    sub.add_argument("--format", choices=("md", "toml"), default="md")
    sub.add_argument("-o", "--output", metavar="FILE")
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


# --- plumbing ----------------------------------------------------------------------------------

def _paths(args: argparse.Namespace) -> Paths:
    return resolve(getattr(args, "corpus", None), getattr(args, "index", None),
                   getattr(args, "bookmarks", None))


def _consoles() -> tuple[Console, Console]:
    return Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False, soft_wrap=True)


def _open(args: argparse.Namespace, err: Console):
    """The query API on an up-to-date index, telling stderr about rebuilds and skipped files."""
    from .search import Explorer

    return Explorer.open(_paths(args), notice=lambda line: err.print(safe(f"tui: {line}", "yellow")))


def _print_json(document) -> None:
    sys.stdout.write(escape_json(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")


# --- commands ----------------------------------------------------------------------------------

def cmd_index(args, out: Console, err: Console) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .search import Explorer

    with Progress(TextColumn("indexing"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("index", total=None)
        report = Explorer.build(_paths(args), rebuild=args.rebuild,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
    for line in report.notices + report.problems:
        err.print(safe(f"tui: {line}", "yellow"))
    skipped = sum(1 for p in report.problems if ": skipped:" in p)
    updated = "rebuilt" if report.rebuilt else (
        f"{len(report.reindexed)} re-indexed, {len(report.removed)} removed"
        if report.reindexed or report.removed else "up to date")
    out.print(Text(f"{report.articles} articles, {report.paragraphs} paragraphs, {skipped} skipped files, "
                   f"{updated} in {report.seconds:.2f} s"))
    return FOUND


def cmd_search(args, out: Console, err: Console) -> int:
    from .render import safe, snippet

    result = _open(args, err).search(args.query, sector=args.sector, limit=args.limit)
    if args.json:
        _print_json(result.to_dict())
        return FOUND if result.total else NOTHING
    if not result.total:
        hint = f' — did you mean "{result.suggestion}"?' if result.suggestion else ""
        out.print(safe(f"no paragraphs match{hint}", "dim"))
        return NOTHING
    shown = f"{len(result.hits)} of {result.total}" if result.total > len(result.hits) else str(result.total)
    out.print(Text(f"{shown} paragraph{'' if result.total == 1 else 's'}", style="dim"))
    for hit in result.hits:
        out.print()
        out.print(Text.assemble(safe(hit.ref, "cyan"), "  ", safe(hit.title, "bold"),
                                (f"  {hit.date}" if hit.date else "", "dim")))
        if hit.heading:
            out.print(Text.assemble(("§ ", "dim"), safe(hit.heading, "italic")))
        out.print(snippet(hit.text, hit.highlights, width=400, style="bold yellow"))
        if hit.sectors:
            out.print(safe("sectors: " + ", ".join(hit.sectors), "dim"))
    return FOUND


def cmd_articles(args, out: Console, err: Console) -> int:
    from .render import safe

    articles = _open(args, err).articles()
    if args.json:
        _print_json([a.to_dict() for a in articles])
    else:
        for a in articles:
            out.print(Text.assemble(safe(a.id, "cyan"), "  ", safe(a.date or "undated", "dim"), "  ",
                                    safe(a.title, "bold"), (f"  ({a.paragraphs} paragraphs)", "dim")))
    return FOUND if articles else NOTHING


def cmd_read(args, out: Console, err: Console) -> int:
    from .render import highlighted, safe

    explorer = _open(args, err)
    article_id, _, number = args.ref.rpartition(":") if ":" in args.ref else (args.ref, "", "")
    try:
        text = explorer.article(article_id, query=args.query)
    except KeyError:
        raise UsageError(f"no article {article_id!r} (see `tui articles`)") from None
    paragraphs = text.paragraphs
    if number:
        if not number.isdigit() or not 1 <= int(number) <= len(paragraphs):
            raise UsageError(f"{article_id} has paragraphs 1 to {len(paragraphs)}, not {number!r}")
        paragraphs = (paragraphs[int(number) - 1],)
    if args.json:
        _print_json({"article": text.info.to_dict(), "paragraphs": [p.to_dict() for p in paragraphs]})
        return FOUND
    out.print(safe(text.info.title, "bold"))
    out.print(safe(" · ".join(x for x in (text.info.date, text.info.place, text.info.source) if x), "dim"))
    heading = None
    for p in paragraphs:
        if p.heading != heading and p.heading:
            out.print()
            out.print(safe(p.heading, "bold underline"))
        heading = p.heading
        out.print()
        out.print(Text.assemble((f"{p.paragraph:>3}  ", "dim"), highlighted(p.text, p.highlights, "bold yellow")))
    return FOUND


def cmd_sectors(args, out: Console, err: Console) -> int:
    tree = _open(args, err).sector_tree(args.query or None)
    if args.json:
        _print_json(tree.to_dict())
        return FOUND if tree.count else NOTHING
    top = max((node.count for node, depth in tree.walk() if depth), default=0) or 1
    for node, depth in tree.walk():
        if depth == 0:
            out.print(safe(f"{node.name}  {node.count} paragraphs", "bold"))
            continue
        bar = "█" * max(1 if node.count else 0, round(20 * node.count / top))
        label = f"{'  ' * (depth - 1)}{safe(node.name).plain}"
        out.print(Text.assemble((f"{label:<42}", "dim" if not node.count else ""),
                                (f"{node.count:>6} ", "bold"), (bar, "green"), safe("  " + node.path, "dim")))
    return FOUND if tree.count else NOTHING


def cmd_timeline(args, out: Console, err: Console) -> int:
    from .render import safe
    from .timeline import describe_date

    explorer = _open(args, err)
    events = explorer.timeline(args.query or None, args.sector)
    if args.json:
        _print_json({"window": explorer.info().window, "events": [e.to_dict() for e in events]})
        return FOUND if events else NOTHING
    window = explorer.info().window
    if window:
        out.print(safe(f"▌ {window['name']}: {window['start']} to {window['end']}", "bold magenta"))
    day = None
    for event in events:
        label = describe_date(event)
        inside = bool(window and event.date and event.precision == "day"
                      and window["start"] <= event.date.isoformat() <= window["end"])
        if label != day:
            out.print()
            out.print(Text(("▌ " if inside else "  ") + label, style="bold magenta" if inside else "bold"))
            day = label
        flags = f" [{', '.join(event.flags)}]" if event.flags else ""
        out.print(Text.assemble("    ", safe(event.label), (flags, "dim")))
        for source in event.sources:
            out.print(safe(f"      ↳ {source.ref}", "cyan"))
    return FOUND if events else NOTHING


def _store(args):
    from .bookmarks import BookmarkStore

    return BookmarkStore(_paths(args).bookmarks)


def cmd_bookmarks_list(args, out: Console, err: Console) -> int:
    from .bookmarks import anchor_all, with_tags
    from .render import safe

    bookmarks = with_tags(_store(args).load(), *args.tag)
    explorer = _open(args, err)
    texts = {}
    for article in {b.article for b in bookmarks}:
        try:
            texts[article] = [p.text for p in explorer.article(article).paragraphs]
        except KeyError:
            pass  # the article is gone: its bookmarks are orphans
    anchored = anchor_all(bookmarks, texts)
    if args.json:
        _print_json([{**_bookmark_dict(b), "orphaned": a.orphaned,
                      "found": None if a.orphaned else {"paragraph": a.paragraph, "start": a.start,
                                                        "end": a.end, "method": a.method}}
                     for b, a in anchored])
        return FOUND if bookmarks else NOTHING
    for bookmark, where in anchored:
        ref = f"{bookmark.article}:{where.paragraph or bookmark.paragraph}"
        out.print(Text.assemble(safe(bookmark.id, "bold cyan"), "  ", safe(ref, "cyan"),
                                ("  orphaned: passage not found" if where.orphaned else "", "bold red"),
                                safe(f"  [{', '.join(bookmark.tags)}]" if bookmark.tags else "", "green")))
        out.print(Text.assemble("  “", safe(bookmark.quote, "italic"), "”"))
        if bookmark.note:
            out.print(Text.assemble("  ", safe(bookmark.note)))
    return FOUND if bookmarks else NOTHING


def _bookmark_dict(bookmark) -> dict:
    return {"id": bookmark.id, "created": bookmark.created.isoformat(), "article": bookmark.article,
            "title": bookmark.title, "paragraph": bookmark.paragraph, "quote": bookmark.quote,
            "prefix": bookmark.prefix, "suffix": bookmark.suffix, "start": bookmark.start,
            "end": bookmark.end, "note": bookmark.note, "tags": list(bookmark.tags)}


def cmd_bookmarks_add(args, out: Console, err: Console) -> int:
    from .bookmarks import make_bookmark

    article_id, _, number = args.ref.rpartition(":")
    if not article_id or not number.isdigit():
        raise UsageError(f"a paragraph reference is ARTICLE:N, not {args.ref!r}")
    try:
        paragraph = _open(args, err).paragraph(args.ref)
    except KeyError:
        raise UsageError(f"no paragraph {args.ref!r} (see `tui read {article_id}`)") from None
    start, end = 0, len(paragraph.text)
    if args.quote is not None:
        start = paragraph.text.find(args.quote)
        if start < 0 or not args.quote:
            raise UsageError(f"the quote is not in {args.ref}; quote its exact words")
        end = start + len(args.quote)
    bookmark = make_bookmark(paragraph.article, paragraph.title, paragraph.paragraph, paragraph.text,
                             start, end, note=args.note, tags=args.tag)
    saved = _store(args).add(bookmark)
    out.print(safe(f"bookmarked {args.ref} as {saved.id}"))
    return FOUND


def cmd_bookmarks_remove(args, out: Console, err: Console) -> int:
    removed = _store(args).remove(args.id)
    out.print(safe(f"removed {removed.id} ({removed.article}:{removed.paragraph})"))
    return FOUND


def cmd_bookmarks_export(args, out: Console, err: Console) -> int:
    from .bookmarks import Citation, export_markdown, export_toml

    bookmarks = _store(args).load()
    if args.format == "toml":
        document = export_toml(bookmarks)
    else:
        articles = {a.id: Citation(a.title, a.date, a.source, a.url) for a in _open(args, err).articles()}
        document = export_markdown(bookmarks, articles)
    if args.output:
        from pathlib import Path

        Path(args.output).write_text(document, encoding="utf-8")
        err.print(safe(f"wrote {len(bookmarks)} bookmarks to {args.output}"))
    else:
        sys.stdout.write(document)
    return FOUND if bookmarks else NOTHING


def run_app(args, out: Console, err: Console) -> int:
    from .service import SearchService

    paths = _paths(args)
    search = SearchService(paths)  # first: it opens the index while Textual is imported (~0.3 s)
    from .app import ExplorerApp

    ExplorerApp(paths, search=search).run()
    return FOUND


# --- entry point -------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    from .bookmarks import BookmarksError, UnknownBookmark
    from .errors import CorpusError, IndexBusy, QueryError

    out, err = _consoles()
    try:
        args = build_parser().parse_args(argv)
        handler = getattr(args, "handler", run_app)
        return handler(args, out, err)
    except (UsageError, QueryError, CorpusError, IndexBusy, BookmarksError, UnknownBookmark) as error:
        err.print(safe(f"tui: {error}", "red"))
        return ERROR
    except BrokenPipeError:  # `tui search x | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FOUND
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        err.print(safe(f"tui: {error.strerror or error}{where}", "red"))
        return ERROR
    except KeyboardInterrupt:
        return 130
