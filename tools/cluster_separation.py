"""How well does a pair score separate "says the same thing" from the rest, on the labelled pairs?

    .venv/bin/python tools/cluster_separation.py --db STORE [--layers 4,6,8,10,12]

For each score (the stage's pooled CSLS over both encoders; token alignment, BERTScore F1 with
and without IDF and SimAlign's mutual-argmax share, for each hidden layer of e5; and each token
score corrected for hubness as CSLS is: minus the mean of the two items' ``--k`` best scores in the
other's language) it prints ROC-AUC on all labelled pairs found in the store and on the
cross-language ones, and the precision at the rank where 5 / all cross-language same pairs are
recovered. Then it ranks the candidate cross-language pairs the stage would consider (each item's
``--neighbours`` best of each other language by the pooled score, same kind, other document) by
the chosen token score and shows their labels from the top (``Y`` same, ``.`` not, ``?``
unlabelled). ``--proposals N --out FILE`` writes the top N unlabelled candidates mixed with as
many rejected ones, shuffled and without scores, for blind labelling.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """ROC-AUC by ranks (ties count half)."""
    pos, neg = scores[labels], scores[~labels]
    if not len(pos) or not len(neg):
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    r = np.arange(1, len(order) + 1, dtype=float)
    # average ranks of ties
    _, inv, counts = np.unique(allv, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r)
    ranks[order] = (sums / counts)[inv]
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def precision_at_found(scores: np.ndarray, labels: np.ndarray, found: int) -> float | None:
    """Precision of the top-ranked pairs down to the one where ``found`` same pairs are in."""
    order = np.argsort(-scores, kind="mergesort")
    hits = np.cumsum(labels[order])
    at = np.flatnonzero(hits >= found)
    if not len(at):
        return None
    return round(float(found / (at[0] + 1)), 3)


def main() -> None:
    from cluster_threshold import labelled_pairs, load_tables

    from pipeline import alignment
    from pipeline.stages import cluster

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=pathlib.Path, required=True)
    ap.add_argument("--pairs", type=pathlib.Path, default=ROOT / "tests" / "fixtures" / "cluster_pairs.jsonl")
    ap.add_argument("--layers", default="4,6,8,10,12")
    ap.add_argument("--score-layers", default="", help="score only these of --layers (default: all)")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--neighbours", type=int, default=5)
    ap.add_argument("--rank-by", default="", help="score name to rank the candidates by")
    ap.add_argument("--show", type=int, default=0, help="print the texts of the top N candidates")
    ap.add_argument("--proposals", type=int, default=0)
    ap.add_argument("--out", type=pathlib.Path)
    ap.add_argument("--key", type=pathlib.Path, help="where to note which of --out were proposed (not beside it)")
    a = ap.parse_args()

    items, emb, hub = load_tables(a.db)
    pairs, missing = labelled_pairs(a.pairs, items)
    rows = [r for r in items.to_pylist() if r["kind"] in cluster.Settings().kinds]
    ids = [r["item_id"] for r in rows]
    at = {i: n for n, i in enumerate(ids)}
    lang = np.array([r["lang"] for r in rows])
    doc = np.array([r["doc_id"] for r in rows])
    kind = np.array([r["kind"] for r in rows])
    print(f"{len(rows)} items; {len(pairs)} labelled pairs in the store ({missing} not), "
          f"{sum(p[2] for p in pairs)} same, {sum(p[2] and p[3] for p in pairs)} across languages")

    spaces = [cluster._Space(t, hub, ids) for t in emb if t.num_rows]
    pooled = cluster._scores(spaces, np.arange(len(ids)), np.arange(len(ids)))
    # what the stage may join: same kind and agreement key (a statistic's value and unit, an example's
    # entity), other document, statistics naming one thing in common
    key = np.array([f"{r['kind']}|{agree}" if (agree := cluster.agreement_key(r)) is not None else f"-{n}"
                    for n, r in enumerate(rows)])
    named = cluster.anchors([r["text"] or "" for r in rows], list(lang))
    stat = kind == "statistic"
    shares = np.array([[bool(x & y) for y in named] for x in named])
    allowed = (key[:, None] == key[None, :]) & (doc[:, None] != doc[None, :]) & (~stat[:, None] | shares)

    layers = [int(x) for x in a.layers.split(",")]
    t0 = time.process_time()
    cache = a.db.parent / f"tokens-{a.layers}.pkl"
    if cache.exists():
        import pickle
        toks = pickle.loads(cache.read_bytes())
    else:
        import pickle
        toks = alignment.TokenEncoder().encode([r["text"] or "" for r in rows], layers)
        cache.write_bytes(pickle.dumps(toks))
    enc_cpu = time.process_time() - t0
    idf = alignment.idf_weights(toks[layers[0]])

    # every pair of the store at once: R[i, j] = IDF-weighted mean over i's tokens of their best match in j
    scores: dict[str, np.ndarray] = {"pooled CSLS (stage)": pooled}
    match_cpu = 0.0
    score_layers = [int(x) for x in a.score_layers.split(",")] if a.score_layers else layers
    for lay in score_layers:
        t0 = time.process_time()
        f_idf = alignment.f1_matrix(toks[lay], idf)
        match_cpu += time.process_time() - t0
        scores[f"F1 idf L{lay}"] = f_idf
        scores[f"F1 L{lay}"] = alignment.f1_matrix(toks[lay], None)
        r = alignment.recall_matrix(toks[lay], idf)
        scores[f"Rmax idf L{lay}"] = np.maximum(r, r.T)
        scores[f"Rmin idf L{lay}"] = np.minimum(r, r.T)
    def z(m):
        v = m[allowed]
        return (m - v.mean()) / v.std()
    for lay in score_layers:
        scores[f"pooled + F1 idf L{lay} (z)"] = z(pooled) + z(scores[f"F1 idf L{lay}"])
    ii, jj = np.nonzero(np.triu(allowed, 1))
    # hubness correction: minus the mean of each item's k best of the other's language
    for name in [n for n in scores if n != "pooled CSLS (stage)" and "(z)" not in n and n.startswith("F1")]:
        s = np.where(allowed, scores[name], -np.inf)
        r = np.zeros((len(ids), len(ids)), np.float32)
        for code in np.unique(lang):
            cols = lang == code
            top = -np.sort(-s[:, cols], axis=1)[:, :a.k]
            ok = np.isfinite(top)
            r[:, cols] = (np.where(ok, top, 0).sum(1) / np.maximum(ok.sum(1), 1))[:, None]
        scores[name + " CSLS"] = scores[name] - (r + r.T) / 2
    n_pairs = len(ii)
    print(f"CPU: token encoding {enc_cpu:.1f} s for {len(rows)} items ({len(layers)} layers kept); "
          f"matching {match_cpu:.1f} s for {n_pairs} pairs x {len(layers)} layers")

    pa_, pb_ = np.array([at[p[0]] for p in pairs]), np.array([at[p[1]] for p in pairs])
    same = np.array([p[2] for p in pairs])
    cross = np.array([p[3] for p in pairs])
    print(f"\n| score | AUC all | AUC cross-language | P@5 cross found | P@all cross found | P@recall 0.5 all |")
    print("|---|---|---|---|---|---|")
    for name, s in scores.items():
        v = s[pa_, pb_]
        print(f"| {name} | {auc(v, same):.3f} | {auc(v[cross], same[cross]):.3f} | "
              f"{precision_at_found(v[cross], same[cross], 5)} | "
              f"{precision_at_found(v[cross], same[cross], int(same[cross].sum()))} | "
              f"{precision_at_found(v, same, int(round(same.sum() / 2)))} |")

    # the candidates the stage would see, across languages, ranked by one score
    label = {tuple(sorted((at[p[0]], at[p[1]]))): p[2] for p in pairs}
    cand = set()
    for i in range(len(ids)):
        for code in np.unique(lang):
            if code == lang[i]:
                continue
            cols = np.flatnonzero(allowed[i] & (lang == code))
            if not len(cols):
                continue
            best = cols[np.argsort(-pooled[i, cols])[:a.neighbours]]
            cand.update((min(i, int(j)), max(i, int(j))) for j in best)
    names = a.rank_by.split(";") if a.rank_by else [n for n in scores if "(z)" in n or n.startswith("F1 idf")] + ["pooled CSLS (stage)"]
    for name in names:
        ranked = sorted(cand, key=lambda p: -scores[name][p])
        labels = [label[p] for p in ranked if p in label]
        print(f"\n{name}: {len(ranked)} candidate cross-language pairs, {len(labels)} labelled, {sum(labels)} same")
        print("  top 60: " + "".join("?" if p not in label else "Y" if label[p] else "." for p in ranked[:60]))
        if a.show:
            for p in ranked[:a.show]:
                print(f"   {'?' if p not in label else 'Y' if label[p] else '.'} {scores[name][p]:.3f} "
                      f"[{lang[p[0]]}] {rows[p[0]]['text'][:90]!r} | [{lang[p[1]]}] {rows[p[1]]['text'][:90]!r}")
    if a.proposals and a.out:
        # the top unlabelled candidates of each --rank-by score (";"-separated), and as many that every one of
        # them ranks in its lower two thirds; one pair per pair of texts; shuffled, sides swapped at random
        def text_key(p):
            return tuple(sorted((rows[p[0]]["source_path"], rows[p[0]]["text"], rows[p[1]]["source_path"],
                                 rows[p[1]]["text"])))
        seen = {text_key(p) for p in label}
        top, names = [], a.rank_by.split(";")
        for name in names:
            ranked = sorted(cand, key=lambda p: -scores[name][p])
            n = 0
            for p in ranked:
                if n >= a.proposals:
                    break
                if text_key(p) not in seen:
                    seen.add(text_key(p))
                    top.append(p)
                    n += 1
        low = set(cand)
        for name in names:
            ranked = sorted(cand, key=lambda p: -scores[name][p])
            low &= set(ranked[len(ranked) // 3:])
        rest = []
        for p in sorted(low):
            if text_key(p) not in seen:
                seen.add(text_key(p))
                rest.append(p)
        rng = random.Random(10)
        shown = top + rng.sample(rest, min(len(top), len(rest)))
        rng.shuffle(shown)
        with a.out.open("w", encoding="utf-8") as f:
            for i, j in shown:
                if rng.random() < 0.5:
                    i, j = j, i
                f.write(json.dumps({"kind": rows[i]["kind"],
                                    "a": {k: rows[i][k] for k in ("source_path", "lang", "text")},
                                    "b": {k: rows[j][k] for k in ("source_path", "lang", "text")}},
                                   ensure_ascii=False) + "\n")
        if a.key:   # which were proposed: kept apart from what the labeller sees
            a.key.write_text(json.dumps({"proposed": [text_key(p) for p in top]}, ensure_ascii=False),
                             encoding="utf-8")
        print(f"wrote {len(shown)} pairs to {a.out}")


if __name__ == "__main__":
    main()
