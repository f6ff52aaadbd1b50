"""What a pool worker loads once (issue 8: each worker pays it): the same results, less loaded."""
from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _needs_pandas() -> None:
    # pandas is no dependency of the pipeline: it comes with the [ray] extra (which .ci/run installs)
    pytest.importorskip("pandas", reason="pandas is not installed here")


def test_stages_convert_lists_without_importing_pandas():
    out = _run("""
        import sys
        from pipeline.pool import init_worker
        init_worker()
        import pyarrow as pa
        a = pa.array(["x", None], pa.string())
        t = pa.table({"k": a, "n": pa.array([1, 2], pa.int64()), "l": pa.array([["a"], []], pa.list_(pa.string()))})
        flags = pa.chunked_array([pa.array([True, None])]).fill_null(False).to_numpy(zero_copy_only=False)
        assert pa.default_memory_pool().backend_name == "system"   # (use_system_arrow_pool)
        print("pandas" in sys.modules, t.column("k").to_pylist(), t.column("l").to_pylist(), flags.tolist(),
              pa.scalar("ok").type, pa.array([1.5, None]).to_numpy(zero_copy_only=False).tolist())
    """)
    assert out.split() == ["False", "['x',", "None]", "[['a'],", "[]]", "[True,", "False]", "string", "[1.5,", "nan]"]


def test_pandas_still_works_after_the_settled_check():
    _needs_pandas()
    out = _run("""
        import threading
        from pipeline.pool import init_worker
        init_worker()
        import pyarrow as pa
        imported = []
        th = threading.Thread(target=lambda: imported.append(__import__("pandas").__name__))
        th.start(); th.join()
        import pandas as pd
        t = pa.table({"a": pa.array([1, 2], pa.int64())})
        print(imported, t.to_pandas()["a"].tolist(), pa.Table.from_pandas(pd.DataFrame({"a": [3]})).column("a").to_pylist(),
              pa.array(pd.Series([1.5])).type)
    """)
    assert out.strip() == "['pandas'] [1, 2] [3] double"


def test_the_check_settles_only_where_pandas_is_not_imported():
    _needs_pandas()
    out = _run("""
        import sys
        import pandas
        from pipeline.arrow_pandas import settle_pandas_check
        settle_pandas_check()
        import pyarrow as pa
        print(pa.array(pandas.Series([1, 2])).to_pylist(), sys.meta_path[0].__class__.__name__ != "_NoPandasInThisThread")
    """)
    assert out.strip() == "[1, 2] True"


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the allocator's settings are glibc's")
def test_a_run_process_keeps_freed_memory_for_its_next_arrays():
    # the allocator's settings take; numpy's temporaries still work after
    out = _run("""
        import numpy as np
        from pipeline.pool import tune_allocator
        ok = tune_allocator()
        a = np.ones(3_000_000); b = (a * 2).sum(); del a
        print(ok, b)
    """)
    assert out.split() == ["True", "6000000.0"]
