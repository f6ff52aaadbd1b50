"""The faiss vector index beside the store (pipeline/index.py): exact filters, updates in place,
consistency with the store. Synthetic stores of clustered vectors; the real-store check is in
test_search.py."""
from __future__ import annotations

import os

import duckdb
import numpy as np
import pytest

from pipeline import index, store
from pipeline.search import HUBNESS_WEIGHT

LANGS = ("id", "pl", "nl")
KINDS = ("tip", "myth", "statistic")
DIM = 16


def _rows(n: int, seed: int, start: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(12, DIM))
    v = centres[rng.integers(0, 12, n)] + 0.5 * rng.normal(size=(n, DIM))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return {"key": [f"k{start + i}" for i in range(n)], "vec": v.astype(np.float32),
            "hub": rng.uniform(0.2, 0.6, n).astype(np.float32),
            "lang": [LANGS[(start + i) % 3] for i in range(n)], "kind": [KINDS[(start + i) // 3 % 3] for i in range(n)]}


def _insert(con, rows: dict) -> None:
    import pyarrow as pa

    keys = rows["key"]
    docs = [f"d-{k}" for k in keys]
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(rows["vec"].ravel()), DIM)
    t = pa.table({"key": keys, "doc": docs, "lang": rows["lang"], "kind": rows["kind"], "vec": vectors,
                  "hub": rows["hub"]})
    con.register("_rows", t)
    con.execute("INSERT INTO doc_source (doc_id, source_path, content_hash, source_format, raw_text) "
                "SELECT doc, doc || '.txt', doc, 'text', '' FROM _rows")
    con.execute("INSERT INTO doc_language SELECT doc, lang, 1.0 FROM _rows")
    con.execute("INSERT INTO item (item_id, doc_id, kind, lang, text, start_char, end_char, extractor) "
                "SELECT key, doc, kind, lang, key, 0, 0, 'synthetic' FROM _rows")
    con.execute(f"INSERT INTO embedding SELECT key, 'item', doc, 'synthetic', '', {DIM}, vec, vec FROM _rows")
    con.execute("INSERT INTO search_unit SELECT * FROM search_unit_source WHERE key_id IN (SELECT key FROM _rows)")
    con.execute("INSERT INTO hubness SELECT key, 'synthetic', hub FROM _rows")
    con.unregister("_rows")


def _delete(con, keys: list[str]) -> None:
    listed = ", ".join(f"'{k}'" for k in keys)
    for table, col in (("hubness", "key_id"), ("embedding", "key_id"), ("item", "item_id"),
                       ("search_unit", "key_id")):
        con.execute(f"DELETE FROM {table} WHERE {col} IN ({listed})")


@pytest.fixture()
def synthetic(tmp_path):
    db = tmp_path / "knowledge.duckdb"
    con = store.connect_new(db)
    store.migrate(con, DIM)
    rows = _rows(3000, seed=1)
    con.execute("BEGIN")
    _insert(con, rows)
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    return db, con, rows, report


def _exact(con, q: np.ndarray, langs, kinds, k: int) -> list[str]:
    t = con.execute("SELECT e.key_id, e.search_vector, h.hubness, i.lang, i.kind FROM embedding e "
                    "JOIN hubness h USING (key_id) JOIN item i ON i.item_id = e.key_id").fetchall()
    scored = [(float(np.dot(q, v)) - HUBNESS_WEIGHT * h, key) for key, v, h, lang, kind in t
              if (langs is None or lang in langs) and kind in kinds]
    return [key for _, key in sorted(scored, key=lambda sk: (-sk[0], sk[1]))[:k]]


def test_filtered_search_is_exact(synthetic):
    db, con, rows, report = synthetic
    assert report.shards_rebuilt == 9 and report.rows == 3000
    vi = index.open_index(con, db)
    assert {m["type"] for m in vi.manifest["shards"].values()} == {"ivf"}      # 333 rows a shard > 200
    rng = np.random.default_rng(5)
    for langs, kinds in ((None, KINDS), (["pl"], ["myth"]), (["id", "nl"], ["tip", "statistic"])):
        for q in rows["vec"][rng.integers(0, 3000, 5)]:
            exact = _exact(con, q, langs, kinds, 10)
            # probing every list: the index's answer is the exact one, filters included
            found = vi.search("synthetic", q, HUBNESS_WEIGHT, langs, kinds, 10, nprobe=10_000)
            assert [k for k, _ in found] == exact
            # the default nprobe: approximate, but never outside the filters
            approx = vi.search("synthetic", q, HUBNESS_WEIGHT, langs, kinds, 10)
            kept = {k for k, lang, kind in zip(rows["key"], rows["lang"], rows["kind"])
                    if (langs is None or lang in langs) and kind in kinds}
            assert {k for k, _ in approx} <= kept and len(set(k for k, _ in approx) & set(exact)) >= 7


def test_update_in_place_adds_and_removes_only_the_difference(synthetic):
    db, con, rows, first = synthetic
    old = index.open_index(con, db)
    gone = [k for k, lang, kind in zip(rows["key"], rows["lang"], rows["kind"]) if lang == "pl"][:50]
    new = _rows(60, seed=2, start=10_000)
    new["lang"] = ["pl"] * 60                      # only the Polish shards change
    con.execute("BEGIN")
    _delete(con, gone)
    _insert(con, new)
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    assert (report.added, report.removed) == (60, 50)
    assert report.shards_rebuilt == 0 and report.shards_updated == 3 and report.shards_kept == 6
    vi = index.open_index(con, db)
    assert vi.generation != old.generation
    name = index.shard_name("synthetic", "id", "tip")
    # an unchanged shard is the same file, hard-linked into the new generation
    assert os.path.samefile(vi.folder / f"{name}.ivf", old.folder / f"{name}.ivf")
    q = new["vec"][0]
    found = [k for k, _ in vi.search("synthetic", q, HUBNESS_WEIGHT, ["pl"], KINDS, 10, nprobe=10_000)]
    assert found == _exact(con, q, ["pl"], KINDS, 10) and set(new["key"]) & set(found)
    assert not set(gone) & {k for k, _ in vi.search("synthetic", rows["vec"][0], HUBNESS_WEIGHT, None, KINDS,
                                                     3000, nprobe=10_000)}


def test_a_changed_vector_is_replaced(synthetic):
    db, con, rows, _ = synthetic
    key = rows["key"][7]
    con.execute("BEGIN")
    con.execute("UPDATE hubness SET hubness = 0.9 WHERE key_id = ?", [key])
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    assert (report.added, report.removed, report.shards_updated) == (1, 1, 1)
    vi = index.open_index(con, db)
    score = dict(vi.search("synthetic", rows["vec"][7], HUBNESS_WEIGHT, [rows["lang"][7]], [rows["kind"][7]], 1000,
                           nprobe=10_000))[key]
    assert score == pytest.approx(float(rows["vec"][7] @ rows["vec"][7]) - HUBNESS_WEIGHT * 0.9, abs=1e-5)


def test_a_run_killed_before_commit_leaves_store_and_index_at_the_old_state(synthetic):
    db, con, rows, _ = synthetic
    before = index.open_index(con, db)
    con.execute("BEGIN")
    _delete(con, rows["key"][:100])
    index.sync(con, db, flat_max=200)            # the new generation is written ...
    con.execute("ROLLBACK")                      # ... but the store never commits
    after = index.open_index(con, db, repair=False)
    assert after is not None and after.generation == before.generation
    q = rows["vec"][0]
    assert [k for k, _ in after.search("synthetic", q, HUBNESS_WEIGHT, None, KINDS, 10, nprobe=10_000)] == \
        _exact(con, q, None, KINDS, 10)


def test_a_missing_or_mismatched_index_is_detected_and_rebuilt(synthetic):
    import shutil

    db, con, rows, _ = synthetic
    con.close()
    shutil.rmtree(index.index_dir(db))
    ro = duckdb.connect(str(db), read_only=True)
    assert index.open_index(ro, db, repair=False) is None           # detected
    vi = index.open_index(ro, db)                                     # repaired from the store
    assert vi is not None and sum(m["rows"] for m in vi.manifest["shards"].values()) == 3000
    ro.close()
    # a store changed behind the index's back (same token, other rows) no longer matches
    con = duckdb.connect(str(db))
    _delete(con, rows["key"][:3])
    assert index.open_index(con, db, repair=False) is None
    assert index.open_index(con, db).manifest["tables"]["embedding"] == 2997
    con.close()


def test_stable_ids_do_not_depend_on_order():
    keys = ["a", "b", "doc:3", "é"]
    ids = index.stable_ids(keys)
    assert (ids >= 0).all() and len(set(ids.tolist())) == 4
    assert index.stable_ids(keys[::-1]).tolist() == ids[::-1].tolist()
    # the ids sync reads from DuckDB are the same
    con = duckdb.connect()
    sql = index.STABLE_ID_SQL.format(key="k")
    assert [r[0] for r in con.execute(f"SELECT {sql} FROM unnest(?::VARCHAR[]) t(k)", [keys]).fetchall()] == \
        ids.tolist()


def test_an_update_appends_to_the_float_rows_and_the_previous_generation_still_reads_its_own(synthetic):
    db, con, rows, _ = synthetic
    before = index.open_index(con, db)
    name = index.shard_name("synthetic", "pl", "tip")
    stored = before.manifest["shards"][name]["stored"]
    new = _rows(30, seed=3, start=20_000)
    new["lang"], new["kind"] = ["pl"] * 30, ["tip"] * 30
    con.execute("BEGIN")
    _insert(con, new)
    index.sync(con, db, flat_max=200)
    con.execute("ROLLBACK")                      # killed before the store commits
    after = index.open_index(con, db)
    # the previous generation is the store's again, and its shard file (shared, appended to) still
    # gives its own rows: the exact answer
    assert after.generation == before.generation
    assert after.manifest["shards"][name]["stored"] == stored
    q = new["vec"][0]
    assert [k for k, _ in after.search("synthetic", q, HUBNESS_WEIGHT, ["pl"], ["tip"], 10, nprobe=10_000)] == \
        _exact(con, q, ["pl"], ["tip"], 10)
    # the same rows loaded again: the next update starts from the newest generation, the dead run's,
    # which holds them already (nothing appended twice)
    con.execute("BEGIN")
    _insert(con, new)
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    assert (report.added, report.shards_kept) == (0, 9)
    vi = index.open_index(con, db)
    assert vi.manifest["shards"][name]["stored"] == stored + 30
    assert os.path.getsize(vi.folder / f"{name}.flat.f32") == (stored + 30) * (DIM + 1) * 4
    found = [k for k, _ in vi.search("synthetic", q, HUBNESS_WEIGHT, ["pl"], ["tip"], 10, nprobe=10_000)]
    assert found == _exact(con, q, ["pl"], ["tip"], 10) and new["key"][0] in found


def test_deleted_rows_are_tombstones_until_a_quarter_of_a_shard_is_and_it_is_compacted(synthetic):
    db, con, rows, _ = synthetic
    name = index.shard_name("synthetic", "nl", "myth")
    mine = [k for k, lang, kind in zip(rows["key"], rows["lang"], rows["kind"]) if lang == "nl" and kind == "myth"]
    con.execute("BEGIN")
    _delete(con, mine[:20])
    index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    vi = index.open_index(con, db)
    meta = vi.manifest["shards"][name]
    assert (meta["rows"], meta["stored"]) == (len(mine) - 20, len(mine))        # tombstones
    q = rows["vec"][rows["key"].index(mine[0])]
    everything = [k for k, _ in vi.search("synthetic", q, HUBNESS_WEIGHT, ["nl"], ["myth"], 1000)]
    assert len(everything) == len(mine) - 20 and not set(mine[:20]) & set(everything)
    con.execute("BEGIN")
    _delete(con, mine[20:len(mine) // 3])
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    assert report.shards_rebuilt == 1
    meta = index.open_index(con, db).manifest["shards"][name]
    assert meta["rows"] == meta["stored"] == len(mine) - len(mine) // 3          # compacted


def _sums_from_scratch(shard) -> np.ndarray:
    """Each list's count and row sum, recounted from the IVF's lists and the float rows."""
    pos, lists = index._list_members(shard.ivf)
    sums = np.zeros_like(shard.list_sums)
    for p, j in zip(pos, lists):
        sums[j, 0] += 1
        sums[j, 1:] += shard.flat[p]
    return sums


def test_the_lists_means_follow_rows_added_and_deleted_in_place(synthetic):
    db, con, rows, _ = synthetic
    name = index.shard_name("synthetic", "pl", "tip")
    shard = index.open_index(con, db).shard(name)
    assert np.allclose(shard.list_sums, _sums_from_scratch(shard)) and shard.list_sums[:, 0].sum() == shard.rows
    mine = [k for k, lang, kind in zip(rows["key"], rows["lang"], rows["kind"]) if lang == "pl" and kind == "tip"]
    new = _rows(40, seed=4, start=30_000)
    new["lang"], new["kind"] = ["pl"] * 40, ["tip"] * 40
    con.execute("BEGIN")
    _delete(con, mine[:30])
    _insert(con, new)
    report = index.sync(con, db, flat_max=200)
    con.execute("COMMIT")
    assert report.shards_updated == 1 and report.shards_rebuilt == 0
    shard = index.open_index(con, db).shard(name)
    assert shard.stored == len(mine) + 40 and shard.list_sums[:, 0].sum() == len(mine) + 10
    assert np.allclose(shard.list_sums, _sums_from_scratch(shard), atol=1e-4)


def test_the_probe_budget_is_shared_by_the_shards_and_spent_on_the_best_lists(synthetic):
    db, con, rows, _ = synthetic
    vi = index.open_index(con, db)
    shards = vi.shards_for("synthetic", None, KINDS)
    q = np.append(rows["vec"][11], np.float32(-HUBNESS_WEIGHT))
    total = sum(s.ivf.nlist for s in shards)
    plan = index.probe_plan(shards, q, fraction=0.5)
    assert sum(map(len, plan.values())) == max(index.NPROBE, -(-total // 2))
    chosen = [s.list_scores(q)[plan[s.name]] for s in shards]
    left = [np.delete(s.list_scores(q), plan[s.name]) for s in shards]
    assert np.concatenate(chosen).min() >= np.concatenate(left).max()
    # the whole budget: every list of every shard, the exact answer
    everything = index.probe_plan(shards, q, fraction=1.0)
    assert all(len(everything[s.name]) == s.ivf.nlist for s in shards)


def test_an_index_of_the_previous_format_is_rebuilt_from_the_store_on_open(synthetic):
    import json

    db, con, rows, _ = synthetic
    vi = index.open_index(con, db)
    manifest = json.loads((vi.folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 3                       # format 3 had no list sums
    (vi.folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for f in vi.folder.glob("*.lists.npy"):
        f.unlink()
    assert index.open_index(con, db, repair=False) is None          # detected
    again = index.open_index(con, db)                                 # rebuilt from the store
    assert again.manifest["format"] == index.FORMAT and again.generation == vi.generation
    assert sum(m["rows"] for m in again.manifest["shards"].values()) == 3000
    q = rows["vec"][5]
    assert [k for k, _ in again.search("synthetic", q, HUBNESS_WEIGHT, None, KINDS, 10)] == \
        _exact(con, q, None, KINDS, 10)
