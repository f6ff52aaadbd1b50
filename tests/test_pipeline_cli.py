"""The whole pipeline on the sample corpus: store contract, incrementality, CLI end to end."""
from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

from pipeline import KnowledgeStore, schema
from pipeline.api import StoreError
from pipeline.cli import main
from pipeline.runner import RunSettings, run
from pipeline.textmap import squash

FAST = RunSettings(embed=False)


def test_store_contract_on_samples(built_store):
    con = duckdb.connect(str(built_store), read_only=True)
    docs = con.execute("SELECT source_path, lang, title, clean_text FROM documents ORDER BY 1").fetchall()
    assert [d[1] for d in docs] == ["id", "id", "pl", "id", "nl"]
    assert docs[0][2] == "5 Mitos Komunitas Sosial Melukai SMB Anda"
    for noise in ("$config[code] not found", "Anonim", "20 Komentar ▼", "via Shutterstock", "KLIKNIJ TUTAJ"):
        assert all(noise not in d[3] for d in docs)
    # every removal is exactly the raw text it claims to be
    bad = con.execute("SELECT count(*) FROM removed_spans r JOIN documents d USING (doc_id) "
                      "WHERE substr(d.raw_text, r.start_char + 1, r.end_char - r.start_char) <> r.text").fetchone()[0]
    assert bad == 0


# the public views as README.md documents them
VIEW_COLUMNS = {
    "myths": "item_id, doc_id, lang, text, rebuttal, detail, start_char, end_char, extractor, source_path, title",
    "tips": "item_id, doc_id, lang, text, detail, start_char, end_char, extractor, source_path, title",
    "statistics": "item_id, doc_id, lang, text, value, unit, currency, source, year, quantity_text, start_char, "
                  "end_char, extractor, source_path, title",
    "examples": "item_id, doc_id, lang, entity, entity_type, role, text, start_char, end_char, extractor, "
                "source_path, title",
    "blocks": "doc_id, block_idx, kind, level, parent_idx, marker, number, start_char, end_char, text",
    "sentences": "doc_id, sent_idx, block_idx, start_char, end_char, text",
    "rejected": "source_path, reason, stage, detected_lang, doc_id",
    "search_units": "key_id, kind, lang, text, detail, doc_id, source_path, title, start_char, end_char, block_idx",
}


def test_public_views_have_their_columns_and_content(built_store):
    con = duckdb.connect(str(built_store), read_only=True)
    for view, cols in VIEW_COLUMNS.items():
        got = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        assert got == cols.split(", "), view
    per_kind = dict(con.execute("SELECT kind, count(*) FROM items GROUP BY kind").fetchall())
    for view, kind in (("myths", "myth"), ("tips", "tip"), ("statistics", "statistic"), ("examples", "example")):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] == per_kind[kind] > 0, view
    # what the samples say, each in its view
    myth = con.execute("SELECT lang, rebuttal FROM myths WHERE text = 'Pelanggan Saya Tidak Ada Di Media Sosial'")
    lang, rebuttal = myth.fetchone()
    assert lang == "id" and "66 persen" in rebuttal
    assert con.execute("SELECT value, unit FROM statistics WHERE text LIKE '66% orang dewasa daring%'").fetchall() \
        == [(66.0, "percent")]
    assert ("Harris Interactive", "organisation") in con.execute("SELECT entity, entity_type FROM examples").fetchall()
    assert con.execute("SELECT count(*) FROM tips WHERE lang = 'nl' AND extractor LIKE 'tip_%'").fetchone()[0] > 0
    # every sentence lies inside its block, and blocks of every document are numbered from 0
    outside = con.execute("SELECT count(*) FROM sentences s JOIN blocks b USING (doc_id, block_idx) "
                          "WHERE s.start_char < b.start_char OR s.end_char > b.end_char").fetchone()[0]
    assert outside == 0
    assert con.execute("SELECT min(block_idx), count(DISTINCT doc_id) FROM blocks").fetchone() == (0, 5)
    assert con.execute("SELECT count(*) FROM rejected").fetchone()[0] == 0     # the samples are all articles


def test_no_public_view_joins_every_row_with_every_row(built_store):
    # a join DuckDB cannot hash runs as a nested loop: search_units (schemas/015) did, 242 s to read at
    # 10,000 articles; the plan shows it on the samples as on any store
    con = duckdb.connect(str(built_store), read_only=True)
    views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                       "AND NOT internal").fetchall()]
    assert set(VIEW_COLUMNS) <= set(views)
    for view in views:
        plan = con.execute(f"EXPLAIN SELECT * FROM {view}").fetchall()[0][1]
        assert not any(op in plan for op in ("NL_JOIN", "CROSS_PRODUCT", "PIECEWISE_MERGE_JOIN")), (view, plan)
    # and search_units gives each sentence its paragraph, every other unit its own detail
    wrong = con.execute("SELECT count(*) FROM search_units v JOIN search_unit u USING (key_id) "
                        "LEFT JOIN block b ON u.kind = 'sentence' AND b.doc_id = u.doc_id AND b.block_idx = u.block_idx "
                        "WHERE v.detail IS DISTINCT FROM (CASE WHEN u.kind = 'sentence' THEN b.text ELSE u.detail END)"
                        ).fetchone()[0]
    assert wrong == 0
    assert con.execute("SELECT count(*) FROM search_units").fetchone()[0] == \
        con.execute("SELECT count(*) FROM search_unit").fetchone()[0]


def test_items_are_grounded_in_raw_text(built_store):
    con = duckdb.connect(str(built_store), read_only=True)
    rows = con.execute("SELECT i.text, d.raw_text, i.start_char, i.end_char FROM items i "
                       "JOIN documents d USING (doc_id)").fetchall()
    assert len(rows) > 100          # every kind on five articles: not a vacuous loop
    for text, raw, s, e in rows:
        assert squash(text) in squash(raw[s:e]), (text, raw[s:e])


def test_parquet_and_duckdb_schemas_agree(built_store):
    con = duckdb.connect(str(built_store), read_only=True)
    pairs = {"doc_language": schema.LANGUAGES, "doc_clean": schema.CLEAN, "removed_span": schema.REMOVED_SPANS,
             "block": schema.BLOCKS, "sentence": schema.SENTENCES, "item": schema.ITEMS, "rejection": schema.REJECTED}
    to_duck = {pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.int32(): "INTEGER",
               pa.float32(): "FLOAT", pa.float64(): "DOUBLE"}
    for table, sch in pairs.items():
        cols = dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                f"WHERE table_name = '{table}'").fetchall())
        assert list(cols) == sch.names, table
        for f in sch:
            assert cols[f.name] == to_duck[f.type], (table, f.name)
    source_cols = [c[0] for c in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'doc_source'").fetchall()]
    assert source_cols == [n for n in schema.DOCUMENTS.names if n not in ("meta_spans", "line_keys")]


def test_incremental_add_edit_delete(corpus_copy, tmp_path):
    out = tmp_path / "out"
    first = run(corpus_copy, out, FAST, progress=False)
    assert first.documents == 5
    again = run(corpus_copy, out, FAST, progress=False)
    assert again.processed == 0

    (corpus_copy / "nested").mkdir()
    shutil.copy(corpus_copy / "004_f75b7cb515c6bb61.txt", corpus_copy / "nested" / "x.txt")
    text = (corpus_copy / "001_5ab8a955fe3c4605.txt").read_text(encoding="utf-8")
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "new.txt").write_text(text.replace("Mitos 1", "Mitos Pertama"), encoding="utf-8")
    added = run(corpus_copy, out, FAST, progress=False)
    by_stage = {s.stage: s for s in added.stages}
    assert by_stage["extract"].processed == 1        # only the new article
    ks = KnowledgeStore(out / "knowledge.duckdb")
    rejected = ks.sql("SELECT source_path, reason FROM rejected").to_pylist()
    assert rejected == [{"source_path": "nested/x.txt", "reason": "exact duplicate of 004_f75b7cb515c6bb61.txt"}]
    assert "sub/new.txt" in ks.sql("SELECT source_path FROM documents").column("source_path").to_pylist()
    ks.close()

    (corpus_copy / "sub" / "new.txt").write_text(text + "\nSatu paragraf baru tentang pelanggan.\n", encoding="utf-8")
    edited = run(corpus_copy, out, FAST, progress=False)
    assert {s.stage: s.processed for s in edited.stages}["extract"] == 1

    (corpus_copy / "sub" / "new.txt").unlink()
    deleted = run(corpus_copy, out, FAST, progress=False)
    assert {s.stage: s.removed for s in deleted.stages}["extract"] == 1
    assert {s.stage: s.processed for s in deleted.stages}["extract"] == 0
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        assert ks.sql("SELECT count(*) AS n FROM documents").to_pylist()[0]["n"] == 5


def test_bad_input_does_not_stop_the_batch(corpus_copy, tmp_path):
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "image.png").write_bytes(b"\x89PNG\r\n")
    (corpus_copy / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus_copy / "english.txt").write_text("Always answer your customers quickly and honestly. " * 20)
    (corpus_copy / "deutsch.md").write_text("Beantworten Sie Kundenfragen immer schnell und ehrlich. " * 20)
    (corpus_copy / "soup.html").write_text("<html><body><div><a href='/'>Home</a></div></body></html>")
    result = run(corpus_copy, tmp_path / "out", FAST, progress=False)
    assert result.documents == 5
    with KnowledgeStore(tmp_path / "out" / "knowledge.duckdb") as ks:
        reasons = {r["source_path"]: r["reason"] for r in ks.sql("SELECT * FROM rejected").to_pylist()}
    assert set(reasons) == {"empty.txt", "image.png", "binary.txt", "english.txt", "deutsch.md", "soup.html"}
    assert "unsupported language 'en'" in reasons["english.txt"]
    assert "unsupported language 'de'" in reasons["deutsch.md"]


def test_a_failed_load_keeps_the_previous_store(corpus_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    before = (out / "knowledge.duckdb").read_bytes()
    from pipeline import store

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "record_timings", boom)
    monkeypatch.setattr(store, "migrate", boom)
    (corpus_copy / "extra.txt").write_text((corpus_copy / "000_1ca32d8ebe30806b.txt").read_text() + "\nTambahan.")
    with pytest.raises(RuntimeError):
        run(corpus_copy, out, FAST, progress=False)
    assert (out / "knowledge.duckdb").read_bytes() == before


def test_memory_store_and_read_only_sql():
    ks = KnowledgeStore(":memory:")
    assert ks.sql("SELECT count(*) AS n FROM tips").to_pylist() == [{"n": 0}]
    assert ks.sql("SELECT ? AS x", [3]).to_pylist() == [{"x": 3}]
    with pytest.raises(StoreError, match="read-only"):
        ks.sql("DELETE FROM item")
    with pytest.raises(StoreError, match="one statement"):
        ks.sql("SELECT 1; CREATE TABLE evil AS SELECT 1")
    with pytest.raises(StoreError, match="empty query"):
        ks.sql("  ")


def test_an_empty_corpus_does_not_empty_the_store(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    from pipeline.runner import CorpusError

    with pytest.raises(CorpusError, match="refusing to empty"):
        run(empty, out, FAST, progress=False)
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        assert ks.sql("SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 5}]


def test_cli_end_to_end(corpus_copy, tmp_path):
    r = CliRunner()
    out = tmp_path / "out"
    res = r.invoke(main, ["run", str(corpus_copy), "--out", str(out), "--no-embed", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "5 documents" in res.output
    db = str(out / "knowledge.duckdb")
    res = r.invoke(main, ["sql", "SELECT lang, count(*) AS n FROM documents GROUP BY lang ORDER BY lang", "--db", db,
                          "--json"])
    assert json.loads(res.output) == [{"lang": "id", "n": 3}, {"lang": "nl", "n": 1}, {"lang": "pl", "n": 1}]
    res = r.invoke(main, ["sql", "SELECT lang FROM documents ORDER BY lang LIMIT 1", "--db", db, "--csv"])
    assert res.output.splitlines() == ["lang", "id"]
    res = r.invoke(main, ["sql", "DROP VIEW tips", "--db", db])
    assert res.exit_code != 0 and "read-only" in res.output
    res = r.invoke(main, ["stats", "--db", db])
    assert res.exit_code == 0 and "template_error" in res.output and "segment" in res.output
    doc_id = json.loads(r.invoke(main, ["sql", "SELECT doc_id FROM documents WHERE lang='nl'", "--db", db,
                                        "--json"]).output)[0]["doc_id"]
    res = r.invoke(main, ["show", doc_id[:8], "--db", db, "--raw"])
    assert res.exit_code == 0 and "{comment_counter}" in res.output
    res = r.invoke(main, ["show", "004_f75b7cb515c6bb61.txt", "--db", db])
    assert res.exit_code == 0 and doc_id in res.output
    res = r.invoke(main, ["show", "nope", "--db", db])
    assert res.exit_code != 0 and "no document" in res.output
    res = r.invoke(main, ["stats", "--db", str(tmp_path / "missing.duckdb")])
    assert res.exit_code != 0 and "kb run" in res.output


def _commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path,cmd", list(_commands(main)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help(path, cmd):
    assert cmd.help and len(cmd.help) > 20
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output
