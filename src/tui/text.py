"""Small text helpers shared by every layer: sentence spans and safe display text.

Nothing here knows about files, the index or the terminal.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# C0 and C1 controls (keeping tab and newline), DEL, and the bidi overrides and isolates that can
# make a line read differently from what it holds.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A whole escape sequence (CSI, OSC, DCS ...), so its printable tail does not leak as text either.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC up to BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*(?:\x07|\x9c)?"  # 8-bit OSC
)
# Lone surrogates (a file name or argument that was not UTF-8) cannot be written to a terminal.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """Return text with escape sequences and control characters removed.

    Used on everything untrusted (article text, titles, notes, tags) before it reaches a terminal.
    Newlines become spaces unless ``keep_newlines``; tabs become spaces; lone surrogates U+FFFD.
    """
    text = _ESCAPE.sub("", text)
    text = text.replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _SURROGATE.sub("\ufffd", _UNSAFE.sub("", text))


# What json.dumps(ensure_ascii=False) leaves raw that a terminal may act on (DEL, C1 controls, bidi
# overrides), and lone surrogates, which UTF-8 cannot hold. Only strings can hold them in a JSON
# text, so writing them as \u escapes keeps it valid and json.loads gives back the same text.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape_json(document: str) -> str:
    """A JSON text with the characters a terminal could act on written as ``\\uXXXX`` escapes."""
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)


_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9]|\s*$)""")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
                  "sep", "sept", "oct", "nov", "dec", "no", "vs", "u.s", "u.n", "gen", "col", "lt",
                  "prof", "sen", "rep", "gov", "inc", "ltd", "co", "corp", "e.g", "i.e"}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in a paragraph (start inclusive, end exclusive)."""
    return list(_sentence_spans(text))


# The date tagger asks for the sentence around each date it finds: without this cache a 1 MB
# paragraph with a thousand dates was split into sentences a thousand times (a minute of indexing).
@lru_cache(maxsize=16)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        word = text[start:match.start()].rsplit(None, 1)[-1].lower() if text[start:match.start()].strip() else ""
        if word.rstrip(".") in _ABBREVIATIONS and match.group().startswith(".") and len(match.group()) == 1:
            continue
        end = match.end()
        if text[start:end].strip():
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            spans.append((start + lead, end))
        start = end
    if text[start:].strip():
        lead = len(text[start:]) - len(text[start:].lstrip())
        spans.append((start + lead, len(text.rstrip())))
    return tuple(spans)


def shorten(text: str, width: int) -> str:
    """Cut text at a word boundary to at most ``width`` characters, marking the cut with '…'."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a string, for filters typed by a user."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_spans(text: str, spans, *, keep_newlines: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """:func:`strip_controls` that also moves character spans to where they land in the result."""
    if _UNSAFE.search(text) is None:  # no escape either (each starts with a control); nearly all text
        # What is left to change is one character for one (tabs, newlines, lone surrogates), so
        # the spans stay where they are: no character-by-character pass.
        clean = text.replace("\t", " ") if keep_newlines else text.replace("\t", " ").replace("\n", " ")
        return _SURROGATE.sub("\ufffd", clean), [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
    removed = [m.span() for m in _ESCAPE.finditer(text)]
    mask = bytearray(b"\x01") * len(text)
    for start, end in removed:
        mask[start:end] = b"\x00" * (end - start)
    for match in _UNSAFE.finditer(text):
        i = match.start()
        if text[i] == "\r" and not keep_newlines and text[i + 1:i + 2] != "\n":
            continue  # a lone carriage return is a line break: a space, as strip_controls has it
        mask[i] = 0
    out, position, new_index = [], 0, [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        new_index[i] = position
        if mask[i]:
            if ch == "\t" or (ch in "\r\n" and not keep_newlines):
                ch = " "
            out.append("\ufffd" if "\ud800" <= ch <= "\udfff" else ch)
            position += 1
    new_index[len(text)] = position
    moved = [(new_index[s], new_index[e]) for s, e in spans if 0 <= s < e <= len(text)]
    return "".join(out), [(s, e) for s, e in moved if s < e]
