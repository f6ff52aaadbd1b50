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
from pipeline.search import fuse, lexical_query, query_language
from pipeline.stages import embed
from tests.conftest import CORPUS

@pytest.fixture(scope="module")
def store(embedded_run, embedded_corpus):
    db, result = embedded_run
    again = run(embedded_corpus, db.parent, RunSettings(), progress=False)
    assert {s.stage: s.processed for s in again.stages}["embed"] == 0   # nothing re-embedded
    assert {s.stage: s.processed for s in again.stages}["hubness"] == 0  # nor recomputed
    return db, result


def test_every_search_unit_is_embedded_unless_code_or_too_short(store):
    from pipeline.units import searchable

    db, _ = store
    settings = embed.Settings()
    least = {"passage": settings.min_passage_chars, "sentence": settings.min_sentence_chars,
             "heading": settings.min_heading_chars}
    with KnowledgeStore(db) as ks:
        missing = ks.sql("SELECT u.kind, u.text FROM search_units u LEFT JOIN embeddings e USING (key_id) "
                         "WHERE e.key_id IS NULL").to_pylist()
        assert all(searchable(r["text"], least.get(r["kind"], 1)) is None for r in missing)
        kinds = {r["kind"] for r in ks.sql("SELECT DISTINCT u.kind FROM embeddings e "
                                           "JOIN search_units u USING (key_id)").to_pylist()}
        assert kinds == {"myth", "tip", "statistic", "example", "heading", "sentence", "passage"}
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


def test_the_points_of_a_list_make_one_answer_in_the_store(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        # every unit of a list item knows its list: the block before the run of list items
        runs = ks.con.execute(
            "SELECT b.doc_id, b.block_idx, (SELECT max(o.block_idx) FROM block o WHERE o.doc_id = b.doc_id AND "
            "o.block_idx < b.block_idx AND o.kind <> 'list_item') FROM block b WHERE b.kind = 'list_item'").fetchall()
        assert len(runs) > 5
        keys = [k for (k,) in ks.con.execute("SELECT key_id FROM search_units WHERE block_idx IS NOT NULL").fetchall()]
        units = ks._searcher().units(keys)
        want = {(d, b): -1 if intro is None else intro for d, b, intro in runs}
        assert {(u.doc_id, u.block_idx): u.list_idx for u in units.values() if u.list_idx is not None} == \
            {(u.doc_id, u.block_idx): want[(u.doc_id, u.block_idx)] for u in units.values()
             if (u.doc_id, u.block_idx) in want}
        # a query about one list's statistics: one answer from that list, not one per point
        hits = ks.search("Ilu dorosłych internautów korzysta z Facebooka?", langs=["id", "nl"], top=10)
        answers_per_list = {}
        for h in hits:
            u = units.get(h.item_id) or ks._searcher().units([h.item_id])[h.item_id]
            if u.list_idx is not None:
                answers_per_list[(u.doc_id, u.list_idx)] = answers_per_list.get((u.doc_id, u.list_idx), 0) + 1
        assert answers_per_list and max(answers_per_list.values()) == 1
        narrowed = ks.search("Ilu dorosłych internautów korzysta z Facebooka?", langs=["id", "nl"],
                             kinds=["statistic"], top=10)
        assert sum("menggunakan" in h.text for h in narrowed) >= 2   # narrowed: each point on its own


def test_filters_and_bad_kind(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        hits = ks.search("pelanggan", langs=["nl"], kinds=["passage"], top=5)
        assert len(hits) == 5       # an Indonesian query still finds Dutch passages, and only those
        assert {h.lang for h in hits} == {"nl"} and {h.kind for h in hits} == {"passage"}
        tips = ks.search("Reageer snel op klachten", langs=["id"], kinds=["tip"], top=3)
        assert tips and {(h.lang, h.kind) for h in tips} == {("id", "tip")}
        with pytest.raises(StoreError, match="unknown kind"):
            ks.search("x", kinds=["recipe"])


def test_bm25_keeps_non_ascii_letters(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        s = ks._searcher()
        assert s.fts
        # the index holds the whole word; an ASCII-only tokeniser would keep "idee" and "n"
        terms = {r[0] for r in ks.con.execute("SELECT term FROM fts_main_search_text.dict").fetchall()}
        assert "ideeën" in terms and "n" not in terms
        hits = s.lexical("ideeën", s._filters(["nl"], ["passage"], None), 5)
        texts = ks.sql("SELECT key_id, text FROM search_units").to_pylist()
        text_of = {r["key_id"]: r["text"] for r in texts}
        assert hits and all("ideeën" in text_of[k].casefold() for k in hits)


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


def test_cli_many_queries_give_one_json_line_each(store, tmp_path):
    db, _ = store
    queries = tmp_path / "queries.txt"
    queries.write_text("Reageer snel op klachten\n"
                       '{"query": "Ilu dorosłych internautów korzysta z Facebooka?", "search_langs": ["id"], "top": 2}\n'
                       '{"query": "pelanggan", "kind": ["recipe"]}\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["search", "--queries", str(queries), "--db", str(db), "--top", "3"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert [line["query"] for line in lines] == ["Reageer snel op klachten",
                                                 "Ilu dorosłych internautów korzysta z Facebooka?", "pelanggan"]
    assert len(lines[0]["hits"]) == 3
    assert 0 < len(lines[1]["hits"]) <= 2 and all(h["lang"] == "id" for h in lines[1]["hits"])
    assert "unknown kind" in lines[2]["error"]      # a bad query is reported, the others still run
    assert CliRunner().invoke(main, ["search", "--db", str(db)]).exit_code != 0    # neither QUERY nor --queries


def test_rrf_fusion():
    fused = dict(fuse([["a", "b", "c"], ["c", "a"]]))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert list(dict(fuse([["a", "b", "c"], ["c", "a"]]))) == ["a", "c", "b"]


@pytest.mark.parametrize("query, langs, expected", [
    # across languages BM25 hears only names, not bare numbers
    ("Jak Burger King śledził nowe lokale McDonald's w 2012 roku?", ["id", "nl"], "Burger King McDonald"),
    ("Ile kosztuje reklama 4G w 2024?", ["id"], "4G"),
    ("Reageer snel op vragen en klachten van klanten", ["id", "pl"], ""),
    ("Wat deed KitchenAid na die tweet?", ["id"], "KitchenAid"),
    # in the query's own language, or with no language filter, the whole query
    ("Reageer snel op vragen en klachten van klanten", ["nl", "id"], "Reageer snel op vragen en klachten van klanten"),
    ("Jangan abaikan keluhan pelanggan", None, "Jangan abaikan keluhan pelanggan"),
])
def test_lexical_query(query, langs, expected):
    assert lexical_query(query, langs) == expected


def test_query_language_of_short_queries():
    assert query_language("Gebruik humor, maar met smaak") == "nl"      # py3langid alone says Afrikaans
    assert query_language("Mulailah dengan karyawan Anda sendiri") == "id"
    assert query_language("Ilu dorosłych internautów korzysta z Facebooka?") == "pl"


def test_rrf_ties_go_to_the_first_ranking():
    # a pair the two rankings swap scores the same: the main model's order decides, not the key
    assert [k for k, _ in fuse([["z", "a"], ["a", "z"]])] == ["z", "a"]
    assert [k for k, _ in fuse([["a", "z"], ["z", "a"]])] == ["a", "z"]


def test_search_vectors_average_item_and_context():
    item = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    context = [np.array([[0.0, 2.0], [0.0, 4.0]], dtype=np.float32), None]   # no context: the item alone
    out = embed.search_vectors(item, context, weight=0.5)
    assert out.tolist() == [[0.5, 0.5], [0.0, 1.0]]


def test_context_of_heading_and_sentence_items(built_store):
    with KnowledgeStore(built_store) as ks:
        items = ks.sql("SELECT item_id, doc_id, block_idx, text FROM item")
        blocks = ks.sql("SELECT doc_id, block_idx, kind, text FROM block ORDER BY doc_id DESC, block_idx DESC")
    context = embed.context_blocks(items, blocks)
    text_of = dict(zip(items.column("item_id").to_pylist(), items.column("text").to_pylist()))
    block_text = blocks.column("text").to_pylist()

    def context_of(prefix: str) -> list[str]:
        item_id = next(k for k, t in text_of.items() if t.startswith(prefix))
        return [block_text[i] for i in context[item_id]]

    # a heading tip: the body of its section, in order, up to the next heading
    humor = context_of("Żart w dobrym guście")
    assert any("Humor może być świetnym sposobem" in t for t in humor)
    assert not any(t.startswith("Pomysłowość") for t in humor)
    # a sentence in a list item: the whole list, in order, and the paragraph that introduces it
    in_list = context_of("89% konsumen mulai melakukan bisnis")
    assert len(in_list) > 2 and any(t.startswith("89% konsumen") for t in in_list)
    kinds = dict(zip(zip(blocks.column("doc_id").to_pylist(), blocks.column("block_idx").to_pylist()),
                     blocks.column("kind").to_pylist()))
    assert [kinds.get((d, b)) for d, b in _blocks_of(blocks, in_list)][1:] == ["list_item"] * (len(in_list) - 1)
    # a sentence inside a paragraph: that paragraph
    in_paragraph = next(r for r in items.to_pylist() if kinds[(r["doc_id"], r["block_idx"])] == "paragraph")
    [paragraph] = [block_text[i] for i in context[in_paragraph["item_id"]]]
    assert in_paragraph["text"][:20] in paragraph
    # without list context a list item is its own context
    alone = embed.context_blocks(items, blocks, lists=False)
    item_id = next(k for k, t in text_of.items() if t.startswith("89% konsumen"))
    assert [block_text[i] for i in alone[item_id]] == [t for t in in_list if t.startswith("89% konsumen")]


def _blocks_of(blocks, texts: list[str]) -> list[tuple[str, int]]:
    rows = blocks.to_pylist()
    return [next((r["doc_id"], r["block_idx"]) for r in rows if r["text"] == t) for t in texts]


def test_context_lifts_a_heading_whose_meaning_is_in_its_body(store):
    # The myth "Putri Remaja Saya Dapat Menjalankan Kampanye Media Sosial Saya" (my teenage daughter can
    # run my campaign) says nothing of strategy or metrics; the paragraphs under it do.
    db, _ = store
    query = "Iemand moet de strategie bepalen en de resultaten meten"
    target = "Putri Remaja Saya"
    with KnowledgeStore(db) as ks:
        ranked = ks.search(query, langs=["id"], kinds=["myth"], top=5)
        q = ks._searcher().embedder().encode_queries([query])[0].tolist()
        sims = ks.sql(f"SELECT array_inner_product(e.vector, {q}::FLOAT[384]) AS item, "
                      f"array_inner_product(e.search_vector, {q}::FLOAT[384]) AS with_context "
                      f"FROM embedding e JOIN search_units u USING (key_id) "
                      f"WHERE u.kind = 'myth' AND u.text LIKE '{target}%'").to_pylist()[0]
    assert sims["with_context"] > sims["item"] + 0.01    # the section body is nearer the query than the heading
    assert ranked[0].text.startswith(target)


def test_hubness_is_a_row_per_embedding_and_model(store):
    db, _ = store
    with KnowledgeStore(db) as ks:
        counts = ks.sql("SELECT (SELECT count(*) FROM embedding) + (SELECT count(*) FROM embedding_aux) AS rows, "
                        "(SELECT count(*) FROM hubness) AS hub, "
                        "(SELECT count(*) FROM hubness h JOIN embedding e USING (key_id, model_id)) AS joined, "
                        "(SELECT min(hubness) FROM hubness) AS lo, (SELECT max(hubness) FROM hubness) AS hi"
                        ).to_pylist()[0]
    assert counts["rows"] == counts["hub"] > 0
    assert counts["joined"] == ks_rows(db, "embedding")
    assert -1.0 <= counts["lo"] < counts["hi"] <= 1.0         # means of cosines


def ks_rows(db, table: str) -> int:
    with KnowledgeStore(db) as ks:
        return ks.sql(f"SELECT count(*) AS n FROM {table}").to_pylist()[0]["n"]


def test_hubness_scores_the_text_near_everything_highest():
    import pyarrow as pa

    from pipeline.stages import hubness

    rng = np.random.default_rng(1)
    direction = rng.normal(size=8)
    others = direction + 0.6 * rng.normal(size=(30, 8))          # one language: a cluster
    mine = np.vstack([direction, rng.normal(size=(3, 8))])      # the other: its centre and three strays
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    vectors = mine / np.linalg.norm(mine, axis=1, keepdims=True)
    rows = pa.table({
        "key_id": [f"k{i}" for i in range(len(vectors) + len(others))],
        "key_kind": ["item"] * (len(vectors) + len(others)),
        "doc_id": ["a"] * len(vectors) + ["b"] * len(others),
        "model_id": ["m"] * (len(vectors) + len(others)),
        "vector": np.vstack([vectors, others]).tolist(),
        "search_vector": np.vstack([vectors, others]).tolist(),
    })
    langs = pa.table({"doc_id": ["a", "b"], "lang": ["pl", "id"]})
    hub = hubness.run(rows, langs, hubness.Settings(k=5))["hubness"].column("hubness").to_pylist()
    assert hub[0] == max(hub[:4])                       # the centroid is close to everything

    # against brute force: each row's 5 nearest among the other language's items, or, in a corpus of
    # one language, among all items but itself
    every = np.vstack([vectors, others])
    sims = every @ every.T
    doc = np.array(["a"] * len(vectors) + ["b"] * len(others))
    across = [np.sort(sims[i, doc != doc[i]])[-5:].mean() for i in range(len(every))]
    np.testing.assert_allclose(hub, across, atol=1e-5)
    one_language = pa.table({"doc_id": ["a", "b"], "lang": ["pl", "pl"]})
    alone = hubness.run(rows, one_language, hubness.Settings(k=5))["hubness"].column("hubness").to_pylist()
    others_only = [np.sort(np.delete(sims[i], i))[-5:].mean() for i in range(len(every))]
    np.testing.assert_allclose(alone, others_only, atol=1e-5)


def test_hubness_uses_the_other_languages_even_when_few():
    import pyarrow as pa

    from pipeline.stages import hubness

    rng = np.random.default_rng(2)
    v = rng.normal(size=(12, 6))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    rows = pa.table({"key_id": [f"k{i}" for i in range(12)], "key_kind": ["item"] * 12,
                     "doc_id": ["a"] * 10 + ["b"] * 2, "model_id": ["m"] * 12,
                     "vector": v.tolist(), "search_vector": v.tolist()})
    langs = pa.table({"doc_id": ["a", "b"], "lang": ["id", "pl"]})
    hub = hubness.run(rows, langs, hubness.Settings(k=10))["hubness"].column("hubness").to_numpy()
    # ten Indonesian rows against the two Polish ones (k shrinks to 2), not against each other
    np.testing.assert_allclose(hub[:10], (v[:10] @ v[10:].T).mean(axis=1), atol=1e-5)


def test_incremental_hubness_equals_a_full_recomputation():
    import pyarrow as pa

    from pipeline.stages import hubness

    rng = np.random.default_rng(3)

    def table(n0: int, n: int, changed: set[int] = frozenset()):
        rows = list(range(n0, n))
        v = np.random.default_rng(7).normal(size=(400, 8))[rows]
        v[[i for i, r in enumerate(rows) if r in changed]] += 0.3
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return pa.table({"key_id": [f"k{r}" for r in rows], "key_kind": ["item" if r % 4 else "passage" for r in rows],
                         "doc_id": [f"d{r % 3}" for r in rows], "model_id": ["m"] * len(rows),
                         "vector": v.tolist(), "search_vector": (v * 0.9).tolist()})

    langs = pa.table({"doc_id": ["d0", "d1", "d2"], "lang": ["id", "pl", "nl"]})
    settings = hubness.Settings(k=5)
    first = hubness.run(table(0, 300), langs, settings)
    # 40 rows gone, 60 new, one vector changed: the incremental run recomputes only what it must ...
    after = table(40, 400, changed={100})
    incremental = hubness.run(after, langs, settings, previous=first["neighbours"])
    full = hubness.run(after, langs, settings)
    # ... and agrees with recomputing everything
    np.testing.assert_allclose(incremental["hubness"].column("hubness").to_numpy(),
                               full["hubness"].column("hubness").to_numpy(), atol=1e-6)
    assert incremental["neighbours"].column("neighbours").to_pylist() == \
        full["neighbours"].column("neighbours").to_pylist()
    del rng


def test_hubness_through_the_ivf_index_is_close_to_exact():
    import pyarrow as pa

    from pipeline.stages import hubness

    rng = np.random.default_rng(4)
    centres = rng.normal(size=(30, 16))
    v = centres[rng.integers(0, 30, 6000)] + 0.7 * rng.normal(size=(6000, 16))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    rows = pa.table({"key_id": [f"k{i}" for i in range(6000)], "key_kind": ["item"] * 6000,
                     "doc_id": [f"d{i % 3}" for i in range(6000)], "model_id": ["m"] * 6000,
                     "vector": v.tolist(), "search_vector": v.tolist()})
    langs = pa.table({"doc_id": ["d0", "d1", "d2"], "lang": ["id", "pl", "nl"]})
    exact = hubness.run(rows, langs, hubness.Settings())["hubness"].column("hubness").to_numpy()
    ann = hubness.run(rows, langs, hubness.Settings(exact_max=500))["hubness"].column("hubness").to_numpy()
    assert np.all(ann <= exact + 1e-5)                     # a missed neighbour can only lower the mean
    assert np.abs(ann - exact).mean() < 0.01


def test_hubness_follows_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_1ca32d8ebe30806b.txt", "004_f75b7cb515c6bb61.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    out = tmp_path / "out"
    settings = RunSettings(aux_model=False)
    run(corpus, out, settings, progress=False)

    def hubness_rows() -> dict:
        with KnowledgeStore(out / "knowledge.duckdb") as ks:
            return {r["key_id"]: r["hubness"] for r in ks.sql("SELECT key_id, hubness FROM hubness").to_pylist()}

    before = hubness_rows()
    (corpus / "000_1ca32d8ebe30806b.txt").unlink()
    result = run(corpus, out, settings, progress=False)
    assert {s.stage: s.processed for s in result.stages}["hubness"] == 1
    after = hubness_rows()
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        kept = {r["key_id"] for r in ks.sql("SELECT key_id FROM embedding").to_pylist()}
    assert set(after) == kept and len(after) < len(before)   # one model, the deleted article's rows gone
    # alone in the store, the Dutch rows now fall back to each other: the values change
    assert any(abs(after[k] - before[k]) > 1e-4 for k in after)


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

    items = pa.table({"item_id": ["i1", "i2"], "doc_id": ["d", "d"], "block_idx": [0, 0],
                      "text": ["Jangan menyerah.", "Jangan menyerah."]})
    blocks = pa.table({"doc_id": ["d"], "block_idx": [0], "kind": ["paragraph"],
                       "text": ["Pastikan Anda menjawab setiap pertanyaan pelanggan dalam sehari."]})
    fake = _CountingEmbedder()
    cache = embed.VectorCache(tmp_path, fake.model_id)
    out = embed.run(items, blocks, fake, cache)["embeddings"]
    assert out.num_rows == 3 and len(fake.encoded) == 2      # the repeated text once
    cache.save()
    again = embed.run(items, blocks, fake, embed.VectorCache(tmp_path, fake.model_id))["embeddings"]
    assert again.num_rows == 3 and len(fake.encoded) == 2    # nothing re-encoded


def test_vector_index_gives_the_exact_answers_on_the_store(store):
    # the faiss index beside the store against exact search in SQL, filters included
    db, _ = store
    with KnowledgeStore(db) as ks:
        s = ks._searcher()
        assert s.vector_index() is not None
        for langs, kinds in ((["id"], ["passage"]), (["pl", "nl"], None), (None, ["tip", "myth"])):
            scope = s.scope(langs, kinds, None)
            where = scope.sql()
            for query in ("Ilu dorosłych internautów korzysta z Facebooka?", "Reageer snel op klachten"):
                for aux, embedder in ((False, s.embedder()), (True, s.aux_embedder())):
                    q = embedder.encode_queries([query])[0]
                    approx, exact = s.dense(q, scope, limit=10, aux=aux), s.dense(q, where, limit=10, aux=aux)
                    # the same ranking, up to the order of scores equal in float32
                    np.testing.assert_allclose(_scores(ks, approx, q, aux), _scores(ks, exact, q, aux), atol=2e-6)
                    assert len(set(approx) ^ set(exact)) <= 2


def _scores(ks, keys: list[str], q: np.ndarray, aux: bool) -> list[float]:
    from pipeline.search import HUBNESS_WEIGHT

    table = "embedding_aux" if aux else "embedding"
    rows = {r["key_id"]: r for r in ks.sql(
        f"SELECT e.key_id, e.search_vector, coalesce(h.hubness, 0) AS hubness FROM {table} e LEFT JOIN hubness h "
        f"USING (key_id, model_id)").to_pylist()}
    return [float(np.dot(q, rows[k]["search_vector"])) - HUBNESS_WEIGHT * rows[k]["hubness"] for k in keys]


def test_search_on_a_store_from_an_older_version_says_rebuild(store, tmp_path):
    import duckdb

    db, _ = store
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DELETE FROM schema_version WHERE version >= 5")
    with KnowledgeStore(old) as ks, pytest.raises(StoreError, match="older version.*rebuild"):
        ks.search("pelanggan")
