"""The Ray Data executor (``kb run --executor ray [--address ADDR]``): the same stages on a cluster.

A phase's chunks become a Ray dataset: one block per chunk spec (``from_arrow``: the specs
are a few kB, so no file listing or read tasks), ``map_batches`` that builds each chunk's
document rows (reading the stage shards, or the source files, from the shared output
folder), one ``map_batches`` per stage of the chain calling the stage's
:meth:`~pipeline.protocol.Stage.apply` (stages with models, i.e. embed, run as an actor
pool, so a model loads once per actor). As on the local executor, ingest's tasks also run
langid on the documents they just made (one phase and one barrier fewer). The blocks stream
to the driver (``iter_batches``), which writes each chunk's rows into the shard files as
the local executor does, while Ray makes the next, so both give the same store.

A Ray worker's first task sets its process up as a local pool's worker is (``pool.prepare_process``:
the collector's threshold, the allocator, Arrow's memory pool; not pyarrow's look for pandas, which Ray
Data may hand it), and a first build of many articles warms a local Ray's workers as soon as Ray is up
(``pool.warm_ray_worker``, a task a CPU) while the driver plans: without either, a Ray worker spent ~5
CPU s more at 2,000 articles and its first chunks waited for trafilatura, spaCy and the language tables.

Ray is an optional extra: ``pip install -e '.[ray]'``. On a cluster, the corpus
and the output folder must be on storage every node sees.
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import dataclasses
import json
import threading
import time
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.executors import (Chunk, ChunkResult, MergeResult, MergeTask, _ingest_facts, build_rows,
                                langid_after_ingest, merge_shard, output_columns, resources, stage)
from pipeline.pool import RayStart, prepare_process
from pipeline.protocol import StageStats, status_column

CHUNK_COLUMN = "_chunk"
LANGID_COLUMN = "_langid"                  # ingest+langid: langid's rows of the chunk (Arrow IPC, on its first row)
LANGID_SECONDS = "_langid_seconds"


def _encode(chunk: Chunk, index: int) -> str:
    data = dataclasses.asdict(chunk)
    if "_path" in data["extra"]:
        data["extra"]["_path"] = [base64.b64encode(p).decode("ascii") for p in data["extra"]["_path"]]
    data["index"] = index
    return json.dumps(data)


def _decode(spec: str) -> tuple[Chunk, int]:
    data = json.loads(spec)
    index = data.pop("index")
    if "_path" in data["extra"]:
        data["extra"]["_path"] = [base64.b64decode(p) for p in data["extra"]["_path"]]
    data["stages"] = tuple(data["stages"])
    return Chunk(**data), index


def build(batch: pa.Table) -> pa.Table:
    """map_batches: chunk specs -> their document rows."""
    prepare_process(settle_pandas=False)   # (this worker's first task: set up as a local pool's worker is)
    tables = []
    for spec in batch.column("spec").to_pylist():
        chunk, index = _decode(spec)
        rows = build_rows(chunk)
        tables.append(rows.append_column(CHUNK_COLUMN, pa.array([index] * rows.num_rows, pa.int32())))
    return pa.concat_tables(tables, promote_options="permissive")


def _apply(name: str, run_settings: Any, rows: pa.Table, res: Any) -> pa.Table:
    t0 = time.perf_counter()
    rows, _ = stage(name).apply(rows, run_settings.stage(name), res)
    per_row = (time.perf_counter() - t0) / max(rows.num_rows, 1)
    return rows.append_column(f"_seconds_{name}", pa.array([per_row] * rows.num_rows, pa.float64()))


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def langid_after(rows: pa.Table, run_settings: Any) -> pa.Table:
    """map_batches after ingest: langid's rows for the documents each chunk just made, carried on the
    chunk's first row (what :func:`pipeline.executors.langid_after_ingest` gives the local pool)."""
    n = rows.num_rows
    tables: list[bytes | None] = [None] * n
    seconds: list[float | None] = [None] * n
    chunk_ids = rows.column(CHUNK_COLUMN).to_pylist()
    shards = rows.column("_shard").to_pylist()
    first: dict[int, int] = {}
    for i, c in enumerate(chunk_ids):
        first.setdefault(c, i)
    for c, i in first.items():
        mine = rows.filter(pc.equal(rows.column(CHUNK_COLUMN), c)) if len(first) > 1 else rows
        lrows, stats = langid_after_ingest(mine, shards[i], run_settings)
        if lrows is not None:
            tables[i], seconds[i] = _ipc(lrows), stats.seconds if stats is not None else 0.0
    rows = rows.append_column(LANGID_COLUMN, pa.array(tables, pa.binary()))
    return rows.append_column(LANGID_SECONDS, pa.array(seconds, pa.float64()))


def _langid_result(rows: pa.Table) -> tuple[pa.Table | None, StageStats | None]:
    if LANGID_COLUMN not in rows.schema.names:
        return None, None
    tables, seconds = [], 0.0
    for blob, sec in zip(rows.column(LANGID_COLUMN).to_pylist(), rows.column(LANGID_SECONDS).to_pylist()):
        if blob is not None:
            tables.append(pa.ipc.open_stream(blob).read_all())
            seconds += sec or 0.0
    if not tables:
        return None, None
    return pa.concat_tables(tables), StageStats("langid", seconds=seconds)


def apply_stage(rows: pa.Table, name: str, run_settings: Any) -> pa.Table:
    """map_batches: one stage without models over document rows (a task; spaCy stays loaded per worker)."""
    return _apply(name, run_settings, rows, None)


class ApplyModelStage:
    """map_batches: a stage with models over document rows, as an actor pool: a model loads once per actor."""

    def __init__(self, name: str, run_settings: Any):
        prepare_process(settle_pandas=False)
        self.name = name
        self.run_settings = run_settings
        self.resources = resources(stage(name), run_settings)

    def __call__(self, rows: pa.Table) -> pa.Table:
        return _apply(self.name, self.run_settings, rows, self.resources)


class RayExecutor:
    name = "ray"
    streams_merges = True   # (chunks come to the driver as Ray makes them: see runner._phase)

    def __init__(self, run_settings: Any, shards: Any, starting: RayStart | None = None):
        """``starting``: Ray already starting (``pipeline.pool.ray_for_first_build``)."""
        self.run_settings = run_settings
        self.shards = shards
        self.started = False
        self._starting = starting
        self._stopping: threading.Thread | None = None

    def start(self) -> None:
        """Join the cluster, or start a local Ray, in a thread (seconds: the runner calls this as early as it
        knows there is real work, and a run with nothing to compute never starts Ray)."""
        if self._starting is None:
            self._starting = RayStart(self.run_settings.ray_address, self.run_settings.worker_count)
            self._starting.start()

    def _ready(self):
        """Ray, once started; its modules."""
        self.start()
        self._starting.wait()
        self.started = self._starting.owned
        import ray

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.verbose_stats_logs = False
        ctx.print_on_execution_start = False
        return ray

    def run_chunks(self, chunks: list[Chunk], on_done: Callable[[ChunkResult, Chunk], None]) -> None:
        if not chunks:
            return
        ray = self._ready()
        # one block per chunk, so Ray schedules chunks as tasks the way the local pool does
        specs = [pa.table({"spec": [_encode(chunk, i)]}) for i, chunk in enumerate(chunks)]
        names = chunks[0].stages
        workers = self.run_settings.worker_count
        # Ray Data reserves a share of the CPUs for each operator. Where every stage is a task, the stages
        # fuse into one operator that does all the work, and the reservation held back half of a two-CPU
        # Ray for an operator with none to do (2,000 articles: 40 s, 33 s without it; local 26 s). A
        # phase with an actor pool (embed) keeps it, so that the tasks around the actors get CPUs.
        ray.data.DataContext.get_current().op_resource_reservation_enabled = any(
            stage(name).resources is not None for name in names)
        ds = ray.data.from_arrow(specs)
        ds = ds.map_batches(build, batch_format="pyarrow", batch_size=1)
        for name in names:
            if stage(name).resources is None:
                ds = ds.map_batches(apply_stage, fn_kwargs={"name": name, "run_settings": self.run_settings},
                                    batch_format="pyarrow", batch_size=None)
            else:
                # actors hold their CPU: leave one to the tasks around them on a local Ray
                actors = workers if self.run_settings.ray_address else max(1, workers - 1)
                ds = ds.map_batches(ApplyModelStage, fn_constructor_args=(name, self.run_settings),
                                    batch_format="pyarrow", batch_size=None, concurrency=actors)
        langid = chunks[0].langid_after and names == ("ingest",)
        if langid:
            ds = ds.map_batches(langid_after, fn_kwargs={"run_settings": self.run_settings},
                                batch_format="pyarrow", batch_size=None)
        keep = output_columns(names, chunks[0].key) + [CHUNK_COLUMN] + [f"_seconds_{n}" for n in names]
        keep += [LANGID_COLUMN, LANGID_SECONDS] if langid else []
        ds = ds.select_columns([c for c in keep if c != "sources"])
        # the blocks stream to the driver as they are made (not written out by Ray and read back after it
        # ends): a chunk is handed on (its file, its shard's file appended) once all its rows have come, a
        # row a document, while Ray works on the next
        parts: dict[int, list[pa.Table]] = {}
        arrived = [0] * len(chunks)
        finished: set[int] = set()
        for block in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            ids = block.column(CHUNK_COLUMN)
            for i in sorted(set(ids.to_pylist())):
                if i in finished:
                    raise RuntimeError(f"Ray returned more rows for chunk {i} than it has documents")
                part = block.filter(pc.equal(ids, i)) if pc.min(ids).as_py() != pc.max(ids).as_py() else block
                parts.setdefault(i, []).append(part)
                arrived[i] += part.num_rows
                if arrived[i] >= len(chunks[i]):
                    finished.add(i)
                    self._chunk_done(chunks[i], parts.pop(i), names, on_done)
        for i, chunk in enumerate(chunks):
            if i not in finished:
                if i not in parts:
                    raise RuntimeError(f"Ray returned no rows for chunk {i} of {len(chunks)}")
                self._chunk_done(chunk, parts.pop(i), names, on_done)

    @staticmethod
    def _chunk_done(chunk: Chunk, tables: list[pa.Table], names: tuple[str, ...],
                    on_done: Callable[[ChunkResult, Chunk], None]) -> None:
        rows = pa.concat_tables(tables, promote_options="permissive")
        stats = {}
        for name in names:
            st = stage(name)
            status = rows.column(status_column(name))
            s = StageStats(name)
            s.processed = pc.sum(pc.is_valid(status).cast(pa.int64())).as_py() or 0
            failed = pc.equal(status, "failed").fill_null(False)
            s.failed = pc.sum(failed.cast(pa.int64())).as_py() or 0
            for reason in rows.column("_error").filter(failed).to_pylist():
                r = reason.split(": ", 1)[-1] if reason else "?"
                s.failures[r] = s.failures.get(r, 0) + 1
            s.rows = sum(pc.sum(pc.list_value_length(rows.column(t)).fill_null(0)).as_py() or 0
                         for t in st.outputs)
            s.seconds = pc.sum(rows.column(f"_seconds_{name}")).as_py() or 0.0
            stats[name] = s
        facts = _ingest_facts(rows) if "ingest" in names else None
        cols = [c for c in output_columns(names, chunk.key) if c in rows.schema.names]
        # (in memory: the shard's appender takes them as they are; written to chunk.out where a merge needs it)
        result = ChunkResult(chunk.out, stats, facts, rows=rows.select(cols))
        result.langid, result.langid_stats = _langid_result(rows)
        on_done(result, chunk)

    def merge(self, tasks: list[MergeTask]) -> list[MergeResult]:
        # merging is reading, filtering and writing Parquet, which release the GIL: threads, not Ray tasks
        # (the files are on the driver's storage, and a task per merge costs more than the merge)
        if len(tasks) <= 1:
            return [merge_shard(t) for t in tasks]
        with cf.ThreadPoolExecutor(self.run_settings.worker_count, thread_name_prefix="merge") as threads:
            return list(threads.map(merge_shard, tasks))

    def release(self) -> None:
        """No more chunks: a local Ray shuts down while the driver loads the store."""
        if self._starting is not None and self._stopping is None:
            self._stopping = threading.Thread(target=self._shutdown, name="ray-shutdown", daemon=True)
            self._stopping.start()

    def _shutdown(self) -> None:
        if self._starting is not None:
            self._starting.stop()   # (a start still under way ends first: a run that failed early)

    def close(self) -> None:
        if self._stopping is not None:
            self._stopping.join()
        else:
            self._shutdown()
        self.started = False
        self._starting = None
