"""The cluster stage: a pure function over items, their search vectors and hubness."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from pipeline import KnowledgeStore
from pipeline.runner import RunSettings, run
from pipeline.stages import cluster

DIM = 8


def _unit(v) -> list[float]:
    v = np.asarray(v, dtype=np.float32)
    return (v / np.linalg.norm(v)).tolist()


def _tables(rows: list[dict], hub: dict[str, float] | None = None):
    """rows: item_id, doc_id, kind, lang, vector (+ value, unit, entity)."""
    items = pa.table({
        "item_id": [r["item_id"] for r in rows], "doc_id": [r["doc_id"] for r in rows],
        "kind": [r.get("kind", "tip") for r in rows], "lang": [r["lang"] for r in rows],
        "text": [r.get("text", "") for r in rows],
        "value": pa.array([r.get("value") for r in rows], pa.float64()),
        "unit": pa.array([r.get("unit") for r in rows], pa.string()),
        "currency": pa.array([None] * len(rows), pa.string()),
        "entity": pa.array([r.get("entity") for r in rows], pa.string())})
    emb = pa.table({"key_id": items.column("item_id"), "key_kind": ["item"] * len(rows),
                    "model_id": ["m"] * len(rows),
                    "search_vector": [_unit(r["vector"]) for r in rows]})
    hubness = pa.table({"key_id": items.column("item_id"), "model_id": ["m"] * len(rows),
                        "hubness": pa.array([(hub or {}).get(r["item_id"], 0.0) for r in rows], pa.float32())})
    return items, emb, None, hubness


def _groups(out: pa.Table) -> set[frozenset[str]]:
    by: dict[str, set] = {}
    for c, i in zip(out.column("cluster_id").to_pylist(), out.column("item_id").to_pylist()):
        by.setdefault(c, set()).add(i)
    return {frozenset(v) for v in by.values()}


def e(i: int) -> list[float]:
    v = np.zeros(DIM)
    v[i] = 1.0
    return v


def test_same_meaning_across_documents_and_languages_clusters():
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d2", "lang": "nl", "vector": e(0) + 0.1 * e(1)},
            {"item_id": "c", "doc_id": "d3", "lang": "id", "vector": e(0) + 0.1 * e(2)},
            {"item_id": "x", "doc_id": "d4", "lang": "nl", "vector": e(3)}]
    out = cluster.run(*_tables(rows), cluster.Settings(threshold=0.5))["clusters"]
    assert _groups(out) == {frozenset("abc")}
    assert out.schema == cluster.CLUSTERS
    assert all(0.5 < s <= 1.0 for s in out.column("similarity").to_pylist())


def test_never_within_one_document_nor_across_kinds():
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "c", "doc_id": "d2", "lang": "nl", "kind": "myth", "vector": e(0)}]
    assert cluster.run(*_tables(rows), cluster.Settings(threshold=0.5))["clusters"].num_rows == 0


def test_statistics_must_agree_on_value_and_unit():
    base = {"kind": "statistic", "vector": e(0), "text": "Pengguna Facebook"}
    rows = [{**base, "item_id": "a", "doc_id": "d1", "lang": "pl", "value": 66.0, "unit": "percent"},
            {**base, "item_id": "b", "doc_id": "d2", "lang": "id", "value": 66.0, "unit": "percent"},
            {**base, "item_id": "c", "doc_id": "d3", "lang": "nl", "value": 67.0, "unit": "percent"},
            {**base, "item_id": "d", "doc_id": "d4", "lang": "nl", "value": 66.0, "unit": "count"},
            {**base, "item_id": "e", "doc_id": "d5", "lang": "nl", "value": None, "unit": None}]
    out = cluster.run(*_tables(rows), cluster.Settings(threshold=0.5))["clusters"]
    assert _groups(out) == {frozenset("ab")}


def test_equal_numbers_about_different_things_do_not_cluster():
    """Value and unit agree, but one says TikTok and the other Facebook: a coincidence, not one claim."""
    base = {"kind": "statistic", "vector": e(0), "value": 66.0, "unit": "percent"}
    rows = [{**base, "item_id": "a", "doc_id": "d1", "lang": "id", "text": "66% orang dewasa daring menggunakan Facebook"},
            {**base, "item_id": "b", "doc_id": "d2", "lang": "pl", "text": "66% dorosłych korzysta z Facebooka i Facebook"},
            {**base, "item_id": "c", "doc_id": "d3", "lang": "nl", "text": "66% van de jongeren zit op TikTok"},
            {**base, "item_id": "d", "doc_id": "d4", "lang": "nl", "text": "Ongeveer 66% van de mensen"}]
    out = cluster.run(*_tables(rows), cluster.Settings(threshold=0.5))["clusters"]
    assert _groups(out) == {frozenset("ab")}   # d names nothing: no evidence that it is the same claim
    assert cluster.run(*_tables(rows), cluster.Settings(threshold=0.5, anchors=False))["clusters"].num_rows == 4


def test_anchors_are_names_not_capitalised_words():
    texts = ["Anda bisa pakai TikTok", "Anda tahu", "Anda juga", "Anda lagi", "Kata Anda",
             "Ponad 60% firm używa Google Ads", "Połowa Polaków", "De meeste Nederlanders gebruiken Google"]
    langs = ["id"] * 5 + ["pl", "pl", "nl"]
    got = cluster.anchors(texts, langs)
    assert got[0] == {"tiktok"}                       # inner capital; "Anda" is in most Indonesian texts
    assert got[5] == {"google", "ads"} and got[7] == {"nederlanders", "google"}
    assert got[6] == {"polaków"} and got[1] == frozenset()   # the first word's capital says nothing


def test_both_models_must_agree_when_asked():
    """The mean score joins a with b and with c, but each model prefers a different partner."""
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d2", "lang": "nl", "vector": e(0) + 0.3 * e(1)},
            {"item_id": "c", "doc_id": "d2", "lang": "nl", "vector": e(0) + 0.6 * e(2)}]
    items, emb, _, hub = _tables(rows)
    other = emb.set_column(3, "search_vector", pa.array([_unit(e(0)), _unit(e(0) + 0.6 * e(1)),
                                                        _unit(e(0) + 0.3 * e(2))]))
    other = other.set_column(2, "model_id", pa.array(["n"] * 3))
    hub2 = pa.concat_tables([hub, hub.set_column(1, "model_id", pa.array(["n"] * 3))])
    assert cluster.run(items, emb, other, hub2, cluster.Settings(threshold=0.5))["clusters"].num_rows > 0
    assert cluster.run(items, emb, other, hub2, cluster.Settings(threshold=0.5, agree=1))["clusters"].num_rows == 0
    same = cluster.run(items, emb, emb.set_column(2, "model_id", pa.array(["n"] * 3)), hub2,
                       cluster.Settings(threshold=0.5, agree=1))["clusters"]
    assert _groups(same) == {frozenset("ab")}         # where both models agree, it holds


def test_a_threshold_per_kind():
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d2", "lang": "nl", "vector": e(0) + 0.5 * e(1)},
            {"item_id": "m", "doc_id": "d1", "lang": "pl", "kind": "myth", "vector": e(0)},
            {"item_id": "n", "doc_id": "d2", "lang": "nl", "kind": "myth", "vector": e(0) + 0.5 * e(1)}]
    settings = cluster.Settings(threshold=0.5, kind_thresholds=(("myth", 0.95),))
    assert _groups(cluster.run(*_tables(rows), settings)["clusters"]) == {frozenset("ab")}


def test_hubness_keeps_a_generic_item_out():
    """An item close to everything (high hubness) needs a closer partner than a specific one."""
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d2", "lang": "nl", "vector": e(0) + 0.2 * e(1)},
            {"item_id": "hub", "doc_id": "d3", "lang": "id", "vector": e(0) + 0.5 * e(2)}]
    settings = cluster.Settings(threshold=0.6)
    assert _groups(cluster.run(*_tables(rows), settings)["clusters"]) == {frozenset(["a", "b", "hub"])}
    out = cluster.run(*_tables(rows, hub={"hub": 0.6}), settings)["clusters"]
    assert _groups(out) == {frozenset("ab")}


def test_average_linkage_does_not_chain():
    """a~b and b~c, but a and c are unlike: single linkage would make one cluster of a chain."""
    ang = np.radians([0, 40, 80])
    rows = [{"item_id": n, "doc_id": f"d{i}", "lang": ("pl", "nl", "id")[i],
             "vector": np.cos(t) * e(0) + np.sin(t) * e(1)} for i, (n, t) in enumerate(zip("abc", ang))]
    out = cluster.run(*_tables(rows), cluster.Settings(threshold=0.7))["clusters"]   # cos 40° = 0.77, 80° = 0.17
    groups = _groups(out)
    assert len(groups) == 1 and len(next(iter(groups))) == 2


def test_several_models_average_their_scores():
    rows = [{"item_id": "a", "doc_id": "d1", "lang": "pl", "vector": e(0)},
            {"item_id": "b", "doc_id": "d2", "lang": "nl", "vector": e(0)}]
    items, emb, _, hub = _tables(rows)
    other = emb.set_column(3, "search_vector", pa.array([_unit(e(1)), _unit(e(2))]))
    other = other.set_column(2, "model_id", pa.array(["n", "n"]))
    hub2 = pa.concat_tables([hub, hub.set_column(1, "model_id", pa.array(["n", "n"]))])
    assert cluster.run(items, emb, None, hub2, cluster.Settings(threshold=0.6))["clusters"].num_rows == 2
    # the second model sees them as unrelated: the mean (0.5) falls below the threshold
    assert cluster.run(items, emb, other, hub2, cluster.Settings(threshold=0.6))["clusters"].num_rows == 0


def test_empty_inputs():
    assert cluster.run(*_tables([]))["clusters"].num_rows == 0


def test_store_has_clusters_and_summary(embedded_store):
    with KnowledgeStore(embedded_store) as ks:
        members = ks.sql("SELECT c.*, i.kind, i.doc_id FROM clusters c JOIN items i USING (item_id)").to_pylist()
        summary = ks.sql("SELECT * FROM cluster_summary").to_pylist()
        assert sum(s["size"] for s in summary) == len(members)
        for s in summary:
            rows = [m for m in members if m["cluster_id"] == s["cluster_id"]]
            assert len({m["kind"] for m in rows}) == 1 and len({m["doc_id"] for m in rows}) >= 2
            assert s["representative_text"] and s["languages"] == sorted(s["languages"])


def test_cluster_stage_is_skipped_when_nothing_changed(embedded_store, embedded_corpus):
    again = run(embedded_corpus, embedded_store.parent, RunSettings(), progress=False)
    by_stage = {s.stage: s for s in again.stages}
    assert by_stage["cluster"].processed == 0 and by_stage["cluster"].skipped == 3


def test_cluster_threshold_change_recomputes(tmp_path, embedded_store, embedded_corpus):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(embedded_store.parent, out)
    again = run(embedded_corpus, out, RunSettings(cluster=cluster.Settings(threshold=-1.0)), progress=False)
    assert {s.stage: s.processed for s in again.stages}["cluster"] == 3
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        n = ks.sql("SELECT count(*) AS n FROM clusters").to_pylist()[0]["n"]
    assert n > 0   # everything joins something at a threshold of -1


def _threshold_tool():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "tools" / "cluster_threshold.py"
    spec = importlib.util.spec_from_file_location("cluster_threshold", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_margin_and_mutual_best_matches():
    """The census of tools/cluster_threshold.py --mutual: margin = cos / mean k-NN cos, mutual best per language."""
    tool = _threshold_tool()
    vectors = np.array([_unit(e(0)), _unit(e(2)),                                  # pl: a, c
                        _unit(e(0) + 0.3 * e(1)), _unit(e(0) + 1.2 * e(2)),        # nl: b (a's equivalent), h
                        _unit(e(0) + 0.5 * e(1))], dtype=np.float32)               # nl: d, a's second choice
    lang = np.array(["pl", "pl", "nl", "nl", "nl"])
    allowed = ~np.eye(5, dtype=bool)
    margin = tool.margin_matrix(vectors, allowed, lang, k=1)
    cos = vectors @ vectors.T
    # k = 1: a's nearest nl item is b and b's nearest pl item is a, so their margin is exactly 1
    assert margin[0, 2] == pytest.approx(1.0)
    assert margin[0, 4] == pytest.approx(cos[0, 4] / ((cos[0, 2] + cos[4, 0]) / 2))
    assert tool.mutual_best(margin, allowed, lang) >= {(0, 2), (1, 3)}
    assert (0, 4) not in tool.mutual_best(margin, allowed, lang)   # d prefers a, a prefers b


def test_labelled_pairs_are_well_formed():
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parent / "fixtures" / "cluster_pairs.jsonl"
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(pairs) >= 500
    for p in pairs:
        assert p["kind"] in cluster.Settings().kinds and isinstance(p["same"], bool)
        assert all(p[s]["text"] and p[s]["lang"] in ("id", "pl", "nl") and p[s]["source_path"] for s in "ab")
    cross_same = [p for p in pairs if p["same"] and p["a"]["lang"] != p["b"]["lang"]]
    assert len(cross_same) >= 9
