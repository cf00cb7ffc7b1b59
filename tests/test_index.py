"""Building the index: incremental updates, and recovery from every kind of damage."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui import index
from tui.cli import main
from tui.index import build as builder
from tui.paths import Paths
from tui.search import Explorer

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
FIRST, SECOND = "000_ccb5cf8ea570b8ca", "001_b7e318ca484bc110"


@pytest.fixture
def paths(tmp_path) -> Paths:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return Paths(tmp_path / "seeds", tmp_path / "index", tmp_path / "bookmarks.toml")


def build(paths: Paths, **kwargs) -> index.BuildReport:
    return index.update(paths.corpus, paths.index, **kwargs)


def test_first_build_then_nothing_to_do(paths):
    first = build(paths)
    assert (first.rebuilt, first.articles, first.paragraphs) == (True, 2, 27)
    again = build(paths)
    assert (again.rebuilt, again.reindexed, again.removed) == (False, [], [])


def test_changing_one_file_reindexes_only_it(paths):
    build(paths)
    with (paths.corpus / f"{SECOND}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nA new paragraph about the zanzibar question.\n")
    report = build(paths)
    assert (report.rebuilt, report.reindexed, report.removed) == (False, [SECOND], [])
    explorer = Explorer.open(paths, build=False)
    assert [hit.ref for hit in explorer.search("zanzibar").hits] == [f"{SECOND}:13"]
    assert explorer.search("gwadar").total == 2  # the old paragraphs were replaced, not doubled
    explorer.close()


def test_adding_and_removing_files(paths):
    build(paths)
    (paths.corpus / "extra.md").write_text("An extra article about zanzibar.\n", encoding="utf-8")
    assert build(paths).reindexed == ["extra"]
    (paths.corpus / "extra.md").unlink()
    report = build(paths)
    assert (report.reindexed, report.removed) == ([], ["extra"])
    explorer = Explorer.open(paths, build=False)
    assert explorer.search("zanzibar").total == 0
    assert explorer.info().paragraphs == 27
    explorer.close()


def test_rebuild_flag_starts_from_nothing(paths, capsys):
    build(paths)
    assert main(["index", "--rebuild", "--corpus", str(paths.corpus), "--index", str(paths.index)]) == 0
    out = capsys.readouterr().out
    assert out.strip().startswith("2 articles, 27 paragraphs, 0 skipped files, rebuilt in")


def _segment_files(paths: Paths) -> list[Path]:
    return sorted((paths.index / "data").glob("*.seg"))


@pytest.mark.parametrize("damage", ["truncate_segment", "delete_segment", "garbage_segment",
                                    "garbage_toc", "delete_toc", "delete_manifest", "old_schema",
                                    "garbage_manifest"])
def test_damaged_index_is_rebuilt_with_a_notice(paths, damage, capsys):
    build(paths)
    data = paths.index / "data"
    segment = _segment_files(paths)[0]
    toc = next(data.glob("*.toc"))
    if damage == "truncate_segment":
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    elif damage == "delete_segment":
        segment.unlink()
    elif damage == "garbage_segment":
        segment.write_bytes(b"\x00garbage" * 100)
    elif damage == "garbage_toc":
        toc.write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")  # a pickle we must never load
    elif damage == "delete_toc":
        toc.unlink()
    elif damage == "delete_manifest":
        (data / "manifest.json").unlink()
    elif damage == "old_schema":
        manifest = json.loads((data / "manifest.json").read_text())
        manifest["schema"] = 0
        (data / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "garbage_manifest":
        (data / "manifest.json").write_text("{not json")
    code = main(["search", "gwadar", "--json", "--corpus", str(paths.corpus), "--index", str(paths.index)])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["total"] == 2
    assert err.startswith("tui: rebuilding the index:")
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_failed_build_leaves_the_old_index_and_no_partial_one(paths, monkeypatch):
    build(paths)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builder, "_add_all", full_disk)
    with pytest.raises(OSError):
        build(paths, rebuild=True)
    assert not (paths.index / "data.new").exists()
    monkeypatch.undo()
    explorer = Explorer.open(paths, build=False)
    assert explorer.search("gwadar").total == 2
    explorer.close()


def test_searching_works_while_another_process_holds_the_write_lock(paths):
    build(paths)
    with index.write_lock(paths.index):
        explorer = Explorer.open(paths, build=False)
        assert explorer.updating
        assert explorer.search("gwadar").total == 2
        with pytest.raises(index.IndexBusy):
            build(paths, wait=0)
        explorer.close()


def test_open_refreshes_after_another_writer(paths):
    build(paths)
    explorer = Explorer.open(paths, build=False)
    (paths.corpus / "extra.md").write_text("Zanzibar news.\n", encoding="utf-8")
    build(paths)
    assert explorer.search("zanzibar").total == 0
    assert explorer.refresh()
    assert explorer.search("zanzibar").total == 1
    explorer.close()


def test_importing_the_index_changes_nothing_in_whoosh():
    # the index once replaced two of Whoosh's methods at import; now its own subclasses are used
    from whoosh.codec.whoosh3 import W3PerDocReader
    from whoosh.filedb.structfile import BufferFile

    assert W3PerDocReader.__dict__["_cached_reader"].__module__ == "whoosh.codec.whoosh3"
    assert BufferFile.__dict__["__init__"].__module__ == "whoosh.filedb.structfile"


def test_the_table_of_contents_names_only_whoosh_classes(paths):
    # plain Whoosh can open what we write (bench/check.py does), and a TOC never names our modules
    build(paths)
    tocs = list((paths.index / "data").glob("*.toc"))
    assert tocs and all(b"tui." not in toc.read_bytes() for toc in tocs)
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(paths.index / "data"))
    with ix.searcher() as searcher:
        assert searcher.doc_count() == sum(len(list(searcher.documents(article=a))) for a in (FIRST, SECOND))
    ix.close()


@pytest.fixture
def with_deletions(paths):
    """The seeds' index, open, after an article changed: its old paragraphs are deleted documents
    in the first segment, its new ones in a second."""
    build(paths)
    with (paths.corpus / f"{SECOND}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nThe two countries signed a zanzibar accord on trade and energy.\n")
    build(paths)
    explorer = Explorer.open(paths, build=False)
    yield explorer
    explorer.close()


def test_answers_equal_whooshs_own_on_an_index_with_deletions(paths, with_deletions):
    # the block scoring, the cached postings and phrase matches, and the bit sets, asked twice
    from whoosh import index as whoosh_index
    from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser

    explorer = with_deletions
    ix = whoosh_index.open_dir(str(paths.index / "data"))
    parser = MultifieldParser(["text", "heading"], schema=ix.schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        for text in ['"two countries"', "pakistan", "kazakh*", "trade NOT energy", "zanzibar OR gwadar",
                     "trade energy", "pakistn~1", '"strategic partnership" pakistan']:
            plain = [(searcher.stored_fields(hit.docnum)["ref"], round(hit.score, 9))
                     for hit in searcher.search(parser.parse(text), limit=None)]
            for _ in range(2):
                result = explorer.search(text, limit=None)
                assert [(hit.ref, round(hit.score, 9)) for hit in result.hits] == plain, text
                assert result.total == len(plain) == explorer.count(text)
                top = explorer.search(text, limit=3)
                assert [(hit.ref, round(hit.score, 9)) for hit in top.hits] == plain[:3], text
    ix.close()


def test_an_index_written_compressed_answers_the_same_once_updated(paths, monkeypatch):
    """Posting blocks are written uncompressed now; an index written before (zlib, level 3) and
    updated since has blocks of both kinds, each saying which it is."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.qparser import AndGroup, MultifieldParser

    from tui.index import whoosh_io

    with monkeypatch.context() as before:
        before.setattr(whoosh_io.MemoCodec, "__init__", lambda codec: W3Codec.__init__(codec))
        build(paths)
    with (paths.corpus / f"{SECOND}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nThe two countries signed a zanzibar accord on trade and energy.\n")
    build(paths)
    ix = whoosh_index.open_dir(str(paths.index / "data"))
    assert sorted(segment.codec()._compression for segment in ix._segments()) == [0, 3]
    parser = MultifieldParser(["text", "heading"], schema=ix.schema, group=AndGroup)
    with ix.searcher() as searcher, Explorer.open(paths, build=False) as explorer:
        for text in ["pakistan", "zanzibar OR gwadar", '"two countries"', "kazakh*"]:
            plain = [(searcher.stored_fields(hit.docnum)["ref"], round(hit.score, 9))
                     for hit in searcher.search(parser.parse(text), limit=None)]
            found = explorer.search(text, limit=None).hits
            assert [(hit.ref, round(hit.score, 9)) for hit in found] == plain, text
    ix.close()


def test_words_and_or_are_scored_without_matchers_to_the_same_floats(with_deletions):
    # query_scores works plain words, ANDs and ORs out from the kept postings; Whoosh's matcher
    # tree adds the same floats in the order it pairs them (by estimated size, then by matcher
    # class): the scores must be equal to the last bit, in every segment, deletions or not
    from tui.index.blocks import doc_scores, query_scores

    corpus_index = with_deletions._index
    views = corpus_index._segment_views()
    assert len(views) > 1 and any(segment.reader.has_deletions() for _, segment in views)
    texts = ["pakistan", "trade energy", "energy trade", "pakistan kazakhstan trade energy",
             "trade OR energy OR zanzibar", "zanzibar OR nowhereword", "nowhereword trade",
             "pakistan (trade OR transit) energy", "heading:visit pakistan", "astana AND islamabad",
             '"two countries" trade', "kazakh* trade", "trade NOT energy", "trade^2 energy",
             # tied sizes, one part boosted (a WrappingMatcher, which a FilterMatcher or a phrase's
             # SpanNear2Matcher, both its subclasses, sorts before): Whoosh pairs by class too
             "text:accompanied text:23^2 text:two", 'text:"across bilateral" text:nations^2 text:declaration']
    words = "pakistan kazakhstan said trade energy transit".split()
    texts += [" ".join(order) for k in (3, 4) for order in itertools.permutations(words, k)]
    for text in texts:
        query = corpus_index.parse(text)
        for sub, segment in views:
            context = corpus_index._searcher.context()
            want = doc_scores(query.matcher(sub, context), segment)
            assert query_scores(query, sub, context, segment) == want, text


def test_reading_ahead_reads_what_a_half_typed_word_may_become_and_changes_no_answer(with_deletions):
    """It reads the postings of the words a half-typed word may become, and ranks the query the
    most frequent of them makes, with its first hits: that search, asked next, is not made again."""
    explorer = with_deletions
    kept = explorer._index._postings.entries
    texts = ["pakistan", "zanzibar", "trade energy", "pakistan kazakhstan", "gwadar"]
    before = [explorer.search(text, limit=None) for text in texts]
    kept.clear()
    for typed in ["zan", "trade ene", "pakistan kaz", "gw", "x", "trade ", "ab1", ""]:
        steps = sum(1 for _ in explorer.read_ahead(typed))
        read = {key[2][1].decode() for key in kept if key[1] == "postings"}
        if typed in ("x", "trade ", "ab1", ""):  # a letter, a finished word, not a word
            assert steps == 0, typed
        else:
            assert steps > 0 and {"zanzibar", "energi", "kazakhstan", "gwadar"} & read, typed
    assert {"zanzibar", "energi", "kazakhstan", "gwadar"} <= read
    assert [explorer.search(text, limit=None) for text in texts] == before
    kept.clear()
    for typed, finished in [("zanzi", "zanzibar"), ("trade ene", "trade energy"), ("gwa", "gwadar")]:
        fresh = Explorer(index.CorpusIndex(explorer._index.root))  # nothing read ahead
        steps = explorer._index.read_ahead(typed)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                assert done.value == explorer._index.parse(finished), typed
                break
        for _ in explorer.read_ahead(typed):  # the hits of that guess, found ahead
            pass
        evaluating = explorer._index._evaluating
        explorer._index._evaluating = None  # the guess's search was made ahead: none is made now
        try:
            assert explorer.search(finished, limit=12) == fresh.search(finished, limit=12), typed
        finally:
            explorer._index._evaluating = evaluating
        assert explorer.search(finished, limit=None) == fresh.search(finished, limit=None), typed
        fresh.close()
    stopped = explorer.read_ahead("pak")
    next(stopped), next(stopped)
    stopped.close()  # stopped half way (one field of one segment read), as when a search comes
    assert explorer.search("pakistan", limit=None) == before[0]  # (the last search: gwadar)


def test_docs_behave_as_sets_of_document_numbers():
    from tui.index import Docs

    numbers = [0, 3, 7, 8, 64, 1000, 4095, 4096, 9999]
    docs = Docs.of(numbers + [None])
    assert docs.numbers() == list(docs) == numbers and len(docs) == len(numbers)
    assert docs.first(4) == numbers[:4] and docs.first(100) == numbers
    assert Docs.of(range(5000, 5003)).first(2) == [5000, 5001]
    other = Docs.of([3, 8, 5000])
    assert (docs & other).numbers() == [3, 8] and (docs - other).numbers() == [0, 7, 64, 1000, 4095, 4096, 9999]
    assert (docs | other).numbers() == sorted(set(numbers) | {5000})
    inside = docs.contains()
    assert [n for n in range(10_001) if inside(n)] == numbers and not inside(None) and not inside(10**6)
    assert 4096 in docs and 5 not in docs and not Docs() and Docs().numbers() == []


def test_the_build_indexes_the_words_whoosh_would():
    # the writers' own analysis (TextIndexer) against the Whoosh field's: positions, weights, order
    from tui.index.analysis import text_indexer

    schema = index.make_schema()
    field = schema["text"]
    indexer = text_indexer(field)
    assert indexer is not None and text_indexer(schema["ref"]) is None
    for value in ["", "the of a", "The two countries' leaders met; Pakistan’s PM said so.",
                  "a a Gwadar gwadar GWADAR port-city Café naïve 2026-02-04 U.S. e.g. x*y",
                  "of the by Kazakhstan and Pakistan signed 37 agreements in Islamabad."]:
        assert indexer.items(value) == list(field.index(value)), value
        assert indexer.spellable(value) == list(field.spellable_words(value)), value


_LETTERS = "abcyzéÉæœßİıIǅǆŉﬁﬂ日" + "".join(chr(c) for c in range(0x300, 0x304))


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(st.text(alphabet=_LETTERS + ".*_1", min_size=1, max_size=9),
                               st.sampled_from(["Pakistan's", "PAKISTAN", "energies", "Energy",
                                                "corridors", "Ætna", "İstanbul", "yes", "dies",
                                                "U.S.", "e.g.pakistan", "x.*energy", "a..Pakistan",
                                                ".energy", "pak_istan", "3.5bn"])),
                     max_size=25).map(" ".join),
       query=st.lists(st.text(alphabet=_LETTERS, min_size=1, max_size=6), min_size=1, max_size=3))
def test_highlights_fold_only_words_that_can_match_and_miss_none(text, query):
    """highlight_spans folds (stems) only the words whose first letter can start a query word,
    and its regex finds only those words where the tokenizer would ("e.g.pakistan" is one word);
    it marks the same spans as folding every word of the text."""
    from tui.index import analysis

    words = {w for w in (analysis._fold(raw) for q in query + text.split()[:2]
                         for raw in analysis._TOKENS.findall(q)) if w}
    every = [m.span() for m in analysis._TOKENS.finditer(text)
             if (w := analysis._fold(m.group())) is not None and w in words]
    assert analysis.highlight_spans(text, words) == every


_QUERY_WORDS = st.one_of(
    st.sampled_from(["Pakistan", "pakistan", "PAKISTAN", "energy", "energies", "corridors", "the",
                     "and", "AND", "OR", "Or", "NOT", "TO", "to", "ANDMAYBE", "ANDNOT", "a", "x",
                     "go", "US", "NOTE", "ORDER", "TOKYO", "ANDes"]),
    st.text(alphabet="abcdefgxyzAEIOUQ", min_size=1, max_size=9))


@settings(max_examples=400, deadline=None)
@given(words=st.lists(_QUERY_WORDS, max_size=6), gaps=st.lists(st.sampled_from([" ", "  "]), min_size=7))
@example(words=["Pakistan", "the", "energies"], gaps=[" "] * 7)  # the path that makes the query
def test_plain_words_are_parsed_as_whooshs_parser_parses_them(words, gaps):
    """A query of words and spaces is made without Whoosh's parser: the same query, to its
    words' places in the text (what the parser sets), or None to leave it to the parser."""
    from tui.index.query import OPERATORS, make_parser, plain_words

    parser = make_parser(index.make_schema())
    assert parser.plain
    text = gaps[0] + "".join(word + gap for word, gap in zip(words, gaps[1:]))
    quick = plain_words(text)
    try:
        whoosh = parser.whoosh.parse(text)
    except Exception:  # "a ANDMAYBE ANDMAYBE": the parser's to say so (tui.index.query.parse)
        whoosh = None
    if quick is None:  # left to the parser: words it reads as operators, or none left for a query
        assert whoosh is None or any(word in OPERATORS for word in words) \
            or repr(whoosh) == "<_NullQuery>"
    else:
        assert quick == whoosh and type(quick) is type(whoosh)
        assert [(leaf.startchar, leaf.endchar) for leaf in quick.leaves()] == \
            [(leaf.startchar, leaf.endchar) for leaf in whoosh.leaves()]


def _plain_events(corpus: Path) -> list[dict]:
    """The timeline as tui.timeline.build_events makes it, straight from the files."""
    from tui import dates, ingest, timeline

    window, _ = dates.load_window(corpus)
    mentions = [(p, timeline.paragraph_mentions(p, article.date, window))
                for article in ingest.read_corpus(corpus).articles for p in article.paragraphs]
    return [event.to_dict() for event in timeline.build_events(mentions)]


def _corpus_made_to_merge(tmp_path) -> Paths:
    """Many articles telling the same few things on the same dates, some dated by the window only."""
    import random

    rng = random.Random(7)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "corpus.toml", corpus / "corpus.toml")
    said = ["The ministers signed the {0} treaty on Tuesday.",
            "On Tuesday the {0} treaty was signed by the ministers.",
            "Work on the {0} pipeline will resume in March.",
            "The {0} pipeline talks resume in March, officials said.",
            "Trade in {0} should reach $1 billion within the next year.",
            "A {0} storm closed the airport on 3 February."]
    things = ["railway", "gas", "wheat", "copper"]
    for number in range(40):
        undated = number % 5 == 0  # its dates come from the window, inferred
        lines = ["The corridor summit closed on 3 February."] if undated else ["date 2026-02-04"]
        lines += [rng.choice(said).format(rng.choice(things)) for _ in range(4)]
        (corpus / f"a{number:02}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Paths(corpus, tmp_path / "index", tmp_path / "bookmarks.toml")


def test_the_timeline_merges_as_build_events_does_when_built_and_when_updated(tmp_path):
    """The index's timeline (merged by date key and term, gathered in place) is the plain
    quadratic build_events', after a full build and after an update."""
    paths = _corpus_made_to_merge(tmp_path)
    corpus = paths.corpus
    build(paths)
    with Explorer.open(paths, build=False) as explorer:
        built = [event.to_dict() for event in explorer.timeline()]
    assert built == _plain_events(corpus)
    assert max(len(event["sources"]) for event in built) >= 5  # merging was put to work
    assert any(len(event["sources"]) > 1 and "inferred" in event["flags"] for event in built)

    with (corpus / "a07.txt").open("a", encoding="utf-8") as handle:
        handle.write("The ministers signed the gas treaty on Tuesday.\n")
    (corpus / "a12.txt").unlink()
    assert build(paths).reindexed == ["a07"]
    with Explorer.open(paths, build=False) as explorer:
        assert [event.to_dict() for event in explorer.timeline()] == _plain_events(corpus)


def test_a_timeline_page_is_the_page_of_the_whole_timeline(tmp_path):
    """The timeline pane's page cuts only its own events to the query's sources: the same page as
    timeline.restrict then page_around of the whole timeline, for queries that cut events and
    windows that start the page at the first event, inside the timeline and at its end."""
    from tui.timeline import page_around, restrict

    paths = _corpus_made_to_merge(tmp_path)
    build(paths)
    with Explorer.open(paths, build=False) as explorer:
        everything = explorer.timeline()
        windows = [explorer._index.manifest.window, {"start": "2026-03-01"}, {"start": "2027-01-01"},
                   {"start": "2030-01-01"}, None]
        cut = starts = 0
        for query in ["railway", "gas OR wheat", "treaty", "storm", "pipeline"]:
            found = explorer.search(query, limit=None)
            whole = restrict(everything, {hit.ref for hit in found.hits})
            assert explorer.timeline(query) == whole
            assert explorer.timeline_page(query, None, 10) == page_around(whole, windows[0], 10)
            cut += sum(a.sources != b.sources for a in whole for b in everything
                       if (a.date, a.label) == (b.date, b.label))
            docs = explorer._allowed(explorer._parse(query), None, None)
            for window in windows:
                for limit in (1, 3, 10, 1000):
                    page = explorer._index.events_page(docs, window, limit)
                    assert page == page_around(whole, window, limit), (query, window, limit)
                    starts += page.first > 0
        assert cut and starts  # some events were cut, some pages start inside the timeline
