"""A card says its height without drawing itself: that height must be the drawn one."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text
from textual.style import Style

from tui.app.widgets.result_card import SNIPPET_LINES, ResultCard, _cells
from tui.app.widgets.timeline import EventCard
from tui.answers import Hit

words = st.one_of(st.sampled_from(["Pakistan", "Gwadar", "a", "corridor,", "—", "東京都", "ﬁrst",
                                   "x" * 70, "  ", "Karachi-Tashkent"]),
                  st.text(alphabet="abcé 漢\u3000\xa0", min_size=1, max_size=12))


@st.composite
def hits(draw):
    text = " ".join(draw(st.lists(words, max_size=60)))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=3))
    return Hit(ref="a:1", article="a", paragraph=draw(st.integers(1, 999)),
               title=draw(st.text(max_size=80)), date=draw(st.sampled_from([None, "2026-02-03"])),
               heading=draw(st.sampled_from(["", "Ports, air links, and regional connectivity"])),
               text=text, highlights=tuple((min(a, b), max(a, b)) for a, b in spans),
               sectors=tuple(draw(st.lists(st.sampled_from(["energy", "diplomacy/state-visits"]),
                                           max_size=3))),
               score=1.0)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hit=hits(), width=st.integers(1, 130), bookmarked=st.booleans())
def test_a_card_is_as_high_as_it_says_and_no_wider_than_its_width(hit, width, bookmarked):
    card = ResultCard(hit, bookmarked=bookmarked)
    height = card.get_height({}, width)
    strips = card.render_strips(width, None, Style(), None)
    assert len(strips) == height
    assert all(strip.cell_length <= width for strip in strips)
    fixed = 2 + bool(hit.heading) + bool(hit.sectors)
    assert 1 <= height - fixed <= SNIPPET_LINES


def test_a_long_snippet_is_cut_after_its_lines_with_an_ellipsis():
    hit = Hit(ref="a:1", article="a", paragraph=3, title="T", date=None, heading="",
              text="word " * 100, highlights=((0, 4),), sectors=(), score=1.0)
    strips = ResultCard(hit).render_strips(30, None, Style(), None)
    snippet = ["".join(segment.text for segment in strip) for strip in strips[1:-1]]
    assert len(snippet) == SNIPPET_LINES
    assert snippet[-1].endswith("…") and cell_len(snippet[-1]) <= 30


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=st.lists(words, min_size=1, max_size=15).map(" ".join), width=st.integers(1, 60))
def test_an_event_card_is_as_high_as_it_says_and_no_wider_than_its_width(label, width):
    card = EventCard(Text(label), Text("inferred · 3 sources"), {})
    strips = card.render_strips(width, None, Style(), None)
    assert len(strips) == card.get_height({}, width)
    assert all(strip.cell_length <= width for strip in strips)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(st.sampled_from(["the", "Karachi", "ports", "and", "a", "cooperation,"]),
                       max_size=80).map(" ".join),
       after=st.lists(st.sampled_from(["rail", "links", "of", "Tashkent", "the"]), max_size=80).map(" ".join),
       width=st.integers(12, 90))
def test_the_first_match_is_on_the_card_at_any_width(before, after, width):
    """However far into its paragraph the match is, the card shows it (with a line of context)."""
    text = f"{before} Gwadar {after}".strip()
    start = text.index("Gwadar")
    hit = Hit(ref="a:1", article="a", paragraph=1, title="T", date=None, heading="", text=text,
              highlights=((start, start + 6),), sectors=(), score=1.0)
    strips = ResultCard(hit).render_strips(width, None, Style(), None)
    drawn = ["".join(segment.text for segment in strip) for strip in strips[1:-1]]
    assert any("Gwadar" in line for line in drawn), drawn


@given(st.text(alphabet=st.one_of(st.sampled_from("…’‘“”–— \t\x07\u200d\ufe0f\u0301"), st.characters()),
               max_size=300))
def test_a_snippets_width_in_cells_is_richs(text):
    # the results list measures snippets without Rich's character-by-character count
    assert _cells(text) == cell_len(text)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(st.text(max_size=12), st.sampled_from(["", "dim", "bold", "italic",
                                                                          "bold yellow", "dim cyan",
                                                                          "bold reverse"])),
                      max_size=5),
       whole=st.sampled_from(["", "dim cyan", "bold"]))
def test_cards_make_the_content_from_rich_text_makes(parts, whole):
    """A card's lines are assembled as Content without Rich Text (card.assemble, content_of):
    the same segments as Content.from_rich_text of the Text they stood for."""
    from textual.content import Content

    from tui.app.widgets.card import assemble, content_of
    from tui.text import strip_controls

    parts = [(strip_controls(text), spec) for text, spec in parts]
    segments = lambda content: [(s.text, s.style) for s in content.render_segments(Style())  # noqa: E731
                                if s.text]  # (an empty one draws nothing)
    assert segments(assemble(*parts)) == segments(Content.from_rich_text(Text.assemble(*parts)))
    text = Text.assemble(*parts, style=whole)
    assert segments(content_of(text)) == segments(Content.from_rich_text(text))
