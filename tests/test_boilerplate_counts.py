"""The corpus-level boilerplate lines, kept up to date from the documents that came and went.

The manifest counts, per line key, the accepted documents holding it; a run counts only the
changes. After any sequence of runs the lists must equal a count from scratch.
"""
import random

import pyarrow as pa
import pytest

from pipeline import shards as shards_module
from pipeline.shards import ShardStore

MIN_DOCS = 3


def _facts(docs: dict[str, list[str]]) -> pa.Table:
    ids = sorted(docs)
    return pa.table({"src": [f"src-{d}" for d in ids], "doc_id": ids, "source_path": [f"{d}.txt" for d in ids],
                     "digest": [f"digest-{d}" for d in ids], "line_keys": [docs[d] for d in ids]})


def _from_scratch(lines: dict[str, list[str]], accepted: list[str]) -> dict[str, str]:
    holders: dict[str, set[str]] = {}
    for d in accepted:
        for k in lines[d]:
            holders.setdefault(k, set()).add(d)
    common = {k for k, ds in holders.items() if len(ds) >= MIN_DOCS}
    out = {d: " ".join(sorted(set(lines[d]) & common)) for d in accepted}
    return {d: keys for d, keys in out.items() if keys}


@pytest.mark.parametrize("list_docs", [10_000, 3])   # (3: the lists made a few documents at a time)
def test_counts_follow_added_removed_and_rejected_documents(tmp_path, monkeypatch, list_docs):
    monkeypatch.setattr(shards_module, "LIST_DOCS", list_docs)
    rng = random.Random(7)
    pool = [f"line-{i}" for i in range(12)]   # few line keys: counts cross MIN_DOCS often
    shards = ShardStore(tmp_path / "stages")
    lines: dict[str, list[str]] = {}
    ingested: set[str] = set()
    n = 0
    for step in range(25):
        # some documents leave the corpus (their source deleted or edited: ingest drops them) ...
        leaving = rng.sample(sorted(ingested), k=min(len(ingested), rng.randint(0, 3)))
        if leaving:
            shards.commit(drop_doc_srcs=[f"src-{d}" for d in leaving])
            ingested -= set(leaving)
        # ... new ones come (a line may repeat within a document: it counts once) ...
        new = {}
        for _ in range(rng.randint(0, 4) if step else 10):
            n += 1
            new[f"d{n:03d}"] = rng.sample(pool, k=rng.randint(1, 5)) + ["line-0"]
        if new:
            lines.update(new)
            shards.stage_facts(_facts(new))
            shards.commit(staged_docs=True)
            ingested |= set(new)
        # ... and language identification accepts only some of the ingested ones
        accepted = sorted(d for d in ingested if rng.random() < 0.85)
        got = shards.boilerplate("code-1", accepted, MIN_DOCS)
        assert got == _from_scratch(lines, accepted), step
    # line keys made by other code: everything is counted again
    accepted = sorted(ingested)
    assert shards.boilerplate("code-2", accepted, MIN_DOCS) == _from_scratch(lines, accepted)
    # lines of documents neither ingested nor counted are not kept
    held = {d for (d,) in shards.con.execute("SELECT DISTINCT doc_id FROM lines").fetchall()}
    assert held == ingested
    shards.close()


def test_a_manifest_that_kept_the_lists_as_lists_counts_again(tmp_path):
    """Before 2026-12-02 the manifest kept a document's common lines as a list (table ``boilerplate``): opened
    now, that table goes, and the next count starts from scratch with the same result."""
    lines = {f"d{i}": ["line-a", "line-b", f"own-{i}"] for i in range(5)}
    shards = ShardStore(tmp_path / "stages")
    shards.stage_facts(_facts(lines))
    shards.commit(staged_docs=True)
    shards.con.execute("CREATE TABLE boilerplate (doc_id VARCHAR NOT NULL, line_keys VARCHAR[] NOT NULL)")
    shards.con.execute("INSERT INTO boilerplate VALUES ('d0', ['stale'])")
    shards.con.execute("INSERT OR REPLACE INTO meta VALUES ('boilerplate', 'code-1:3')")
    shards.close()
    reopened = ShardStore(tmp_path / "stages")
    tables = {r[0] for r in reopened.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "boilerplate" not in tables
    accepted = sorted(lines)
    assert reopened.boilerplate("code-1", accepted, MIN_DOCS) == _from_scratch(lines, accepted)
    assert reopened.boilerplate("code-1", accepted, MIN_DOCS)["d0"] == "line-a line-b"
    reopened.close()
