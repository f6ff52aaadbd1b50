"""Logical lines: raw lines split where a removal stood for a line break.

A code string holds its paragraphs on one raw line, separated by ``\\n`` escapes; HTML kept
in a text may put several paragraphs on one line (``<p>..</p><p>..</p>``, ``<br>``). Once
those are removed, the text between them is still separate lines of the article, and the
block structure (headings, paragraphs) must see them so.
"""
from __future__ import annotations

import bisect
import re
from itertools import accumulate
from operator import itemgetter
from typing import Sequence

from pipeline.textmap import line_spans

_ESCAPED_BREAK = re.compile(r"(?:\\[nr])+")
_BLOCK_TAGS = r"p|div|li|ul|ol|h[1-6]|blockquote|section|article|tr|table|dt|dd|figcaption"
_OPENING = re.compile(rf"<(?:{_BLOCK_TAGS})\b[^>]*>", re.I)
_CLOSING = re.compile(rf"</(?:{_BLOCK_TAGS})\s*>|<br\s*/?>", re.I)


def logical_lines(raw: str, removed: list[tuple[int, int, str]], lines: list[tuple[int, int]] | None = None
                  ) -> list[tuple[int, int]]:
    """(start, end) raw spans of the lines of ``raw``, split at removed breaks.

    ``removed`` holds (start, end, text) of the removals; an escaped ``\\n`` splits around
    itself, an opening block tag starts a new line, a closing one or ``<br>`` ends one.
    ``lines`` is ``line_spans(raw)`` when the caller has it already.
    """
    return split_lines(lines if lines is not None else line_spans(raw), break_cuts(removed))


def break_cuts(removed: list[tuple[int, int, str]]) -> list[tuple[int, int, int]]:
    """The removals that stand for line breaks, sorted, as (start, end, kind): ``_ESCAPE``, ``_OPEN``
    or ``_CLOSE``. The cuts of several lists of removals are the sorted union of theirs."""
    cuts = []
    for s, e, t in removed:
        # every break is an escape (starts with a backslash) or a tag (with "<"): one test for the rest
        if e > s and t[:1] in _BREAK_STARTS:
            if _ESCAPED_BREAK.fullmatch(t):
                cuts.append((s, e, _ESCAPE))
            elif _OPENING.fullmatch(t):
                cuts.append((s, e, _OPEN))
            elif _CLOSING.fullmatch(t):
                cuts.append((s, e, _CLOSE))
    cuts.sort()
    return cuts


_BREAK_STARTS = ("<", "\\")


def raw_break_cuts(raw: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, int]]:
    """:func:`break_cuts` of removals given as raw spans (start, end, rule): their texts are ``raw[start:end]``."""
    cuts = []
    for s, e, _ in spans:
        if e > s and raw.startswith(_BREAK_STARTS, s):
            if _ESCAPED_BREAK.fullmatch(raw, s, e):
                cuts.append((s, e, _ESCAPE))
            elif _OPENING.fullmatch(raw, s, e):
                cuts.append((s, e, _OPEN))
            elif _CLOSING.fullmatch(raw, s, e):
                cuts.append((s, e, _CLOSE))
    cuts.sort()
    return cuts
_ESCAPE, _OPEN, _CLOSE = 0, 1, 2


def split_lines(lines: list[tuple[int, int]], cuts: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """:func:`logical_lines` of the raw ``lines`` (``line_spans``) and the ``break_cuts`` of the removals."""
    if not cuts:
        return list(lines)
    out: list[tuple[int, int]] = []
    k = 0
    n_cuts = len(cuts)
    for s, e in lines:
        while k < n_cuts and cuts[k][0] < s:
            k += 1
        pos = s
        j = k
        while j < n_cuts and cuts[j][1] <= e:
            cs, ce, kind = cuts[j]
            if kind == _ESCAPE:
                out.append((pos, cs))
                pos = ce
            elif kind == _OPEN:
                if cs > pos:
                    out.append((pos, cs))
                pos = cs
            else:
                out.append((pos, ce))
                pos = ce
            j += 1
        out.append((pos, e))
    return out


class SpanIndex:
    """Removed spans indexed by position, so each line looks only at the spans that touch it
    (a view per line over all spans of a long document would be quadratic)."""

    def __init__(self, spans: Sequence[tuple]):
        self.spans = sorted(spans, key=itemgetter(0, 1))
        self.starts = list(map(itemgetter(0), self.spans))
        self.max_end: list[int] = list(accumulate(map(itemgetter(1), self.spans), max))   # the furthest end so far

    def covers(self, start: int, end: int) -> bool:
        """Whether one span covers all of ``[start, end)`` (``span.start <= start`` and ``span.end >= end``)."""
        j = bisect.bisect_right(self.starts, start) - 1
        return j >= 0 and self.max_end[j] >= end

    def overlapping(self, start: int, end: int) -> list:
        """The spans with ``span.start < end`` and ``span.end > start``, in order."""
        hi = bisect.bisect_left(self.starts, end)
        out = []
        j = hi - 1
        while j >= 0 and self.max_end[j] > start:
            if self.spans[j][1] > start:
                out.append(self.spans[j])
            j -= 1
        out.reverse()
        return out
