"""hubness: every embedded row's hubness, the corpus-level prior that search subtracts.

Some texts sit close to everything ("Pelanggan Saya Tidak Ada Di Media Sosial" in
a corpus about social media): in cross-language search they crowd the top of
every ranking. CSLS (Conneau et al., 2018, "Word translation without parallel
data") corrects this by scoring ``2 cos(q, x) - r(x)``, where ``r(x)`` is the
mean similarity of ``x`` to its k nearest neighbours on the other side. Here the
other side is the items of the other languages (text vectors, since queries look
like item texts), k or as many as there are; only a corpus in a single language
falls back to every other item. Same-language similarities run higher, so mixing
the two would put the languages' penalties on different scales.

Unlike the per-document stages this one reads the whole corpus, so any changed
document recomputes it; it is a matrix product, cheap beside encoding. Large
corpora compare against a fixed random sample of at most ``sample`` items.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

NAME = "hubness"
VERSION = 3   # 2: other-language references whenever there are any; 3: every unit but passages as references

HUBNESS = pa.schema([
    ("key_id", pa.string()),
    ("model_id", pa.string()),
    ("hubness", pa.float32()),   # mean similarity to the k nearest items of other languages
])


@dataclass(frozen=True)
class Settings:
    k: int = 10               # the CSLS paper's neighbourhood size
    # reference items at most, bounding the cost on large corpora; with a sample the k nearest
    # stand for roughly the k * N / sample nearest of all N, so the prior flattens a little
    sample: int = 5_000
    seed: int = 0
    chunk: int = 4_096        # rows per matrix product: bounds memory


def _matrix(column: pa.ChunkedArray) -> np.ndarray:
    values = column.combine_chunks()
    if len(values) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return values.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(values), -1)


def _top_k_mean(rows: np.ndarray, refs: np.ndarray, k: int, self_ref: np.ndarray, chunk: int) -> np.ndarray:
    """Mean of each row's k largest inner products with ``refs``, skipping column ``self_ref[i]`` (-1: none)."""
    out = np.zeros(len(rows), dtype=np.float32)
    k = min(k, len(refs) - 1 if (self_ref >= 0).any() else len(refs))
    if k <= 0:
        return out
    for start in range(0, len(rows), chunk):
        sims = rows[start:start + chunk] @ refs.T
        own = self_ref[start:start + chunk]
        mine = np.flatnonzero(own >= 0)
        sims[mine, own[mine]] = -np.inf
        out[start:start + chunk] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
    return out


def run(embeddings: pa.Table, languages: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """embeddings (one model, the whole corpus) + doc languages -> {hubness} per row."""
    if embeddings.num_rows == 0:
        return {"hubness": HUBNESS.empty_table()}
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    lang = np.array([lang_of.get(d, "") for d in embeddings.column("doc_id").to_pylist()])
    # references: every sentence-sized unit (items, headings, sentences), so every tier is corrected
    # against the same population; passages are longer than any query
    is_item = np.array([k != "passage" for k in embeddings.column("key_kind").to_pylist()])
    search = _matrix(embeddings.column("search_vector"))
    text = _matrix(embeddings.column("vector"))
    rng = np.random.default_rng(settings.seed)
    hub = np.zeros(embeddings.num_rows, dtype=np.float32)
    for code in np.unique(lang):
        rows = np.flatnonzero(lang == code)
        refs = np.flatnonzero(is_item & (lang != code))
        if len(refs) == 0:   # a corpus in one language: every other item is the other side
            refs = np.flatnonzero(is_item)
        if len(refs) > settings.sample:
            refs = np.sort(rng.choice(refs, settings.sample, replace=False))
        position = {int(r): n for n, r in enumerate(refs)}
        self_ref = np.array([position.get(int(r), -1) for r in rows])
        hub[rows] = _top_k_mean(search[rows], text[refs], settings.k, self_ref, settings.chunk)
    return {"hubness": pa.table({"key_id": embeddings.column("key_id"),
                                 "model_id": embeddings.column("model_id"),
                                 "hubness": pa.array(hub, pa.float32())}, schema=HUBNESS)}
