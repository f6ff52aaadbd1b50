"""Developer harness: run the stages up to extract (no embedding) into a temp folder and print items.

    .venv/bin/python tools/dev_items.py corpus [--kind tip] [--doc 002]
"""
from __future__ import annotations

import argparse
import pathlib
import tempfile

from pipeline import KnowledgeStore
from pipeline.runner import RunSettings, run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--kind", help="myth, tip, statistic or example")
    ap.add_argument("--doc", help="part of a source path")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        run(a.folder, out, RunSettings(embed=False), progress=False)
        with KnowledgeStore(pathlib.Path(out) / "knowledge.duckdb") as ks:
            rows = ks.sql("SELECT * FROM items ORDER BY source_path, start_char").to_pylist()
    for it in rows:
        if (a.kind and it["kind"] != a.kind) or (a.doc and a.doc not in it["source_path"]):
            continue
        extra = {k: it[k] for k in ("value", "unit", "source", "entity", "entity_type", "role") if it.get(k) is not None}
        print(f'{pathlib.Path(it["source_path"]).name[:28]:28} {it["kind"]:9} {it["extractor"]:24} '
              f'{it["text"][:110]!r} {extra or ""}')


if __name__ == "__main__":
    main()
