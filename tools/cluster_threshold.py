"""Choose the clustering threshold on hand-labelled pairs and report the clusters' precision.

    .venv/bin/python tools/cluster_threshold.py [--db STORE] [--pairs tests/fixtures/cluster_pairs.jsonl]

Without ``--db`` it builds a store (embeddings included, a few minutes) from the sample
articles (``corpus/``) plus the extra real articles (``tests/fixtures/holdout-corpus/``) and the
development articles (``tests/fixtures/dev-corpus/``, under ``dev/``).

The pairs file holds one pair of items a line, named by source path and text (so the
labels survive re-extraction), with ``same``: whether the two say the same advice or
claim, judged by reading them. It was labelled by hand, without the scores in view,
from three pools: the pairs ranked highest by each model's score and by their mean
with 40 more drawn at random further down, pairs of the same kind and statistic value
across languages, and the mutual nearest neighbours across languages (369 pairs); then
every pair the stage put in one cluster with both models agreeing (``--agree`` 1 and 2,
thresholds 0 to 0.16) that was not labelled yet, shown shuffled and without scores (108
pairs, ``"pool"`` says so); then every cross-language mutual best match by margin (``--mutual``:
e5, USE, their mean; on the acceptance store) not labelled yet, the same way (102 pairs).

The labelled pairs are split in two halves by a hash of each pair: a threshold per kind is
chosen on the calibration half, and the clusters those thresholds give are scored on the
held-out half (and on all pairs). For each threshold the clustering stage runs on the
store's tables and a labelled pair counts as predicted-same when its two items land in one
cluster:

    precision = labelled pairs in one cluster that are the same / labelled pairs in one cluster
    recall    = labelled same pairs in one cluster / labelled same pairs

A kind's threshold is the lowest whose calibration precision reaches --target with at least
--min-support labelled pairs in clusters; when none does, the one with the best precision
at that support, and the script says so.

``--corpora acceptance`` builds the store the issue's acceptance names instead: the samples and
the extra real articles only (no development articles).

``--mutual`` reports instead the margin-based mining of bitext (Artetxe & Schwenk 2019,
"Margin-based parallel corpus mining with multilingual sentence embeddings"): for each model,
``margin(x, y) = cos(x, y) / ((r(x) + r(y)) / 2)`` with ``r(x)`` the mean cosine of ``x`` to its
``--k`` nearest items of ``y``'s language (and ``r(y)`` likewise in ``x``'s language), over the
pairs the stage may join (same kind and agreement key, other document, statistics' anchors);
a pair is kept when each is the other's best match of its language. Per score (each model's
margin, the mean of both models' margins standardised, pairs mutual under both models) it
prints the cross-language mutual best pairs ranked by margin as a string of labels (``Y`` same,
``.`` not, ``?`` unlabelled) and the precision of the top 5 / 10 / 20 / all labelled: whether
the score puts the true equivalents first.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import shutil
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_store(out: pathlib.Path, dev: bool = True) -> pathlib.Path:
    """A store of the samples + the extra real articles (+ the development articles under dev/)."""
    from pipeline.runner import RunSettings, run

    corpus = out / "corpus"
    corpus.mkdir(parents=True)
    for p in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    for lang in ("id", "pl", "nl"):
        shutil.copytree(ROOT / "tests" / "fixtures" / "holdout-corpus" / lang, corpus / lang)
        if dev:
            shutil.copytree(ROOT / "tests" / "fixtures" / "dev-corpus" / lang, corpus / "dev" / lang)
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


def split(pairs: list[tuple[str, str, bool, bool]]) -> tuple[list, list]:
    """Calibration and held-out halves of the labelled pairs, by a stable hash of each pair's item ids."""
    from pipeline.textmap import stable_hash

    cal, held = [], []
    for p in pairs:
        (held if int(stable_hash(*sorted(p[:2])), 16) % 2 else cal).append(p)
    return cal, held


def cluster_of(items, emb, hub, settings, models: str) -> dict[str, str]:
    from pipeline.stages import cluster

    main, aux = {"main": (emb[0], None), "aux": (emb[1], None), "both": (emb[0], emb[1])}[models]
    clusters = cluster.run(items, main, aux, hub, settings)["clusters"]
    return dict(zip(clusters.column("item_id").to_pylist(), clusters.column("cluster_id").to_pylist()))


def score(of: dict[str, str], items, pairs) -> dict:
    """Clusters, cross-language clusters, and the precision / recall of the clusters on ``pairs``."""
    lang_of = dict(zip(items.column("item_id").to_pylist(), items.column("lang").to_pylist()))
    langs: dict[str, set] = {}
    for item, c in of.items():
        langs.setdefault(c, set()).add(lang_of[item])
    together = [(same, cross) for a, b, same, cross in pairs if a in of and of.get(a) == of.get(b)]
    positives = sum(same for _, _, same, _ in pairs)
    tp = sum(same for same, _ in together)
    return {"clusters": len(langs), "cross_language_clusters": sum(len(v) > 1 for v in langs.values()),
            "labelled_in_clusters": len(together), "same": tp,
            "precision": round(tp / len(together), 3) if together else None,
            "recall": round(tp / positives, 3) if positives else None}


def choose(rows: list[dict], target: float, min_support: int) -> tuple[dict | None, str]:
    supported = [r for r in rows if r["labelled_in_clusters"] >= min_support]
    good = [r for r in supported if r["precision"] >= target]
    if good:
        return min(good, key=lambda r: r["threshold"]), f"lowest with precision >= {target}"
    if supported and max(r["precision"] for r in supported) > 0:
        return max(supported, key=lambda r: (r["precision"], -r["threshold"])), \
            f"none reaches {target} with {min_support}+ labelled pairs in clusters: the most precise"
    return None, "too few labelled pairs in clusters, or none of them the same, at any threshold"


def margin_matrix(vectors: np.ndarray, allowed: np.ndarray, lang: np.ndarray, k: int) -> np.ndarray:
    """Ratio margin between every two items: cos / mean of each one's k-NN cosine in the other's language.

    ``allowed[i, j]``: j counts among i's neighbours (same kind, another document).
    """
    cos = vectors @ vectors.T
    knn = {}
    for code in np.unique(lang):
        m = np.where(allowed & (lang[None, :] == code), cos, -np.inf)
        top = -np.sort(-m, axis=1)[:, :min(k, int((lang == code).sum()))]
        found = np.isfinite(top)
        knn[code] = np.where(found.any(1), np.where(found, top, 0).sum(1) / np.maximum(found.sum(1), 1), 1.0)
    r = np.stack([knn[code] for code in lang], axis=1)          # r[i, j]: i's k-NN mean in j's language
    return cos / np.maximum((r + r.T) / 2, 1e-6)


def mutual_best(score: np.ndarray, allowed: np.ndarray, lang: np.ndarray) -> set[tuple[int, int]]:
    """(i, j), i < j: j is i's best partner of j's language and i is j's best of i's language."""
    score = np.where(allowed, score, -np.inf)
    n = len(score)
    best = {}
    for code in np.unique(lang):
        cols = np.flatnonzero(lang == code)
        b = cols[np.argmax(score[:, cols], axis=1)]
        best[code] = np.where(np.isfinite(score[np.arange(n), b]), b, -1)
    return {(min(i, int(j)), max(i, int(j))) for i in range(n) for code in best
            if (j := best[code][i]) >= 0 and best[lang[i]][j] == i}


def mutual_report(items, emb, pairs, k: int) -> None:
    """The margin-based mutual best matches across languages, ranked, against the labels."""
    import pyarrow.compute as pc

    from pipeline.stages import cluster

    rows = [r for r in items.select(["item_id", "doc_id", "kind", "lang", "text", "value", "unit", "currency",
                                     "entity"]).to_pylist() if r["kind"] in cluster.Settings().kinds]
    ids = [r["item_id"] for r in rows]
    lang = np.array([r["lang"] for r in rows])
    doc = np.array([r["doc_id"] for r in rows])
    key = np.array([f"{r['kind']}|{agree}" if (agree := cluster.agreement_key(r)) is not None else f"-{n}"
                    for n, r in enumerate(rows)])
    named = cluster.anchors([r["text"] or "" for r in rows], list(lang))
    stat = np.array([r["kind"] == "statistic" for r in rows])
    shares = np.array([[bool(a & b) for b in named] for a in named])
    kind = np.array([r["kind"] for r in rows])
    neighbourhood = (kind[:, None] == kind[None, :]) & (doc[:, None] != doc[None, :])
    allowed = neighbourhood & (key[:, None] == key[None, :]) & (~stat[:, None] | shares)   # what may join
    margins = {}
    for name, table in zip(("e5", "USE"), emb):
        table = table.filter(pc.equal(table.column("key_kind"), "item"))
        at = {i: n for n, i in enumerate(table.column("key_id").to_pylist())}
        v = np.asarray(table.column("search_vector").to_pylist(), dtype=np.float32)[[at[i] for i in ids]]
        margins[name] = margin_matrix(v / np.linalg.norm(v, axis=1, keepdims=True), neighbourhood, lang, k)
    z = {n: (m - m[allowed].mean()) / m[allowed].std() for n, m in margins.items()}
    scores = {**margins, "mean of both (standardised)": sum(z.values()) / len(z)}
    at = {i: n for n, i in enumerate(ids)}
    label = {tuple(sorted((at[a], at[b]))): same for a, b, same, _ in pairs if a in at and b in at}
    cross_labelled = [same for (a, b), same in label.items() if lang[a] != lang[b]]
    print(f"{len(rows)} items; {len(cross_labelled)} labelled cross-language pairs in the store, "
          f"{sum(cross_labelled)} of them the same advice")
    mutual = {n: mutual_best(s, allowed, lang) for n, s in scores.items()}
    mutual["mutual under both models"] = mutual["e5"] & mutual["USE"]
    for name, found in mutual.items():
        s = scores.get(name, scores["mean of both (standardised)"])
        ranked = sorted((p for p in found if lang[p[0]] != lang[p[1]]), key=lambda p: -s[p])
        labels = [label[p] for p in ranked if p in label]
        top = {n: (round(sum(labels[:n]) / len(labels[:n]), 3) if labels[:n] else None) for n in (5, 10, 20)}
        print(f"\n{name}: {len(ranked)} cross-language mutual best pairs, {len(labels)} labelled, {sum(labels)} same; "
              f"precision of the top 5 / 10 / 20 / all labelled: {top[5]} / {top[10]} / {top[20]} / "
              f"{round(sum(labels) / len(labels), 3) if labels else None}")
        print("  ranked by margin: " + "".join("?" if p not in label else "Y" if label[p] else "." for p in ranked))


def main() -> None:
    from pipeline.stages import cluster

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=pathlib.Path, help="a store built from corpus/ + the extra articles")
    ap.add_argument("--pairs", type=pathlib.Path, default=ROOT / "tests" / "fixtures" / "cluster_pairs.jsonl")
    ap.add_argument("--models", choices=("main", "aux", "both"), default="both",
                    help="whose search vectors score a pair (default: both, as the stage does with the auxiliary model on)")
    ap.add_argument("--agree", type=int, default=cluster.Settings().agree,
                    help="each item among the other's N best under every model (0: off)")
    ap.add_argument("--target", type=float, default=0.9)
    ap.add_argument("--min-support", type=int, default=5)
    ap.add_argument("--grid", default="", help="thresholds to try, comma-separated (default: a sweep)")
    ap.add_argument("--corpora", choices=("all", "acceptance"), default="all",
                    help="without --db: the store to build (acceptance: samples + extra real articles only)")
    ap.add_argument("--mutual", action="store_true",
                    help="report the margin-based mutual best matches across languages instead (see above)")
    ap.add_argument("--k", type=int, default=4, help="neighbours for the margin's k-NN means (--mutual)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or build_store(pathlib.Path(tmp), dev=a.corpora == "all")
        items, emb, hub = load_tables(db)
    pairs, missing = labelled_pairs(a.pairs, items)
    cal, held = split(pairs)
    print(f"{len(pairs)} labelled pairs ({sum(p[2] for p in pairs)} same, "
          f"{sum(p[2] and p[3] for p in pairs)} of them across languages); {missing} not in the store; "
          f"calibration {len(cal)}, held out {len(held)}")
    if a.mutual:
        mutual_report(items, emb, pairs, a.k)
        return
    grid = [float(x) for x in a.grid.split(",")] if a.grid else [float(t) for t in np.round(np.arange(-0.04, 0.30, 0.02), 3)]
    kind_of = dict(zip(items.column("item_id").to_pylist(), items.column("kind").to_pylist()))
    chosen: dict[str, float] = {}
    base = cluster.Settings(agree=a.agree)
    for kind in base.kinds:
        of_kind = [p for p in cal if kind_of[p[0]] == kind]
        rows = []
        for t in grid:
            settings = dataclasses.replace(base, threshold=t, kinds=(kind,))
            rows.append({"kind": kind, "threshold": t, **score(cluster_of(items, emb, hub, settings, a.models),
                                                               items, of_kind)})
        best, why = choose(rows, a.target, a.min_support)
        for r in rows:
            print(json.dumps(r))
        print(f"{kind}: {why}: " + (json.dumps(best) if best else "the default threshold kept"))
        if best:
            chosen[kind] = float(best["threshold"])
    settings = dataclasses.replace(base, kind_thresholds=tuple(sorted(chosen.items())))
    of = cluster_of(items, emb, hub, settings, a.models)
    print(f"\nchosen: agree={a.agree} kind_thresholds={settings.kind_thresholds}")
    for name, subset in (("calibration", cal), ("held out", held), ("all", pairs)):
        print(f"{name:12s} {json.dumps(score(of, items, subset))}")


if __name__ == "__main__":
    main()
