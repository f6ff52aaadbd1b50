"""Train the cited-example model (``example_model``) and measure it leave-one-source-out.

    python -m pipeline.extract.train_examples            # train, print LOSO figures, write the weights
    python -m pipeline.extract.train_examples --dry-run  # figures only

Data: the sample articles (``corpus/``, annotations ``tests/fixtures/seeds.json``) and the
development articles (``tests/fixtures/dev-corpus/``, ``tests/fixtures/dev.json``), run through
the pipeline without embeddings into one store (as ``make eval`` does). Every candidate entity
of every article (``examples.entities``) is a row; its label is whether the annotators list its
name (core or allowed) among the article's examples, matched as the reference scorer matches
names. The rows are written to ``pipeline/extract/example_training.jsonl``.

Leave-one-source-out: each article in turn is held out, the model trained on all the others
(samples and development alike) and the held-out article's entities kept by the rules or at the threshold (as the extractor does: a platform named once never);
the figures are the reference scorer's examples precision / recall / F1 over those held-out
predictions, overall and per language, beside the rules alone on the same candidates.

Needs scikit-learn (``pip install -e '.[train]'``); the pipeline itself only reads the weights.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
import tempfile

from pipeline import evaluate
from pipeline.docmodel import DocContext, build
from pipeline.extract import example_model, examples

ROOT = pathlib.Path(__file__).resolve().parents[2]
WEIGHTS_PY = pathlib.Path(__file__).with_name("example_weights.py")
ROWS_JSONL = pathlib.Path(__file__).with_name("example_training.jsonl")
C = 1.0             # the textbook default regularisation; not tuned
THRESHOLD = 0.5


def load_docs(store: pathlib.Path) -> list[tuple[str, DocContext]]:
    """(file name, DocContext) of every document of a store, from its public views."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    out = []
    for doc_id, path, lang, title, raw in con.execute(
            "SELECT doc_id, source_path, lang, title, raw_text FROM documents ORDER BY source_path").fetchall():
        cols = ["block_idx", "kind", "level", "parent_idx", "marker", "number", "start_char", "end_char"]
        blocks = [dict(zip(cols, r)) for r in con.execute(
            f"SELECT {', '.join(cols)} FROM blocks WHERE doc_id = ?", [doc_id]).fetchall()]
        scols = ["sent_idx", "block_idx", "start_char", "end_char", "text"]
        sents = [dict(zip(scols, r)) for r in con.execute(
            f"SELECT {', '.join(scols)} FROM sentences WHERE doc_id = ?", [doc_id]).fetchall()]
        removed = con.execute("SELECT start_char, end_char FROM removed_spans WHERE doc_id = ?", [doc_id]).fetchall()
        out.append((pathlib.PurePath(path).name, build(doc_id, lang, title, raw, blocks, sents, list(removed))))
    return out


def rows_of(docs: list[tuple[str, DocContext]], gold: dict) -> list[dict]:
    """One row per candidate entity: article, language, name, rule decision, features, label."""
    rows = []
    for name, doc in docs:
        g = gold.get(name)
        if g is None:
            continue
        allowed = g["examples"]["core"] + g["examples"]["allowed"]
        for ent in examples.entities(doc):
            display = examples._display(ent)
            rows.append({"doc": name, "lang": doc.lang, "entity": display, "rules": ent.accepted,
                         "features": example_model.features(ent, doc),
                         "label": int(any(evaluate.name_match(display, a) for a in allowed))})
    return rows


def _fit(rows: list[dict], keys: list[str]) -> dict:
    from sklearn.linear_model import LogisticRegression

    x = [[r["features"][k] for k in keys] for r in rows]
    y = [r["label"] for r in rows]
    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return {"intercept": float(model.intercept_[0]),
            "coef": {k: round(float(c), 6) for k, c in zip(keys, model.coef_[0])}, "threshold": THRESHOLD}


def _prob(w: dict, feats: dict) -> float:
    z = w["intercept"] + sum(w["coef"].get(k, 0.0) * v for k, v in feats.items())
    return 1 / (1 + math.exp(-z))


def _score(pred: dict[str, list[str]], gold: dict, docs: list[str]) -> dict:
    """The reference scorer's examples figures over the named articles."""
    t = [0, 0, 0, 0]
    for d in docs:
        g = gold[d]["examples"]
        core, allowed = g["core"], g["core"] + g["allowed"]
        ents = sorted(set(pred.get(d, [])))
        t[0] += sum(1 for e in ents if any(evaluate.name_match(e, a) for a in allowed))
        t[1] += len(ents)
        t[2] += sum(1 for a in core if any(evaluate.name_match(e, a) for e in ents))
        t[3] += len(core)
    return evaluate.prf(*t)


def loso(rows: list[dict], keys: list[str]) -> dict[str, list[str]]:
    """Held-out predictions: each article's entities kept by its rules or by a model trained on the other articles."""
    pred: dict[str, list[str]] = {}
    for d in sorted({r["doc"] for r in rows}):
        w = _fit([r for r in rows if r["doc"] != d], keys)
        pred[d] = [r["entity"] for r in rows if r["doc"] == d
                   and (r["rules"] or (_prob(w, r["features"]) >= w["threshold"]
                                       and not (r["features"]["platform"] and r["features"]["mentions_log"] < 1.0)))]
    return pred


def report(rows: list[dict], gold: dict, keys: list[str]) -> str:
    held = loso(rows, keys)
    rules = {}
    for r in rows:
        if r["rules"]:
            rules.setdefault(r["doc"], []).append(r["entity"])
    docs = sorted({r["doc"] for r in rows})
    lang_of = {r["doc"]: r["lang"] for r in rows}
    seeds = set(json.loads((ROOT / "tests/fixtures/seeds.json").read_text(encoding="utf-8")))
    groups = {"all 23": docs, "samples": [d for d in docs if d in seeds], "dev": [d for d in docs if d not in seeds]}
    for lang in evaluate.LANGS:
        groups[f"dev {lang}"] = [d for d in groups["dev"] if lang_of[d] == lang]
    lines = [f"{'examples P / R / F1':<14} {'rules alone':>22} {'rules + learned, held out (LOSO)':>34}"]
    for label, ds in groups.items():
        a, b = _score(rules, gold, ds), _score(held, gold, ds)
        lines.append(f"{label:<14} {a['precision']:>6.3f} {a['recall']:>6.3f} {a['f1']:>6.3f}"
                     f"        {b['precision']:>6.3f} {b['recall']:>6.3f} {b['f1']:>6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    ap.add_argument("--store", help="an existing store of the samples and development articles (skips the run)")
    args = ap.parse_args(argv)
    gold = {**json.loads((ROOT / "tests/fixtures/seeds.json").read_text(encoding="utf-8")),
            **json.loads((ROOT / "tests/fixtures/dev.json").read_text(encoding="utf-8"))}
    if args.store:
        store = pathlib.Path(args.store)
    else:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="train-examples-"))
        store = evaluate.build_dev_store(ROOT / "corpus", ROOT / "tests/fixtures/dev-corpus", tmp)
    rows = rows_of(load_docs(store), gold)
    keys = sorted(rows[0]["features"])
    print(f"{len(rows)} candidate entities, {sum(r['label'] for r in rows)} cited examples, "
          f"{len({r['doc'] for r in rows})} articles", file=sys.stderr)
    print(report(rows, gold, keys))
    if args.dry_run:
        return 0
    w = _fit(rows, keys)
    ROWS_JSONL.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
                          encoding="utf-8")
    WEIGHTS_PY.write_text(
        '"""Weights of the cited-example model (``example_model``); written by '
        '``python -m pipeline.extract.train_examples``."""\n'
        f"WEIGHTS = {json.dumps(w, indent=4, sort_keys=True)}\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_PY.relative_to(ROOT)} and {ROWS_JSONL.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
