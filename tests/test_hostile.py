"""A hostile user against the runner: wrong folders, two runs at once, failing documents, damaged
stage files, huge and odd files, kill -9. Each case reproduced on the real sample articles."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import threading

import duckdb
import pytest

from pipeline.runner import CorpusError, OutputLock, RunLocked, RunSettings, Runner, run
from tests.conftest import ROOT

FAST = RunSettings(embed=False, workers=1)


def _documents(out: pathlib.Path) -> int:
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]


def _rejected(out: pathlib.Path) -> dict[str, tuple[str, str]]:
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        return {p: (s, r) for p, s, r in con.execute("SELECT source_path, stage, reason FROM rejected").fetchall()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    """The sample corpus run once; tests copy the output folder before changing anything."""
    corpus = tmp_path_factory.mktemp("corpus")
    for p in (ROOT / "corpus").iterdir():
        shutil.copy(p, corpus / p.name)
    out = tmp_path_factory.mktemp("out")
    run(corpus, out, FAST, progress=False)
    return corpus, out


@pytest.fixture()
def copied(built, tmp_path) -> tuple[pathlib.Path, pathlib.Path]:
    corpus, out = built
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "corpus", tmp_path / "out"


@pytest.mark.parametrize("name,content", [
    ("notes.docx", b"PK\x03\x04 not an article"),
    ("english.txt", b"Always answer your customers quickly and honestly, they will thank you for it. " * 20),
])
def test_a_wrong_folder_with_one_file_that_is_no_article_does_not_empty_the_store(copied, tmp_path, name, content):
    corpus, out = copied
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / name).write_bytes(content)
    with pytest.raises(CorpusError, match="refusing to empty the store") as err:
        run(wrong, out, FAST, progress=False)
    assert str(out / "knowledge.duckdb") in str(err.value) and name in str(err.value)
    assert _documents(out) == 5
    again = run(corpus, out, FAST, progress=False)    # the shards survived too: nothing to redo
    assert again.processed == 0 and again.load is None


def test_a_second_run_on_the_same_output_fails_clearly_or_waits(copied):
    corpus, out = copied
    messages: list[str] = []
    waiting = threading.Event()
    with OutputLock(out, wait=False, log=messages.append):
        with pytest.raises(RunLocked, match=r"another kb run \(pid \d+.*--wait"):
            run(corpus, out, FAST, progress=False)

        def log(message: str) -> None:
            messages.append(message)
            waiting.set()

        result: list = []
        queued = threading.Thread(target=lambda: result.append(
            Runner(out, RunSettings(embed=False, workers=1, wait=True), progress=False, log=log).run(corpus)))
        queued.start()
        assert waiting.wait(120), "the queued run never said it was waiting"
    queued.join(300)
    assert any("waiting for the kb run" in m for m in messages)
    assert result and result[0].documents == 5


def _raise_on_polish(original):
    def wrapper(*args, **kwargs):
        if any(isinstance(a, str) and ("KLIKNIJ" in a or a == "pl") for a in args) or kwargs.get("lang") == "pl":
            raise RuntimeError("boom on the Polish article")
        return original(*args, **kwargs)
    return wrapper


@pytest.mark.parametrize("stage,module,function", [
    ("ingest", "pipeline.stages.ingest", "article"),
    ("langid", "pipeline.stages.langid", "detect"),
    ("denoise", "pipeline.stages.denoise", "remove"),
    ("normalise", "pipeline.stages.normalise", "blocks_of"),
    ("segment", "pipeline.stages.segment", "sentences_of"),
    ("extract", "pipeline.docmodel", "build"),
])
def test_an_exception_on_one_document_becomes_a_rejected_row(copied, monkeypatch, stage, module, function):
    import importlib

    corpus, out = copied
    mod = importlib.import_module(module)
    monkeypatch.setattr(mod, function, _raise_on_polish(getattr(mod, function)))
    if stage == "extract":
        from pipeline.stages import extract

        monkeypatch.setattr(extract, "build", _raise_on_polish(extract.build))
    polish = corpus / "002_be945cff8ee77ffe.txt"
    polish.write_text(polish.read_text(encoding="utf-8") + "\nJeszcze jedno zdanie.\n", encoding="utf-8")
    result = run(corpus, out, FAST, progress=False)
    assert result.documents == 4
    assert _documents(out) == 4
    rejected = _rejected(out)
    assert rejected["002_be945cff8ee77ffe.txt"][0] == stage
    assert "RuntimeError: boom on the Polish article" in rejected["002_be945cff8ee77ffe.txt"][1]
    # the failure is remembered with its skip key: the next run does not retry it
    again = run(corpus, out, FAST, progress=False)
    assert again.processed == 0


def test_a_huge_paragraph_does_not_stop_the_batch(copied):
    corpus, out = copied
    sentence = "Pelanggan yang puas akan kembali lagi dan membawa teman mereka ke toko Anda. "
    (corpus / "huge.txt").write_text("Satu paragraf yang sangat panjang\n\n" + sentence * 15_000, encoding="utf-8")
    result = run(corpus, out, FAST, progress=False)
    assert _documents(out) >= 5
    if result.documents == 5:   # not processed: then rejected, with the stage and the reason
        stage, reason = _rejected(out)["huge.txt"]
        assert stage and reason


def test_an_unreadable_stage_file_or_manifest_is_recomputed_with_a_warning(copied):
    corpus, out = copied
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        items = sorted(con.execute("SELECT item_id FROM item").fetchall())
    shard = next((out / "stages" / "segment").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])        # truncated
    warnings: list[str] = []
    result = Runner(out, FAST, progress=False, log=warnings.append).run(corpus)
    assert any(str(shard) in w and "recomputing" in w for w in warnings)
    assert {s.stage: s.processed for s in result.stages}["segment"] == 5
    manifest = out / "stages" / "manifest.duckdb"
    manifest.write_bytes(b"this is not a database" * 100)
    warnings.clear()
    Runner(out, FAST, progress=False, log=warnings.append).run(corpus)
    assert any(str(manifest) in w and "recomputing" in w for w in warnings)
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        assert sorted(con.execute("SELECT item_id FROM item").fetchall()) == items


def test_files_are_checked_by_size_before_they_are_read(copied):
    corpus, out = copied
    with open(corpus / "huge-sparse.txt", "wb") as fh:
        fh.truncate(20_000_000_000)     # 20 GB of nothing: reading it would exhaust memory
    run(corpus, out, FAST, progress=False)
    assert _rejected(out)["huge-sparse.txt"] == ("ingest", "file too large (20000.0 MB > 10 MB limit)")


def _child(code: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_a_10000_line_jsonl_is_read_in_runs_of_lines_with_bounded_memory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "big.jsonl", "w", encoding="utf-8") as fh:
        for n in range(10_000):
            fh.write(json.dumps({"text": f"Catatan pendek nomor {n}.", "url": f"https://example.com/{n}"}) + "\n")
    # the peak RSS of the child's own address space (VmHWM): ru_maxrss keeps the parent's peak across
    # fork and exec, so it would measure pytest (large once a test has loaded the models in process)
    code = f"""
        import json, pathlib, re
        from pipeline.runner import RunSettings, run
        r = run(pathlib.Path({str(corpus)!r}), pathlib.Path({str(tmp_path / 'out')!r}),
                RunSettings(embed=False, workers=1), progress=False)
        peak_kb = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1))
        print(json.dumps({{"ingest": {{s.stage: s.processed for s in r.stages}}["ingest"], "rejected": r.rejected,
                          "rss_mb": peak_kb / 1024}}))
    """
    for expected_units in (40, 0):       # 10,000 lines in runs of 256; a rerun reads none of them
        p = _child(code)
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-2000:]
        figures = json.loads(stdout.strip().splitlines()[-1])
        assert figures["ingest"] == expected_units and figures["rejected"] == 10_000
        assert figures["rss_mb"] < 1000, figures


@pytest.mark.parametrize("point", ["commit:denoise", "store"])
def test_kill_9_at_any_point_leaves_the_previous_store(copied, tmp_path, point):
    corpus, out = copied
    shutil.copy(corpus / "001_5ab8a955fe3c4605.txt", tmp_path / "x")
    (corpus / "new.txt").write_text((tmp_path / "x").read_text(encoding="utf-8").replace("Mitos", "Legenda"),
                                    encoding="utf-8")
    marker = tmp_path / "paused"
    p = _child(f"""
        import pathlib
        from pipeline.runner import RunSettings, run
        run(pathlib.Path({str(corpus)!r}), pathlib.Path({str(out)!r}), RunSettings(embed=False, workers=1),
            progress=False)
    """, {"KB_PAUSE_AT": point, "KB_PAUSE_FILE": str(marker)})
    try:
        for _ in range(600):
            if marker.exists() or p.poll() is not None:
                break
            threading.Event().wait(0.5)
        assert marker.exists(), p.communicate()[1][-2000:]
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert _documents(out) == 5                                      # the previous store, intact
    result = run(corpus, out, FAST, progress=False)                  # and the next run finishes the work
    assert result.documents == 6 and _documents(out) == 6


def test_odd_names_and_links(copied, tmp_path):
    corpus, out = copied
    text = (corpus / "004_f75b7cb515c6bb61.txt").read_text(encoding="utf-8").replace("sociale", "online")
    (pathlib.Path(os.fsdecode(bytes(corpus) + b"/caf\xe9.txt"))).write_text(text, encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret " * 100, encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside)
    (corpus / "dangling.txt").symlink_to(tmp_path / "nothing-here.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    run(corpus, out, FAST, progress=False)
    rejected = _rejected(out)
    assert "outside the corpus" in rejected["leak.txt"][1]
    assert "broken link" in rejected["dangling.txt"][1]
    assert "loop" in rejected["loop.txt"][1]
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        paths = {r[0] for r in con.execute("SELECT source_path FROM documents").fetchall()}
        leaked = con.execute("SELECT count(*) FROM documents WHERE raw_text LIKE '%secret%'").fetchone()[0]
    assert "caf\\xe9.txt" in paths and leaked == 0
