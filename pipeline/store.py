"""The DuckDB store: migrations from ``schemas/*.sql``, and updates from the stage shards.

An update is incremental and in place: the documents whose rows changed (by their
load key) are deleted and inserted again, the corpus-wide tables (hubness,
clusters, rejections) replaced when their key changed, pending migrations applied to the
existing file, and the BM25 index patched, all in one transaction: readers see
the old or the new store, and a run killed midway leaves the old one (DuckDB
rolls back what was not committed). A run that changes nothing does not open the
store for writing. The first build (or one with vectors of another size) is
written to a new file and renamed over the old one.
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import pathlib
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import bm25
from pipeline.duck import SCHEMA_DIR, literal, literals, load_extension, migrations  # noqa: F401  (store.* for callers)
from pipeline.protocol import flatten
from pipeline.shards import iter_batches, pause_point
from pipeline.textmap import stable_hash

# DuckDB's cache while loading (it spills past it): memory stays flat as the corpus grows. At 10,000 articles
# the BM25 build and its commit took the process to 857 MB at 512 MB, 606 MB at 256 MB, in the same time.
# A first build (or bulk reload) streams every row once and spills well: 128 MB took the whole 10,000-article
# run's peak from 893 to 767 MB. An update of a few documents in a large store reads back what it patches:
# at 128 MB the bench's 10-article edit took 35 CPU s against 29 at 256 MB.
STORE_MEMORY_BUILD = "128MB"
STORE_MEMORY = "256MB"
# Some operators cannot spill (a document of a million characters fills 256 MB in search_unit_source's
# joins): a load that runs out of memory is rolled back and done again once with this much.
STORE_MEMORY_RETRY = "1GB"
DEFAULT_DIM = 384
AUX_DIM = 512


def migrate(con, dim: int = DEFAULT_DIM, aux_dim: int = AUX_DIM) -> list[int]:
    """Apply the migrations not yet recorded in ``schema_version``; return those applied."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP DEFAULT current_timestamp)")
    done = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute(sql.replace("{dim}", str(int(dim))).replace("{aux_dim}", str(int(aux_dim))))
        con.execute(f"INSERT INTO schema_version (version, name) VALUES ({literals([version, name])})")
        applied.append(version)
    return applied


def connect_new(path: pathlib.Path):
    """A connection for writing a new store."""
    import duckdb

    con = duckdb.connect(str(path), config={"memory_limit": STORE_MEMORY})
    # Vectors barely compress, and decompressing them is most of an exact search's time (4x on 100k
    # rows); the text columns are small beside them.
    con.execute("SET force_compression = 'uncompressed'")
    return con


@dataclass(frozen=True)
class LoadDoc:
    doc_id: str
    src: str          # the source it is read from
    shard: int
    source_path: str
    load_key: str     # changes whenever any of its rows would


@dataclass
class LoadPlan:
    docs: dict[str, LoadDoc]                 # the documents the store must hold
    files: dict[str, dict[int, str]]         # stage -> shard -> its shard file
    rejected: list[dict]
    hubness_key: str | None                  # None: no embeddings (and no hubness)
    embed: bool = True
    clusters_key: str | None = None          # None: no clusters (no embeddings)


@dataclass
class LoadResult:
    """What a load changed: the hook for indexes kept beside the store (a vector index, say)."""
    inserted: int = 0                        # documents (re)inserted
    deleted: int = 0                         # documents deleted (edited ones count in both)
    added: int = 0                           # search units (item / passage ids) added
    removed: int = 0                         # search units removed
    # their keys, listed when at most LIST_UNITS changed; None past it (a first build, a bulk reload):
    # a list of every unit of a large corpus is hundreds of megabytes, so a hook rebuilds then
    added_keys: list[str] | None = field(default_factory=list)
    removed_keys: list[str] | None = field(default_factory=list)
    fts: str = "unchanged"                   # unchanged | updated | rebuilt
    rebuilt: bool = False                    # written as a new file (first build, or another vector size)
    hubness: bool = False                    # the hubness table was replaced
    clusters: bool = False                   # the clusters table was replaced
    # the load ran out of its DuckDB memory and was done again with STORE_MEMORY_RETRY: the error's first
    # line and where in this module its statement ran, function:line ("" when it was not)
    memory_retry: str = ""


# (table, stage, stage output) of every per-document table, in load order
DOC_TABLES = (
    ("doc_source", "ingest", "documents"),
    ("doc_language", "langid", "languages"),
    ("doc_clean", "denoise", "clean"),
    ("removed_span", "denoise", "removed_spans"),
    ("block", "normalise", "blocks"),
    ("sentence", "segment", "sentences"),
    ("item", "extract", "items"),
    ("embedding", "embed", "embeddings"),
    ("embedding_aux", "embed", "embeddings_aux"),
)
FTS_REBUILD_SHARE = 0.25   # past this share of changed search units, rebuilding BM25 is cheaper than patching
LIST_UNITS = 50_000        # up to this many changed search units, LoadResult lists their keys
SERIAL_DOCS = 500          # up to this many documents deleted and inserted, an update runs on one DuckDB thread
REWRITE_SHARE = 0.5        # past this share of the stored documents replaced, the store is written as a new file
REWRITE_MIN_DOCS = 100     # (not for a small store: an edit of one of five documents stays in place)


def _state(con) -> tuple[dict[str, str], dict[str, str], int]:
    """(load key per document, store_state, schema version) of an existing store."""
    version = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    keys: dict[str, str] = {}
    state: dict[str, str] = {}
    if "store_doc" in tables:
        keys = dict(con.execute("SELECT doc_id, load_key FROM store_doc").fetchall())
        state = dict(con.execute("SELECT name, value FROM store_state").fetchall())
    if "doc_source" in tables:   # a store built before 009, or rows without a key: reloaded
        for (d,) in con.execute("SELECT doc_id FROM doc_source").fetchall():
            keys.setdefault(d, "")
    return keys, state, version


def _rejected_key(rejected: list[dict]) -> str:
    rows = sorted((r.get("doc_id") or "", r["source_path"], r["stage"], r["reason"], r.get("detected_lang") or "")
                  for r in rejected)
    return stable_hash(*(json.dumps(r) for r in rows))


def _vector_dim(plan: LoadPlan, table: str) -> int | None:
    """The vector size of the embeddings ``table`` in the shard files (None: no vectors)."""
    if not plan.embed:
        return None
    for path in plan.files.get("embed", {}).values():
        for batch in iter_batches(path, [table]):
            flat = flatten(batch.column(table))
            if flat.num_rows:
                return int(flat.column("dim")[0].as_py())
    return None


def _column_dim(con, table: str) -> int | None:
    row = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = " + literal(table) +
                      " AND column_name = 'vector'").fetchone()
    m = re.search(r"\[(\d+)\]", row[0]) if row else None
    return int(m.group(1)) if m else None


def update(db_path: pathlib.Path, plan: LoadPlan, stats: list | None = None, progress: bool = False
           ) -> LoadResult | None:
    """Bring the store at ``db_path`` to ``plan``: delete and insert the changed documents' rows in one
    transaction, in place (readers see the old or the new store; a run killed midway leaves the old one).

    A store that does not exist yet, holds vectors of another size, or has most of its documents
    replaced (an upgrade that changed every document) is written as a new file and renamed over the
    old one. Returns None when nothing changed: the store is not opened for writing. (``progress``: kept for
    callers; the load shows none.)
    """
    import duckdb

    db_path.parent.mkdir(parents=True, exist_ok=True)
    dims = {t: _vector_dim(plan, t) for t in ("embeddings", "embeddings_aux")}
    rebuild = not db_path.exists()
    keys: dict[str, str] = {}
    state: dict[str, str] = {}
    if not rebuild:
        try:
            with duckdb.connect(str(db_path), read_only=True) as con:
                keys, state, version = _state(con)
                old_dims = {"embeddings": _column_dim(con, "embedding"), "embeddings_aux": _column_dim(con, "embedding_aux")}
        except duckdb.Error:
            keys, state, version, old_dims, rebuild = {}, {}, 0, {}, True
        if any(dims[t] is not None and old_dims.get(t) not in (None, dims[t]) for t in dims):
            rebuild = True
        if not rebuild:
            unchanged = (version == migrations()[-1][0]
                         and keys == {d: doc.load_key for d, doc in plan.docs.items()}
                         and state.get("hubness") == (plan.hubness_key or "")
                         and state.get("clusters") == (plan.clusters_key or "")
                         and state.get("rejected") == _rejected_key(plan.rejected)
                         and state.get("embed") == str(plan.embed))
            if unchanged:
                return None
            # replacing most documents in place would leave their old blocks free in the file (DuckDB does
            # not shrink it): a 10,000-article store reloaded after an upgrade grew from 1.9 to 4.1 GB
            replaced = sum(1 for d, k in keys.items() if plan.docs.get(d) is None or plan.docs[d].load_key != k)
            if len(keys) >= REWRITE_MIN_DOCS and replaced > REWRITE_SHARE * len(keys):
                rebuild = True
    if rebuild and len(plan.docs) >= OWN_PROCESS_DOCS:
        return _in_own_process(db_path, plan, dims, stats or [])
    return _write(db_path, plan, keys, state, dims, stats or [], rebuild)


def _write(db_path: pathlib.Path, plan: LoadPlan, keys: dict[str, str], state: dict[str, str],
           dims: dict[str, int | None], stats: list, rebuild: bool) -> LoadResult:
    """The update: in place, or (``rebuild``) as a new file renamed over the old one once complete."""
    import duckdb

    if rebuild:
        target = db_path.with_name(db_path.name + ".building")
        keys, state = {}, {}
    else:
        target = db_path
    retry = ""
    for memory in (STORE_MEMORY_BUILD if rebuild else STORE_MEMORY, STORE_MEMORY_RETRY):
        if rebuild:
            # (and the BM25 scratch file a run killed before 2026-12-01 may have left: tokens are in memory now)
            for p in (target, target.with_name(target.name + ".wal"), target.with_name(target.name + ".fts-scratch"),
                      target.with_name(target.name + ".fts-scratch.wal")):
                p.unlink(missing_ok=True)
        con = connect_new(target)
        con.execute(f"SET memory_limit = '{memory}'")
        if not rebuild:
            # no checkpoint inside an update's commit (DuckDB's after 16 MB of WAL): one that runs out of memory
            # there fails the commit fatally (an edit of a 100,000-article store at 256 MB); it comes after, below
            con.execute("SET checkpoint_threshold = '1TB'")
        committed = False
        try:
            result = _apply(con, plan, keys, state, dims, stats, db_path, staged=rebuild)
            result.rebuilt = rebuild
            committed = not rebuild   # (a new file is complete only once checkpointed: it is renamed without its WAL)
            con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            if committed:
                # the update is in the store (its WAL, which DuckDB checkpoints when it next can): applied
                # again, it would insert its documents twice. A checkpoint that ran out of memory (a
                # FatalException: an edit of a 100,000-article store at 256 MB) is tried once more with more
                con.close()
                if not _says_out_of_memory(exc):
                    raise
                _checkpoint(target, STORE_MEMORY_RETRY)
                break
            if not _out_of_memory(exc) or memory == STORE_MEMORY_RETRY:
                _close_failed(con, target, rebuild)
                raise
            _close_failed(con, target, rebuild)   # rolled back
            retry = f"ran out of {memory} ({_first_line(exc)}; at {_statement_of(exc)}), loaded again with {STORE_MEMORY_RETRY}"
            continue
        except BaseException:
            _close_failed(con, target, rebuild)
            raise
        con.close()
        break
    if rebuild:
        os.replace(target, db_path)
    result.memory_retry = retry
    return result


def _checkpoint(target: pathlib.Path, memory: str) -> None:
    """Write a committed update's WAL into the store file with ``memory``; left to the next open (which replays
    it) if that fails too: the update is in the store either way."""
    import duckdb

    try:
        con = duckdb.connect(str(target), config={"memory_limit": memory})   # (opening replays the WAL)
        try:
            con.execute("SET force_compression = 'uncompressed'")   # (as connect_new)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error:
        pass


def _close_failed(con, target: pathlib.Path, rebuild: bool) -> None:
    """Close the connection of a load that failed (rolled back) and remove what it wrote beside the store."""
    con.close()
    if rebuild:
        target.unlink(missing_ok=True)
        target.with_name(target.name + ".wal").unlink(missing_ok=True)


def _out_of_memory(exc: BaseException) -> bool:
    """DuckDB ran out of its memory limit: an OutOfMemoryException, or a commit that could not get the memory
    to write (a TransactionException "Failed to commit: failed to pin block ...")."""
    import duckdb

    return isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, duckdb.TransactionException) and _says_out_of_memory(exc))


def _says_out_of_memory(exc: BaseException) -> bool:
    return any(m in str(exc) for m in ("Out of Memory", "failed to pin block", "could not allocate block",
                                       "failed to allocate data"))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _statement_of(exc: BaseException) -> str:
    """Where in this module the statement that raised ``exc`` was run: its function and line."""
    import traceback

    here = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == __file__]
    return f"{here[-1].name}:{here[-1].lineno}" if here else "?"


# A new file of this many documents or more is written by a process of its own, started for it: the load
# then holds only itself, not what the run's process gathered before it (its plan, manifest, the merged
# chunks' leftovers). At 10,000 articles the run's process was the largest of a run, ~280 MB before the
# load and ~600 during it; a process of its own peaks at ~480-510. (Below this, a load is short and the
# run's process small: the new process's start, ~0.3 CPU s, would cost a small first build more than it saves.)
OWN_PROCESS_DOCS = 2000


def _in_own_process(db_path: pathlib.Path, plan: LoadPlan, dims: dict[str, int | None], stats: list) -> LoadResult:
    """:func:`_write` of a new file in a spawned process; its result, or its error raised here. The process
    dies with this one (Linux): a run killed during the load leaves no writer behind, and the old store."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_write_in_child, args=(send, os.getpid(), db_path, plan, dims, stats),
                            name="kb-store-load", daemon=True)
    try:
        child.start()
    except (OSError, AssertionError):   # no process can be started here (a daemonic one may have no children)
        receive.close()
        send.close()
        return _write(db_path, plan, {}, {}, dims, stats, rebuild=True)
    send.close()
    try:
        try:
            outcome, value = receive.recv()
        except EOFError:
            child.join()
            raise RuntimeError(f"the store's load ended without a result (exit code {child.exitcode}): "
                               f"{db_path} is as it was") from None
        child.join()
    finally:
        if child.is_alive():
            child.kill()
            child.join()
        receive.close()
    if outcome == "error":
        raise value
    return value


def _write_in_child(send, parent: int, db_path: pathlib.Path, plan: LoadPlan, dims: dict[str, int | None],
                    stats: list) -> None:
    _die_with(parent)
    from pipeline.arrow_pandas import settle_pandas_check
    from pipeline.pool import use_system_arrow_pool

    use_system_arrow_pool()   # (as the run's other processes)
    settle_pandas_check()     # (a process of the pipeline's own: no pandas object reaches its pyarrow)
    try:
        result = ("ok", _write(db_path, plan, {}, {}, dims, stats, rebuild=True))
    except BaseException as exc:   # (a KeyboardInterrupt too: the parent raises it)
        try:
            import pickle

            pickle.dumps(exc)
            result = ("error", exc)
        except Exception:
            result = ("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
    send.send(result)
    send.close()


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when ``parent`` exits (Linux's PR_SET_PDEATHSIG); elsewhere nothing."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    if libc.prctl(pr_set_pdeathsig, signal.SIGKILL) == 0 and os.getppid() != parent:
        os._exit(1)   # the parent was gone before the call took effect


def _apply(con, plan: LoadPlan, keys: dict[str, str], state: dict[str, str], dims: dict[str, int | None],
           stats: list, db_path: pathlib.Path, staged: bool = False) -> LoadResult:
    """The update in one transaction. ``staged`` (a new file, renamed into place only once complete):
    its schema is committed before its rows go in, its documents' rows before search_unit is filled
    from them, and those before BM25 is built, so DuckDB writes them out instead of holding them in the
    transaction while it joins them and builds the index. (search_unit's physical order differs from a
    single transaction's: lexical search breaks score ties by key.)"""
    def step() -> None:
        if staged:
            con.execute("COMMIT")
            con.execute("BEGIN TRANSACTION")

    result = LoadResult()
    wanted = {d: doc.load_key for d, doc in plan.docs.items()}
    delete = sorted(d for d, k in keys.items() if wanted.get(d) != k)
    insert = sorted(d for d, k in wanted.items() if keys.get(d) != k)
    if not staged and len(delete) + len(insert) <= SERIAL_DOCS:
        # a change of a few documents is many small statements: a second DuckDB thread only waits for work,
        # and spins while it does (an edit of 32 documents at 10,000 articles, load 4 on 2 cores: 3.4-3.9
        # CPU s in one thread against 6.4-7.0 in two, its checkpoint 0.2-0.4 against 1.8-2.5, less wall)
        con.execute("SET threads = 1")
    con.execute("BEGIN TRANSACTION")
    try:
        migrate(con, dims["embeddings"] or DEFAULT_DIM, dims["embeddings_aux"] or AUX_DIM)
        if staged:
            build_indexes(con)   # over the empty search_text: filled once the rows are in (_fts_build_staged)
        # A new file's schema is committed before any row goes in. DuckDB (1.5) loses sight, for the rest
        # of the session, of the rows one large INSERT ... SELECT puts into a table created and renamed in
        # the same transaction (schemas/013 renames search_text): at 10,000 articles the first build's
        # BM25 index was built over none of them (empty), and the next edit had to rebuild it.
        step()
        con.register("_del", pa.table({"doc_id": pa.array(delete, pa.string())}))
        con.register("_ins", pa.table({"doc_id": pa.array(insert, pa.string())}))
        fts_before = _fts_size(con)
        deleted, inserted = _doc_filter(delete, "_del"), _doc_filter(insert, "_ins")
        new_units = "(SELECT NULL::VARCHAR AS key_id, NULL::VARCHAR AS text WHERE false)"   # the units added: none yet
        if delete:
            # the removed units' keys stay in DuckDB (spilled past its memory limit), not in a Python list; their
            # texts too, for the BM25 patch (_fts_remove) to tokenise
            con.execute(f"CREATE OR REPLACE TEMP TABLE _removed_units AS SELECT key_id, text FROM search_unit WHERE {deleted}")
            result.removed = con.execute("SELECT count(*) FROM _removed_units").fetchone()[0]
            con.execute("DELETE FROM search_text WHERE key_id IN (SELECT key_id FROM _removed_units)")
            for table, _, _ in DOC_TABLES:
                con.execute(f"DELETE FROM {table} WHERE {deleted}")
            con.execute(f"DELETE FROM search_unit WHERE {deleted}")
            con.execute(f"DELETE FROM store_doc WHERE {deleted}")
        few = len(insert) <= LITERAL_IDS and not staged
        if insert:
            if few:   # the rows search_unit_source reads, also kept apart as they go in (see below)
                for table in UNIT_SOURCE_TABLES:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_{table} AS SELECT * FROM {table} LIMIT 0")
            if staged:
                _insert_all_docs(con, plan, insert, dims)
            else:
                _insert_docs(con, plan, insert, dims, copies=UNIT_SOURCE_TABLES if few else ())
            # a new file's rows committed before search_unit is filled from them: the view's joins over
            # rows still in the transaction held 1.6 GB at 10,000 articles, over committed ones ~0.8
            step()
            con.register("_keys", pa.table({"doc_id": pa.array(insert, pa.string()),
                                            "load_key": pa.array([wanted[d] for d in insert], pa.string())}))
            con.execute("INSERT INTO store_doc SELECT * FROM _keys")
            con.unregister("_keys")
            # a table, not a view: searches read it without the view's joins (schemas/012). A change of a
            # few documents keeps their units in a temporary table, so the statements after it (search_text,
            # BM25, the listed keys) read them there, not from a scan of search_unit each.
            if few:
                _new_units_of_copies(con)
                con.execute("INSERT INTO search_unit SELECT * FROM _new_units")
                new_units = "_new_units"
            else:
                for kinds in UNIT_KIND_PARTS:
                    only = f"{kinds} AND {inserted}" if not staged else kinds   # (a new file: every document)
                    con.execute(f"INSERT INTO search_unit SELECT * FROM search_unit_source WHERE {only}")
                # (a new file holds only the documents inserted)
                new_units = "search_unit" if staged else f"(SELECT * FROM search_unit WHERE {inserted})"
            con.execute(f"INSERT INTO search_text SELECT key_id, text FROM {new_units}")
            result.added = con.execute(f"SELECT count(*) FROM {new_units}").fetchone()[0]
        result.inserted, result.deleted = len(insert), len(delete)
        _load_hubness(con, plan, state, result)
        _load_clusters(con, plan, state, result)
        if state.get("rejected") != _rejected_key(plan.rejected):
            con.execute("DELETE FROM rejection")
            if plan.rejected:
                # (one insert of a table: executemany runs a statement per row, seconds for a few hundred)
                names = ("doc_id", "source_path", "stage", "reason", "detected_lang")
                con.register("_rejected", pa.table({n: pa.array([r.get(n) for r in plan.rejected], pa.string())
                                                    for n in names}))
                con.execute("INSERT INTO rejection SELECT * FROM _rejected")
                con.unregister("_rejected")
        step()
        if staged:
            _fts_build_staged(con, result)
        else:
            _fts(con, result, fts_before, new_units)
        if plan.embed:
            _check_hubness(con)
        for name, value in (("hubness", plan.hubness_key or ""), ("clusters", plan.clusters_key or ""),
                            ("rejected", _rejected_key(plan.rejected)), ("embed", str(plan.embed))):
            con.execute(f"INSERT OR REPLACE INTO store_state VALUES ({literals([name, value])})")
        record_timings(con, stats)
        _sync_vector_index(con, db_path)
        _list_units(con, result, new_units)
        pause_point("store")
        con.execute("COMMIT")
        _drop_fts_scratch(con)
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except Exception:
            pass
        raise
    return result


# search_unit filled from its view a branch at a time (DuckDB pushes the kind into the UNION ALL's branches,
# dropping the others): the whole view at once holds the hash tables of all its joins together, and at
# 10,000 articles needed 96-112 MB with two threads (the first statement to run out below that); a branch at
# a time passes at 80 MB (and fails at 72: the sentences, whose two threads each fill a row group), in the
# same time.
UNIT_KIND_PARTS = ("(kind IS NULL OR kind NOT IN ('heading', 'sentence', 'passage'))", "kind = 'heading'",
                   "kind = 'sentence'", "kind = 'passage'")
LITERAL_IDS = 2000   # up to this many documents, a change filters by a literal list (see _doc_filter)
# the tables search_unit_source (schemas/011, 012) reads
UNIT_SOURCE_TABLES = ("item", "block", "sentence", "doc_language", "doc_source")


def _new_units_of_copies(con) -> None:
    """``_new_units``: search_unit_source's rows of the inserted documents, the view evaluated over the copies
    ``_new_<table>`` of their rows (:func:`_insert_docs`) instead of over the whole tables filtered by their
    ids: the filter reaches the scans only as a hint, so every row of item, block and sentence was read and
    the sentence-block join hashed every paragraph of the store (~0.5 CPU s at 10,000 articles). Temporary
    views named as the tables stand in for them while it runs (DuckDB looks a name up in the temporary
    schema first, inside views too); the view's definition stays the one in the schema."""
    try:
        for table in UNIT_SOURCE_TABLES:
            con.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM _new_{table}")
        con.execute("CREATE OR REPLACE TEMP TABLE _new_units AS SELECT * FROM search_unit_source")
    finally:
        for table in UNIT_SOURCE_TABLES:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{table}")
            con.execute(f"DROP TABLE IF EXISTS temp.main._new_{table}")


def _list_units(con, result: LoadResult, new_units: str) -> None:
    """The keys of the search units added (in ``new_units``) and removed, when few enough to list
    (LoadResult.added_keys)."""
    if result.added + result.removed > LIST_UNITS:
        result.added_keys = result.removed_keys = None
    else:
        result.added_keys = [r[0] for r in con.execute(f"SELECT key_id FROM {new_units}").fetchall()
                             ] if result.added else []
        result.removed_keys = [r[0] for r in con.execute("SELECT key_id FROM _removed_units").fetchall()
                               ] if result.removed else []
    for table in ("_removed_units", "_new_units"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _doc_filter(doc_ids: list[str], table: str) -> str:
    """``doc_id IN (...)`` for the documents of a change: a literal list when they are few, which DuckDB
    pushes into the scans of the tables and views (search_unit_source joins five); a semi-join with the
    registered ``table`` of them reads every row of each instead (3x the time at 10,000 articles)."""
    if len(doc_ids) > LITERAL_IDS:
        return f"doc_id IN (SELECT doc_id FROM {table})"
    return f"doc_id IN ({', '.join(literal(d) for d in doc_ids) or 'NULL'})"


def _sync_vector_index(con, db_path: pathlib.Path) -> None:
    """The vector index of this store state (pipeline/index.py), written before the store commits:
    it adds and removes only the rows that changed, however the store was loaded."""
    from pipeline import index

    try:
        index.sync(con, db_path)
    except OSError as exc:          # derived data: a store without it is searched exactly, or repaired
        import warnings

        warnings.warn(f"vector index not written ({exc}); search will rebuild it or search exactly")


def _insert_docs(con, plan: LoadPlan, insert: list[str], dims: dict[str, int | None],
                 copies: tuple[str, ...] = ()) -> None:
    """An update in place: insert the rows of the documents ``insert`` from their shard files, a row group at
    a time: each row group that holds any of them is read once for all the tables its stage fills (the few
    documents of an edit are spread over whole shards). The rows of the tables ``copies`` also go into the
    temporary tables ``_new_<table>``. (A new file: :func:`_insert_all_docs`.)"""
    by_shard: dict[int, dict[str, str]] = {}
    for d in insert:
        doc = plan.docs[d]
        by_shard.setdefault(doc.shard, {})[d] = doc.src
    by_stage: dict[str, list[tuple[str, str]]] = {}
    for table, stage, output in DOC_TABLES:
        if stage != "embed" or plan.embed:
            by_stage.setdefault(stage, []).append((table, output))
    for stage, tables in by_stage.items():
        key = "src" if stage == "ingest" else "doc_id"
        for shard, docs in sorted(by_shard.items()):
            path = plan.files.get(stage, {}).get(shard)
            if path is None:
                continue
            srcs = set(docs.values())
            wanted = pa.array(sorted(srcs) if key == "src" else sorted(docs), pa.string())
            doc_ids = pa.array(list(docs), pa.string())
            outputs = [output for _, output in tables]
            for batch in _batches(path, ["src", *outputs] if key == "src" else ["src", "doc_id", *outputs], srcs):
                batch = batch.filter(pc.is_in(batch.column(key), value_set=wanted))
                if batch.num_rows == 0:
                    continue
                for table, output in tables:
                    _insert_output(con, table, stage, output, batch, docs, doc_ids, dims, table in copies)


def _insert_all_docs(con, plan: LoadPlan, insert: list[str], dims: dict[str, int | None]) -> None:
    """A new file's rows of the documents ``insert``: every stage's shard files read by DuckDB itself
    (``read_parquet``, their nested rows unnested in SQL), one statement a table. The same rows as
    :func:`_insert_docs` (the plan's documents; ingest's each from the source that owns it), in the same
    order, without its Arrow flattening and one insert a batch in Python: 0.4 s of a 1,000-article first
    build's load against 0.7-0.8, 17 s against 19-20 at 10,000 (peak 446 MB against 506).

    One DuckDB thread: the rows go in in the files' order, whichever build (two threads reorder them at the
    joins, and saved no time at 1,000). The documents are picked by semi-joins (``IN (SELECT ...)`` after the
    unnest reordered rows at DuckDB's 2,048-row vectors)."""
    threads = _threads(con)
    con.execute("SET threads = 1")
    con.register("_wanted", pa.table({"doc_id": pa.array(insert, pa.string()),
                                      "src": pa.array([plan.docs[d].src for d in insert], pa.string())}))
    for table, stage, output in DOC_TABLES:
        files = sorted(plan.files.get(stage, {}).values())
        if not files or (stage == "embed" and not plan.embed):
            continue
        scan = f"read_parquet([{', '.join(literal(str(f)) for f in files)}])"
        if stage == "ingest":   # (a source may hold many documents, a document come from many sources)
            rows = (f"SELECT unnest(u) FROM (SELECT src AS _src, unnest({output}) AS u FROM {scan}) "
                    f"SEMI JOIN _wanted w ON w.doc_id = u.doc_id AND w.src = _src")
        else:
            rows = f"SELECT unnest(u) FROM (SELECT unnest({output}) AS u FROM {scan} SEMI JOIN _wanted USING (doc_id))"
        select = "* EXCLUDE (meta_spans, line_keys)" if stage == "ingest" else _columns(table, dims)
        con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM ({rows})")
    con.unregister("_wanted")   # (a failed statement leaves both: the load is rolled back, its connection closed)
    con.execute(f"SET threads = {threads}")


def _insert_output(con, table: str, stage: str, output: str, batch: pa.Table, docs: dict[str, str],
                   doc_ids: pa.Array, dims: dict[str, int | None], copy: bool = False) -> None:
    """Insert into ``table`` the rows of the documents ``docs`` (doc_id -> src) in ``output`` of ``batch``."""
    flat = flatten(batch.column(output))
    if stage == "ingest":
        # one row per document, read from the source that owns it
        parent = pc.list_parent_indices(batch.column(output))
        src = batch.column("src").take(parent)
        own = pa.array([docs.get(d) for d in flat.column("doc_id").to_pylist()], pa.string())
        flat = flat.filter(pc.equal(src, own).fill_null(False))
        flat = flat.drop_columns(["meta_spans", "line_keys"])
    else:
        flat = flat.filter(pc.is_in(flat.column("doc_id"), value_set=doc_ids))
    if flat.num_rows == 0:
        return
    select = _columns(table, dims)
    _insert_arrow(con, table, select, flat)
    if copy:
        _insert_arrow(con, f"_new_{table}", select, flat)


def _columns(table: str, dims: dict[str, int | None]) -> str:
    """The select list a per-document table's rows go in by: the vector tables' lists as fixed-size arrays."""
    if table not in ("embedding", "embedding_aux"):
        return "*"
    d = dims["embeddings" if table == "embedding" else "embeddings_aux"] or 1
    return f"* REPLACE (vector::FLOAT[{d}] AS vector, search_vector::FLOAT[{d}] AS search_vector)"


def _batches(path: str, columns: list[str], srcs: set[str]):
    """Row groups of a shard file that hold any of ``srcs``: by the ``src`` statistics of each, then by the
    file's ``src`` column, read once (a few sources of a change are spread over a shard's whole range)."""
    f = pq.ParquetFile(path)
    lo, hi = min(srcs), max(srcs)
    meta = f.metadata
    col = f.schema_arrow.get_field_index("src")
    candidates = []
    for i in range(f.num_row_groups):
        st = meta.row_group(i).column(col).statistics
        if not (st is not None and st.has_min_max and (st.max < lo or st.min > hi)):
            candidates.append(i)
    if not candidates:
        return
    if len(candidates) < f.num_row_groups or len(srcs) < meta.num_rows:
        hit = pc.is_in(f.read_row_groups(candidates, columns=["src"]).column("src"),
                       value_set=pa.array(sorted(srcs), pa.string()))
        offsets, start = [], 0
        for i in candidates:
            offsets.append(start)
            start += meta.row_group(i).num_rows
        ends = offsets[1:] + [start]
        candidates = [i for i, a, b in zip(candidates, offsets, ends) if b > a and pc.any(hit.slice(a, b - a)).as_py()]
    for i in candidates:
        yield f.read_row_group(i, columns=columns)


def _load_hubness(con, plan: LoadPlan, state: dict[str, str], result: LoadResult) -> None:
    """The corpus-wide hubness table, replaced when its key changed (any embedded document did)."""
    result.hubness = _replace_corpus_table(con, plan.files.get("hubness", {}).get(0), plan.hubness_key,
                                           state.get("hubness"), "hubness", "key_id, model_id, hubness")


def _load_clusters(con, plan: LoadPlan, state: dict[str, str], result: LoadResult) -> None:
    """The corpus-wide clusters table, replaced when its key changed (any embedded document, or the stage)."""
    result.clusters = _replace_corpus_table(con, plan.files.get("cluster", {}).get(0), plan.clusters_key,
                                            state.get("clusters"), "cluster_member", "cluster_id, item_id, similarity")


def _replace_corpus_table(con, path, key: str | None, loaded_key: str | None, table: str, columns: str) -> bool:
    """A corpus-level stage's table, replaced from its one stage file when the stage's key differs from
    the key the store was loaded with; whether it was replaced."""
    if loaded_key == (key or ""):
        return False
    con.execute(f"DELETE FROM {table}")
    if key is None or path is None:
        return True
    for batch in iter_batches(path):
        _insert_arrow(con, table, columns, batch)
    return True


def _insert_arrow(con, table: str, select: str, _batch: pa.Table) -> None:
    """Insert an Arrow batch into ``table`` by column name.

    DuckDB reads ``_batch`` by its Python name (a replacement scan), not through ``con.register``: a
    registered table is a view in the catalog, and a view dropped inside a transaction is kept, with
    the Arrow data it holds, until the transaction ends, so a load would hold every batch it inserted
    (half a gigabyte at 10,000 articles)."""
    con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM _batch")


def _check_hubness(con) -> None:
    # search subtracts hubness from every score: a row without it would outrank everything
    missing = con.execute("SELECT count(*) FROM (SELECT key_id, model_id FROM embedding UNION ALL "
                          "SELECT key_id, model_id FROM embedding_aux) e "
                          "ANTI JOIN hubness h USING (key_id, model_id)").fetchone()[0]
    if missing:
        raise RuntimeError(f"{missing} embedded rows have no hubness: delete the stage files under "
                           f"outputs/stages/hubness and run again")


# ---------------------------------------------------------------- BM25, updated in place
#
# DuckDB's fts extension has no incremental update: create_fts_index rebuilds from scratch.
# Its index is plain tables (docs, terms, dict with document frequencies, stats) that match_bm25
# reads at query time, so a change of k search units is applied to them directly: the removed
# units' documents deleted (their terms rows left, as tombstones) and their terms' document
# frequencies decremented, the added ones tokenised with the index's own tokenize macro and stemmer,
# new terms appended to dict, and the corpus statistics (num_docs, avgdl) recomputed. Scores equal a
# rebuild's (tested). When a large share of the units changed, or of tombstones built up, a rebuild
# is cheaper and is done instead.

FTS_SCHEMA = bm25.SCHEMA


def _fts_size(con) -> int | None:
    """Documents in the BM25 index, None when the store has no index."""
    if not con.execute(f"SELECT count(*) FROM duckdb_schemas() WHERE schema_name = {literal(FTS_SCHEMA)}").fetchone()[0]:
        return None
    if not load_extension(con, "fts"):
        return None
    return con.execute(f"SELECT count(*) FROM {FTS_SCHEMA}.docs").fetchone()[0]


def _fts(con, result: LoadResult, size_before: int | None, new_units: str) -> None:
    """Patch the BM25 index with the search units added (those in ``new_units``: key_id, text) and removed
    (the temporary table ``_removed_units``), or rebuild it when that is cheaper."""
    if size_before is not None and not result.added and not result.removed:
        return
    changed = result.added + result.removed
    if not size_before or changed + _fts_tombstones(con) > FTS_REBUILD_SHARE * size_before:
        if build_indexes(con)["fts"]:
            result.fts = "rebuilt"
        return
    if result.removed:
        _fts_remove(con)
    if result.added:
        _fts_add(con, new_units)
    _fts_stats(con)
    result.fts = "updated"


def _threads(con) -> int:
    return max(1, int(con.execute("SELECT current_setting('threads')").fetchone()[0]))


def _fts_build_staged(con, result: LoadResult) -> None:
    """BM25 over a new file's search_text, its terms found by ``threads`` connections at once.

    create_fts_index tokenises in one thread (search_text's 127,000 units at 1,000 articles sit in two row
    groups, so DuckDB scans them in one): 1.3 s of a first build's 2.8. The index was created over the
    empty table with the schema (its tables and macros, ``_apply``); they are filled here as create_fts_index fills
    them (docid: the unit's rowid; the terms: its ``tokenize`` macro's, with stemmer and stopwords
    'none'), each connection tokenising every k-th unit into a table of its own. Only a new file may do
    this: its rows are committed (``staged``) before, so the other connections see them, and a killed
    run leaves no store behind to be half-indexed."""
    if _fts_size(con) is None:
        return
    f = FTS_SCHEMA
    con.execute("COMMIT")
    # The store's rows are written out as they are (vectors uncompressed: connect_new), and the index's
    # tables compressed: its terms are 229 million rows of integers at 100,000 articles, 3.7 GB
    # uncompressed, which every search scans for its terms' ids.
    con.execute("CHECKPOINT")
    con.execute("SET force_compression = 'auto'")
    parts = _threads(con)
    # The connections' tables go to an in-memory database that every connection sees (DuckDB spills it to its
    # temporary files past the memory limit), detached once the store is written. Kept in the store, they
    # left their blocks free in it (~3 bytes a word); in a scratch file beside it, writing them out cost more
    # than the tokenising: at 1,000 articles the load took 3.57 s against 3.22 (4.9 CPU s against 4.3).
    con.execute(f"ATTACH ':memory:' AS {FTS_SCRATCH}")

    def tokenise(i: int) -> None:
        # the words tokenize() makes of a text, as one regex: tokenize replaces each run of ignored
        # characters (FTS_IGNORE: anything but a letter or digit) by a space and splits at spaces. Each
        # connection's units are documents of their own: lengths and document frequencies add up.
        with con.cursor() as cur:
            # a unit's words as one list (its length is the list's; the terms below unnest it)
            cur.execute(f"CREATE TABLE {t}_words_{i} AS SELECT rowid AS docid, regexp_extract_all(lower(text), "
                        f"'{TOKEN_RE}') AS ws FROM search_text WHERE rowid % {parts} = {i}")
            # each word's documents: a unit's distinct words counted, not the distinct (unit, word) pairs of all
            # units (at 100,000 articles, 120 million a part ran out of 1 GB: DuckDB's DISTINCT did not spill
            # enough)
            cur.execute(f"CREATE TABLE {t}_df_{i} AS SELECT w, count(*) AS df FROM "
                        f"(SELECT unnest(list_distinct(ws)) AS w FROM {t}_words_{i}) GROUP BY w")

    t = f"{FTS_SCRATCH}._fts"
    # one DuckDB thread a connection: each runs its statements in its own thread, and with the scheduler's
    # threads beside them the cores were oversubscribed (1,000 articles, alone: 0.70 s, 1.38 CPU s, against
    # 0.41, 0.81)
    con.execute("SET threads = 1")
    try:
        with cf.ThreadPoolExecutor(parts, thread_name_prefix="bm25") as threads:
            list(threads.map(tokenise, range(parts)))
    finally:
        con.execute(f"SET threads = {parts}")
    con.execute("BEGIN TRANSACTION")

    def union(part: str, select: str = "*") -> str:
        return "(" + " UNION ALL ".join(f"SELECT {select} FROM {t}_{part}_{i}" for i in range(parts)) + ")"

    con.execute(f"INSERT INTO {f}.docs SELECT s.rowid, s.key_id, coalesce(t.len, 0) FROM search_text s "
                f"LEFT JOIN {union('words', 'docid, len(ws) AS len')} t ON t.docid = s.rowid")
    con.execute(f"INSERT INTO {f}.dict SELECT row_number() OVER () - 1, w, df FROM "
                f"(SELECT w, sum(df)::BIGINT AS df FROM {union('df')} GROUP BY w)")
    con.execute(f"INSERT INTO {f}.terms SELECT t.docid, 0, d.termid FROM {union('words', 'docid, unnest(ws) AS w')} t "
                f"JOIN {f}.dict d ON d.term = t.w")
    _fts_stats(con)
    result.fts = "rebuilt"


FTS_SCRATCH = "_fts_scratch"


def _drop_fts_scratch(con) -> None:
    """Detach the in-memory database of :func:`_fts_build_staged` (after the store's commit)."""
    con.execute(f"DETACH DATABASE IF EXISTS {FTS_SCRATCH}")


FTS_TOMBSTONES = "tombstones"   # the index's table of removed docids whose terms rows stay (_fts_remove)


def _fts_tombstones(con) -> int:
    """The units removed from the BM25 index since it was built, their terms left in place (created when
    missing: a rebuild drops it with the index's schema)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {FTS_SCHEMA}.{FTS_TOMBSTONES} (docid BIGINT)")
    return con.execute(f"SELECT count(*) FROM {FTS_SCHEMA}.{FTS_TOMBSTONES}").fetchone()[0]


def _fts_tokens(con, units: str, table: str) -> None:
    """``table`` (temporary): the terms of ``units`` (docid, text) as the index makes them: its own
    ``tokenize`` macro, stemmer and stopwords."""
    f = FTS_SCHEMA
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT docid, stem(w, '{bm25.stemmer(con)}') AS term FROM (
            SELECT docid, unnest({f}.tokenize(text)) AS w FROM {units})
        WHERE w IS NOT NULL AND len(w) > 0 AND w NOT IN (SELECT sw FROM {f}.stopwords)""")


def _fts_remove(con) -> None:
    """Take the removed units (``_removed_units``: key_id, text) out of the index: their ``docs`` rows
    deleted, their terms' document frequencies decremented, counted from their texts tokenised again.

    Their rows in ``terms`` stay, as tombstones. At 100,000 articles terms holds 229 million rows in 1,868
    row groups and an edit's units have rows in most of them: deleting the 91,000 rows of 20 articles' units
    ran out of the load's 256 MB (DuckDB keeps version information for each row group a delete touches) and
    passed only with 1 GB; counting their frequencies from terms (a scan of all of it) took seconds. match_bm25
    joins terms to docs, so a removed docid's rows never score; its docid is kept in ``tombstones`` so that no
    new unit takes it, and once the tombstones pass FTS_REBUILD_SHARE of the index, it is rebuilt."""
    f = FTS_SCHEMA
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fts_gone AS SELECT d.docid, r.text FROM {f}.docs d "
                f"JOIN _removed_units r ON d.name = r.key_id")
    _fts_tokens(con, "_fts_gone", "_fts_gone_tok")
    con.execute(f"""UPDATE {f}.dict SET df = df - c.n FROM (
        SELECT d.termid, count(DISTINCT t.docid) AS n FROM _fts_gone_tok t JOIN {f}.dict d USING (term) GROUP BY d.termid
        ) c WHERE dict.termid = c.termid""")
    con.execute(f"INSERT INTO {f}.{FTS_TOMBSTONES} SELECT docid FROM _fts_gone")
    con.execute(f"DELETE FROM {f}.docs WHERE docid IN (SELECT docid FROM _fts_gone)")
    con.execute(f"DELETE FROM {f}.dict WHERE df <= 0")   # (a tombstone's rows may keep its termid: they never score)
    con.execute("DROP TABLE _fts_gone")
    con.execute("DROP TABLE _fts_gone_tok")


def _fts_add(con, new_units: str) -> None:
    f = FTS_SCHEMA
    # new docids past every docid used, a tombstone's too (its terms rows are still there)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _fts_new AS
        SELECT greatest((SELECT coalesce(max(docid), -1) FROM {f}.docs),
                        (SELECT coalesce(max(docid), -1) FROM {f}.{FTS_TOMBSTONES}))
               + row_number() OVER (ORDER BY key_id) AS docid,
               key_id AS name, text
        FROM {new_units}""")
    _fts_tokens(con, "_fts_new", "_fts_tok")
    con.execute(f"""INSERT INTO {f}.docs
        SELECT n.docid, n.name, coalesce(t.len, 0) FROM _fts_new n
        LEFT JOIN (SELECT docid, count(term) AS len FROM _fts_tok GROUP BY docid) t USING (docid)""")
    # the new units' terms less those the dictionary holds, found by probing it with them: `NOT IN (SELECT term
    # FROM dict)` hashed the whole dictionary (at 100,000 articles, more than the load's 256 MB)
    con.execute(f"""INSERT INTO {f}.dict
        SELECT (SELECT coalesce(max(termid), -1) FROM {f}.dict) + row_number() OVER (ORDER BY term), term, 0
        FROM (SELECT term FROM _fts_tok
              EXCEPT SELECT term FROM {f}.dict WHERE term IN (SELECT term FROM _fts_tok))""")
    con.execute(f"INSERT INTO {f}.terms SELECT t.docid, 0, d.termid FROM _fts_tok t JOIN {f}.dict d USING (term)")
    con.execute(f"""UPDATE {f}.dict SET df = df + c.n FROM (
        SELECT d.termid, count(DISTINCT t.docid) AS n FROM _fts_tok t JOIN {f}.dict d USING (term) GROUP BY d.termid
        ) c WHERE dict.termid = c.termid""")
    con.execute("DROP TABLE _fts_new")
    con.execute("DROP TABLE _fts_tok")


def _fts_stats(con) -> None:
    f = FTS_SCHEMA
    con.execute(f"DELETE FROM {f}.stats")
    con.execute(f"INSERT INTO {f}.stats SELECT count(docid), sum(len) / count(len) FROM {f}.docs")


def record_timings(con, stats: list) -> None:
    con.execute("DELETE FROM stage_run")
    if stats:
        con.execute("INSERT INTO stage_run VALUES " + ", ".join(
            f"({literals([s.stage, s.processed, s.skipped, s.removed, s.rows, s.seconds])})" for s in stats))


# BM25 tokens: any run of letters or digits, so Polish ł, ż, ś survive. DuckDB's regexes (RE2) read
# \w as ASCII only, which cut "ideeën" into "idee" and "n": Unicode classes instead.
FTS_IGNORE = r"(\.|[^\p{L}\p{N}])+"
TOKEN_RE = r"[\p{L}\p{N}]+"   # what FTS_IGNORE leaves: a word is a run of letters and digits


def build_indexes(con, fts: bool = True) -> dict[str, bool]:
    """BM25 over search_text (rebuilt). (Vectors are indexed beside the store: pipeline/index.py.)"""
    built = {"fts": False}
    if fts and load_extension(con, "fts"):
        con.execute(f"PRAGMA create_fts_index('search_text', 'key_id', 'text', stemmer='none', "
                     f"stopwords='none', ignore='{FTS_IGNORE}', strip_accents=0, lower=1, overwrite=1)")
        built["fts"] = True
    return built
