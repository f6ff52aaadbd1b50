"""The vector index beside the store: faiss shards per (model, language, kind), updated in place.

What dense search ranks is ``q . search_vector - w * hubness`` (see :mod:`pipeline.search`).
Each row is stored as the augmented vector ``[search_vector, hubness]`` and each query as
``[q, -w]``, so an inner-product index answers exactly that score, hubness included.

- **Shards.** One shard per (model, language, kind). A search touches only the shards its
  language and kind filters select, so those filters are exact by construction and an
  approximate shard never has to find a rare kind among common ones. Small shards
  (up to :data:`FLAT_MAX_ROWS`) are plain float32 matrices searched exactly with numpy;
  larger ones are faiss ``IndexIVFFlat`` (inner product, spherical k-means, a fraction
  :data:`NPROBE_FRACTION` of the lists probed), read memory-mapped (``IO_FLAG_MMAP``).
- **Stable ids.** A row's faiss id is a 63-bit hash of its ``key_id``: the same row keeps its
  id however the store was loaded, so an update removes and adds exactly the rows that
  changed (``remove_ids`` / ``add_with_ids``), without retraining or re-adding the rest.
  Each shard keeps its sorted ids, their key_ids, and a fingerprint of each row's vector
  and hubness (DuckDB's ``hash``), which is how a changed row is recognised.
- **Consistency.** The store holds a generation token (``vector_index_state``, migration
  008); the index is a folder of generations, each a complete set of shards for one token.
  :func:`sync` runs inside the load's transaction: it stamps a new token, writes that
  generation from the previous one (unchanged shards hard-linked, changed ones updated),
  and only then does the load commit. A run killed before the commit leaves the old store
  and its old generation; one killed after it leaves both new. :func:`open_index` finds the
  generation of the store's token and checks its row counts; when it is missing or does
  not match (a copied store, a deleted folder) it is rebuilt from the store, which is the
  truth: the index is derived data.
"""
from __future__ import annotations

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

FLAT_MAX_ROWS = 1_000    # exact (numpy) up to here; beyond, a search is memory-bound (benchmarks/run.py)
# IVF shards hold 4-bit PQ codes (faiss "fast scan": the scan is a SIMD table lookup, ~30x less
# memory than float rows) over about sqrt(n) lists. Cross-language queries sit far from every item
# of the searched language, so their best matches spread over many lists: a large fraction of the
# lists is probed, and the RERANK best candidates are re-scored exactly from the float rows
# (benchmarks/run.py: recall@10 against exact search on vectors made from real embeddings).
NPROBE = 16
NPROBE_FRACTION = 0.4
RERANK = 128
PQ_SUBDIM = 2            # 4-bit codes of 2 dimensions: 4 dimensions halved the scan but lost 3 points of recall
MIN_NLIST = 64
MAX_NLIST = 1024
NLIST_PER_SQRT = 1.0
# k-means training points per list (faiss asks for 39) and iterations (faiss's default 25): the
# coarse k-means was most of a build at 1M rows on 2 cores
TRAIN_PER_LIST = 32
KMEANS_ITERATIONS = 10
ADD_BATCH = 65_536
BUILD_THREADS = 2
TABLES = ("embedding", "embedding_aux")
FORMAT = 2     # 2: every shard keeps its float rows; IVF shards are PQ codes re-scored from them; md5 ids
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


def _store_rows(con, table: str, with_vectors: bool = False) -> dict[tuple[str, str, str], dict[str, np.ndarray]]:
    """(model_id, lang, kind) -> sorted ids, key_ids and fingerprints of the store's rows; and
    with ``with_vectors`` their [search_vector, hubness] rows too (a first build reads them in
    the same scan, instead of joining a million key_ids back to the table)."""
    groups = con.execute(f"SELECT DISTINCT e.model_id, u.lang, u.kind FROM {table} e "
                         f"JOIN search_units u USING (key_id) ORDER BY ALL").fetchall()
    extra = ", e.search_vector, coalesce(h.hubness, 0)::FLOAT AS hubness" if with_vectors else ""
    result = con.execute(
        f"SELECT dense_rank() OVER (ORDER BY e.model_id, u.lang, u.kind) - 1 AS g, e.key_id, "
        f"{STABLE_ID_SQL.format(key='e.key_id')} AS id, hash(e.search_vector, coalesce(h.hubness, 0)) AS fp{extra} "
        f"FROM {table} e JOIN search_units u USING (key_id) "
        f"LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id")
    vectors = None
    if with_vectors:
        a = result.to_arrow_table()
        t = {name: a.column(name).to_numpy() for name in ("g", "id", "fp", "hubness")}
        t["key_id"] = a.column("key_id").to_numpy()
        if a.num_rows:
            vec = a.column("search_vector").combine_chunks()
            dim = vec.type.list_size
            vectors = np.empty((a.num_rows, dim + 1), dtype=np.float32)
            vectors[:, :dim] = vec.flatten().to_numpy(zero_copy_only=False).reshape(a.num_rows, dim)
            vectors[:, dim] = t["hubness"]
        del a
    else:
        t = result.fetchnumpy()
    out: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}
    if len(t["key_id"]) == 0:
        return out
    keys = np.asarray(t["key_id"], dtype=object)
    ids = np.asarray(t["id"], dtype=np.int64)
    fp = np.asarray(t["fp"]).astype(np.uint64).view(np.int64)
    group = np.asarray(t["g"])
    for g, (model_id, lang, kind) in enumerate(groups):
        rows = np.flatnonzero(group == g)
        order = rows[np.argsort(ids[rows], kind="stable")]
        if len(np.unique(ids[order])) != len(order):
            raise RuntimeError("two key_ids share a 63-bit id")   # ~1e-7 at a million rows
        out[(model_id, lang, kind)] = {"ids": ids[order], "keys": keys[order].astype(str), "fp": fp[order]}
        if vectors is not None:
            out[(model_id, lang, kind)]["vectors"] = vectors[order]
    return out


def _fetch_vectors(con, table: str, model_id: str, keys: np.ndarray) -> np.ndarray:
    """[search_vector, hubness] of the given key_ids, in their order, float32."""
    import pyarrow as pa

    if len(keys) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    wanted = pa.table({"key_id": pa.array(keys.tolist(), pa.string()),
                       "pos": pa.array(np.arange(len(keys)), pa.int64())})
    con.register("_index_wanted", wanted)
    try:
        t = con.execute(
            f"SELECT w.pos, e.search_vector, coalesce(h.hubness, 0)::FLOAT AS hubness FROM _index_wanted w "
            f"JOIN {table} e ON e.key_id = w.key_id AND e.model_id = ? "
            f"LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id",
            [model_id]).to_arrow_table()
    finally:
        con.unregister("_index_wanted")
    if t.num_rows != len(keys):
        raise RuntimeError(f"{len(keys) - t.num_rows} rows of {table} vanished while indexing")
    vec = t.column("search_vector").combine_chunks()
    dim = vec.type.list_size
    out = np.empty((t.num_rows, dim + 1), dtype=np.float32)
    at = t.column("pos").to_numpy()
    out[at, :dim] = vec.flatten().to_numpy(zero_copy_only=False).reshape(t.num_rows, dim)
    out[at, dim] = t.column("hubness").to_numpy()
    return out


# --------------------------------------------------------------------------
# shards
# --------------------------------------------------------------------------
@dataclass
class Shard:
    """One (model, language, kind): sorted ids, their keys and fingerprints, the float32 rows
    ``[search_vector, hubness]`` in id order (``flat``), and beyond :data:`FLAT_MAX_ROWS` a faiss
    IVF index of 4-bit PQ codes over them (``ivf``) whose candidates are re-scored exactly."""
    name: str
    ids: np.ndarray
    keys: np.ndarray
    fp: np.ndarray
    flat: np.ndarray | None = None
    ivf: object | None = None
    trained_rows: int = 0           # rows the IVF was trained on: retrained when it has grown 4x

    @property
    def rows(self) -> int:
        return len(self.ids)

    def search(self, query: np.ndarray, k: int, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and keys of the ``k`` best rows for each query row ([m, d+1]). An IVF shard probes
        ``nprobe`` lists (default: a fraction :data:`NPROBE_FRACTION` of them); probing every list
        is an exact search."""
        k = min(k, self.rows)
        if k <= 0:
            return np.zeros((len(query), 0), np.float32), np.zeros((len(query), 0), dtype=self.keys.dtype)
        if self.ivf is None or (nprobe is not None and nprobe >= self.ivf.nlist):
            return self._exact(query, np.arange(self.rows)[None, :].repeat(len(query), axis=0), k)
        import faiss

        nlist = self.ivf.nlist
        if nprobe is None:
            nprobe = max(NPROBE, math.ceil(nlist * NPROBE_FRACTION))
        params = faiss.SearchParametersIVF(nprobe=min(nprobe, nlist))
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)         # one query: OpenMP threads only spin and wait
        try:
            _, ids = self.ivf.search(_padded(query, self.ivf.d), max(k, RERANK), params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        # the codes only choose candidates: their scores come from the float rows (id order)
        found = ids >= 0
        pos = np.where(found, np.searchsorted(self.ids, np.where(found, ids, 0)), -1)
        return self._exact(query, pos, k)

    def _exact(self, query: np.ndarray, pos: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best of the rows at ``pos`` (per query row; -1: none) by exact inner product."""
        from pipeline.query import _blas_threads

        out_s = np.full((len(query), k), -np.inf, np.float32)
        out_k = np.full((len(query), k), "", dtype=self.keys.dtype)
        for row, (q, p) in enumerate(zip(query, pos)):
            p = p[p >= 0]
            if not len(p):
                continue
            with _blas_threads(1):   # one query: a second BLAS thread only adds wake-ups (30 ms vs 1 ms, busy box)
                scores = (self.flat if len(p) == self.rows else self.flat[np.sort(p)]) @ q
            p = np.arange(self.rows) if len(p) == self.rows else np.sort(p)
            kk = min(k, len(p))
            top = np.argpartition(-scores, kk - 1)[:kk] if kk < len(p) else np.arange(len(p))
            top = top[np.lexsort((p[top], -scores[top]))]      # best first; ties by id order (deterministic)
            out_s[row, :kk], out_k[row, :kk] = scores[top], self.keys[p[top]]
        return out_s, out_k

    def save(self, folder: Path) -> dict:
        np.save(folder / f"{self.name}.ids.npy", self.ids)
        np.save(folder / f"{self.name}.keys.npy", self.keys)
        np.save(folder / f"{self.name}.fp.npy", self.fp)
        np.save(folder / f"{self.name}.flat.npy", self.flat)
        if self.ivf is None:
            return {"type": "flat", "rows": self.rows}
        import faiss

        faiss.write_index(self.ivf, str(folder / f"{self.name}.ivf"))
        return {"type": "ivf", "rows": self.rows, "nlist": int(self.ivf.nlist), "trained_rows": self.trained_rows}

    @classmethod
    def load(cls, folder: Path, name: str, meta: dict, writable: bool = False) -> "Shard":
        mode = None if writable else "r"
        shard = cls(name, np.load(folder / f"{name}.ids.npy", mmap_mode=mode),
                    np.load(folder / f"{name}.keys.npy", mmap_mode=mode),
                    np.load(folder / f"{name}.fp.npy", mmap_mode=mode))
        shard.flat = np.load(folder / f"{name}.flat.npy", mmap_mode=mode)
        if meta["type"] != "flat":
            import faiss

            shard.ivf = faiss.read_index(str(folder / f"{name}.ivf"), faiss.IO_FLAG_READ_ONLY if not writable else 0)
            shard.trained_rows = int(meta.get("trained_rows", shard.rows))
        if len(shard.ids) != meta["rows"] or len(shard.flat) != meta["rows"]:
            raise ValueError(f"shard {name}: {len(shard.ids)} rows, the manifest says {meta['rows']}")
        return shard


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


def build_ivf_codes(vectors: np.ndarray, ids: np.ndarray, seed: int = 0):
    """An IndexIVFPQFastScan (inner product, 4-bit codes of PQ_SUBDIM dimensions each) over
    ``vectors``: coarse lists and codebooks trained on a sample, rows added in batches."""
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
    ivf.pq.cp.min_points_per_centroid = 1                   # the codebooks: 16 centroids, from the same sample
    sample = vectors
    if n > nlist * TRAIN_PER_LIST:
        sample = vectors[np.sort(np.random.default_rng(seed).choice(n, nlist * TRAIN_PER_LIST, replace=False))]
    ivf.train(_padded(sample, dp))
    for start in range(0, n, ADD_BATCH):
        ivf.add_with_ids(_padded(vectors[start:start + ADD_BATCH], dp), ids[start:start + ADD_BATCH])
    return ivf


def _make_shard(name: str, ids: np.ndarray, keys: np.ndarray, fp: np.ndarray, vectors: np.ndarray,
                flat_max: int) -> Shard:
    flat = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(ids) <= flat_max:
        return Shard(name, ids, keys, fp, flat=flat)
    return Shard(name, ids, keys, fp, flat=flat, ivf=build_ivf_codes(flat, ids), trained_rows=len(ids))


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
        con.execute(f"INSERT INTO {STATE_TABLE} (generation) VALUES (?)", [generation])
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
                vectors = _fetch_vectors(con, table, model_id, np.concatenate(need)) if read else None
                offset = 0
                # shards are built and updated on both cores, one shard a thread (faiss releases the
                # GIL), each single-threaded inside: OpenMP's spinning barriers on a loaded machine
                # made a PQ training take 30x the CPU time and 200x the wall time of one thread
                with ThreadPoolExecutor(BUILD_THREADS) as pool:
                    jobs = []
                    for key, keys in zip(mine, need):
                        chunk = vectors[offset:offset + len(keys)] if vectors is not None else None
                        offset += len(keys)
                        if base is None:
                            chunk = wanted[key].pop("vectors")
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
    """What one shard needs: ``keep`` (unchanged), ``update`` in place, or ``rebuild``; and the
    key_ids whose vectors must be read from the store (``fetch``)."""
    old = None
    if meta is not None and base_dir is not None:
        try:
            old = Shard.load(base_dir, name, meta, writable=False)
        except (OSError, ValueError, RuntimeError):
            old = None
    nothing = rows["keys"][:0]
    if old is not None and np.array_equal(old.ids, rows["ids"]) and np.array_equal(old.fp, rows["fp"]):
        return {"action": "keep", "fetch": nothing}
    n = len(rows["ids"])
    if old is not None:
        same = np.isin(old.ids, rows["ids"])
        at = np.searchsorted(rows["ids"], old.ids[same])
        keep_old = np.zeros(len(old.ids), dtype=bool)
        keep_old[np.flatnonzero(same)] = rows["fp"][at] == old.fp[same]
        add = ~np.isin(rows["ids"], old.ids[keep_old])
        grown = old.ivf is not None and n > 4 * max(old.trained_rows, 1)
        shrunk = old.ivf is not None and n <= flat_max // 2
        to_ivf = old.ivf is None and n > flat_max
        if not (grown or shrunk or to_ivf):
            return {"action": "update", "old": old, "keep_old": keep_old, "add": add, "fetch": rows["keys"][add]}
    return {"action": "rebuild", "old": old, "fetch": rows["keys"]}


def _apply_plan(plan: dict, name: str, rows: dict, vectors: np.ndarray | None, base_dir: Path | None,
                meta: dict | None, out: Path, flat_max: int, report: SyncReport) -> dict:
    if plan["action"] == "keep":
        for f in base_dir.glob(f"{name}.*"):       # unchanged: the same files, hard-linked
            try:
                os.link(f, out / f.name)
            except OSError:
                shutil.copy2(f, out / f.name)
        report.shards_kept += 1
        return dict(meta)
    n = len(rows["ids"])
    old = plan["old"]
    if plan["action"] == "update":
        keep_old, add = plan["keep_old"], plan["add"]
        remove = old.ids[~keep_old]
        report.added += int(add.sum())
        report.removed += len(remove)
        report.shards_updated += 1
        width = old.flat.shape[1] if old.rows else vectors.shape[1]
        merged = np.empty((n, width), np.float32)
        merged[~add] = old.flat[keep_old]          # both in id order: kept rows keep their order
        if add.any():
            merged[add] = vectors
        shard = Shard(name, rows["ids"], rows["keys"], rows["fp"], flat=merged)
        if old.ivf is not None:
            import faiss

            faiss.omp_set_num_threads(1)     # this thread only (see sync)
            ivf = faiss.read_index(str(base_dir / f"{name}.ivf"))    # into memory, to update it
            if len(remove):
                ivf.remove_ids(np.ascontiguousarray(remove, dtype=np.int64))
            if add.any():
                ivf.add_with_ids(_padded(vectors, ivf.d), rows["ids"][add])
            shard.ivf, shard.trained_rows = ivf, old.trained_rows
        return shard.save(out)
    # new, or changed so much that the structure changes: built from the store's vectors
    report.added += n - (0 if old is None else int(np.isin(rows["ids"], old.ids).sum()))
    if old is not None:
        report.removed += int((~np.isin(old.ids, rows["ids"])).sum())
    report.shards_rebuilt += 1
    return _make_shard(name, rows["ids"], rows["keys"], rows["fp"], vectors, flat_max).save(out)


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

    def shard(self, name: str) -> Shard | None:
        if name not in self._shards:
            meta = self.manifest["shards"].get(name)
            if meta is None:
                return None
            self._shards[name] = Shard.load(self.folder, name, meta)
        return self._shards[name]

    def shards_for(self, model_id: str, langs: Sequence[str] | None, kinds: Sequence[str]) -> list[Shard]:
        names = [n for n, m in self.manifest["shards"].items()
                 if m["model_id"] == model_id and (langs is None or m["lang"] in langs) and m["kind"] in kinds]
        return [s for s in (self.shard(n) for n in sorted(names)) if s is not None and s.rows]

    def search(self, model_id: str, query: np.ndarray, hubness_weight: float, langs: Sequence[str] | None,
               kinds: Sequence[str], k: int, nprobe: int | None = None) -> list[tuple[str, float]]:
        """The ``k`` best (key_id, score) by ``q . search_vector - hubness_weight * hubness``."""
        q = np.append(np.asarray(query, dtype=np.float32), np.float32(-hubness_weight))[None, :]
        scores, keys = [], []
        for shard in self.shards_for(model_id, langs, kinds):
            s, key = shard.search(q, k, nprobe)
            scores.append(s[0])
            keys.append(key[0].astype(str))
        if not scores:
            return []
        score, key = np.concatenate(scores), np.concatenate(keys)
        found = key != ""
        score, key = score[found], key[found]
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
