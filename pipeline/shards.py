"""Stage outputs on disk: Parquet shards of many documents, and the manifest of skip keys.

Layout under ``<out>/stages``::

    manifest.duckdb                  the manifest: skip keys, sources, shard files (DuckDB,
                                     changed in transactions)
    <stage>/<shard>-<gen>.parquet    one file per stage and shard: a row per document (per
                                     source for ingest), each output table a nested list column;
                                     shard 99999 is the delta shard of small runs' changes
    _work/<run>/                     a run's chunk outputs, removed when it ends

Documents are grouped into shards by the source file they come from (a shard
holds at most ``shard_docs`` sources' worth of documents, or ``shard_bytes`` of
source text), so the number of files grows with N / shard size, and editing or
deleting an article rewrites only the files of its shard (a small run writes to the
delta shard instead and leaves the old rows dead in theirs, see DELTA). Files are never
changed in place: a new generation is written, the manifest is switched to it in
one transaction, and only then is the old one deleted. A run killed at any point
leaves a manifest that names complete files; what it left behind is swept up by
the next run.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import time
import uuid
from typing import Callable, Iterable, Iterator, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.duck import literal, literals
from pipeline.protocol import Stage, nested_type

MANIFEST = "manifest.duckdb"
WORK = "_work"
ROW_GROUP = 64   # rows (documents) per Parquet row group: what one read of a few documents costs
# The delta shard: the sources a small run adds or changes (and those whose documents it must recompute)
# move here, so that run writes small files instead of rewriting the shards that held them. Rows the
# manifest no longer points at stay in their file, dead (a row is live when its entry names the file's
# shard), until the file is rewritten: when a run adds rows to it, or once an eighth of it is dead. The
# delta shard is folded back into the others once it is three quarters full (runner.Runner._fold_delta).
DELTA = 99999
DEAD_FRACTION = 8      # a shard file is rewritten without its dead rows once 1/8 of them are dead

_MANIFEST_SQL = """
CREATE TABLE IF NOT EXISTS units (
    src VARCHAR PRIMARY KEY,   -- a source file, or a run of lines of a JSONL file
    rel VARCHAR NOT NULL,      -- its path under the corpus folder
    chunk INTEGER NOT NULL,    -- which run of lines (0 for whole files)
    first_line INTEGER NOT NULL,
    byte_start BIGINT NOT NULL,
    byte_end BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    stat VARCHAR NOT NULL,     -- the file's path, size, mtime, ctime, inode: unchanged means not re-hashed
    weight INTEGER NOT NULL,   -- documents it may hold (lines of a JSONL run)
    shard INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    stage VARCHAR NOT NULL,
    key VARCHAR NOT NULL,      -- src for ingest, doc_id after
    src VARCHAR NOT NULL,
    shard INTEGER NOT NULL,
    skip_key VARCHAR NOT NULL,
    status VARCHAR NOT NULL,   -- ok | failed
    info VARCHAR,              -- the failure's reason; langid: the language accepted
    rows BIGINT,
    PRIMARY KEY (stage, key)
);
CREATE TABLE IF NOT EXISTS docs (   -- what ingest made of each source
    src VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    source_path VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,   -- the document row without its path: what later stages depend on
    PRIMARY KEY (src, doc_id)
);
CREATE TABLE IF NOT EXISTS lines (   -- normalised line keys per document (corpus-level boilerplate)
    doc_id VARCHAR NOT NULL,
    line_key VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS docs_new (src VARCHAR, doc_id VARCHAR, source_path VARCHAR, digest VARCHAR);
CREATE TABLE IF NOT EXISTS lines_new (doc_id VARCHAR, line_key VARCHAR);   -- a phase's, until it commits
CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value VARCHAR);
-- per accepted document holding any, its lines seen in several documents: their keys sorted and joined by spaces
-- (as a list a row, a first build of 100,000 articles held more than the manifest's 256 MB in its transaction)
CREATE TABLE IF NOT EXISTS common_lines (
    doc_id VARCHAR NOT NULL,
    line_keys VARCHAR NOT NULL
);
DROP TABLE IF EXISTS boilerplate;   -- (where they were lists: counted again at the next run, meta's common_lines unset)
CREATE TABLE IF NOT EXISTS counted (doc_id VARCHAR NOT NULL);   -- the accepted documents line_counts counts
CREATE TABLE IF NOT EXISTS line_counts (   -- per line key, the counted documents it occurs in
    line_key VARCHAR NOT NULL,
    n INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    stage VARCHAR NOT NULL,
    shard INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    PRIMARY KEY (stage, shard)
);
"""


def pause_point(name: str) -> None:
    """Where tests kill a run: with ``KB_PAUSE_AT=name`` the run writes ``name`` to ``KB_PAUSE_FILE``
    and waits there to be killed."""
    if os.environ.get("KB_PAUSE_AT") == name:
        pathlib.Path(os.environ["KB_PAUSE_FILE"]).write_text(name)
        while True:
            time.sleep(1)


# DuckDB would cache up to 80% of memory: the manifest needs little
_LIMITS = {"memory_limit": "256MB"}
LIST_DOCS = 10_000   # documents whose common lines are listed in one statement (ShardStore._list_common)


class Entry(NamedTuple):
    # (a tuple: a run over 10,000 articles makes 70,000 of them from the manifest's rows)
    src: str
    shard: int
    skip_key: str
    status: str
    info: str | None
    rows: int


def shard_schema(stage: Stage) -> pa.Schema:
    """A stage's shard file: ``src``, its key (when not ``src``), one nested column per output table."""
    fields = [pa.field("src", pa.string())]
    if stage.key != "src":
        fields.append(pa.field(stage.key, pa.string()))
    fields += [pa.field(name, nested_type(schema)) for name, schema in stage.outputs.items()]
    return pa.schema(fields)


class ManifestError(Exception):
    pass


class ShardStore:
    """The manifest and the shard files of one output folder (only the runner's process opens it)."""

    def __init__(self, root: pathlib.Path, warn: Callable[[str], None] = lambda s: None):
        import duckdb

        self.root = root
        self.warn = warn
        root.mkdir(parents=True, exist_ok=True)
        path = root / MANIFEST
        try:
            self.con = duckdb.connect(str(path), config=_LIMITS)
            self.con.execute(_MANIFEST_SQL)
            self.con.execute("SELECT count(*) FROM entries").fetchone()
        except duckdb.Error as exc:
            warn(f"the stage manifest {path} is unreadable ({str(exc).splitlines()[0]}): recomputing every stage")
            try:
                self.con.close()
            except Exception:
                pass
            for p in (path, path.with_name(path.name + ".wal")):
                p.unlink(missing_ok=True)
            self.con = duckdb.connect(str(path), config=_LIMITS)
            self.con.execute(_MANIFEST_SQL)
        self.con.execute("DELETE FROM docs_new")   # what a killed run staged
        self.con.execute("DELETE FROM lines_new")
        self._read: dict = {}   # what the reads below returned, until the next write (read-only to callers)

    def close(self) -> None:
        self.con.close()

    def release_memory(self) -> None:
        """:meth:`shrink_cache`, and forget what the reads below returned: before the store loads in this process."""
        self._read.clear()
        self.shrink_cache()

    def shrink_cache(self) -> None:
        """Let the manifest's DuckDB give back the blocks it keeps cached (the corpus's line keys, read for the
        boilerplate: ~190 MB of the run's process through a 100,000-article first build's longest phase)."""
        import duckdb

        try:
            self.con.execute("SET memory_limit = '16MB'")
        except duckdb.OutOfMemoryException:
            pass   # (it holds more than that pinned: it keeps what it must)
        self.con.execute(f"SET memory_limit = '{_LIMITS['memory_limit']}'")

    # -- reading ---------------------------------------------------------------
    # (reads use fetchall: DuckDB's Arrow conversion costs a pandas import, a third of a no-op run)
    def units(self) -> list[dict]:
        cached = self._read.get("units")
        if cached is None:
            cur = self.con.execute("SELECT * FROM units")
            names = [d[0] for d in cur.description]
            cached = self._read["units"] = [dict(zip(names, row)) for row in cur.fetchall()]
        return cached

    def entries(self, stage: str) -> dict[str, Entry]:
        """The stage's entries by key (the same dict until the manifest changes: do not modify it)."""
        cached = self._read.get(("entries", stage))
        if cached is None:
            rows = self.con.execute("SELECT key, src, shard, skip_key, status, info, rows FROM entries WHERE stage = "
                                    + literal(stage)).fetchall()
            make = Entry._make
            cached = self._read[("entries", stage)] = {r[0]: make(r[1:]) for r in rows}
        return cached

    def files(self, stage: str) -> dict[int, pathlib.Path]:
        rows = self.con.execute("SELECT shard, file FROM files WHERE stage = " + literal(stage)).fetchall()
        return {shard: self.root / stage / file for shard, file in rows}

    def meta(self, name: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE name = " + literal(name)).fetchone()
        return row[0] if row else None

    def boilerplate(self, code_key: str, accepted: list[str], min_docs: int) -> dict[str, str]:
        """Per accepted document holding any, its lines' keys that occur in ``min_docs`` accepted documents or
        more, sorted and joined by spaces (one string a document: as a tuple of strings, a 100,000-article
        corpus's took ~400 MB of this process).

        The manifest keeps, beside each document's line keys (``lines``), how many of the documents it last
        counted (``counted``) hold each line (``line_counts``): a run counts only the documents that came
        and went since, and recomputes the lists of the documents that hold a line whose count crossed
        ``min_docs`` (a change of ``code_key``, the code that makes line keys, counts everything again).
        """
        con = self.con
        con.register("_accepted", pa.table({"doc_id": pa.array(accepted, pa.string())}))
        m = int(min_docs)
        con.execute("BEGIN TRANSACTION")
        try:
            if self.meta("common_lines") != code_key + ":" + str(m):
                self._recount(m)
            else:
                self._count_changes(m)
            # unset until every list is made: a run killed while they are leaves none, and the next counts again
            con.execute("DELETE FROM meta WHERE name = 'common_lines'")
            # lines of documents neither ingested nor counted any more
            con.execute("DELETE FROM lines WHERE doc_id NOT IN (SELECT doc_id FROM docs) "
                        "AND doc_id NOT IN (SELECT doc_id FROM counted)")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_accepted")
        self._list_common(m)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('common_lines', " + literal(code_key + ":" + str(m)) + ")")
        out: dict[str, str] = {}
        cur = con.execute("SELECT doc_id, line_keys FROM common_lines")
        while rows := cur.fetchmany(10_000):   # (fetchall holds the whole result in DuckDB's memory as well)
            out.update(rows)
        return out

    def _recount(self, m: int) -> None:
        con = self.con
        con.execute("DELETE FROM counted")
        con.execute("INSERT INTO counted SELECT DISTINCT doc_id FROM _accepted")
        con.execute("DELETE FROM line_counts")
        con.execute("INSERT INTO line_counts SELECT line_key, count(DISTINCT doc_id)::INTEGER FROM lines "
                    "JOIN counted USING (doc_id) GROUP BY line_key")
        con.execute("DELETE FROM common_lines")
        self._to_list("SELECT doc_id FROM counted")

    def _count_changes(self, m: int) -> None:
        con = self.con
        con.execute("CREATE OR REPLACE TEMP TABLE _added AS SELECT DISTINCT doc_id FROM _accepted "
                    "WHERE doc_id NOT IN (SELECT doc_id FROM counted)")
        con.execute("CREATE OR REPLACE TEMP TABLE _removed AS SELECT doc_id FROM counted "
                    "WHERE doc_id NOT IN (SELECT doc_id FROM _accepted)")
        # each added document's distinct lines count once up, each removed one's once down
        con.execute("""CREATE OR REPLACE TEMP TABLE _counts AS
            WITH delta AS (
                SELECT line_key, sum(d)::INTEGER AS dn FROM (
                    SELECT DISTINCT doc_id, line_key, 1 AS d FROM lines JOIN _added USING (doc_id)
                    UNION ALL
                    SELECT DISTINCT doc_id, line_key, -1 AS d FROM lines JOIN _removed USING (doc_id))
                GROUP BY line_key HAVING sum(d) <> 0)
            SELECT line_key, coalesce(c.n, 0) AS old, coalesce(c.n, 0) + dn AS new
            FROM delta LEFT JOIN line_counts c USING (line_key)""")
        con.execute("DELETE FROM line_counts WHERE line_key IN (SELECT line_key FROM _counts)")
        con.execute("INSERT INTO line_counts SELECT line_key, new FROM _counts WHERE new > 0")
        con.execute("DELETE FROM counted WHERE doc_id IN (SELECT doc_id FROM _removed)")
        con.execute("INSERT INTO counted SELECT doc_id FROM _added")
        # the documents whose list changes: the added ones, and those holding a line that crossed m
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _affected AS
            SELECT doc_id FROM _added
            UNION
            SELECT DISTINCT doc_id FROM lines JOIN counted USING (doc_id)
            WHERE line_key IN (SELECT line_key FROM _counts WHERE (old >= {m}) <> (new >= {m}))""")
        con.execute("DELETE FROM common_lines WHERE doc_id IN (SELECT doc_id FROM _affected) "
                    "OR doc_id IN (SELECT doc_id FROM _removed)")
        self._to_list("SELECT doc_id FROM _affected")
        for t in ("_added", "_removed", "_counts", "_affected"):
            con.execute(f"DROP TABLE {t}")

    def _to_list(self, docs_sql: str) -> None:
        """The documents ``docs_sql`` selects are those whose common lines :meth:`_list_common` lists, in parts."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _listing AS SELECT doc_id, (row_number() OVER () - 1) // "
                         f"{LIST_DOCS} AS part FROM ({docs_sql})")

    def _list_common(self, m: int) -> None:
        """The common_lines rows of the documents :meth:`_to_list` chose (only those holding a common line),
        ``LIST_DOCS`` documents a statement, each its own transaction. Made in one, a first build of 100,000
        articles ran out of the manifest's 256 MB: the lists aggregated, and then the rows the transaction
        held (DuckDB writes a transaction's rows out a row group, 122,880 rows, at a time)."""
        con = self.con
        parts = con.execute("SELECT max(part) FROM _listing").fetchone()[0]
        for part in range(0 if parts is None else parts + 1):
            # (list then join: string_agg(... ORDER BY) held several times the memory)
            con.execute(f"""INSERT INTO common_lines
                WITH mine AS (SELECT DISTINCT doc_id, line_key FROM lines
                              WHERE doc_id IN (SELECT doc_id FROM _listing WHERE part = {part}))
                SELECT doc_id, array_to_string(list_sort(list(line_key)), ' ') FROM mine
                JOIN line_counts USING (line_key) WHERE n >= {m} GROUP BY doc_id""")
        con.execute("DROP TABLE _listing")

    def file_rows(self) -> list[tuple[str, int, str, int]]:
        return self.con.execute("SELECT stage, shard, file, rows FROM files").fetchall()

    def docs(self) -> list[tuple[str, str, str, str]]:
        """(src, doc_id, source_path, digest) of every document ingest made."""
        return self.con.execute("SELECT src, doc_id, source_path, digest FROM docs").fetchall()

    # -- writing ---------------------------------------------------------------
    def new_file(self, stage: str, shard: int) -> pathlib.Path:
        d = self.root / stage
        d.mkdir(parents=True, exist_ok=True)
        return d / f"{shard:05d}-{uuid.uuid4().hex[:12]}.parquet"

    def work_dir(self) -> pathlib.Path:
        d = self.root / WORK / uuid.uuid4().hex[:12]
        d.mkdir(parents=True, exist_ok=True)
        return d

    def stage_facts(self, facts: pa.Table) -> None:
        """Keep what ingest made of a chunk's sources (documents, their line keys) until the phase commits."""
        import pyarrow.compute as pc

        if not facts.num_rows:
            return
        parent = pc.list_parent_indices(facts.column("line_keys"))
        lines = pa.table({"doc_id": facts.column("doc_id").take(parent),
                          "line_key": pc.list_flatten(facts.column("line_keys"))})
        # One DuckDB thread: this runs in the parent while the pool's workers have the cores (a second thread
        # spun beside them); the phases' commits and the boilerplate, between phases, get every thread again.
        self.con.execute("SET threads = 1")
        try:
            self.con.register("_docs", facts.select(["src", "doc_id", "source_path", "digest"]))
            self.con.execute("INSERT INTO docs_new SELECT * FROM _docs")
            self.con.unregister("_docs")
            self.con.register("_lines", lines)
            self.con.execute("INSERT INTO lines_new SELECT * FROM _lines")
            self.con.unregister("_lines")
        finally:
            self.con.execute("RESET threads")

    def commit(self, *, units: pa.Table | None = None, drop_units: Iterable[str] = (),
               entries: dict[str, tuple[pa.Table | None, Iterable[str]]] | None = None,
               files: dict[str, dict[int, tuple[pathlib.Path, int] | None]] | None = None,
               staged_docs: bool = False, drop_doc_srcs: Iterable[str] = ()) -> None:
        """Apply a phase's changes to the manifest in one transaction.

        ``entries``: per stage, rows to upsert (key, src, shard, skip_key, status, info, rows)
        and keys to delete; ``files``: per stage, shard -> (new file, rows) or None (no file).
        """
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            drop_units = list(drop_units)
            if drop_units or units is not None:
                gone = pa.table({"src": list(drop_units) + (units.column("src").to_pylist() if units else [])},
                                schema=pa.schema([("src", pa.string())]))
                con.register("_gone", gone)
                con.execute("DELETE FROM units WHERE src IN (SELECT src FROM _gone)")
                con.unregister("_gone")
                if units is not None and units.num_rows:
                    con.register("_units", units.combine_chunks())
                    con.execute("INSERT INTO units BY NAME SELECT * FROM _units")
                    con.unregister("_units")
            for stage, (upserts, deletes) in (entries or {}).items():
                keys = list(deletes) + (upserts.column("key").to_pylist() if upserts is not None else [])
                if keys:
                    con.register("_keys", pa.table({"key": pa.array(keys, pa.string())}))
                    con.execute(f"DELETE FROM entries WHERE stage = {literal(stage)} AND key IN (SELECT key FROM _keys)")
                    con.unregister("_keys")
                if upserts is not None and upserts.num_rows:
                    # as one Arrow chunk: the runner's upserts come a chunk of documents at a time, and DuckDB
                    # 1.5 holds a block per Arrow chunk for the insert's constant column (the stage): a first
                    # build of 100,000 articles (1,563 chunks) ran out of the manifest's 256 MB here. In one
                    # chunk, 100,000 rows take ~20 MB.
                    con.register("_up", upserts.combine_chunks())
                    con.execute(f"INSERT INTO entries BY NAME SELECT {literal(stage)} AS stage, * FROM _up")
                    con.unregister("_up")
            for stage, changed in (files or {}).items():
                for shard, new in changed.items():
                    con.execute(f"DELETE FROM files WHERE stage = {literal(stage)} AND shard = {literal(shard)}")
                    if new is not None:
                        con.execute(f"INSERT INTO files VALUES ({literals([stage, shard, new[0].name, new[1]])})")
            drop_doc_srcs = list(drop_doc_srcs)
            if drop_doc_srcs:
                con.register("_srcs", pa.table({"src": pa.array(drop_doc_srcs, pa.string())}))
                con.execute("DELETE FROM docs WHERE src IN (SELECT src FROM _srcs)")
                con.unregister("_srcs")
            if staged_docs:
                con.execute("INSERT INTO docs SELECT DISTINCT * FROM docs_new")
                con.execute("INSERT INTO lines SELECT DISTINCT * FROM lines_new "
                            "WHERE doc_id NOT IN (SELECT doc_id FROM lines)")
                con.execute("DELETE FROM docs_new")
                con.execute("DELETE FROM lines_new")
            if drop_doc_srcs or staged_docs:
                # (a document still counted keeps its lines until the boilerplate count takes it out)
                con.execute("DELETE FROM lines WHERE doc_id NOT IN (SELECT doc_id FROM docs) "
                            "AND doc_id NOT IN (SELECT doc_id FROM counted)")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            self._read.clear()
            raise
        if drop_units or units is not None:
            self._read.pop("units", None)
        for stage, (upserts, deletes) in (entries or {}).items():
            self._patch_entries(stage, upserts, deletes)

    def _patch_entries(self, stage: str, upserts: pa.Table | None, deletes: Iterable[str]) -> None:
        """Bring the stage's cached entries in line with a commit (a copy: callers keep the dict they read):
        reading 10,000 of them back after every phase was a tenth of a small run's planning."""
        cached = self._read.get(("entries", stage))
        if cached is None:
            return
        patched = dict(cached)
        for k in deletes:
            patched.pop(k, None)
        if upserts is not None and upserts.num_rows:
            c = upserts.to_pydict()
            for row in zip(c["key"], c["src"], c["shard"], c["skip_key"], c["status"], c["info"], c["rows"]):
                patched[row[0]] = Entry._make(row[1:])
        self._read[("entries", stage)] = patched

    def sweep(self) -> int:
        """Delete shard files the manifest does not name, and work folders of earlier runs."""
        named = {(stage, file) for stage, _, file, _ in self.file_rows()}
        removed = 0
        for d in self.root.iterdir() if self.root.exists() else ():
            if d.name == WORK:
                shutil.rmtree(d, ignore_errors=True)
                continue
            if not d.is_dir() or d.name == MANIFEST + ".tmp":
                # (the manifest's DuckDB spills past its memory limit into manifest.duckdb.tmp: its files in use.
                # Deleting them failed a 100,000-article edit: "Could not remove file ... duckdb_temp_storage")
                continue
            for p in d.rglob("*"):
                if p.is_file() and (d.name, p.name) not in named:
                    p.unlink(missing_ok=True)
                    removed += 1
            for sub in sorted((p for p in d.rglob("*") if p.is_dir()), reverse=True):
                try:
                    sub.rmdir()   # folders of the per-document layout of earlier versions
                except OSError:
                    pass
        return removed

    def check_files(self) -> dict[str, set[int]]:
        """Shard files that are missing or unreadable: warned about, forgotten, their documents recomputed.

        Only the Parquet footer is read (row count against the manifest): cheap enough for every run.
        """
        bad: dict[str, set[int]] = {}
        for stage, shard, file, rows in self.file_rows():
            path = self.root / stage / file
            problem = None
            if not path.exists():
                problem = "missing"
            else:
                try:
                    n = pq.ParquetFile(path).metadata.num_rows
                    if n != rows:
                        problem = f"{n} rows where the manifest says {rows}"
                except Exception as exc:   # truncated, garbage, not Parquet
                    problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if problem:
                self.warn(f"stage file {path} is unreadable ({problem}): recomputing its documents")
                bad.setdefault(stage, set()).add(shard)
        for stage, shards in bad.items():
            self.forget(stage, shards)
        return bad

    def forget(self, stage: str, shards: Iterable[int]) -> None:
        """Drop a stage's files and entries of ``shards`` from the manifest (their documents are recomputed)."""
        shards = list(shards)
        self._read.clear()
        self.con.execute("BEGIN TRANSACTION")
        for shard in shards:
            where = f"stage = {literal(stage)} AND shard = {literal(shard)}"
            self.con.execute(f"DELETE FROM files WHERE {where}")
            self.con.execute(f"DELETE FROM entries WHERE {where}")
        self.con.execute("COMMIT")


# ---------------------------------------------------------------- file I/O

def read_rows(path: pathlib.Path | str, columns: list[str] | None = None, key_column: str | None = None,
              keys: Iterable[str] | None = None, srcs: Iterable[str] | None = None) -> pa.Table:
    """Rows of a shard file, optionally only those with ``key_column`` in ``keys`` and ``src`` in ``srcs``.

    Row groups whose ``src`` range misses the wanted sources are not read.
    """
    srcs = sorted(set(srcs)) if srcs is not None else None
    f = pq.ParquetFile(path)
    if srcs is not None and not srcs:
        return f.schema_arrow.empty_table().select(columns) if columns else f.schema_arrow.empty_table()
    # row groups chosen by their src statistics, read with ParquetFile: pq.read_table goes through
    # pyarrow.dataset, whose import pulls in pandas (seconds of every pool worker's start-up)
    groups = list(range(f.num_row_groups))
    if srcs:
        col = f.schema_arrow.get_field_index("src")
        groups = [i for i in groups if not _outside(f.metadata.row_group(i).column(col).statistics, srcs[0], srcs[-1])]
        # a few sources spread over the shard's range: look at each group's src column before reading it whole
        wanted = pa.array(srcs, pa.string())
        groups = [i for i in groups
                  if pc.any(pc.is_in(f.read_row_group(i, columns=["src"]).column("src"), value_set=wanted)).as_py()]
    table = f.read_row_groups(groups, columns=columns) if groups else \
        (f.schema_arrow.empty_table().select(columns) if columns else f.schema_arrow.empty_table())
    if srcs is not None:
        table = table.filter(pc.is_in(table.column("src"), value_set=pa.array(srcs, pa.string())))
    if key_column is not None and keys is not None:
        table = table.filter(pc.is_in(table.column(key_column), value_set=pa.array(list(keys), pa.string())))
    return table


def _outside(stats, lo: str, hi: str) -> bool:
    """Whether a row group's ``src`` statistics say it holds no source in [lo, hi]."""
    return stats is not None and stats.has_min_max and (stats.max < lo or stats.min > hi)


def iter_batches(path: pathlib.Path | str, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """A shard file row group by row group (bounded memory)."""
    f = pq.ParquetFile(path)
    for i in range(f.num_row_groups):
        yield f.read_row_group(i, columns=columns)


class ShardWriter:
    """Writes a shard file row group by row group; ``close`` returns the rows written."""

    def __init__(self, path: pathlib.Path, schema: pa.Schema):
        self.path = path
        self.schema = schema
        self.tmp = path.with_name(path.name + ".tmp")
        # no dictionary pages: the nested text columns barely repeat, and without them the shard files
        # of a 10,000-article store were written 13% and read 17% faster (CPU), and 6% smaller
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd", use_dictionary=False)
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            table = table.select(self.schema.names).cast(self.schema)
            self.writer.write_table(table, row_group_size=ROW_GROUP)
            self.rows += table.num_rows

    def close(self) -> int:
        self.writer.close()
        with open(self.tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)   # a shard file is complete or absent
        return self.rows

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)
