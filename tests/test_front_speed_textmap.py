"""The textmap shortcuts (issue 8) give what the long way gives: the whitespace test without the regex."""
from __future__ import annotations

import pathlib
import random
import re
import sys

from pipeline import textmap

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDGES = ["", " ", "a  b", " a", "a ", "a\tb", "a\u00a0b", "a\u200bb", "a\u3000b", "a\u2028b", "a\x85b", "x\x1fy",
         "a \u2009b", "\x00 a"]


def _texts() -> list[str]:
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths] + EDGES


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
