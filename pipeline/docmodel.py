"""One document as extractors see it: raw text, language, blocks and sentences.

Built from the stage tables; extractors are plain functions ``DocContext -> list[Item]``
and never touch Arrow or files, so they are tested on any snippet via ``from_text``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.textmap import TextView, stable_hash, view


@dataclass(frozen=True)
class Sentence:
    idx: int
    block_idx: int
    start_char: int     # raw offsets
    end_char: int
    text: str
    offset: int         # where the sentence starts in its block's text


@dataclass
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

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of ``text[start:end]``."""
        return self.view.raw_span(start, end)


@dataclass
class DocContext:
    doc_id: str
    lang: str
    title: str | None
    raw_text: str
    blocks: list[Block]

    def children(self, idx: int) -> list[Block]:
        return [b for b in self.blocks if b.parent_idx == idx]

    def section(self, heading_idx: int) -> list[Block]:
        """The blocks after a heading up to the next heading of the same or a higher level."""
        head = self.blocks[heading_idx]
        out = []
        for b in self.blocks[heading_idx + 1:]:
            if b.kind == "heading" and b.level <= head.level:
                break
            out.append(b)
        return out

    def item(self, kind: str, block: Block, start: int, end: int, extractor: str, **fields) -> dict:
        """An items row for ``block.text[start:end]`` (offsets mapped to the raw text)."""
        text = block.text[start:end].strip()
        lead = len(block.text[start:end]) - len(block.text[start:end].lstrip())
        s, e = block.raw_span(start + lead, start + lead + len(text))
        return {
            "item_id": stable_hash(self.doc_id, kind, s, e, text, fields.get("entity") or ""),
            "doc_id": self.doc_id, "kind": kind, "lang": self.lang, "text": text,
            "start_char": s, "end_char": e, "block_idx": block.idx, "extractor": extractor, **fields,
        }


def build(doc_id: str, lang: str, title: str | None, raw_text: str, blocks: list[dict],
          sentences: list[dict], removed: list[tuple[int, int]]) -> DocContext:
    """A DocContext from rows of the blocks and sentences tables of one document."""
    out: list[Block] = []
    for b in sorted(blocks, key=lambda r: r["block_idx"]):
        v = view(raw_text, b["start_char"], b["end_char"], removed)
        out.append(Block(b["block_idx"], b["kind"], b["level"], b["parent_idx"], b["marker"], b["number"],
                         b["start_char"], b["end_char"], v.text, v))
    by_idx = {b.idx: b for b in out}
    for s in sorted(sentences, key=lambda r: r["sent_idx"]):
        blk = by_idx.get(s["block_idx"])
        if blk is None:
            continue
        offset = next((i for i, r in enumerate(blk.view.raw_index) if r >= s["start_char"]), 0)
        blk.sentences.append(Sentence(s["sent_idx"], s["block_idx"], s["start_char"], s["end_char"],
                                      s["text"], offset))
    return DocContext(doc_id, lang, title, raw_text, out)


def from_text(text: str, lang: str, title: str | None = None) -> DocContext:
    """Run ingest-free de-noise, normalise and segment on a snippet: for tests and notebooks."""
    from pipeline.stages import denoise, normalise, segment

    spans, _ = denoise.remove(text, lang, [])
    removed3 = [(s, e, text[s:e]) for s, e, _ in spans]
    blocks = normalise.blocks_of(text, removed3)
    removed = [(s, e) for s, e, _ in spans]
    sents = segment.sentences_of(text, blocks, removed, lang)
    return build("snippet", lang, title, text, blocks, sents, removed)
