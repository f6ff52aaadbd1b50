"""What every reader of the store needs from DuckDB, apart from the loader (:mod:`pipeline.store`):
the schema migrations' files and the extensions loaded offline from their PyPI packages.

Kept apart because the loader imports pyarrow (0.4-1 s on a busy machine): a one-shot
``kb search`` reads the schema version and may load BM25's extension, and nothing more.
"""
from __future__ import annotations

import numbers
import pathlib
import re
from typing import Any, Iterable

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


def literal(value: Any) -> str:
    """``value`` as an SQL literal, for statements the pipeline runs without bound parameters.

    DuckDB's Python binding imports pandas, where it is installed, at every bound parameter (to ask whether
    the value is one of pandas' types) until the import succeeds: a ``kb search`` took 1.8-2.0 s instead of
    0.8-1.1 with pandas beside it (the [ray] extra brings it), and a run's processes each paid the import
    (0.4-0.8 s) in their first statement with a parameter."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):   # (numpy's integers too)
        return str(int(value))
    if isinstance(value, numbers.Real):
        # (as a string: a bare 0.011081992269863783 is read as a DECIMAL, and its cast lands a unit off)
        return f"'{float(value)!r}'::DOUBLE"
    if isinstance(value, str):
        # (a NUL ends DuckDB's parse of a quoted string: it goes in as chr(0))
        return " || chr(0) || ".join("'" + part.replace("'", "''") + "'" for part in value.split("\x00"))
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def literals(values: Iterable[Any]) -> str:
    """``values`` as a comma-separated list of SQL literals (for ``IN (...)``; see :func:`literal`)."""
    return ", ".join(literal(v) for v in values)
