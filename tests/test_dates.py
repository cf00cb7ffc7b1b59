from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.dates import DateMention, EventWindow, load_window, tag_dates

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WEDNESDAY = date(2026, 2, 4)
WINDOW = EventWindow("visit", date(2026, 2, 3), date(2026, 2, 4))


def only(text, base=WEDNESDAY, window=None):
    mentions = tag_dates(text, base, window)
    assert len(mentions) == 1, mentions
    return mentions[0]


def resolved(text, base=WEDNESDAY, window=None):
    mention = only(text, base, window)
    return mention.text, mention.date, mention.precision, mention.flags


# --- explicit dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expression", [
    ("It opened on February 4.", "February 4"),
    ("It opened on 4 Feb 2026.", "4 Feb 2026"),
    ("It opened on Feb. 4, 2026, in Astana.", "Feb. 4, 2026"),
    ("It opened on 2026-02-04.", "2026-02-04"),
    ("It opened on the 4th of February.", "4th of February"),
])
def test_explicit_days(text, expression):
    assert resolved(text) == (expression, date(2026, 2, 4), "day", ())


def test_a_year_less_day_takes_the_base_year():
    assert only("It closed on March 9.", base=date(2019, 6, 1)).date == date(2019, 3, 9)


def test_month_and_year():
    assert resolved("Talks began in February 2026.") == ("February 2026", date(2026, 2, 1), "month", ())


def test_a_year_after_a_time_word():
    assert resolved("The last visit was in 2003.") == ("2003", date(2003, 1, 1), "year", ())
    assert resolved("Ties have grown since 1992.")[1] == date(1992, 1, 1)


@pytest.mark.parametrize("text, first, last", [
    ("The talks on Feb 3-4 went well.", date(2026, 2, 3), date(2026, 2, 4)),
    ("The talks on 3–4 February 2025 went well.", date(2025, 2, 3), date(2025, 2, 4)),
])
def test_ranges(text, first, last):
    mention = only(text)
    assert (mention.date, mention.end_date, mention.precision) == (first, last, "day")


def test_impossible_days_are_not_dates():
    assert tag_dates("on February 30 and on Feb 5-3", WEDNESDAY) == []


# --- weekdays ----------------------------------------------------------------------------------

def test_weekday_in_the_past_tense_is_the_last_one():
    text = "Tokayev arrived in Pakistan on Tuesday."
    assert resolved(text) == ("Tuesday", date(2026, 2, 3), "day", ())
    assert only("The pacts were signed on Wednesday.").date == WEDNESDAY
    assert only("They met on Friday.").date == date(2026, 1, 30)


@pytest.mark.parametrize("text", [
    "Sharif will travel to Astana on Friday.",
    "The minister is due to arrive on Friday.",
    "A decision is expected to follow on Friday.",
])
def test_weekday_in_the_future_tense_is_the_next_one(text):
    assert only(text).date == date(2026, 2, 6)


def test_future_tense_is_read_in_the_weekdays_own_clause():
    mentions = tag_dates("He arrived on Tuesday, and he will leave on Friday.", WEDNESDAY)
    assert [m.date for m in mentions] == [date(2026, 2, 3), date(2026, 2, 6)]


def test_last_and_next_weekday():
    assert only("They spoke last Wednesday.").date == date(2026, 1, 28)
    assert only("They speak next Wednesday.").date == date(2026, 2, 11)


# --- relative expressions ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("He said today that", ("today", date(2026, 2, 4), "day", ())),
    ("He said yesterday that", ("yesterday", date(2026, 2, 3), "day", ())),
    ("He will say tomorrow that", ("tomorrow", date(2026, 2, 5), "day", ())),
    ("He came last week.", ("last week", date(2026, 1, 28), "day", ("approximate",))),
    ("He comes next week.", ("next week", date(2026, 2, 11), "day", ("approximate",))),
    ("He came last month.", ("last month", date(2026, 1, 1), "month", ())),
    ("He comes next month.", ("next month", date(2026, 3, 1), "month", ())),
    ("He came last year.", ("last year", date(2025, 1, 1), "year", ())),
    ("He comes next year.", ("next year", date(2027, 1, 1), "year", ())),
    ("He came earlier this month.", ("earlier this month", date(2026, 2, 1), "month", ("earlier",))),
    ("He comes later this year.", ("later this year", date(2026, 1, 1), "year", ("later",))),
    ("He came two years ago.", ("two years ago", date(2024, 1, 1), "year", ())),
])
def test_relative_expressions(text, expected):
    assert resolved(text) == expected


def test_within_the_next_year_is_a_deadline_a_year_on():
    text = "trade would increase to $1 billion within the next year."
    assert resolved(text) == ("within the next year", date(2027, 2, 1), "month", ("deadline",))
    assert resolved("to be built within six months")[1] == date(2026, 8, 1)


def test_first_in_so_many_years_points_back():
    text = "He is the first Kazakh president to visit Pakistan in 23 years."
    assert resolved(text) == ("in 23 years", date(2003, 1, 1), "year", ("approximate",))


def test_in_so_many_years_without_a_cue_is_not_a_date():
    assert tag_dates("It grew in two years of talks.", WEDNESDAY) == []


def test_the_next_year_of_a_story_is_not_next_year():
    assert tag_dates("The next year he moved to Almaty.", WEDNESDAY) == []


# --- undated articles --------------------------------------------------------------------------

def test_undated_article_resolves_against_the_event_window():
    text = "They on Tuesday signed a declaration to reach $1 billion within the next year."
    mentions = tag_dates(text, None, WINDOW)
    assert [(m.text, m.date, m.flags) for m in mentions] == [
        ("Tuesday", date(2026, 2, 3), ("inferred",)),
        ("within the next year", date(2027, 2, 1), ("deadline", "inferred")),
    ]


def test_undated_weekdays_fall_inside_the_window():
    window = EventWindow("summit", date(2026, 3, 2), date(2026, 3, 6))
    assert only("They met on Monday.", None, window).date == date(2026, 3, 2)
    assert only("They will meet on Thursday.", None, window).date == date(2026, 3, 5)


def test_undated_explicit_dates_need_no_window():
    assert resolved("Signed on 4 Feb 2026.", base=None) == ("4 Feb 2026", date(2026, 2, 4), "day", ())


def test_undated_without_window_stays_unresolved():
    mentions = tag_dates("On Tuesday they signed, and on February 9 they met yesterday.", None)
    assert [(m.text, m.date, m.precision) for m in mentions] == [
        ("Tuesday", None, "unresolved"),
        ("February 9", None, "unresolved"),
        ("yesterday", None, "unresolved"),
    ]


# --- what is not a date ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "his two-day maiden state visit",
    "trade, which currently stands at $250 million,",
    "have signed 37 pacts on several sectors",
    "On his part, Tokayev said",
    "to $1 billion",
    "signed 37 MoUs and agreements",
    "advancing the two-state solution",
    "In all, 2003 people attended, and 1999 more watched.",
    "Prices rose by 2020 percent in 2019.5 terms.",
    "They may 4 times ask; the march 5 miles long.",
])
def test_false_friends_are_not_dates(text):
    assert tag_dates(text, WEDNESDAY, WINDOW) == []


# --- records and properties --------------------------------------------------------------------

def test_mention_round_trips_through_a_dict():
    for mention in tag_dates("On Feb 3-4, and within the next year, and on Tuesday", None, WINDOW):
        assert DateMention.from_dict(mention.to_dict()) == mention
    unresolved = only("on Tuesday", base=None)
    assert DateMention.from_dict(unresolved.to_dict()) == unresolved


@settings(max_examples=300, deadline=None)
@given(text=st.text(), base=st.one_of(st.none(), st.dates()))
def test_tagging_never_raises_and_spans_hold(text, base):
    for mention in tag_dates(text, base, WINDOW):
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start:mention.end] == mention.text


TIME_WORDS = ["in", "23", "years", "first", "will", "Tuesday", "within", "the", "next", "year",
              "ago", "a", "Feb", "31", "-", "2100", "9999-12-31", "May", ",", "last", "week"]


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(TIME_WORDS)), base=st.one_of(st.none(), st.dates()))
def test_time_words_at_the_calendars_edges_never_raise(words, base):
    text = " ".join(words)
    edge = EventWindow("edge", date.min, date.max)
    for mention in tag_dates(text, base, edge):
        assert text[mention.start:mention.end] == mention.text


# --- the event window --------------------------------------------------------------------------

def test_seed_window():
    assert load_window(SEEDS) == (
        EventWindow("State visit of President Tokayev to Pakistan", date(2026, 2, 3), date(2026, 2, 4)),
        None,
    )


def test_no_corpus_file_is_no_window(tmp_path):
    assert load_window(tmp_path) == (None, None)
    (tmp_path / "corpus.toml").write_text('[corpus]\nname = "x"\n')
    assert load_window(tmp_path) == (None, None)


@pytest.mark.parametrize("toml, problem", [
    ("[event]\nstart = 2026-02-3\n", "corpus.toml:2:"),
    ('[corpus]\nname = "x"\n[event]\nname = "v"\nend = 2026-02-04\n', "corpus.toml:3:1: [event] start"),
    ('[event]\nstart = "soon"\nend = 2026-02-04\n', "corpus.toml:2:9: [event] start"),
    ("[event]\nstart = 2026-02-04\nend = 2026-02-03\n", "corpus.toml:3:7: [event] end is before"),
])
def test_malformed_window_is_one_located_line(tmp_path, toml, problem):
    (tmp_path / "corpus.toml").write_text(toml)
    window, message = load_window(tmp_path)
    assert window is None
    assert message.startswith(problem) and "\n" not in message


@pytest.mark.parametrize("text, expected", [
    ("It happened yeſterday.", date(2026, 2, 3)),  # 'ſ' matches 's' under (?i)
    ("Last weeK we met.", date(2026, 1, 28)),  # the Kelvin sign matches 'k'
    ("Within ſix months", date(2026, 8, 1)),
    ("thrEE weeks ago", date(2026, 1, 14)),
])
def test_letters_that_match_only_case_insensitively_resolve_like_plain_ones(text, expected):
    # before: KeyError('yeſterday') from the table lookup, which used str.lower()
    [mention] = tag_dates(text, date(2026, 2, 4))
    assert mention.date == expected
