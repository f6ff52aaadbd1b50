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


def _classify_every_pattern(v, removed_here, indent, settings):
    """_classify trying every pattern on every line (the long way)."""
    import re

    n = normalise
    text = v.text
    html = " ".join(removed_here)
    if m := n._MD_HEADING.match(text):
        number = int(m.group(2) or m.group(3)) if (m.group(2) or m.group(3)) else None
        return "heading", len(m.group(1)), m.group(0).strip(), number, n._strip(v, m.end())
    if html and (m := n._HTML_HEADING.search(html)):
        return "heading", int(m.group(1)), f"<h{m.group(1)}>", None, v
    short = len(text) <= settings.max_heading_chars
    if (m := n._LABELLED.match(text)) and short:
        return "heading", 2, m.group(0).strip(), int(m.group(2)), n._strip(v, m.end())
    if (m := n._NUMBERED.match(text)) and short and not text.endswith((".", ",", ";")):
        return "heading", 2, m.group(0).strip(), int(m.group(1)), n._strip(v, m.end())
    if m := n._BULLET.match(text):
        num = re.match(r"\d+", m.group(1))
        return ("list_item", 1 + indent // settings.indent_per_level, m.group(1), int(num.group()) if num else None,
                n._strip(v, m.end()))
    if html and n._HTML_LIST.search(html):
        return "list_item", 1, "<li>", None, v
    if text.startswith(">"):
        return "quote", 1, ">", None, n._strip(v, 1)
    if (m := n._QUOTED.match(text)) and len(text) > 3:
        return "quote", 1, m.group(1), None, n._unquote(v)
    return "paragraph", 0, None, None, v


def test_lines_are_classified_as_by_every_pattern():
    from pipeline.textmap import view

    settings = normalise.Settings()
    edges = ["# 4: Judul", "#Tag", "12. Langkah", "١٢. x y", "² item", "• satu", "- dua", "– tiga", "3) empat",
             "> kutipan", "\"Kutipan\" kata", "“Cytat”", "'ab'", "''", "Mitos 1: x", "MITOS #2 - y", "", " ", "x"]
    samples = [(t, []) for t in edges] + [(t, ["<h2>"]) for t in edges[:4]] + [(t, ["<li>"]) for t in edges[:6]]
    for raw in article_texts():
        samples += [(line, []) for line in raw.splitlines()]
    for text, here in samples:
        v = view(text)
        for indent in (0, 4):
            assert normalise._classify(v, here, indent, settings) == _classify_every_pattern(v, here, indent, settings)
