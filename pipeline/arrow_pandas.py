"""pyarrow's looks for pandas, settled in a process that has no pandas object to give it.

pyarrow imports pandas the first time it converts a Python list (``pa.array``, ``pa.table``: its Python
side asks whether the list is a pandas object) and the first time its C++ side converts between Python
and Arrow (``to_numpy``, a type inferred from Python values: it keeps pandas' null and time types, to
recognise them): ~0.2 CPU s and some 290 modules in every process that runs stages and in every pool
worker, none of which ever holds a pandas object. Each side looks once a process.
"""
from __future__ import annotations

import sys
import threading


class _NoPandasInThisThread:
    """An import finder under which this thread cannot import pandas (other threads import as usual)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path=None, target=None):
        if name == "pandas" and threading.get_ident() == self.thread:
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return None


def settle_pandas_check() -> None:
    """Have both sides of pyarrow look for pandas now, while this thread cannot import it: pyarrow then treats
    the process as one without pandas, as where pandas is not installed, and does not look again.

    Nothing the pipeline converts converts differently: lists, tuples, dicts, numpy arrays, Python numbers,
    strings and datetimes are no pandas objects whether pyarrow has pandas or not. What changes is pandas'
    own objects given to pyarrow later in the process (a ``pd.Series`` may be read as a plain sequence, ``pd.NaT``
    and ``pd.NA`` are not recognised as nulls): a process importing the stages gives it none. pyarrow's pandas
    methods (``to_pandas``, ``Table.from_pandas``) still import pandas when called. Nothing is done where
    pandas is already imported."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _NoPandasInThisThread()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([], pa.string())             # the Python side's look (is a list a pandas object?)
        pa.array([0], pa.int64()).to_numpy()  # the C++ side's (pandas' null and time types, for conversions)
    finally:
        sys.meta_path.remove(finder)
