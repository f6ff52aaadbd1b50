"""Paragraphs of an HTML page that trafilatura dropped but jusText keeps, put back in place.

trafilatura favours precision: a lead paragraph beside a hero image, an intro inside an
``<h5>``, a heading it took for navigation are lost. jusText classifies the same page with
the language's stoplist; a paragraph it calls good (long enough, running text) that is
missing from trafilatura's text is inserted before the next paragraph both kept (or after
the last one). A missing heading comes back only when the paragraph right after it is one
trafilatura kept, so menu titles ("Producten", "Onderwerpen") stay out.
"""
from __future__ import annotations

import unicodedata

MIN_CHARS = 70          # jusText's LENGTH_LOW: shorter paragraphs are good only by their neighbours


def _squash_map(text: str) -> tuple[str, list[int]]:
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                chars.append(c)
                index.append(i)
    return "".join(chars), index


def _squash(text: str) -> str:
    return _squash_map(text)[0]


def recover(html: str, text: str, stoplist_name: str, title: str | None = None) -> str:
    """``text`` with the good paragraphs it lacks inserted where the page has them (not the title)."""
    import justext

    try:
        paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist(stoplist_name))
    except Exception:   # jusText raises on pages lxml cannot parse; keep trafilatura's text then
        return text
    flat, index = _squash_map(text)
    found = []
    for p in paragraphs:
        sq = _squash(p.text)
        found.append(bool(sq) and sq in flat)
    inserts: list[tuple[int, str]] = []
    for i, p in enumerate(paragraphs):
        if p.class_type != "good" or found[i] or (title and _squash(p.text) == _squash(title)):
            continue
        nxt = next((j for j in range(i + 1, len(paragraphs)) if found[j]), None)
        if p.heading and len(p.text) < MIN_CHARS:     # a long "heading" is a paragraph set in <h5>
            if nxt != i + 1 or paragraphs[nxt].class_type != "good":
                continue
            piece = f"## {p.text}"
        elif len(p.text) >= MIN_CHARS:
            piece = p.text
        else:
            continue
        if nxt is not None:
            pos = index[flat.index(_squash(paragraphs[nxt].text))]
            pos = text.rfind("\n", 0, pos) + 1
        else:
            prev = next((j for j in range(i - 1, -1, -1) if found[j]), None)
            if prev is None:
                continue
            sq = _squash(paragraphs[prev].text)
            end = index[flat.index(sq) + len(sq) - 1]
            nl = text.find("\n", end)
            pos = len(text) if nl < 0 else nl + 1
        inserts.append((pos, i, piece))
    for pos, _, piece in sorted(inserts, reverse=True):   # from the end, so earlier positions hold
        sep_before = "" if pos == 0 or text[pos - 1] == "\n" else "\n"
        text = text[:pos] + sep_before + piece + "\n\n" + text[pos:]
    return text
