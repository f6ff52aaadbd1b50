"""Developer harness: the tips and myths of a scored store that miss, per article, with the rule or
classifier that produced each false positive and, for each missed gold anchor, the unit holding it.

    .venv/bin/python tools/item_errors.py                      # the store of ``make eval`` (outputs/eval/dev)
    .venv/bin/python tools/item_errors.py --kind myths --store outputs/eval/dev/knowledge.duckdb

Matching is the reference scorer's (``pipeline.evaluate.contains``): an item matches an anchor
when the anchor's letters and digits lie inside the item's. Missed anchors are shown with the
sentence or block that contains them, so the cause (no candidate, a candidate scored too low,
an item too long) can be read off.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import contains, squash  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="outputs/eval/dev/knowledge.duckdb")
    ap.add_argument("--gold", default="tests/fixtures/dev.json")
    ap.add_argument("--kind", default="tips,myths")
    ap.add_argument("--doc", help="part of an article's file name")
    a = ap.parse_args(argv)
    import duckdb

    con = duckdb.connect(a.store, read_only=True)
    gold = json.loads(pathlib.Path(a.gold).read_text(encoding="utf-8"))
    docs = {pathlib.PurePath(p).name: d for d, p in con.execute("SELECT doc_id, source_path FROM documents").fetchall()}
    for kind in a.kind.split(","):
        print(f"=================== {kind}")
        for name, g in gold.items():
            if a.doc and a.doc not in name or name not in docs:
                continue
            d = docs[name]
            items = con.execute(f"SELECT text, extractor FROM {kind} WHERE doc_id = ? ORDER BY start_char",
                                [d]).fetchall()
            core, allowed = g[kind]["core"], g[kind]["allowed"]
            fps = [(t, e) for t, e in items if not any(contains(t, x) for x in core + allowed)]
            missed = [x for x in core if not any(contains(t, x) for t, _ in items)]
            if not fps and not missed:
                continue
            print(f"--- {name} ({g['lang']}): {len(items)} items, {len(core)} core, "
                  f"{len(missed)} missed, {len(fps)} false")
            for t, e in fps:
                print(f"  FP [{e}] {t[:160]!r}")
            sents = con.execute("SELECT text FROM sentences WHERE doc_id = ?", [d]).fetchall()
            blocks = con.execute("SELECT kind, text FROM blocks WHERE doc_id = ?", [d]).fetchall()
            for x in missed:
                where = next((s for (s,) in sents if squash(x) in squash(s)), None)
                blk = next((f"{k}: {t}" for k, t in blocks if squash(x) in squash(t)), None)
                print(f"  MISS {x[:100]!r}\n       sent: {(where or '-')[:200]!r}"
                      f"\n       block: {(blk or '-')[:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
