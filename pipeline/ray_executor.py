"""The Ray Data executor (``kb run --executor ray [--address ADDR]``): the same stages on a cluster.

A phase's chunks become a Ray dataset: ``read_parquet`` of one small spec file per
chunk, ``map_batches`` that builds each chunk's document rows (reading the stage
shards, or the source files, from the shared output folder), one ``map_batches``
per stage of the chain calling the stage's :meth:`~pipeline.protocol.Stage.apply`
(stages with models, i.e. embed, run as an actor pool, so a model loads once per
actor), and ``write_parquet``. The driver then merges the results into the shard
files exactly as the local executor does, so both give the same store.

Ray is an optional extra: ``pip install -e '.[ray]'``. On a cluster, the corpus
and the output folder must be on storage every node sees.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import pathlib
import time
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.executors import (Chunk, ChunkResult, MergeResult, MergeTask, _ingest_facts, build_rows, merge_shard,
                                output_columns, resources, stage)
from pipeline.protocol import StageStats, status_column

CHUNK_COLUMN = "_chunk"


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


def apply_stage(rows: pa.Table, name: str, run_settings: Any) -> pa.Table:
    """map_batches: one stage without models over document rows (a task; spaCy stays loaded per worker)."""
    return _apply(name, run_settings, rows, None)


class ApplyModelStage:
    """map_batches: a stage with models over document rows, as an actor pool: a model loads once per actor."""

    def __init__(self, name: str, run_settings: Any):
        self.name = name
        self.run_settings = run_settings
        self.resources = resources(stage(name), run_settings)

    def __call__(self, rows: pa.Table) -> pa.Table:
        return _apply(self.name, self.run_settings, rows, self.resources)


class RayExecutor:
    name = "ray"

    def __init__(self, run_settings: Any, shards: Any):
        import logging

        import ray

        for name in ("ray", "ray.data"):   # its INFO lines would drown the runner's progress
            logging.getLogger(name).setLevel(logging.WARNING)
        self.ray = ray
        self.run_settings = run_settings
        self.shards = shards
        self.started = False
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
            if run_settings.ray_address:
                ray.init(address=run_settings.ray_address, **kwargs)
            else:
                ray.init(num_cpus=run_settings.worker_count, **kwargs)
            self.started = True
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.verbose_stats_logs = False

    def run_chunks(self, chunks: list[Chunk], on_done: Callable[[ChunkResult, Chunk], None]) -> None:
        if not chunks:
            return
        ray = self.ray
        work = pathlib.Path(chunks[0].out).parent
        specs = work / "ray-specs"
        outs = work / "ray-out"
        specs.mkdir(parents=True, exist_ok=True)
        for i, chunk in enumerate(chunks):
            pq.write_table(pa.table({"spec": [_encode(chunk, i)]}), specs / f"{i:07d}.parquet")
        names = chunks[0].stages
        workers = self.run_settings.worker_count
        ds = ray.data.read_parquet(str(specs), override_num_blocks=len(chunks))
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
        keep = output_columns(names, chunks[0].key) + [CHUNK_COLUMN] + [f"_seconds_{n}" for n in names]
        ds = ds.select_columns([c for c in keep if c != "sources"])
        ds.write_parquet(str(outs))
        by_chunk: dict[int, list[pa.Table]] = {}
        for path in sorted(outs.glob("*.parquet")):
            t = pq.ParquetFile(path).read()   # (not read_table: it imports pandas through pyarrow.dataset)
            for i in sorted(set(t.column(CHUNK_COLUMN).to_pylist())):
                by_chunk.setdefault(i, []).append(t.filter(pc.equal(t.column(CHUNK_COLUMN), i)))
        for i, chunk in enumerate(chunks):
            rows = pa.concat_tables(by_chunk.get(i, []), promote_options="permissive") if i in by_chunk else None
            if rows is None:
                raise RuntimeError(f"Ray returned no rows for chunk {i} of {len(chunks)}")
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
            pq.write_table(rows.select(cols), chunk.out)
            on_done(ChunkResult(chunk.out, stats, facts), chunk)

    def merge(self, tasks: list[MergeTask]) -> list[MergeResult]:
        return [merge_shard(t) for t in tasks]

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
