"""hubness: every embedded row's hubness, the corpus-level prior that search subtracts.

Some texts sit close to everything ("Pelanggan Saya Tidak Ada Di Media Sosial" in
a corpus about social media): in cross-language search they crowd the top of
every ranking. CSLS (Conneau et al., 2018, "Word translation without parallel
data") corrects this by scoring ``2 cos(q, x) - r(x)``, where ``r(x)`` is the
mean similarity of ``x`` to its k nearest neighbours on the other side. Here the
other side is the sentence-sized units (items, headings, sentences:
``Settings.references``) of the other languages (text vectors, since queries look
like such texts), k or as many as there are; only a corpus in a single language
falls back to every other reference. Same-language similarities run higher, so mixing
the two would put the languages' penalties on different scales.

Every row's neighbours are found among all references, no sample: one reference set
per language (its references' text vectors), searched exactly by matrix products while it
is small (up to ``exact_max`` items) and through a faiss IVF index beyond that. The
approximation there: a true neighbour in a list the probe skips is replaced by the next
best, so ``r(x)`` can come out slightly low (by the measured recall, see README).

Incremental: with the previous run's neighbour lists (``previous``), only the rows a change
can affect are recomputed: new or changed rows, rows that listed a removed or changed
reference, and rows for which an added reference beats their current k-th neighbour
(checked exactly: each row against each added reference). When the added references are
too many for that check to pay, everything is recomputed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

NAME = "hubness"

HUBNESS = pa.schema([
    ("key_id", pa.string()),
    ("model_id", pa.string()),
    ("hubness", pa.float32()),   # mean similarity to the k nearest items of other languages
])
# What an incremental run needs from the previous one (kept beside the stage's output, not loaded).
NEIGHBOURS = pa.schema([
    ("key_id", pa.string()),
    ("model_id", pa.string()),
    ("lang", pa.string()),
    ("is_item", pa.bool_()),       # a reference (see Settings.references)
    ("text_fp", pa.string()),      # fingerprint of the text vector (the reference side)
    ("search_fp", pa.string()),    # fingerprint of the search vector (the query side)
    ("hubness", pa.float32()),
    ("neighbours", pa.list_(pa.string())),
    ("sims", pa.list_(pa.float32())),  # their similarities; an added reference above the k-th enters
])


@dataclass(frozen=True)
class Settings:
    k: int = 10               # the CSLS paper's neighbourhood size
    # the other side: every sentence-sized unit (items, headings, sentences), so that every tier is
    # corrected against the same population; passages are longer than any query
    references: tuple[str, ...] = ("item", "heading", "sentence")
    exact_max: int = 20_000   # reference sets up to this size are searched exactly
    nprobe: int = 32          # IVF lists probed per row beyond that
    chunk: int = 4_096        # rows per matrix product: bounds memory
    # incremental check budget, rows x added references: beyond it a full recompute costs less
    incremental_max: int = 500_000_000


def _matrix(column: pa.ChunkedArray) -> np.ndarray:
    values = column.combine_chunks()
    if len(values) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return values.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(values), -1)


def _fingerprints(m: np.ndarray) -> list[str]:
    return [hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest() for row in m]


class _References:
    """The items of one language (text vectors): the k most similar to given query rows."""

    def __init__(self, vectors: np.ndarray, positions: np.ndarray, settings: Settings):
        self.vectors, self.positions, self.settings = vectors, positions, settings
        self.ivf = None
        if len(positions) > settings.exact_max:
            from pipeline.index import build_ivf

            self.ivf = build_ivf(vectors[positions], np.arange(len(positions), dtype=np.int64))

    def top(self, queries: np.ndarray, k: int, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """[m, k] similarities (descending, -inf padded) and global row positions (-1 padded).
        ``exclude[i]``: a global position row i may not return (itself), or -1."""
        m = len(queries)
        sims = np.full((m, k), -np.inf, dtype=np.float32)
        pos = np.full((m, k), -1, dtype=np.int64)
        if not len(self.positions) or not m:
            return sims, pos
        extra = 1 if exclude is not None else 0
        kk = min(k + extra, len(self.positions))
        for start in range(0, m, self.settings.chunk):
            q = np.ascontiguousarray(queries[start:start + self.settings.chunk], dtype=np.float32)
            if self.ivf is None:
                s = q @ self.vectors[self.positions].T
                idx = np.argpartition(-s, kk - 1, axis=1)[:, :kk] if kk < s.shape[1] else \
                    np.tile(np.arange(s.shape[1]), (len(q), 1))
                found = np.take_along_axis(s, idx, axis=1)
            else:
                import faiss

                found, idx = self.ivf.search(q, kk, params=faiss.SearchParametersIVF(nprobe=self.settings.nprobe))
                found = np.where(idx >= 0, found, -np.inf).astype(np.float32)
            g = np.where(idx >= 0, self.positions[np.clip(idx, 0, None)], -1)
            if exclude is not None:
                mine = exclude[start:start + len(q)][:, None]
                found = np.where(g == mine, -np.inf, found)
            order = np.argsort(-found, axis=1, kind="stable")[:, :k]
            sims[start:start + len(q), :order.shape[1]] = np.take_along_axis(found, order, axis=1)
            pos[start:start + len(q), :order.shape[1]] = np.take_along_axis(g, order, axis=1)
        pos[~np.isfinite(sims)] = -1
        return sims, pos


def _neighbours(rows: np.ndarray, search: np.ndarray, lang: np.ndarray, refs: dict[str, _References],
                single: _References | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (sims, positions) of ``rows`` among the other languages' references (or, in a
    one-language corpus, among all other items)."""
    sims = np.full((len(rows), k), -np.inf, dtype=np.float32)
    pos = np.full((len(rows), k), -1, dtype=np.int64)
    for code in np.unique(lang[rows]):
        mine = np.flatnonzero(lang[rows] == code)
        q = search[rows[mine]]
        others = [r for c, r in refs.items() if c != code and len(r.positions)]
        if others:
            parts = [r.top(q, k) for r in others]
            s = np.concatenate([p[0] for p in parts], axis=1)
            p = np.concatenate([p[1] for p in parts], axis=1)
        else:     # one language: every other item is the other side
            s, p = single.top(q, k, exclude=rows[mine])
        order = np.argsort(-s, axis=1, kind="stable")[:, :k]
        sims[mine, :order.shape[1]] = np.take_along_axis(s, order, axis=1)
        pos[mine, :order.shape[1]] = np.take_along_axis(p, order, axis=1)
    return sims, pos


def run(embeddings: pa.Table, languages: pa.Table, settings: Settings = Settings(),
        previous: pa.Table | None = None) -> dict[str, pa.Table]:
    """embeddings (one model, the whole corpus) + doc languages -> {hubness, neighbours} per row.

    ``previous``: the ``neighbours`` table of the last run (same model), to recompute only the
    rows a change affects; None recomputes all.
    """
    if embeddings.num_rows == 0:
        return {"hubness": HUBNESS.empty_table(), "neighbours": NEIGHBOURS.empty_table()}
    k = settings.k
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    keys = np.array(embeddings.column("key_id").to_pylist(), dtype=object)
    lang = np.array([lang_of.get(d, "") for d in embeddings.column("doc_id").to_pylist()])
    is_item = np.array([kk in settings.references for kk in embeddings.column("key_kind").to_pylist()])
    search = _matrix(embeddings.column("search_vector"))
    text = _matrix(embeddings.column("vector"))
    model_id = embeddings.column("model_id")[0].as_py()
    text_fp, search_fp = _fingerprints(text), _fingerprints(search)
    codes = sorted(set(lang.tolist()))
    refs = {c: _References(text, np.flatnonzero(is_item & (lang == c)), settings) for c in codes}
    single = _References(text, np.flatnonzero(is_item), settings) if len(codes) == 1 else None

    n = len(keys)
    sims = np.full((n, k), -np.inf, dtype=np.float32)
    pos = np.full((n, k), -1, dtype=np.int64)
    if previous is not None and previous.num_rows and \
            max(len(v) for v in previous.column("neighbours").to_pylist()) > k:
        previous = None       # lists from a larger k: start over
    todo = _dirty_rows(previous, model_id, keys, lang, is_item, text, search, text_fp, search_fp, settings,
                       sims, pos) if previous is not None and previous.num_rows else np.arange(n)
    if len(todo):
        sims[todo], pos[todo] = _neighbours(todo, search, lang, refs, single, k)
    valid = np.isfinite(sims)
    counts = valid.sum(axis=1)
    hub = np.where(counts > 0, np.where(valid, sims, 0).sum(axis=1) / np.maximum(counts, 1), 0).astype(np.float32)
    neighbours = [[keys[p] for p in row if p >= 0] for row in pos]
    neighbour_sims = [row[np.isfinite(row)].tolist() for row in sims]
    ids = embeddings.column("key_id")
    models = embeddings.column("model_id")
    return {
        "hubness": pa.table({"key_id": ids, "model_id": models, "hubness": pa.array(hub, pa.float32())},
                            schema=HUBNESS),
        "neighbours": pa.table({"key_id": ids, "model_id": models, "lang": pa.array(lang.tolist(), pa.string()),
                                "is_item": pa.array(is_item), "text_fp": text_fp, "search_fp": search_fp,
                                "hubness": pa.array(hub, pa.float32()),
                                "neighbours": pa.array(neighbours, pa.list_(pa.string())),
                                "sims": pa.array(neighbour_sims, pa.list_(pa.float32()))}, schema=NEIGHBOURS),
    }


def _dirty_rows(previous: pa.Table, model_id: str, keys: np.ndarray, lang: np.ndarray, is_item: np.ndarray,
                text: np.ndarray, search: np.ndarray, text_fp: list[str], search_fp: list[str], settings: Settings,
                sims: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Rows to recompute; the others get their previous neighbours (positions) and similarities."""
    k = settings.k
    prev = {r["key_id"]: r for r in previous.to_pylist() if r["model_id"] == model_id}
    at = {key: i for i, key in enumerate(keys.tolist())}
    # references (items) that left or changed since the last run, and those that arrived
    ref_now = {key: (lang[i], text_fp[i]) for i, key in enumerate(keys.tolist()) if is_item[i]}
    ref_before = {key: (r["lang"], r["text_fp"]) for key, r in prev.items() if r["is_item"]}
    gone = {key for key, v in ref_before.items() if ref_now.get(key) != v}
    added = np.array([at[key] for key, v in ref_now.items() if ref_before.get(key) != v], dtype=np.int64)
    if len(added) * len(keys) > settings.incremental_max:
        return np.arange(len(keys))
    dirty = np.zeros(len(keys), dtype=bool)
    kth = np.full(len(keys), -np.inf, dtype=np.float32)
    one_language = len(set(lang.tolist())) == 1
    for i, key in enumerate(keys.tolist()):
        r = prev.get(key)
        if r is None or r["search_fp"] != search_fp[i] or r["lang"] != lang[i] or gone.intersection(r["neighbours"]):
            dirty[i] = True
            continue
        listed = [at.get(nb, -1) for nb in r["neighbours"]]
        if -1 in listed:
            dirty[i] = True
            continue
        kth[i] = min(r["sims"]) if len(listed) >= k else -np.inf    # fewer than k: any new one enters
        pos[i, :len(listed)] = listed
        sims[i, :len(listed)] = r["sims"]
    # an added reference enters a row's list when it beats the row's k-th neighbour (exactly checked)
    rows_all = np.arange(len(keys))
    for r0 in range(0, len(keys), 4 * settings.chunk):
        rows = rows_all[r0:r0 + 4 * settings.chunk]
        for a0 in range(0, len(added), 2048):
            a = added[a0:a0 + 2048]
            s = search[rows] @ text[a].T
            if one_language:
                s[rows[:, None] == a[None, :]] = -np.inf
            else:
                s[lang[rows][:, None] == lang[a][None, :]] = -np.inf
            dirty[rows] |= (s > kth[rows, None]).any(axis=1)
    sims[dirty], pos[dirty] = -np.inf, -1
    return np.flatnonzero(dirty)
