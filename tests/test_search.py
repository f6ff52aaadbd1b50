"""Embedding and search on a small real store (real model, a few documents)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline import KnowledgeStore
from pipeline.api import StoreError
from pipeline.cli import main
from pipeline.runner import RunSettings, run
from pipeline.search import fuse
from pipeline.stages import embed
from tests.conftest import CORPUS

DOCS = ("001_5ab8a955fe3c4605.txt", "003_fff0f364815d226c.txt", "004_f75b7cb515c6bb61.txt")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    for name in DOCS:
        shutil.copy(CORPUS / name, corpus / name)
    out = tmp_path_factory.mktemp("out")
    result = run(corpus, out, RunSettings(), progress=False)
    again = run(corpus, out, RunSettings(), progress=False)
    assert {s.stage: s.processed for s in again.stages}["embed"] == 0   # nothing re-embedded
    return out / "knowledge.duckdb", result


def test_every_item_and_passage_is_embedded(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        missing = ks.sql("SELECT count(*) AS n FROM search_units u LEFT JOIN embeddings e USING (key_id) "
                         "WHERE e.key_id IS NULL AND (u.kind <> 'passage' OR length(u.text) >= 40)").to_pylist()
        assert missing == [{"n": 0}]
        dims = ks.sql("SELECT DISTINCT dim, model_id FROM embeddings").to_pylist()
    assert len(dims) == 1 and dims[0]["dim"] == 384 and dims[0]["model_id"].startswith("multilingual-e5-small@")


def test_cross_language_search_finds_the_statistic(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        hits = ks.search("Ilu dorosłych internautów korzysta z Facebooka?", langs=["id", "nl"],
                         kinds=["statistic", "passage"], top=5)
    assert hits and all(h.lang in ("id", "nl") for h in hits)
    assert any("66" in h.text and "Facebook" in h.text for h in hits[:3])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filters_and_bad_kind(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        hits = ks.search("pelanggan", langs=["nl"], kinds=["passage"], top=5)
        assert {h.lang for h in hits} <= {"nl"} and {h.kind for h in hits} <= {"passage"}
        with pytest.raises(StoreError, match="unknown kind"):
            ks.search("x", kinds=["recipe"])


def test_bm25_keeps_non_ascii_letters(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        s = ks._searcher()
        assert s.fts
        where, params = s._filters(None, ["passage"], None)
        assert s.lexical("Ellende", where, params, 5)                       # plain ASCII term
        where, params = s._filters(["nl"], ["passage"], None)
        hits = s.lexical("uitgeschakeld", where, params, 5)
        assert hits


def test_related_returns_other_languages(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        key = ks.sql("SELECT key_id FROM embeddings e JOIN search_units u USING (key_id) "
                     "WHERE u.lang = 'nl' LIMIT 1").to_pylist()[0]["key_id"]
        hits = ks.related(key, top=3)
    assert hits and all(h.lang != "nl" for h in hits)


def test_cli_search_json_contract(store):
    db, _ = store
    res = CliRunner().invoke(main, ["search", "Reageer snel op klachten van klanten", "--lang", "id",
                                    "--top", "3", "--json", "--db", str(db), "--kind", "passage"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)
    assert 0 < len(hits) <= 3
    for h in hits:
        assert {"item_id", "kind", "lang", "text", "doc_id", "source_path", "title", "score"} <= set(h)
        assert h["lang"] == "id"


def test_rrf_fusion():
    fused = dict(fuse([["a", "b", "c"], ["c", "a"]]))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert list(dict(fuse([["a", "b", "c"], ["c", "a"]]))) == ["a", "c", "b"]


class _CountingEmbedder:
    """A deterministic stand-in model, to test the cache logic without the cost of a real one."""
    model_id, dim = "counting-test", 4

    def __init__(self):
        self.encoded: list[str] = []

    def encode_passages(self, texts):
        self.encoded += texts
        return np.ones((len(texts), 4), dtype=np.float32) / 2


def test_vector_cache_encodes_each_text_once(tmp_path):
    import pyarrow as pa

    items = pa.table({"item_id": ["i1", "i2"], "doc_id": ["d", "d"], "text": ["Jangan menyerah.", "Jangan menyerah."]})
    blocks = pa.table({"doc_id": ["d"], "block_idx": [0], "kind": ["paragraph"],
                       "text": ["Pastikan Anda menjawab setiap pertanyaan pelanggan dalam sehari."]})
    fake = _CountingEmbedder()
    cache = embed.VectorCache(tmp_path, fake.model_id)
    out = embed.run(items, blocks, fake, cache)["embeddings"]
    assert out.num_rows == 3 and len(fake.encoded) == 2      # the repeated text once
    cache.save()
    again = embed.run(items, blocks, fake, embed.VectorCache(tmp_path, fake.model_id))["embeddings"]
    assert again.num_rows == 3 and len(fake.encoded) == 2    # nothing re-encoded


def test_hnsw_index_gives_the_exact_answers_on_a_small_store(store, tmp_path):
    import duckdb

    from pipeline import store as store_mod

    db, _ = store
    copy = tmp_path / "hnsw.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    assert store_mod.build_indexes(con, hnsw_min_rows=0)["hnsw"]
    con.close()
    query = "Ilu dorosłych internautów korzysta z Facebooka?"
    with KnowledgeStore(db) as exact, KnowledgeStore(copy) as approx:
        assert approx._searcher().hnsw and not exact._searcher().hnsw
        a = [h.item_id for h in approx.search(query, langs=["id"], kinds=["passage"], top=3)]
        e = [h.item_id for h in exact.search(query, langs=["id"], kinds=["passage"], top=3)]
    assert a == e
