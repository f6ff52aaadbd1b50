"""In-process search evaluation, with the reference scorer's rules (tests/fixtures/search_eval.py).

    .venv/bin/python tools/eval_api.py STORE.duckdb QUERIES.json [MORE.json ...] [--kinds a,b] [--halves] [-v]

Models load once, so a query set takes seconds instead of a process per query.
``--halves`` also reports the even- and odd-numbered queries apart (develop on one
half, check on the other). ``-v`` prints each query's rank and, for misses, the top 3.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import unicodedata

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from pipeline import KnowledgeStore  # noqa: E402


def squash(t: str) -> str:
    t = unicodedata.normalize("NFKC", t or "").casefold()
    return "".join(c for c in t if c.isalnum())


def rank_of(hits, anchors: list[str]) -> int | None:
    keys = [squash(a) for a in anchors]
    return next((i + 1 for i, h in enumerate(hits) if any(k in squash(h.text) for k in keys)), None)


def score(ranks: list[int | None]) -> tuple[float, float]:
    n = max(1, len(ranks))
    return sum(1 for r in ranks if r) / n, sum(1 / r for r in ranks if r) / n


def evaluate(ks: KnowledgeStore, queries: list[dict], kinds=None, top: int = 5, verbose: bool = False):
    ranks = []
    for q in queries:
        hits = ks.search(q["query"], langs=q["search_langs"], kinds=kinds, top=top)
        r = rank_of(hits, q["relevant"])
        ranks.append(r)
        if verbose:
            print(f"[{r or '-'}] {q['query']}")
            if not r:
                for h in hits[:3]:
                    print(f"      {h.kind:9} {h.lang} {h.text[:110]!r}")
    return ranks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db")
    ap.add_argument("queries", nargs="+")
    ap.add_argument("--kinds", default=None)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--halves", action="store_true")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    ks = KnowledgeStore(a.db)
    for qf in a.queries:
        qs = json.load(open(qf, encoding="utf-8"))
        ranks = evaluate(ks, qs, a.kinds.split(",") if a.kinds else None, a.top, a.v)
        s, m = score(ranks)
        line = f"{pathlib.Path(qf).name}: n={len(qs)} success@{a.top} {s:.3f} MRR {m:.3f}"
        if a.halves:
            for name, part in (("even", ranks[0::2]), ("odd", ranks[1::2])):
                hs, hm = score(part)
                line += f" | {name} {hs:.3f} / {hm:.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
