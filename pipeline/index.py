"""The vector index beside the store: faiss shards per (model, language, kind), updated in place.

What dense search ranks is ``q . search_vector - w * hubness`` (see :mod:`pipeline.search`).
Each row is stored as the augmented vector ``[search_vector, hubness]`` and each query as
``[q, -w]``, so an inner-product index answers exactly that score, hubness included.

- **Shards.** One shard per (model, language, kind). A search touches only the shards its
  language and kind filters select, so those filters are exact by construction and an
  approximate shard never has to find a rare kind among common ones. Small shards
  (up to :data:`FLAT_MAX_ROWS`) are plain float32 matrices searched exactly with numpy;
  larger ones are faiss ``IndexIVFPQFastScan`` (inner product, spherical k-means, 4-bit codes).
- **Probing.** A search shares one budget of lists among the IVF shards it touches: a fraction
  :data:`NPROBE_FRACTION` of all their lists together (at least :data:`NPROBE_SHARD_FRACTION`
  of the largest one's), those whose mean row has the highest inner product with the query (the
  expected score of the list's rows, comparable across shards: :func:`probe_plan`). Each shard keeps
  its lists' row counts and sums (``.lists.npy``), which follow the rows an update adds or
  removes. The codes' estimates choose up to :data:`RERANK` candidates a shard; the
  :data:`RERANK_TOTAL` best of all shards are re-scored exactly from the float rows, which are
  memory-mapped, so every returned score is exact.
- **Stable ids, positions.** A row's stable id is a 63-bit hash of its ``key_id``: the same row
  keeps it however the store was loaded. Within a shard a row has a position: its float row's
  place in an append-only file (``.flat.f32``) and its id in the faiss IVF. An update appends the
  rows that are new or changed at new positions (``add_with_ids``), removes the gone or changed
  ones from the IVF (``remove_ids`` with an ``IDSelectorBatch``) and marks their positions as
  tombstones (id -1); nothing is retrained or re-added, and the float rows are never rewritten.
  A shard is compacted (rebuilt) when a quarter of its positions are tombstones or it has grown
  4x since its lists were trained. Each shard keeps, by position, the stable ids, their key_ids
  and a fingerprint of each row (:data:`FINGERPRINT_SQL`), which is how a changed row is recognised.
- **Training.** A shard's coarse lists are trained on a sample (:data:`TRAIN_PER_LIST` rows a
  list), its 4-bit PQ codebooks on :data:`PQ_TRAIN_ROWS` sampled rows (:func:`train_pq`).
- **Consistency.** The store holds a generation token (``vector_index_state``, migration
  008); the index is a folder of generations, each a complete set of shards for one token.
  :func:`sync` runs inside the load's transaction: it stamps a new token, writes that
  generation from the previous one (unchanged shards hard-linked, changed ones updated: their
  float-row file is hard-linked and appended to, which the previous generation, reading only
  its own number of rows, does not see), and only then does the load commit. A run killed
  before the commit leaves the old store and its old generation; one killed after it leaves
  both new. :func:`open_index` finds the
  generation of the store's token and checks its row counts; when it is missing or does
  not match (a copied store, a deleted folder) it is rebuilt from the store, which is the
  truth: the index is derived data.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pipeline.duck import literal

FLAT_MAX_ROWS = 1_000    # exact (numpy) up to here; beyond, a search is memory-bound (benchmarks/run.py)
# IVF shards hold 4-bit PQ codes (faiss "fast scan": the scan is a SIMD table lookup, ~30x less
# memory than float rows) over about sqrt(n) lists. Cross-language queries sit far from every item
# of the searched language, so within a shard their best matches spread over many lists; but across
# shards they sit in a few (a kind, a language), and the lists' mean rows tell which. So the budget
# of lists is shared by the shards a search touches and spent on the lists of highest expected
# score (probe_plan). Measured at 1M rows (12 item shards, 200 queries, recall@10 against exact
# search on vectors made from real embeddings, CPU ms a query in one run on a loaded machine, load
# 14-16; a throwaway harness building the item shards as build_ivf_codes does): a share of each
# shard's lists in faiss's order (unit centroids, what was here) 20% 0.950 (9.1 ms), 30% 0.981
# (11.0), 40% 0.995 (15.1); the same
# share per shard by list means 20% 0.960, 30% 0.986, 40% 0.995; one budget for all shards by list
# means 10% 0.966 (8.0 ms), 15% 0.987 (8.5), 20% 0.995 (9.2). Centring each shard (rows minus its
# mean at training, k-means and codebooks on the centred rows) lost recall in every form: spherical
# k-means 40% per shard 0.979, shared 15% 0.967 / 20% 0.985; L2 k-means 40% per shard 0.984,
# shared 15% 0.975 / 20% 0.985 (the common language component was not what spread the matches).
# In the index itself (benchmarks/run.py's rows and queries, load 11-12): shared 10 / 12.5 / 15 / 20%
# gave 0.963 / 0.972 / 0.977 / 0.985. A query filtered to one shard gets at least the 40% it had
# before (15% of one shard gave Polish tips 0.903). Earlier, with a share of each shard probed: a
# finer partition (2 sqrt(n) lists), 192 re-scored or codebooks trained longer moved recall by at
# most 0.006 at the same cost, and two threads a query gave no gain.
NPROBE = 16
NPROBE_FRACTION = 0.2
NPROBE_SHARD_FRACTION = 0.4
# The codes' estimates of one query's inner products compare across shards: re-scoring only the
# best 1,024 of all shards' candidates (not 128 a shard, ~1,500) kept recall (20% probed: 0.9845 both)
# for 9.0 against 10.7 ms of CPU a query (two runs, load 11-12); 512 lost 0.002, 256 lost 0.016.
# The query padded once and the lists' means stacked once a search: 9.0 -> 7.9 ms.
RERANK = 128
RERANK_TOTAL = 1_024
PQ_SUBDIM = 2            # 4-bit codes of 2 dimensions: 4 dimensions halved the scan but lost 3 points of recall
MIN_NLIST = 64
MAX_NLIST = 1024
NLIST_PER_SQRT = 1.0
# k-means training points per list (faiss asks for 39) and iterations (faiss's default 25): the
# coarse k-means was most of a build at 1M rows on 2 cores
TRAIN_PER_LIST = 32
PQ_TRAIN_ROWS = 1_024    # a shard's codebooks: 64 rows a centroid (faiss caps at 256)
KMEANS_ITERATIONS = 10
ADD_BATCH = 65_536
BUILD_THREADS = 2
TABLES = ("embedding", "embedding_aux")
FORMAT = 4     # 3: rows by position (append-only float file, tombstones), faiss ids = positions; 4: list sums
STATE_TABLE = "vector_index_state"
KEEP_GENERATIONS = 2     # the newest ones: the store's and its predecessor's (a run may die before committing)


def index_dir(db_path: str | os.PathLike) -> Path:
    """``outputs/knowledge.duckdb`` -> ``outputs/knowledge.duckdb.index``."""
    p = Path(db_path)
    return p.with_name(p.name + ".index")


# A row's id: the first 8 bytes of md5(key_id), little-endian, halved to 63 bits. DuckDB computes
# it in the scan that lists the rows (hashing a million keys in Python took 10 s of a 1M build).
STABLE_ID_SQL = "(md5_number_upper({key}) >> 1)::BIGINT"


def stable_ids(keys: Iterable[str]) -> np.ndarray:
    """63-bit ids from key_ids, independent of load order: :data:`STABLE_ID_SQL` in Python."""
    return np.fromiter((int.from_bytes(hashlib.md5(k.encode()).digest()[:8], "little") >> 1 for k in keys),
                       dtype=np.int64)


def nlist_for(rows: int) -> int:
    """About 4 sqrt(n) lists (faiss's rule of thumb), a power of two."""
    return min(MAX_NLIST, max(MIN_NLIST, 1 << int(round(math.log2(max(1.0, 4 * math.sqrt(rows)))))))


def shard_nlist(rows: int) -> int:
    """About sqrt(n) lists, a power of two: a search probes a large share of them anyway."""
    return min(MAX_NLIST, max(MIN_NLIST, 1 << int(round(math.log2(max(1.0, NLIST_PER_SQRT * math.sqrt(rows)))))))


def shard_name(model_id: str, lang: str, kind: str) -> str:
    return f"{hashlib.blake2b(model_id.encode(), digest_size=6).hexdigest()}-{lang}-{kind}"


# --------------------------------------------------------------------------
# reading the store
# --------------------------------------------------------------------------
def store_generation(con) -> str | None:
    try:
        row = con.execute(f"SELECT generation FROM {STATE_TABLE} LIMIT 1").fetchone()
    except Exception:    # a store from before migration 008
        return None
    return row[0] if row else None


# What tells a changed row: its hubness and the first components of its search vector. A new
# embedding or context changes every component; hashing all 384 of a million rows was most of an
# update's scan of the store (6 of 9 CPU seconds), a few of them cost nothing.
FINGERPRINT_SQL = ("hash(e.search_vector[1], e.search_vector[2], e.search_vector[3], e.search_vector[4], "
                   "coalesce(h.hubness, 0))")
_ROWS_FROM = ("FROM {table} e JOIN search_unit u USING (key_id) "
              "LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id")


def _store_rows(con, table: str, with_vectors: bool = False) -> dict[tuple[str, str, str], dict[str, np.ndarray]]:
    """(model_id, lang, kind) -> the store's rows in id order: ids, fingerprints and DuckDB rowids
    (numbers only: a million key strings cost more to fetch than everything else); and with
    ``with_vectors`` (a first build) their key_ids and [search_vector, hubness] rows too, read in the
    same scan."""
    groups = con.execute(f"SELECT DISTINCT e.model_id, u.lang, u.kind, hash(e.model_id, u.lang, u.kind) "
                         f"FROM {table} e JOIN search_unit u USING (key_id) ORDER BY ALL").fetchall()
    # a group's hash, not dense_rank(): the window sorts a million rows (8 of 12 CPU seconds)
    cols = (f"hash(e.model_id, u.lang, u.kind) AS g, e.rowid AS rid, {STABLE_ID_SQL.format(key='e.key_id')} AS id, "
            f"{FINGERPRINT_SQL} AS fp")
    if with_vectors:
        cols += ", e.key_id, e.search_vector, coalesce(h.hubness, 0)::FLOAT AS hubness"
    result = con.execute(f"SELECT {cols} {_ROWS_FROM.format(table=table)}")
    vectors = hub = keys = None
    if with_vectors:
        a = result.to_arrow_table()
        t = {name: a.column(name).to_numpy() for name in ("g", "rid", "id", "fp")}
        keys = a.column("key_id").to_numpy(zero_copy_only=False)
        hub = a.column("hubness").to_numpy()
        if a.num_rows:      # a view of Arrow's buffer: each shard's rows are copied out of it once
            vec = a.column("search_vector").combine_chunks()
            vectors = vec.flatten().to_numpy(zero_copy_only=False).reshape(a.num_rows, vec.type.list_size)
    else:
        t = result.fetchnumpy()
    out: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}
    if len(t["id"]) == 0:
        return out
    ids = np.asarray(t["id"], dtype=np.int64)
    fp = np.asarray(t["fp"]).astype(np.uint64).view(np.int64)
    rid = np.asarray(t["rid"], dtype=np.int64)
    group = np.asarray(t["g"]).astype(np.uint64)
    for model_id, lang, kind, g in groups:
        rows = np.flatnonzero(group == np.uint64(g))
        order = rows[np.argsort(ids[rows], kind="stable")]
        sorted_ids = ids[order]
        if len(sorted_ids) > 1 and (sorted_ids[1:] == sorted_ids[:-1]).any():
            raise RuntimeError("two key_ids share a 63-bit id")   # ~1e-7 at a million rows
        out[(model_id, lang, kind)] = {"ids": sorted_ids, "fp": fp[order], "rid": rid[order]}
        if vectors is not None:
            rows_of = np.empty((len(order), vectors.shape[1] + 1), np.float32)
            rows_of[:, :-1] = vectors[order]
            rows_of[:, -1] = hub[order]
            out[(model_id, lang, kind)].update(keys=keys[order].astype(str), vectors=rows_of)
    return out


def _vector_rows(t) -> np.ndarray:
    """[search_vector, hubness] rows of an Arrow table, float32."""
    vec = t.column("search_vector").combine_chunks()
    dim = vec.type.list_size
    out = np.empty((t.num_rows, dim + 1), dtype=np.float32)
    out[:, :dim] = vec.flatten().to_numpy(zero_copy_only=False).reshape(t.num_rows, dim)
    out[:, dim] = t.column("hubness").to_numpy()
    return out


def _fetch_rows(con, table: str, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """key_ids and [search_vector, hubness] rows (float32) of the given DuckDB rowids, in their
    order (rowids hold within the load's transaction, where sync runs)."""
    import pyarrow as pa

    if len(rowids) == 0:
        return np.zeros(0, dtype=str), np.zeros((0, 0), dtype=np.float32)
    wanted = pa.table({"rid": pa.array(rowids, pa.int64()), "pos": pa.array(np.arange(len(rowids)), pa.int64())})
    con.register("_index_wanted", wanted)
    try:
        t = con.execute(
            f"SELECT w.pos, e.key_id, e.search_vector, coalesce(h.hubness, 0)::FLOAT AS hubness "
            f"FROM _index_wanted w JOIN {table} e ON e.rowid = w.rid "
            f"LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id").to_arrow_table()
    finally:
        con.unregister("_index_wanted")
    if t.num_rows != len(rowids):
        raise RuntimeError(f"{len(rowids) - t.num_rows} rows of {table} vanished while indexing")
    at = t.column("pos").to_numpy()
    vectors = np.empty((t.num_rows, t.column("search_vector").type.list_size + 1), np.float32)
    vectors[at] = _vector_rows(t)
    keys = np.empty(t.num_rows, dtype=object)
    keys[at] = t.column("key_id").to_numpy(zero_copy_only=False)
    return keys.astype(str), vectors


# --------------------------------------------------------------------------
# shards
# --------------------------------------------------------------------------
@dataclass
class Shard:
    """One (model, language, kind), by position: each row's stable id (-1: deleted, a tombstone),
    key and fingerprint, the float32 rows ``[search_vector, hubness]`` (``flat``, an append-only
    file), and beyond :data:`FLAT_MAX_ROWS` a faiss IVF index of 4-bit PQ codes whose ids are the
    positions (``ivf``); its candidates are re-scored exactly from ``flat``. An update appends the
    new rows and removes the deleted ones from the IVF (``remove_ids``), so a position never moves
    until the shard is compacted (rebuilt) once a quarter of its positions are tombstones."""
    name: str
    ids: np.ndarray
    keys: np.ndarray
    fp: np.ndarray
    flat: np.ndarray | None = None
    ivf: object | None = None
    trained_rows: int = 0           # rows the IVF was trained on: retrained when it has grown 4x
    live: int = -1                  # rows not deleted (-1: every position)
    list_sums: np.ndarray | None = None     # IVF: a list's row count, then the sum of its rows (float64)
    _live_pos: np.ndarray | None = field(default=None, repr=False)
    _means: tuple | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return len(self.ids) if self.live < 0 else self.live

    @property
    def stored(self) -> int:
        """Positions, tombstones included."""
        return len(self.ids)

    def live_positions(self) -> np.ndarray:
        if self._live_pos is None:
            self._live_pos = np.arange(self.stored) if self.rows == self.stored else np.flatnonzero(self.ids >= 0)
        return self._live_pos

    def search(self, query: np.ndarray, k: int, nprobe: int | None = None,
               lists: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and positions of the ``k`` best rows for one query ([d+1]), best first.
        An IVF shard probes ``lists`` (chosen across shards by :func:`probe_plan`), or else its
        ``nprobe`` lists of highest expected score (default: as :func:`probe_plan` would for this
        shard alone); probing every list is an exact search. :meth:`VectorIndex.search` gives keys."""
        score, pos, exact = self.candidates(query, k, nprobe, lists)
        # the codes only choose candidates (their ids are positions): scores come from the float rows
        return (score, pos) if exact else self._exact(query, np.sort(pos), k)

    def candidates(self, query: np.ndarray, k: int, nprobe: int | None = None,
                   lists: np.ndarray | None = None,
                   padded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
        """:meth:`search`'s candidates: scores, positions and whether the scores are exact (a flat
        shard, or every list probed) or the codes' estimates (the ``max(k, RERANK)`` best of them).
        ``padded``: the query as the IVF takes it (:func:`_padded`), when the caller has it."""
        k = min(k, self.rows)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64), True
        if self.ivf is None or (lists is None and nprobe is not None and nprobe >= self.ivf.nlist):
            return (*self._exact(query, self.live_positions(), k), True)
        import faiss

        if lists is None:
            nlist = self.ivf.nlist
            if nprobe is None:       # searched alone: what probe_plan gives one shard
                nprobe = max(NPROBE, math.ceil(nlist * max(NPROBE_FRACTION, NPROBE_SHARD_FRACTION)))
            lists = _best_lists(self.list_scores(query), min(nprobe, nlist))
        if not len(lists):
            return np.zeros(0, np.float32), np.zeros(0, np.int64), True
        x = padded if padded is not None and padded.shape[1] == self.ivf.d else _padded(query[None, :], self.ivf.d)
        assign = np.ascontiguousarray(lists, dtype=np.int64)[None, :]
        coarse = np.zeros(assign.shape, np.float32)     # unused: the codes are not residuals
        kk = max(k, RERANK)
        dist, pos = np.empty((1, kk), np.float32), np.empty((1, kk), np.int64)
        self.ivf.search_preassigned_c(1, faiss.swig_ptr(x), kk, faiss.swig_ptr(assign), faiss.swig_ptr(coarse),
                                      faiss.swig_ptr(dist), faiss.swig_ptr(pos), False,
                                      _ivf_params(assign.shape[1]))
        found = pos[0] >= 0
        return dist[0][found], pos[0][found], False

    def list_scores(self, query: np.ndarray) -> np.ndarray:
        """Each list's expected score for ``query`` ([d+1]): the query times the mean of the list's
        rows (-inf for an empty list). How the lists are ranked for probing."""
        means, filled = self.list_means()
        return np.where(filled, means @ query, -np.inf)

    def list_means(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean row of each IVF list (float32) and whether the list holds rows."""
        if self._means is None:
            if self.list_sums is None:
                self.list_sums = list_sums(self.ivf, self.flat)
            counts = self.list_sums[:, 0]
            means = self.list_sums[:, 1:] / np.maximum(counts, 1)[:, None]
            self._means = (np.ascontiguousarray(means, dtype=np.float32), counts > 0)
        return self._means

    def _exact(self, query: np.ndarray, p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best of the rows at positions ``p`` (sorted) by exact inner product."""
        if not len(p):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores = (self.flat if len(p) == self.stored else self.flat[p]) @ query
        kk = min(k, len(p))
        top = np.argpartition(-scores, kk - 1)[:kk] if kk < len(p) else np.arange(len(p))
        top = top[np.lexsort((p[top], -scores[top]))]      # best first; ties by position (deterministic)
        return scores[top], p[top]

    def meta(self) -> dict:
        out = {"type": "flat" if self.ivf is None else "ivf", "rows": self.rows, "stored": self.stored,
               "width": int(self.flat.shape[1]) if self.flat is not None else 0}
        if self.ivf is not None:
            out.update(nlist=int(self.ivf.nlist), trained_rows=self.trained_rows)
        return out

    def save(self, folder: Path, flat_written: bool = False) -> dict:
        """Write the shard's files (the float rows too, unless the caller appended them in place)."""
        np.save(folder / f"{self.name}.ids.npy", self.ids)
        np.save(folder / f"{self.name}.keys.npy", self.keys)
        np.save(folder / f"{self.name}.fp.npy", self.fp)
        if not flat_written:
            np.ascontiguousarray(self.flat, dtype=np.float32).tofile(folder / f"{self.name}.flat.f32")
        if self.ivf is not None:
            import faiss

            faiss.write_index(self.ivf, str(folder / f"{self.name}.ivf"))
            if self.list_sums is None:
                self.list_sums = list_sums(self.ivf, self.flat)
            np.save(folder / f"{self.name}.lists.npy", self.list_sums)
        return self.meta()

    @classmethod
    def load(cls, folder: Path, name: str, meta: dict, writable: bool = False, with_ivf: bool = True) -> "Shard":
        mode = None if writable else "r"
        shard = cls(name, np.load(folder / f"{name}.ids.npy", mmap_mode=mode),
                    np.load(folder / f"{name}.keys.npy", mmap_mode=mode),
                    np.load(folder / f"{name}.fp.npy", mmap_mode=mode), live=int(meta["rows"]))
        stored, width = int(meta["stored"]), int(meta["width"])
        # the file may be longer: rows appended by a later generation that shares it (see _apply_plan)
        shard.flat = np.memmap(folder / f"{name}.flat.f32", np.float32, "r", shape=(stored, width)).view(np.ndarray) \
            if stored else np.zeros((0, width), np.float32)
        if meta["type"] != "flat":
            shard.trained_rows = int(meta.get("trained_rows", shard.rows))
            if with_ivf:
                import faiss

                shard.ivf = faiss.read_index(str(folder / f"{name}.ivf"),
                                             faiss.IO_FLAG_READ_ONLY if not writable else 0)
            shard.list_sums = np.load(folder / f"{name}.lists.npy")
        if len(shard.ids) != stored:
            raise ValueError(f"shard {name}: {len(shard.ids)} positions, the manifest says {stored}")
        return shard


@functools.lru_cache(maxsize=4096)
def _ivf_params(nprobe: int):
    """faiss's search parameters for ``nprobe`` lists (made once: a SWIG object cost ~50 us)."""
    import faiss

    return faiss.SearchParametersIVF(nprobe=nprobe)


def _best_lists(scores: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` lists of highest score (never an empty one, scored -inf)."""
    n = min(n, int(np.isfinite(scores).sum()))
    if n <= 0:
        return np.zeros(0, np.int64)
    return np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.flatnonzero(np.isfinite(scores))


def probe_plan(shards: Sequence["Shard"], query: np.ndarray, fraction: float | None = None,
               means: tuple | None = None) -> dict[str, np.ndarray]:
    """The lists each IVF shard probes for ``query``: a share ``fraction`` (default
    :data:`NPROBE_FRACTION`) of all the shards' lists together, those of highest expected score
    (:meth:`Shard.list_scores`: inner products with the lists' mean rows, which are comparable across
    shards), and never fewer than :data:`NPROBE_SHARD_FRACTION` of the largest shard's lists. A
    query's best matches sit in a few shards (a kind, a language), so a budget spent where they are
    beats the same share probed in every shard (see the constants). ``means``: the shards'
    :func:`stacked_means`, when the caller keeps them."""
    ivf = [s for s in shards if s.ivf is not None]
    if not ivf:
        return {}
    stacked, filled, sizes = means if means is not None else stacked_means(ivf)
    everything = np.where(filled, stacked @ query, -np.inf)
    budget = max(NPROBE, math.ceil(len(everything) * (NPROBE_FRACTION if fraction is None else fraction)),
                 math.ceil(max(sizes) * NPROBE_SHARD_FRACTION))
    chosen = np.sort(_best_lists(everything, budget))
    bounds = np.searchsorted(chosen, np.cumsum([0] + sizes))
    starts = np.cumsum([0] + sizes)
    return {s.name: chosen[bounds[i]:bounds[i + 1]] - starts[i] for i, s in enumerate(ivf)}


def stacked_means(ivf_shards: Sequence["Shard"]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The IVF shards' list means one under another, which lists hold rows, and each shard's count
    of lists: one matrix product ranks every list of a search."""
    parts = [s.list_means() for s in ivf_shards]
    return (np.concatenate([m for m, _ in parts]), np.concatenate([f for _, f in parts]),
            [len(m) for m, _ in parts])


def _list_members(ivf) -> tuple[np.ndarray, np.ndarray]:
    """Every (position, list) the IVF holds, read from its inverted lists (grouped by list)."""
    import faiss

    pos, lists = [], []
    for j in range(ivf.nlist):
        size = ivf.invlists.list_size(j)
        if size:
            pos.append(faiss.rev_swig_ptr(ivf.invlists.get_ids(j), size).copy())
            lists.append(np.full(size, j, np.int64))
    if not pos:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pos), np.concatenate(lists)


def _add_to_lists(sums: np.ndarray, rows: np.ndarray, lists: np.ndarray, sign: float = 1.0) -> None:
    """Add (``sign`` -1: subtract) ``rows`` to the count and sum of their ``lists``, in place."""
    order = np.argsort(lists, kind="stable")
    for start in range(0, len(order), ADD_BATCH):
        part = order[start:start + ADD_BATCH]
        grouped = lists[part]
        heads = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        at = grouped[heads]
        sums[at, 0] += sign * np.diff(np.r_[heads, len(part)])
        sums[at, 1:] += sign * np.add.reduceat(rows[part], heads, axis=0, dtype=np.float64)


def list_sums(ivf, flat: np.ndarray) -> np.ndarray:
    """(nlist, 1 + width) float64: each list's row count, then the sum of its float rows."""
    pos, lists = _list_members(ivf)
    sums = np.zeros((ivf.nlist, 1 + flat.shape[1]), np.float64)
    _add_to_lists(sums, _RowsAt(flat, pos), lists)
    return sums


class _RowsAt:
    """``flat[positions[i]]`` for index arrays ``i``, without copying all the rows at once."""

    def __init__(self, flat: np.ndarray, positions: np.ndarray):
        self.flat, self.positions = flat, positions

    def __getitem__(self, i):
        return self.flat[self.positions[i]]


def _padded(x: np.ndarray, d: int) -> np.ndarray:
    """``x`` with zero columns up to ``d`` (PQ needs a dimension its sub-quantisers divide)."""
    x = np.asarray(x, dtype=np.float32)
    if x.shape[1] == d:
        return np.ascontiguousarray(x)
    out = np.zeros((len(x), d), np.float32)
    out[:, :x.shape[1]] = x
    return out


def build_ivf(vectors: np.ndarray, ids: np.ndarray, seed: int = 0):
    """An IndexIVFFlat (inner product) over ``vectors``, trained on a sample of them (the hubness
    stage's neighbour search; the shards use :func:`build_ivf_codes`)."""
    import faiss

    n, d = vectors.shape
    nlist = min(nlist_for(n), max(1, n // 39))      # k-means wants >= 39 points per centroid
    quantizer = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.spherical = True          # unit centroids: probing by inner product favours no list by its norm
    ivf.cp.seed = seed
    ivf.cp.min_points_per_centroid = TRAIN_PER_LIST // 2   # sampled on purpose: no warning about it
    sample = vectors
    if n > nlist * TRAIN_PER_LIST:
        sample = vectors[np.sort(np.random.default_rng(seed).choice(n, nlist * TRAIN_PER_LIST, replace=False))]
    ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
    ivf.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    return ivf


def train_pq(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """The 4-bit codebooks of :func:`build_ivf_codes` (193 small k-means) on PQ_TRAIN_ROWS sampled rows.

    A codebook a shard: one for all of a model's shards (the codes encode the rows themselves,
    ``by_residual`` off, so it would serve) lost 0.007 of recall@10 at 1M; trained on faiss's
    default 4,096 rows a shard, it was most of a 1M build, and 1,024 rows gave the same recall."""
    import faiss

    n, d = vectors.shape
    dp = -(-d // PQ_SUBDIM) * PQ_SUBDIM
    if n > PQ_TRAIN_ROWS:
        vectors = vectors[np.sort(np.random.default_rng(seed).choice(n, PQ_TRAIN_ROWS, replace=False))]
    pq = faiss.ProductQuantizer(dp, dp // PQ_SUBDIM, 4)
    pq.cp.seed = seed
    pq.cp.min_points_per_centroid = 1
    pq.cp.max_points_per_centroid = max(1, PQ_TRAIN_ROWS // 16)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)     # one thread: spinning OpenMP barriers made it 15x dearer on a busy box
    try:
        pq.train(_padded(vectors, dp))
    finally:
        faiss.omp_set_num_threads(threads)
    return faiss.vector_to_array(pq.centroids)


def build_ivf_codes(vectors: np.ndarray, ids: np.ndarray, seed: int = 0, codebooks: np.ndarray | None = None):
    """An IndexIVFPQFastScan (inner product, 4-bit codes of PQ_SUBDIM dimensions each) over
    ``vectors`` with ``ids``: coarse lists trained on a sample (TRAIN_PER_LIST rows a list), the
    codebooks given or trained on a sample (:func:`train_pq`), rows added in batches."""
    import faiss

    faiss.omp_set_num_threads(1)     # this thread only (see sync): no spinning OpenMP barriers
    n, d = vectors.shape
    dp = -(-d // PQ_SUBDIM) * PQ_SUBDIM
    nlist = min(shard_nlist(n), max(1, n // 39))
    ivf = faiss.IndexIVFPQFastScan(faiss.IndexFlatIP(dp), dp, nlist, dp // PQ_SUBDIM, 4, faiss.METRIC_INNER_PRODUCT)
    ivf.by_residual = False          # one lookup table a query for all lists: the scan stays a table lookup
    ivf.cp.spherical = True          # unit centroids: probing by inner product favours no list by its norm
    ivf.cp.seed = seed
    ivf.cp.niter = KMEANS_ITERATIONS
    ivf.cp.min_points_per_centroid = TRAIN_PER_LIST // 2   # sampled on purpose: no warning about it
    if codebooks is None:
        codebooks = train_pq(vectors, seed)
    sample = vectors
    if n > nlist * TRAIN_PER_LIST:
        sample = vectors[np.sort(np.random.default_rng(seed).choice(n, nlist * TRAIN_PER_LIST, replace=False))]
    faiss.Clustering(dp, nlist, ivf.cp).train(_padded(sample, dp), ivf.quantizer)   # the lists' centroids
    faiss.copy_array_to_vector(np.ascontiguousarray(codebooks, dtype=np.float32), ivf.pq.centroids)
    ivf.is_trained = True
    for start in range(0, n, ADD_BATCH):
        ivf.add_with_ids(_padded(vectors[start:start + ADD_BATCH], dp), ids[start:start + ADD_BATCH])
    return ivf


def _make_shard(name: str, ids: np.ndarray, keys: np.ndarray, fp: np.ndarray, vectors: np.ndarray,
                flat_max: int) -> Shard:
    """A new shard over ``vectors`` (rows in id order), positions 0..n-1."""
    flat = np.ascontiguousarray(vectors, dtype=np.float32)
    shard = Shard(name, ids, keys, fp, flat=flat)
    if len(ids) > flat_max:
        shard.ivf = build_ivf_codes(flat, np.arange(len(ids), dtype=np.int64))
        shard.trained_rows = len(ids)
        shard.list_sums = list_sums(shard.ivf, flat)
    return shard


# --------------------------------------------------------------------------
# sync: the store's rows -> a new generation of shards
# --------------------------------------------------------------------------
@dataclass
class SyncReport:
    generation: str
    rows: int = 0
    added: int = 0
    removed: int = 0
    shards_rebuilt: int = 0
    shards_updated: int = 0
    shards_kept: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)


def _latest_generation(root: Path) -> tuple[Path, dict] | None:
    best = None
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.name.startswith("."):
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("format") == FORMAT and (best is None or manifest["created"] > best[1]["created"]):
            best = (folder, manifest)
    return best


def sync(con, db_path: str | os.PathLike, stamp: bool = True, flat_max: int = FLAT_MAX_ROWS,
         progress=None) -> SyncReport:
    """Bring the index in line with the store that ``con`` sees, as a new generation.

    Call it inside the load's transaction, before COMMIT (``stamp=True``): it writes a new
    generation token into the store and the index generation for it. Whether the load
    rebuilt the store or changed a few documents, the index adds and removes only the rows
    whose key or fingerprint changed. With ``stamp=False`` (a read-only store whose index is
    missing) it indexes the store under the token the store already holds.
    """
    t0 = time.perf_counter()
    root = index_dir(db_path)
    root.mkdir(parents=True, exist_ok=True)
    if stamp:
        generation = uuid.uuid4().hex
        con.execute(f"DELETE FROM {STATE_TABLE}")
        con.execute(f"INSERT INTO {STATE_TABLE} (generation) VALUES ({literal(generation)})")
    else:
        generation = store_generation(con)
        if generation is None:
            raise ValueError("the store has no generation token: rebuild it with `kb run`")
    report = SyncReport(generation)
    base = _latest_generation(root)
    base_dir, base_shards = (base[0], base[1]["shards"]) if base else (None, {})
    tmp = root / f".{generation}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    manifest: dict = {"format": FORMAT, "generation": generation, "shards": {}, "tables": {},
                      "created": time.time()}
    try:
        for table in TABLES:
            wanted = _store_rows(con, table, with_vectors=base is None)
            manifest["tables"][table] = _table_rows(con, table)
            report.rows += sum(len(s["ids"]) for s in wanted.values())
            # plan every shard, read all the vectors they need in one scan of the table, then write
            plans = {key: _plan_shard(shard_name(*key), rows, base_dir, base_shards.get(shard_name(*key)), flat_max)
                     for key, rows in wanted.items()}
            for model_id in sorted({m for m, _, _ in plans}):
                mine = [key for key in plans if key[0] == model_id]
                need = [plans[key]["fetch"] for key in mine]
                read = base is not None and sum(map(len, need))     # a first build has them already
                fetched = _fetch_rows(con, table, np.concatenate(need)) if read else None
                offset = 0
                # shards are built and updated on both cores, one shard a thread (faiss releases the
                # GIL), each single-threaded inside: OpenMP's spinning barriers on a loaded machine
                # made a PQ training take 30x the CPU time and 200x the wall time of one thread
                with ThreadPoolExecutor(BUILD_THREADS) as pool:
                    jobs = []
                    for key, rids in zip(mine, need):
                        chunk = None
                        if fetched is not None:
                            chunk = (fetched[0][offset:offset + len(rids)], fetched[1][offset:offset + len(rids)])
                        offset += len(rids)
                        if base is None:
                            chunk = (wanted[key].pop("keys"), wanted[key].pop("vectors"))
                        name = shard_name(*key)
                        part = SyncReport(generation)
                        jobs.append((key, name, part, pool.submit(
                            _apply_plan, plans.pop(key), name, wanted[key], chunk, base_dir, base_shards.get(name),
                            tmp, flat_max, part)))
                    for key, name, part, job in jobs:
                        manifest["shards"][name] = {**job.result(), "table": table, "model_id": key[0],
                                                    "lang": key[1], "kind": key[2]}
                        for count in ("added", "removed", "shards_rebuilt", "shards_updated", "shards_kept"):
                            setattr(report, count, getattr(report, count) + getattr(part, count))
                        if progress:
                            progress(name)
        for name in set(base_shards) - set(manifest["shards"]):
            report.removed += base_shards[name]["rows"]
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        final = root / generation
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _collect_garbage(root, keep=generation)
    report.seconds = time.perf_counter() - t0
    return report


def _plan_shard(name: str, rows: dict, base_dir: Path | None, meta: dict | None, flat_max: int) -> dict:
    """What one shard needs: ``keep`` (unchanged), ``update`` in place (``remove``: the positions of
    rows gone or changed; ``add``: the store's rows to append), or ``rebuild``; and the key_ids
    whose vectors must be read from the store (``fetch``)."""
    old = None
    if meta is not None and base_dir is not None:
        try:
            old = Shard.load(base_dir, name, meta, with_ivf=False)
        except (OSError, ValueError, RuntimeError, KeyError):
            old = None
    if old is None:
        return {"action": "rebuild", "old": None, "fetch": rows["rid"]}
    live = old.live_positions()
    old_ids = np.asarray(old.ids[live])
    order = np.argsort(old_ids, kind="stable")
    old_ids, live = old_ids[order], live[order]
    n = len(rows["ids"])
    keep = np.zeros(len(old_ids), dtype=bool)
    if n:
        at = np.minimum(np.searchsorted(rows["ids"], old_ids), n - 1)
        keep = (rows["ids"][at] == old_ids) & (rows["fp"][at] == np.asarray(old.fp)[live])
    if keep.all() and len(old_ids) == n:
        return {"action": "keep", "fetch": rows["rid"][:0]}
    add = np.ones(n, dtype=bool)
    if n:
        add[at[keep]] = False
    ivf = meta["type"] == "ivf"
    grown = ivf and n > 4 * max(old.trained_rows, 1)
    shrunk = ivf and n <= flat_max // 2
    to_ivf = not ivf and n > flat_max
    crowded = old.stored + int(add.sum()) - n > n // 4      # a quarter tombstones: compact
    if grown or shrunk or to_ivf or crowded:
        return {"action": "rebuild", "old": old, "fetch": rows["rid"]}
    return {"action": "update", "old": old, "remove": live[~keep], "add": add, "fetch": rows["rid"][add]}


def _apply_plan(plan: dict, name: str, rows: dict, fetched: tuple[np.ndarray, np.ndarray] | None,
                base_dir: Path | None, meta: dict | None, out: Path, flat_max: int, report: SyncReport) -> dict:
    """Carry out a plan of :func:`_plan_shard`; ``fetched``: the key_ids and vectors of its ``fetch``."""
    new_keys, vectors = fetched if fetched is not None else (np.zeros(0, dtype=str), None)
    if plan["action"] == "keep":
        for f in base_dir.glob(f"{name}.*"):       # unchanged: the same files, hard-linked
            _link(f, out / f.name)
        report.shards_kept += 1
        return dict(meta)
    n = len(rows["ids"])
    old = plan["old"]
    if plan["action"] == "update":
        # in place: the new rows appended at new positions, the gone ones tombstoned and removed from
        # the IVF; the float rows' file is shared with the previous generation (hard link) and only
        # grows, so that generation, which reads its own number of rows, stays valid
        remove, add = plan["remove"], plan["add"]
        added = int(add.sum())
        report.added += added
        report.removed += len(remove)
        report.shards_updated += 1
        width = int(meta["width"])
        ids = np.concatenate([old.ids, rows["ids"][add]])
        keys = np.concatenate([old.keys, new_keys])
        fp = np.concatenate([old.fp, rows["fp"][add]])
        ids[remove], keys[remove], fp[remove] = -1, "", 0
        flat_file = out / f"{name}.flat.f32"
        _link(base_dir / flat_file.name, flat_file)
        with open(flat_file, "r+b") as f:
            f.truncate(old.stored * width * 4)      # a killed run's rows past the old end, if any
            f.seek(0, os.SEEK_END)
            if added:
                f.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        shard = Shard(name, ids, keys, fp, live=n, trained_rows=old.trained_rows)
        meta_out = {"type": meta["type"], "rows": n, "stored": len(ids), "width": width}
        if meta["type"] == "ivf":
            import faiss

            faiss.omp_set_num_threads(1)     # this thread only (see sync)
            ivf = faiss.read_index(str(base_dir / f"{name}.ivf"))    # into memory, to update it
            # the lists' counts and sums (their means rank the lists) follow the rows in and out
            sums = np.array(old.list_sums, dtype=np.float64)
            if len(remove):
                pos, lists = _list_members(ivf)
                order = np.argsort(pos)
                at = order[np.minimum(np.searchsorted(pos[order], remove), len(pos) - 1)]
                if len(pos) == 0 or (pos[at] != remove).any():
                    raise RuntimeError(f"shard {name}: rows to remove that its IVF does not hold")
                _add_to_lists(sums, _RowsAt(old.flat, remove), lists[at], sign=-1.0)
                ivf.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(remove, dtype=np.int64)))
            if added:
                ivf.add_with_ids(_padded(vectors, ivf.d), np.arange(old.stored, len(ids), dtype=np.int64))
                pos, lists = _list_members(ivf)
                new_rows = pos >= old.stored
                _add_to_lists(sums, _RowsAt(vectors, pos[new_rows] - old.stored), lists[new_rows])
            shard.ivf, shard.list_sums = ivf, sums
            meta_out.update(nlist=int(ivf.nlist), trained_rows=old.trained_rows)
        shard.save(out, flat_written=True)
        return meta_out
    # new, or changed so much that the structure changes: built from the store's vectors
    report.added += n - (0 if old is None else int(np.isin(rows["ids"], old.ids).sum()))
    if old is not None:
        report.removed += int((~np.isin(old.ids[old.live_positions()], rows["ids"])).sum())
    report.shards_rebuilt += 1
    return _make_shard(name, rows["ids"], new_keys, rows["fp"], vectors, flat_max).save(out)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _collect_garbage(root: Path, keep: str) -> None:
    """Drop all but the newest generations (and unfinished temporary folders of dead runs)."""
    complete = []
    for folder in root.iterdir():
        if folder.name.startswith("."):
            if ".tmp-" in folder.name and not _pid_alive(folder.name.rsplit("-", 1)[-1]):
                shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            created = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["created"]
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        complete.append((created, folder))
    complete.sort(reverse=True)
    keep_names = {keep} | {f.name for _, f in complete[:KEEP_GENERATIONS]}
    for _, folder in complete:
        if folder.name not in keep_names:
            shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------
# reading: the index a search uses
# --------------------------------------------------------------------------
class VectorIndex:
    """The shards of one generation, opened memory-mapped."""

    def __init__(self, folder: Path, manifest: dict):
        self.folder = folder
        self.manifest = manifest
        self.generation = manifest["generation"]
        self._shards: dict[str, Shard] = {}
        self._means: dict[tuple, tuple] = {}       # the searched IVF shards' stacked list means

    def shard(self, name: str) -> Shard | None:
        if name not in self._shards:
            meta = self.manifest["shards"].get(name)
            if meta is None:
                return None
            self._shards[name] = Shard.load(self.folder, name, meta)
        return self._shards[name]

    def _stacked_means(self, ivf_shards: Sequence[Shard]) -> tuple:
        names = tuple(s.name for s in ivf_shards)
        if names not in self._means:
            self._means[names] = stacked_means(ivf_shards)
        return self._means[names]

    def shards_for(self, model_id: str, langs: Sequence[str] | None, kinds: Sequence[str]) -> list[Shard]:
        names = [n for n, m in self.manifest["shards"].items()
                 if m["model_id"] == model_id and (langs is None or m["lang"] in langs) and m["kind"] in kinds]
        return [s for s in (self.shard(n) for n in sorted(names)) if s is not None and s.rows]

    def search(self, model_id: str, query: np.ndarray, hubness_weight: float, langs: Sequence[str] | None,
               kinds: Sequence[str], k: int, nprobe: int | None = None) -> list[tuple[str, float]]:
        """The ``k`` best (key_id, score) by ``q . search_vector - hubness_weight * hubness``."""
        from pipeline.query import _blas_threads

        q = np.append(np.asarray(query, dtype=np.float32), np.float32(-hubness_weight))
        shards = self.shards_for(model_id, langs, kinds)
        found = []
        threads = None
        if any(s.ivf is not None for s in shards):
            import faiss

            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)         # one query: OpenMP threads only spin and wait
        try:
            # one query: a second BLAS thread only adds wake-ups (30 ms vs 1 ms, busy box)
            with _blas_threads(1):
                ivf = [s for s in shards if s.ivf is not None]
                plan = probe_plan(ivf, q, means=self._stacked_means(ivf)) if nprobe is None and ivf else {}
                x = _padded(q[None, :], ivf[0].ivf.d) if ivf else None
                for shard in shards:
                    if shard.ivf is not None and nprobe is None and not len(plan[shard.name]):
                        continue                 # none of its lists made the budget
                    found.append((shard, *shard.candidates(q, k, nprobe, lists=plan.get(shard.name), padded=x)))
                # the codes' estimates are comparable across shards (they estimate the same inner
                # product): only the best of all the shards' candidates are re-scored
                est = np.concatenate([f[1] for f in found]) if found else np.zeros(0)
                keep = max(k, RERANK_TOTAL)
                floor = np.partition(est, len(est) - keep)[len(est) - keep] if len(est) > keep else -np.inf
                found = [(shard, s, p) if exact else (shard, shard.flat[chosen] @ q, chosen)
                         for shard, s, p, exact in found for chosen in [np.sort(p[s >= floor])]]
        finally:
            if threads is not None:
                faiss.omp_set_num_threads(threads)
        if not found:
            return []
        score = np.concatenate([s for _, s, _ in found])
        if not len(score):
            return []
        # keys only for the candidates that can make the top k (ties at the k-th score included)
        floor = np.partition(score, len(score) - k)[len(score) - k] if len(score) > k else -np.inf
        best_s, best_k = [], []
        for shard, s, p in found:
            sel = s >= floor
            best_s.append(s[sel])
            best_k.append(shard.keys[p[sel]].astype(str))
        score, key = np.concatenate(best_s), np.concatenate(best_k)
        order = np.lexsort((key, -score))[:k]          # best first, ties by key
        return [(str(k_), float(s_)) for k_, s_ in zip(key[order], score[order])]


def open_index(con, db_path: str | os.PathLike, repair: bool = True) -> VectorIndex | None:
    """The index generation of the store's token, checked against the store's row counts;
    rebuilt from the store when missing or mismatched (``repair``), else None."""
    generation = store_generation(con)
    if generation is None:
        return None
    root = index_dir(db_path)
    folder = root / generation
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        ok = manifest.get("format") == FORMAT and all(
            manifest["tables"].get(t, 0) == _table_rows(con, t) for t in TABLES)
    except (OSError, ValueError, KeyError):
        ok = False
    if not ok:
        if not repair:
            return None
        try:
            sync(con, db_path, stamp=False)
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RuntimeError):
            return None       # e.g. a read-only folder: search falls back to exact SQL
    return VectorIndex(folder, manifest)


def _table_rows(con, table: str) -> int:
    """Rows in ``table``: a cheap check that an index generation belongs to this store state."""
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
