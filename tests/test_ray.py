"""The Ray Data executor gives the same store as the local one (sample corpus, real models)."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipeline.pool import RayStart
from pipeline.runner import Runner, RunSettings, run
from tests.conftest import CORPUS

ray = pytest.importorskip("ray", reason="Ray is not installed here (pip install -e '.[ray]'); .ci/run installs it")


def _rows(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_ray_and_local_executors_give_the_same_store(tmp_path):
    # the main model only: the auxiliary one takes the same path (embed.run_models) at twice the time
    local = run(CORPUS, tmp_path / "local", RunSettings(workers=1, aux_model=False), progress=False)
    # Ray started as `kb run` starts it for a first build of many articles: its workers set up and warmed by a
    # task each before the run's first task (their process settings and preloaded data change no output)
    starting = RayStart(None, 2, warm=True, html=True)
    starting.start()
    try:
        starting.wait()
        warmed = ray.get(starting.warming)
        assert len(warmed) == 2 and all(isinstance(pid, int) for pid in warmed)
    except BaseException:
        starting.stop()   # (the runner stops it otherwise)
        raise
    on_ray = Runner(tmp_path / "ray", RunSettings(executor="ray", workers=2, aux_model=False), progress=False,
                    started=starting).run(CORPUS)
    assert local.documents == on_ray.documents == 5
    a, b = local.store, on_ray.store
    for sql in ("SELECT * FROM item ORDER BY item_id",
                "SELECT * FROM removed_spans ORDER BY doc_id, start_char",
                "SELECT * FROM sentences ORDER BY doc_id, sent_idx",
                "SELECT doc_id, source_path, lang, title, clean_text FROM documents ORDER BY doc_id"):
        assert _rows(a, sql) == _rows(b, sql), sql
    for table in ("embedding",):
        sql = f"SELECT key_id, key_kind, doc_id, model_id, text_hash, vector, search_vector FROM {table} ORDER BY key_id"
        x, y = _rows(a, sql), _rows(b, sql)
        assert [r[:5] for r in x] == [r[:5] for r in y] and x, table
        # the same texts in the same batches through the same model: equal up to float rounding of the
        # thread count (Ray's workers run one thread each)
        for col in (5, 6):
            va, vb = np.array([r[col] for r in x]), np.array([r[col] for r in y])
            assert np.abs(va - vb).max() < 1e-5, (table, col)
    hub = "SELECT key_id, model_id, hubness FROM hubness ORDER BY key_id, model_id"
    ha, hb = _rows(a, hub), _rows(b, hub)
    assert [r[:2] for r in ha] == [r[:2] for r in hb]
    assert max(abs(p[2] - q[2]) for p, q in zip(ha, hb)) < 1e-5
