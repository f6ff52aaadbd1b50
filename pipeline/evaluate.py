"""The project's own extraction evaluation: the reference scorer's matching rules over our store.

    python -m pipeline.evaluate outputs/knowledge.duckdb tests/fixtures/seeds.json

Rules (same as the reference ``score.py``): per document and kind, a predicted item
matches a gold anchor when the anchor, reduced to lower-case letters and digits,
is contained in the item's text reduced the same way, and the item's text is at
most 400 characters; statistics must also carry the gold value; examples match by
name tokens (either side's token set a subset of the other's). Precision counts
predictions matching a core or an allowed anchor; recall counts core anchors
matched, each prediction matching at most one.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
import unicodedata

from pipeline.textmap import squash

MAX_ITEM_CHARS = 400
KINDS = ("myths", "tips", "statistics", "examples")


def tokens(text: str) -> frozenset:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return frozenset(t for t in re.split(r"[^\w]+", text) if t)


def contains(item_text: str, anchor: str) -> bool:
    return len(item_text or "") <= MAX_ITEM_CHARS and squash(anchor) in squash(item_text)


def same_value(a, b) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def name_match(pred: str, aliases) -> bool:
    p = tokens(pred)
    return bool(p) and any((g := tokens(a)) and (p <= g or g <= p) for a in aliases)


def greedy(preds, golds, match) -> int:
    used, hits = set(), 0
    for g in golds:
        for i, p in enumerate(preds):
            if i not in used and match(p, g):
                used.add(i)
                hits += 1
                break
    return hits


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_pred / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp_gold / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "predicted": n_pred, "gold": n_gold}


def evaluate(db_path: str, gold_path: str) -> dict:
    """Per-kind P/R/F1, macro F1, statistic unit and source accuracy."""
    import duckdb

    gold = json.loads(pathlib.Path(gold_path).read_text(encoding="utf-8"))
    con = duckdb.connect(db_path, read_only=True)
    by_name = {pathlib.PurePath(p).name: d for d, p in con.execute("SELECT doc_id, source_path FROM documents").fetchall()}

    def rows(sql: str) -> dict:
        out: dict = {}
        for r in con.execute(sql).fetchall():
            out.setdefault(r[0], []).append(r[1:])
        return out

    preds = {"myths": rows("SELECT doc_id, text FROM myths"), "tips": rows("SELECT doc_id, text FROM tips"),
             "statistics": rows("SELECT doc_id, text, value, unit, source FROM statistics"),
             "examples": rows("SELECT doc_id, entity FROM examples")}
    tot = {k: [0, 0, 0, 0] for k in KINDS}
    unit = [0, 0]
    src = [0, 0]
    for name, g in gold.items():
        doc_id = by_name.get(name)
        for k in ("myths", "tips"):
            texts = [p[0] for p in preds[k].get(doc_id, [])]
            anchors = g[k]["core"] + g[k]["allowed"]
            counts = (sum(1 for t in texts if any(contains(t, a) for a in anchors)), len(texts),
                      greedy(texts, g[k]["core"], contains), len(g[k]["core"]))
            tot[k] = [a + b for a, b in zip(tot[k], counts)]
        stats, core = preds["statistics"].get(doc_id, []), g["statistics"]["core"]

        def stat_match(p, s):
            return same_value(p[1], s["value"]) and contains(p[0], s["anchor"])

        ok = sum(1 for p in stats if any(stat_match(p, s) for s in core)
                 or any(contains(p[0], a) for a in g["statistics"]["allowed"]))
        tot["statistics"] = [a + b for a, b in zip(tot["statistics"], (ok, len(stats), greedy(stats, core, stat_match),
                                                                        len(core)))]
        for s in core:
            p = next((p for p in stats if stat_match(p, s)), None)
            if p is None:
                continue
            unit = [unit[0] + ((p[2] or "").lower() == s["unit"]), unit[1] + 1]
            if s.get("source"):
                hit = name_match(p[3] or "", s["source"]) or any(squash(a) in squash(p[3] or "")
                                                                 for a in s["source"] if squash(a))
                src = [src[0] + hit, src[1] + 1]
        ents = sorted({(p[0] or "").strip() for p in preds["examples"].get(doc_id, []) if (p[0] or "").strip()})
        core = g["examples"]["core"]
        allowed = core + g["examples"]["allowed"]
        counts = (sum(1 for e in ents if any(name_match(e, a) for a in allowed)), len(ents),
                  sum(1 for a in core if any(name_match(e, a) for e in ents)), len(core))
        tot["examples"] = [a + b for a, b in zip(tot["examples"], counts)]
    result = {k: prf(*tot[k]) for k in KINDS}
    result["macro_f1"] = round(sum(result[k]["f1"] for k in KINDS) / len(KINDS), 4)
    result["statistic_unit_accuracy"] = round(unit[0] / unit[1], 4) if unit[1] else None
    result["statistic_source_accuracy"] = round(src[0] / src[1], 4) if src[1] else None
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("gold")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = evaluate(args.store, args.gold)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    for k in KINDS:
        r = res[k]
        print(f"{k:<11} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f} "
              f"(predicted {r['predicted']}, gold {r['gold']})")
    print(f"statistic_unit_accuracy   {res['statistic_unit_accuracy']}")
    print(f"statistic_source_accuracy {res['statistic_source_accuracy']}")
    print(f"macro_f1 {res['macro_f1']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
