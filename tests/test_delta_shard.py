"""Small runs write the delta shard: the shards holding their old rows are not rewritten (those rows stay,
dead, until an eighth of a file is), readers take the live row per key, and the delta shard is folded back
once three quarters full. After every run the store equals a run from scratch."""
import pathlib

import duckdb

from pipeline.benchcorpus import write_corpus
from pipeline.runner import RunSettings, run
from pipeline.shards import DELTA
from test_incremental import _rows

SETTINGS = RunSettings(embed=False, workers=1, shard_docs=8)   # delta shard: 8 sources, folded past 6
EXTRA = "\nSatu kalimat tambahan di akhir.\n"                  # in 3 documents: a boilerplate line


def _files(out: pathlib.Path) -> dict[str, set[str]]:
    return {d.name: {p.name for p in d.glob("*.parquet")} for d in (out / "stages").iterdir()
            if d.is_dir() and not d.name.startswith("_")}


def _delta_sources(out: pathlib.Path) -> int:
    with duckdb.connect(str(out / "stages" / "manifest.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM units WHERE shard = {DELTA}").fetchone()[0]


def _same_as_scratch(corpus: pathlib.Path, out: pathlib.Path, scratch: pathlib.Path) -> None:
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    run(corpus, scratch, SETTINGS, progress=False)
    assert _rows(out / "knowledge.duckdb") == _rows(scratch / "knowledge.duckdb")


def test_small_runs_write_the_delta_shard_and_equal_a_run_from_scratch(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 24, seed=3)
    articles = sorted(corpus.rglob("*.*"))   # 8 a shard, in this order
    held = articles[20]
    held.write_text(held.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    run(corpus, out, SETTINGS, progress=False)
    built = _files(out)
    assert all(len(names) == 3 for names in built.values())

    # two edits make a line of a third, unchanged document boilerplate (so that one is recomputed too), and a
    # new article: all four go to the delta shard, and no shard file is rewritten (an eighth of each is dead)
    for p in (articles[0], articles[8]):
        p.write_text(p.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    (corpus / "new-1.txt").write_text(articles[5].read_text(encoding="utf-8").replace("a", "e"), encoding="utf-8")
    edited = run(corpus, out, SETTINGS, progress=False)
    assert {s.stage: s.processed for s in edited.stages}["extract"] == 4
    after = _files(out)
    for stage, names in built.items():
        assert names <= after[stage], stage                       # every shard file kept
        assert len(after[stage] - names) == 1 and (after[stage] - names).pop().startswith(f"{DELTA:05d}-"), stage
    assert _delta_sources(out) == 4
    _same_as_scratch(corpus, out, scratch)

    # a deleted article (one in the delta shard, one in a shard) and another edit
    articles[0].unlink()
    articles[10].unlink()
    articles[12].write_text(articles[12].read_text(encoding="utf-8") + "\nKalimat lain.\n", encoding="utf-8")
    run(corpus, out, SETTINGS, progress=False)
    _same_as_scratch(corpus, out, scratch)

    # more edits until the delta shard is folded back (its sources go to the shards), stage files bounded
    held = [_delta_sources(out)]
    for i in range(13, 20, 2):
        for p in articles[i:i + 2]:
            p.write_text(p.read_text(encoding="utf-8") + f"\nTambahan {i}.\n", encoding="utf-8")
        run(corpus, out, SETTINGS, progress=False)
        held.append(_delta_sources(out))
    assert max(held) <= 8 and any(b < a for a, b in zip(held, held[1:])), held
    _same_as_scratch(corpus, out, scratch)
    shards = -(-len(list(corpus.rglob("*.*"))) // 8) + 1
    assert all(len(names) <= shards + 1 for names in _files(out).values())
