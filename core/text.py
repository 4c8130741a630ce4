"""Text typed by users, made safe to store and to show.

Two pure rules (no Streamlit here, so the data layer and exports use them too):

- ``neutralise_bidi``: bidirectional control characters (U+202A-U+202E embeddings and
  overrides, U+2066-U+2069 isolates, U+200E/U+200F marks, U+061C the Arabic letter mark)
  are dropped. They are invisible and make text display in another order than it is
  stored ("evil" shown as "live"); the letters themselves are kept.
- ``markdown_literal``: text escaped so that Streamlit's Markdown shows it exactly as
  typed: no image, link, autolink, emphasis, heading, list, table, quote, code, maths
  (``$...$``), colour or badge directive (``:red[...]``), emoji or icon shortcode
  (``:smile:``, ``:material/x:``) and no HTML. Every ASCII punctuation mark that can
  start one of these is backslash-escaped (CommonMark shows ``\\*`` as ``*``); autolinks
  (``https://...``, ``www.``, e-mail addresses) get an invisible word joiner.
"""
from __future__ import annotations

import re

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")

# Anywhere in a line: emphasis, code, links and images, HTML, maths, tables, strike-through,
# e-mail autolinks ('@'), entities ('&').
# The colon that opens a directive or shortcode (":red[", ":smile:", ":material/x:") or a
# scheme's "://" (an autolink); a colon before a space stays as typed.
_INLINE = re.compile(r"[\\`*_\[\]<>~$|@&]|:(?=[A-Za-z0-9_/+-]+[:\[]|//)")
# Autolinks are found in the text *after* escapes are resolved (remark-gfm), so escaping
# cannot stop them: an invisible WORD JOINER (U+2060) is put inside what would start one
# ("http://", "www.", the "@" of an e-mail address). The text reads and prints the same.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<![a-z])(https?|ftp|mailto|xmpp)(?=:)|(?<![a-z])(www)(?=\.)|(?=@)")
# At a line's start: headings, quotes, bullet lists, setext underlines, ordered lists.
_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def neutralise_bidi(text: str) -> str:
    """``text`` without bidirectional control characters (the visible text is kept)."""
    return _BIDI.sub("", text)


def markdown_literal(text: object) -> str:
    """``text`` (any value; None is empty) escaped so that Markdown shows it as typed."""
    if text is None:
        return ""
    value = neutralise_bidi(str(text))
    value = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2) or "") + WORD_JOINER, value)
    value = _INLINE.sub(lambda m: "\\" + m.group(0), value)
    value = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), value)
    return _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), value)
