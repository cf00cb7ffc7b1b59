"""Rich renderables shared by the command line and the app (no Textual here).

Untrusted text never goes through Rich markup: it becomes ``rich.text.Text`` after control and
escape characters are removed, and highlights are applied as spans.
"""

from __future__ import annotations

from rich.text import Text

from .text import clean_spans, strip_controls

MATCH_STYLE = "bold reverse"


def safe(text: str, style: str = "") -> Text:
    """Untrusted text as an inert Text: no markup parsed, no control characters left."""
    return Text(strip_controls(text), style=style)


def highlighted(text: str, spans, style: str = MATCH_STYLE, base: str = "") -> Text:
    """Untrusted text with the given character spans styled."""
    clean, moved = clean_spans(text, spans)
    result = Text(clean, style=base)
    for start, end in moved:
        result.stylize(style, start, end)
    return result


def snippet(text: str, spans, width: int = 240, style: str = MATCH_STYLE,
            before: int | None = None) -> Text:
    """A window of ``text`` around its first highlight, at most ``width`` characters, of which
    at most ``before`` (a third by default) come before the highlight. A text no longer than
    ``width`` is shown whole, unless its first highlight comes more than ``before`` in."""
    spans = sorted(spans)
    first = spans[0][0] if spans else 0
    lead = width // 3 if before is None else before
    if len(text) <= width and (before is None or first <= before):
        return highlighted(text, spans, style)
    start = max(0, first - lead)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    inner = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    body = highlighted(text[start:end], inner, style)
    return Text.assemble("…" if start else "", body, "…" if end < len(text) else "")
