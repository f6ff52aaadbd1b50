"""The runner at scale: the stage protocol, code-aware skip keys, shards, the incremental store, workers."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import fingerprint
from pipeline.protocol import SchemaError, Stage, StageError, flatten
from pipeline.runner import RunSettings, run
from tests.conftest import CORPUS, ROOT

FAST = RunSettings(embed=False, workers=1)
ROWS = pa.schema([("doc_id", pa.string()), ("n", pa.int32())])
POLISH = "002_be945cff8ee77ffe.txt"


def _stage(fn) -> Stage:
    return Stage("toy", "pipeline.protocol", fn, ("documents",), {"out": ROWS}, object, language=None)


def _docs(*ids: str) -> pa.Table:
    from pipeline import schema
    from pipeline.protocol import lists

    tables = [schema.table([{**dict.fromkeys(schema.DOCUMENTS.names), "doc_id": d, "source_path": d, "raw_text": d * 3}],
                           schema.DOCUMENTS) for d in ids]
    return pa.table({"doc_id": list(ids), "documents": lists(schema.DOCUMENTS, tables)})


def _counts(documents: pa.Table, settings=None) -> dict[str, pa.Table]:
    rows = [{"doc_id": d, "n": len(t)} for d, t in zip(documents.column("doc_id").to_pylist(),
                                                         documents.column("raw_text").to_pylist())]
    if any(r["doc_id"] == "bad" for r in rows):
        raise ValueError("cannot count this one")
    return {"out": pa.table({"doc_id": [r["doc_id"] for r in rows], "n": [r["n"] for r in rows]}, schema=ROWS)}


def test_stage_base_groups_by_document_and_isolates_failures():
    rows, stats = _stage(_counts).apply(_docs("a", "bad", "c"), None)
    assert [len(v) for v in rows.column("out").to_pylist()] == [1, 0, 1]
    assert rows.column("_status_toy").to_pylist() == ["ok", "failed", "ok"]
    assert rows.column("_error").to_pylist()[1].startswith("toy: ValueError: cannot count this one")
    assert stats.processed == 3 and stats.failed == 1 and stats.rows == 2
    assert flatten(rows.column("out")).column("n").to_pylist() == [3, 3]


def test_stage_base_refuses_undeclared_columns_and_stray_rows():
    def extra(documents, settings=None):
        return {"out": pa.table({"doc_id": ["a"], "n": [1], "surprise": ["x"]})}

    with pytest.raises(SchemaError, match="undeclared columns.*surprise"):
        _stage(extra).apply(_docs("a"), None)

    def stray(documents, settings=None):
        return {"out": pa.table({"doc_id": ["zz"], "n": [1]}, schema=ROWS)}

    with pytest.raises(SchemaError, match="not given"):
        _stage(stray).apply(_docs("a"), None)


def test_a_stage_failing_on_every_document_stops_the_run():
    def broken(documents, settings=None):
        raise KeyError("bug")

    with pytest.raises(StageError, match="all 3 documents"):
        _stage(broken).apply(_docs("a", "b", "c"), None)


def test_fingerprints_cover_code_and_the_language_data_each_stage_reads(monkeypatch):
    from pipeline.lang import pl

    ext, den = "pipeline.stages.extract", "pipeline.stages.denoise"
    assert "pipeline.extract.tips" in fingerprint.closure(ext).modules       # imported modules count
    assert "pipeline.runner" not in fingerprint.closure(ext).modules         # the runner does not
    assert "pipeline.lang.data" in fingerprint.closure(ext).modules          # the code loading language data does
    assert "pipeline.lang.pl" not in fingerprint.closure(ext).modules        # (the data: by value, per language)
    before = {(m, c): fingerprint.language_fingerprint(m, c) for m in (ext, den) for c in ("id", "pl", "nl")}
    monkeypatch.setattr(pl, "MYTH_CUES", pl.MYTH_CUES + ("legenda",))
    after = {(m, c): fingerprint.language_fingerprint(m, c) for m in (ext, den) for c in ("id", "pl", "nl")}
    assert [k for k in before if before[k] != after[k]] == [(ext, "pl")]   # denoise reads no myth cues
    monkeypatch.setattr(pl, "COMMENT_WORDS", pl.COMMENT_WORDS + ("Wpisy",))
    assert fingerprint.language_fingerprint(den, "pl") != before[(den, "pl")]


def test_a_letter_of_one_language_changes_every_language_s_fingerprint_where_all_languages_letters_are_read(
        monkeypatch):
    # normalise joins broken lines, and denoise tells a sentence's start, by the letters of every language
    # (pipeline.lang.letters): a letter added to Polish changes how a Dutch document's lines are joined
    from pipeline.lang import SUPPORTED, pl

    norm, seg = "pipeline.stages.normalise", "pipeline.stages.segment"
    assert {"letters", "month_names"} <= set(fingerprint.cross_language_fields())
    before = {c: fingerprint.stage_fingerprint(norm, [c]) for c in SUPPORTED}
    segment_nl = fingerprint.stage_fingerprint(seg, ["nl"])
    monkeypatch.setattr(pl, "LETTERS", pl.LETTERS + "ß")
    assert all(fingerprint.stage_fingerprint(norm, [c]) != before[c] for c in SUPPORTED)
    assert fingerprint.stage_fingerprint(seg, ["nl"]) == segment_nl   # (segment reads no letters)
    # langid's identifier codes are read for every language at once (what is foreign in a document): denoise
    # asks langid, normalise does not
    den = "pipeline.stages.denoise"
    denoise_id, normalise_nl = fingerprint.stage_fingerprint(den, ["id"]), fingerprint.stage_fingerprint(norm, ["nl"])
    monkeypatch.setattr(pl, "LANGID_ALIASES", ("csb",))   # (Kashubian: written much like Polish)
    assert fingerprint.stage_fingerprint(den, ["id"]) != denoise_id
    assert fingerprint.stage_fingerprint(norm, ["nl"]) == normalise_nl


def _copy_project(dest: pathlib.Path) -> pathlib.Path:
    shutil.copytree(ROOT / "pipeline", dest / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    return dest


def _run_copy(project: pathlib.Path, corpus: pathlib.Path, out: pathlib.Path) -> dict[str, int]:
    code = textwrap.dedent(f"""
        import json, pathlib
        from pipeline.runner import RunSettings, run
        r = run(pathlib.Path({str(corpus)!r}), pathlib.Path({str(out)!r}), RunSettings(embed=False, workers=1),
                progress=False)
        print(json.dumps({{s.stage: s.processed for s in r.stages}}))
    """)
    res = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(project)},
                         capture_output=True, text=True, cwd=project)
    assert res.returncode == 0, res.stderr[-3000:]
    import json

    return json.loads(res.stdout.strip().splitlines()[-1])


def test_a_new_polish_cue_word_reprocesses_only_polish_documents_from_the_stage_reading_it(tmp_path):
    project = _copy_project(tmp_path / "project")
    corpus_copy = tmp_path / "corpus"
    corpus_copy.mkdir()
    for name in (POLISH, "000_1ca32d8ebe30806b.txt", "004_f75b7cb515c6bb61.txt"):   # pl, id, nl
        shutil.copy(CORPUS / name, corpus_copy / name)
    out = tmp_path / "out"
    first = _run_copy(project, corpus_copy, out)
    assert first["extract"] == 3
    pl = project / "pipeline" / "lang" / "pl.py"
    source = pl.read_text(encoding="utf-8")
    pl.write_text(source.replace('MYTH_CUES = ("mit",', 'MYTH_CUES = ("legenda", "mit",'), encoding="utf-8")
    changed = _run_copy(project, corpus_copy, out)
    assert changed == {"ingest": 0, "langid": 0, "denoise": 0, "normalise": 0, "segment": 0, "extract": 1,
                       "load": 1}
    # a de-noising word: from denoise on, still only the Polish article
    pl.write_text(pl.read_text(encoding="utf-8").replace('COMMENT_WORDS = ("Komentarz",',
                                                         'COMMENT_WORDS = ("Wpisy", "Komentarz",'), encoding="utf-8")
    changed = _run_copy(project, corpus_copy, out)
    assert changed == {"ingest": 0, "langid": 0, "denoise": 1, "normalise": 1, "segment": 1, "extract": 1,
                       "load": 1}
    # a comment is no change
    pl.write_text(pl.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    assert _run_copy(project, corpus_copy, out)["load"] == 0
    # a letter: every language's documents, from the first stage reading every language's letters on
    pl.write_text(pl.read_text(encoding="utf-8").replace('LETTERS = "ąćęłńóśźż"', 'LETTERS = "ąćęłńóśźżß"'),
                  encoding="utf-8")
    assert _run_copy(project, corpus_copy, out) == {name: 3 for name in ("ingest", "langid", "denoise", "normalise",
                                                                         "segment", "extract", "load")}


BLOCK_WORDS_STAGE = '''"""The words of each block: a stage added to the pipeline (tests/test_runner_scale.py)."""
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

WORDS = pa.schema([("doc_id", pa.string()), ("block_idx", pa.int32()), ("words", pa.int32())])


@dataclass(frozen=True)
class Settings:
    separator: str | None = None


def run(blocks: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    words = [len(t.split(settings.separator)) for t in blocks.column("text").to_pylist()]
    return {"block_words": pa.table({"doc_id": blocks.column("doc_id"), "block_idx": blocks.column("block_idx"),
                                     "words": pa.array(words, pa.int32())}, schema=WORDS)}
'''


def test_a_stage_added_between_langid_and_embed_is_one_module_and_one_entry(tmp_path):
    project = _copy_project(tmp_path / "project")
    (project / "pipeline" / "stages" / "block_words.py").write_text(BLOCK_WORDS_STAGE, encoding="utf-8")
    registry = project / "pipeline" / "registry.py"
    source = registry.read_text(encoding="utf-8")
    source = source.replace("from pipeline.stages import cluster,", "from pipeline.stages import block_words, cluster,")
    source = source.replace("\nPIPELINE: tuple", '\nBLOCK_WORDS = Stage("block_words", "pipeline.stages.block_words", '
                            'block_words.run, ("blocks",), {"block_words": block_words.WORDS}, block_words.Settings, '
                            'language=None)\nPIPELINE: tuple')
    source = source.replace("EXTRACT, EMBED, HUBNESS", "EXTRACT, BLOCK_WORDS, EMBED, HUBNESS")
    registry.write_text(source, encoding="utf-8")
    corpus_copy = tmp_path / "corpus"
    corpus_copy.mkdir()
    for name in (POLISH, "000_1ca32d8ebe30806b.txt", "004_f75b7cb515c6bb61.txt"):
        shutil.copy(CORPUS / name, corpus_copy / name)
    out = tmp_path / "out"
    assert _run_copy(project, corpus_copy, out) == {"ingest": 3, "langid": 3, "denoise": 3, "normalise": 3,
                                                    "segment": 3, "extract": 3, "block_words": 3, "load": 3}
    counted = pq.read_table(out / "stages" / "block_words").column("block_words").to_pylist()
    blocks = pq.read_table(out / "stages" / "normalise").column("blocks").to_pylist()
    assert sorted(r["words"] for doc in counted for r in doc) == sorted(len(b["text"].split()) for doc in blocks for b in doc)
    # and its code in its skip key: edited, it runs again (alone: nothing reads its table)
    stage = project / "pipeline" / "stages" / "block_words.py"
    stage.write_text(stage.read_text(encoding="utf-8").replace("separator: str | None = None",
                                                               "separator: str | None = \" \""), encoding="utf-8")
    assert _run_copy(project, corpus_copy, out)["block_words"] == 3
    # a stage that reads the whole corpus or loads models is refused there, with its reason
    registry.write_text(source.replace("language=None)", "language=None, corpus=True)"), encoding="utf-8")
    res = subprocess.run([sys.executable, "-c", "import pipeline.registry"], env={**os.environ, "PYTHONPATH": str(project)},
                         capture_output=True, text=True, cwd=project)
    assert res.returncode != 0 and "has no place there" in res.stderr


def _files(out: pathlib.Path) -> dict[str, list[str]]:
    return {d.name: sorted(p.name for p in d.glob("*.parquet")) for d in (out / "stages").iterdir() if d.is_dir()}


def test_outputs_are_sharded_and_an_edit_rewrites_only_its_shard(corpus_copy, tmp_path):
    out = tmp_path / "out"
    settings = RunSettings(embed=False, workers=1, shard_docs=2)
    run(corpus_copy, out, settings, progress=False)
    files = _files(out)
    assert {len(v) for v in files.values()} == {3}    # 5 sources, 2 a shard: 3 files per stage
    assert sum(len(v) for v in files.values()) == 6 * 3
    # sources are sharded in name order: the last article is alone in shard 2
    (corpus_copy / "004_f75b7cb515c6bb61.txt").write_text(
        (corpus_copy / "004_f75b7cb515c6bb61.txt").read_text(encoding="utf-8") + "\nEen nieuwe alinea.\n",
        encoding="utf-8")
    edited = run(corpus_copy, out, settings, progress=False)
    assert {s.stage: s.processed for s in edited.stages}["extract"] == 1
    after = _files(out)
    for stage, names in files.items():
        assert after[stage][:2] == names[:2], stage               # shards 0 and 1 untouched
        assert after[stage][2] != names[2], stage                 # shard 2 rewritten
    (corpus_copy / "000_1ca32d8ebe30806b.txt").unlink()
    deleted = run(corpus_copy, out, settings, progress=False)
    assert {s.stage: s.removed for s in deleted.stages}["extract"] == 1
    final = _files(out)
    for stage in files:
        assert final[stage][1:] == after[stage][1:], stage        # only shard 0 rewritten
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 4


def test_the_store_is_updated_in_place_and_a_no_op_run_does_not_touch_it(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    db = out / "knowledge.duckdb"
    before = db.read_bytes()
    again = run(corpus_copy, out, FAST, progress=False)
    assert again.load is None and again.processed == 0
    assert db.read_bytes() == before
    inode = db.stat().st_ino
    text = (corpus_copy / "001_5ab8a955fe3c4605.txt").read_text(encoding="utf-8")
    (corpus_copy / "001_5ab8a955fe3c4605.txt").write_text(text.replace("Mitos 1", "Mitos Pertama"), encoding="utf-8")
    edited = run(corpus_copy, out, FAST, progress=False)
    assert db.stat().st_ino == inode                                # the same file, changed in place
    assert (edited.load.inserted, edited.load.deleted) == (1, 1)
    assert edited.load.added_keys and edited.load.removed_keys       # the hook for indexes beside the store
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM items WHERE text LIKE '%Mitos Pertama%'").fetchone()[0] >= 0
        units = {r[0] for r in con.execute("SELECT key_id FROM search_units").fetchall()}
        indexed = {r[0] for r in con.execute("SELECT key_id FROM search_text").fetchall()}
        # the search_unit table the load keeps holds exactly what its source view gives now
        stale = con.execute("SELECT count(*) FROM (SELECT * FROM search_unit EXCEPT ALL SELECT * FROM search_unit_source"
                            " UNION ALL (SELECT * FROM search_unit_source EXCEPT ALL SELECT * FROM search_unit))"
                            ).fetchone()[0]
    assert units == indexed
    assert stale == 0
    assert not set(edited.load.removed_keys) & units - set(edited.load.added_keys)
    assert (edited.load.added, edited.load.removed) == (len(edited.load.added_keys), len(edited.load.removed_keys))


def test_a_load_counts_many_changed_search_units_without_listing_them(corpus_copy, tmp_path, monkeypatch):
    from pipeline import store

    monkeypatch.setattr(store, "LIST_UNITS", 10)     # a first build of a large corpus: keys stay in DuckDB
    out = tmp_path / "out"
    first = run(corpus_copy, out, FAST, progress=False)
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        units = con.execute("SELECT count(*) FROM search_units").fetchone()[0]
    assert first.load.added == units > 10 and first.load.removed == 0
    assert first.load.added_keys is None and first.load.removed_keys is None


BM25_QUERIES = ("media sosial pelanggan", "klienci społeczność", "klanten reageren", "Facebook", "mitos komunitas",
                "zasady netykiety marka")


def test_patched_bm25_scores_equal_a_rebuilt_index(corpus_copy, tmp_path, monkeypatch):
    from pipeline import bm25, store

    monkeypatch.setattr(store, "FTS_REBUILD_SHARE", 10.0)   # patch even though this small store changes a lot
    out = tmp_path / "out"
    f = store.FTS_SCHEMA
    (corpus_copy / "002_be945cff8ee77ffe.txt").rename(tmp_path / "held-back.txt")
    run(corpus_copy, out, FAST, progress=False)
    shutil.copy(tmp_path / "held-back.txt", corpus_copy / "002_be945cff8ee77ffe.txt")
    # one article added and one edited, then the added one edited: its units held the highest docids, which
    # stay taken (their terms rows stay, as tombstones) and must not be given to its new units
    for edited in ("003_fff0f364815d226c.txt", "002_be945cff8ee77ffe.txt"):
        text = (corpus_copy / edited).read_text(encoding="utf-8")
        (corpus_copy / edited).write_text(text + "\nMedia sosial adalah pasar baru.\n", encoding="utf-8")
        result = run(corpus_copy, out, FAST, progress=False)
        assert result.load.fts == "updated" and result.load.removed
        with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
            tombstones = {r[0] for r in con.execute(f"SELECT docid FROM {f}.tombstones").fetchall()}
            assert tombstones and not tombstones & {r[0] for r in con.execute(f"SELECT docid FROM {f}.docs").fetchall()}
            assert tombstones == {r[0] for r in con.execute(f"SELECT DISTINCT docid FROM {f}.terms WHERE docid IN "
                                                             f"(SELECT docid FROM {f}.tombstones)").fetchall()}
        copy = tmp_path / "rebuilt.duckdb"
        shutil.copy(out / "knowledge.duckdb", copy)
        with duckdb.connect(str(copy)) as con:
            store.build_indexes(con)
        frequencies = (f"SELECT term, df FROM {f}.dict ORDER BY term", f"SELECT * FROM {f}.stats")
        with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as a, \
                duckdb.connect(str(copy), read_only=True) as b:
            assert [a.execute(q).fetchall() for q in frequencies] == [b.execute(q).fetchall() for q in frequencies]
        sql = (f"SELECT key_id, round({f}.match_bm25(key_id, ?), 9) AS s FROM search_text "
               f"WHERE s IS NOT NULL ORDER BY s DESC, key_id")
        for query in BM25_QUERIES:
            with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as a, \
                    duckdb.connect(str(copy), read_only=True) as b:
                store.load_extension(a, "fts")
                store.load_extension(b, "fts")
                patched, rebuilt = a.execute(sql, [query]).fetchall(), b.execute(sql, [query]).fetchall()
                # search's own BM25 (one aggregate over the index's tables) scores as the macro does
                direct = sorted(a.execute(f"SELECT key_id, round(score, 9) FROM ({bm25.scores(a, query)})").fetchall())
            assert patched == rebuilt and rebuilt, query
            assert direct == sorted(patched), query
        with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
            store.load_extension(con, "fts")
            assert bm25.scores(con, "qwxzy") is None   # no term of the query in the index
    # past FTS_REBUILD_SHARE of the index in tombstones, the next change rebuilds it: the tombstones go
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        size, dead = (con.execute(f"SELECT count(*) FROM {f}.{t}").fetchone()[0] for t in ("docs", "tombstones"))
    monkeypatch.setattr(store, "FTS_REBUILD_SHARE", dead / size)
    edited = sorted(corpus_copy.iterdir())[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nZdanie dodane na końcu.\n", encoding="utf-8")
    assert run(corpus_copy, out, FAST, progress=False).load.fts == "rebuilt"
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        assert not con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE schema_name = '{f}' "
                               "AND table_name = 'tombstones'").fetchone()[0]


def test_a_first_build_compresses_bm25_s_tables_and_not_the_vectors(embedded_store):
    # the vectors stay uncompressed (an exact search decompressing them took 4x); BM25's term rows, which
    # every search scans, compress (at 100,000 articles 3.7 GB of integers uncompressed)
    from pipeline import store

    with duckdb.connect(str(embedded_store), read_only=True) as con:
        def compression(table: str, column: str) -> set[str]:
            sql = (f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') "
                   f"WHERE column_name = '{column}' AND segment_type <> 'VALIDITY'")
            return {r[0] for r in con.execute(sql).fetchall()}

        assert compression("embedding", "search_vector") <= {"Uncompressed", "Constant"}
        assert compression("embedding", "vector") <= {"Uncompressed", "Constant"}
        assert compression(f"{store.FTS_SCHEMA}.terms", "termid") - {"Constant"} == {"BitPacking"}


def test_a_first_builds_bm25_index_equals_create_fts_index(corpus_copy, tmp_path):
    # a first build fills the index's tables itself, its units tokenised by several connections at once
    from pipeline import store

    out = tmp_path / "out"
    result = run(corpus_copy, out, FAST, progress=False)
    assert result.load.rebuilt and result.load.fts == "rebuilt"
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copy(out / "knowledge.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        store.build_indexes(con)
    f = store.FTS_SCHEMA
    tables = [f"SELECT docid, name, len FROM {f}.docs", f"SELECT term, df FROM {f}.dict", f"SELECT * FROM {f}.stats",
              f"SELECT t.docid, t.fieldid, d.term FROM {f}.terms t JOIN {f}.dict d USING (termid)",
              f"SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = '{f}'"]
    scores = (f"SELECT key_id, round({f}.match_bm25(key_id, ?), 9) AS s FROM search_text "
              f"WHERE s IS NOT NULL ORDER BY s DESC, key_id")
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as a, \
            duckdb.connect(str(copy), read_only=True) as b:
        store.load_extension(a, "fts")
        store.load_extension(b, "fts")
        assert not a.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_fts_tokens%'").fetchone()[0]
        for sql in tables:
            built, rebuilt = sorted(a.execute(sql).fetchall()), sorted(b.execute(sql).fetchall())
            assert built == rebuilt and rebuilt, sql
        for query in BM25_QUERIES:
            built, rebuilt = a.execute(scores, [query]).fetchall(), b.execute(scores, [query]).fetchall()
            assert built == rebuilt and rebuilt, query


def test_a_first_build_commits_its_schema_before_its_rows_and_indexes_every_unit(corpus_copy, tmp_path, monkeypatch):
    # DuckDB 1.5 hides, for the rest of the session, the rows of a large INSERT ... SELECT into a table
    # created and renamed in the same transaction (schemas/013 renames search_text): a first build of
    # 10,000 articles got an empty BM25 index. Rows go into a new file only once its schema is committed.
    from pipeline import store

    committed = []
    insert = store._insert_all_docs   # (a new file's rows)

    def spy(con, *args, **kwargs):
        with con.cursor() as other:   # another connection sees only what is committed
            committed.append(other.execute("SELECT max(version) FROM schema_version").fetchone()[0])
        return insert(con, *args, **kwargs)

    monkeypatch.setattr(store, "_insert_all_docs", spy)
    result = run(corpus_copy, tmp_path / "out", FAST, progress=False)
    assert result.load.rebuilt and result.load.fts == "rebuilt"
    assert committed == [store.migrations()[-1][0]]
    with duckdb.connect(str(tmp_path / "out" / "knowledge.duckdb"), read_only=True) as con:
        units = con.execute("SELECT count(*) FROM search_text").fetchone()[0]
        assert units and con.execute(f"SELECT count(*) FROM {store.FTS_SCHEMA}.docs").fetchone()[0] == units


def test_a_process_pool_gives_the_same_store(corpus_copy, tmp_path, monkeypatch):
    from pipeline import executors

    run(corpus_copy, tmp_path / "one", FAST, progress=False)
    handed = []
    add = executors.ShardAppender.add
    monkeypatch.setattr(executors.ShardAppender, "add", lambda self, out: (handed.append(out), add(self, out)))
    pooled = run(corpus_copy, tmp_path / "two", RunSettings(embed=False, workers=2, chunk_docs=1), progress=False)
    assert pooled.documents == 5
    # a first build: the workers hand their chunks' rows back to be streamed into the new shard files, no file between
    assert handed and all(isinstance(out, pa.Table) for out in handed)
    sql = ("SELECT (SELECT list(i ORDER BY i.item_id) FROM item i), (SELECT list(r ORDER BY r.doc_id, r.start_char) "
           "FROM removed_span r), (SELECT list(s ORDER BY s.doc_id, s.sent_idx) FROM sentence s)")
    with duckdb.connect(str(tmp_path / "one" / "knowledge.duckdb"), read_only=True) as a, \
            duckdb.connect(str(tmp_path / "two" / "knowledge.duckdb"), read_only=True) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
    # the pool's CPU accounting: every chunk ran in a worker, each worker reports its start-up and work
    acc = pooled.accounting
    assert acc["workers"] == 2 and 1 <= acc["worker_processes"] <= 2
    # ingest, then the chain: a chunk a document (langid ran in ingest's chunks, on the documents they made)
    assert sum(w["tasks"] for w in acc["per_worker"]) >= 5 * 2
    assert all(w["busy_cpu"] > 0 and w["startup_cpu"] > 0 for w in acc["per_worker"])
    # (every worker waited for and reaped before the pool's CPU is read: what each measured of itself is in it)
    assert acc["workers_cpu_os"] >= sum(w["startup_cpu"] + w["busy_cpu"] for w in acc["per_worker"]) - 0.02
    assert acc["parent_serial_cpu"] <= acc["parent_cpu"] <= acc["total_cpu"]
    assert [p["phase"] for p in acc["phases"]][:2] == ["ingest", "denoise+normalise+segment+extract"]
    assert {s.stage: s.processed for s in pooled.stages}["langid"] == 5


def test_shards_written_as_their_chunks_arrive_equal_those_merged_after_the_phase(corpus_copy, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from pipeline import executors

    settings = RunSettings(embed=False, workers=1, chunk_docs=2)   # (one worker: chunks end in one order)
    appended = []
    add = executors.ShardAppender.add
    monkeypatch.setattr(executors.ShardAppender, "add", lambda self, out: (appended.append(out), add(self, out)))
    run(corpus_copy, tmp_path / "streamed", settings, progress=False)
    assert len(appended) >= 3 * 5   # three chunks of each phase, into every stage's shard
    monkeypatch.setattr(executors.LocalExecutor, "streams_merges", False)
    run(corpus_copy, tmp_path / "merged", settings, progress=False)
    for stage_dir in sorted((tmp_path / "merged" / "stages").iterdir()):
        if not stage_dir.is_dir():
            continue
        merged = sorted(stage_dir.glob("*.parquet"))
        streamed = sorted((tmp_path / "streamed" / "stages" / stage_dir.name).glob("*.parquet"))
        assert len(merged) == len(streamed) >= 1, stage_dir.name
        for a, b in zip(merged, streamed):
            assert pq.read_table(a).equals(pq.read_table(b)), stage_dir.name
    sql = "SELECT stage, key, src, shard, skip_key, status, info, rows FROM entries ORDER BY ALL"
    with duckdb.connect(str(tmp_path / "merged" / "stages" / "manifest.duckdb"), read_only=True) as a, \
            duckdb.connect(str(tmp_path / "streamed" / "stages" / "manifest.duckdb"), read_only=True) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
    assert not list((tmp_path / "streamed" / "stages").rglob("*.tmp"))


def test_a_shard_write_failing_beside_the_next_chunk_fails_the_run_and_leaves_nothing_half_written(
        corpus_copy, tmp_path, monkeypatch):
    from pipeline import executors

    settings = RunSettings(embed=False, workers=1, chunk_docs=2)
    written = []
    add = executors.ShardAppender.add

    def add_until_the_disk_is_full(self, out):
        if len(written) == 1:
            raise OSError(28, "No space left on device")
        written.append(self.stage.name)
        add(self, out)

    monkeypatch.setattr(executors.ShardAppender, "add", add_until_the_disk_is_full)
    with pytest.raises(OSError, match="No space left on device"):
        run(corpus_copy, tmp_path / "out", settings, progress=False)
    assert written == ["ingest"]   # (nothing more was written once one write failed)
    assert not list((tmp_path / "out" / "stages").rglob("*.tmp"))
    assert not list((tmp_path / "out" / "stages").rglob("*.parquet"))
    assert not (tmp_path / "out" / "knowledge.duckdb").exists()
    monkeypatch.undo()
    assert run(corpus_copy, tmp_path / "out", settings, progress=False).documents == 5


def test_a_handoff_runs_its_calls_in_order_beside_the_caller_and_stops_at_the_first_error():
    from pipeline.executors import Handoff

    seen = []
    handoff = Handoff("test", depth=2)
    for i in range(20):
        handoff.submit(seen.append, i)
    handoff.close()
    assert seen == list(range(20))

    def fail(_):
        raise ValueError("broken")

    handoff = Handoff("test")
    handoff.submit(fail, 0)
    handoff.submit(seen.append, 20)   # (may be taken before the failure is seen: never run)
    with pytest.raises(ValueError, match="broken"):
        handoff.close()
    assert seen == list(range(20))


def test_a_phase_s_manifest_entries_in_many_chunks_commit_within_the_manifest_s_memory(tmp_path):
    """A first build of 100,000 articles commits its ingest phase's entries as 1,563 Arrow chunks of 64 (the
    runner's chunks, concatenated): DuckDB held a block per chunk for the stage's column, and the commit ran out
    of the manifest's 256 MB. Here 3,000 chunks of one row each, which ran out the same way."""
    from pipeline.shards import ShardStore

    keys = [f"src-{i:05d}" for i in range(3000)]
    upserts = pa.concat_tables([
        pa.table({"key": [k], "src": [k], "shard": pa.array([0], pa.int32()), "skip_key": ["skip"],
                  "status": ["ok"], "info": pa.array([None], pa.string()), "rows": pa.array([1], pa.int64())})
        for k in keys])
    assert upserts.column("key").num_chunks == 3000
    shards = ShardStore(tmp_path / "stages")
    shards.commit(entries={"ingest": (upserts, [])})
    assert sorted(shards.entries("ingest")) == keys
    shards.close()
    reopened = ShardStore(tmp_path / "stages")
    assert len(reopened.entries("ingest")) == 3000
    reopened.close()


def test_a_sweep_leaves_the_manifest_s_spill_folder_alone(tmp_path):
    """The manifest's DuckDB spills into ``stages/manifest.duckdb.tmp`` (at 100,000 articles): the sweep of stray
    shard files deleted its files while DuckDB used them, and the next statement failed."""
    from pipeline.shards import MANIFEST, ShardStore

    shards = ShardStore(tmp_path / "stages")
    spill = tmp_path / "stages" / (MANIFEST + ".tmp") / "duckdb_temp_storage_S256K-0.tmp"
    spill.parent.mkdir()
    spill.write_bytes(b"in use")
    stray = tmp_path / "stages" / "extract" / "00000-stray.parquet"
    stray.parent.mkdir()
    stray.write_bytes(b"no manifest names it")
    assert shards.sweep() == 1
    assert spill.exists() and not stray.exists()
    shards.close()


def test_chunks_shrink_at_a_phase_s_tail_so_workers_finish_together():
    from pipeline.executors import MIN_TAIL_CHUNK, chunk_size

    def cut(n: int, size: int, workers: int) -> list[int]:
        sizes, left = [], n
        while left:
            sizes.append(min(left, chunk_size(left, size, workers)))
            left -= sizes[-1]
        return sizes

    assert cut(1000, 64, 1) == [64] * 15 + [40]                       # one worker: full chunks
    # two workers: full chunks until a quarter of them is left, then a quarter of what is left
    assert cut(1000, 64, 2) == [64] * 12 + [58, 44, 33, 25, 18, 14, 10, 8, 8, 8, 6]
    assert cut(10, 64, 2) == [MIN_TAIL_CHUNK, 2]


def test_shard_rows_are_read_by_row_group_statistics(tmp_path):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.shards import read_rows

    srcs = [f"s{i:03d}" for i in range(300)]
    t = pa.table({"src": srcs, "doc_id": [f"d{i}" for i in range(300)], "n": list(range(300))})
    path = tmp_path / "shard.parquet"
    pq.write_table(t, path, row_group_size=64)
    want = {"s010", "s011", "s200", "s299"}
    got = read_rows(path, ["src", "n"], "src", ["s010", "s200", "s299", "s011"], want)
    assert got.to_pylist() == t.filter(pc.is_in(t.column("src"), value_set=pa.array(sorted(want)))) \
        .select(["src", "n"]).to_pylist()
    assert read_rows(path, ["src"], srcs=[]).num_rows == 0
    assert read_rows(path, srcs=["zzz"]).schema == t.schema
    assert read_rows(path).num_rows == 300


def test_the_load_keeps_no_batch_it_inserted_until_its_transaction_ends(tmp_path):
    # the load inserts every document's rows in one transaction, a row group at a time: a batch it still
    # held until the commit would make its memory grow with the corpus
    from pipeline import store

    con = store.connect_new(tmp_path / "k.duckdb")
    con.execute("CREATE TABLE t (doc_id VARCHAR, text VARCHAR)")
    held = pa.total_allocated_bytes()
    con.execute("BEGIN TRANSACTION")
    for i in range(5):
        store._insert_arrow(con, "t", "*", pa.table({"text": [f"{i}-{n}" * 50 for n in range(2000)],
                                                     "doc_id": [f"d{i}-{n}" for n in range(2000)]}))
        assert pa.total_allocated_bytes() == held      # nothing of the batch is left once it is inserted
    con.execute("COMMIT")
    assert con.execute("SELECT count(*), count(DISTINCT doc_id), min(text) FROM t").fetchone() == (10000, 10000,
                                                                                                 "0-0" * 50)
    con.close()


def test_the_array_path_of_text_views_equals_the_character_loop(monkeypatch):
    import random
    import re

    from pipeline import textmap

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts.append("a\u200bb  <b>x</b>, y\u00ad z\n\n\t caf\u0065\u0301 <br>. e\u0301 " * 40)
    rng = random.Random(7)
    cases = []
    for t in texts:
        for _ in range(40):
            a = rng.randrange(len(t))
            b = min(len(t), a + rng.randrange(1, 4000))
            removed = [(s, min(len(t), s + rng.randrange(0, 60)))
                       for s in (rng.randrange(len(t)) for _ in range(rng.randrange(0, 8)))]
            removed += [(a + m.start(), a + m.end()) for m in re.finditer(r"<[^>]{0,40}>", t[a:b])]
            cases.append((t, a, b, removed))
    monkeypatch.setattr(textmap, "_ARRAY_MIN", 10**9)
    by_word = [textmap.view(*c) for c in cases]
    monkeypatch.setattr(textmap, "_words", textmap._chars)
    by_char = [textmap.view(*c) for c in cases]
    monkeypatch.undo()
    monkeypatch.setattr(textmap, "_ARRAY_MIN", 1)
    by_array = [textmap.view(*c) for c in cases]
    assert by_char == by_array
    assert by_char == by_word


def test_line_spans_and_blanking_equal_their_plain_definitions():
    import random
    import re

    from pipeline.stages import denoise
    from pipeline.textmap import line_spans

    def lines_by_definition(raw):   # every line without its break; none after a final break
        out, pos = [], 0
        for m in re.finditer(r"\r\n|\r|\n", raw):
            out.append((pos, m.start()))
            pos = m.end()
        return out + ([(pos, len(raw))] if pos < len(raw) else [])

    def blank_by_char(text, spans):
        chars = list(text)
        for s, e, _ in spans:
            for i in range(s, e):
                if chars[i] not in "\r\n":
                    chars[i] = " "
        return "".join(chars)

    rng = random.Random(3)
    texts = ["", "\n", "a", "a\n", "a\r\nb\rc\n\nd", "\r\r\n\n"] + [
        "".join(rng.choice("ab \t\r\n\u2028") for _ in range(rng.randrange(0, 60))) for _ in range(300)]
    for t in texts:
        assert line_spans(t) == lines_by_definition(t), repr(t)
        spans = [(s, min(len(t), s + rng.randrange(0, 9)), "r") for s in
                 (rng.randrange(len(t) + 1) for _ in range(rng.randrange(0, 5)))]
        assert denoise._blank(t, spans) == blank_by_char(t, spans)


def test_markup_rules_give_what_they_gave_without_their_shortcuts():
    """The rules skipped for lacking the characters they need, and the patterns that start where a run
    of blanks starts, find exactly what running every pattern on every text finds."""
    import re

    from pipeline.stages import denoise

    plain = [(rule, re.compile(p.pattern.replace("(?<![ \\t])", "", 1), p.flags), g)
             for rule, p, g in denoise.MARKUP_RULES]

    def reference(text):
        spans = []
        for rule, pattern, groups in plain:
            masked = denoise._blank(text, spans)
            for m in pattern.finditer(masked):
                for g in (groups if isinstance(groups, tuple) else (groups,)):
                    if m.end(g) > m.start(g):
                        spans.append((m.start(g), m.end(g), rule))
        return spans

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts.append("Title {#t}  \t {: .x}\n" + " " * 3000 + "{.note}  (https://x.io/a_(b)) **b** __u__ "
                 "<!-- c --> <b>x</b> &amp; [a](https://e.x) ![i](p.png) `c` \\. ~~s~~ {{ $x }} [^1] "
                 "## H ##\n[1]: https://e.x\n" + "\t" * 500 + "{#a} " * 3)
    for t in texts:
        assert denoise.markup_spans(t) == reference(t)


def test_a_stage_s_models_follow_the_run_settings_within_one_process():
    # a second run in the same process (the API, a test session) with other settings must not be
    # handed the first run's models: the cache of heavy objects is keyed by the settings
    from pipeline.executors import resources
    from pipeline.registry import BY_NAME

    embed = BY_NAME["embed"]
    with_aux = resources(embed, RunSettings(aux_model=True))["embedders"]
    without_aux = resources(embed, RunSettings(aux_model=False))["embedders"]
    assert with_aux["embeddings_aux"] is not None
    assert without_aux["embeddings_aux"] is None
    assert resources(embed, RunSettings(aux_model=False)) is resources(embed, RunSettings(aux_model=False))


def test_a_pool_keeps_each_worker_to_the_languages_it_has_loaded():
    from pipeline.executors import Chunk, _Queue, worker_languages

    def chunk(lang: str, i: int, n: int = 64) -> Chunk:
        return Chunk(("denoise",), 0, "doc_id", [f"{lang}{i}-{j}" for j in range(n)], [""] * n, {}, lang=lang)

    chunks = [chunk(lang, i) for lang in ("id", "pl", "nl") for i in range(4)]
    queue = _Queue(chunks, 2)
    # each worker starts on its own language (the one its warm-up loads first), and keeps to it
    assert [queue.take(0).lang for _ in range(4)] == [worker_languages(0, 2)[0]] * 4
    assert [queue.take(1).lang for _ in range(2)] == [worker_languages(1, 2)[0]] * 2
    # its own language done, a worker takes one nobody has taken; then it shares another's
    third = ({"id", "pl", "nl"} - {worker_languages(0, 2)[0], worker_languages(1, 2)[0]}).pop()
    assert [queue.take(0).lang for _ in range(4)] == [third] * 4
    assert [queue.take(0).lang for _ in range(2)] == [worker_languages(1, 2)[0]] * 2
    assert queue.take(1) is None and queue.left == 0
    # tasks without a language (ingest, merges): in the order given, to whichever worker asks
    plain = _Queue([Chunk(("ingest",), 0, "src", [str(i)], [str(i)], {}) for i in range(3)], 2)
    assert [plain.take(w).keys[0] for w in (1, 0, 1)] == ["0", "1", "2"]


def test_a_pool_cuts_the_phase_s_last_chunks_small_whatever_their_language():
    from pipeline.executors import Chunk, _Queue
    from pipeline.executors import MIN_TAIL_CHUNK

    def chunk(lang: str, i: int, n: int = 64) -> Chunk:
        keys = [f"{lang}{i}-{j}" for j in range(n)]
        return Chunk(("denoise",), 0, "doc_id", keys, [k + "s" for k in keys], {"denoise": [j % 2 == 0 for j in range(n)]},
                     {"boilerplate": [[k] for k in keys]}, out=f"/w/denoise-{lang}{i}.parquet", lang=lang)

    # the phase ends in one language, cut in full chunks: the workers get ever smaller parts of them
    queue = _Queue([chunk("nl", i) for i in range(3)], 2, split=lambda c, n: c.split(n))
    taken = []
    while (c := queue.take(len(taken) % 2)) is not None:
        taken.append(c)
    sizes = [len(c) for c in taken]
    # (a quarter of what is left: 192 -> 48, 144 -> 36, ...; never a part under MIN_TAIL_CHUNK left over)
    assert sizes[:5] == [48, 36, 27, 21, 15] and sum(sizes) == 192 and queue.left == 0
    assert max(sizes[-3:]) <= 2 * MIN_TAIL_CHUNK and min(sizes) >= MIN_TAIL_CHUNK
    # every document once, each part's rows aligned (its stages' run flags, its extra columns), its own file
    assert sorted(k for c in taken for k in c.keys) == sorted(k for i in range(3) for k in chunk("nl", i).keys)
    for c in taken:
        assert c.srcs == [k + "s" for k in c.keys] and c.extra["boilerplate"] == [[k] for k in c.keys]
        assert c.run["denoise"] == [int(k.rsplit("-", 1)[1]) % 2 == 0 for k in c.keys] and c.lang == "nl"
    assert len({c.out for c in taken}) == len(taken)


def test_langid_run_by_ingest_s_chunks_gives_what_the_langid_phase_gives(corpus_copy, tmp_path, monkeypatch):
    import json

    from pipeline import executors

    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus_copy.glob("*.txt"))[:2]]
    # the same text under two sources (one document, owned by a.jsonl), in one chunk or in two
    (corpus_copy / "a.jsonl").write_text(json.dumps({"text": texts[0]}) + "\n", encoding="utf-8")
    (corpus_copy / "b.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    runs = {"after ingest": run(corpus_copy, tmp_path / "one", FAST, progress=False),
            "two workers": run(corpus_copy, tmp_path / "two", RunSettings(embed=False, workers=2, chunk_docs=1),
                               progress=False)}
    monkeypatch.setattr(executors, "langid_after_ingest", lambda *a: (None, None))
    runs["langid phase"] = run(corpus_copy, tmp_path / "phase", FAST, progress=False)
    sql = ("SELECT (SELECT list(d ORDER BY d.doc_id) FROM doc_source d), (SELECT list(i ORDER BY i.item_id) FROM item i), "
           "(SELECT list(r ORDER BY r.doc_id, r.start_char) FROM removed_span r), "
           "(SELECT list(j ORDER BY j.source_path, j.reason) FROM rejected j)")
    stores = {}
    for name, out in (("after ingest", "one"), ("two workers", "two"), ("langid phase", "phase")):
        with duckdb.connect(str(tmp_path / out / "knowledge.duckdb"), read_only=True) as con:
            stores[name] = con.execute(sql).fetchall()
    assert stores["after ingest"] == stores["langid phase"] == stores["two workers"]
    # langid ran once per document in each (the duplicate's owner's row kept)
    assert len({tuple(sorted((s.stage, s.processed) for s in r.stages)) for r in runs.values()}) == 1


def test_workers_start_first_thing_only_for_a_first_build_of_many_articles(corpus_copy, tmp_path):
    from pipeline import pool
    from pipeline.runner import Runner

    out = tmp_path / "out"
    assert pool.start_for_first_build(corpus_copy, out, 2) is None          # 5 articles: too few for a pool
    assert pool._article_suffixes(corpus_copy, 5) == {".txt"} and pool._article_suffixes(corpus_copy, 6) is None
    many = tmp_path / "many"
    many.mkdir()
    for i in range(2 * 2 * pool.CHUNK_DOCS):
        (many / f"{i:04d}.txt").write_text("x", encoding="utf-8")
    assert pool.start_for_first_build(many, out, 1) is None                # one worker: no pool
    (out / "stages").mkdir(parents=True)
    (out / "stages" / "manifest.duckdb").write_bytes(b"")
    assert pool.start_for_first_build(many, out, 2) is None                # not a first build
    started = pool.start_for_first_build(many, tmp_path / "new", 2)
    assert started is not None and len(started) == 2
    # a run that has no use for them (nothing changed since the last) lets them go
    run(corpus_copy, tmp_path / "new", FAST, progress=False)
    again = Runner(tmp_path / "new", FAST, progress=False, started=started).run(corpus_copy)
    assert again.documents == 5 and all(worker._shutdown_thread for worker in started)


def test_a_first_build_through_workers_forked_first_thing_gives_the_one_worker_store(tmp_path):
    """The command line's workers for a first build are forked from its process once it has imported the
    stages (fresh, with no thread of its own): the same store as one worker, each worker on one BLAS thread."""
    from pipeline import pool
    from pipeline.benchcorpus import write_corpus
    from test_incremental import _rows

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 2 * 2 * pool.CHUNK_DOCS, seed=5)
    script = textwrap.dedent(f"""
        import pathlib, sys
        from pipeline import pool

        def blas_threads():
            from threadpoolctl import threadpool_info
            return sorted({{lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}})

        assert pool.can_fork()
        started = pool.start_for_first_build(pathlib.Path({str(corpus)!r}), pathlib.Path({str(tmp_path / "two")!r}), 2)
        assert [w._mp_context.get_start_method() for w in started] == ["fork", "fork"]
        print([w.submit(blas_threads).result(timeout=120) for w in started])
        from pipeline.runner import Runner, RunSettings
        result = Runner(pathlib.Path({str(tmp_path / "two")!r}), RunSettings(embed=False, workers=2), progress=False,
                        started=started).run(pathlib.Path({str(corpus)!r}))
        print(result.documents, result.accounting["worker_processes"])
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    threads, summary = res.stdout.strip().splitlines()[-2:]
    assert threads == "[[1], [1]]"
    one = run(corpus, tmp_path / "one", FAST, progress=False)
    assert summary == f"{one.documents} 2"
    assert _rows(tmp_path / "one" / "knowledge.duckdb") == _rows(tmp_path / "two" / "knowledge.duckdb")


def test_a_pool_worker_collects_garbage_as_the_run_s_parent_does():
    """A worker's cyclic GC has the run's young threshold (Runner.run sets it in the parent): at Python's
    default a worker's stages spent ~1 CPU s more on 1,000 articles than the same stages in the parent."""
    import gc

    from pipeline import pool

    (worker,) = pool.start(1)
    try:
        assert worker.submit(gc.get_threshold).result(timeout=120)[0] == pool.GC_YOUNG_THRESHOLD
    finally:
        worker.shutdown()
