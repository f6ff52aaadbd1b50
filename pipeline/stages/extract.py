"""extract: blocks + sentences -> typed items (myths, tips, statistics, cited examples).

Each kind has its own module in ``pipeline/extract/``; this stage builds a
``DocContext`` per document and concatenates what the extractors return.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pipeline import schema
from pipeline.docmodel import build
from pipeline.extract import examples, myths, statistics, tips

NAME = "extract"

EXTRACTORS = {
    "myth": myths.extract,
    "tip": tips.extract,
    "statistic": statistics.extract,
    "example": examples.extract,
}


@dataclass(frozen=True)
class Settings:
    kinds: tuple[str, ...] = tuple(EXTRACTORS)


def _group(table: pa.Table) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in table.to_pylist():
        out.setdefault(r["doc_id"], []).append(r)
    return out


def run(documents: pa.Table, languages: pa.Table, blocks: pa.Table, sentences: pa.Table,
        removed_spans: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + languages + blocks + sentences + removed_spans -> {items}."""
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    blocks_by, sents_by = _group(blocks), _group(sentences)
    removed_by: dict[str, list[tuple[int, int]]] = {}
    for r in removed_spans.select(["doc_id", "start_char", "end_char"]).to_pylist():
        removed_by.setdefault(r["doc_id"], []).append((r["start_char"], r["end_char"]))
    rows: list[dict] = []
    for doc in documents.select(["doc_id", "title", "raw_text"]).to_pylist():
        d = doc["doc_id"]
        ctx = build(d, lang_of[d], doc["title"], doc["raw_text"], blocks_by.get(d, []), sents_by.get(d, []),
                    removed_by.get(d, []))
        seen: set[str] = set()
        for kind in settings.kinds:
            for item in EXTRACTORS[kind](ctx):
                if item["item_id"] not in seen:
                    seen.add(item["item_id"])
                    rows.append(item)
    return {"items": schema.table(rows, schema.ITEMS)}
