"""embed: search units -> vectors, cached by (text hash, model id).

What is embedded (:mod:`pipeline.units`): every item's text, and as the text
tier every heading, every body sentence and every paragraph-sized block
(passages), so that search reaches answers no extractor kept. Units are embedded
by their clean text (no entities, link targets or markup); code taken for text
is not embedded at all. The model id is part of
both the stage's skip key and the cache key: another model re-embeds everything,
the same text under the same model is never encoded twice.

Each row also gets a *search vector*: the unit's own vector averaged with the
vector of its context, i.e. the body of the section a heading (item or not)
opens, or the paragraph a sentence (item or not) sits in. Many items are terse headings ("Żart w
dobrym guście") whose meaning lives in the text under them; scoring a query by
its inner product with the search vector is the mean of its similarity to the
item and to that context (document expansion). On 38 cross-language queries
with reachable answers it raised MRR@5 from 0.63 to 0.77 (README, Search).
"""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq

from pipeline.textmap import stable_hash
from pipeline.units import clean_text, searchable

NAME = "embed"
PASSAGE_KINDS = ("paragraph", "list_item", "quote")


EMBEDDINGS = pa.schema([
    ("key_id", pa.string()),
    ("key_kind", pa.string()),     # item | heading | sentence | passage
    ("doc_id", pa.string()),
    ("model_id", pa.string()),
    ("text_hash", pa.string()),
    ("dim", pa.int32()),
    ("vector", pa.list_(pa.float32())),   # cast to FLOAT[dim] in the store
    ("search_vector", pa.list_(pa.float32())),   # what dense search ranks by inner product
])


@dataclass(frozen=True)
class Settings:
    batch_size: int = 32
    min_passage_chars: int = 40   # shorter blocks are headings in disguise, already items or noise
    min_sentence_chars: int = 12  # shorter sentences ("2.", "Ja!") answer nothing
    min_heading_chars: int = 3
    context_weight: float = 0.5   # search vector = (1 - w) * item + w * context
    list_context: bool = True     # a list item's context is its list (see context_blocks)


def context_blocks(items: pa.Table | list[dict], blocks: pa.Table, lists: bool = True) -> dict[str, list[int]]:
    """item_id -> indices (rows of ``blocks``) of the body blocks that give the item its context.

    A heading item's context is the body of its section, up to the next heading;
    an item inside a paragraph or quote has that block as context; an item inside a
    list item (with ``lists``) the whole list and the paragraph that introduces it: a
    list item ("Conversion rates stay low,") is read as a point of its list, and alone
    it matches any query on its few words. ``items`` may also be rows of any unit:
    ``item_id``, ``doc_id``, ``block_idx``.
    """
    rows = blocks.select(["doc_id", "block_idx", "kind"]).to_pylist()
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["doc_id"], rows[i]["block_idx"]))
    at = {(rows[i]["doc_id"], rows[i]["block_idx"]): n for n, i in enumerate(order)}
    out: dict[str, list[int]] = {}
    units = items.select(["item_id", "doc_id", "block_idx"]).to_pylist() if isinstance(items, pa.Table) else items
    for it in units:
        n = at.get((it["doc_id"], it["block_idx"]))
        if n is None:
            continue
        if lists and rows[order[n]]["kind"] == "list_item":
            out[it["item_id"]] = _list_run(rows, order, n)
            continue
        if rows[order[n]]["kind"] in PASSAGE_KINDS:
            out[it["item_id"]] = [order[n]]
            continue
        body = []
        for i in order[n + 1:]:
            if rows[i]["doc_id"] != it["doc_id"] or rows[i]["kind"] not in PASSAGE_KINDS:
                break
            body.append(i)
        if body:
            out[it["item_id"]] = body
    return out


def _list_run(rows: list[dict], order: list[int], n: int) -> list[int]:
    """The list the list item at position ``n`` of ``order`` belongs to (its run of list items
    in one document), and the paragraph just before the run (the list's intro) if there is one."""
    doc = rows[order[n]]["doc_id"]

    def in_list(m: int) -> bool:
        return 0 <= m < len(order) and rows[order[m]]["doc_id"] == doc and rows[order[m]]["kind"] == "list_item"

    first, last = n, n
    while in_list(first - 1):
        first -= 1
    while in_list(last + 1):
        last += 1
    intro = first - 1
    if intro >= 0 and rows[order[intro]]["doc_id"] == doc and rows[order[intro]]["kind"] == "paragraph":
        first = intro
    return [order[m] for m in range(first, last + 1)]


def search_vectors(vectors: np.ndarray, contexts: list[np.ndarray | None], weight: float) -> np.ndarray:
    """(1 - weight) * vector + weight * unit mean of the context vectors; the vector alone without context."""
    out = vectors.copy()
    for n, ctx in enumerate(contexts):
        if ctx is not None and len(ctx):
            c = ctx.mean(axis=0)
            norm = float(np.linalg.norm(c))
            if norm > 0:
                out[n] = (1.0 - weight) * vectors[n] + weight * (c / norm)
    return out


def sentence_key(doc_id: str, sent_idx: int) -> str:
    return f"{doc_id}:s{sent_idx}"


def heading_key(doc_id: str, block_idx: int) -> str:
    return f"{doc_id}:h{block_idx}"


def texts_to_embed(items: pa.Table, blocks: pa.Table, sentences: pa.Table | None = None,
                   settings: Settings = Settings()) -> list[dict]:
    """(key_id, key_kind, doc_id, block_idx, text) of every search unit, by its clean text.

    Items, then the text tier: headings, sentences of body blocks, passages.
    Units whose text is code, or too short, are left out.
    """
    out = []

    def add(key_id: str, kind: str, doc_id: str, block_idx, text: str, min_chars: int = 1) -> None:
        clean = searchable(text, min_chars)
        if clean is not None:
            out.append({"key_id": key_id, "key_kind": kind, "doc_id": doc_id, "block_idx": block_idx, "text": clean})

    for r in items.select(["item_id", "doc_id", "block_idx", "text"]).to_pylist():
        add(r["item_id"], "item", r["doc_id"], r["block_idx"], r["text"])
    block_rows = blocks.select(["doc_id", "block_idx", "kind", "text"]).to_pylist()
    body = {(r["doc_id"], r["block_idx"]) for r in block_rows if r["kind"] in PASSAGE_KINDS}
    for r in block_rows:
        if r["kind"] == "heading":
            add(heading_key(r["doc_id"], r["block_idx"]), "heading", r["doc_id"], r["block_idx"], r["text"],
                settings.min_heading_chars)
    if sentences is not None:
        for r in sentences.select(["doc_id", "sent_idx", "block_idx", "text"]).to_pylist():
            if (r["doc_id"], r["block_idx"]) in body:
                add(sentence_key(r["doc_id"], r["sent_idx"]), "sentence", r["doc_id"], r["block_idx"], r["text"],
                    settings.min_sentence_chars)
    for r in block_rows:
        if r["kind"] in PASSAGE_KINDS:
            add(f"{r['doc_id']}:{r['block_idx']}", "passage", r["doc_id"], r["block_idx"], r["text"],
                settings.min_passage_chars)
    return out


class VectorCache:
    """Vectors by text hash for one model.

    The runner builds one per batch from the vectors the same documents (and the
    previous versions of edited ones) had before (:meth:`of`), so what a run holds
    is bounded by the batch. Given a folder, it is instead one Parquet file that
    :meth:`save` writes (for scripts and tests).
    """

    def __init__(self, root: pathlib.Path | None = None, model_id: str = ""):
        self.path = root / "stages" / NAME / f"cache-{stable_hash(model_id)}.parquet" if root is not None else None
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        if self.path is not None and self.path.exists():
            t = pq.read_table(self.path)
            for h, v in zip(t.column("text_hash").to_pylist(), t.column("vector").to_numpy(zero_copy_only=False)):
                self.vectors[h] = np.asarray(v, dtype=np.float32)

    @classmethod
    def of(cls, previous: pa.Table, model_id: str) -> "VectorCache":
        """A cache of the vectors in ``previous`` (rows of the embeddings schema) of model ``model_id``."""
        cache = cls()
        if previous.num_rows:
            rows = previous.filter(pa.compute.equal(previous.column("model_id"), model_id))
            for h, v in zip(rows.column("text_hash").to_pylist(),
                            rows.column("vector").to_numpy(zero_copy_only=False)):
                cache.vectors[h] = np.asarray(v, dtype=np.float32)
        return cache

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        hashes = list(self.vectors)
        t = pa.table({"text_hash": hashes, "vector": [self.vectors[h].tolist() for h in hashes]})
        tmp = self.path.with_suffix(".tmp")
        pq.write_table(t, tmp)
        os.replace(tmp, self.path)
        self.dirty = False


def run(items: pa.Table, blocks: pa.Table, embedder, cache: VectorCache | None = None,
        settings: Settings = Settings(), sentences: pa.Table | None = None) -> dict[str, pa.Table]:
    """items + blocks (+ sentences) -> {embeddings}; only texts missing from ``cache`` are encoded.

    Body blocks are encoded even when too short to be passages, as context for
    the search vectors of items, headings and sentences.
    """
    rows = texts_to_embed(items, blocks, sentences, settings)
    # passages are their own context, but for list items
    contexts = context_blocks([{"item_id": r["key_id"], "doc_id": r["doc_id"], "block_idx": r["block_idx"]}
                               for r in rows], blocks, settings.list_context)
    block_texts = [clean_text(t) for t in blocks.column("text").to_pylist()]
    needed = sorted({i for idx in contexts.values() for i in idx})
    texts = [r["text"] for r in rows] + [block_texts[i] for i in needed]
    hashes = [stable_hash(t) for t in texts]
    known = cache.vectors if cache is not None else {}
    missing = sorted({h: t for h, t in zip(hashes, texts) if h not in known}.items())
    fresh: dict[str, np.ndarray] = {}
    if missing:
        vecs = embedder.encode_passages([t for _, t in missing])
        fresh = {h: np.asarray(v, dtype=np.float32) for (h, _), v in zip(missing, vecs)}
        if cache is not None:
            cache.vectors.update(fresh)
            cache.dirty = True
    vector_of = {h: known[h] if h in known else fresh[h] for h in set(hashes)}
    dim = int(embedder.dim) if not hashes else int(next(iter(vector_of.values())).shape[0])
    row_hashes = hashes[: len(rows)]
    block_vec = {i: vector_of[h] for i, h in zip(needed, hashes[len(rows):])}
    vectors = np.stack([vector_of[h] for h in row_hashes]) if rows else np.zeros((0, dim), np.float32)
    ctx = [np.stack([block_vec[i] for i in contexts[r["key_id"]]])
           if r["key_id"] in contexts else None for r in rows]
    search = search_vectors(vectors, ctx, settings.context_weight)
    return {"embeddings": pa.table({
        "key_id": [r["key_id"] for r in rows],
        "key_kind": [r["key_kind"] for r in rows],
        "doc_id": [r["doc_id"] for r in rows],
        "model_id": [embedder.model_id] * len(rows),
        "text_hash": row_hashes,
        "dim": [dim] * len(rows),
        "vector": vectors.tolist(),
        "search_vector": search.tolist(),
    }, schema=EMBEDDINGS)}


def run_models(items: pa.Table, blocks: pa.Table, sentences: pa.Table, embeddings: pa.Table,
               embeddings_aux: pa.Table, *, embedders: dict, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """items + blocks + sentences -> {embeddings, embeddings_aux}: :func:`run` once per model.

    ``embedders`` maps each output table to its model (``None``: that table stays
    empty); ``embeddings`` / ``embeddings_aux`` are the vectors these documents had
    before, the cache, so an unchanged text is never encoded twice.
    """
    out = {}
    for table, previous in (("embeddings", embeddings), ("embeddings_aux", embeddings_aux)):
        embedder = embedders.get(table)
        if embedder is None:
            out[table] = EMBEDDINGS.empty_table()
            continue
        out[table] = run(items, blocks, embedder, VectorCache.of(previous, embedder.model_id), settings,
                         sentences)["embeddings"]
    return out
