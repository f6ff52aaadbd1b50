"""Guards the extraction quality on the annotated samples against regressions."""
from __future__ import annotations

from pipeline.evaluate import evaluate
from tests.conftest import FIXTURES


def test_extraction_scores_on_the_samples(built_store):
    res = evaluate(str(built_store), str(FIXTURES / "seeds.json"))
    for kind in ("myths", "tips", "statistics", "examples"):
        assert res[kind]["f1"] >= 0.85, (kind, res[kind])
    assert res["macro_f1"] >= 0.90
    assert res["statistic_unit_accuracy"] == 1.0
    assert res["statistic_source_accuracy"] >= 0.8


def test_content_is_kept_and_boilerplate_removed(built_store):
    import duckdb

    from pipeline.textmap import squash

    con = duckdb.connect(str(built_store), read_only=True)
    clean = {p.rsplit("/", 1)[-1]: c for p, c in con.execute("SELECT source_path, clean_text FROM documents").fetchall()}
    import json

    gold = json.loads((FIXTURES / "seeds.json").read_text(encoding="utf-8"))
    for name, g in gold.items():
        for noise in g["boilerplate"]:  # as the reference scorer: letters and digits, else the raw string
            gone = squash(noise) not in squash(clean[name]) if squash(noise) else noise.strip() not in clean[name]
            assert gone, (name, noise)
