"""denoise: remove scraping artefacts, recording every removal with its rule.

Removals are raw-text spans (``raw_text[start_char:end_char] == text``); nothing is
deleted from ``raw_text``. Three kinds of rules, applied in order, each on the
text with earlier removals blanked out so that offsets never move:

1. metadata lines found by ingest (front matter, title, author, date lines);
2. markup and template artefacts, the same for every language;
3. line rules from the language's data module (comment counters, photo
   credits, empty tables of contents, author bios, advertising blocks) and the
   corpus-level rule: a normalised line seen in several documents is boilerplate;
4. page furniture (a jusText-style block classifier), then paragraphs in another
   language than the document's (``foreign_language``, judged by the langid stage's rules).
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

import numpy as np
import pyarrow as pa

from pipeline import schema
from pipeline.denoising import furniture, markdown
from pipeline.denoising.lines import SpanIndex, raw_break_cuts, split_lines
from pipeline.lang import get as lang_data, letters
from pipeline.stages import langid
from pipeline.textmap import line_key, line_spans, view_text

NAME = "denoise"


@dataclass(frozen=True)
class Settings:
    boilerplate_min_docs: int = 3    # a line in this many documents is boilerplate (CCNet)
    boilerplate_max_chars: int = 200  # longer repeated lines are quoted content, not chrome
    credit_max_chars: int = 160
    ad_lookback_lines: int = 3
    ad_line_max_chars: int = 80       # a short line ending in "!" right before a call belongs to the ad
    credit_cue_chars: int = 80        # a credit cue word within this many chars of the line's start or end
    furniture: furniture.Settings = field(default_factory=furniture.Settings)
    langid: langid.Settings = field(default_factory=langid.Settings)   # what a foreign paragraph is


Span = tuple[int, int, str]

# ------------------------------------------------------------ markup artefacts
# (rule, pattern, groups to remove: 0 = the whole match)
MARKUP_RULES: tuple[tuple[str, re.Pattern, int | tuple[int, ...]], ...] = (
    ("template_error", re.compile(r"\$\w+\[[^\]\n]*\]\s*not found"), 0),
    ("html_comment", re.compile(r"<!--.*?-->", re.S), 0),
    ("php", re.compile(r"<\?(?:php|=).*?(?:\?>|\Z)", re.S), 0),
    ("embed", re.compile(r"<blockquote[^>]*class=\"[^\"]*(?:tiktok|twitter|instagram|embed)[^\"]*\"[^>]*>.*?</blockquote>",
                         re.S | re.I), 0),
    ("html_block", re.compile(r"<(script|style|noscript|iframe|svg|form|nav|figure|header|footer|button)\b"
                              r".*?</\1\s*>", re.S | re.I), 0),
    ("html_tag", re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>"), 0),
    # entities are decoded in every derived text (textmap.view), so "&eacute;" reads "é"
    ("html_entity", re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});"), 0),
    ("shortcode", re.compile(r"\{\{[<%].*?[%>]\}\}|\{%.*?%\}", re.S), 0),
    # WordPress shortcodes "[caption id=...]"; not the text of a markdown link "[caption keren](...)"
    ("shortcode", re.compile(r"\[/?(?:embed|caption|video|audio|gallery|tweet|youtube)\b[^\]\n]*\](?![(\[])", re.I), 0),
    # Blade/Jinja/Vue/Handlebars expressions and comments: "{{ $post->title }}", "{!! $html !!}", "{# ... #}"
    # (bounded, so a stray "{{" in a text never takes the paragraphs up to a far "}}" with it)
    ("template_expr", re.compile(r"\{\{(?:(?!\}\}).){0,300}?\}\}|\{!!(?:(?!!!\}).){0,300}?!!\}|\{#[^#]{0,300}?#\}",
                                 re.S), 0),
    # (?<![ \t]): a match starts where its run of blanks does; without it each blank of a long run (text
    # removed by earlier rules is blanked) would rescan the rest of the run
    ("md_anchor", re.compile(r"(?<![ \t])[ \t]*\{#[\w-]+\}"), 0),          # "## Title {#title}"
    # kramdown attribute lists "{: target="_blank"}", "{:.note}" and Pandoc attributes "{.class #id}"
    ("kramdown_attr", re.compile(r"(?<![ \t])(?:[ \t]*\{::?[^{}\n]*\}|(?<=[)\]`*_])\{[.#][^{}\n]*\}"
                                 r"|[ \t]+\{[.#][^{}\n]*\}[ \t]*\r?$)",
                                 re.M), 0),
    ("md_image", re.compile(r"!\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
                            r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"), 0),
    # a link keeps its text: "[" and "](target)" go; the target may hold balanced parentheses
    ("md_link", re.compile(r"(\[)(?:[^\[\]\n]|\[[^\[\]\n]*\])*(\]\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
                           r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\))"), (1, 2)),
    ("md_link", re.compile(r"(\[)[^\[\]\n]+(\]\[[^\[\]\n]*\])"), (1, 2)),           # "[text][ref]"
    ("md_link_ref", re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?\S+>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?"
                               r"[ \t]*\r?$", re.M), 0),                          # "[1]: https://..."
    ("md_footnote", re.compile(r"\[\^[^\]\s]+\]"), 0),
    ("url", re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>|<[\w.+-]+@[\w-]+\.[\w.-]+>"), 0),   # autolinks
    # bare URLs, before the emphasis rules can take the underscores out of them
    ("url", re.compile(r"(?<![ \t])[ \t]*\(\s*https?://[^\s()]+(?:\([^\s()]*\))?[^\s()]*\s*\)"), 0),   # "(https://...)" after a name
    ("url", re.compile(r"(?<![\w/(\"'])https?://\S+"), 0),
    ("md_heading", re.compile(r"^[ \t]*#{1,6}[ \t].*?([ \t]+#+)[ \t]*\r?$", re.M), 1),   # "## 1. Tip ##"
    ("md_escape", re.compile(r"\\(?=[.\-*_#!\[\]()`>+~|{}])|(?<!\\)\\(?=\r?\n|\Z)"), 0),  # "1\\.", a hard break
    ("md_code", re.compile(r"(?<!`)(`{1,2})(?!`)[^`\n]+?(?<!`)(\1)(?!`)"), (1, 2)),  # `code` keeps its text
    ("md_emphasis", re.compile(r"(?<!\*)\*{2,3}(?!\*)|__(?=\w)|(?<=\w)__|(?<![\w_])_(?=[^\s_][^_\n]*_(?![\w_]))"
                               r"|(?<=[^\s_])_(?![\w_])|~~(?=\S)|(?<=\S)~~"), 0),
    ("md_emphasis", re.compile(r"(?<![*\w\\])(\*)(?=[^\s*])[^*\n]*?(?<=[^\s*\\])(\*)(?![*\w])"), (1, 2)),  # *word*
)

_SEPARATOR = re.compile(r"^\s*([*=_~#\-–—•·.])(?:\s*\1){2,}\s*$")
_STOCK = re.compile(r"\b(?:shutterstock|i?stock ?photo|istock|getty ?images|depositphotos|unsplash|pexels|"
                    r"adobe ?stock|fotolia|123rf|dreamstime|freepik|pixabay)\b", re.I)


@lru_cache(maxsize=None)
def line_rules(code: str, settings: Settings = Settings()) -> dict[str, re.Pattern]:
    """Compiled line patterns of one language, built from its data module."""
    d = lang_data(code)

    def alt(words) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"

    rules = {
        "comment_counter": re.compile(rf"^\s*\d+\s+(?:{alt(d.COMMENT_WORDS)})\s*[▼▾↓⯆]?\s*$", re.I),
        "toc": re.compile(rf"^\s*(?:{alt(d.TOC_LABELS)})\s*:?\s*$", re.I),
        "author_bio": re.compile(rf"^\s*(?:\*\*)?(?:{alt(d.BIO_PREFIXES)})\s*(?:\*\*)?\s*:", re.I),
        "credit": re.compile(rf"^\s*(?:{alt(d.CREDIT_WORDS)})\b.{{0,{settings.credit_cue_chars}}}$"
                             rf"|^.{{0,{settings.credit_cue_chars}}}\b(?:{alt(d.CREDIT_WORDS)})\s+\S+\s*$",
                             re.I),
        "ad_call": re.compile(rf"(?:{alt(d.AD_CALLS)})"),
        "ad_cue": re.compile(rf"(?:{alt(d.AD_CUES)})", re.I),
        "keywords": re.compile(rf"^\s*(?:#+\s*)?(?:\*\*)?(?:{alt(d.KEYWORD_LABELS)})\s*(?:\*\*)?\s*:?\s*$",
                               re.I),
    }
    # the line patterns tried at a line's start, in one: a line none of them matches (most) needs no other try
    # (the separator first: its back-reference is to the first group)
    anchored = (_SEPARATOR, rules["comment_counter"], rules["author_bio"], rules["toc"], rules["keywords"])
    rules["anchored"] = re.compile("|".join(f"(?:{p.pattern})" if not p.flags & re.I else f"(?i:{p.pattern})"
                                            for p in anchored))
    return rules


# what a rule's pattern cannot match without (any one of these substrings): a rule whose text lacks
# them all is not run, which saves scanning every document with every pattern
_NEEDS: dict[str, tuple[str, ...]] = {
    "template_error": ("$",), "html_comment": ("<!--",), "php": ("<?",), "embed": ("<",), "html_block": ("<",),
    "html_tag": ("<",), "html_entity": ("&",), "shortcode": ("{", "["), "template_expr": ("{",),
    "md_anchor": ("{#",), "kramdown_attr": ("{",), "md_image": ("![",), "md_link": ("](", "]["),
    "md_link_ref": ("]:",), "md_footnote": ("[^",), "url": ("<", "http"), "md_heading": ("#",),
    "md_escape": ("\\",), "md_code": ("`",), "md_emphasis": ("*", "_", "~"),
}
_NOT_BREAK = re.compile(r"[^\r\n]")


def _holds(text: str, needle: str, memo: dict[str, bool]) -> bool:
    """``needle in text``, remembered in ``memo``; a longer needle looked for only where its first character is."""
    found = memo.get(needle)
    if found is None:
        found = memo[needle] = (len(needle) == 1 or _holds(text, needle[0], memo)) and needle in text
    return found


def _blank(text: str, spans: list[Span]) -> str:
    """The text with the spans replaced by spaces (newlines kept), offsets unchanged."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    returns = "\r" in text     # (most texts have none: no span is searched for one)
    for s, e, _ in sorted(spans):
        if s < pos:
            s = pos
        if e <= s:
            continue
        parts.append(text[pos:s])
        if text.find("\n", s, e) < 0 and not (returns and text.find("\r", s, e) >= 0):   # (most spans) no break
            parts.append(" " * (e - s))
        else:
            parts.append(_NOT_BREAK.sub(" ", text[s:e]))
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def markup_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    masked, blanked = text, 0    # the text with the first ``blanked`` spans blanked out
    holds: dict[str, bool] = {}  # whether the text holds a needed string (several rules need the same ones)
    for rule, pattern, groups in MARKUP_RULES:
        if not any(_holds(text, n, holds) for n in _NEEDS[rule]):
            continue
        if blanked < len(spans):   # blank the spans found since (blanking is cumulative)
            masked, blanked = _blank(masked, spans[blanked:]), len(spans)
        if groups == 0:   # (most rules) the whole match
            spans += [(a, b, rule) for a, b in map(re.Match.span, _finditer(pattern, masked)) if b > a]
            continue
        for m in _finditer(pattern, masked):
            for g in (groups if isinstance(groups, tuple) else (groups,)):
                if m.end(g) > m.start(g):
                    spans.append((m.start(g), m.end(g), rule))
    return spans


# where the matches of a pattern that opens with a lookbehind (re cannot scan ahead for those) can start
_STARTS: dict[str, re.Pattern] = {
    r"(?<!\*)\*{2,3}(?!\*)|__(?=\w)|": re.compile(r"[*_~]"),
    r"(?<![*\w\\])(\*)": re.compile(r"\*"),
    r"(?<![\w/(\"'])https?://": re.compile(r"https?://"),
    r"\\(?=[.\-*_#!": re.compile(r"\\"),
    r"(?<!`)(`{1,2})": re.compile(r"`"),
}
_START_OF = {p: next((s for head, s in _STARTS.items() if p.pattern.startswith(head)), None)
             for _, p, _ in MARKUP_RULES}
# patterns whose every match is a run of blanks (not preceded by one) and then this character: tried
# only at the run before each such character (the regex engine would try every position of the text)
_AFTER_BLANKS: dict[str, str] = {
    r"(?<![ \t])[ \t]*\{#[\w-]+\}": "{",
    r"(?<![ \t])(?:[ \t]*\{::?[^{}\n]*\}|(?<=[)\]`*_])\{[.#][^{}\n]*\}|[ \t]+\{[.#][^{}\n]*\}[ \t]*\r?$)": "{",
    r"(?<![ \t])[ \t]*\(\s*https?://": "(",
}
_CHAR_OF = {p: next((c for head, c in _AFTER_BLANKS.items() if p.pattern.startswith(head)), None)
            for _, p, _ in MARKUP_RULES}


# re.M patterns whose every match is a line (up to its break) that opens with blanks and then this
# character: tried only at such lines (the regex engine would try every position of the text)
_LINE_OPENING: dict[str, str] = {r"^[ \t]*#{1,6}[ \t].*?([ \t]+#+)[ \t]*\r?$": "#"}
_LINE_CHAR_OF = {p: _LINE_OPENING.get(p.pattern) for _, p, _ in MARKUP_RULES}


def _finditer(pattern: re.Pattern, text: str) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` (its matches are never empty); where its matches can only start at
    some characters, tried there only: ``match`` at a position sees the text before it, as lookbehinds
    need."""
    opening = _LINE_CHAR_OF.get(pattern)
    if opening is not None:
        return _finditer_lines_opening(pattern, text, opening)
    char = _CHAR_OF.get(pattern)
    if char is not None:
        return _finditer_after_blanks(pattern, text, char)
    starts = _START_OF.get(pattern)
    if starts is None:
        return pattern.finditer(text)    # (most patterns: the regex engine's own iterator)
    return _finditer_at(pattern, text, starts)


def _finditer_at(pattern: re.Pattern, text: str, starts: re.Pattern) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern of ``_STARTS``: tried where ``starts`` finds a start."""
    pos = 0
    while (c := starts.search(text, pos)) is not None:
        m = pattern.match(text, c.start())
        if m is None:
            pos = c.start() + 1
            continue
        yield m
        pos = m.end()


def _finditer_lines_opening(pattern: re.Pattern, text: str, char: str) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern of ``_LINE_OPENING``: tried at the start of each line
    (after a "\\n", where re.M's ``^`` is) whose first character other than blanks is ``char``."""
    pos = 0
    while (c := text.find(char, pos)) >= 0:
        start = text.rfind("\n", 0, c) + 1
        if not text[start:c].strip(" \t"):
            m = pattern.match(text, start)
            if m is not None:
                yield m
        nl = text.find("\n", c)   # (a match ends at its line's end: the next candidate is on a later line)
        if nl < 0:
            return
        pos = nl + 1


def _finditer_after_blanks(pattern: re.Pattern, text: str, char: str) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern of ``_AFTER_BLANKS``: a match can only start where the
    run of blanks before an occurrence of ``char`` starts (elsewhere in the run its lookbehind fails)."""
    pos = 0
    while (c := text.find(char, pos)) >= 0:
        start = c
        while start > pos and text[start - 1] in " \t":
            start -= 1
        m = pattern.match(text, start)
        if m is None:
            pos = c + 1
            continue
        yield m
        pos = m.end()


def _ad_block(text: str, lines: list[tuple[int, int]], i: int, rules: dict, settings: Settings
              ) -> Iterator[Span]:
    """An advertising block ending in a call to action on line ``i``.

    The call runs in capitals up to its last ``!`` or ``.`` before lower-case text:
    scraped pages glue the next real paragraph onto it, so the cut is inside the line.
    """
    s, e = lines[i]
    line = text[s:e]
    m = rules["ad_call"].search(line)
    if not m:
        return
    end = e
    lower = re.search(rf"[a-z{letters()}]", line[m.end():])
    if lower:
        head = line[: m.end() + lower.start()]
        stop = max(head.rfind("!"), head.rfind("."), head.rfind("?"))
        end = s + (stop + 1 if stop >= m.start() else m.end() + lower.start())
    yield (s + m.start() if m.start() > 0 and line[:m.start()].strip() else s, end, "ad_block")
    # promotional lines right before the call belong to the same block
    j = i - 1
    while j >= 0 and i - j <= settings.ad_lookback_lines:
        ps, pe = lines[j]
        prev = text[ps:pe].strip()
        if not prev:
            j -= 1
            continue
        if rules["ad_cue"].search(prev) or (len(prev) <= settings.ad_line_max_chars and prev.endswith("!")):
            yield (ps, pe, "ad_block")
            j -= 1
            continue
        break


def line_spans_for(text: str, lang: str, boilerplate: frozenset[str], settings: Settings,
                   lines: list[tuple[int, int]] | None = None) -> tuple[list[Span], str | None]:
    """Line-level removals and the author bio text, if any. ``lines`` is ``line_spans(text)`` when the
    caller has it (blanking keeps the line breaks: the raw text's lines are the blanked text's)."""
    rules = line_rules(lang, settings)
    lines = line_spans(text) if lines is None else lines
    spans: list[Span] = []
    bio = None
    # (most texts: no line names a stock-photo site, none is searched for one; else those whose lower-cased
    # text holds a name)
    stock = _stock_names(text)
    # (the lines holding a name: a name holds no line break, so each of its occurrences lies in one line)
    named = _lines_holding(stock, lines, _STOCK_KEYS) if isinstance(stock, str) else None
    anchored, ad_call = rules["anchored"].match, rules["ad_call"].search
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        stripped = line.strip()
        if not stripped:
            continue
        if anchored(line) is None:    # (most lines) the rules below the anchored ones, in their order
            if (stock is not None and len(stripped) <= settings.credit_max_chars
                    and (stock is True or i in named) and _STOCK.search(line) and rules["credit"].search(line)):
                spans.append((s, e, "photo_credit"))
            elif ad_call(line):
                spans.extend(_ad_block(text, lines, i, rules, settings))
            elif len(stripped) <= settings.boilerplate_max_chars and line_key(line) in boilerplate:
                spans.append((s, e, "boilerplate"))
        elif rules["comment_counter"].match(line):
            spans.append((s, e, "comment_counter"))
        elif _SEPARATOR.match(line):
            spans.append((s, e, "separator"))
        elif rules["author_bio"].match(line):
            bio = stripped
            spans.append((s, e, "author_bio"))
        elif (stock is not None and len(stripped) <= settings.credit_max_chars
              and (stock is True or i in named) and _STOCK.search(line) and rules["credit"].search(line)):
            spans.append((s, e, "photo_credit"))
        elif rules["toc"].match(line) and not _next_is_list(text, lines, i):
            spans.append((s, e, "empty_toc"))
        elif rules["ad_call"].search(line):
            spans.extend(_ad_block(text, lines, i, rules, settings))
        elif rules["keywords"].match(line) and _next_is_list(text, lines, i):
            spans.extend((ks, ke, "keyword_block") for ks, ke in [(s, e), *_list_after(text, lines, i)])
        elif len(stripped) <= settings.boilerplate_max_chars and line_key(line) in boilerplate:
            spans.append((s, e, "boilerplate"))
    return spans, bio


# ``_STOCK`` matches only where the lower-cased text holds one of these; re.I also takes "İ" and "ı" for "i" and
# "ſ" for "s", which lower() does not give (a test checks every character): a text holding one is searched
_STOCK_KEYS = ("stock", "getty", "depositphotos", "unsplash", "pexels", "fotolia", "123rf", "dreamstime",
               "freepik", "pixabay")
_STOCK_UNLOWERED = ("\u0130", "\u0131", "\u017f")


def _lines_holding(text: str, lines: list[tuple[int, int]], needles: tuple[str, ...]) -> set[int]:
    """The indices of the ``lines`` of ``text`` (increasing spans) that hold one of ``needles`` (strings without a
    line break): each occurrence found once in the whole text, not each needle looked for in every line."""
    starts = [s for s, _ in lines]
    out: set[int] = set()
    for needle in needles:
        pos = text.find(needle)
        while pos >= 0:
            i = bisect_right(starts, pos) - 1
            if i >= 0 and pos + len(needle) <= lines[i][1]:
                out.add(i)
            pos = text.find(needle, pos + 1)
    return out


def _may_hold_stock(text: str) -> bool:
    """False where no line of ``text`` holds a match of ``_STOCK``."""
    return _stock_names(text) is not None


def _stock_names(text: str) -> str | bool | None:
    """None where no line of ``text`` holds a match of ``_STOCK`` (one test of the whole text: searching every
    short line with that case-blind pattern was the costliest line rule); else the lower-cased text, in which
    a line that holds no name (``find`` between its offsets) holds no match; True where every line may (a
    character lower() does not give, or one it makes two of: "İ", and the offsets would not be the text's)."""
    if any(ch in text for ch in _STOCK_UNLOWERED):
        return True
    low = text.lower()
    if not any(key in low for key in _STOCK_KEYS):
        return None
    return low if len(low) == len(text) else True


def _list_after(text: str, lines: list[tuple[int, int]], i: int) -> list[tuple[int, int]]:
    """The list items (and blank lines) right after line ``i``."""
    out = []
    for s, e in lines[i + 1:]:
        line = text[s:e].strip()
        if line and not re.match(r"^(?:[-*•·]|\d+[.)])\s", line):
            break
        if line:
            out.append((s, e))
    return out


def _next_is_list(text: str, lines: list[tuple[int, int]], i: int) -> bool:
    for s, e in lines[i + 1:]:
        nxt = text[s:e].strip()
        if nxt:
            return bool(re.match(r"^(?:[-*•·]|\d+[.)])\s", nxt))
    return False


def remove(raw: str, lang: str, meta_spans: list[dict], boilerplate: frozenset[str] = frozenset(),
           settings: Settings = Settings(), views: dict | None = None, lines: list[tuple[int, int]] | None = None,
           batch: list[_Pending] | None = None) -> tuple[list[Span], str | None]:
    """All removals of one document, non-overlapping and sorted.

    Layers in order, each on the text with the earlier removals blanked out: metadata and
    wrapper spans from ingest; markdown code fences, setext underlines and tables
    (markdown-it-py); HTML elements of page furniture; markup and template artefacts; the
    language's line rules; the furniture block classifier; paragraphs in another language.
    ``views`` gets the line views of the furniture classifier (as ``seen`` of ``furniture.blocks_of``);
    ``lines`` is ``line_spans(raw)`` when the caller has it. With ``batch``, the paragraphs in another
    language are left to the caller: the document is added to ``batch`` and the removals before those
    returned as found (:func:`run` bounds the paragraphs of many documents at once).
    """
    doc = _before_foreign(raw, lang, meta_spans, boilerplate, settings, views, lines)
    if batch is not None:
        batch.append(doc)
        return doc.spans, doc.bio
    doc.logical = None
    return doc.removals(_judged_bounds([doc], settings.langid)[0], settings.langid)


@dataclass(slots=True)
class _Pending:
    """A document's removals up to the foreign paragraphs, and its paragraphs as those are judged. Held for the
    bound with other documents', so in few objects: a tuple a removal would make the garbage collector's counts
    grow, and its collections scan the whole heap (later stages' models)."""
    lang: str
    bio: str | None
    blank: str                        # the raw text with the removals blanked out
    logical: list[tuple[int, int]] | None   # its lines, split at the breaks the removals stand for (not held)
    removal_starts: array             # the removals, as found: their starts, ...
    removal_ends: array               # ... their ends ...
    rules: tuple[str, ...]            # ... and their rules
    starts: list[int]                 # the raw start of each paragraph's first line ...
    ends: list[int]                   # ... and the end of its last
    judged: list[int]                 # the paragraphs long enough to be judged alone
    texts: list[str]                  # their texts

    @property
    def spans(self) -> list[Span]:
        """The removals up to the foreign paragraphs, as found."""
        return list(zip(self.removal_starts, self.removal_ends, self.rules))

    def removals(self, maybe: np.ndarray, settings: langid.Settings) -> tuple[list[Span], str | None]:
        """All removals (:func:`remove`), given which judged paragraphs the bound left (``langid._may_be_foreign``
        of ``texts``)."""
        spans = self.spans + _foreign_spans(self, maybe, settings)
        return _non_overlapping(spans), self.bio


def _before_foreign(raw: str, lang: str, meta_spans: list[dict], boilerplate: frozenset[str], settings: Settings,
                    views: dict | None, lines: list[tuple[int, int]] | None) -> _Pending:
    """:func:`remove` up to the paragraphs in another language, and the paragraphs to judge."""
    spans: list[Span] = [(m["start"], m["end"], m["rule"]) for m in meta_spans or []]
    blank = _blank(raw, spans)      # each layer blanks what the last one found (blanking twice changes nothing)
    for layer in (markdown.block_spans, furniture.html_elements, markup_spans):
        found = layer(blank)
        spans += found
        blank = _blank(blank, found)
    raw_lines = line_spans(raw) if lines is None else lines
    line_level, bio = line_spans_for(blank, lang, boilerplate, settings, raw_lines)
    spans.extend(line_level)
    cuts = raw_break_cuts(raw, spans)
    found = furniture.spans(raw, spans, lang, _link_texts(raw, spans), settings.furniture,
                            split_lines(raw_lines, cuts), views)
    spans += found
    blank = _blank(blank, line_level + found)   # now raw with all of ``spans`` blanked
    logical = split_lines(raw_lines, sorted(cuts + raw_break_cuts(raw, found)))
    return _Pending(lang, bio, blank, logical, array("q", (sp[0] for sp in spans)), array("q", (sp[1] for sp in spans)),
                    tuple(sp[2] for sp in spans), *_paragraphs(blank, logical, settings.langid))


# the judged paragraphs' characters bounded at once: the documents pending meanwhile are held in memory
_BOUND_BATCH_CHARS = 2_000_000


def _judged_bounds(docs: list[_Pending], settings: langid.Settings) -> list[np.ndarray]:
    """``langid._may_be_foreign`` of each document's judged paragraphs, a call for all the documents in one
    language (the model's tables read once for them all, not once a document: most of the cost; and fewer,
    longer scans). The bound of a text is the same whatever texts come with it."""
    out: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(docs)
    by_lang: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        if doc.texts:
            by_lang.setdefault(doc.lang, []).append(i)
    for lang, members in by_lang.items():
        maybe = langid._may_be_foreign([t for i in members for t in docs[i].texts], lang, settings)
        pos = 0
        for i in members:
            out[i] = maybe[pos:pos + len(docs[i].texts)]
            pos += len(docs[i].texts)
    return out


def _foreign_spans(doc: _Pending, maybe: np.ndarray, settings: langid.Settings) -> list[Span]:
    """Raw spans of the paragraphs in another language than the document's (``langid.foreign_blocks`` of its
    paragraphs), given ``maybe`` (``langid._may_be_foreign`` of its judged paragraphs)."""
    if not maybe.any():     # (most documents) the bound proves every judged paragraph not foreign
        return []
    blank, starts, ends = doc.blank, doc.starts, doc.ends
    foreign = langid.judged_foreign(doc.texts, doc.lang, settings, maybe)
    if not foreign.any():   # no paragraph judged alone is foreign: nor is any other
        return []
    texts = [" ".join(blank[s:e].split()) for s, e in zip(starts, ends)]
    out: list[Span] = []
    index = SpanIndex([(s, e) for s, e, _ in doc.spans])
    for pos, end, is_foreign in zip(starts, ends, langid.foreign_blocks(texts, doc.lang, settings, doc.judged,
                                                                        foreign)):
        if not is_foreign:
            continue
        for s, e in [*index.overlapping(pos, end), (end, end)]:
            if s > pos and blank[pos:s].strip():
                a, b = pos, s
                while blank[a].isspace():
                    a += 1
                while blank[b - 1].isspace():
                    b -= 1
                out.append((a, b, "foreign_language"))
            pos = max(pos, e)
    return out


def _paragraphs(blank: str, logical: list[tuple[int, int]], settings: langid.Settings
                ) -> tuple[list[int], list[int], list[int], list[str]]:
    """The paragraphs of ``blank`` as ``langid.paragraph_groups`` makes them of the texts of its non-empty
    ``logical`` lines (whitespace collapsed): the raw start of each one's first line and the end of its last;
    the indices of those long enough to be judged alone (``langid._judged``), and their texts. A paragraph's
    text is its lines' texts joined (what lies between its lines is blank): made once, not a text a line
    and then one of those."""
    starts: list[int] = []
    ends: list[int] = []
    open_end = False    # the line before stops without punctuation: a line in lower case continues it
    for s, e in logical:
        if e <= s:
            continue
        text = blank[s:e].strip()     # (its first and last characters are those of its text)
        if not text:
            continue
        if open_end and text[0].islower():
            ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
        open_end = text[-1] not in _STOPS
    judged: list[int] = []
    texts: list[str] = []
    least = settings.block_min_letters   # (a paragraph has fewer letters than characters)
    for i, (s, e) in enumerate(zip(starts, ends)):
        if e - s >= least:
            text = " ".join(blank[s:e].split())
            if len(text) >= least and langid._judged(text, settings):
                judged.append(i)
                texts.append(text)
    return starts, ends, judged, texts


# the characters langid's ``_OPEN_END`` does not match: a line ending in one stops
_STOPS = frozenset(langid._STOPS)


def _link_texts(raw: str, spans: list[Span]) -> list[tuple[int, int]]:
    """Raw spans of link texts: between a removed "[" and "](...)", or "<a ...>" and "</a>"."""
    marks = sorted((s, e) for s, e, r in spans if r in ("md_link", "html_tag"))
    out = []
    for (s1, e1), (s2, e2) in zip(marks, marks[1:]):
        if raw.startswith("[", s1):
            if e1 - s1 == 1 and raw.startswith("]", s2) and e2 > s2:
                out.append((e1, s2))
        elif _LINK_OPEN.match(raw, s1, e1) and _LINK_CLOSE.match(raw, s2, e2):
            out.append((e1, s2))
    return out


_LINK_OPEN = re.compile(r"<a\b", re.I)
_LINK_CLOSE = re.compile(r"</a\b", re.I)


def _non_overlapping(spans: list[Span]) -> list[Span]:
    return _non_overlapping_of(spans)[0]


def _non_overlapping_of(spans: list[Span]) -> tuple[list[Span], bool]:
    """:func:`_non_overlapping`, and whether it kept every span as it was (none cut short, none dropped)."""
    out: list[Span] = []
    kept = True
    for s, e, rule in sorted(spans, key=lambda x: (x[0], -x[1])):
        if out and s < out[-1][1]:
            kept = False
            if e > out[-1][1]:
                out.append((out[-1][1], e, rule))
            continue
        out.append((s, e, rule))
    final = [sp for sp in out if sp[1] > sp[0]]
    return final, kept and len(final) == len(out)


def clean_text(raw: str, spans: list[Span], views: dict | None = None, lines: list[tuple[int, int]] | None = None,
               logical: list[tuple[int, int]] | None = None) -> str:
    """The document without its removals: one normalised line per non-empty raw line. ``views``: views
    already made of some lines, ``(start, end) -> (removed spans in it, text)`` (``remove`` fills it);
    ``lines`` is ``line_spans(raw)`` when the caller has it, ``logical`` those lines split at the breaks
    that ``spans`` stand for (``split_lines(lines, raw_break_cuts(raw, spans))``)."""
    index = SpanIndex([(s, e) for s, e, _ in spans])
    out = []
    if logical is None:
        logical = split_lines(line_spans(raw) if lines is None else lines, raw_break_cuts(raw, spans))
    for s, e in logical:
        if e <= s or (index.covers(s, e) and raw[s] != "&"):
            continue   # (an empty line, or one a removal covers, not an entity that starts it: no text)
        near = index.overlapping(s, e)
        # a view is a function of the line and the removals in it: one made with the same ones is this one
        hit = views.get((s, e)) if views else None
        text = hit[1] if hit is not None and hit[0] == near else view_text(raw, s, e, near)
        if text:
            out.append(text)
    return "\n".join(out)


def run(documents: pa.Table, languages: pa.Table, boilerplate: frozenset[str] = frozenset(),
        settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + languages (+ corpus boilerplate line keys) -> {removed_spans, clean}."""
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    # the output built column by column (what schema.table does with row dicts, without the dicts)
    removed: dict[str, list] = {name: [] for name in schema.REMOVED_SPANS.names}
    clean: dict[str, list] = {name: [] for name in schema.CLEAN.names}
    ids, raws, metas = (documents.column(c).to_pylist() for c in ("doc_id", "raw_text", "meta_spans"))
    # every document's removals up to its foreign paragraphs, and its clean text as if it had none (most
    # documents: their rows as they are); then the bound on the judged paragraphs of many documents at once
    pending: list[tuple[int, int, int, _Pending]] = []   # (clean row, first removal row, removal rows, document)
    held = 0                                     # the characters of their judged paragraphs

    def add_removals(doc_id: str, raw: str, spans: list[Span]) -> None:
        removed["doc_id"].extend([doc_id] * len(spans))
        removed["start_char"].extend(s for s, _, _ in spans)
        removed["end_char"].extend(e for _, e, _ in spans)
        removed["text"].extend(raw[s:e] for s, e, _ in spans)
        removed["rule"].extend(r for _, _, r in spans)

    def settle() -> None:
        """The foreign paragraphs of the pending documents: a few have some, their rows made again."""
        shift = 0    # (rows added before the later documents' rows)
        for (row, first, count, doc), maybe in zip(pending, _judged_bounds([p[3] for p in pending], settings.langid)):
            foreign = _foreign_spans(doc, maybe, settings.langid)
            if not foreign:
                continue
            spans = _non_overlapping(doc.spans + foreign)
            first += shift
            for name, values in zip(("doc_id", "start_char", "end_char", "text", "rule"),
                                    ([ids[row]] * len(spans), [s for s, _, _ in spans], [e for _, e, _ in spans],
                                     [raws[row][s:e] for s, e, _ in spans], [r for _, _, r in spans])):
                removed[name][first:first + count] = values
            shift += len(spans) - count
            clean["clean_text"][row] = clean_text(raws[row], spans)
        pending.clear()

    made: list[_Pending] = []
    for doc_id, raw, meta_spans in zip(ids, raws, metas):
        views: dict = {}
        lines = line_spans(raw)
        # (each document's removals made by remove: a failure there is that document's)
        found, _ = remove(raw, lang_of[doc_id], meta_spans, boilerplate, settings, views, lines, made)
        doc = made.pop()
        spans, kept = _non_overlapping_of(found)
        # (every span kept as it was: the breaks they stand for are those the document's lines were split at)
        text = clean_text(raw, spans, views, lines, doc.logical if kept else None)
        doc.logical = None
        if doc.texts:
            pending.append((len(clean["doc_id"]), len(removed["doc_id"]), len(spans), doc))
            held += sum(map(len, doc.texts))
        add_removals(doc_id, raw, spans)
        clean["doc_id"].append(doc_id)
        clean["clean_text"].append(text)
        clean["author_bio"].append(doc.bio)
        if held >= _BOUND_BATCH_CHARS:   # (memory stays bounded whatever the chunk holds)
            settle()
            held = 0
    settle()
    return {"removed_spans": schema.columns_table(removed, schema.REMOVED_SPANS),
            "clean": schema.columns_table(clean, schema.CLEAN)}
