"""Correctness: the optimised paths give what the plain paths give.

Plain means: Whoosh's own searcher.search over the whole index with no filter and no cache, then
filtering by each hit's stored sector field, counting sectors by walking every hit, and cutting the
timeline to the refs of every hit; highlights from the Whoosh analyzer; events from
tui.timeline.build_events itself. Any difference is reported as a MISMATCH line.
"""

from __future__ import annotations

import time
from pathlib import Path

from mix import CHECK

LIMIT = 20
EVENTS_CHECK_MAX = 12_000  # timeline.build_events is quadratic: skip it on larger corpora


def run(corpus: Path, index: Path, paths) -> dict:
    from whoosh import index as whoosh_index
    from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser
    from whoosh.query import Every

    from tui import index as tui_index
    from tui.search import Explorer
    from tui.timeline import restrict

    problems: list[str] = []
    checked = 0
    explorer = Explorer.open(paths, build=False)
    ix = whoosh_index.open_dir(str(index / "data"))
    searcher = ix.searcher()
    parser = MultifieldParser(["text", "heading"], schema=ix.schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    manifest = tui_index.Manifest.load(index / "data")
    events = explorer.timeline()  # every event the index holds
    stored = [searcher.stored_fields(n) for n in range(searcher.doc_count_all())]

    def sectors_of(docnum: int) -> set[str]:
        return set(filter(None, stored[docnum].get("sector", "").split(",")))

    for query_text, sector in CHECK:
        label = f"{query_text!r} sector={sector}"
        query = parser.parse(query_text) if query_text.strip() else Every()
        every = [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None)]
        if not query_text.strip():
            every = sorted((n, 0.0) for n, _ in every)
        kept = [(n, s) for n, s in every if not sector or sector in sectors_of(n)]
        result = explorer.search(query_text, sector, limit=LIMIT)
        checked += 1
        if result.total != len(kept):
            problems.append(f"{label}: total {result.total}, plain {len(kept)}")
        want = [(stored[n]["ref"], round(float(s or 0.0), 6)) for n, s in kept[:LIMIT]]
        got = [(hit.ref, round(hit.score, 6)) for hit in result.hits]
        if want != got:
            problems.append(f"{label}: top {LIMIT} differ: {got[:3]}... plain {want[:3]}...")
        words = set()
        if query_text.strip():
            words = {w.decode() if isinstance(w, bytes) else w
                     for f, w in query.existing_terms(searcher.reader(), expand=True)
                     if f in ("text", "heading")}
        for hit in result.hits:
            spans = tuple((t.startchar, t.endchar)
                          for t in tui_index.ANALYZER(hit.text, chars=True, mode="index") if t.text in words)
            if spans != hit.highlights:
                problems.append(f"{label}: highlights of {hit.ref} differ")
                break
        # sector counts: every hit of the query (no sector filter), each counted in all its paths
        tree = explorer.sector_tree(query_text)
        counts: dict[str, int] = {}
        for n, _ in every:
            for path in sectors_of(n):
                counts[path] = counts.get(path, 0) + 1
        for node, depth in tree.walk():
            want_count = len(every) if depth == 0 else counts.get(node.path, 0)
            if node.count != want_count:
                problems.append(f"{label}: sector {node.path or '(all)'} counts {node.count}, plain {want_count}")
        # the timeline cut to the hits (with the sector filter)
        got_events = [e.to_dict() for e in explorer.timeline(query_text, sector)]
        if not query_text.strip() and not sector:
            want_events = [e.to_dict() for e in events]
        else:
            refs = {stored[n]["ref"] for n, _ in kept}
            want_events = [e.to_dict() for e in restrict(events, refs)]
        if got_events != want_events:
            problems.append(f"{label}: timeline differs ({len(got_events)} events, plain {len(want_events)})")

    # index contents: one document per paragraph, every ref once
    reader = searcher.reader()
    refs = [d["ref"] for n, d in enumerate(stored) if not reader.is_deleted(n)]
    live = explorer.info().paragraphs
    if len(set(refs)) != len(refs) or live != len(refs) or \
            live != sum(a["paragraphs"] for a in manifest.articles.values()):
        problems.append("index: paragraph count or refs differ from the manifest")
    checked += 1

    searcher.close()
    ix.close()
    extra = _check_build_paths(corpus, manifest, [e.to_dict() for e in events], problems)
    checked += extra
    explorer.close()
    return {"checked": checked, "problems": problems}


def _check_build_paths(corpus: Path, manifest, events: list[dict], problems: list[str]) -> int:
    """The index's own events and analyzer against the plain ones in tui.timeline and Whoosh."""
    from tui import dates, index as tui_index, ingest, timeline

    read = ingest.read_corpus(corpus)
    paragraphs = [p for a in read.articles for p in a.paragraphs]
    checked = 1
    # the manifest after updates (which read only changed files) against reading every file
    want = {a.id: (a.digest, len(a.paragraphs)) for a in read.articles}
    got = {i: (e["digest"], e["paragraphs"]) for i, e in manifest.articles.items()}
    read_problems = [str(p) for p in read.problems]
    if want != got or manifest.problems[:len(read_problems)] != read_problems:
        problems.append("manifest: its articles or problems differ from ingest.read_corpus")
    sample = paragraphs[:: max(1, len(paragraphs) // 20_000)]
    for paragraph in sample:
        want = [t.text for t in tui_index.ANALYZER(paragraph.text)]
        if tui_index.analyze(paragraph.text) != want:
            problems.append(f"analyze({paragraph.ref}) differs from the Whoosh analyzer")
            break
    checked += 1
    # what the build's writers index for a paragraph's words, against the Whoosh field's own
    from tui.index.analysis import text_indexer

    schema = tui_index.make_schema()
    text, heading = schema["text"], schema["heading"]
    fast_text, fast_heading = text_indexer(text), text_indexer(heading)
    if fast_text is None or fast_heading is None:
        problems.append("index: the fast text indexer does not apply to the schema's text fields")
    else:
        for paragraph in sample[:5_000]:
            if fast_text.items(paragraph.text) != list(text.index(paragraph.text)) \
                    or fast_text.spellable(paragraph.text) != list(text.spellable_words(paragraph.text)) \
                    or fast_heading.items(paragraph.heading) != list(heading.index(paragraph.heading)):
                problems.append(f"index: the words indexed for {paragraph.ref} differ from Whoosh's")
                break
    checked += 1
    # date tagging skips the rules a paragraph cannot match: the same mentions as every rule run
    window, _ = dates.load_window(corpus)
    articles_of = {p.ref: a for a in read.articles for p in a.paragraphs}
    skipping = dates._rules_for
    try:
        filtered = [dates.tag_dates(p.text, articles_of[p.ref].date, window) for p in sample]
        dates._rules_for = lambda text: dates._rules()
        every_rule = [dates.tag_dates(p.text, articles_of[p.ref].date, window) for p in sample]
    finally:
        dates._rules_for = skipping
    if filtered != every_rule:
        problems.append("dates: tagging with the rules a paragraph can match differs from every rule")
    checked += 1
    if len(paragraphs) <= EVENTS_CHECK_MAX:
        window, _ = dates.load_window(corpus)
        started = time.perf_counter()
        mentions = ((p, timeline.paragraph_mentions(p, a.date, window))
                    for a in read.articles for p in a.paragraphs)
        plain = [e.to_dict() for e in timeline.build_events(mentions)]
        if plain != events:
            problems.append(f"events: the index's {len(events)} differ from build_events' "
                            f"{len(plain)} ({time.perf_counter() - started:.1f} s)")
        checked += 1
    return checked
