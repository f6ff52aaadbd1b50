"""normalise: the de-noised text as a tree of blocks (heading / paragraph / list item / quote).

Works line by line on the raw text minus its removals (``textmap.view``: NFC,
whitespace collapsed, an offset map back to the raw text). Recognises markdown
and numbered headings (``# 4:``, ``13.``, ``1:``, ``Mitos 1:``), bullets (``•``,
``-``) with their nesting, quoted lines, short title-like lines followed by a
body, HTML heading tags and bold leads. Hard-wrapped lines are joined.
A block's text leaves out its marker; its offsets cover only the text.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import pyarrow as pa

from pipeline import schema
from pipeline.denoising.lines import SpanIndex, logical_lines
from pipeline.lang import letters
from pipeline.textmap import TextView, ends_with, view

NAME = "normalise"


@dataclass(frozen=True)
class Settings:
    max_heading_chars: int = 140
    indent_per_level: int = 4
    blank_line_share: float = 0.1     # this many blank lines per filled one: blank lines separate paragraphs
    wrapped_line_min_chars: int = 40  # ... and a line break after a line this long is a hard wrap
    title_like_max_chars: int = 100   # a short unpunctuated line followed by a longer body is a heading
    title_like_max_words: int = 14
    max_block_chars: int = 100_000    # a longer block is cut at sentence ends (spaCy refuses texts over 1,000,000)


_MD_HEADING = re.compile(r"^(#{1,6})\s*(?:(\d{1,3})\s*[:.)]\s*|#(\d{1,3})\s+)?(?=\S)")   # "## 4:", "## #1 "
_NUMBERED = re.compile(r"^(\d{1,3})\s*[.:)]\s+(?=\S)")
_LABELLED = re.compile(rf"^([A-Z{letters().upper()}][\w'’-]{{1,20}})\s+#?(\d{{1,3}})\s*[:.)\-–]\s*(?=\S)")
_BULLET = re.compile(r"^([•\-*·▪►◦‣✓✔➤→–—]|\d{1,3}[.)])\s+(?=\S)")
_LONE_BULLET = re.compile(r"[•\-*·▪►◦‣✓✔➤→–—]")
_QUOTED = re.compile(r'^(["“„«”\'])(.+?)(["”“»\'])\s*$')
_END_PUNCT = re.compile(r"[.!?:;,\"”»)…]$")


_NOTHING: list[str] = []   # (no removals in a line: never changed)
_HTML_HEADING = re.compile(r"<h([1-6])\b", re.I)
_HTML_LIST = re.compile(r"<li\b", re.I)


@dataclass
class _Block:
    kind: str
    level: int
    marker: str | None
    number: int | None
    view: TextView
    start: int
    end: int
    raw_indent: int
    blank_before: bool
    row: bool = False         # a table row: never a heading, never joined to a neighbour

    @property
    def text(self) -> str:
        return self.view.text


def _strip(v: TextView, n: int) -> TextView:
    """Drop the first ``n`` characters (a marker) and the spaces after them."""
    while n < len(v.text) and v.text[n] == " ":
        n += 1
    return TextView(v.text[n:], v.raw_index[n:])


def _trim(v: TextView) -> TextView:
    a, b = 0, len(v.text)
    while a < b and v.text[a] == " ":
        a += 1
    while b > a and v.text[b - 1] == " ":
        b -= 1
    return TextView(v.text[a:b], v.raw_index[a:b])


def _unquote(v: TextView) -> TextView:
    return _trim(TextView(v.text[1:-1], v.raw_index[1:-1]))


def _classify(v: TextView, removed_here: list[str], indent: int, settings: Settings
              ) -> tuple[str, int, str | None, int | None, TextView]:
    text = v.text
    html = " ".join(removed_here)
    # (each marker pattern is tried only where the first character can start it: most lines start none)
    first = text[:1]
    if first == "#" and (m := _MD_HEADING.match(text)):
        number = int(m.group(2) or m.group(3)) if (m.group(2) or m.group(3)) else None
        return "heading", len(m.group(1)), m.group(0).strip(), number, _strip(v, m.end())
    if html and (m := _HTML_HEADING.search(html)):
        return "heading", int(m.group(1)), f"<h{m.group(1)}>", None, v
    short = len(text) <= settings.max_heading_chars
    if short and (m := _LABELLED.match(text)):
        return "heading", 2, m.group(0).strip(), int(m.group(2)), _strip(v, m.end())
    digit = first.isdigit()   # (every \d is a digit)
    if digit and short and (m := _NUMBERED.match(text)) and not text.endswith((".", ",", ";")):
        return "heading", 2, m.group(0).strip(), int(m.group(1)), _strip(v, m.end())
    if (digit or first in _BULLET_FIRST) and (m := _BULLET.match(text)):
        num = re.match(r"\d+", m.group(1))
        return ("list_item", 1 + indent // settings.indent_per_level, m.group(1), int(num.group()) if num else None,
                _strip(v, m.end()))
    if html and _HTML_LIST.search(html):
        return "list_item", 1, "<li>", None, v
    if first == ">":
        return "quote", 1, ">", None, _strip(v, 1)
    if first in _QUOTE_FIRST and len(text) > 3 and (m := _QUOTED.match(text)):
        return "quote", 1, m.group(1), None, _unquote(v)
    return "paragraph", 0, None, None, v


_BULLET_FIRST = frozenset("•-*·▪►◦‣✓✔➤→–—")   # what _BULLET starts with but a digit
_QUOTE_FIRST = frozenset("\"“„«”'")          # what _QUOTED starts with


def _is_title_like(b: _Block, nxt: _Block | None, settings: Settings) -> bool:
    """A short unpunctuated capitalised line followed by a longer body reads as a heading."""
    t = b.text
    return (b.kind == "paragraph" and not b.row and nxt is not None and 2 <= len(t) <= settings.title_like_max_chars
            and t[0].isupper() and not ends_with(_END_PUNCT, t) and len(t.split()) <= settings.title_like_max_words
            and nxt.kind in ("paragraph", "list_item", "quote") and len(nxt.text) > len(t))


def blocks_of(raw: str, removed: list[tuple[int, int, str]], settings: Settings = Settings()) -> list[dict]:
    """Block rows of one document (without doc_id)."""
    return [dict(zip(_FIELDS, row)) for row in _block_rows(raw, removed, settings)]


_FIELDS = schema.BLOCKS.names[1:]   # a block row's fields (all but doc_id), in the table's order


def _block_rows(raw: str, removed: list[tuple[int, int, str]], settings: Settings) -> list[tuple]:
    """:func:`blocks_of`'s rows as tuples of ``_FIELDS`` (the stage builds its table column by column)."""
    out: list[_Block] = []
    blank = True
    lines = logical_lines(raw, removed)
    # markdown-style text separates paragraphs by blank lines, so a line break alone is a wrap
    # (not blank: what .strip() leaves; a line whose first character is no blank is not, without a slice of it)
    filled = sum(1 for s, e in lines if e > s and (not raw[s].isspace() or not raw[s:e].isspace()))
    blank_separated = len(lines) - filled >= settings.blank_line_share * filled
    index = SpanIndex(removed)
    underlined = _setext_underlined(raw, lines, index)
    for n, (s, e) in enumerate(lines):
        if s == e:
            blank = True   # an empty line (most of them): its view is empty
            continue
        near = index.overlapping(s, e)
        v = view(raw, s, e, [(a, b) for a, b, _ in near] if near else ())
        if not v.text or _LONE_BULLET.fullmatch(v.text):
            blank = True  # an empty, wholly removed or bullet-only line separates blocks
            continue
        here = [t for _, _, t in near] if near else _NOTHING
        line = raw[s:e]
        row = line.lstrip().startswith("|")   # a table row is a block of its own, never a wrapped line
        indent = len(line) - len(line.lstrip(" \t"))
        kind, level, marker, number, tv = _classify(v, here, indent, settings)
        if n in underlined and kind == "paragraph" and len(tv.text) <= settings.max_heading_chars:
            kind, level, marker = "heading", underlined[n], None   # "Title\n=====": a setext heading
        # bold lead ("**1. Title** body"): the bold part is a heading of its own
        lead = _bold_lead(raw, s, near, tv, settings.max_heading_chars) if len(near) >= 2 else None   # (two marks)
        if lead is not None and kind in ("paragraph", "list_item"):
            head, rest = lead
            hk, hl, hm, hn, htv = _classify(head, [], 0, settings)
            out.append(_Block("heading", 3, hm or marker, hn if hn is not None else number, htv,
                              htv.raw_index[0], htv.raw_index[-1] + 1, indent, blank))
            tv, kind, marker, number = rest, "paragraph", None, None
            if not tv.text:
                blank = False
                continue
        # a lower-case start continues even across a blank line (some exports double every break)
        if (out and kind == "paragraph" and not row and (not blank or tv.text[:1].islower())
                and out[-1].kind in ("paragraph", "list_item", "quote")
                and not ends_with(_END_PUNCT, out[-1].text) and _wrapped(tv.text, out[-1].text, blank_separated,
                                                                          settings)):
            prev = out[-1]  # a hard-wrapped line continues the block above
            prev.view = TextView(prev.view.text + " " + tv.text,
                                 (*prev.view.raw_index, tv.raw_index[0] - 1, *tv.raw_index))
            prev.end = tv.raw_index[-1] + 1
            continue
        if not tv.text:
            continue
        out.append(_Block(kind, level, marker, number, tv, tv.raw_index[0], tv.raw_index[-1] + 1, indent, blank,
                          row))
        blank = False
    out = [piece for b in out for piece in _pieces(b, settings.max_block_chars)]
    for i, b in enumerate(out):
        if _is_title_like(b, out[i + 1] if i + 1 < len(out) else None, settings):
            b.kind, b.level = "heading", 2
        prev = out[i - 1] if i else None
        if (b.kind == "heading" and b.number is not None and prev is not None and prev.kind == "list_item"
                and prev.number == b.number - 1 and re.fullmatch(r"\d+[.)]", b.marker or "")):
            b.kind, b.level = "list_item", prev.level  # "4. Short line!" inside a numbered list
    return _with_parents(out)


def _wrapped(text: str, prev_text: str, blank_separated: bool, settings: Settings) -> bool:
    """Does a line of ``text`` continue the block of ``prev_text`` above it (a hard wrap)? (Asked only of a line
    that may join the block, the other tests passed.)"""
    return bool(text[:1].islower() or (blank_separated and len(prev_text) >= settings.wrapped_line_min_chars
                                       and _WRAP_END.search(prev_text[-2:])))


_WRAP_END = re.compile(rf"[a-z{letters()},]$")   # a line that ends so is cut mid-sentence
_SENTENCE_END = re.compile(r"[.!?…][\"”»)\]]*\s")


def _pieces(b: _Block, max_chars: int) -> list[_Block]:
    """``b``, or when its text is over ``max_chars`` (a paragraph of a megabyte with no line break), its
    pieces, each cut after the last sentence end (else the last space) that keeps it under the limit."""
    if len(b.text) <= max_chars:
        return [b]
    out: list[_Block] = []
    text, pos = b.text, 0
    while pos < len(text):
        end = len(text)
        if end - pos > max_chars:
            window = text[pos:pos + max_chars]
            ends = [m.end() for m in _SENTENCE_END.finditer(window, max_chars // 2)]
            end = pos + (ends[-1] if ends else (window.rfind(" ", max_chars // 2) + 1 or max_chars))
        v = _trim(TextView(text[pos:end], b.view.raw_index[pos:end]))
        pos = end
        if v.text:
            first = not out
            out.append(_Block(b.kind if first else "paragraph", b.level if first else 0, b.marker if first else None,
                              b.number if first else None, v, v.raw_index[0], v.raw_index[-1] + 1, b.raw_indent,
                              b.blank_before if first else False, b.row))
    return out


def _setext_underlined(raw: str, lines: list[tuple[int, int]], index: SpanIndex) -> dict[int, int]:
    """Lines directly above a removed ``===`` (level 1) or ``---`` (level 2) underline."""
    out: dict[int, int] = {}
    # an underline's removal holds its "=" or "-": only the lines such a removal overlaps are looked at, found by
    # bisection (logical lines are in order and apart, so their ends are sorted)
    holding = [(a, b) for a, b, _ in index.spans if raw.find("=", a, b) >= 0 or raw.find("-", a, b) >= 0]
    if not holding:
        return out
    ends = [e for _, e in lines]
    candidates: set[int] = set()
    for a, b in holding:
        k = max(bisect_right(ends, a), 1)   # the first line ending after the removal starts (not the first line)
        while k < len(lines) and lines[k][0] < b:
            candidates.add(k)
            k += 1
    for m in sorted(candidates):
        n = m - 1
        s, e = lines[m]
        under = raw[s:e].strip()
        if (under and under[0] in "=-" and under == under[0] * len(under) and raw[lines[n][0]:lines[n][1]].strip()
                and any(rs <= s + raw[s:e].index(under[0]) and re_ >= s + len(raw[s:e].rstrip())
                        for rs, re_, _ in index.overlapping(s, e))):
            out[n] = 1 if under[0] == "=" else 2
    return out


def _bold_lead(raw: str, line_start: int, removed, tv: TextView, max_chars: int) -> tuple[TextView, TextView] | None:
    """Split ``**Lead** rest`` when the line's text starts with a bold run (after a bullet)."""
    if not tv.text:
        return None
    first, last = tv.raw_index[0], tv.raw_index[-1]
    marks = [(rs, re_) for rs, re_, t in removed if t in ("**", "__") and line_start <= rs <= last]
    if len(marks) < 2:
        return None
    (o1, _), (o2, _) = marks[0], marks[1]
    if raw[line_start:o1].strip() not in ("", "-", "*", "•") or o2 <= first:
        return None
    cut = next((i for i, r in enumerate(tv.raw_index) if r >= o2), None)
    if cut is None or cut == 0 or cut > max_chars or cut >= len(tv.text.rstrip()):
        return None
    head = _trim(TextView(tv.text[:cut], tv.raw_index[:cut]))
    return head, _trim(TextView(tv.text[cut:], tv.raw_index[cut:]))


def _with_parents(blocks: list[_Block]) -> list[tuple]:
    rows = []
    heading_stack: list[tuple[int, int]] = []   # (level, idx)
    list_stack: list[tuple[int, int]] = []
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            while heading_stack and heading_stack[-1][0] >= b.level:
                heading_stack.pop()
            parent = heading_stack[-1][1] if heading_stack else -1
            heading_stack.append((b.level, i))
            list_stack = []
        elif b.kind == "list_item":
            while list_stack and list_stack[-1][0] >= b.level:
                list_stack.pop()
            parent = list_stack[-1][1] if list_stack else (heading_stack[-1][1] if heading_stack else -1)
            list_stack.append((b.level, i))
        else:
            parent = heading_stack[-1][1] if heading_stack else -1
            list_stack = []
        rows.append((i, b.kind, b.level, parent, b.marker, b.number, b.start, b.end, b.view.text))   # (_FIELDS)
    return rows


def run(documents: pa.Table, removed_spans: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + removed_spans -> {blocks}."""
    by_doc = schema.tuples_by_doc(removed_spans, ("start_char", "end_char", "text"))
    # the output built column by column (what schema.table does with row dicts, without making them)
    out: dict[str, list] = {name: [] for name in schema.BLOCKS.names}
    doc_ids, fields = out["doc_id"], [out[name] for name in _FIELDS]
    for doc_id, raw in zip(documents.column("doc_id").to_pylist(), documents.column("raw_text").to_pylist()):
        rows = _block_rows(raw, by_doc.get(doc_id, []), settings)
        if rows:
            doc_ids += [doc_id] * len(rows)
            for column, values in zip(fields, zip(*rows)):
                column += values
    return {"blocks": schema.columns_table(out, schema.BLOCKS)}
