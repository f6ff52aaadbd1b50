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
corpora compare against a sample of at most ``sample`` items: those with the
smallest hash of their key, so the sample depends on the corpus, not on the
order it is read in. The corpus is read in batches, three times (keys, then the
reference vectors, then the rows to score), so memory holds the references and
one batch, never every vector.
"""
from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa

NAME = "hubness"

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


def _key_hash(key_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(key_id.encode("utf-8"), digest_size=8).digest(), "big")


def _references(batches: Iterable[pa.Table], lang_of: dict[str, str], sample: int
                ) -> tuple[dict[str, set[str]], list[str]]:
    """Pass 1: the reference keys of each language's rows, and the languages present.

    References are items of the other languages (every other item in a one-language
    corpus), at most ``sample``: those with the smallest key hashes.
    """
    smallest: dict[str, list[tuple[int, str]]] = {}   # language -> max-heap (negated) of its smallest items
    counts: dict[str, int] = {}
    langs: set[str] = set()
    for batch in batches:
        for key, kind, doc in zip(batch.column("key_id").to_pylist(), batch.column("key_kind").to_pylist(),
                                  batch.column("doc_id").to_pylist()):
            lang = lang_of.get(doc, "")
            langs.add(lang)
            if kind != "item":
                continue
            counts[lang] = counts.get(lang, 0) + 1
            heap = smallest.setdefault(lang, [])
            entry = (-_key_hash(key), key)
            if len(heap) < sample:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
    refs: dict[str, set[str]] = {}
    for code in langs:
        others = [lang for lang in smallest if lang != code] or list(smallest)   # one language: all items
        pool = sorted((-h, k) for lang in others for h, k in smallest[lang])
        refs[code] = {k for _, k in pool[:sample]}
    return refs, sorted(langs)


def score(batches: Callable[[], Iterator[pa.Table]], lang_of: dict[str, str], settings: Settings = Settings()
          ) -> Iterator[pa.Table]:
    """Hubness of every row of one model's embeddings, read in ``batches`` (called three times).

    ``batches()`` yields tables with ``key_id, key_kind, doc_id, vector, search_vector``;
    the result is yielded batch by batch in the same order.
    """
    refs, langs = _references(batches(), lang_of, settings.sample)
    wanted = set().union(*refs.values()) if refs else set()
    found: dict[str, np.ndarray] = {}
    for batch in batches():   # pass 2: the reference vectors
        keys = batch.column("key_id").to_pylist()
        hit = [i for i, k in enumerate(keys) if k in wanted]
        if hit:
            vectors = _matrix(batch.column("vector").take(pa.array(hit)))
            found.update(zip((keys[i] for i in hit), vectors))
    matrices: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
    for code in langs:
        order = sorted(refs.get(code, ()))
        matrix = np.stack([found[k] for k in order]) if order else np.zeros((0, 1), dtype=np.float32)
        matrices[code] = (matrix, {k: n for n, k in enumerate(order)})
    for batch in batches():   # pass 3: score each row against its language's references
        keys = batch.column("key_id").to_pylist()
        lang = np.array([lang_of.get(d, "") for d in batch.column("doc_id").to_pylist()])
        search = _matrix(batch.column("search_vector"))
        hub = np.zeros(batch.num_rows, dtype=np.float32)
        for code in np.unique(lang):
            rows = np.flatnonzero(lang == code)
            matrix, position = matrices[str(code)]
            if len(position) == 0:
                continue
            self_ref = np.array([position.get(keys[r], -1) for r in rows])
            hub[rows] = _top_k_mean(search[rows], matrix, settings.k, self_ref, settings.chunk)
        yield pa.table({"key_id": batch.column("key_id"), "model_id": batch.column("model_id"),
                        "hubness": pa.array(hub, pa.float32())}, schema=HUBNESS)


def run(embeddings: pa.Table, languages: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """embeddings (one model, the whole corpus) + doc languages -> {hubness} per row."""
    if embeddings.num_rows == 0:
        return {"hubness": HUBNESS.empty_table()}
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    step = max(settings.chunk, 1)
    tables = list(score(lambda: (embeddings.slice(i, step) for i in range(0, embeddings.num_rows, step)),
                        lang_of, settings))
    return {"hubness": pa.concat_tables(tables)}
