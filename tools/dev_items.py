"""Developer harness: run every stage up to extract in memory and print the items.

    .venv/bin/python tools/dev_items.py corpus [--kind tip] [--doc 002]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import pathlib

from pipeline import schema
from pipeline.stages import denoise, extract, ingest, langid, normalise, segment


def run_all(folder: str):
    files = sorted(p for p in pathlib.Path(folder).rglob("*") if p.is_file() and p.suffix in (".txt", ".md", ".html", ".htm", ".jsonl"))
    rows = [{"source_path": str(p), "data": p.read_bytes(), "content_hash": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files]
    docs = ingest.run(schema.table(rows, schema.SOURCES))["documents"]
    langs = langid.run(docs)["languages"]
    import pyarrow.compute as pc
    docs = docs.filter(pc.is_in(docs.column("doc_id"), value_set=langs.column("doc_id")))
    cnt = collections.Counter(k for ks in docs.column("line_keys").to_pylist() for k in ks)
    bp = frozenset(k for k, c in cnt.items() if c >= 3)
    dn = denoise.run(docs, langs, bp)
    bl = normalise.run(docs, dn["removed_spans"])["blocks"]
    se = segment.run(docs, langs, bl, dn["removed_spans"])["sentences"]
    items = extract.run(docs, langs, bl, se, dn["removed_spans"])["items"]
    return docs, items


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--kind")
    ap.add_argument("--doc")
    a = ap.parse_args()
    docs, items = run_all(a.folder)
    path = dict(zip(docs.column("doc_id").to_pylist(), docs.column("source_path").to_pylist()))
    for it in items.to_pylist():
        if a.kind and it["kind"] != a.kind:
            continue
        if a.doc and a.doc not in path[it["doc_id"]]:
            continue
        extra = {k: it[k] for k in ("value", "unit", "source", "entity", "entity_type", "role") if it.get(k) is not None}
        print(f'{pathlib.Path(path[it["doc_id"]]).name[:28]:28} {it["kind"]:9} {it["extractor"]:18} {it["text"][:110]!r} {extra if extra else ""}')
