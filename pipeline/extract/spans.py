"""What every extractor cuts text with: sentence spans, clipping, and the item cap.

- :data:`MAX_ITEM_CHARS`: no item text is longer (the scorers count a longer one as wrong).
- :func:`sentences`: a block's sentences with the sentencizer's wrong splits mended.
- :func:`clip`: at most ``MAX_ITEM_CHARS`` of a sentence around a span, cut at clause or
  word ends.
- :func:`first_sentences` / :func:`detail_text`: the answer or body attached to an item.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from pipeline.docmodel import Block, DocContext
from pipeline.nlp import TEXT_CACHE

if TYPE_CHECKING:
    from pipeline.extract.items import Item

MAX_ITEM_CHARS = 400        # longer items score as wrong: never emit them

_WORD = re.compile(r"\w[\w'’-]*")
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)\W*$")


class Span:
    """A sentence of a block: ``block.text[start:end]``; splits after abbreviations mended. A plain class: one is made
    per sentence of every document."""

    __slots__ = ("block", "start", "end", "idx", "start_char", "text")

    def __init__(self, block: Block, start: int, end: int, idx: int, start_char: int, text: str | None = None):
        self.block = block
        self.start = start
        self.end = end
        self.idx = idx                  # document index of its first sentence
        self.start_char = start_char    # raw offset of its first sentence
        # one string per sentence (``text``: block.text[start:end], when the caller has it): the extractors'
        # per-text caches then hash it once
        self.text: str = block.text[start:end] if text is None else text

    def _key(self) -> tuple[object, ...]:
        return (self.block, self.start, self.end, self.idx, self.start_char)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Span(block={self.block!r}, start={self.start!r}, end={self.end!r}, idx={self.idx!r}, "
                f"start_char={self.start_char!r})")


def sentences(block: Block) -> tuple[Span, ...]:
    """The sentences of ``block`` (the whole text when the segmenter gave none).

    Mends the sentencizer's splits after abbreviations and inside numbers: a piece that
    leaves a parenthesis open, or a next piece that starts in lower case or with a digit
    after a digit (``Web 2.`` ``0 stworzył``) or after a short lower-case abbreviation (``ok.``
    ``30 osób``), is joined to the next one.
    """
    found = block.memo.get("sentences")
    if found is None:
        found = block.memo["sentences"] = _mended(block)
    return found


# a short lower-case word with a full stop before a number: "ok. 30 osób", "ca. 200 klanten", "kl. 3"
_SHORT_ABBREVIATION = re.compile(r"(?:^|[\s(])[^\W\d_A-Z]{1,3}\.\s*$")


def _mended(b: Block) -> tuple[Span, ...]:
    text = b.text
    if not b.sentences:
        return (Span(b, 0, len(text), -1, b.start_char, text),) if text else ()
    out: list[Span] = []
    # the piece being built: (start, end, idx, start_char), its text; a Span once the next piece does not join it
    start = end = idx = start_char = 0
    prev = ""
    first = True
    find = text.find
    for sent in b.sentences:
        # where the sentence starts in the block's text (its mapped offset, give or take a character, else anywhere);
        # found, its text is the sentence's own
        piece = sent.text
        hint = sent.offset
        at = find(piece, hint - 2 if hint > 2 else 0)
        if at < 0:
            at = find(piece)
        if at >= 0:
            nxt = piece
        else:
            at = hint
            nxt = text[at:at + len(piece)]
        at_end = at + len(piece)
        if not first:
            if (prev.count("(") > prev.count(")") or nxt[:1].islower()
                    or (nxt[:1].isdigit() and (prev[-2:-1].isdigit() or _SHORT_ABBREVIATION.search(prev)))):
                end = at_end
                prev = text[start:end]
                continue
            out.append(Span(b, start, end, idx, start_char, prev))
        start, end, idx, start_char, prev = at, at_end, sent.idx, sent.start_char, nxt
        first = False
    out.append(Span(b, start, end, idx, start_char, prev))
    return tuple(out)


def sentence_texts(blocks: list[Block]) -> list[str]:
    """The sentences of ``blocks`` in order; a heading is one sentence."""
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            out.append(b.text)
        else:
            out.extend(s.text for s in sentences(b))
    return out


def clip(text: str, start: int, end: int, limit: int = MAX_ITEM_CHARS) -> tuple[int, int]:
    """A span of ``text`` of at most ``limit`` chars around ``text[start:end]``, cut at clause or word ends."""
    if len(text) <= limit:
        return 0, len(text)
    # prefer the clause (between ; or :) around the span
    lo = max(text.rfind(c, 0, start) for c in ";:")
    hi = min((i for i in (text.find(c, end) for c in ";:") if i >= 0), default=len(text))
    lo = lo + 1 if lo >= 0 else 0
    if hi - lo > limit:
        room = max(0, limit - (end - start))
        lo = max(lo, start - room // 2)
        hi = min(hi, lo + limit)
        lo = max(0, hi - limit)
        while lo > 0 and lo < start and not text[lo - 1].isspace():
            lo += 1
        while hi < len(text) and hi > end and not text[hi].isspace():
            hi -= 1
    return lo, hi


def first_sentences(texts: list[str], limit: int) -> tuple[str | None, str | None]:
    """(the first sentences of ``texts`` within ``limit`` characters, the rest)."""
    texts = [t.strip().lstrip("-–—:;,. ").strip() for t in texts if t]
    texts = [t for t in texts if t]
    if not texts:
        return None, None
    head: list[str] = []
    size = 0
    i = 0
    for i, t in enumerate(texts):
        if head and size + 1 + len(t) > limit:
            break
        head.append(t)
        size += len(t) + 1
    else:
        i = len(texts)
    first = " ".join(head)
    if len(first) > limit:
        cut = first.rfind(" ", 0, limit - 1)
        first = first[:cut if cut > limit // 2 else limit - 1].rstrip() + "…"
    rest = " ".join(texts[i:]) or None
    return first, rest


def detail_text(texts: list[str], limit: int) -> str | None:
    """``texts`` joined, cut at a word end within ``limit`` characters; None when empty."""
    t = " ".join(x.strip() for x in texts if x and x.strip())
    if not t:
        return None
    return t if len(t) <= limit else t[:limit].rsplit(" ", 1)[0] + "…"


@lru_cache(maxsize=TEXT_CACHE)
def words(text: str | None) -> list[str]:
    """The words of ``text`` (remembered: the extractors count the words of every sentence, several times;
    the list is shared, do not change it)."""
    return _WORD.findall(text or "")


@lru_cache(maxsize=TEXT_CACHE)
def is_question(text: str) -> bool:
    """A question, possibly followed by a parenthesis: ``Jaka jest twoja konkurencja? (...)``."""
    if "?" not in text:
        return False    # (most texts: no need of the regex)
    t = _TRAILING_PARENTHESIS.sub("", text.strip())
    return t.rstrip(" \"”»'’)…").endswith("?")


def overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def block_spans(doc: DocContext, items: Sequence[Item]) -> dict[int, list[tuple[int, int]]]:
    """Block index -> the spans of its text that ``items`` hold (their raw offsets mapped back)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for it in items:
        raw_index = doc.blocks[it.block_idx].view.raw_index
        start = bisect.bisect_left(raw_index, it.start_char)
        end = bisect.bisect_left(raw_index, it.end_char)
        out.setdefault(it.block_idx, []).append((start, end))
    return out
