"""Running a phase's work: chunks of documents through a chain of stages, then shard merges.

The runner plans (which documents each stage must compute) and commits; what
lies between is here, as plain functions of plain data, so the same code runs
in-process, in a process pool (:class:`LocalExecutor`) or on Ray
(:mod:`pipeline.ray_executor`):

* :func:`build_rows` turns a :class:`Chunk` (a few dozen documents of one shard)
  into document rows: each row holds, as nested lists, the tables its stages read,
  from the shard files of the stages that wrote them (or, for ingest, the bytes of
  its source file);
* :func:`process_chunk` applies the chain's stages to those rows and writes what
  they computed to a chunk file;
* :func:`merge_shard` writes a stage's new shard file: the old file's rows less the
  dropped and recomputed documents, plus the chunk files' rows.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import json
import os
import pathlib
import queue
import resource
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import pool as worker_pool
from pipeline import schema
from pipeline.pool import worker_languages
from pipeline.protocol import (ERROR, FAILED, SET_INPUTS, Stage, StageStats, empty_lists, flatten, nest, nested_type,
                               run_column, status_column)
from pipeline.shards import ROW_GROUP, ShardWriter, iter_batches, read_rows, shard_schema
from pipeline.textmap import stable_hash

# columns a chunk carries for ingest's reader: where the source's bytes are
READER_COLUMNS = {"_path": pa.binary(), "_rel": pa.string(), "_start": pa.int64(), "_end": pa.int64(),
                  "_first_line": pa.int32(), "_sha256": pa.string()}


@dataclass
class Chunk:
    """Work for one executor task: some rows of one shard, through a chain of stages."""
    stages: tuple[str, ...]
    shard: int
    key: str                            # "src" (ingest) or "doc_id"
    keys: list[str]
    srcs: list[str]
    run: dict[str, list[bool]]          # per stage: compute it for this row?
    extra: dict[str, list] = field(default_factory=dict)   # per-row columns: boilerplate, reader columns
    inputs: dict[str, str] = field(default_factory=dict)   # stage -> its shard file (stored outputs to read)
    out: str = ""                       # where process_chunk writes its rows
    lang: str | None = None             # its documents' language: a pool gives a worker the languages it has loaded
    langid_after: bool = False          # ingest: also run langid on the documents it made (ChunkResult.langid)
    # its rows come back in the result, not through ``out``: the parent streams them into new shard files
    # (a file written by the worker and read back by the parent cost ~40 ms of CPU a chunk of 64 documents)
    in_memory: bool = False

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def per_language(self) -> bool:
        """Whether its stages load the language data of its documents (denoise..extract, not ingest or embed)."""
        return any(stage(name).language == "document" for name in self.stages)

    def split(self, n: int) -> tuple["Chunk", "Chunk"]:
        """Its first ``n`` documents and the rest, as two chunks (each with its own output file)."""
        stem = self.out[:-len(".parquet")] if self.out.endswith(".parquet") else self.out

        def part(a: int, b: int | None, suffix: str) -> Chunk:
            return replace(self, keys=self.keys[a:b], srcs=self.srcs[a:b],
                           run={k: v[a:b] for k, v in self.run.items()},
                           extra={k: v[a:b] for k, v in self.extra.items()}, out=f"{stem}{suffix}.parquet")

        return part(0, n, "a"), part(n, None, "b")


@dataclass
class ChunkResult:
    out: str
    stats: dict[str, StageStats]
    facts: pa.Table | None = None       # ingest: src, doc_id, source_path, digest, line_keys of new documents
    work: "WorkTime | None" = None      # where and how long it ran (the pool's CPU accounting)
    langid: pa.Table | None = None      # Chunk.langid_after: langid's rows for the documents ingest made
    langid_stats: StageStats | None = None
    rows: pa.Table | None = None        # what the stages computed, until written to ``out``

    def written(self) -> str:
        """``out``, with the computed rows written to it (once)."""
        if self.rows is not None:
            pq.write_table(self.rows, self.out, row_group_size=ROW_GROUP, compression="zstd")
            self.rows = None
        return self.out


@dataclass
class WorkTime:
    """One task in the process that ran it: its CPU and wall seconds (the executor's accounting)."""
    pid: int
    cpu: float                          # CPU seconds of the task
    started: float                      # wall clock (time.time) at its start and end
    ended: float
    startup_cpu: float | None = None    # on a process's first task: CPU it spent before it (imports, start-up)

    @staticmethod
    def measure(fn: Callable[[Any], Any], item: Any) -> tuple[Any, "WorkTime"]:
        global _TASKS_RUN
        c0, t0 = time.process_time(), time.time()
        startup = c0 if _TASKS_RUN == 0 else None
        _TASKS_RUN += 1
        result = worker_pool.run_task(fn, item)
        return result, WorkTime(os.getpid(), time.process_time() - c0, t0, time.time(), startup)


_TASKS_RUN = 0   # tasks this process has run (the first one reports the process's start-up CPU)


def stage(name: str) -> Stage:
    from pipeline.registry import BY_NAME

    return BY_NAME[name]


# ---------------------------------------------------------------- building rows

def read_source(path: bytes, start: int, end: int, first_line: int) -> bytes:
    """The bytes of a source (a byte range for a run of JSONL lines)."""
    with open(os.fsdecode(path), "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    # ingest numbers JSONL lines from the start of what it is given: pad with the lines before
    return b"\n" * (first_line - 1) + data if first_line > 1 else data


def sources_column(rows: pa.Table) -> tuple[pa.Array, list[str | None]]:
    """ingest's input: each row's source bytes as a one-row ``sources`` table, and read errors."""
    from pipeline.protocol import lists

    tables, errors = [], []
    for path, rel, start, end, first, sha in zip(*(rows.column(c).to_pylist() for c in
                                                   ("_path", "_rel", "_start", "_end", "_first_line", "_sha256"))):
        try:
            data = read_source(path, start, end, first)
        except OSError as exc:   # gone or unreadable since it was listed
            tables.append(schema.SOURCES.empty_table())
            errors.append(f"unreadable file: {exc.strerror or exc}")
            continue
        tables.append(pa.table({"source_path": [rel], "data": [data], "content_hash": [sha]}, schema=schema.SOURCES))
        errors.append(None)
    return lists(schema.SOURCES, tables), errors


def _aligned(table: pa.Table, keys: list[str], key_column: str, column: str, schema_: pa.Schema) -> pa.Array:
    """``table``'s nested ``column`` (one row per key) aligned to ``keys``; missing keys get empty lists."""
    if table.num_rows == 0:
        return empty_lists(len(keys), schema_)
    pos = pc.index_in(pa.array(keys, pa.string()), value_set=table.column(key_column))
    taken = table.column(column).take(pos.fill_null(0)).combine_chunks() if table.num_rows else None
    missing = pc.is_null(pos)
    if pc.any(missing).as_py():
        empty = empty_lists(len(keys), schema_)
        taken = pc.if_else(missing, empty, taken)
    return taken.cast(nested_type(schema_))


def build_rows(chunk: Chunk) -> pa.Table:
    """The chunk's document rows with every table its stages read."""
    chain = [stage(n) for n in chunk.stages]
    n = len(chunk.keys)
    cols: dict[str, pa.Array] = {chunk.key: pa.array(chunk.keys, pa.string())}
    if chunk.key != "src":
        cols["src"] = pa.array(chunk.srcs, pa.string())
    cols["_shard"] = pa.array([chunk.shard] * n, pa.int32())
    for name in chunk.stages:
        cols[run_column(name)] = pa.array(chunk.run[name], pa.bool_())
    for name, values in chunk.extra.items():
        if name in SET_INPUTS:   # a row's strings, or (the runner's boilerplate) joined by spaces
            cols[name] = pa.array([(v.split(" ") if v else []) if isinstance(v, str) else v for v in values],
                                  pa.list_(pa.string()))
        else:
            cols[name] = pa.array(values, READER_COLUMNS.get(name))
    rows = pa.table(cols)
    produced_in_chain: dict[str, Stage] = {}
    for st in chain:
        for table in st.inputs:
            if table in rows.schema.names or table in SET_INPUTS:
                continue
            if table == "sources":
                sources, errors = sources_column(rows)
                rows = rows.append_column("sources", sources)
                if any(errors):
                    rows = _mark_failed(rows, st.name, errors)
                continue
            from pipeline.registry import producer

            prod = producer(table)
            tschema = prod.outputs[table]
            path = chunk.inputs.get(prod.name)
            if prod is st:
                # the stage's own earlier output: what these sources' documents had (a cache)
                stored = _stored_by_src(path, table, tschema, chunk.srcs) if path else empty_lists(n, tschema)
            elif prod.name in produced_in_chain:
                # computed by an earlier stage of this chain where it runs; stored where it does not
                runs = chunk.run[prod.name]
                need = [k for k, r in zip(chunk.keys, runs) if not r]
                stored = _stored(path, prod, table, tschema, chunk, need) if path and need \
                    else empty_lists(n, tschema)
            else:
                stored = _stored(path, prod, table, tschema, chunk, chunk.keys) if path else empty_lists(n, tschema)
            rows = rows.append_column(table, stored)
        for table in st.outputs:
            produced_in_chain[table] = st
        produced_in_chain[st.name] = st
    return rows


def _mark_failed(rows: pa.Table, name: str, errors: list[str | None]) -> pa.Table:
    """Rows that cannot run ``name`` (their input is unreadable): failed with that reason, not run."""
    failed = pa.array([e is not None for e in errors])
    run = pc.and_(rows.column(run_column(name)), pc.invert(failed))
    rows = rows.set_column(rows.schema.get_field_index(run_column(name)), run_column(name), run)
    return (rows.append_column(FAILED, failed)
            .append_column(ERROR, pa.array([f"{name}: {e}" if e else None for e in errors], pa.string()))
            .append_column(status_column(name), pa.array(["failed" if e else None for e in errors], pa.string())))


def _stored(path: str, prod: Stage, table: str, tschema: pa.Schema, chunk: Chunk, keys: list[str]) -> pa.Array:
    """Stored values of ``table`` (written by ``prod``) for ``keys``, aligned to the chunk's rows."""
    srcs = {s for k, s in zip(chunk.keys, chunk.srcs) if k in set(keys)}
    if prod.key == chunk.key:
        t = read_rows(path, ["src", prod.key, table] if prod.key != "src" else ["src", table], prod.key, keys, srcs)
        return _aligned(t, chunk.keys, prod.key, table, tschema)
    # ingest's documents, per source, for rows keyed by document
    t = read_rows(path, ["src", table], srcs=srcs)
    flat = flatten(t.column(table)) if t.num_rows else tschema.empty_table()
    flat = flat.filter(pc.is_in(flat.column(chunk.key), value_set=pa.array(keys, pa.string()))) if flat.num_rows \
        else flat
    # the same text under two sources: one row for it
    if flat.num_rows:
        _, first = np.unique(flat.column(chunk.key).to_numpy(zero_copy_only=False), return_index=True)
        flat = flat.take(pa.array(np.sort(first)))
    return nest(flat, chunk.keys, chunk.key, tschema)


def _stored_by_src(path: str, table: str, tschema: pa.Schema, srcs: list[str]) -> pa.Array:
    """All stored rows of ``table`` of each row's source (earlier versions of its documents included)."""
    from pipeline.protocol import lists

    t = read_rows(path, ["src", table], srcs=set(srcs))
    if t.num_rows == 0:
        return empty_lists(len(srcs), tschema)
    column = t.column(table).combine_chunks()
    by_src: dict[str, list[pa.Table]] = {}
    for i, src in enumerate(t.column("src").to_pylist()):
        by_src.setdefault(src, []).append(flatten(column.slice(i, 1)))
    return lists(tschema, [pa.concat_tables(by_src[s]) if s in by_src else tschema.empty_table() for s in srcs])


# ---------------------------------------------------------------- running a chunk

_RESOURCES: dict[str, tuple[str, dict[str, Any]]] = {}


def resources(st: Stage, run_settings: Any) -> dict[str, Any] | None:
    """A stage's heavy objects, made once per process and run settings (models load on first use).

    Keyed by the settings too: a second run in the same process with other settings (another
    model, no auxiliary model) must not get the first run's objects. One entry per stage, so a
    process that changes settings holds one set of models, not all of them.
    """
    if st.resources is None:
        return None
    key = repr(run_settings)
    cached = _RESOURCES.get(st.name)
    if cached is None or cached[0] != key:
        _RESOURCES[st.name] = cached = (key, st.resources(run_settings))
    return cached[1]


def document_digest(doc: dict) -> str:
    """What later stages depend on in a document row: everything but where it came from."""
    return stable_hash(json.dumps({k: v for k, v in doc.items() if k not in ("source_path", "content_hash")},
                                  sort_keys=True, default=str, ensure_ascii=False), length=32)


def _ingest_facts(rows: pa.Table) -> pa.Table:
    out = {"src": [], "doc_id": [], "source_path": [], "digest": [], "line_keys": []}
    ok = pc.equal(rows.column(status_column("ingest")), "ok").fill_null(False)
    for src, docs in zip(rows.column("src").filter(ok).to_pylist(), rows.column("documents").filter(ok).to_pylist()):
        for d in docs:
            out["src"].append(src)
            out["doc_id"].append(d["doc_id"])
            out["source_path"].append(d["source_path"])
            out["digest"].append(document_digest(d))
            out["line_keys"].append(d["line_keys"] or [])
    return pa.table(out, schema=pa.schema([("src", pa.string()), ("doc_id", pa.string()),
                                           ("source_path", pa.string()), ("digest", pa.string()),
                                           ("line_keys", pa.list_(pa.string()))]))


def output_columns(chunk_stages: Iterable[str], key: str) -> list[str]:
    cols = [key] + (["src"] if key != "src" else []) + ["_shard", FAILED, ERROR]
    for name in chunk_stages:
        cols.append(status_column(name))
        cols.extend(stage(name).outputs)
    return cols


def process_chunk(chunk: Chunk, run_settings: Any, in_memory: bool = False) -> ChunkResult:
    """Build the chunk's rows, apply its stages in order, write what they computed to ``chunk.out``
    (``in_memory``: keep them in the result instead, for the process that asked, which writes them
    where they go without a round trip through a file: :meth:`ChunkResult.written`)."""
    rows = build_rows(chunk)
    stats: dict[str, StageStats] = {}
    for name in chunk.stages:
        st = stage(name)
        rows, stats[name] = st.apply(rows, run_settings.stage(name), resources(st, run_settings))
    facts = _ingest_facts(rows) if "ingest" in chunk.stages else None
    keep = [c for c in output_columns(chunk.stages, chunk.key) if c in rows.schema.names]
    result = ChunkResult(chunk.out, stats, facts, rows=rows.select(keep))
    if not in_memory:
        result.written()
    if chunk.langid_after and chunk.stages == ("ingest",):
        result.langid, result.langid_stats = langid_after_ingest(rows, chunk.shard, run_settings)
    return result


def langid_after_ingest(rows: pa.Table, shard: int, run_settings: Any) -> tuple[pa.Table | None, StageStats | None]:
    """langid's output rows for the documents ingest just made of ``rows``, while they are at hand.

    Each document as the langid phase would read it back from ingest's shard (one row per document:
    the first of its source with that doc_id; a document whose text another source of the chunk has
    too is left to the langid phase, which knows which source owns it). The runner takes the rows of
    documents it wants computed under the same source, and has the langid phase compute the others.
    """
    ok = pc.equal(rows.column(status_column("ingest")), "ok").fill_null(False)
    done = rows.filter(ok)
    if done.num_rows == 0:
        return None, None
    flat = flatten(done.column("documents"))
    if flat.num_rows == 0:
        return None, None
    srcs = np.repeat(np.asarray(done.column("src").to_pylist(), dtype=object),
                     pc.list_value_length(done.column("documents")).fill_null(0).to_numpy(zero_copy_only=False))
    ids = flat.column("doc_id").to_pylist()
    first: dict[str, int] = {}
    shared: set[str] = set()
    for i, (d, src) in enumerate(zip(ids, srcs)):
        if d not in first:
            first[d] = i
        elif srcs[first[d]] != src:
            shared.add(d)
    picked = [i for d, i in first.items() if d not in shared]
    if not picked:
        return None, None
    flat = flat.take(pa.array(picked, pa.int64()))
    keys = [ids[i] for i in picked]
    st = stage("langid")
    lrows = pa.table({"doc_id": pa.array(keys, pa.string()), "src": pa.array([srcs[i] for i in picked], pa.string()),
                      "_shard": pa.array([shard] * len(keys), pa.int32()),
                      run_column("langid"): pa.array([True] * len(keys), pa.bool_())})
    lrows = lrows.append_column("documents", nest(flat, keys, "doc_id", stage("ingest").outputs["documents"]))
    try:
        lrows, stats = st.apply(lrows, run_settings.stage("langid"), resources(st, run_settings))
    except Exception:   # (the langid phase runs them instead, and raises what it raises there)
        return None, None
    keep = [c for c in output_columns(("langid",), "doc_id") if c in lrows.schema.names]
    return lrows.select(keep), stats


# ---------------------------------------------------------------- merging into shards

@dataclass
class MergeTask:
    stage: str
    shard: int
    old: str | None                  # the current shard file
    drop: list[str]                  # keys whose old rows go (dropped or recomputed)
    chunk_outs: list[str]            # chunk files holding this shard's computed rows
    new: str                         # the new shard file
    # when given, only these keys' old rows are kept (the live ones: a file may hold rows the manifest
    # has marked dead, see shards.DELTA), whatever ``drop`` says
    keep: list[str] | None = None
    # rows copied as they are from other shard files: (file, keys), when sources move to the delta shard
    # or it is folded back
    adds: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class MergeResult:
    stage: str
    shard: int
    new: str | None                  # None: the shard has no rows left
    rows: int
    entries: pa.Table                # key, src, status, info, rows: for the rows the stage ran on
    work: WorkTime | None = None


ENTRY_SCHEMA = pa.schema([("key", pa.string()), ("src", pa.string()), ("status", pa.string()),
                          ("info", pa.string()), ("rows", pa.int64())])


def merge_shard(task: MergeTask) -> MergeResult:
    st = stage(task.stage)
    sch = shard_schema(st)
    writer = ShardWriter(pathlib.Path(task.new), sch)
    entries: list[pa.Table] = []
    try:
        if task.old:
            drop = pa.array(task.drop, pa.string())
            keep = pa.array(task.keep, pa.string()) if task.keep is not None else None
            for batch in iter_batches(task.old):
                if keep is not None:
                    batch = batch.filter(pc.is_in(batch.column(st.key), value_set=keep))
                elif len(drop):
                    batch = batch.filter(pc.invert(pc.is_in(batch.column(st.key), value_set=drop)))
                writer.write(batch)
        for path, keys in task.adds:
            wanted = pa.array(keys, pa.string())
            f = pq.ParquetFile(path)
            for i in range(f.num_row_groups):
                # (a few documents of a large shard: only the row groups holding them are read whole)
                if pc.any(pc.is_in(f.read_row_group(i, columns=[st.key]).column(st.key), value_set=wanted)).as_py():
                    batch = f.read_row_group(i)
                    writer.write(batch.filter(pc.is_in(batch.column(st.key), value_set=wanted)))
        for out in task.chunk_outs:
            _append_chunk(st, writer, out, entries)
        rows = writer.close()
    except BaseException:
        writer.abort()
        raise
    return _merged(task.stage, task.shard, task.new, rows, entries)


def _append_chunk(st: Stage, writer: ShardWriter, out: str | pa.Table, entries: list[pa.Table]) -> None:
    """Write the rows a stage made in the chunk file ``out`` (or a chunk's rows in memory: those it ran on,
    and of these the ok ones) to a shard file, and keep their manifest entries."""
    status = status_column(st.name)
    cols = [st.key] + (["src"] if st.key != "src" else []) + [ERROR, status, *st.outputs]
    # (ParquetFile, not read_table: that imports pandas)
    t = out.select(cols) if isinstance(out, pa.Table) else pq.ParquetFile(out).read(columns=cols)
    # (a filter copies the nested outputs: a chunk whose rows all ran, and ran ok, the most, is taken as it is)
    ran = pc.is_valid(t.column(status))
    if not pc.all(ran).as_py():
        t = t.filter(ran)
    if t.num_rows == 0:
        return
    ok = pc.equal(t.column(status), "ok")
    writer.write(t if pc.all(ok).as_py() else t.filter(ok))
    entries.append(_entries(st, t))


def _merged(stage_name: str, shard: int, new: str, rows: int, entries: list[pa.Table]) -> MergeResult:
    if rows == 0:
        pathlib.Path(new).unlink(missing_ok=True)
    table = pa.concat_tables(entries) if entries else ENTRY_SCHEMA.empty_table()
    return MergeResult(stage_name, shard, new if rows else None, rows, table)


class ShardAppender:
    """A new shard file written from chunk files as they arrive (a shard with no file yet): the file
    :func:`merge_shard` would write from the same chunk files in the same order, made while the pool
    still works instead of after it (a first build's merges were serial time of every phase)."""

    def __init__(self, stage_name: str, shard: int, new: str):
        self.stage = stage(stage_name)
        self.shard = shard
        self.new = new
        self.writer = ShardWriter(pathlib.Path(new), shard_schema(self.stage))
        self.entries: list[pa.Table] = []

    def add(self, out: str | pa.Table) -> None:
        """A chunk's rows: its file, or the rows themselves (a chunk run in this process)."""
        _append_chunk(self.stage, self.writer, out, self.entries)

    def close(self) -> MergeResult:
        return _merged(self.stage.name, self.shard, self.new, self.writer.close(), self.entries)

    def abort(self) -> None:
        self.writer.abort()


class Handoff:
    """Calls run in order by one thread of their own, beside the caller (a phase's chunk results written out
    while the next chunk runs). A call that raises stops the rest: its error is raised at the next
    :meth:`submit` or at :meth:`close`. At most ``depth`` calls wait: the caller waits past that (memory)."""

    def __init__(self, name: str, depth: int = 4):
        self._calls: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            if self._error is None:
                try:
                    call[0](*call[1])
                except BaseException as exc:   # (raised in the caller's thread)
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._raise()
        self._calls.put((fn, args))

    def close(self) -> None:
        """Wait for every call submitted; raise the error of the one that failed."""
        self._calls.put(None)
        self._thread.join()
        self._raise()

    def abort(self) -> None:
        """Wait for the call running, run no other."""
        if self._error is None:
            self._error = RuntimeError("aborted")
        if self._thread.is_alive():
            self._calls.put(None)
            self._thread.join()


def _entries(st: Stage, t: pa.Table) -> pa.Table:
    status = t.column(status_column(st.name))
    n_rows = None
    for name in st.outputs:
        lengths = pc.list_value_length(t.column(name)).fill_null(0)
        n_rows = lengths if n_rows is None else pc.add(n_rows, lengths)
    if st.name == "langid":
        langs = [v[0]["lang"] if v else None for v in t.column("languages").to_pylist()]
        info = pc.if_else(pc.equal(status, "ok"), pa.array(langs, pa.string()), t.column(ERROR))
    else:
        info = pc.if_else(pc.equal(status, "ok"), pa.nulls(t.num_rows, pa.string()), t.column(ERROR))
    return pa.table({"key": t.column(st.key), "src": t.column("src"), "status": status, "info": info,
                     "rows": pc.cast(n_rows, pa.int64())}, schema=ENTRY_SCHEMA)


# ---------------------------------------------------------------- the local executor

class Accounting:
    """Where a run's executor time goes, in CPU seconds (robust to a shared machine) and wall seconds.

    Every task (a chunk, or a merge run in the pool) reports the process that ran it, its CPU
    and wall seconds; a process's first task also reports the CPU it spent before (start-up:
    interpreter, imports). Phases are the spans in which the parent waits for the pool. From
    these, :meth:`summary` gives per worker its start-up, busy CPU, idle time within phases
    (the tail: done while another still works) and between them (the parent working alone),
    and the run's wall time on idle cores predicted from CPU seconds alone: the parent's CPU
    outside phases plus, per phase, its busiest worker's CPU.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.parent = os.getpid()
        self.tasks: list[tuple[int, WorkTime]] = []           # (phase index, task)
        self.phases: list[dict[str, Any]] = []                # label, start, end, parent_cpu
        self.pool_start: float | None = None
        self.pool_end: float | None = None
        self.children_cpu = 0.0                                # workers' CPU, from the OS once they exited
        self._children_at_start = 0.0
        self._parent_cpu_at_pool_start: float | None = None

    def pool_started(self) -> None:
        self.pool_start = time.time()
        self._parent_cpu_at_pool_start = time.process_time()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children_at_start = ru.ru_utime + ru.ru_stime

    def pool_stopped(self) -> None:
        self.pool_end = time.time()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children_cpu += ru.ru_utime + ru.ru_stime - self._children_at_start

    def phase(self, label: str) -> "_Phase":
        return _Phase(self, label)

    def task(self, work: WorkTime | None) -> None:
        if work is not None:
            self.tasks.append((len(self.phases) - 1, work))

    def summary(self, run_wall: float | None = None, parent_cpu: float | None = None) -> dict[str, Any]:
        pids = sorted({w.pid for _, w in self.tasks if w.pid != self.parent})
        per: dict[int, dict[str, float]] = {pid: {"startup_cpu": 0.0, "busy_cpu": 0.0, "busy_wall": 0.0, "tasks": 0}
                                            for pid in pids}
        in_parent = 0.0
        phase_busy: list[dict[int, float]] = [{} for _ in self.phases]
        phase_wall_busy: list[dict[int, float]] = [{} for _ in self.phases]
        for i, w in self.tasks:
            if w.pid == self.parent:
                in_parent += w.cpu
                continue
            d = per[w.pid]
            d["busy_cpu"] += w.cpu
            d["busy_wall"] += w.ended - w.started
            d["tasks"] += 1
            startup = w.startup_cpu or 0.0
            d["startup_cpu"] += startup
            if i >= 0:
                # a worker's start-up delays its first phase only by what the parent's own planning hid:
                # while the parent plans on one core, the workers start on the other N - 1 cores
                hidden = 0.0
                if startup and self._parent_cpu_at_pool_start is not None:
                    planning = max(0.0, self.phases[i]["parent_cpu_start"] - self._parent_cpu_at_pool_start)
                    hidden = planning * (self.workers - 1) / self.workers
                phase_busy[i][w.pid] = phase_busy[i].get(w.pid, 0.0) + w.cpu + max(0.0, startup - hidden)
                phase_wall_busy[i][w.pid] = phase_wall_busy[i].get(w.pid, 0.0) + w.ended - w.started
        phase_walls = [ph["end"] - ph["start"] for ph in self.phases]
        pooled = [i for i, b in enumerate(phase_busy) if b]
        for pid, d in per.items():
            d["idle_in_phases_wall"] = sum(phase_walls[i] - phase_wall_busy[i].get(pid, 0.0) for i in pooled)
            # the same in CPU seconds: how far behind the busiest worker of each phase it finished
            d["tail_cpu"] = sum(max(phase_busy[i].values()) - phase_busy[i].get(pid, 0.0) for i in pooled)
            if self.pool_start is not None and self.pool_end is not None:
                d["idle_between_phases_wall"] = (self.pool_end - self.pool_start) - sum(phase_walls[i] for i in pooled)
        parent_in_phases = sum(ph["parent_cpu"] for i, ph in enumerate(self.phases) if i in pooled)
        out: dict[str, Any] = {
            "workers": self.workers,
            "worker_processes": len(pids),
            "per_worker": [{k: round(v, 2) for k, v in d.items()} for d in per.values()],
            "workers_cpu_os": round(self.children_cpu, 2),
            # what the workers spent outside start-up and tasks: passing tasks and results, exiting
            "workers_other_cpu": round(self.children_cpu - sum(d["startup_cpu"] + d["busy_cpu"] for d in per.values()), 2)
            if pids and self.pool_end is not None else None,
            "parent_cpu_in_phases": round(parent_in_phases, 2),
            "tasks_in_parent_cpu": round(in_parent, 2),
            "phases": [{"phase": ph["label"], "wall": round(phase_walls[i], 2),
                        "busiest_cpu": round(max(phase_busy[i].values()), 2) if phase_busy[i] else None,
                        "workers_cpu": round(sum(phase_busy[i].values()), 2)}
                       for i, ph in enumerate(self.phases)],
        }
        if parent_cpu is not None:
            serial = parent_cpu - parent_in_phases
            critical = sum(max(phase_busy[i].values()) for i in pooled)
            out["parent_cpu"] = round(parent_cpu, 2)
            out["parent_serial_cpu"] = round(serial, 2)
            total = parent_cpu + (self.children_cpu if pids else 0.0)
            out["total_cpu"] = round(total, 2)
            # the run's wall seconds on idle cores, from CPU seconds alone
            out["predicted_wall_idle_cores"] = round(serial + critical if pids else parent_cpu, 2)
        if run_wall is not None:
            out["wall"] = round(run_wall, 2)
        return out


class _Phase:
    def __init__(self, acc: Accounting, label: str):
        self.acc, self.label = acc, label

    def __enter__(self) -> "_Phase":
        self._cpu = time.process_time()
        self.acc.phases.append({"label": self.label, "start": time.time(), "end": 0.0, "parent_cpu": 0.0,
                                "parent_cpu_start": self._cpu})
        return self

    def __exit__(self, *exc) -> None:
        ph = self.acc.phases[-1]
        ph["end"] = time.time()
        ph["parent_cpu"] = time.process_time() - self._cpu


MIN_TAIL_CHUNK = 8   # documents: the smallest chunk at a phase's tail (a chunk has a fixed cost of a few reads)


def chunk_size(remaining: int, size: int, workers: int) -> int:
    """Documents in the next chunk of a phase with ``remaining`` documents left to cut.

    Guided self-scheduling: full chunks while there is plenty of work, then chunks of a
    ``2 * workers``-th of what is left (at least ``MIN_TAIL_CHUNK``), so the workers finish
    a phase together instead of one waiting for another's last full chunk.
    """
    if workers <= 1:
        return size
    return max(1, min(size, max(MIN_TAIL_CHUNK, -(-remaining // (2 * workers)))))


def small_phase(documents: int, run_settings: Any) -> bool:
    """Whether a phase of ``documents`` is run in this process rather than by a pool (at most one chunk's worth)."""
    return documents <= max(1, getattr(run_settings, "chunk_docs", 64))


class _Queue:
    """A phase's tasks waiting for a worker, by language (a chunk's ``lang``; None: any worker).

    Each worker loads the language data and models of the languages it works on (spaCy's pipeline,
    word lists, the morphological analyser: seconds) and fills its per-text caches with their
    paragraphs, so a worker is given chunks of the languages it has worked on while there are any, a
    language no other worker has taken next (its warm-up's first language first), and only then
    shares another's. Tasks of one language are taken in the order they were cut (the small ones last).

    ``split`` (chunks): a chunk taken when little is left in the whole phase is cut down to a
    ``2 * workers``-th of what is left (``chunk_size``), the rest put back. The runner cuts each
    language's tail small, but as if the languages ended together; they do not (a pool ends a phase in
    the language it shares), and the last language's last full chunks kept one worker busy while the
    other had none.
    """

    def __init__(self, items: list, workers: int, split: Callable[[Any, int], tuple[Any, Any]] | None = None):
        self.waiting: dict[str | None, collections.deque] = {}
        for item in items:
            self.waiting.setdefault(getattr(item, "lang", None), collections.deque()).append(item)
        self.left = len(items)
        self.taken: list[list[str | None]] = [[] for _ in range(workers)]   # per worker, most recent last
        self.workers = workers
        self.split = split
        self.docs = sum(len(item) for item in items) if split is not None else 0   # documents not yet taken

    def take(self, worker: int) -> Any:
        live = [k for k, q in self.waiting.items() if q]
        if not live:
            return None
        mine = [k for k in reversed(self.taken[worker]) if k in live]
        if len(live) == 1:
            lang = live[0]
        elif mine:
            lang = mine[0]
        else:
            others = {k for i, taken in enumerate(self.taken) if i != worker for k in taken}
            fresh = [k for k in live if k not in others]
            order = worker_languages(worker, self.workers) if any(k is not None for k in live) else []
            rank = {k: i for i, k in enumerate(order)}
            lang = min(fresh, key=lambda k: rank.get(k, len(rank))) if fresh else \
                max(live, key=lambda k: sum(getattr(item, "__len__", lambda: 1)() for item in self.waiting[k]))
        if lang not in self.taken[worker]:
            self.taken[worker].append(lang)
        item = self.waiting[lang].popleft()
        if self.split is not None:
            n = chunk_size(self.docs, len(item), self.workers)
            if len(item) - n >= MIN_TAIL_CHUNK:
                item, rest = self.split(item, n)
                waiting = self.waiting[lang]   # (the rest among the others by size: the largest first)
                waiting.insert(next((i for i, w in enumerate(waiting) if len(w) < len(rest)), len(waiting)), rest)
                self.left += 1
            self.docs -= len(item)
        self.left -= 1
        return item


class LocalExecutor:
    """Chunks and merges in this process (one worker) or a process pool (each worker keeps its models).

    The pool is one single-process executor per worker, so that this process chooses which worker
    runs which chunk (:class:`_Queue`): a worker keeps to the languages whose data it has loaded."""

    name = "local"
    # the parent writes a new shard's file from its chunk files as they come (runner._phase): while the
    # workers run the phase, instead of a merge after it (Ray's driver gets its chunks all at the end)
    streams_merges = True

    def __init__(self, workers: int, run_settings: Any, started: list[cf.ProcessPoolExecutor] | None = None):
        self.workers = max(1, workers)
        self.run_settings = run_settings
        self._pool: list[cf.ProcessPoolExecutor] | None = None
        self._standby: list[cf.ProcessPoolExecutor] | None = None   # one worker for an edit (start_standby)
        self._releasing: threading.Thread | None = None
        self.accounting = Accounting(self.workers)
        if started is not None and len(started) == self.workers:   # (pool.start_for_first_build's)
            self.accounting.pool_started()
            self._pool = started
        elif started is not None:
            for worker in started:
                worker.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Start the pool's workers now, without waiting for them (their imports overlap the parent's planning).

        A pool started here is for a real workload: its workers also load what the stages load on first
        use while they would otherwise wait (``_warm_up``)."""
        if self.workers > 1 and self._pool is None:
            worker_pool.launch(self._start_pool(warm=True))

    def start_standby(self) -> None:
        """Start one worker now, for an edit's per-language phase (which would otherwise run in this process).

        An edit of a few articles is not worth a pool, but in this process its per-language phase began by
        importing spaCy and building the blank pipelines (1.2 + 0.5 s of an edit's 9.5 at 10,000 articles
        here). One worker, started once the run knows that sources changed, loads them on the idle core
        while this process ingests, identifies the languages and plans, and then runs that phase
        (:meth:`run_chunks`). Ingest and langid stay here: they come before the worker is up."""
        if self.workers > 1 and self._pool is None and self._standby is None:
            self.accounting.pool_started()
            try:
                # (no HTML extraction in its warm-up: ingest, the only stage that extracts, is not its work)
                self._standby = worker_pool.start(1, warm=True, html=False)
                worker_pool.launch(self._standby)
            except Exception:   # (only a speed-up: the phase runs in this process)
                self._stop_standby()

    def _stop_standby(self) -> None:
        """Let the standby worker go (its phase is over, or a pool takes its place)."""
        if self._standby is not None:
            for worker in self._standby:
                worker.shutdown(wait=False, cancel_futures=True)
            self._standby = None
            self.accounting.pool_stopped()

    def _start_pool(self, warm: bool = False) -> list[cf.ProcessPoolExecutor]:
        if self._pool is None:
            # a phase larger than the edit it was started for (a langid or embedding change): a pool's workers
            # split the languages between them (their warm-up), the standby had all to itself
            self._stop_standby()
            self.accounting.pool_started()
            self._pool = worker_pool.start(self.workers, warm)
        return self._pool

    def _shutdown(self, wait: bool = True) -> None:
        """Let the workers go; ``wait``: until each has exited (a worker exits at once when let go, and this
        runs beside the store load). Its CPU then counts in the accounting's ``workers_cpu_os``:
        RUSAGE_CHILDREN holds only reaped processes, and a ``shutdown(wait=False)`` forgets the thread that
        reaps them, so a later ``shutdown(wait=True)`` waits for nothing."""
        for worker in self._pool or ():
            worker.shutdown(wait=wait, cancel_futures=True)

    def _map(self, fn: Callable, items: list, pool: bool = True,
             split: Callable[[Any, int], tuple[Any, Any]] | None = None, standby: bool = False) -> Iterator:
        """``fn`` over ``items``: by the pool (``pool``), else by the standby worker where there is one
        (``standby``), else in this process."""
        call = _Timed(fn)
        standby = standby and not pool and self._standby is not None and bool(items) and self._releasing is None
        if not standby and (self.workers == 1 or len(items) <= 1 or not pool or self._releasing is not None):
            for item in items:
                result = call(item)
                self.accounting.task(result.work)
                yield result
            return
        pool = self._standby if standby else self._start_pool()
        queue = _Queue(items, len(pool), split)
        running: dict[cf.Future, int] = {}
        held = [0] * len(pool)
        holding = [False] * len(pool)   # the worker was told more tasks are coming (no warm-up meanwhile)
        given = 0   # results handed on

        def refill() -> None:
            for w, worker in enumerate(pool):
                # a task queued behind the one running hides the round trip; not at the phase's tail,
                # where a task queued at one worker would wait while another worker has none
                depth = 2 if queue.left > 2 * len(pool) else 1
                while held[w] < depth and (item := queue.take(w)) is not None:
                    holding[w] = queue.left > 0
                    running[worker.submit(call, item, holding[w])] = w
                    held[w] += 1
                if holding[w] and not held[w] and not queue.left:
                    worker.submit(worker_pool.unhold)   # (no result to wait for: it only lets the worker warm up)
                    holding[w] = False

        try:
            refill()
            while running:
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                finished = []
                for f in done:
                    held[running.pop(f)] -= 1
                    finished.append(f.result())
                # the next tasks go out before the parent handles these results (merging their stats, the
                # progress bar): a worker at the phase's tail, given one task at a time, does not wait for that
                refill()
                for result in finished:
                    self.accounting.task(result.work)
                    given += 1
                    yield result
        except BrokenProcessPool:
            if not standby or given:
                raise
            # the standby died before its first result (killed, or its start failed): only a speed-up, so the
            # phase runs in this process
            self._stop_standby()
            yield from self._map(fn, items, pool=False)
        except BaseException:
            for f in running:
                f.cancel()
            raise

    def run_chunks(self, chunks: list[Chunk], on_done: Callable[[ChunkResult, Chunk], None]) -> None:
        by_out = {c.out: c for c in chunks}
        fn = _ChunkCall(self.run_settings)
        # a few documents (an edit): this process runs them, as starting workers (their imports, spaCy) costs
        # more than the work; a pool already started is used
        pool = self._pool is not None or not small_phase(sum(len(c) for c in chunks), self.run_settings)

        def split(chunk: Chunk, n: int) -> tuple[Chunk, Chunk]:
            head, rest = chunk.split(n)
            by_out[head.out], by_out[rest.out] = head, rest
            return head, rest

        per_language = bool(chunks) and chunks[0].per_language
        with self.accounting.phase("+".join(chunks[0].stages) if chunks else "chunks"):
            for result in self._map(fn, chunks, pool=pool, split=split, standby=per_language):
                on_done(result, by_out[result.out])
        if per_language:
            self._stop_standby()   # (its phase is over: nothing else goes to it, and its memory goes back now)

    def merge(self, tasks: list[MergeTask]) -> list[MergeResult]:
        # merging is mostly reading and writing files: worth the pool's workers only when they are up anyway
        pool = self._pool is not None and len(tasks) >= self.workers
        if not pool and self.workers > 1 and len(tasks) > 1 and self._releasing is None:
            # no pool (an edit): threads, as Parquet decoding, filtering and encoding release the GIL
            with cf.ThreadPoolExecutor(self.workers, thread_name_prefix="merge") as threads:
                results = list(threads.map(_Timed(merge_shard), tasks))
            for r in results:
                self.accounting.task(r.work)
            return results
        if not pool:
            return list(self._map(merge_shard, tasks, pool=False))
        with self.accounting.phase("merge"):
            # the largest first (a stage's extract and segment files are many times its normalise file), so the
            # workers end together rather than one merging the largest file last (results: as they come)
            return list(self._map(merge_shard, sorted(tasks, key=_merge_bytes, reverse=True)))

    def release(self) -> None:
        """No more chunks: let the workers exit while the parent goes on (their teardown overlaps its load)."""
        self._stop_standby()   # (one no phase used)
        if self._pool is not None and self._releasing is None:
            self._releasing = threading.Thread(target=self._shutdown, name="pool-shutdown", daemon=True)
            self._releasing.start()

    def close(self) -> None:
        self._stop_standby()
        if self._pool is not None:
            if self._releasing is None:
                self._shutdown(wait=False)   # (a run that failed: not waiting for a chunk still running)
            else:
                self._releasing.join()
                self._releasing = None
            self._pool = None
            self.accounting.pool_stopped()


def _merge_bytes(task: MergeTask) -> int:
    """What a merge reads, in bytes of its files: how long it takes, roughly."""
    total = 0
    for path in [task.old, *task.chunk_outs, *(f for f, _ in task.adds)]:
        try:
            total += os.path.getsize(path) if path else 0
        except OSError:
            pass
    return total


class _Timed:
    """A task that reports where and how long it ran (its result's ``work``).

    ``more``: the parent has more tasks of this phase waiting (a worker starts no warm-up step until
    it has none, see ``_HOLD``)."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, item: Any, more: bool = False) -> Any:
        worker_pool.task_begins(more, per_language=getattr(item, "per_language", False))
        result, work = WorkTime.measure(self.fn, item)
        result.work = work
        return result


class _ChunkCall:
    def __init__(self, run_settings: Any):
        self.run_settings = run_settings
        self.parent = os.getpid()

    def __call__(self, chunk: Chunk) -> ChunkResult:
        # run in the parent (one worker, a small phase), or streamed by it (Chunk.in_memory): its rows stay in
        # memory for the parent to write into the shard files (otherwise a pool's worker writes them to the
        # chunk's file, for the parent's merge to read)
        return process_chunk(chunk, self.run_settings, in_memory=chunk.in_memory or os.getpid() == self.parent)
