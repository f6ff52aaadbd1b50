"""Search units: what search embeds, ranks and shows, and their clean text.

Search ranks *units*: the extracted items (myths, tips, statistics, examples),
and as a fallback tier the text they were not extracted from: every heading
(with its section as context), every body sentence (with its paragraph as
context) and every paragraph-sized block (a *passage*). A person wants the
sentence that answers the query; about a quarter of the answers on a store of
many sites lie in no item.

The text of a unit is the normalised text of its span. De-noising removes
markup from documents, but what slips through (an HTML entity, a link target,
a kramdown attribute list, a JSON or code wrapper around a paragraph) must not
be embedded nor shown: :func:`clean_text` takes it out, and :func:`is_code`
keeps code that was taken for text out of search altogether.
"""
from __future__ import annotations

import html
import re
import unicodedata

ITEM_KINDS = ("myth", "tip", "statistic", "example")
TEXT_KINDS = ("heading", "sentence", "passage")
KINDS = ITEM_KINDS + TEXT_KINDS

_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))+(?:\s+\"[^\"]*\")?\)")
_URL_WITH_TITLE = re.compile(r"\(\s*(?:https?://|www\.)\S+\s+\"([^\"]*)\"\s*\)")
_URL = re.compile(r"\(?\b(?:https?://|www\.)[^\s)\]]+\)?")
_ATTR_LIST = re.compile(r"\{:[^}]*\}")                       # kramdown {: target="_blank"}
_ESCAPES = re.compile(r"\\[ntr](?![a-z])|\\+")               # a JSON string's \n left in the text, stray \\
_WRAPPER_OPEN = re.compile(r"^\s*[\[{(]\s*\"?[A-Za-z_]\w*\"?\s*:\s*\"")   # { par: "…
_WRAPPER_CLOSE = re.compile(r"\"\s*[}\])]?\s*,?\s*$")
_COMMENT = re.compile(r"^\s*(?://+|/\*+|<!--|#+)\s*")        # // 📊 93% …  ## heading
_TRAILING_MARKS = re.compile(r"\s*(?:#+|\*/|-->)\s*$")
_EMPHASIS = re.compile(r"(\*\*|__|`+)")
_SPACE = re.compile(r"\s+")
_CODE_CHARS = set("{}[]<>;|\\$`")   # not parentheses ("(61%)") nor "=" ("Praca zdalna = freelancing")
_CODE_TOKENS = re.compile(r"=>|===?|!==?|&&|\|\||\)\s*\{|\bfunction\s*\(|\breturn\b\s*[\w(]|\b(?:var|const|let)\s+\w+\s*=|"
                          r"\bimport\s+[\w{}, *]+\s+from\s+[\"']|\bexport\s+default\b|\w+\.\w+\(|\w=[\w\"']|(?:^|[{,])\s*[a-z_]\w*:\s?[\"\[{]")   # operators, calls, x=1, key:"value"


def clean_text(text: str) -> str:
    """The unit's text as a person reads it: no entities, link targets, markup or code wrappers."""
    t = unicodedata.normalize("NFC", html.unescape(text or ""))
    t = _MD_IMAGE.sub(lambda m: m.group(1), t)
    t = _MD_LINK.sub(lambda m: m.group(1), t)
    t = _URL_WITH_TITLE.sub(lambda m: m.group(1), t)
    t = _URL.sub(" ", t)
    t = _ATTR_LIST.sub(" ", t)
    t = _ESCAPES.sub(" ", t)
    if _WRAPPER_OPEN.match(t):
        t = _WRAPPER_CLOSE.sub("", _WRAPPER_OPEN.sub("", t, count=1), count=1)
    t = _COMMENT.sub("", t, count=1)
    t = _TRAILING_MARKS.sub("", t, count=1)
    t = _EMPHASIS.sub("", t)
    return _SPACE.sub(" ", t).strip()


def is_code(text: str) -> bool:
    """Whether ``text`` (cleaned) is program code or data rather than prose.

    Prose has few braces, brackets or semicolons and no operators such as ``=>``
    or ``===``; minified script and JSON have them everywhere. A text of hardly
    any letters ("73%", "2.") is no prose either.
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return True
    letters = sum(c.isalpha() for c in chars)
    symbols = sum(c in _CODE_CHARS for c in chars)
    tokens = len(_CODE_TOKENS.findall(text))
    words = max(1, len(text.split()))
    return letters / len(chars) < 0.3 or symbols / len(chars) > 0.04 or tokens / words > 0.05


def searchable(text: str, min_chars: int = 1) -> str | None:
    """The clean text of a unit worth searching, or None (code, or shorter than ``min_chars``)."""
    t = clean_text(text)
    if len(t) < min_chars or is_code(t):
        return None
    return t
