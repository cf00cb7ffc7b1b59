import json
from datetime import date
from pathlib import Path

import pytest

from tui.dates import DateMention, EventWindow, load_window, tag_dates
from tui.ingest import Paragraph, read_corpus
from tui.timeline import Event, Source, build_events, describe_date, paragraph_mentions, restrict

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DATED = "000_ccb5cf8ea570b8ca"  # dated Wednesday 2026-02-04
UNDATED = "001_b7e318ca484bc110"


@pytest.fixture(scope="module")
def seed_mentions():
    corpus = read_corpus(SEEDS)
    window, problem = load_window(SEEDS)
    assert problem is None
    return [(paragraph, paragraph_mentions(paragraph, article.date, window))
            for article in corpus.articles for paragraph in article.paragraphs]


@pytest.fixture(scope="module")
def seed_events(seed_mentions):
    return build_events(seed_mentions)


def event_with(events, phrase):
    """The one event whose sources' clauses mention ``phrase``."""
    found = [e for e in events if any(phrase in source.text for source in e.sources)]
    assert len(found) == 1, found
    return found[0]


def articles(event):
    return sorted(source.article for source in event.sources)


# --- the seeds ---------------------------------------------------------------------------------

def test_seed_arrival_on_tuesday(seed_events):
    event = event_with(seed_events, "arrived in Pakistan on Tuesday")
    assert (event.date, event.precision, event.flags) == (date(2026, 2, 3), "day", ())
    assert articles(event) == [DATED]
    assert describe_date(event) == "3 Feb 2026"


def test_seed_joint_declaration_inferred_from_the_window(seed_events):
    event = event_with(seed_events, "on Tuesday signed a joint declaration")
    assert (event.date, event.precision, event.flags) == (date(2026, 2, 3), "day", ("inferred",))
    assert articles(event) == [UNDATED]


def test_seed_signing_of_the_pacts_on_wednesday(seed_events):
    event = event_with(seed_events, "signed on Wednesday")
    assert (event.date, event.precision, event.flags) == (date(2026, 2, 4), "day", ())
    assert "pacts" in event.label


def test_seed_previous_visit_about_2003(seed_events):
    event = event_with(seed_events, "first Kazakh president to visit Pakistan in 23 years")
    assert (event.date, event.precision, event.flags) == (date(2003, 1, 1), "year", ("approximate",))
    assert describe_date(event) == "c. 2003"


def test_seed_state_visit_later_this_year(seed_events):
    event = event_with(seed_events, "later this year")
    assert (event.date, event.precision, event.flags) == (date(2026, 1, 1), "year", ("later",))
    assert describe_date(event) == "later in 2026"
    assert "Sharif on a state visit" in event.label


def test_seed_trade_target_merges_both_articles(seed_events):
    event = event_with(seed_events, "$1 billion within the next year")
    assert (event.date, event.precision, event.flags) == (date(2027, 2, 1), "month", ("deadline",))
    assert articles(event) == [DATED, UNDATED]
    assert describe_date(event) == "by Feb 2027"


def test_seed_timeline_is_in_date_order(seed_events):
    assert [describe_date(e) for e in seed_events] == [
        "c. 2003", "3 Feb 2026", "3 Feb 2026", "4 Feb 2026", "later in 2026", "by Feb 2027"]


@pytest.mark.parametrize("phrase", ["two-day", "$250 million", "37 pacts", "On his part",
                                    "$1 billion", "37 MoUs", "two-state"])
def test_seed_false_friends_are_not_tagged(seed_mentions, phrase):
    holding = [(p, ms) for p, ms in seed_mentions if phrase in p.text]
    assert holding
    for paragraph, mentions in holding:
        at = paragraph.text.index(phrase)
        assert all(m.end <= at or m.start >= at + len(phrase) for m in mentions), mentions


def test_seed_labels_are_short(seed_events):
    assert all(len(event.label) <= 101 for event in seed_events)


# --- merging -----------------------------------------------------------------------------------

WEDNESDAY = date(2026, 2, 4)


def paragraphs(*texts, article="a"):
    return [Paragraph(article, number, text) for number, text in enumerate(texts, 1)]


def events_of(*articles_texts, base=WEDNESDAY, window=None):
    pairs = [(p, tag_dates(p.text, base, window))
             for i, texts in enumerate(articles_texts) for p in paragraphs(*texts, article=f"art{i}")]
    return build_events(pairs)


def test_same_date_and_terms_from_two_articles_merge():
    events = events_of(["The ministers signed a railway treaty on Tuesday."],
                       ["On Tuesday the ministers signed the railway treaty."])
    assert len(events) == 1
    assert [s.ref for s in events[0].sources] == ["art0:1", "art1:1"]


def test_same_date_different_happenings_stay_apart():
    events = events_of(["The ministers signed a railway treaty on Tuesday."],
                       ["On Tuesday a storm closed the airport."])
    assert len(events) == 2


def test_same_article_never_merges_with_itself():
    events = events_of(["The ministers signed a railway treaty on Tuesday.",
                        "On Tuesday the ministers signed the railway treaty."])
    assert len(events) == 2


def test_different_precisions_do_not_merge():
    events = events_of(["The railway treaty is due within the next year."],
                       ["The railway treaty is due next year."])
    assert len(events) == 2


def test_a_merged_event_is_inferred_only_if_every_source_was():
    window = EventWindow("visit", date(2026, 2, 3), date(2026, 2, 4))
    dated = paragraphs("Trade should reach $1 billion within the next year.", article="x")
    undated = paragraphs("He wants trade to reach $1 billion within the next year.", article="y")
    pairs = [(p, tag_dates(p.text, WEDNESDAY)) for p in dated]
    pairs += [(p, tag_dates(p.text, None, window)) for p in undated]
    [event] = build_events(pairs)
    assert event.flags == ("deadline",)
    [alone] = build_events(pairs[1:])
    assert alone.flags == ("deadline", "inferred")


def test_unresolved_events_come_last_and_never_merge():
    events = events_of(["The ministers signed a railway treaty on Tuesday."],
                       ["On Tuesday the ministers signed the railway treaty."],
                       ["They met in 2003."], base=None)
    assert [describe_date(e) for e in events] == ["2003", "undated", "undated"]


def test_label_keeps_the_date_of_a_long_clause():
    text = ("Officials from both sides, speaking after hours of talks about ports, pipelines, rail "
            "links and customs rules that had stalled for months, said it would be done by next year.")
    [event] = events_of([text])
    assert event.label.startswith("…") and event.label.endswith("done by next year")
    assert len(event.label) <= 100


# --- records, filters, descriptions ------------------------------------------------------------

def test_event_round_trips_through_json(seed_events):
    for event in seed_events:
        data = json.loads(json.dumps(event.to_dict()))
        assert Event.from_dict(data) == event
    assert seed_events[0].to_dict()["date"] == "2003-01-01"


def test_restrict_keeps_events_with_matching_sources(seed_events):
    trade = event_with(seed_events, "$1 billion within the next year")
    kept = restrict(seed_events, {f"{UNDATED}:3"})
    assert [e.label for e in kept] == [trade.label]
    assert [s.ref for s in kept[0].sources] == [f"{UNDATED}:3"]
    assert restrict(seed_events, set()) == []


def event(day, precision="day", flags=(), end=None):
    return Event(day, precision, flags, "x", (Source("a:1", (0, 1), "x"),), end)


@pytest.mark.parametrize("given, said", [
    (event(date(2026, 2, 3)), "3 Feb 2026"),
    (event(date(2026, 2, 1), "month"), "Feb 2026"),
    (event(date(2026, 1, 1), "year", ("later",)), "later in 2026"),
    (event(date(2026, 2, 1), "month", ("earlier",)), "earlier in Feb 2026"),
    (event(date(2003, 1, 1), "year", ("approximate",)), "c. 2003"),
    (event(date(2027, 2, 1), "month", ("deadline", "inferred")), "by Feb 2027"),
    (event(date(2026, 2, 3), end=date(2026, 2, 4)), "3–4 Feb 2026"),
    (event(date(2026, 2, 27), end=date(2026, 3, 2)), "27 Feb – 2 Mar 2026"),
    (event(date(2025, 12, 30), end=date(2026, 1, 2)), "30 Dec 2025 – 2 Jan 2026"),
    (event(None, "unresolved"), "undated"),
])
def test_describe_date(given, said):
    assert describe_date(given) == said


def test_describe_date_reads_mentions_too():
    mention = DateMention(0, 7, "Tuesday", date(2026, 2, 3), "day")
    assert describe_date(mention) == "3 Feb 2026"


def test_a_timeline_page_is_the_events_around_the_visit_or_all_of_a_short_one():
    import datetime as dt

    from tui.timeline import Event, page_around

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(60)]
    events = [Event(day, "day", (), str(day), ()) for day in days]
    window = {"start": "2026-02-03", "end": "2026-02-04"}  # the 34th event
    assert page_around(events, window, 100).events == tuple(events)  # short: all of it
    page = page_around(events, window, 20)
    assert (page.first, page.total, len(page.events)) == (33 - 5, 60, 20)  # a quarter before
    assert page_around(events, None, 20).first == 0  # no window: from the first
    late = {"start": "2027-01-01", "end": "2027-01-02"}
    assert page_around(events, late, 20).events == tuple(events[-20:])  # after them all
