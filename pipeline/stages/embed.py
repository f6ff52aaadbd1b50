"""embed: items and passages -> vectors, cached by (text hash, model id).

What is embedded: every item's text, and every paragraph-sized block (passages,
so search can return the paragraph around an answer). The model id is part of
both the stage's skip key and the cache key: another model re-embeds everything,
the same text under the same model is never encoded twice.
"""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.textmap import stable_hash

NAME = "embed"
VERSION = 1
PASSAGE_KINDS = ("paragraph", "list_item", "quote")


EMBEDDINGS = pa.schema([
    ("key_id", pa.string()),
    ("key_kind", pa.string()),     # item | passage
    ("doc_id", pa.string()),
    ("model_id", pa.string()),
    ("text_hash", pa.string()),
    ("dim", pa.int32()),
    ("vector", pa.list_(pa.float32())),   # cast to FLOAT[dim] in the store
])


@dataclass(frozen=True)
class Settings:
    batch_size: int = 32
    min_passage_chars: int = 40   # shorter blocks are headings in disguise, already items or noise


def texts_to_embed(items: pa.Table, blocks: pa.Table, settings: Settings = Settings()) -> list[dict]:
    """(key_id, key_kind, doc_id, text) of every item and passage."""
    out = [{"key_id": r["item_id"], "key_kind": "item", "doc_id": r["doc_id"], "text": r["text"]}
           for r in items.select(["item_id", "doc_id", "text"]).to_pylist()]
    for r in blocks.select(["doc_id", "block_idx", "kind", "text"]).to_pylist():
        if r["kind"] in PASSAGE_KINDS and len(r["text"]) >= settings.min_passage_chars:
            out.append({"key_id": f"{r['doc_id']}:{r['block_idx']}", "key_kind": "passage",
                        "doc_id": r["doc_id"], "text": r["text"]})
    return out


class VectorCache:
    """Vectors by text hash for one model, in one Parquet file."""

    def __init__(self, root: pathlib.Path, model_id: str):
        self.path = root / "stages" / NAME / f"cache-{stable_hash(model_id)}.parquet"
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        if self.path.exists():
            t = pq.read_table(self.path)
            for h, v in zip(t.column("text_hash").to_pylist(), t.column("vector").to_numpy(zero_copy_only=False)):
                self.vectors[h] = np.asarray(v, dtype=np.float32)

    def save(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        hashes = list(self.vectors)
        t = pa.table({"text_hash": hashes, "vector": [self.vectors[h].tolist() for h in hashes]})
        tmp = self.path.with_suffix(".tmp")
        pq.write_table(t, tmp)
        os.replace(tmp, self.path)
        self.dirty = False


def run(items: pa.Table, blocks: pa.Table, embedder, cache: VectorCache | None = None,
        settings: Settings = Settings(), passages: bool = True) -> dict[str, pa.Table]:
    """items + blocks -> {embeddings}; only texts missing from ``cache`` are encoded."""
    rows = texts_to_embed(items, blocks if passages else blocks.slice(0, 0), settings)
    hashes = [stable_hash(r["text"]) for r in rows]
    known = cache.vectors if cache is not None else {}
    missing = sorted({h: r["text"] for h, r in zip(hashes, rows) if h not in known}.items())
    fresh: dict[str, np.ndarray] = {}
    if missing:
        vecs = embedder.encode_passages([t for _, t in missing])
        fresh = {h: np.asarray(v, dtype=np.float32) for (h, _), v in zip(missing, vecs)}
        if cache is not None:
            cache.vectors.update(fresh)
            cache.dirty = True
    vectors = [known[h] if h in known else fresh[h] for h in hashes]
    dim = int(vectors[0].shape[0]) if vectors else int(embedder.dim)
    return {"embeddings": pa.table({
        "key_id": [r["key_id"] for r in rows],
        "key_kind": [r["key_kind"] for r in rows],
        "doc_id": [r["doc_id"] for r in rows],
        "model_id": [embedder.model_id] * len(rows),
        "text_hash": hashes,
        "dim": [dim] * len(rows),
        "vector": [v.tolist() for v in vectors],
    }, schema=EMBEDDINGS)}


def run_incremental(runner, accepted: list[str], ex_key: dict[str, str], ex_store, nm_store,
                    model: str | None, aux: bool = True) -> dict[str, list[str]]:
    """The runner's hook: embed the documents whose items or models changed; return the parts.

    The main model embeds items and passages; the auxiliary model (a second,
    differently trained multilingual encoder) embeds items, for rank fusion in search.
    """
    from pipeline.embedder import Embedder, USEEmbedder

    embedders = {"embeddings": Embedder(model)}
    if aux:
        embedders["embeddings_aux"] = USEEmbedder()
    caches = {t: VectorCache(runner.out, e.model_id) for t, e in embedders.items()}
    settings = Settings()
    ids = ",".join(e.model_id for e in embedders.values())
    keys = {d: stable_hash(ex_key[d], VERSION, ids, settings) for d in accepted}

    def compute(doc_ids: list[str]) -> dict[str, pa.Table]:
        items, blocks = ex_store.read("items", doc_ids), nm_store.read("blocks", doc_ids)
        out = {t: run(items, blocks, e, caches[t], settings, passages=(t == "embeddings"))["embeddings"]
               for t, e in embedders.items()}
        for c in caches.values():
            c.save()
        return out

    store = runner._stage(NAME, {t: EMBEDDINGS for t in embedders}, keys, compute)
    return {t: store.paths(t, accepted) for t in embedders}
