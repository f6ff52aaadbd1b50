"""normalise's shortcuts (issue 8) give what the long way gives: setext underlines looked for only in the lines
that a removal holding a "=" or "-" overlaps; block rows built as tuples."""
from __future__ import annotations

from pipeline.denoising.lines import SpanIndex, logical_lines
from pipeline.stages import denoise, normalise
from tests.conftest import article_texts

EXTRA = ["Title\n=====\nBody text here.", "Title\n  ---  \nBody", "A\n-\nB\n==\n\nC\n- item\n---", "x\n===",
         "Head\r\n----\r\nbody", "one\n\n---\ntwo"]


def _underlined_every_line(raw, lines, index):
    """The setext test at every line (the long way)."""
    out = {}
    if not any(raw.find("=", a, b) >= 0 or raw.find("-", a, b) >= 0 for a, b, _ in index.spans):
        return out
    for n in range(len(lines) - 1):
        s, e = lines[n + 1]
        under = raw[s:e].strip()
        if (under and under[0] in "=-" and under == under[0] * len(under) and raw[lines[n][0]:lines[n][1]].strip()
                and any(rs <= s + raw[s:e].index(under[0]) and re_ >= s + len(raw[s:e].rstrip())
                        for rs, re_, _ in index.overlapping(s, e))):
            out[n] = 1 if under[0] == "=" else 2
    return out


def test_setext_underlines_are_found_as_at_every_line():
    found = 0
    for raw in article_texts() + EXTRA:
        spans, _ = denoise.remove(raw, "id", [])
        removed = [(s, e, raw[s:e]) for s, e, _ in spans]
        lines = logical_lines(raw, removed)
        assert all(a[1] <= b[0] for a, b in zip(lines, lines[1:]))   # in order and apart: ends sorted
        index = SpanIndex(removed)
        want = _underlined_every_line(raw, lines, index)
        assert normalise._setext_underlined(raw, lines, index) == want
        # every removal that holds a "=" or "-" taken for an underline's: the lines it overlaps all looked at
        dashes = [(s, e, raw[s:e]) for s, e in ((m, m + 1) for m in range(len(raw)) if raw[m] in "=-")]
        index = SpanIndex(removed + dashes)
        assert normalise._setext_underlined(raw, lines, index) == _underlined_every_line(raw, lines, index)
        found += len(want)
    assert found


def test_block_rows_are_the_block_dicts():
    for raw in article_texts()[:20]:
        spans, _ = denoise.remove(raw, "id", [])
        removed = [(s, e, raw[s:e]) for s, e, _ in spans]
        rows = normalise._block_rows(raw, removed, normalise.Settings())
        assert normalise.blocks_of(raw, removed) == [dict(zip(normalise.schema.BLOCKS.names[1:], r)) for r in rows]
        assert all(set(b) == set(normalise.schema.BLOCKS.names[1:]) for b in normalise.blocks_of(raw, removed))
