"""The layering the code promises: no import cycles, extractors independent of each other and
of the stages, small rule functions, and extractor names that are rule names."""
from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "pipeline"
EXTRACTORS = ("myths", "tips", "statistics", "examples")
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _imports(path: pathlib.Path, modules: dict[str, pathlib.Path]) -> set[str]:
    """The package modules a file imports, at the top or inside functions alike."""
    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]   # a submodule, or a name in the module
        else:
            continue
        out.update(t for n in names if n.startswith("pipeline") and (t := resolve(n)))
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(p, modules) - {m} for m, p in modules.items()}


def test_no_import_cycles(graph):
    state: dict[str, int] = {}   # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            assert state.get(n) != 1, "import cycle: " + " -> ".join(path[path.index(n):] + [m, n])
            if n not in state:
                visit(n, path + [m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_layers(graph):
    for m, deps in graph.items():
        if m.startswith("pipeline.extract") or m in ("pipeline.docmodel", "pipeline.nlp", "pipeline.numbers"):
            assert not [d for d in deps if d.startswith("pipeline.stages")], (m, deps)
    for name in EXTRACTORS:
        others = {f"pipeline.extract.{o}" for o in EXTRACTORS if o != name}
        assert not graph[f"pipeline.extract.{name}"] & others, f"extractor {name} imports another extractor"
    assert "pipeline.api" not in graph["pipeline.search"] and "pipeline.search" in graph["pipeline.api"]


def test_no_long_functions_in_the_extractors():
    long = []
    for p in (PACKAGE / "extract").glob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{p.name}:{node.lineno} {node.name} ({n} lines)")
    assert not long, long


@pytest.mark.parametrize("name", EXTRACTORS)
def test_every_rule_is_a_documented_function(name):
    module = importlib.import_module(f"pipeline.extract.{name}")
    assert module.RULES and isinstance(module.RULES, tuple)
    for rule in module.RULES:
        assert callable(rule) and rule.__doc__, rule
        assert rule.__name__ in module.__doc__, f"{rule.__name__} is not described in {name}'s docstring"
    assert len({r.__name__ for r in module.RULES}) == len(module.RULES)


def test_extractor_column_names_rules(built_store):
    import duckdb

    rules = {r.__name__ for n in EXTRACTORS for r in importlib.import_module(f"pipeline.extract.{n}").RULES}
    rules |= {getattr(importlib.import_module(f"pipeline.extract.{n}"), "CLASSIFIER_EXTRACTOR", "") for n in EXTRACTORS}
    con = duckdb.connect(str(built_store), read_only=True)
    used = {r[0] for r in con.execute("SELECT DISTINCT extractor FROM items").fetchall()}
    assert used and used <= rules, used - rules


def test_a_column_table_is_as_strict_as_a_row_table():
    import pyarrow as pa
    import pytest

    from pipeline import schema

    s = pa.schema([("doc_id", pa.string()), ("n", pa.int32())])
    assert schema.columns_table({"doc_id": ["a"], "n": [1]}, s).to_pylist() == [{"doc_id": "a", "n": 1}]
    with pytest.raises(schema.SchemaError, match="unknown extra"):
        schema.columns_table({"doc_id": ["a"], "n": [1], "extra": [2]}, s)
    with pytest.raises(schema.SchemaError, match="missing n"):
        schema.columns_table({"doc_id": ["a"]}, s)
    with pytest.raises(schema.SchemaError, match="row 0 does not fit"):
        schema.table([{"doc_id": "a"}], s)


def test_rows_grouped_by_doc_keep_the_table_order_whatever_the_runs():
    import pyarrow as pa

    from pipeline import schema

    t = pa.table({"doc_id": ["b", "b", "a", "b", "c", "a"], "n": [1, 2, 3, 4, 5, 6], "m": list("uvwxyz")})
    want: dict[str, list] = {}
    for r in t.to_pylist():
        want.setdefault(r["doc_id"], []).append(r)
    assert schema.rows_by_doc(t) == want
    assert schema.tuples_by_doc(t, ("n", "m")) == {d: [(r["n"], r["m"]) for r in rows] for d, rows in want.items()}
    assert list(schema.tuples_by_doc(t, ("n",))) == ["b", "a", "c"]
    assert schema.tuples_by_doc(t.slice(0, 1), ("n",)) == {"b": [(1,)]}
    assert schema.tuples_by_doc(t.slice(0, 0), ("n",)) == {}
    chunked = pa.concat_tables([t.slice(0, 2), t.slice(2)])
    assert schema.tuples_by_doc(chunked, ("n", "m")) == schema.tuples_by_doc(t, ("n", "m"))
