"""segment: blocks -> sentences, with spaCy's blank id/pl/nl pipelines and a sentencizer (``pipeline.nlp``).

Sentence offsets point into ``raw_text`` through the block's text view.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pipeline import schema
from pipeline.denoising.lines import SpanIndex
from pipeline.spacy_blank import pipeline as nlp_for, sentence_punct, sentence_punct_chars, sentence_spans
from pipeline.textmap import view

NAME = "segment"


@dataclass(frozen=True)
class Settings:
    batch_size: int = 256


def sentences_of(raw: str, blocks: list[dict], removed: list[tuple[int, int]], lang: str,
                 batch_size: int = 256) -> list[dict]:
    """Sentence rows (without doc_id) of one document's blocks."""
    index = SpanIndex(removed)      # each block looks only at the removals that touch it
    views = [view(raw, b["start_char"], b["end_char"], index.overlapping(b["start_char"], b["end_char"]))
             for b in blocks]
    rows: list[dict] = []
    tokenizer, punct = nlp_for(lang).tokenizer, sentence_punct(lang)   # (the sentencizer's rule: sentence_spans)
    text_punct = sentence_punct_chars(lang)
    for b, v, sdoc in zip(blocks, views, tokenizer.pipe((v.text for v in views), batch_size=batch_size)):
        for sent_start, sent_end in sentence_spans(sdoc, punct, text_punct, v.text):
            sent = v.text[sent_start:sent_end]
            text = sent.strip()
            if not text:
                continue
            lead = len(sent) - len(sent.lstrip())
            start, end = v.raw_span(sent_start + lead, sent_start + lead + len(text))
            rows.append({"sent_idx": len(rows), "block_idx": b["block_idx"],
                         "start_char": start, "end_char": end, "text": text})
    return rows


def run(documents: pa.Table, languages: pa.Table, blocks: pa.Table, removed_spans: pa.Table,
        settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + languages + blocks + removed_spans -> {sentences}."""
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    removed = {d: [(r["start_char"], r["end_char"]) for r in rows]
               for d, rows in schema.rows_by_doc(removed_spans, ["doc_id", "start_char", "end_char"]).items()}
    blocks_by_doc = schema.rows_by_doc(blocks)
    rows = []
    for doc in documents.select(["doc_id", "raw_text"]).to_pylist():
        doc_id = doc["doc_id"]
        for r in sentences_of(doc["raw_text"], blocks_by_doc.get(doc_id, []), removed.get(doc_id, []),
                              lang_of[doc_id], settings.batch_size):
            rows.append({"doc_id": doc_id, **r})
    return {"sentences": schema.table(rows, schema.SENTENCES)}
