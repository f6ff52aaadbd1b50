"""Logical lines: raw lines split where a removal stood for a line break.

A code string holds its paragraphs on one raw line, separated by ``\\n`` escapes; HTML kept
in a text may put several paragraphs on one line (``<p>..</p><p>..</p>``, ``<br>``). Once
those are removed, the text between them is still separate lines of the article, and the
block structure (headings, paragraphs) must see them so.
"""
from __future__ import annotations

import bisect
import re
from typing import Sequence

from pipeline.textmap import line_spans

_ESCAPED_BREAK = re.compile(r"(?:\\[nr])+")
_BLOCK_TAGS = r"p|div|li|ul|ol|h[1-6]|blockquote|section|article|tr|table|dt|dd|figcaption"
_OPENING = re.compile(rf"<(?:{_BLOCK_TAGS})\b[^>]*>", re.I)
_CLOSING = re.compile(rf"</(?:{_BLOCK_TAGS})\s*>|<br\s*/?>", re.I)


def logical_lines(raw: str, removed: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """(start, end) raw spans of the lines of ``raw``, split at removed breaks.

    ``removed`` holds (start, end, text) of the removals; an escaped ``\\n`` splits around
    itself, an opening block tag starts a new line, a closing one or ``<br>`` ends one.
    """
    cuts = sorted((s, e, t) for s, e, t in removed if e > s and (
        _ESCAPED_BREAK.fullmatch(t) or _OPENING.fullmatch(t) or _CLOSING.fullmatch(t)))
    out: list[tuple[int, int]] = []
    k = 0
    for s, e in line_spans(raw):
        while k < len(cuts) and cuts[k][0] < s:
            k += 1
        pos = s
        j = k
        while j < len(cuts) and cuts[j][1] <= e:
            cs, ce, text = cuts[j]
            if _ESCAPED_BREAK.fullmatch(text):
                out.append((pos, cs))
                pos = ce
            elif _OPENING.fullmatch(text):
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
        self.spans = sorted(spans, key=lambda x: (x[0], x[1]))
        self.starts = [sp[0] for sp in self.spans]
        self.max_end: list[int] = []
        high = -1
        for sp in self.spans:
            high = max(high, sp[1])
            self.max_end.append(high)

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
