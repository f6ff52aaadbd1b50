"""The quicker forms of text helpers in ingest, langid, denoise and normalise give what the plain forms
give, on the real articles (the sample, holdout and development corpora) and on hand-made edge cases."""
from __future__ import annotations

import pathlib
import re

import pytest

from pipeline.denoising import furniture
from pipeline.denoising.lines import SpanIndex, logical_lines
from pipeline.stages import denoise, langid, normalise
from pipeline.textmap import ends_with, line_key, line_spans, stable_hash, view, view_text

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDGES = ["", "\n", "a\n", "a\r\nb\rc\n\n", "  {: .x}\n", "x {.cls}  \n", "Nama (https://a.b/c(d)) ok",
         "Tekst\u2028dalej\x85koniec", "ŁÓDŹ 12,5% — ok_x", "\ufeffzero\u200bwidth", "&eacute;t&#233; {#id}"]


def _texts() -> list[str]:
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths if p.suffix != ".md" or p.stem != "SOURCES"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts() + EDGES


def test_line_spans_and_keys(texts):
    pattern = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|$)")
    for text in texts + [t.replace("\n", "\r\n") for t in texts[:5]]:
        want = [m.span(1) for m in pattern.finditer(text)]
        if want and want[-1][0] == len(text):
            want.pop()
        assert line_spans(text) == want
        for s, e in want:
            norm = re.sub(r"\s+", " ", re.sub(r"\d", "0", text[s:e].casefold())).strip()
            assert line_key(text[s:e]) == (stable_hash(norm, length=12) if norm else None)


def test_view_text_is_the_views_text(texts):
    for text in texts:
        spans, _ = denoise.remove(text, "id", [])
        index = SpanIndex([(s, e) for s, e, _ in spans])
        for s, e in logical_lines(text, [(s, e, text[s:e]) for s, e, _ in spans]):
            near = index.overlapping(s, e)
            assert view_text(text, s, e, near) == view(text, s, e, near).text


def test_markup_patterns_find_what_finditer_finds(texts):
    for text in texts:
        for _, pattern, _ in denoise.MARKUP_RULES:
            assert [m.span() for m in denoise._finditer(pattern, text)] == [m.span() for m in pattern.finditer(text)]


def test_letters_and_line_ends(texts):
    not_letter = re.compile(r"[\W\d_]+")
    for text in texts:
        for line in text.splitlines() + [text]:
            assert langid.letters(line) == len(not_letter.sub("", line))
            for pattern in (langid._OPEN_END, furniture._END_PUNCT, normalise._END_PUNCT):
                assert ends_with(pattern, line) == bool(pattern.search(line))
    for text in texts:
        assert langid._unmarked_lines(text) == [langid._MARKUP.sub(" ", line) for line in text.splitlines()]


def test_a_paragraph_line_is_open_ended_by_its_last_character(texts):
    """langid.paragraph_groups reads a stripped line's open end from its last character (not _OPEN_END)."""
    lines = {line.strip() for text in texts for line in text.splitlines()} | {"a)", "b…", "c »", "d\u00a0", "e,"}
    for text in filter(None, (line.strip() for line in lines)):
        assert (text[-1] not in langid._STOPS) == bool(langid._OPEN_END.search(text)), text
