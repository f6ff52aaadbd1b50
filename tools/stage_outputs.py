"""Every per-document stage's output tables on a folder of articles, in one process: to check that a
speed-up leaves them identical, and to see where the CPU time goes (issue 8).

    .venv/bin/python tools/stage_outputs.py CORPUS... --save DIR          # write every table as Parquet
    .venv/bin/python tools/stage_outputs.py CORPUS... --compare DIR       # the same, compared with DIR's
    .venv/bin/python tools/stage_outputs.py CORPUS... --profile OUT.prof  # cProfile of the stages

The stage functions run as the runner calls them (chunks of 64 documents), ingest -> langid ->
denoise (with the corpus boilerplate) -> normalise -> segment -> extract, with CPU seconds per
stage and, for scale, a blank spaCy tokenise + sentencise pass over the same articles.
"""
from __future__ import annotations

import argparse
import cProfile
import collections
import hashlib
import pathlib
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import schema  # noqa: E402
from pipeline.stages import denoise, extract, ingest, langid, normalise, segment  # noqa: E402

CHUNK = 64
SUFFIXES = {".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".php", ".js", ".ts", ".mdx", ".markdown"}


def sources(folders: list[pathlib.Path]) -> list[pa.Table]:
    rows = []
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix.lower() in SUFFIXES:
                data = p.read_bytes()
                rows.append({"source_path": f"{folder.name}/{p.relative_to(folder)}", "data": data,
                             "content_hash": hashlib.sha256(data).hexdigest()})
    return [pa.Table.from_pylist(rows[i:i + CHUNK], schema=schema.SOURCES) for i in range(0, len(rows), CHUNK)]


def run_all(chunks: list[pa.Table], cpu: dict[str, float], profiler: cProfile.Profile | None = None
            ) -> dict[str, list[pa.Table]]:
    out: dict[str, list[pa.Table]] = collections.defaultdict(list)

    def timed(name, fn, *args):
        c = time.process_time()
        if profiler:
            profiler.enable()
        r = fn(*args)
        if profiler:
            profiler.disable()
        cpu[name] += time.process_time() - c
        for table, t in r.items():
            out[f"{name}.{table}"].append(t)
        return r

    docs = [timed("ingest", ingest.run, c)["documents"] for c in chunks]
    langs = [timed("langid", langid.run, d)["languages"] for d in docs]
    # corpus boilerplate: a line key in boilerplate_min_docs accepted documents or more
    accepted = {d for t in langs for d in t.column("doc_id").to_pylist()}
    counts: collections.Counter[str] = collections.Counter()
    for t in docs:
        for d, keys in zip(t.column("doc_id").to_pylist(), t.column("line_keys").to_pylist()):
            if d in accepted:
                counts.update(set(keys or ()))
    boiler = frozenset(k for k, n in counts.items() if n >= denoise.Settings().boilerplate_min_docs)
    for d, lg in zip(docs, langs):
        d = d.filter(pc.is_in(d.column("doc_id"), value_set=lg.column("doc_id")))
        den = timed("denoise", denoise.run, d, lg, boiler)
        norm = timed("normalise", normalise.run, d, den["removed_spans"])
        seg = timed("segment", segment.run, d, lg, norm["blocks"], den["removed_spans"])
        timed("extract", extract.run, d, lg, norm["blocks"], seg["sentences"], den["removed_spans"])
    return out


def spacy_cpu(chunks: list[pa.Table]) -> float:
    from pipeline.spacy_blank import _import_spacy

    spacy = _import_spacy()
    texts = [r.decode("utf-8", "replace") for c in chunks for r in c.column("data").to_pylist()]
    nlp = spacy.blank("id")
    nlp.add_pipe("sentencizer")
    list(nlp.pipe(["Warm up."]))
    c = time.process_time()
    sum(len(list(d.sents)) for d in nlp.pipe(texts))
    return time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="+", type=pathlib.Path)
    ap.add_argument("--save", type=pathlib.Path)
    ap.add_argument("--compare", type=pathlib.Path)
    ap.add_argument("--profile", type=pathlib.Path)
    ap.add_argument("--no-spacy", action="store_true")
    a = ap.parse_args()
    chunks = sources(a.corpus)
    # load models and warm lazy imports outside the timed part
    segment.sentences_of("Warm up.", [{"block_idx": 0, "start_char": 0, "end_char": 8}], [], "id")
    langid.document_language("Warm up text.")
    cpu: dict[str, float] = collections.defaultdict(float)
    prof = cProfile.Profile() if a.profile else None
    out = run_all(chunks, cpu, prof)
    if prof:
        prof.dump_stats(a.profile)
    total = sum(cpu.values())
    n = sum(c.num_rows for c in chunks)
    print(f"{n} articles; CPU s: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()) + f"; total {total:.2f}")
    if not a.no_spacy:
        base = spacy_cpu(chunks)
        print(f"blank spaCy pass {base:.2f} CPU s: ratio {base / total:.3f}")
    tables = {k: pa.concat_tables(v) for k, v in out.items()}
    if a.save:
        a.save.mkdir(parents=True, exist_ok=True)
        for k, t in tables.items():
            pq.write_table(t, a.save / f"{k}.parquet")
    if a.compare:
        bad = 0
        for k, t in tables.items():
            ref = pq.read_table(a.compare / f"{k}.parquet")
            if not ref.equals(t):
                bad += 1
                print(f"DIFFERENT: {k} ({ref.num_rows} rows before, {t.num_rows} now)")
                a_rows, b_rows = ref.to_pylist(), t.to_pylist()
                for i, (x, y) in enumerate(zip(a_rows, b_rows)):
                    if x != y:
                        print("  first difference at row", i, "\n   before", x, "\n   now   ", y)
                        break
        missing = {p.stem for p in a.compare.glob("*.parquet")} - set(tables)
        for k in sorted(missing):
            bad += 1
            print(f"DIFFERENT: {k} missing now")
        print("IDENTICAL" if not bad else f"{bad} tables differ",
              f"({len(tables)} tables, {sum(t.num_rows for t in tables.values())} rows)")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
