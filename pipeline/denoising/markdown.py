"""Markdown block structure from a real parser (markdown-it-py, CommonMark plus tables).

Regexes cannot tell a fenced code block from text with backticks, a setext underline
from a horizontal rule, or a table's delimiter row from a separator line; the parser can.
Returned as removals:

  md_code_block   a fenced code block (``` or ~~~): its fences, and its body when it is
                  code rather than prose (a fence around a quoted paragraph keeps it)
  md_setext       the ``===`` / ``---`` underline of a setext heading (the normalise stage
                  makes the line above a heading)
  md_table        a table's delimiter row and the pipes between its cells

Indented code blocks are left alone: in scraped text, indentation is layout, not code.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.textmap import line_spans

Span = tuple[int, int, str]
_PIPE = re.compile(r"(?<!\\)\|")


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # block structure only: the inline parse of every paragraph (a third of the time) adds nothing it reads
    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")


def looks_like_code(body: str) -> bool:
    """Code has many symbols and few words per line; prose the other way round."""
    visible = [ch for ch in body if not ch.isspace()]
    if not visible:
        return True
    symbols = sum(1 for ch in visible if not ch.isalnum())
    lines = [ln for ln in body.splitlines() if ln.strip()]
    ends = sum(1 for ln in lines if ln.rstrip().endswith((";", "{", "}", ")", ",", ":", "]", ">")))
    return symbols > 0.15 * len(visible) or ends >= 0.5 * max(len(lines), 1)


# a line that could be a setext underline or a table's delimiter row (CommonMark and markdown-it's table
# rule), also inside block quotes and list items: it starts, after all their markers (taken possessively:
# a list item "- text" is no candidate; "- " alone is an underline), with one of "-=:|"
_UNDERLINE_OR_DELIMITER = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t]+\S)|\d{1,9}[.)](?=[ \t])))*+[ \t]*[-=:|]", re.M)
# the same after a "\n": a match is a line's start (the regex engine tried re.M's ``^`` at every character)
_UNDERLINE_OR_DELIMITER_AFTER_BREAK = re.compile("\n" + _UNDERLINE_OR_DELIMITER.pattern[1:])


def _may_hold_blocks(text: str) -> bool:
    """False when the parser can find no code fence, setext heading or table in ``text``: no fence
    marker anywhere, and every line that could underline a heading or be a table's delimiter row
    comes after a blank line (both need a paragraph or header line right above; a lone ``---`` after
    a blank line is a thematic break). Most texts that reach the parse hold only such breaks."""
    if "```" in text or "~~~" in text or "\r" in text:   # (\r: a line break that ``^`` does not see)
        return True
    # (a candidate on the first line has no line above: only those after a line break are looked at; a match
    # stays on its line, so the same lines are found)
    for m in _UNDERLINE_OR_DELIMITER_AFTER_BREAK.finditer(text):
        start = m.start() + 1
        above = text[text.rfind("\n", 0, start - 1) + 1:start - 1]
        if above.strip(" \t"):   # markdown-it's blank line holds spaces and tabs only
            return True
    return False


# a line that may open or underline a block: ``^[ \t]*(?:```|~~~|=+[ \t]*$|-+[ \t]*$|\|)`` with re.M, tried at the
# text's start and after each "\n" (where re.M's ``^`` is; the regex engine tried ``^`` at every character)
_BLOCK_LINE = r"[ \t]*(?:```|~~~|=+[ \t]*(?=\n|\Z)|-+[ \t]*(?=\n|\Z)|\|)"
_BLOCK_AT = re.compile(_BLOCK_LINE)
_BLOCK_AFTER_BREAK = re.compile("\n" + _BLOCK_LINE)


def block_spans(text: str) -> list[Span]:
    """Code fences, setext underlines and table markup of a markdown text."""
    if not (_BLOCK_AT.match(text) or _BLOCK_AFTER_BREAK.search(text)) or not _may_hold_blocks(text):
        return []   # nothing the parser could add: skip the parse
    lines = line_spans(text)
    out: list[Span] = []
    tokens = _parser().parse(text)
    for i, tok in enumerate(tokens):
        if not tok.map or tok.map[0] >= len(lines):
            continue
        first, last = tok.map[0], min(tok.map[1], len(lines)) - 1
        if tok.type == "fence":
            body = tok.content
            if looks_like_code(body):
                out.append((lines[first][0], lines[last][1], "md_code_block"))
            else:
                out.append((lines[first][0], lines[first][1], "md_code_block"))
                closing = text[lines[last][0]:lines[last][1]].strip()
                if last > first and closing.startswith(tok.markup[:3]):
                    out.append((lines[last][0], lines[last][1], "md_code_block"))
        elif tok.type == "heading_open" and tok.markup in ("=", "-") and last > first:
            out.append((lines[last][0], lines[last][1], "md_setext"))
        elif tok.type == "table_open":
            out.append((lines[first + 1][0], lines[first + 1][1], "md_table"))     # |---|:-:|
            for n in range(first, last + 1):
                if n == first + 1:
                    continue
                s, e = lines[n]
                row = text[s:e]
                out.extend((s + m.start(), s + m.end(), "md_table") for m in _PIPE.finditer(row))
    return out
