"""The denoise shortcuts (issue 8) give what the long way gives: the stock-photo test skipped where the
lower-cased text holds none of the names; link texts found with compiled patterns."""
from __future__ import annotations

import pathlib
import re
import sys

from pipeline.stages import denoise
from pipeline.textmap import line_spans

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDGES = ["", " ", "foto: Shutterstock", "ISTOCKPHOTO", "Getty Images", "Foto: İstock", "pıxabay", "ſhutterſtock",
         "adobe stock", "123RF", "Foto: Unsplash\r\nx", "Fotó: DEPOSITPHOTOS.com", "KELVIN: \u212aSTOCK"]


def _texts() -> list[str]:
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths] + EDGES


def test_a_text_without_the_stock_names_has_no_stock_line():
    for text in _texts() + ["ẞ Foto: Shutterstock\nİstanbul: Getty Images", "Σ ΣΑΣ\nFoto: PIXABAY"]:
        names = denoise._stock_names(text)
        for s, e in line_spans(text):
            if denoise._STOCK.search(text[s:e]):   # the line is searched
                assert names is True or any(names.find(key, s, e) >= 0 for key in denoise._STOCK_KEYS), text[s:e]
    for alternative in ("shutterstock", "stockphoto", "stock photo", "istockphoto", "istock", "gettyimages",
                        "getty images", "depositphotos", "unsplash", "pexels", "adobestock", "adobe stock", "fotolia",
                        "123rf", "dreamstime", "freepik", "pixabay"):
        for variant in (alternative, alternative.upper(), alternative.title()):
            text = f"Foto: {variant}"
            assert denoise._STOCK.search(text) and denoise._may_hold_stock(text)
    # every alternative of the pattern holds a key
    body = denoise._STOCK.pattern.split("(?:")[1].split(")")[0]
    for alternative in body.split("|"):
        plain = alternative.replace("i?", "").replace(" ?", "")
        assert any(key in plain for key in denoise._STOCK_KEYS), alternative


def test_the_only_characters_re_ignorecase_takes_for_a_stock_letter_that_lower_does_not_give():
    letters = set("".join(denoise._STOCK_KEYS))
    odd = set()
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch.lower() == ch and ch.upper() == ch and ch.casefold() == ch and cp not in (0x130, 0x131, 0x17f):
            continue    # (re.IGNORECASE takes a character for another only where it has a case)
        for letter in letters:
            if ch.lower() != letter and re.fullmatch(re.escape(letter), ch, re.I):
                odd.add(ch)
    assert odd == set(denoise._STOCK_UNLOWERED)


def test_line_spans_for_is_the_long_way(monkeypatch):
    settings = denoise.Settings()
    texts = _texts() + ["Foto: Shutterstock\nIlustrasi: Getty Images\n\nTeks biasa.", "Fot. iStock / Getty Images Plus",
                        "ẞ Foto: Shutterstock\nİstanbul: Getty Images", "Σ ΣΑΣ\nFoto: PIXABAY"]
    for code in ("id", "pl", "nl"):
        for text in texts:
            got = denoise.line_spans_for(text, code, frozenset(), settings)
            with monkeypatch.context() as m:   # the long way: every short line searched
                m.setattr(denoise, "_stock_names", lambda text: True)
                want = denoise.line_spans_for(text, code, frozenset(), settings)
            assert got == want


def _link_texts_long_way(raw, spans):
    marks = sorted((s, e) for s, e, r in spans if r in ("md_link", "html_tag"))
    out = []
    for (s1, e1), (s2, e2) in zip(marks, marks[1:]):
        a, b = raw[s1:e1], raw[s2:e2]
        if (a == "[" and b.startswith("]")) or (re.match(r"<a\b", a, re.I) and re.match(r"</a\b", b, re.I)):
            out.append((e1, s2))
    return out


def test_link_texts_are_the_long_ways():
    texts = _texts() + ['<a href="x">tekst</a> [link](http://a.b) <A>x</A> <a>y</ab> <abbr>z</abbr> [a][b] []()',
                        "<a\n>q</a >", "[x] (y) ]"]
    for raw in texts:
        spans, _ = denoise.remove(raw, "id", [])
        assert denoise._link_texts(raw, spans) == _link_texts_long_way(raw, spans)
        extra = spans + [(0, 0, "md_link"), (len(raw), len(raw), "html_tag")]
        assert denoise._link_texts(raw, extra) == _link_texts_long_way(raw, extra)
