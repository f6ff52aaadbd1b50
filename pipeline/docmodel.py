"""One document as extractors see it: raw text, language, blocks and sentences.

Built from the stage tables (``build``); extractors are plain functions of a
``DocContext`` and never touch Arrow or files. To get one from a snippet of text, run
the stages on it: ``pipeline.stages.extract.doc_from_text``.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from pipeline.denoising.lines import SpanIndex
from pipeline.textmap import TextView, view


class Sentence(NamedTuple):
    """A sentence of a block (a named tuple, not a frozen dataclass: a document has hundreds, built in a loop)."""
    idx: int
    block_idx: int
    start_char: int     # raw offsets
    end_char: int
    text: str
    offset: int         # where the sentence starts in its block's text


@dataclass(eq=False)    # compared and hashed by identity: a block is one place in one document
class Block:
    idx: int
    kind: str           # heading | paragraph | list_item | quote
    level: int
    parent_idx: int
    marker: str | None
    number: int | None
    start_char: int
    end_char: int
    text: str
    view: TextView
    sentences: list[Sentence] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)   # views derived once (extract.spans)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of ``text[start:end]``."""
        return self.view.raw_span(start, end)


@dataclass(eq=False)
class DocContext:
    doc_id: str
    lang: str
    title: str | None
    raw_text: str
    blocks: list[Block]
    memo: dict[str, Any] = field(default_factory=dict, repr=False)   # document-wide views derived once

    def section(self, heading_idx: int) -> list[Block]:
        """The blocks after a heading up to the next heading of the same or a higher level."""
        key = f"section:{heading_idx}"
        if key not in self.memo:
            head = self.blocks[heading_idx]
            out = []
            for b in self.blocks[heading_idx + 1:]:
                if b.kind == "heading" and b.level <= head.level:
                    break
                out.append(b)
            self.memo[key] = out
        return self.memo[key]


def build(doc_id: str, lang: str, title: str | None, raw_text: str, blocks: list[dict],
          sentences: list[dict], removed: list[tuple[int, int]]) -> DocContext:
    """A DocContext from rows of the blocks and sentences tables of one document."""
    return build_from_tuples(doc_id, lang, title, raw_text, [itemgetter(*BLOCK_FIELDS)(b) for b in blocks],
                             [itemgetter(*SENTENCE_FIELDS)(s) for s in sentences], removed)


# the columns of a block and of a sentence that :func:`build_from_tuples` reads, in the order it reads them
BLOCK_FIELDS = ("block_idx", "kind", "level", "parent_idx", "marker", "number", "start_char", "end_char")
SENTENCE_FIELDS = ("sent_idx", "block_idx", "start_char", "end_char", "text")


def build_from_tuples(doc_id: str, lang: str, title: str | None, raw_text: str, blocks: list[tuple],
                      sentences: list[tuple], removed: list[tuple[int, int]]) -> DocContext:
    """:func:`build` from rows as tuples of the ``BLOCK_FIELDS`` and ``SENTENCE_FIELDS`` (the extract stage reads
    the tables column by column: no dict per row)."""
    out: list[Block] = []
    index = SpanIndex(removed)      # each block looks only at the removals that touch it
    for idx, kind, level, parent_idx, marker, number, start, end in sorted(blocks, key=_first):
        v = view(raw_text, start, end, index.overlapping(start, end))
        out.append(Block(idx, kind, level, parent_idx, marker, number, start, end, v.text, v))
    by_idx = {b.idx: b for b in out}
    blk: Block | None = None
    for row in sorted(sentences, key=_first):
        block_idx, start = row[1], row[2]
        if blk is None or blk.idx != block_idx:   # (a block's sentences come together)
            blk = by_idx.get(block_idx)
            if blk is None:
                continue
            raw_index = blk.view.raw_index
            counted = type(raw_index) is range and raw_index.step == 1
            first, n = (raw_index.start if counted else 0), len(raw_index)
        # the first text position at or after the sentence's raw start (raw_index is sorted): counted where
        # each character is at its own offset (most blocks), else searched
        offset = min(max(start - first, 0), n) if counted else bisect_left(raw_index, start)
        blk.sentences.append(_new_sentence(Sentence, (*row, offset if offset < n else 0)))
    return DocContext(doc_id, lang, title, raw_text, out)


_new_sentence = tuple.__new__   # (what Sentence(...) does, without its Python-level __new__)


_first = itemgetter(0)
