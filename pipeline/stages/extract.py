"""extract: blocks + sentences -> typed items (myths, tips, statistics, cited examples).

Each kind has its own module in ``pipeline/extract/`` with its rules (``RULES``) and its
``Settings``; this stage builds a ``DocContext`` per document and runs the extractors in
order, each seeing the items of those before it (tips leave myth claims alone).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyarrow as pa

from pipeline import schema
from pipeline.docmodel import BLOCK_FIELDS, SENTENCE_FIELDS, DocContext, build, build_from_tuples
from pipeline.extract import examples, myths, statistics, tips
from pipeline.extract.items import Item

NAME = "extract"

# run in this order, each seeing the items of those before it; each has a field of its name in Settings
EXTRACTORS = (myths, tips, statistics, examples)


@dataclass(frozen=True)
class Settings:
    kinds: tuple[str, ...] = ("myth", "tip", "statistic", "example")   # written out (all run: tips need myths)
    myths: myths.Settings = field(default_factory=myths.Settings)
    tips: tips.Settings = field(default_factory=tips.Settings)
    statistics: statistics.Settings = field(default_factory=statistics.Settings)
    examples: examples.Settings = field(default_factory=examples.Settings)


def extract_document(doc: DocContext, settings: Settings = Settings()) -> list[Item]:
    """The items of one document, of the kinds in ``settings.kinds``, one per item_id."""
    found: list[Item] = []
    for module in EXTRACTORS:
        own = getattr(settings, module.__name__.rsplit(".", 1)[1])
        found.extend(module.extract(doc, own, tuple(found)))
    seen: set[str] = set()
    out = []
    for item in found:
        if item.kind in settings.kinds and item.item_id not in seen:
            seen.add(item.item_id)
            out.append(item)
    return out


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the block, as it was after it. Extraction allocates
    millions of short-lived objects that reference counting frees, and every few hundred thousand of them
    the collector walks all live objects (the per-text caches, spaCy's vocabulary): ~10% of the stage's CPU.
    What cyclic garbage a chunk's documents leave is collected at the next collection after (``run`` clears the
    blocks' memos, whose views point back at their blocks)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run(documents: pa.Table, languages: pa.Table, blocks: pa.Table, sentences: pa.Table,
        removed_spans: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + languages + blocks + sentences + removed_spans -> {items}."""
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    # (build recomputes a block's text from its view: the text column is not read)
    blocks_by = schema.tuples_by_doc(blocks, BLOCK_FIELDS)
    sents_by = schema.tuples_by_doc(sentences, SENTENCE_FIELDS)
    removed_by = schema.tuples_by_doc(removed_spans, ("start_char", "end_char"))
    rows: list[dict] = []
    with gc_paused():
        for d, title, raw in zip(*(documents.column(c).to_pylist() for c in ("doc_id", "title", "raw_text"))):
            ctx = build_from_tuples(d, lang_of[d], title, raw, blocks_by.get(d, []), sents_by.get(d, []),
                                    removed_by.get(d, []))
            rows.extend(item.row() for item in extract_document(ctx, settings))
            for b in ctx.blocks:    # a block's memo holds views that point back at it: freed now, not by the GC
                b.memo.clear()
            ctx.memo.clear()
    return {"items": schema.table(rows, schema.ITEMS)}


def doc_from_text(text: str, lang: str, title: str | None = None) -> DocContext:
    """A snippet run through de-noise, normalise and segment (no ingest): for tests and notebooks."""
    from pipeline.stages import denoise, normalise, segment

    spans, _ = denoise.remove(text, lang, [])
    removed3 = [(s, e, text[s:e]) for s, e, _ in spans]
    blocks = normalise.blocks_of(text, removed3)
    removed = [(s, e) for s, e, _ in spans]
    sents = segment.sentences_of(text, blocks, removed, lang)
    return build("snippet", lang, title, text, blocks, sents, removed)
