"""What every reader of the store needs from DuckDB, apart from the loader (:mod:`pipeline.store`):
the schema migrations' files and the extensions loaded offline from their PyPI packages.

Kept apart because the loader imports pyarrow (0.4-1 s on a busy machine): a one-shot
``kb search`` reads the schema version and may load BM25's extension, and nothing more.
"""
from __future__ import annotations

import pathlib
import re

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent.parent / "schemas"
_MIGRATION = re.compile(r"^(\d{3})_(\w+)\.sql$")


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
