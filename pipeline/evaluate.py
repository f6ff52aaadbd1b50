"""The project's own evaluation: the reference scorer's rules over our store.

    python -m pipeline.evaluate outputs/knowledge.duckdb tests/fixtures/seeds.json --corpus corpus
    python -m pipeline.evaluate report      # samples and development set side by side (make eval)

Rules (the same as the reference ``score.py``, which this module mirrors line for line where
it can): per document and kind, a predicted item matches a gold anchor when the anchor,
reduced to lower-case letters and digits, is contained in the item's text reduced the same
way, and the item's text is at most 400 characters; statistics must also carry the gold
value; examples match by name tokens (either side's token set a subset of the other's).
Precision counts predictions matching a core or an allowed anchor; recall counts core
anchors matched, each prediction matching at most one. Titles match when equal as letters
and digits. With the corpus folder, ``boilerplate_removed`` is the share of the gold
boilerplate strings absent from ``clean_text`` and ``content_kept`` the share of the gold
content anchors (or, without them, of the other raw lines) present in it.

``report`` builds two stores without embeddings, as the reference figures are measured: the
sample articles alone, and the sample and development articles in one store (the
corpus-level boilerplate rule sees them together); then prints both sets' figures side by
side and the development figures per language.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import sys
import unicodedata

MAX_ITEM_CHARS = 400
KINDS = ("myths", "tips", "statistics", "examples")
LANGS = ("id", "pl", "nl")


def squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


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


def boilerplate_scores(raw: str, clean: str, gold: dict) -> tuple[int, int, int, int]:
    """(boilerplate removed, boilerplate strings, content kept, content units) of one document."""
    clean_sq = squash(clean)
    removable = list(gold["boilerplate"])
    removed = sum(1 for b in removable if ((squash(b) not in clean_sq) if squash(b) else (b.strip() not in clean)))
    if gold.get("content"):  # explicit anchors for HTML or markdown sources
        kept = sum(1 for c in gold["content"] if squash(c) in clean_sq)
        return removed, len(removable), kept, len(gold["content"])
    skip = [squash(s) for s in gold["boilerplate"] + gold["either"] + [gold["title"] or ""]]
    content_lines = []
    for line in raw.splitlines():
        sq = squash(line)
        for s in skip:
            if s:
                sq = sq.replace(s, "")
        if len(sq) >= 3:
            content_lines.append(sq)
    kept = sum(1 for sq in content_lines if sq in clean_sq)
    return removed, len(removable), kept, len(content_lines)


def evaluate(db_path: str, gold_path: str | dict, corpus: str | None = None, lang: str | None = None) -> dict:
    """Per-kind P/R/F1, macro F1, statistic unit and source accuracy, language and title accuracy;
    with ``corpus``, boilerplate removed and content kept. ``lang`` keeps the gold documents of one
    language only."""
    import duckdb

    gold = gold_path if isinstance(gold_path, dict) else json.loads(pathlib.Path(gold_path).read_text(encoding="utf-8"))
    if lang:
        gold = {k: v for k, v in gold.items() if v["lang"] == lang}
    con = duckdb.connect(db_path, read_only=True)
    docs = {pathlib.PurePath(str(p)).name: (d, lg, t, c) for d, p, lg, t, c in
            con.execute("SELECT doc_id, source_path, lang, title, clean_text FROM documents").fetchall()}

    def rows(sql: str) -> dict:
        out: dict = {}
        for r in con.execute(sql).fetchall():
            out.setdefault(r[0], []).append(r[1:])
        return out

    preds = {"myths": rows("SELECT doc_id, text FROM myths"), "tips": rows("SELECT doc_id, text FROM tips"),
             "statistics": rows("SELECT doc_id, text, value, unit, source FROM statistics"),
             "examples": rows("SELECT doc_id, entity FROM examples")}
    tot = {k: [0, 0, 0, 0] for k in KINDS}
    bp = [0, 0, 0, 0]
    unit = [0, 0]
    src = [0, 0]
    lang_ok = title_ok = title_n = 0
    missing = []
    for name, g in gold.items():
        if name not in docs:
            missing.append(name)
            for k in KINDS:
                tot[k][3] += len(g[k]["core"])
            bp[1] += len(g["boilerplate"])
            continue
        doc_id, doc_lang, title, clean = docs[name]
        lang_ok += (doc_lang or "").lower().startswith(g["lang"])
        if g["title"]:
            title_n += 1
            title_ok += squash(title) == squash(g["title"])
        if corpus:
            raw = (pathlib.Path(corpus) / g.get("path", name)).read_text(encoding="utf-8")
            bp = [a + b for a, b in zip(bp, boilerplate_scores(raw, clean or "", g))]
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
    result: dict = {k: prf(*tot[k]) for k in KINDS}
    result["macro_f1"] = round(sum(result[k]["f1"] for k in KINDS) / len(KINDS), 4)
    result["statistic_unit_accuracy"] = round(unit[0] / unit[1], 4) if unit[1] else None
    result["statistic_source_accuracy"] = round(src[0] / src[1], 4) if src[1] else None
    result["language_accuracy"] = round(lang_ok / len(gold), 4) if gold else None
    result["title_accuracy"] = round(title_ok / title_n, 4) if title_n else None
    if corpus:
        result["boilerplate_removed"] = round(bp[0] / bp[1], 4) if bp[1] else 1.0
        result["content_kept"] = round(bp[2] / bp[3], 4) if bp[3] else 1.0
    result["documents_scored"] = len(gold) - len(missing)
    result["documents_missing"] = missing
    return result


# ------------------------------------------------------------------ the side-by-side report

def build_dev_store(samples: pathlib.Path, dev_corpus: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """The sample articles and the development articles in one store (no embeddings), incrementally."""
    from pipeline.runner import RunSettings, run

    corpus = out / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    for p in sorted(samples.glob("*.txt")):
        shutil.copy(p, corpus / p.name)
    for lang in LANGS:
        if (dev_corpus / lang).is_dir():
            shutil.copytree(dev_corpus / lang, corpus / lang)
    return run(corpus, out, RunSettings(embed=False), progress=False).store


_ROWS = (("myths F1", lambda r: r["myths"]["f1"]), ("tips F1", lambda r: r["tips"]["f1"]),
         ("statistics F1", lambda r: r["statistics"]["f1"]), ("examples F1", lambda r: r["examples"]["f1"]),
         ("macro F1", lambda r: r["macro_f1"]), ("stat. unit accuracy", lambda r: r["statistic_unit_accuracy"]),
         ("stat. source accuracy", lambda r: r["statistic_source_accuracy"]),
         ("title accuracy", lambda r: r["title_accuracy"]), ("boilerplate removed", lambda r: r.get("boilerplate_removed")),
         ("content kept", lambda r: r.get("content_kept")), ("documents", lambda r: r["documents_scored"]))


def report(columns: dict[str, dict]) -> str:
    """A table of figures, one column per result."""
    width = max(10, *(len(c) + 2 for c in columns))
    lines = [f"{'':22}" + "".join(f"{c:>{width}}" for c in columns)]
    for label, get in _ROWS:
        cells = []
        for r in columns.values():
            v = get(r)
            cells.append(f"{'-' if v is None else (v if isinstance(v, int) else f'{v:.3f}'):>{width}}")
        lines.append(f"{label:22}" + "".join(cells))
    return "\n".join(lines)


def _print_single(res: dict) -> None:
    for k in KINDS:
        r = res[k]
        print(f"{k:<11} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f} "
              f"(predicted {r['predicted']}, gold {r['gold']})")
    for k in ("statistic_unit_accuracy", "statistic_source_accuracy", "language_accuracy", "title_accuracy",
              "boilerplate_removed", "content_kept"):
        if k in res:
            print(f"{k:<27} {res[k]}")
    if res["documents_missing"]:
        print("documents missing from the store:", ", ".join(res["documents_missing"]))
    print(f"macro_f1 {res['macro_f1']}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["report"]:
        ap = argparse.ArgumentParser(prog="python -m pipeline.evaluate report",
                                     description="Sample and development figures side by side.")
        ap.add_argument("--corpus", default="corpus", help="the sample articles")
        ap.add_argument("--gold", default="tests/fixtures/seeds.json")
        ap.add_argument("--dev-corpus", default="tests/fixtures/dev-corpus", help="folders id/ pl/ nl/")
        ap.add_argument("--dev-gold", default="tests/fixtures/dev.json")
        ap.add_argument("--out", default="outputs/eval", help="where the two stores are built (no embeddings)")
        ap.add_argument("--json", action="store_true")
        a = ap.parse_args(argv[1:])
        from pipeline.runner import RunSettings, run

        out = pathlib.Path(a.out)
        store = run(a.corpus, out / "samples", RunSettings(embed=False), progress=False).store
        dev_store = build_dev_store(pathlib.Path(a.corpus), pathlib.Path(a.dev_corpus), out / "dev")
        columns = {"samples": evaluate(str(store), a.gold, a.corpus),
                   "dev": evaluate(str(dev_store), a.dev_gold, a.dev_corpus)}
        for lang in LANGS:
            columns[f"dev {lang}"] = evaluate(str(dev_store), a.dev_gold, a.dev_corpus, lang=lang)
        print(json.dumps(columns, indent=1) if a.json else report(columns))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("gold")
    ap.add_argument("--corpus", help="folder of the raw articles named in the gold file "
                    "(enables boilerplate_removed and content_kept)")
    ap.add_argument("--lang", choices=LANGS, help="score the gold documents of one language only")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    res = evaluate(a.store, a.gold, a.corpus, a.lang)
    if a.json:
        print(json.dumps(res, indent=1, ensure_ascii=False))
    else:
        _print_single(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
