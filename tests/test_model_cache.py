"""Model copies kept in the user cache (pipeline/model_cache.py): the language identifier read from its kept arrays
is py3langid's own, value for value; kept arrays are memory-mapped read-only; a cache that cannot be written, or a
damaged copy, leaves everything working (the arrays made in memory, or made and kept again)."""
import mmap

import numpy as np
import pytest

from pipeline import model_cache
from pipeline.stages import langid

_LOADED = (langid._identifier, langid._model, langid._feature_table, langid._scanner, langid._bound_table,
           langid._row_offsets32, langid._outputs32, langid._reset_byte, langid._weight_magnitudes)


def _same(a, b) -> bool:
    if isinstance(a, memoryview) or isinstance(b, memoryview):   # (a memoryview for py3langid's array.array)
        typecode = a.format if isinstance(a, memoryview) else a.typecode
        other = b.format if isinstance(b, memoryview) else b.typecode
        return np.dtype(typecode) == np.dtype(other) and a.tolist() == b.tolist()
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "typecode"):   # array.array
        return a.typecode == b.typecode and a == b
    return a == b


def _kept(cache) -> list[str]:
    """The names of what the cache folder ``cache`` keeps of py3langid (not the files' digests remembered)."""
    return sorted(p.name for p in cache.iterdir() if p.name != "digests")


def _mapped_read_only(array: np.ndarray) -> bool:
    base = array
    while isinstance(getattr(base, "base", None), np.ndarray):
        base = base.base
    return not array.flags.writeable and isinstance(base.base, mmap.mmap)


@pytest.fixture
def fresh_model():
    for loaded in _LOADED:
        loaded.cache_clear()
    yield
    for loaded in _LOADED:
        loaded.cache_clear()


_TEXTS = ("Ini adalah kalimat dalam bahasa Indonesia tentang pemasaran.",
          "To jest zdanie po polsku o marketingu małych firm.",
          "Dit is een Nederlandse zin over marketing voor kleine bedrijven.")


def test_identifier_from_the_kept_model_is_py3langids(tmp_path, monkeypatch, fresh_model):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    first = langid._identifier()                      # writes the copy
    copies = _kept(tmp_path)
    assert len(copies) == 1 and copies[0].startswith("py3langid-") and copies[0].endswith(".model")
    assert sorted(p.name for p in (tmp_path / copies[0]).iterdir()) == sorted(f"{a}.npy" for a in langid._MODEL_ARRAYS)
    langid._identifier.cache_clear()
    langid._model.cache_clear()
    cached = langid._identifier()                     # reads it
    assert all(_mapped_read_only(a) for a in langid._model().values())
    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    for ident in (first, cached):
        for slot in LanguageIdentifier.__slots__:
            assert _same(getattr(ident, slot), getattr(own, slot)), slot
    for text in _TEXTS:
        assert cached.rank(text) == own.rank(text)


def test_tables_made_from_the_model_are_kept_mapped_and_the_same(tmp_path, monkeypatch, fresh_model):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    made = langid._identifier().nb_ptc.astype(np.float32)
    bound = langid._made_bound_table("nl")
    for _ in range(2):       # made and kept, then read
        for loaded in _LOADED:
            loaded.cache_clear()
        table = langid._feature_table()
        kept = langid._bound_table("nl")
        assert _mapped_read_only(table) and _mapped_read_only(kept[0])
        assert table.tobytes() == made.tobytes()
        assert kept[0].tobytes() == bound[0].tobytes() and kept[1].tobytes() == bound[1].tobytes()
        nextmove, rowbase, output = langid._scanner()
        ident = langid._identifier()
        assert nextmove.tolist() == ident.tk_nextmove.tolist() and rowbase.tolist() == ident._rowbase
        assert output.tolist() == ident.tk_output
    names = _kept(tmp_path)
    assert [n.split(".", 3)[-1].rsplit("-", 1)[0] for n in names] == ["bound-nl", "features", "model"]
    # named by a digest of the code that makes them: this module's source
    assert names[0].endswith(langid._maker_digest()) and len(langid._maker_digest()) == 16


def test_the_identification_is_the_same_from_the_cache_and_without_one(tmp_path, monkeypatch, fresh_model):
    paragraphs = [t * 3 for t in _TEXTS] + ["Een korte regel.", ""]
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    kept = langid._identified_rows(paragraphs), langid._may_be_foreign(paragraphs, "pl", langid.Settings())
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))
    for loaded in _LOADED:
        loaded.cache_clear()
    unkept = langid._identified_rows(paragraphs), langid._may_be_foreign(paragraphs, "pl", langid.Settings())
    assert not _mapped_read_only(langid._feature_table()) and not langid._feature_table().flags.writeable
    assert kept[0].tobytes() == unkept[0].tobytes() and kept[1].tolist() == unkept[1].tolist()


def test_no_writable_cache_loads_from_the_package(tmp_path, monkeypatch, fresh_model):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    assert model_cache.unpacked(MODEL_DIR / MODEL_FILE, "py3langid", model_cache.copy_lzma, ".npz") is None
    assert langid._identifier().rank("Dit is een Nederlandse zin.")[0][0] == "nl"
    assert langid.documents_languages(["Dit is een Nederlandse zin over marketing voor kleine bedrijven. " * 3]
                                      )[0][0] == "nl"
    assert not any(a.flags.writeable for a in langid._model().values())   # as kept arrays: read-only


@pytest.mark.parametrize("damage", ["truncated", "header", "stray file", "missing array"])
def test_a_damaged_copy_is_made_again(tmp_path, monkeypatch, fresh_model, damage):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    langid._model()
    folder = tmp_path / _kept(tmp_path)[0]
    ptc = folder / "ptc.npy"
    if damage == "truncated":
        ptc.write_bytes(ptc.read_bytes()[:100_000])
    elif damage == "header":
        ptc.write_bytes(b"damaged" + ptc.read_bytes()[7:])
    elif damage == "stray file":
        (folder / "notes.txt").write_text("?")
    else:
        ptc.unlink()
    langid._model.cache_clear()
    langid._identifier.cache_clear()
    assert langid._identifier().rank("To jest zdanie po polsku.")[0][0] == "pl"
    assert all(_mapped_read_only(a) for a in langid._model().values())      # kept again, whole
    assert _kept(tmp_path) == [folder.name]                                # (nothing left aside)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{a}.npy" for a in langid._MODEL_ARRAYS)


def test_kept_arrays_are_made_once_and_read_after(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    calls = []

    def make():
        calls.append(1)
        return {"a": np.arange(10, dtype=np.int32), "b": np.zeros((0, 3)), "s": np.array(["x", "yz"])}

    first = model_cache.kept_arrays("thing-1", make)
    second = model_cache.kept_arrays("thing-1", make)
    assert len(calls) == 1
    for arrays in (first, second):
        assert arrays["a"].tolist() == list(range(10)) and arrays["b"].shape == (0, 3)
        assert arrays["s"].tolist() == ["x", "yz"]
        assert type(arrays["a"]) is np.ndarray and not arrays["a"].flags.writeable
        with pytest.raises(ValueError):
            arrays["a"][0] = 1
    # not valid: made and kept again
    third = model_cache.kept_arrays("thing-1", make, valid=lambda kept: False)
    assert len(calls) == 2 and third["a"].tolist() == list(range(10))
    assert [p.name for p in tmp_path.iterdir()] == ["thing-1"]


def test_arrays_that_cannot_be_kept_are_made_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    objects = model_cache.kept_arrays("objects", lambda: {"o": np.array([{"a": 1}], dtype=object)})
    assert objects["o"][0] == {"a": 1} and not objects["o"].flags.writeable
    assert list(tmp_path.iterdir()) == []       # (a pickle is not kept; no folder left behind)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))
    calls = []
    for _ in range(2):
        arrays = model_cache.kept_arrays("thing", lambda: calls.append(1) or {"a": np.ones(3)})
        assert arrays["a"].tolist() == [1.0, 1.0, 1.0] and not arrays["a"].flags.writeable
    assert len(calls) == 2


def test_a_files_digest_is_remembered_by_its_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights" * 1000)
    digest = model_cache._digest(model)
    assert digest == model_cache._read_digest(model)
    memos = list((tmp_path / "cache" / "digests").iterdir())
    assert len(memos) == 1 and memos[0].read_text() == digest
    assert model_cache._digest(model) == digest                 # read from the memo
    memos[0].write_text("damaged")
    assert model_cache._digest(model) == digest and memos[0].read_text() == digest   # read again, remembered again
    model.write_bytes(b"other weights" * 1000)                  # rewritten: another memo, the new digest
    assert model_cache._digest(model) == model_cache._read_digest(model) != digest
    assert len(list((tmp_path / "cache" / "digests").iterdir())) == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))     # nothing can be remembered: read each time
    assert model_cache._digest(model) == model_cache._read_digest(model)


def _keep_slowly(cache: str) -> list[int]:
    import os
    import time

    os.environ["KB_CACHE_DIR"] = cache

    def make():
        time.sleep(0.2)     # (all of them making at once)
        return {"a": np.arange(1000) * os.getpid() // os.getpid()}

    return model_cache.kept_arrays("together", make)["a"].tolist()


def test_processes_keeping_the_same_arrays_at_once_keep_one_copy(tmp_path):
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_keep_slowly, [str(tmp_path)] * 4)
    assert all(r == list(range(1000)) for r in results)
    assert [p.name for p in tmp_path.iterdir()] == ["together"]       # (no temporary folder left)
    assert [p.name for p in (tmp_path / "together").iterdir()] == ["a.npy"]


def test_other_versions_of_kept_arrays_are_removed_but_the_newest(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    for k in range(5):
        model_cache.kept_arrays(f"table-v{k}", lambda: {"a": np.arange(3)}, versions_of="table-v")
        os.utime(tmp_path / f"table-v{k}", ns=(k * 10**9, k * 10**9))   # (in the order they were made)
    model_cache.kept_arrays("other", lambda: {"a": np.arange(3)}, versions_of="other-v")
    kept = model_cache.OTHER_VERSIONS_KEPT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"] + [f"table-v{k}" for k in range(4 - kept, 5)]
