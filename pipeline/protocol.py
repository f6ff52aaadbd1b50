"""The stage protocol: what a stage declares, and the base that runs it over documents.

In the manner of datatrove's ``PipelineStep``, a stage is a declaration: its name,
the tables it reads (in the order its function takes them), the tables it writes
with their explicit Arrow schemas, its settings, and one pure function from
Arrow tables to Arrow tables. Everything around the function belongs to the base
(:meth:`Stage.apply`), so it runs unchanged in-process, in a worker pool or as a
Ray Data ``map_batches`` step:

* **grouping by document**: the base works on *document rows*, one row per
  document (or per source file for ingest) holding each table as a nested list
  column; it flattens the rows' input lists into the plain tables the function
  takes and nests the function's output back onto the rows;
* **schema enforcement**: an output table with a column the stage did not
  declare, or without one it did, is an error (``SchemaError``), never dropped;
  rows for a document that was not asked for are an error too;
* **failure isolation**: when the function raises on a batch, each document is
  retried alone; one that still fails is marked failed with the stage and the
  reason (it becomes a ``rejected`` row) and the batch goes on. A stage that
  fails on every one of several documents is a bug, not bad input: the run stops;
* **stats**: documents processed, rows written, failures per reason, seconds.
"""
from __future__ import annotations

import dataclasses
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.textmap import stable_hash

FAILED = "_failed"   # bool column: a stage failed on this row; later stages leave it alone
ERROR = "_error"     # "stage: reason" of that failure
SET_INPUTS = frozenset({"boilerplate"})   # per-row string lists handed to the function as one frozenset


class SchemaError(Exception):
    """A stage returned tables that do not match its declaration (a bug in the stage)."""


class StageError(Exception):
    """A stage failed on every document it was given: a bug, not bad input."""


def nested_type(schema: pa.Schema) -> pa.DataType:
    """The type of a per-row list of ``schema`` rows (as Parquet reads it back)."""
    return pa.list_(pa.field("element", pa.struct(list(schema))))


def run_column(stage: str) -> str:
    """bool column: compute this stage for the row (else its outputs, if any, are kept as they are)."""
    return f"_run_{stage}"


def status_column(stage: str) -> str:
    """"ok" / "failed" where the stage ran on the row, null where it did not."""
    return f"_status_{stage}"


@dataclass
class StageStats:
    stage: str
    processed: int = 0   # documents (or sources) the function ran on
    skipped: int = 0     # unchanged: their outputs were kept
    removed: int = 0     # gone from the corpus: their outputs were dropped
    rows: int = 0        # rows written
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)   # reason -> documents
    seconds: float = 0.0

    def add(self, other: "StageStats") -> None:
        self.processed += other.processed
        self.rows += other.rows
        self.failed += other.failed
        self.seconds += other.seconds
        for reason, n in other.failures.items():
            self.failures[reason] = self.failures.get(reason, 0) + n


def settings_hash(settings: object) -> str:
    if settings is None:
        return "-"
    return stable_hash(json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str))


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: a declaration around one pure function.

    ``fn(*inputs, **resources, settings=settings) -> {table: pa.Table}``, where the
    inputs are the declared tables in order (a name in ``SET_INPUTS`` arrives as a
    frozenset), and ``resources`` are heavy objects (models) that ``resources``
    builds once per process or actor.
    """
    name: str
    module: str                                   # its code (with what it imports) is in the skip key
    fn: Callable[..., dict[str, pa.Table]]
    inputs: tuple[str, ...]
    outputs: Mapping[str, pa.Schema]
    settings: type                                # the frozen settings dataclass
    key: str = "doc_id"                           # the column its rows are grouped by
    language: str | None = "document"             # language data read: the document's, "all", or None
    resources: Callable[[Any], dict[str, Any]] | None = None
    corpus: bool = False                          # reads the whole corpus at once (hubness)

    # -- running -------------------------------------------------------------
    def call(self, tables: list, settings: object, resources: Mapping[str, Any] | None = None,
             keys: list[str] | None = None) -> dict[str, pa.Table]:
        """Call the function and enforce the declared output schemas."""
        out = self.fn(*tables, **(resources or {}), settings=settings)
        return self.check(out, keys)

    def check(self, out: Mapping[str, pa.Table], keys: list[str] | None = None) -> dict[str, pa.Table]:
        if not isinstance(out, Mapping) or set(out) != set(self.outputs):
            got = sorted(out) if isinstance(out, Mapping) else type(out).__name__
            raise SchemaError(f"stage {self.name!r} returned tables {got}, declared {sorted(self.outputs)}")
        checked = {}
        for name, schema in self.outputs.items():
            table = out[name]
            if isinstance(table, pa.RecordBatch):
                table = pa.Table.from_batches([table])
            cols = table.schema.names
            unknown = [c for c in cols if c not in schema.names]
            missing = [c for c in schema.names if c not in cols]
            if unknown or missing:
                raise SchemaError(f"stage {self.name!r}, table {name!r}: "
                                  + (f"undeclared columns {unknown} " if unknown else "")
                                  + (f"missing columns {missing}" if missing else ""))
            try:
                table = table.select(schema.names).cast(schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise SchemaError(f"stage {self.name!r}, table {name!r}: {exc}") from exc
            if keys is not None and self.key in schema.names and table.num_rows:
                stray = pc.invert(pc.is_in(table.column(self.key), value_set=pa.array(keys, pa.string())))
                if pc.any(stray).as_py():
                    bad = table.filter(stray).column(self.key)[0].as_py()
                    raise SchemaError(f"stage {self.name!r}, table {name!r}: rows for {self.key} {bad!r}, "
                                      f"which it was not given")
            checked[name] = table
        return checked

    def apply(self, rows: pa.Table, settings: object, resources: Mapping[str, Any] | None = None
              ) -> tuple[pa.Table, StageStats]:
        """Run the stage on the document rows flagged ``_run_<name>`` (and not failed before).

        Returns the rows with this stage's output columns filled in for those rows
        (the others are left as they were) and the stage's stats.
        """
        t0 = time.perf_counter()
        stats = StageStats(self.name)
        rows = _ensure_columns(rows, self)
        flag = rows.column(run_column(self.name)) if run_column(self.name) in rows.schema.names else None
        todo = np.ones(rows.num_rows, dtype=bool) if flag is None else \
            np.asarray(flag.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        todo &= ~np.asarray(rows.column(FAILED).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        picked = np.flatnonzero(todo)
        if len(picked) == 0:
            return rows, stats
        every = len(picked) == rows.num_rows   # (a fresh run: all rows) no copy of the rows taken, none put back
        sub = rows if every else rows.take(pa.array(picked))
        keys = sub.column(self.key).to_pylist()
        columns, failures, written = self._compute(sub, keys, settings, resources)
        for name, column in columns.items():
            sub = sub.set_column(sub.schema.get_field_index(name), name, column)
        status = pa.array(["failed" if k in failures else "ok" for k in keys], pa.string())
        sub = sub.set_column(sub.schema.get_field_index(status_column(self.name)), status_column(self.name), status)
        if failures:
            reasons = [failures.get(k) for k in keys]
            failed = pa.array([r is not None for r in reasons])
            error = pc.if_else(failed, pa.array([f"{self.name}: {r}" if r else None for r in reasons],
                                                pa.string()), sub.column(ERROR))
            sub = sub.set_column(sub.schema.get_field_index(FAILED), FAILED, pc.or_(sub.column(FAILED), failed))
            sub = sub.set_column(sub.schema.get_field_index(ERROR), ERROR, error)
            for r in failures.values():
                stats.failures[r] = stats.failures.get(r, 0) + 1
            stats.failed = len(failures)
        stats.processed = len(picked)
        stats.rows = written
        if every:
            stats.seconds = time.perf_counter() - t0
            return sub, stats
        rest = np.flatnonzero(~todo)
        merged = pa.concat_tables([sub, rows.take(pa.array(rest))])
        order = np.empty(rows.num_rows, dtype=np.int64)
        order[np.concatenate([picked, rest])] = np.arange(rows.num_rows)
        stats.seconds = time.perf_counter() - t0
        return merged.take(pa.array(order)), stats

    @property
    def per_row(self) -> bool:
        """Outputs without the key column (ingest): the function runs once per row, its outputs are that row's."""
        return any(self.key not in schema.names for schema in self.outputs.values())

    def _compute(self, sub: pa.Table, keys: list[str], settings: object, resources: Mapping[str, Any] | None
                 ) -> tuple[dict[str, pa.Array], dict[str, str], int]:
        """Nested output columns for the rows of ``sub``, failures by key, rows written."""
        if not self.per_row:
            outputs, failures = self._run_isolated(sub, keys, settings, resources)
            return ({name: nest(outputs[name], keys, self.key, schema) for name, schema in self.outputs.items()},
                    failures, sum(t.num_rows for t in outputs.values()))
        per: list[dict[str, pa.Table] | None] = []
        failures = {}
        for i, key in enumerate(keys):
            try:
                per.append(self.call(self._inputs(sub.slice(i, 1)), settings, resources))
            except SchemaError:
                raise
            except Exception:
                failures[key] = _reason()
                per.append(None)
        self._check_not_all_failed(failures, keys)
        columns = {name: lists(schema, [p[name] if p else schema.empty_table() for p in per])
                   for name, schema in self.outputs.items()}
        return columns, failures, sum(t.num_rows for p in per if p for t in p.values())

    def _run_isolated(self, sub: pa.Table, keys: list[str], settings: object,
                      resources: Mapping[str, Any] | None) -> tuple[dict[str, pa.Table], dict[str, str]]:
        try:
            return self.call(self._inputs(sub), settings, resources, keys), {}
        except SchemaError:
            raise
        except Exception:
            if len(keys) == 1:
                return {n: s.empty_table() for n, s in self.outputs.items()}, {keys[0]: _reason()}
        parts: dict[str, list[pa.Table]] = {n: [] for n in self.outputs}
        failures: dict[str, str] = {}
        for i, key in enumerate(keys):
            try:
                out = self.call(self._inputs(sub.slice(i, 1)), settings, resources, [key])
            except SchemaError:
                raise
            except Exception:
                failures[key] = _reason()
                continue
            for n, t in out.items():
                parts[n].append(t)
        self._check_not_all_failed(failures, keys)
        return {n: pa.concat_tables(ts) if ts else self.outputs[n].empty_table() for n, ts in parts.items()}, failures

    def _check_not_all_failed(self, failures: dict[str, str], keys: list[str]) -> None:
        if len(keys) >= 3 and len(failures) == len(keys):
            raise StageError(f"stage {self.name!r} failed on all {len(keys)} documents of a batch "
                             f"(a bug, not bad input): {next(iter(failures.values()))}")

    def _inputs(self, sub: pa.Table) -> list:
        out = []
        for name in self.inputs:
            column = sub.column(name)
            if name in SET_INPUTS:
                out.append(frozenset(v for vs in column.to_pylist() for v in (vs or ())))
            else:
                out.append(flatten(column))
        return out


def _reason() -> str:
    """The exception being handled, as one line: type, message and where it was raised."""
    import sys

    exc = sys.exc_info()[1]
    frames = traceback.extract_tb(exc.__traceback__) if exc is not None else []
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0][:300] if exc is not None and str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


def _ensure_columns(rows: pa.Table, stage: Stage) -> pa.Table:
    """Add the bookkeeping and output columns a document row lacks (as nulls / empty lists)."""
    n = rows.num_rows
    if FAILED not in rows.schema.names:
        rows = rows.append_column(FAILED, pa.array([False] * n))
    if ERROR not in rows.schema.names:
        rows = rows.append_column(ERROR, pa.nulls(n, pa.string()))
    if status_column(stage.name) not in rows.schema.names:
        rows = rows.append_column(status_column(stage.name), pa.nulls(n, pa.string()))
    for name, schema in stage.outputs.items():
        if name not in rows.schema.names:
            rows = rows.append_column(name, empty_lists(n, schema))
    return rows


def empty_lists(n: int, schema: pa.Schema) -> pa.Array:
    """``n`` empty lists of ``schema`` rows."""
    struct = pa.StructArray.from_arrays([pa.array([], f.type) for f in schema], fields=list(schema))
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)), struct).cast(nested_type(schema))


def lists(schema: pa.Schema, tables: list[pa.Table]) -> pa.Array:
    """One list per table, of that table's rows."""
    counts = np.array([t.num_rows for t in tables], dtype=np.int64)
    offsets = np.zeros(len(tables) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    rows = pa.concat_tables([t.cast(schema) for t in tables]).combine_chunks() if tables else schema.empty_table()
    struct = pa.StructArray.from_arrays([rows.column(i).chunk(0) if rows.column(i).num_chunks
                                         else pa.array([], f.type) for i, f in enumerate(schema)],
                                        fields=list(schema))
    return pa.ListArray.from_arrays(pa.array(offsets), struct).cast(nested_type(schema))


def flatten(column: pa.ChunkedArray | pa.Array) -> pa.Table:
    """A nested list-of-struct column as the plain table of all its rows."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    values = pc.list_flatten(column)
    if len(values) == 0:
        return pa.Table.from_struct_array(pa.StructArray.from_arrays(
            [pa.array([], f.type) for f in values.type], fields=list(values.type)))
    return pa.Table.from_struct_array(values)


def nest(table: pa.Table, keys: list[str], key_column: str, schema: pa.Schema) -> pa.Array:
    """``table``'s rows as one list per key of ``keys`` (in that order), typed ``nested_type(schema)``."""
    n = len(keys)
    if table.num_rows == 0:
        return empty_lists(n, schema)
    pos = pc.index_in(table.column(key_column), value_set=pa.array(keys, pa.string()))
    if pos.null_count:
        raise SchemaError(f"rows for {key_column} values that were not asked for")
    pos_np = pos.to_numpy(zero_copy_only=False).astype(np.int64)
    if (pos_np[1:] >= pos_np[:-1]).all():   # (most tables: rows grouped in the keys' order) nothing to move
        ordered = table.combine_chunks()
    else:
        ordered = table.take(pa.array(np.argsort(pos_np, kind="stable"))).combine_chunks()
    counts = np.bincount(pos_np, minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    struct = pa.StructArray.from_arrays([ordered.column(i).chunk(0) if ordered.column(i).num_chunks
                                         else pa.array([], f.type) for i, f in enumerate(schema)],
                                        fields=list(schema))
    return pa.ListArray.from_arrays(pa.array(offsets), struct).cast(nested_type(schema))
