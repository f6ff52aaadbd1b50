"""Benchmarks (speed, not behaviour; never run by the tests).

    .venv/bin/python benchmarks/run.py [--db outputs/knowledge.duckdb] [--synthetic 100000] [--skip-hnsw]

1. embed stage throughput against plain ``SentenceTransformer.encode`` on the same texts;
2. ``kb search`` cold start (process start + model load + query), median of 3;
3. API vector search latency p50/p99 over N synthetic items (``Searcher.dense``: inner product with
   the search vectors less hubness), exact against HNSW (vss extension), with recall@10 of HNSW
   against exact, with and without a language filter;
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

    from pipeline.embedder import Embedder
    from pipeline.stages import embed

    con = duckdb.connect(db, read_only=True)
    items = con.execute("SELECT item_id, doc_id, block_idx, text FROM item").to_arrow_table()
    blocks = con.execute("SELECT doc_id, block_idx, kind, text FROM block").to_arrow_table()
    con.close()
    # what the stage encodes: items, passages and the body blocks giving items their context, once each
    contexts = embed.context_blocks(items, blocks)
    block_texts = blocks.column("text").to_pylist()
    texts = list(dict.fromkeys([r["text"] for r in embed.texts_to_embed(items, blocks)]
                               + [block_texts[i] for idx in contexts.values() for i in idx]))
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


def _synthetic_store(path: pathlib.Path, n: int, dim: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A store with ``n`` synthetic items in 3 languages (clustered vectors, their hubness computed by the
    hubness stage); their vectors and the hubness stage's seconds."""
    import pyarrow as pa

    from pipeline import store

    # clustered synthetic vectors: closer to real embeddings than uniform noise
    centres = rng.normal(size=(200, dim)).astype(np.float32)
    vecs = centres[rng.integers(0, 200, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ctx = vecs + 0.5 * rng.normal(size=(n, dim)).astype(np.float32)
    ctx /= np.linalg.norm(ctx, axis=1, keepdims=True)
    search = (vecs + ctx) / 2                      # item + context, as the embed stage writes it
    path.unlink(missing_ok=True)
    con = store.connect_new(path)
    store.migrate(con, dim)
    docs = pa.table({"doc_id": [f"d{i}" for i in range(n // 100)], "lang": [("id", "pl", "nl")[i % 3]
                                                                            for i in range(n // 100)]})
    ids = pa.array([f"i{i:07d}" for i in range(n)])
    from pipeline.stages import hubness

    rows = pa.table({"item_id": ids, "doc_id": [f"d{i // 100}" for i in range(n)],
                     "vector": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), dim),
                     "search_vector": pa.FixedSizeListArray.from_arrays(pa.array(search.ravel()), dim)})
    t0 = time.perf_counter()
    hub = hubness.run(rows.rename_columns(["key_id", "doc_id", "vector", "search_vector"])
                      .append_column("key_kind", pa.array(["item"] * n))
                      .append_column("model_id", pa.array(["synthetic"] * n)), docs)["hubness"]
    hub_s = time.perf_counter() - t0
    rows = rows.append_column("hubness", hub.column("hubness"))
    con.execute("INSERT INTO doc_source (doc_id, source_path, content_hash, source_format, raw_text) "
                "SELECT doc_id, doc_id || '.txt', doc_id, 'text', '' FROM docs")
    con.execute("INSERT INTO doc_language SELECT doc_id, lang, 1.0 FROM docs")
    con.execute("INSERT INTO item (item_id, doc_id, kind, lang, text, start_char, end_char, extractor) "
                "SELECT r.item_id, r.doc_id, 'tip', d.lang, r.item_id, 0, 0, 'synthetic' FROM rows r JOIN docs d USING (doc_id)")
    con.execute(f"INSERT INTO embedding SELECT item_id, 'item', doc_id, 'synthetic', '', {dim}, vector, search_vector "
                f"FROM rows")
    con.execute("INSERT INTO hubness SELECT item_id, 'synthetic', hubness FROM rows")
    con.close()
    return vecs, hub_s


def bench_vectors(n: int, dim: int = 384, n_queries: int = 100, hnsw: bool = True) -> dict:
    """``Searcher.dense`` (the API's vector path, query encoding aside) on exact and HNSW stores."""
    import shutil

    from pipeline import KnowledgeStore, store

    rng = np.random.default_rng(0)
    exact_db, hnsw_db = pathlib.Path("/tmp/kb_bench_exact.duckdb"), pathlib.Path("/tmp/kb_bench_hnsw.duckdb")
    vecs, hub_s = _synthetic_store(exact_db, n, dim, rng)
    queries = vecs[rng.integers(0, n, n_queries)] + 0.3 * rng.normal(size=(n_queries, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    from pipeline.search import CANDIDATES

    def timed(db: pathlib.Path, langs: list[str] | None) -> tuple[list[list[str]], list[float]]:
        with KnowledgeStore(db) as ks:
            s = ks._searcher()
            where, params = s._filters(langs, None, None)
            s.dense(queries[0], where, params, CANDIDATES)             # warm-up
            results, times = [], []
            for q in queries:   # the call search makes: CANDIDATES per ranking, before fusion
                t0 = time.perf_counter()
                results.append(s.dense(q, where, params, CANDIDATES))
                times.append((time.perf_counter() - t0) * 1000)
        return results, times

    out: dict = {"items": n, "hubness_stage_s": round(hub_s, 1)}
    exact = {}
    for label, langs in (("", None), ("_lang_filter", ["id", "nl"])):
        exact[label], t = timed(exact_db, langs)
        out[f"exact{label}_p50_ms"] = round(float(np.percentile(t, 50)), 1)
        out[f"exact{label}_p99_ms"] = round(float(np.percentile(t, 99)), 1)
    if hnsw:
        shutil.copy(exact_db, hnsw_db)
        import duckdb

        con = duckdb.connect(str(hnsw_db))
        t0 = time.perf_counter()
        built = store.build_indexes(con, hnsw_min_rows=0)["hnsw"]
        out["hnsw_build_s"] = round(time.perf_counter() - t0, 1)
        con.close()
        if built:
            for label, langs in (("", None), ("_lang_filter", ["id", "nl"])):
                approx, t = timed(hnsw_db, langs)
                out[f"hnsw{label}_p50_ms"] = round(float(np.percentile(t, 50)), 1)
                out[f"hnsw{label}_p99_ms"] = round(float(np.percentile(t, 99)), 1)
                for k in (10, CANDIDATES):
                    out[f"hnsw{label}_recall_at_{k}"] = round(float(np.mean(
                        [len(set(a[:k]) & set(e[:k])) / k for a, e in zip(approx, exact[label])])), 3)
        hnsw_db.unlink(missing_ok=True)
    exact_db.unlink(missing_ok=True)
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
