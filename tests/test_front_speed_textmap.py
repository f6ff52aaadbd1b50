"""The textmap shortcuts (issue 8) give what the long way gives: the whitespace test without the regex."""
from __future__ import annotations

import random
import re
import sys

from pipeline import textmap
from tests.conftest import article_texts

EDGES = ["", " ", "a  b", " a", "a ", "a\tb", "a\u00a0b", "a\u200bb", "a\u3000b", "a\u2028b", "a\x85b", "x\x1fy",
         "a \u2009b", "\x00 a"]


def _texts() -> list[str]:
    return article_texts() + EDGES


def test_only_the_space_of_all_whitespace_is_printable():
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        assert bool(re.match(r"\s", ch)) == ch.isspace()
        if ch.isspace() and ch != " ":
            assert not ch.isprintable(), hex(cp)


def test_single_spaced_is_the_regex_test():
    rng = random.Random(5)
    pieces = ["a", "b", " ", "  ", "\t", "\n", "\u00a0", "\u200b", "é", "\u2009", "x y", "\x00"]
    samples = EDGES + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    samples += [line for text in _texts() for line in text.splitlines()]
    for text in samples:
        assert textmap._single_spaced(text) == (not textmap._IRREGULAR_SPACE.search(text)), repr(text)


def test_views_of_lines_with_blanks_at_their_ends_are_the_char_by_char_views():
    rng = random.Random(9)
    texts = _texts() + ["  a b  ", "\ta b", "a b\t", " e\u0301 x ", "  \u212b  ", " \u00a0a\u00a0", "  ", "\t\t"]
    for raw in texts:
        spans = textmap.line_spans(raw) + [(s, min(len(raw), s + rng.randint(1, 90))) for s in
                                           rng.sample(range(len(raw)), min(40, len(raw)))]
        for start, end in spans:
            chars: list[str] = []
            index: list[int] = []
            textmap._chars(raw, start, end, chars, index, False)
            want = textmap._finish(chars, index)
            got = textmap.view(raw, start, end)
            assert (got.text, tuple(got.raw_index)) == (want.text, tuple(want.raw_index))


def test_views_with_removals_are_the_char_by_char_views():
    """Removals (entities among them) in lines with and without an "&": the path without entities to decode
    is taken only where no removal is one."""
    rng = random.Random(11)
    texts = _texts()[:40] + ["a &amp; b &eacute;x &#8220;q&#8221; & c", "x & y <b>z</b> &nbsp;w", "&&amp;&"]
    for raw in texts:
        for _ in range(60):
            start = rng.randint(0, len(raw))
            end = min(len(raw), start + rng.choice([1, 5, 40, 200]))
            removed = [(a, a + rng.randint(0, 7)) for a in rng.sample(range(len(raw) + 1), min(4, len(raw) + 1))]
            removed += [m.span() for m in textmap._ENTITY.finditer(raw, start, end)]
            want = _by_chars(raw, start, end, removed)
            got = textmap.view(raw, start, end, removed)
            assert (got.text, tuple(got.raw_index)) == want


def _by_chars(raw, start, end, removed):
    """The view the general way (every removal looked at, entities decoded, a character at a time)."""
    import html

    near = [(s, e) for s, e in removed if e > start and s < end]
    if textmap._cut_whole(raw, near, start, end):
        return "", ()
    subs = {s: (e, html.unescape(raw[s:e])) for s, e in near if s >= start and raw[s:s + 1] == "&"
            and textmap._ENTITY.fullmatch(raw, s, e)}
    cut = textmap._merge([(s, e) for s, e in near if subs.get(s, (None,))[0] != e])
    subs = {s: v for s, v in subs.items() if not any(a <= s < b for a, b in cut)}
    chars: list[str] = []
    index: list[int] = []
    pending = False
    pos = start
    for s, e in cut + [(end, end)]:
        i, stop = pos, max(pos, min(s, end))
        while i < stop:
            if i in subs:
                j, piece = subs[i]
                pending = textmap._chars(piece, 0, len(piece), chars, index, pending, i)
                i = j
            else:
                pending = textmap._chars(raw, i, i + 1, chars, index, pending)
                i += 1
        if s < end and e > s and chars:
            if raw[s] == "<":
                pending = "tag"
            elif raw.startswith(textmap._BREAK_ESCAPES, s):
                pending = True
        pos = max(pos, e)
    v = textmap._finish(chars, index)
    return v.text, tuple(v.raw_index)
