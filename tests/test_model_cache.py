"""Unpacked model copies (pipeline/model_cache.py): the language identifier read from its unpacked copy is
py3langid's own, value for value, and a cache that cannot be written or read falls back to py3langid."""
import numpy as np
import pytest

from pipeline import model_cache
from pipeline.stages import langid


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "typecode"):   # array.array
        return a.typecode == b.typecode and a == b
    return a == b


@pytest.fixture
def fresh_identifier():
    langid._identifier.cache_clear()
    yield
    langid._identifier.cache_clear()


def test_identifier_from_the_unpacked_copy_is_py3langids(tmp_path, monkeypatch, fresh_identifier):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    first = langid._identifier()                      # writes the copy
    copies = list(tmp_path.iterdir())
    assert len(copies) == 1 and copies[0].name.startswith("py3langid-") and copies[0].suffix == ".npz"
    langid._identifier.cache_clear()
    cached = langid._identifier()                     # reads it
    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    for ident in (first, cached):
        for slot in LanguageIdentifier.__slots__:
            assert _same(getattr(ident, slot), getattr(own, slot)), slot
    for text in ("Ini adalah kalimat dalam bahasa Indonesia tentang pemasaran.",
                 "To jest zdanie po polsku o marketingu małych firm.",
                 "Dit is een Nederlandse zin over marketing voor kleine bedrijven."):
        assert cached.rank(text) == own.rank(text)


def test_no_writable_cache_loads_from_the_package(tmp_path, monkeypatch, fresh_identifier):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    assert model_cache.unpacked(MODEL_DIR / MODEL_FILE, "py3langid", model_cache.copy_lzma, ".npz") is None
    assert langid._identifier().rank("Dit is een Nederlandse zin.")[0][0] == "nl"


def test_a_damaged_copy_is_not_used(tmp_path, monkeypatch, fresh_identifier):
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    path = model_cache.unpacked(MODEL_DIR / MODEL_FILE, "py3langid", model_cache.copy_lzma, ".npz")
    path.write_bytes(path.read_bytes()[:1000])        # truncated
    assert langid._unpacked_model(MODEL_DIR / MODEL_FILE) is None
    assert langid._identifier().rank("To jest zdanie po polsku.")[0][0] == "pl"
