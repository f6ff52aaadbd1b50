"""Choose the clustering threshold on hand-labelled pairs and report the clusters' precision.

    .venv/bin/python tools/cluster_threshold.py [--db STORE] [--pairs tests/fixtures/cluster_pairs.jsonl]

Without ``--db`` it builds a store (embeddings included, a few minutes) from the sample
articles (``corpus/``) plus the extra real articles (``benchmarks/data/holdout/``).

The pairs file holds one pair of items a line, named by source path and text (so the
labels survive re-extraction), with ``same``: whether the two say the same advice or
claim, judged by reading them. It was labelled by hand, without the scores in view,
from three pools: the pairs ranked highest by each model's score and by their mean
with 40 more drawn at random further down, pairs of the same kind and statistic value
across languages, and the mutual nearest neighbours across languages.

For each threshold the clustering stage runs on the store's tables and a labelled pair
counts as predicted-same when its two items land in one cluster:

    precision = labelled pairs in one cluster that are the same / labelled pairs in one cluster
    recall    = labelled same pairs in one cluster / labelled same pairs

The chosen threshold is the lowest whose precision reaches --target with at least
--min-support labelled pairs in clusters; when none does, the one with the best
precision at that support, and the script says so.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_store(out: pathlib.Path) -> pathlib.Path:
    from pipeline.runner import RunSettings, run

    corpus = out / "corpus"
    corpus.mkdir(parents=True)
    for p in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    for lang in ("id", "pl", "nl"):
        shutil.copytree(ROOT / "benchmarks" / "data" / "holdout" / lang, corpus / lang)
    return run(corpus, out / "out", RunSettings(), progress=True).store


def load_tables(db: pathlib.Path):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    items = con.execute("SELECT * FROM items").to_arrow_table()
    emb = [con.execute(f"SELECT key_id, key_kind, doc_id, model_id, search_vector FROM {t}").to_arrow_table()
           for t in ("embedding", "embedding_aux")]
    hub = con.execute("SELECT * FROM hubness").to_arrow_table()
    con.close()
    return items, emb, hub


def labelled_pairs(path: pathlib.Path, items) -> tuple[list[tuple[str, str, bool, bool]], int]:
    """(item_a, item_b, same, cross-language) for each labelled pair found in the store; and how many were not."""
    by_text: dict[tuple[str, str], list[str]] = {}
    for r in items.select(["item_id", "source_path", "text"]).to_pylist():
        by_text.setdefault((r["source_path"], r["text"]), []).append(r["item_id"])
    out, missing = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        a = by_text.get((p["a"]["source_path"], p["a"]["text"]))
        b = by_text.get((p["b"]["source_path"], p["b"]["text"]))
        if not a or not b:
            missing += 1
            continue
        out.append((a[0], b[0], bool(p["same"]), p["a"]["lang"] != p["b"]["lang"]))
    return out, missing


def evaluate(items, emb, hub, pairs, threshold: float, models: str) -> dict:
    from pipeline.stages import cluster

    main, aux = {"main": (emb[0], None), "aux": (emb[1], None), "both": (emb[0], emb[1])}[models]
    clusters = cluster.run(items, main, aux, hub, cluster.Settings(threshold=threshold))["clusters"]
    of = dict(zip(clusters.column("item_id").to_pylist(), clusters.column("cluster_id").to_pylist()))
    lang_of = dict(zip(items.column("item_id").to_pylist(), items.column("lang").to_pylist()))
    langs: dict[str, set] = {}
    for item, c in of.items():
        langs.setdefault(c, set()).add(lang_of[item])
    together = [(same, cross) for a, b, same, cross in pairs if a in of and of.get(a) == of.get(b)]
    positives = sum(same for _, _, same, _ in pairs)
    tp = sum(same for same, _ in together)
    return {"threshold": round(threshold, 4), "clusters": len(langs),
            "cross_language_clusters": sum(len(v) > 1 for v in langs.values()),
            "labelled_in_clusters": len(together), "same": tp,
            "precision": round(tp / len(together), 3) if together else None,
            "recall": round(tp / positives, 3) if positives else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=pathlib.Path, help="a store built from corpus/ + the holdout articles")
    ap.add_argument("--pairs", type=pathlib.Path, default=ROOT / "tests" / "fixtures" / "cluster_pairs.jsonl")
    ap.add_argument("--models", choices=("main", "aux", "both"), default="both",
                    help="whose search vectors score a pair (default: both, as the stage does with the auxiliary model on)")
    ap.add_argument("--target", type=float, default=0.9)
    ap.add_argument("--min-support", type=int, default=5)
    ap.add_argument("--grid", default="", help="thresholds to try, comma-separated (default: a sweep)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or build_store(pathlib.Path(tmp))
        items, emb, hub = load_tables(db)
    pairs, missing = labelled_pairs(a.pairs, items)
    print(f"{len(pairs)} labelled pairs ({sum(p[2] for p in pairs)} same, "
          f"{sum(p[2] and p[3] for p in pairs)} of them across languages); {missing} not in the store")
    grid = [float(x) for x in a.grid.split(",")] if a.grid else list(np.round(np.arange(-0.05, 0.40, 0.01), 3))
    rows = [evaluate(items, emb, hub, pairs, t, a.models) for t in grid]
    rows = [r for r in rows if r["clusters"]]
    for r in rows:
        print(json.dumps(r))
    supported = [r for r in rows if r["labelled_in_clusters"] >= a.min_support]
    good = [r for r in supported if r["precision"] >= a.target]
    if good:
        best = min(good, key=lambda r: r["threshold"])
        print(f"\nchosen: threshold {best['threshold']} (lowest with precision >= {a.target})")
    elif supported:
        best = max(supported, key=lambda r: (r["precision"], -r["threshold"]))
        print(f"\nno threshold reaches precision {a.target} with {a.min_support}+ labelled pairs in clusters; "
              f"best precision: threshold {best['threshold']}")
    else:
        best = None
        print("\nno threshold puts enough labelled pairs in clusters")
    if best:
        print(json.dumps(best))


if __name__ == "__main__":
    main()
