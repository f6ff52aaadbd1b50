"""The runner at scale: the acceptance figures of issue 8 (speed and memory, never run by the tests).

    .venv/bin/python benchmarks/scale.py [--small 1000] [--ray 2000] [--large 10000] [--work /tmp/kb-bench]

On a corpus from ``kb bench corpus`` (real articles recombined), every run a fresh
``kb run --no-embed`` process:

1. throughput of the non-embedding stages with one worker against a blank spaCy
   tokenise + sentencise pass over the same articles, measured in this same run;
2. two workers against one (1 and 2: one worker, the spaCy pass and two workers each run
   ``--repeats`` times, in turn; the fastest run of each counts), and after each pair what the machine's
   two cores give at that moment (two copies of a CPU loop against one);
3. the largest process's peak RSS at ``--large`` articles against ``--small``; two workers against one
   at ``--large`` articles too (one run each), where a run's fixed costs weigh little;
4. at ``--large`` articles: a no-op rerun; then adding 10 and editing 10 articles
   (the store updated in place, its BM25 index patched, not rebuilt);
5. stage files against N / 500;
6. the Ray executor against the local one at ``--ray`` articles, each run ``--repeats`` times in turn
   (skipped without Ray).

Prints a table and writes ``outputs/bench.json``. Timings on a shared machine are
noisy: read the ratios, each measured within one run of this script.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
KB = str(ROOT / ".venv" / "bin" / "kb")
PY = sys.executable
WARM_DOCS = 60   # the warm-up run's articles: every language and format of the bench corpus

# runs `kb` as the only child of a small process, so its peak RSS (and its workers') is its own
_MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
took = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": took, "rc": p.returncode, "rss_mb": ru.ru_maxrss / 1024, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "stdout": p.stdout[-4000:], "stderr": p.stderr[-4000:]}))
"""


def _env() -> dict[str, str]:
    # as installed: Python caches the project's compiled modules (a sandbox may switch that off, which
    # costs every process and pool worker seconds of compiling)
    return {k: v for k, v in {**os.environ, "HF_HUB_OFFLINE": "1"}.items() if k != "PYTHONDONTWRITEBYTECODE"}


def kb(*args: str) -> dict:
    p = subprocess.run([PY, "-c", _MEASURE, KB, *args], capture_output=True, text=True, env=_env())
    out = json.loads(p.stdout.strip().splitlines()[-1])
    if out["rc"] != 0:
        raise SystemExit(f"kb {' '.join(args)} failed:\n{out['stderr']}")
    return out


def first_build(work: pathlib.Path, corpus_dir: pathlib.Path, workers: int, out: str, *extra: str) -> dict:
    """``kb run`` of ``corpus_dir`` into the fresh folder ``work/out`` (no embedding), measured."""
    return kb("run", str(corpus_dir), "--out", str(fresh(work, out)), "--no-embed", "--quiet",
              "--workers", str(workers), *extra)


def _store_line(run: dict) -> str:
    """What the run's summary says of the store (after "; store ")."""
    lines = [line for line in run["stdout"].splitlines() if "; store " in line]
    return lines[-1].split("; store ", 1)[1] if lines else ""


def corpus(work: pathlib.Path, n: int) -> pathlib.Path:
    d = work / f"corpus-{n}"
    if not d.exists() or sum(1 for _ in d.rglob("*.*")) != n:
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([KB, "bench", "corpus", "--docs", str(n), "--out", str(d)], check=True, capture_output=True)
    return d


def fresh(work: pathlib.Path, name: str) -> pathlib.Path:
    d = work / name
    shutil.rmtree(d, ignore_errors=True)
    return d


def spacy_pass(folder: pathlib.Path) -> dict:
    """Seconds of a blank spaCy tokenise + sentencise pass over every article (models loaded first)."""
    code = f"""
import json, pathlib, time, spacy
by = {{}}
for p in sorted(pathlib.Path({str(folder)!r}).rglob("*.*")):
    by.setdefault(p.parent.name, []).append(p.read_text(encoding="utf-8"))
nlps = {{}}
for lang in by:
    nlp = spacy.blank(lang); nlp.add_pipe("sentencizer"); list(nlp.pipe(["Warm up."])); nlps[lang] = nlp
t, c = time.perf_counter(), time.process_time()
sents = sum(len(list(d.sents)) for lang, texts in by.items() for d in nlps[lang].pipe(texts))
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                  "articles": sum(map(len, by.values())), "sentences": sents}}))
"""
    p = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, env=_env())
    return json.loads(p.stdout.strip().splitlines()[-1])


_SPIN = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(12_000_000): x += i * i % 7\nprint(time.perf_counter() - t)"


def machine_parallelism() -> float:
    """What two cores give this moment: the speed-up of two copies of a pure-Python loop at once against one
    alone (2.0 on two idle cores of their own; less where the cores are shared with other machines' work).
    The same loop, no memory to speak of: the most any two-process workload could reach right now."""
    def spin(n: int) -> float:
        procs = [subprocess.Popen([PY, "-c", _SPIN], stdout=subprocess.PIPE, text=True) for _ in range(n)]
        return max(float(p.communicate()[0]) for p in procs)

    alone = spin(1)
    return round(2 * alone / spin(2), 2)


def cpu_accounting(one: pathlib.Path, two: pathlib.Path) -> dict:
    """The two-worker speed-up predicted from CPU seconds alone (what a shared machine distorts least).

    One worker's run takes its CPU seconds; two workers' the parent's serial CPU plus, per phase, the
    busiest worker's CPU (``kb run --accounting``). The idle and tail figures say where the rest goes.
    """
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (one, two))
    return {"speedup_from_cpu": round(a["predicted_wall_idle_cores"] / b["predicted_wall_idle_cores"], 2),
            "one_worker_cpu_in_run": a["parent_cpu"],
            "two_workers": {k: b.get(k) for k in ("predicted_wall_idle_cores", "parent_cpu", "parent_serial_cpu",
                                                  "workers_cpu_os", "total_cpu", "per_worker", "phases")}}


def stage_files(out: pathlib.Path) -> int:
    return sum(1 for p in (out / "stages").rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--ray", type=int, default=2000)
    ap.add_argument("--large", type=int, default=10000)
    ap.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/kb-bench"))
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "outputs" / "bench.json")
    ap.add_argument("--repeats", type=lambda v: max(1, int(v)), default=3,
                    help="runs of one worker, the spaCy pass and two workers, in turn, and of local and Ray "
                         "(the fastest of each counts)")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--throughput-only", action="store_true", help="only the first two figures (at --small)")
    ap.add_argument("--ray-only", action="store_true", help="only the last figure (Ray against local)")
    ap.add_argument("--scale-only", action="store_true",
                    help="skip the one-worker run and the spaCy pass (memory, rerun and file figures only)")
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": f"{os.cpu_count()} cores (shared: timings are noisy, compare ratios)",
                    "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    # A first run on a machine builds the model caches (pipeline.model_cache's folder: the language identifier's
    # arrays, the word-frequency tables, ...) once, ~3 CPU s; the timed runs are a user's later ones.
    first_build(work, corpus(work, WARM_DOCS), 1, "out-warm")
    if args.ray_only:
        ray_figure(args, report)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(json.dumps(report["ray"], indent=1))
        return 0
    small = corpus(work, args.small)
    if args.scale_only:
        return scale(args, report, small)
    print(f"[1/6] {args.small} articles, one worker ...", flush=True)
    one = first_build(work, small, 1, "out-small-1", "--accounting", str(work / "accounting-1.json"))
    base = spacy_pass(small)
    print(f"[2/6] {args.small} articles, two workers ...", flush=True)
    two = first_build(work, small, 2, "out-small-2", "--accounting", str(work / "accounting-2.json"))
    # Each measurement taken again, in turn: a neighbour's burst on this shared machine slowed one run of a
    # pair by up to 20% (one worker 18.8-24.2 s, two 11.6-13.0, in four runs of this script in one hour:
    # speed-ups of 1.61-1.85), and once a whole first run by a third (one worker 48.9 s, then 36.6, with the
    # spaCy pass between them at full speed: a throughput of 0.37x from the first run, 0.50x from the second).
    # Each figure is that of the fastest run of each side (as timeit reports); every run is listed.
    parallelism = [machine_parallelism()]
    ones, twos, bases = [one], [two], [base]
    for i in range(2, args.repeats + 1):
        print(f"[2/6] {args.small} articles, one worker, the spaCy pass, two workers again ({i}/{args.repeats}) ...",
              flush=True)
        ones.append(first_build(work, small, 1, "out-small-1"))
        bases.append(spacy_pass(small))
        twos.append(first_build(work, small, 2, "out-small-2"))
        parallelism.append(machine_parallelism())
    fastest_one, fastest_base = min(r["seconds"] for r in ones), min(r["seconds"] for r in bases)
    report["throughput"] = {
        "articles": args.small,
        "pipeline_1_worker_s": round(fastest_one, 1),
        "pipeline_1_worker_articles_per_s": round(args.small / fastest_one, 2),
        "spacy_blank_tokenise_sentencise_s": round(fastest_base, 1),
        "spacy_articles_per_s": round(base["articles"] / fastest_base, 2),
        "ratio": round((args.small / fastest_one) / (base["articles"] / fastest_base), 3),
        "target": ">= 0.5",
        "runs_1_worker_s": [round(r["seconds"], 1) for r in ones],
        "runs_spacy_s": [round(r["seconds"], 1) for r in bases],
        "ratio_first_runs": round((args.small / one["seconds"]) / (base["articles"] / base["seconds"]), 3),
        # CPU seconds: what a machine shared with other jobs distorts least (the wall ratio is the target)
        "pipeline_1_worker_cpu_s": round(min(r["cpu_s"] for r in ones), 1),
        "spacy_cpu_s": round(min(r["cpu_s"] for r in bases), 1),
        "cpu_ratio": round(min(r["cpu_s"] for r in bases) / min(r["cpu_s"] for r in ones), 3),
        "stages": one["stdout"].strip().splitlines()[-8:],
    }
    ones, twos = [r["seconds"] for r in ones], [r["seconds"] for r in twos]
    report["workers"] = {"one_s": round(min(ones), 1), "two_s": round(min(twos), 1),
                         "speedup": round(min(ones) / min(twos), 2), "target": ">= 1.7",
                         "runs_one_s": [round(t, 1) for t in ones], "runs_two_s": [round(t, 1) for t in twos],
                         "speedup_first_pair": round(one["seconds"] / two["seconds"], 2),
                         "one_cpu_s": round(one["cpu_s"], 1), "two_cpu_s": round(two["cpu_s"], 1),
                         "load_average": os.getloadavg(),
                         # two copies of a CPU loop against one, after each pair (2.0: two idle cores)
                         "machine_two_cores_speedup": parallelism,
                         **cpu_accounting(work / "accounting-1.json", work / "accounting-2.json")}
    if args.throughput_only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(json.dumps({k: report[k] for k in ("throughput", "workers")}, indent=1))
        return 0

    return scale(args, report, small, two)


def scale(args: argparse.Namespace, report: dict, small: pathlib.Path, two: dict | None = None) -> int:
    work = args.work
    if two is None:
        print(f"[2/6] {args.small} articles, two workers ...", flush=True)
        two = first_build(work, small, 2, "out-small-2")
    large = corpus(work, args.large)
    out_large = work / "out-large"
    print(f"[3/6] {args.large} articles, two workers ...", flush=True)
    big = first_build(work, large, 2, "out-large")
    report["memory"] = {"small_articles": args.small, "small_rss_mb": round(two["rss_mb"]), "large_rss_mb": round(big["rss_mb"]),
                        "ratio": round(big["rss_mb"] / two["rss_mb"], 2), "target": "<= 1.2",
                        "note": "peak RSS of the largest process of the run (two workers)",
                        "large_run_s": round(big["seconds"], 1), "large_run_cpu_s": round(big["cpu_s"], 1),
                        # (says when the load ran out of its DuckDB memory and was done again with more)
                        "large_run_store": _store_line(big), "small_run_store": _store_line(two),
                        "load_average": os.getloadavg()}
    if not args.scale_only:
        # the speed-up where a user runs workers: at 1,000 articles a run's fixed costs (interpreter and
        # imports, the first HTML page and spaCy pipeline each process loads, the store's load: ~2.7 of a
        # one-worker run's 17 s) cap two workers near 1.75x; they are a small share of a larger corpus's run
        print(f"[3/6] {args.large} articles, one worker ...", flush=True)
        big_one = first_build(work, large, 1, "out-large-1")
        shutil.rmtree(work / "out-large-1", ignore_errors=True)
        report["workers_large"] = {"articles": args.large, "one_s": round(big_one["seconds"], 1),
                                   "two_s": round(big["seconds"], 1),
                                   "speedup": round(big_one["seconds"] / big["seconds"], 2), "target": ">= 1.7",
                                   "one_cpu_s": round(big_one["cpu_s"], 1), "two_cpu_s": round(big["cpu_s"], 1),
                                   "note": "one run each, in turn (two workers first)",
                                   "load_average": os.getloadavg()}

    print(f"[4/6] {args.large} articles: no-op rerun, then 10 added and 10 edited ...", flush=True)
    db = out_large / "knowledge.duckdb"
    inode = db.stat().st_ino
    noop = kb("run", str(large), "--out", str(out_large), "--no-embed", "--quiet")
    sys.path.insert(0, str(ROOT))
    from pipeline.benchcorpus import article, load_pool

    pool = load_pool()
    for i in range(args.large, args.large + 10):   # the next ten articles of the same corpus
        lang, text = article(pool, 0, i)
        (large / lang / f"{i:06d}.txt").write_text(text, encoding="utf-8")
    edited = sorted(large.rglob("*.*"))[:10]
    originals = {p: p.read_bytes() for p in edited}
    for p in edited:
        p.write_text(p.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    try:
        change = kb("run", str(large), "--out", str(out_large), "--no-embed", "--quiet")
    finally:
        for p, data in originals.items():   # leave the corpus as generated
            p.write_bytes(data)
        for lang in ("id", "pl", "nl"):
            for p in (large / lang).glob("*.*"):
                if int(p.stem) >= args.large:
                    p.unlink()
    report["incremental"] = {
        "articles": args.large,
        "noop_s": round(noop["seconds"], 2), "noop_target": "< 2",
        "noop_store": _store_line(noop),
        "add_10_edit_10_s": round(change["seconds"], 2), "add_edit_target": "< 10",
        "store": _store_line(change),
        "store_file_kept": db.stat().st_ino == inode,
        "noop_cpu_s": round(noop["cpu_s"], 2), "add_edit_cpu_s": round(change["cpu_s"], 2),
        "load_average": os.getloadavg(),
    }
    files = stage_files(out_large)
    report["files"] = {"articles": args.large, "stage_files": files, "n_over_500": args.large // 500,
                       "files_per_stage": {d.name: sum(1 for p in d.glob('*') if p.is_file())
                                           for d in (out_large / 'stages').iterdir() if d.is_dir()}}

    if not args.skip_ray:
        ray_figure(args, report)
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print_table(report)
    print(f"\nwritten: {args.out}")
    return 0


def ray_figure(args: argparse.Namespace, report: dict) -> None:
    """The Ray executor against the local one at ``--ray`` articles (two workers each)."""
    work = args.work
    try:
        import ray  # noqa: F401
    except ImportError:
        report["ray"] = {"skipped": "Ray is not installed (pip install -e '.[ray]')"}
    else:
        mid = corpus(work, args.ray)
        # in turn, --repeats times, the fastest of each side counting, as for the workers' figure (one run each
        # moves with the machine's drift: two-worker runs of 1,000 articles took 12.8-17.7 s within ten minutes)
        locals_, rays = [], []
        for i in range(1, args.repeats + 1):
            print(f"[5/6] {args.ray} articles, local ({i}/{args.repeats}) ...", flush=True)
            locals_.append(first_build(work, mid, 2, "out-ray-local")["seconds"])
            print(f"[6/6] {args.ray} articles, Ray ({i}/{args.repeats}) ...", flush=True)
            rays.append(first_build(work, mid, 2, "out-ray", "--executor", "ray")["seconds"])
        report["ray"] = {"articles": args.ray, "local_s": round(min(locals_), 1), "ray_s": round(min(rays), 1),
                         "ratio": round(min(rays) / min(locals_), 2), "target": "<= 1.5",
                         "runs_local_s": [round(t, 1) for t in locals_], "runs_ray_s": [round(t, 1) for t in rays],
                         "ratios_in_turn": [round(r / t, 2) for t, r in zip(locals_, rays)]}


def args_small(r: dict) -> int:
    return r["memory"]["small_articles"]


def print_table(r: dict) -> None:
    rows = [] if "throughput" not in r else [
        ("non-embedding stages, 1 worker vs blank spaCy pass",
         f"{r['throughput']['pipeline_1_worker_articles_per_s']} vs {r['throughput']['spacy_articles_per_s']} "
         f"articles/s = {r['throughput']['ratio']}x (CPU time: {r['throughput'].get('cpu_ratio')}x; runs: "
         f"{r['throughput'].get('runs_1_worker_s')} vs {r['throughput'].get('runs_spacy_s')} s)", ">= 0.5x"),
        ("2 workers vs 1 (fastest of each)", f"{r['workers']['two_s']} s vs {r['workers']['one_s']} s = "
         f"{r['workers']['speedup']}x (runs: {r['workers'].get('runs_two_s')} vs {r['workers'].get('runs_one_s')})",
         ">= 1.7x"),
        ("2 workers vs 1, from CPU seconds", f"{r['workers'].get('speedup_from_cpu')}x (parent serial "
         f"{r['workers'].get('two_workers', {}).get('parent_serial_cpu')} CPU s)", ">= 1.7x"),
        ("the machine: 2 copies of a CPU loop vs 1",
         f"{', '.join(f'{x}x' for x in r['workers'].get('machine_two_cores_speedup', []))} "
         "(after each pair of runs; 2.0 on two idle cores)", "(context)")]
    if "workers_large" in r:
        w = r["workers_large"]
        rows.append((f"2 workers vs 1 at {w['articles']} (one run each)",
                     f"{w['two_s']} s vs {w['one_s']} s = {w['speedup']}x", ">= 1.7x"))
    rows += [
        (f"peak RSS {r['files']['articles']} vs {args_small(r)} articles",
         f"{r['memory']['large_rss_mb']} vs {r['memory']['small_rss_mb']} MB = {r['memory']['ratio']}x", "<= 1.2x"),
        (f"no-op rerun at {r['incremental']['articles']}", f"{r['incremental']['noop_s']} s", "< 2 s"),
        (f"add 10 + edit 10 at {r['incremental']['articles']}",
         f"{r['incremental']['add_10_edit_10_s']} s ({r['incremental']['store']})", "< 10 s"),
        (f"stage files at {r['files']['articles']}", f"{r['files']['stage_files']} (N/500 = {r['files']['n_over_500']})",
         "<= N/500 + c"),
    ]
    if "ratio" in r.get("ray", {}):
        rows.append((f"Ray vs local at {r['ray']['articles']} (fastest of each)",
                     f"{r['ray']['ray_s']} s vs {r['ray']['local_s']} s = {r['ray']['ratio']}x (runs: "
                     f"{r['ray'].get('runs_ray_s')} vs {r['ray'].get('runs_local_s')})", "<= 1.5x"))
    width = max(len(a) for a, _, _ in rows)
    for a, b, c in rows:
        print(f"{a:<{width}}  {b:<60}  {c}")


if __name__ == "__main__":
    sys.exit(main())
