"""Statements run with their values inlined (pipeline.duck.literal), not bound: DuckDB's Python binding imports
pandas, where it is installed, at every bound parameter until it has it (~0.4-0.8 s a process)."""
from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import textwrap

import duckdb
import numpy as np
import pytest

from pipeline.duck import literal, literals
from tests.conftest import CORPUS

VALUES = [None, True, False, 0, -5, 2**62, np.int64(7), 0.1, 0.011081992269863783, 1e308, 1.5e-7, 5e-324, -0.0,
          np.float32(0.5), float("nan"),
          float("inf"), float("-inf"), "", "it's", "a\x00b", "\x00", "back\\slash", "ł ż ś ideeën 日本", "$$ -- /* ? '"]


def test_every_literal_reads_back_as_its_value():
    got = duckdb.connect().execute("SELECT " + literals(VALUES)).fetchone()
    for value, back in zip(VALUES, got):
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(back)
        else:
            assert back == value, (value, back)


def test_a_value_without_a_literal_is_an_error():
    with pytest.raises(TypeError, match="no SQL literal for list"):
        literal([1, 2])


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None,
                    reason="pandas is not installed here: nothing could import it (it comes with the [ray] extra)")
def test_search_and_a_run_import_no_pandas_where_it_is_installed(embedded_store, tmp_path):
    # the commands' own processes: `kb search` on a store, then `kb run` of a small corpus with the local executor
    code = textwrap.dedent(f"""
        import sys
        from click.testing import CliRunner
        from pipeline.cli import main
        r = CliRunner().invoke(main, ["search", "Reageer snel op klachten", "--top", "3"],
                               env={{"KB_DB": {str(embedded_store)!r}}})
        assert r.exit_code == 0, r.output
        searched = "pandas" in sys.modules
        r = CliRunner().invoke(main, ["run", {str(CORPUS)!r}, "--out", {str(tmp_path / "out")!r}, "--no-embed",
                                      "--workers", "1", "--quiet"])
        assert r.exit_code == 0, r.output
        print(searched, "pandas" in sys.modules)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "False"]
