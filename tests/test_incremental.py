"""Incremental runs: discovery, the stamp of the last complete run, the source-hash cache, small edits."""
from __future__ import annotations

import errno
import os
import pathlib
import stat as stat_mod
import subprocess
import sys

import duckdb
import pytest

from pipeline import executors, outputs, runner
from pipeline.discovery import SUPPORTED_SUFFIXES, discover
from pipeline.runner import RunSettings, run
from pipeline.textmap import stable_hash
from tests.conftest import ROOT

FAST = RunSettings(embed=False, workers=1)
EDITED = "001_5ab8a955fe3c4605.txt"


def _reference_discover(corpus: pathlib.Path, max_bytes: int) -> tuple[list[tuple], list[dict]]:
    """discover() as plainly defined: pathlib, a stat and a resolve per file."""
    root = corpus.resolve()
    found, rejected = [], []

    def reject(rel, reason, stage="discover"):
        rejected.append({"doc_id": stable_hash(rel), "source_path": rel, "stage": stage, "reason": reason})

    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = pathlib.Path(dirpath)
        for name in sorted(filenames) + [d for d in dirnames if (here / d).is_symlink()]:
            if name.startswith("."):
                continue
            p = here / name
            rel = os.fsencode(p.relative_to(corpus).as_posix()).decode("utf-8", "backslashreplace")
            if p.is_symlink():
                try:
                    target = p.resolve(strict=True)
                except FileNotFoundError:
                    reject(rel, "broken link: its target does not exist")
                    continue
                except (RuntimeError, OSError) as exc:
                    reject(rel, "link loop" if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
                           else f"unreadable link ({exc})")
                    continue
                if root != target and root not in target.parents:
                    reject(rel, "link to a file outside the corpus folder: not followed")
                    continue
                if target.is_dir():
                    reject(rel, "link to a folder: not followed (its files are read where they are)")
                    continue
            if p.suffix.lower() not in SUPPORTED_SUFFIXES:
                if p.name.upper() not in ("README", "README.MD", "SOURCES.MD"):
                    reject(rel, f"unsupported file type {p.suffix or '(none)'!r}; "
                                f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
                continue
            st = p.stat()
            if not stat_mod.S_ISREG(st.st_mode):
                reject(rel, "not a regular file")
                continue
            if st.st_size > max_bytes and p.suffix.lower() != ".jsonl":
                reject(rel, f"file too large ({st.st_size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)", "ingest")
                continue
            key = f"{os.fsencode(p.resolve())!r}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
            found.append((p, rel, st.st_size, key))
    return sorted(found, key=lambda f: f[1]), rejected


def test_discovery_equals_its_plain_definition(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub" / "deeper").mkdir(parents=True)
    (corpus / ".hidden").mkdir()
    (corpus / "a.txt").write_text("a")
    (corpus / "sub" / "b.md").write_text("b")
    (corpus / "sub" / "deeper" / "c.HTML").write_text("<p>c</p>")
    (corpus / "big.txt").write_bytes(b"x" * 2000)
    (corpus / "big.jsonl").write_bytes(b"{}\n" * 1000)
    (corpus / ".hidden" / "d.txt").write_text("d")
    (corpus / "notes.pdf").write_text("x")
    (corpus / "README").write_text("r")
    (corpus / "noext").write_text("n")
    (corpus / "trailing.").write_text("t")
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"caf\xe9")
    (corpus / "link.txt").symlink_to(corpus / "a.txt")
    (corpus / "sub" / "up.txt").symlink_to("../a.txt")
    (corpus / "outside.txt").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("e")
    (corpus / "broken.txt").symlink_to(corpus / "nowhere.txt")
    (corpus / "loop1.txt").symlink_to(corpus / "loop2.txt")
    (corpus / "loop2.txt").symlink_to(corpus / "loop1.txt")
    (corpus / "dirlink").symlink_to(corpus / "sub")
    os.mkfifo(corpus / "fifo.txt")
    real = tmp_path / "real"
    corpus.rename(real)
    (tmp_path / "corpus").symlink_to(real)   # the corpus folder itself reached through a link
    for folder in (tmp_path / "corpus", real, real / "sub"):
        found, rejected = discover(folder, 1000)
        want_found, want_rejected = _reference_discover(folder, 1000)
        assert [(f.path, f.rel, f.size, f.stat) for f in found] == want_found
        assert rejected == want_rejected
    assert {f.rel for f in discover(real, 1000)[0]} == {"a.txt", "big.jsonl", "caf\\xe9.txt", "link.txt",
                                                       "sub/b.md", "sub/deeper/c.HTML", "sub/up.txt"}


def test_a_no_op_run_stops_at_the_stamp_and_any_change_falls_back_to_planning(corpus_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = run(corpus_copy, out, FAST, progress=False)
    assert (out / "stages" / outputs.STAMP).exists()
    manifest = (out / "stages" / "manifest.duckdb").stat().st_mtime_ns

    planned = []
    real_run = runner.Runner._run
    monkeypatch.setattr(runner.Runner, "_run", lambda self, corpus: planned.append(corpus) or real_run(self, corpus))
    again = run(corpus_copy, out, FAST, progress=False)
    assert not planned                                          # the stamp answered: no planning at all
    assert again.load is None and again.processed == 0
    assert (again.documents, again.rejected) == (first.documents, first.rejected)
    assert [(s.stage, s.skipped) for s in again.stages] == [(s.stage, s.processed + s.skipped) for s in first.stages]
    assert (out / "stages" / "manifest.duckdb").stat().st_mtime_ns == manifest

    # touched, not changed: planned again, but nothing is reprocessed and the store is left alone
    path = corpus_copy / EDITED
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    touched = run(corpus_copy, out, FAST, progress=False)
    assert len(planned) == 1 and touched.processed == 0 and touched.load is None
    assert not run(corpus_copy, out, FAST, progress=False).load and len(planned) == 1   # the new stamp holds

    # other settings, a deleted stage file, a changed code file: each one plans again
    run(corpus_copy, out, RunSettings(embed=False, workers=1, allow_empty=True), progress=False)
    assert len(planned) == 2
    next((out / "stages" / "segment").glob("*.parquet")).unlink()
    repaired = run(corpus_copy, out, FAST, progress=False)
    assert len(planned) == 3 and {s.stage: s.processed for s in repaired.stages}["segment"] == 5
    code = outputs._code()
    changed = next(k for k in code if k.endswith("extract/tips.py"))
    monkeypatch.setattr(outputs, "_code", lambda: {**code, changed: "0|0|0"})
    run(corpus_copy, out, FAST, progress=False)
    assert len(planned) == 4
    monkeypatch.undo()

    # an edit is reprocessed, and only it
    path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    edited = run(corpus_copy, out, FAST, progress=False)
    assert {s.stage: s.processed for s in edited.stages}["extract"] == 1
    assert (edited.load.inserted, edited.load.deleted) == (1, 1)


def test_kb_run_lists_the_corpus_once(corpus_copy, tmp_path, monkeypatch):
    # the no-op check and the run share one listing (at 100,000 articles each took a second)
    from click.testing import CliRunner

    from pipeline import discovery
    from pipeline.cli import main

    listed = []
    real = discovery.discover
    monkeypatch.setattr(discovery, "discover", lambda *a: listed.append(a) or real(*a))
    out = tmp_path / "out"
    args = ["run", str(corpus_copy), "--out", str(out), "--no-embed", "--workers", "1", "--quiet"]
    for change in (None, "\nSatu kalimat tambahan di akhir.\n", None):
        if change:
            path = corpus_copy / EDITED
            path.write_text(path.read_text(encoding="utf-8") + change, encoding="utf-8")
        listed.clear()
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
        assert len(listed) == 1, listed      # a first build, an edit, a no-op run


def test_the_source_hash_cache_follows_size_and_mtime(corpus_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    hashed = []
    real = runner._sha256
    monkeypatch.setattr(runner, "_sha256", lambda p: hashed.append(pathlib.Path(p).name) or real(p))
    outputs.forget(out)                                   # (past the stamp: the planning is what is tested)
    assert run(corpus_copy, out, FAST, progress=False).processed == 0
    assert hashed == []                                   # unchanged stat: not read, not hashed
    path = corpus_copy / EDITED
    data = path.read_bytes()
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    outputs.forget(out)
    assert run(corpus_copy, out, FAST, progress=False).processed == 0   # same bytes: hashed, not reprocessed
    assert hashed == [EDITED]
    path.write_bytes(data.replace(b"Mitos 1", b"Mitos X"))             # same size, new mtime: hashed, reprocessed
    outputs.forget(out)
    edited = run(corpus_copy, out, FAST, progress=False)
    assert hashed == [EDITED, EDITED] and {s.stage: s.processed for s in edited.stages}["extract"] == 1


def _rows(db: pathlib.Path) -> dict[str, list]:
    skip = {"stage_run", "vector_index_state", "schema_version", "store_state", "store_doc"}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
                        .fetchall() if r[0] not in skip)
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def test_an_incremental_update_gives_the_store_of_a_run_from_scratch(corpus_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(corpus_copy, out, RunSettings(embed=False, workers=2), progress=False)
    path = corpus_copy / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    (corpus_copy / "000_1ca32d8ebe30806b.txt").unlink()
    small = run(corpus_copy, out, RunSettings(embed=False, workers=2), progress=False)
    # one document: no pool, but one worker (the standby) ran its per-language phase while this process planned
    assert small.accounting["worker_processes"] == 1
    assert [p["phase"] for p in small.accounting["phases"] if p["workers_cpu"]] == ["denoise+normalise+segment+extract"]
    scratch = run(corpus_copy, tmp_path / "scratch", FAST, progress=False)
    assert scratch.documents == small.documents == 4
    assert _rows(out / "knowledge.duckdb") == _rows(tmp_path / "scratch" / "knowledge.duckdb")
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        keyed = {r[0] for r in con.execute("SELECT table_name FROM duckdb_constraints() "
                                           "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert not keyed & {"sentence", "block", "item", "search_text"}   # schemas/013
    assert not keyed & {"doc_source", "doc_clean", "doc_language", "store_doc"}   # schemas/014
    # a deletion: no source to ingest, so no standby worker is started
    started = []
    standby = executors.LocalExecutor.start_standby
    monkeypatch.setattr(executors.LocalExecutor, "start_standby", lambda self: started.append(1) or standby(self))
    (corpus_copy / "001_5ab8a955fe3c4605.txt").unlink()
    deleted = run(corpus_copy, out, RunSettings(embed=False, workers=2), progress=False)
    assert deleted.documents == 3 and not started and deleted.accounting["worker_processes"] == 0


def test_an_edit_whose_standby_worker_dies_runs_its_phase_in_this_process(corpus_copy, tmp_path, monkeypatch):
    # the standby worker is only a speed-up: one that dies before its first result (here: at its start)
    # leaves the phase to this process, with the same store
    import concurrent.futures as cf
    import multiprocessing

    def dying_standby(self) -> None:
        self.accounting.pool_started()
        self._standby = [cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=os._exit, initargs=(3,))]

    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    path = corpus_copy / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    monkeypatch.setattr(executors.LocalExecutor, "start_standby", dying_standby)
    edited = run(corpus_copy, out, RunSettings(embed=False, workers=2), progress=False)
    assert {s.stage: s.processed for s in edited.stages}["extract"] == 1
    assert edited.accounting["worker_processes"] == 0   # (it ran no task)
    scratch = run(corpus_copy, tmp_path / "scratch", FAST, progress=False)
    assert _rows(out / "knowledge.duckdb") == _rows(tmp_path / "scratch" / "knowledge.duckdb")


def test_an_update_migrates_a_store_of_an_older_schema_in_place(corpus_copy, tmp_path, monkeypatch):
    # a store built before schemas/014 (its per-document tables keyed) and 015 (a sentence's paragraph
    # copied into its search unit) is migrated by the next run that changes it, in the same transaction
    # as the change, and then equals a store built from scratch
    from pipeline import store

    out = tmp_path / "out"
    # built without 014, then 015 undone as 012 left it (this code writes the table 015 names)
    built = [m for m in store.migrations() if m[0] < 14 or m[0] == 15]
    monkeypatch.setattr(store, "migrations", lambda: built)
    run(corpus_copy, out, FAST, progress=False)
    view_011 = (store.SCHEMA_DIR / "011_text_units.sql").read_text(encoding="utf-8")
    with duckdb.connect(str(out / "knowledge.duckdb")) as con:
        con.execute("DROP VIEW search_units")
        con.execute(view_011.replace("VIEW search_units", "VIEW search_unit_source"))
        con.execute("CREATE TABLE search_units AS SELECT * FROM search_unit_source")
        con.execute("DROP TABLE search_unit")
        con.execute("DELETE FROM schema_version WHERE version = 15")
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 13
        keyed = {r[0] for r in con.execute("SELECT table_name FROM duckdb_constraints() "
                                           "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
        assert {"doc_source", "doc_clean", "doc_language", "store_doc"} <= keyed
        assert con.execute("SELECT count(detail) FROM search_units WHERE kind = 'sentence'").fetchone()[0] > 0
    monkeypatch.undo()
    path = corpus_copy / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    edited = run(corpus_copy, out, FAST, progress=False)
    assert edited.load.inserted == 1 and not edited.load.rebuilt and edited.load.fts == "updated"
    scratch = run(corpus_copy, tmp_path / "scratch", FAST, progress=False)
    assert _rows(out / "knowledge.duckdb") == _rows(tmp_path / "scratch" / "knowledge.duckdb")
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == store.migrations()[-1][0]
        keyed = {r[0] for r in con.execute("SELECT table_name FROM duckdb_constraints() "
                                           "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
        assert not keyed & {"doc_source", "doc_clean", "doc_language", "store_doc"}
        assert con.execute("SELECT count(*) FROM doc_source").fetchone()[0] == scratch.documents
        # 015: the table holds no paragraph; the public view gives every sentence its own
        assert con.execute("SELECT count(detail) FROM search_unit WHERE kind = 'sentence'").fetchone()[0] == 0
        wrong = con.execute("SELECT count(*) FROM search_units u JOIN block b USING (doc_id, block_idx) "
                            "WHERE u.kind = 'sentence' AND u.detail IS DISTINCT FROM b.text").fetchone()[0]
        sentences = con.execute("SELECT count(detail) FROM search_units WHERE kind = 'sentence'").fetchone()[0]
        assert wrong == 0 and sentences > 0


def test_kb_run_with_nothing_to_do_does_not_import_the_pipeline(corpus_copy, tmp_path):
    out = tmp_path / "out"
    code = ("import sys; from pipeline.cli import main; "
            f"main(['run', {str(corpus_copy)!r}, '--out', {str(out)!r}, '--no-embed', '--quiet', '--workers', '1'], "
            "standalone_mode=False); print('imported:', 'pipeline.runner' in sys.modules)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert first.returncode == 0, first.stderr
    assert "imported: True" in first.stdout
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert again.returncode == 0, again.stderr
    assert "imported: False" in again.stdout and "store unchanged" in again.stdout
    assert "5 documents" in again.stdout and "extract    processed     0  skipped     5" in again.stdout


def test_the_stamp_check_respects_the_output_lock(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    key = outputs.settings_key(None, None, False, True, False)   # what `kb run --no-embed` sets
    assert outputs.check(out, corpus_copy, key)["documents"] == 5
    assert outputs.check(out, corpus_copy, outputs.settings_key(None, None, True, True, False)) is None
    with outputs.OutputLock(out, wait=False, log=print):
        with pytest.raises(outputs.RunLocked):
            outputs.check(out, corpus_copy, key)


def test_a_run_that_replaces_most_documents_writes_a_new_store_file(corpus_copy, tmp_path, monkeypatch):
    # in place, DuckDB would keep the replaced rows' blocks as free space: the file would double
    from pipeline import store

    monkeypatch.setattr(store, "REWRITE_MIN_DOCS", 1)   # (the sample store is smaller than the real minimum)
    out = tmp_path / "out"
    run(corpus_copy, out, FAST, progress=False)
    db = out / "knowledge.duckdb"
    inode = db.stat().st_ino
    one = sorted(corpus_copy.iterdir())[:1]
    for path in one:
        path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    small = run(corpus_copy, out, FAST, progress=False)
    assert not small.load.rebuilt and db.stat().st_ino == inode       # one of five: in place
    for path in sorted(corpus_copy.iterdir())[1:4]:
        path.write_text(path.read_text(encoding="utf-8") + "\nZdanie dodane na końcu.\n", encoding="utf-8")
    most = run(corpus_copy, out, FAST, progress=False)
    assert most.load.rebuilt and db.stat().st_ino != inode            # three of five: a new file
    assert not db.with_name(db.name + ".building").exists()
    scratch = run(corpus_copy, tmp_path / "scratch", FAST, progress=False)
    assert _rows(db) == _rows(tmp_path / "scratch" / "knowledge.duckdb")


def _bm25(db: pathlib.Path) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        f = "fts_main_search_text"
        return (sorted(con.execute(f"SELECT term, df FROM {f}.dict").fetchall()),
                sorted(con.execute(f"SELECT d.name, t.term FROM {f}.terms x JOIN {f}.docs d ON d.docid = x.docid "
                                   f"JOIN {f}.dict t ON t.termid = x.termid").fetchall()),
                con.execute(f"SELECT * FROM {f}.stats").fetchall())


def test_a_load_that_runs_out_of_its_memory_is_done_again_with_more_and_says_so(corpus_copy, tmp_path, monkeypatch):
    from pipeline import store

    ref = tmp_path / "ref"
    run(corpus_copy, ref, FAST, progress=False)
    # a first build: at 4 MB a statement or a commit (a TransactionException "Failed to commit: failed to pin
    # block") runs out; the new file is written again with STORE_MEMORY_RETRY, and nothing else is left
    monkeypatch.setattr(store, "STORE_MEMORY_BUILD", "4MB")
    out = tmp_path / "out"
    first = run(corpus_copy, out, FAST, progress=False)
    assert first.load.rebuilt and "ran out of 4MB" in first.load.memory_retry, first.load.memory_retry
    assert f"loaded again with {store.STORE_MEMORY_RETRY}" in first.load.memory_retry
    db = out / "knowledge.duckdb"
    assert _rows(db) == _rows(ref / "knowledge.duckdb") and _bm25(db) == _bm25(ref / "knowledge.duckdb")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("knowledge")) == [
        "knowledge.duckdb", "knowledge.duckdb.index"]
    # an update in place, rolled back and done again
    path = corpus_copy / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nSatu kalimat tambahan di akhir.\n", encoding="utf-8")
    monkeypatch.setattr(store, "STORE_MEMORY", "2MB")
    edit = run(corpus_copy, out, FAST, progress=False)
    assert not edit.load.rebuilt and "ran out of 2MB" in edit.load.memory_retry
    edited = _rows(db)
    run(corpus_copy, ref, FAST, progress=False)
    assert edited == _rows(ref / "knowledge.duckdb")
    # with no more to retry with, the error is raised and the store is as it was
    monkeypatch.setattr(store, "STORE_MEMORY_RETRY", "2MB")
    path.write_text(path.read_text(encoding="utf-8") + "\nZdanie dodane na końcu.\n", encoding="utf-8")
    with pytest.raises(duckdb.OutOfMemoryException):
        run(corpus_copy, out, FAST, progress=False)
    assert _rows(db) == edited


def test_a_large_new_store_is_written_by_a_process_of_its_own_with_the_same_rows(corpus_copy, tmp_path, monkeypatch):
    from pipeline import store

    run(corpus_copy, tmp_path / "here", FAST, progress=False)
    monkeypatch.setattr(store, "OWN_PROCESS_DOCS", 1)       # (the samples' 5 documents take a large load's path)
    loads = []
    real = store._in_own_process
    monkeypatch.setattr(store, "_in_own_process", lambda *a, **k: loads.append(1) or real(*a, **k))
    own = run(corpus_copy, tmp_path / "own", FAST, progress=False)
    assert loads == [1] and own.load.rebuilt and own.load.inserted == own.documents == 5
    here, there = tmp_path / "here" / "knowledge.duckdb", tmp_path / "own" / "knowledge.duckdb"
    assert _rows(here) == _rows(there) and _bm25(here) == _bm25(there)
    assert not there.with_name("knowledge.duckdb.building").exists()


def test_a_load_in_its_own_process_that_fails_raises_its_error_here_and_leaves_no_store(corpus_copy, tmp_path,
                                                                                       monkeypatch):
    from pipeline import store

    plans = []
    real = store.update
    monkeypatch.setattr(store, "update", lambda db, plan, *a, **k: plans.append(plan) or real(db, plan, *a, **k))
    run(corpus_copy, tmp_path / "out", FAST, progress=False)
    plan = plans[0]
    bad = tmp_path / "not-a-shard.parquet"
    bad.write_bytes(b"no parquet here")
    files = {stage: {shard: str(bad) for shard in by_shard} if stage == "extract" else by_shard
             for stage, by_shard in plan.files.items()}
    monkeypatch.setattr(store, "OWN_PROCESS_DOCS", 1)
    db = tmp_path / "new" / "knowledge.duckdb"
    with pytest.raises(Exception) as raised:
        real(db, store.LoadPlan(docs=plan.docs, files=files, rejected=plan.rejected, hubness_key=None, embed=False))
    assert "parquet" in str(raised.value).lower() or "magic" in str(raised.value).lower(), raised.value
    assert not db.exists() and not db.with_name(db.name + ".building").exists()


def test_where_no_process_can_be_started_a_large_load_runs_in_the_runs_own(corpus_copy, tmp_path, monkeypatch):
    import multiprocessing.context

    from pipeline import store

    def refuse(self):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(store, "OWN_PROCESS_DOCS", 1)
    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    result = run(corpus_copy, tmp_path / "out", FAST, progress=False)
    assert result.load.rebuilt and result.documents == 5
    assert not (tmp_path / "out" / "knowledge.duckdb.building").exists()
