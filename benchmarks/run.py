"""Benchmarks (speed, not behaviour; never run by the tests).

    .venv/bin/python benchmarks/run.py [--db outputs/knowledge.duckdb] [--synthetic 100000] [--skip-hnsw]

1. embed stage throughput against plain ``SentenceTransformer.encode`` on the same texts;
2. ``kb search`` cold start (process start + model load + query), median of 3;
3. API search latency p50/p99 over N synthetic items: exact (``array_cosine_similarity``)
   against HNSW (vss extension), with recall@10 of HNSW against exact;
4. extraction time per article on the store's corpus.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_embed(db: str) -> dict:
    import duckdb
    import pyarrow as pa

    from pipeline.embedder import Embedder
    from pipeline.stages import embed

    con = duckdb.connect(db, read_only=True)
    items = con.execute("SELECT item_id, doc_id, text FROM item").to_arrow_table()
    blocks = con.execute("SELECT doc_id, block_idx, kind, text FROM block").to_arrow_table()
    con.close()
    texts = [r["text"] for r in embed.texts_to_embed(items, blocks)]
    emb = Embedder()
    model = emb._model()
    model.encode(["passage: warm up"] * 8)
    t0 = time.perf_counter()
    model.encode(["passage: " + t for t in texts], batch_size=emb.batch_size, normalize_embeddings=True)
    raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    embed.run(items, blocks, emb, cache=None)
    stage = time.perf_counter() - t0
    return {"texts": len(texts), "raw_encode_per_s": round(len(texts) / raw, 1),
            "embed_stage_per_s": round(len(texts) / stage, 1), "stage_vs_raw": round(raw / stage, 3)}


def bench_cold_search(db: str) -> dict:
    kb = str(ROOT / ".venv" / "bin" / "kb")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([kb, "search", "Reageer snel op klachten van klanten", "--lang", "id,pl", "--json",
                        "--db", db], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([kb, "--help"], check=True, capture_output=True)
    return {"kb_search_cold_s_median": round(statistics.median(times), 2),
            "kb_help_s": round(time.perf_counter() - t0, 2)}


def _latencies(con, sql: str, queries: np.ndarray, dim: int) -> tuple[list[list[int]], list[float]]:
    results, times = [], []
    for q in queries:
        literal = "[" + ",".join(f"{x:.7g}" for x in q) + f"]::FLOAT[{dim}]"
        t0 = time.perf_counter()
        rows = con.execute(sql.replace("$Q", literal)).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
        results.append([r[0] for r in rows])
    return results, times


def bench_vectors(n: int, dim: int = 384, n_queries: int = 100, hnsw: bool = True) -> dict:
    import duckdb

    from pipeline.store import load_extension

    rng = np.random.default_rng(0)
    # clustered synthetic vectors: closer to real embeddings than uniform noise
    centres = rng.normal(size=(200, dim)).astype(np.float32)
    vecs = centres[rng.integers(0, 200, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    queries = vecs[rng.integers(0, n, n_queries)] + 0.3 * rng.normal(size=(n_queries, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    path = "/tmp/kb_bench_vectors.duckdb"
    pathlib.Path(path).unlink(missing_ok=True)
    con = duckdb.connect(path)
    import pyarrow as pa

    synthetic = pa.table({"id": np.arange(n, dtype=np.int64),
                      "vector": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), dim)})
    con.execute(f"CREATE TABLE v AS SELECT id, vector::FLOAT[{dim}] AS vector FROM synthetic")
    exact_sql = "SELECT id FROM v ORDER BY array_cosine_similarity(vector, $Q) DESC LIMIT 10"
    exact, t_exact = _latencies(con, exact_sql, queries, dim)
    out = {"items": n, "exact_p50_ms": round(float(np.percentile(t_exact, 50)), 1),
           "exact_p99_ms": round(float(np.percentile(t_exact, 99)), 1)}
    if hnsw and load_extension(con, "vss"):
        con.execute("SET hnsw_enable_experimental_persistence = true")
        t0 = time.perf_counter()
        con.execute("CREATE INDEX v_hnsw ON v USING HNSW (vector) WITH (metric = 'cosine')")
        out["hnsw_build_s"] = round(time.perf_counter() - t0, 1)
        hnsw_sql = "SELECT id FROM v ORDER BY array_cosine_distance(vector, $Q) LIMIT 10"
        plan = con.execute("EXPLAIN " + hnsw_sql.replace("$Q", f"{queries[0].tolist()}::FLOAT[{dim}]")).fetchall()
        out["hnsw_used"] = "HNSW" in str(plan)
        for ef in (64, 256):
            con.execute(f"SET hnsw_ef_search = {ef}")
            approx, t_hnsw = _latencies(con, hnsw_sql, queries, dim)
            out[f"hnsw_ef{ef}_p50_ms"] = round(float(np.percentile(t_hnsw, 50)), 1)
            out[f"hnsw_ef{ef}_p99_ms"] = round(float(np.percentile(t_hnsw, 99)), 1)
            out[f"hnsw_ef{ef}_recall_at_10"] = round(float(np.mean([len(set(a) & set(e)) / 10
                                                                   for a, e in zip(approx, exact)])), 3)
    con.close()
    pathlib.Path(path).unlink(missing_ok=True)
    return out


def bench_extract(corpus: str) -> dict:
    from pipeline.runner import RunSettings, run

    out = pathlib.Path("/tmp/kb_bench_extract")
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    res = run(corpus, out, RunSettings(embed=False), progress=False)
    stages = {s.stage: s for s in res.stages}
    per_article = sum(stages[s].seconds for s in ("normalise", "segment", "extract")) / max(1, res.documents)
    return {"documents": res.documents, "extract_stage_s": round(stages["extract"].seconds, 3),
            "normalise_segment_extract_s_per_article": round(per_article, 3), "whole_run_s": round(res.seconds, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(ROOT / "outputs" / "knowledge.duckdb"))
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--skip-hnsw", action="store_true")
    ap.add_argument("--only", choices=("embed", "cold", "vectors", "extract"))
    args = ap.parse_args()
    report = {}
    if args.only in (None, "extract"):
        report["extract"] = bench_extract(args.corpus)
    if args.only in (None, "embed"):
        report["embed"] = bench_embed(args.db)
    if args.only in (None, "cold"):
        report["cold_search"] = bench_cold_search(args.db)
    if args.only in (None, "vectors"):
        report["vector_search"] = bench_vectors(args.synthetic, hnsw=not args.skip_hnsw)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
