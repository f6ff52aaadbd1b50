"""The DuckDB store: migrations from ``schemas/*.sql`` and loading from the stage Parquet.

A load builds a new database file next to the old one, applies every migration
and inserts every table in one transaction, then renames it over the old file:
a run that dies leaves the previous store intact.
"""
from __future__ import annotations

import os
import pathlib
import re
from typing import Iterable

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent.parent / "schemas"
_MIGRATION = re.compile(r"^(\d{3})_(\w+)\.sql$")
DEFAULT_DIM = 384
AUX_DIM = 512


def migrations(schema_dir: pathlib.Path = SCHEMA_DIR) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration, in order."""
    out = []
    for p in sorted(schema_dir.glob("*.sql")):
        m = _MIGRATION.match(p.name)
        if m:
            out.append((int(m.group(1)), m.group(2), p.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in out]
    if versions != sorted(set(versions)):
        raise RuntimeError(f"duplicate migration numbers in {schema_dir}")
    return out


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
        con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
        applied.append(version)
    return applied


def connect_new(path: pathlib.Path):
    """A connection for writing a new store."""
    import duckdb

    con = duckdb.connect(str(path))
    # Vectors barely compress, and decompressing them is most of an exact search's time (4x on 100k
    # rows); the text columns are small beside them.
    con.execute("SET force_compression = 'uncompressed'")
    return con


def _sql_list(paths: Iterable[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _insert(con, table: str, paths: list[str], select: str = "*", where: str = "") -> None:
    if paths:
        con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM read_parquet({_sql_list(paths)}) {where}")


def load(db_path: pathlib.Path, parts: dict[str, list[str]], rejected: list[dict], accepted: list[str],
         stats: list) -> pathlib.Path:
    """Build the store at ``db_path`` from the Parquet parts (atomically replaced)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".building")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    dim = _embedding_dim(parts.get("embeddings", []), DEFAULT_DIM)
    aux_dim = _embedding_dim(parts.get("embeddings_aux", []), AUX_DIM)
    con = connect_new(tmp)
    try:
        con.execute("BEGIN TRANSACTION")
        migrate(con, dim, aux_dim)
        con.execute("CREATE TEMP TABLE accepted (doc_id VARCHAR)")
        if accepted:
            con.executemany("INSERT INTO accepted VALUES (?)", [[d] for d in accepted])
        # the same text under two names is one document: keep the first path
        _insert(con, "doc_source", parts["documents"], "* EXCLUDE (_src, meta_spans, line_keys)",
                "WHERE doc_id IN (SELECT doc_id FROM accepted) "
                "QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY source_path) = 1")
        _insert(con, "doc_language", parts["languages"])
        _insert(con, "doc_clean", parts["clean"])
        _insert(con, "removed_span", parts["removed_spans"])
        _insert(con, "block", parts["blocks"])
        _insert(con, "sentence", parts["sentences"])
        _insert(con, "item", parts["items"])
        for table, part, d in (("embedding", "embeddings", dim), ("embedding_aux", "embeddings_aux", aux_dim)):
            cast = f"* REPLACE (vector::FLOAT[{d}] AS vector, search_vector::FLOAT[{d}] AS search_vector)"
            _insert(con, table, parts.get(part, []), cast,
                    "QUALIFY row_number() OVER (PARTITION BY key_id, model_id ORDER BY key_id) = 1")
        if parts.get("hubness"):
            _insert(con, "hubness", parts["hubness"])
            # search subtracts hubness from every score: a row without it would outrank everything
            missing = con.execute("SELECT count(*) FROM (SELECT key_id, model_id FROM embedding UNION ALL "
                                  "SELECT key_id, model_id FROM embedding_aux) e "
                                  "ANTI JOIN hubness h USING (key_id, model_id)").fetchone()[0]
            if missing:
                raise RuntimeError(f"{missing} embedded rows have no hubness: delete {parts['hubness'][0]} "
                                   f"and run again")
        _insert(con, "cluster_member", parts.get("clusters", []))
        if rejected:
            con.executemany("INSERT INTO rejection VALUES (?, ?, ?, ?, ?)",
                            [[r.get("doc_id"), r["source_path"], r["stage"], r["reason"], r.get("detected_lang")]
                             for r in rejected])
        con.execute("INSERT INTO search_text SELECT key_id, text FROM search_units")
        con.execute("COMMIT")
        build_indexes(con)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, db_path)
    return db_path


def record_timings(db_path: pathlib.Path, stats: list) -> None:
    import duckdb

    with duckdb.connect(str(db_path)) as con:
        con.execute("DELETE FROM stage_run")
        con.executemany("INSERT INTO stage_run VALUES (?, ?, ?, ?, ?, ?)",
                        [[s.stage, s.processed, s.skipped, s.removed, s.rows, s.seconds] for s in stats])


def _embedding_dim(paths: list[str], default: int) -> int:
    if not paths:
        return default
    import pyarrow.parquet as pq

    for p in paths:
        t = pq.read_table(p, columns=["dim"])
        if t.num_rows:
            return int(t.column("dim")[0].as_py())
    return default


# BM25 tokens: any run of letters or digits, so Polish ł, ż, ś survive (the default drops non-ASCII).
FTS_IGNORE = r"(\.|[^\w])+"
HNSW_MIN_ROWS = 50_000   # below this exact search is fast enough and the index costs minutes to build


def load_extension(con, name: str) -> bool:
    """Load a DuckDB extension from its PyPI package (``duckdb-extension-<name>``), offline."""
    import importlib

    import duckdb

    try:
        pkg = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        return False
    path = pathlib.Path(pkg.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        return False
    try:
        con.execute(f"LOAD '{path}'")
        return True
    except duckdb.Error:
        return False


def build_indexes(con, hnsw_min_rows: int = HNSW_MIN_ROWS) -> dict[str, bool]:
    """BM25 over search_text; HNSW over embeddings when the store is large enough."""
    built = {"fts": False, "hnsw": False}
    if load_extension(con, "fts"):
        con.execute(f"PRAGMA create_fts_index('search_text', 'key_id', 'text', stemmer='none', "
                     f"stopwords='none', ignore='{FTS_IGNORE}', strip_accents=0, lower=1, overwrite=1)")
        built["fts"] = True
    n = con.execute("SELECT count(*) FROM embedding").fetchone()[0]
    if n >= hnsw_min_rows and load_extension(con, "vss"):
        con.execute("SET hnsw_enable_experimental_persistence = true")
        # candidates by cosine (HNSW's recall on inner product over vectors of unequal length is poor);
        # search re-scores them exactly by inner product less hubness
        con.execute("CREATE INDEX embedding_hnsw ON embedding USING HNSW (search_vector) WITH (metric = 'cosine')")
        built["hnsw"] = True
    return built
