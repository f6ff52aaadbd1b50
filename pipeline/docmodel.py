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
    out: list[Block] = []
    index = SpanIndex(removed)      # each block looks only at the removals that touch it
    for b in sorted(blocks, key=itemgetter("block_idx")):
        start, end = b["start_char"], b["end_char"]
        v = view(raw_text, start, end, index.overlapping(start, end))
        out.append(Block(b["block_idx"], b["kind"], b["level"], b["parent_idx"], b["marker"], b["number"],
                         start, end, v.text, v))
    by_idx = {b.idx: b for b in out}
    for s in sorted(sentences, key=itemgetter("sent_idx")):
        block_idx = s["block_idx"]
        blk = by_idx.get(block_idx)
        if blk is None:
            continue
        # the first text position at or after the sentence's raw start (raw_index is sorted)
        raw_index, start = blk.view.raw_index, s["start_char"]
        offset = _first_at_or_after(raw_index, start)
        blk.sentences.append(Sentence(s["sent_idx"], block_idx, start, s["end_char"], s["text"],
                                      offset if offset < len(raw_index) else 0))
    return DocContext(doc_id, lang, title, raw_text, out)


def _first_at_or_after(raw_index, start: int) -> int:
    """``bisect_left(raw_index, start)``; counted, not searched, where the offsets are a range of step 1 (most
    blocks: each character at its own offset)."""
    if type(raw_index) is range and raw_index.step == 1:
        return min(max(start - raw_index.start, 0), len(raw_index))
    return bisect_left(raw_index, start)
