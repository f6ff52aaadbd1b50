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
import pyarrow.parquet as pq
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


def _store_rows(out: pathlib.Path, query: str, params: list) -> list[tuple]:
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        return con.execute(query, params).fetchall()


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


def test_kb_run_on_a_locked_output_says_so_without_a_traceback(copied):
    corpus, out = copied
    with OutputLock(out, wait=False, log=print):
        p = _kb("run", str(corpus), "--out", str(out), "--no-embed", "--quiet")
    assert p.returncode == 1, p.stderr
    assert b"another kb run (pid %d" % os.getpid() in p.stderr and b"--wait" in p.stderr
    assert b"Traceback" not in p.stderr
    assert _documents(out) == 5


def _raise_on_polish(original):
    def wrapper(*args, **kwargs):
        if any(isinstance(a, str) and ("KLIKNIJ" in a or a == "pl") for a in args) or kwargs.get("lang") == "pl":
            raise RuntimeError("boom on the Polish article")
        return original(*args, **kwargs)
    return wrapper


@pytest.mark.parametrize("stage,module,function", [
    ("ingest", "pipeline.stages.ingest", "article"),
    ("langid", "pipeline.stages.langid", "document_language"),
    ("denoise", "pipeline.stages.denoise", "remove"),
    ("normalise", "pipeline.stages.normalise", "_block_rows"),   # (the per-document functions the stages call)
    ("segment", "pipeline.stages.segment", "_sentences"),
    ("extract", "pipeline.docmodel", "build_from_tuples"),
])
def test_an_exception_on_one_document_becomes_a_rejected_row(copied, monkeypatch, stage, module, function):
    import importlib

    corpus, out = copied
    mod = importlib.import_module(module)
    monkeypatch.setattr(mod, function, _raise_on_polish(getattr(mod, function)))
    if stage == "extract":
        from pipeline.stages import extract

        monkeypatch.setattr(extract, "build_from_tuples", _raise_on_polish(extract.build_from_tuples))
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


def test_a_huge_paragraph_is_processed_in_pieces(copied):
    """Over 1,000,000 characters in one paragraph: spaCy's E088 used to stop the batch, then reject the article."""
    corpus, out = copied
    lines = (corpus / "000_1ca32d8ebe30806b.txt").read_text(encoding="utf-8").splitlines()
    body = " ".join(line.strip() for line in lines[4:] if len(line.strip()) > 80)
    paragraph = " ".join([body] * (1_050_000 // len(body) + 1))
    (corpus / "huge.txt").write_text("Satu paragraf yang sangat panjang\n\n" + paragraph + "\n", encoding="utf-8")
    assert (corpus / "huge.txt").stat().st_size > 1_000_000
    result = run(corpus, out, FAST, progress=False)
    assert "huge.txt" not in _rejected(out)
    assert result.documents == 6 and _documents(out) == 6
    (doc_id, raw), = _store_rows(out, "SELECT doc_id, raw_text FROM documents WHERE source_path = 'huge.txt'", [])
    sentences = _store_rows(out, "SELECT start_char, end_char, text FROM sentences WHERE doc_id = ? "
                                 "ORDER BY start_char", [doc_id])
    assert sentences[-1][1] >= len(raw.rstrip()) - 1              # sentences to the very end
    assert all(raw[s:e] == t for s, e, t in sentences[-50:])
    items = _store_rows(out, "SELECT count(*) FROM items WHERE doc_id = ?", [doc_id])[0][0]
    assert items > 0
    # the paragraph is not copied once per sentence (a search unit's detail, schemas/015: 985 MB of
    # copies here before) nor once per item (an item's detail is cut within 2,000 characters)
    (units_detail, item_detail), = _store_rows(
        out, "SELECT (SELECT sum(strlen(detail)) FROM search_unit WHERE doc_id = $1), "
             "(SELECT max(strlen(detail)) FROM item WHERE doc_id = $1)", [doc_id])
    assert units_detail < 5 * len(raw) and item_detail < 2100


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_an_unreadable_stage_file_or_manifest_is_recomputed_with_a_warning(copied, damage):
    corpus, out = copied
    with duckdb.connect(str(out / "knowledge.duckdb"), read_only=True) as con:
        items = sorted(con.execute("SELECT item_id FROM item").fetchall())
    shard = next((out / "stages" / "segment").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2] if damage == "truncated"
                      else b"PAR1" + os.urandom(4096) + b"PAR1")
    warnings: list[str] = []
    result = Runner(out, FAST, progress=False, log=warnings.append).run(corpus)
    assert any(str(shard) in w and "recomputing" in w for w in warnings)
    assert {s.stage: s.processed for s in result.stages}["segment"] == 5
    manifest = out / "stages" / "manifest.duckdb"
    manifest.write_bytes(b"this is not a database" * 100)
    (out / "stages" / "code.json").write_text("5" if damage == "truncated" else "{\"broken", encoding="utf-8")
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


def _run_paused_at(point: str, corpus: pathlib.Path, out: pathlib.Path, marker: pathlib.Path,
                   setup: str = "pass") -> subprocess.Popen:
    """A run in a child process (after the one line ``setup``), once it waits at the pause point ``point``
    (or ended): the caller kills it."""
    p = _child(f"""
        import pathlib
        from pipeline import store
        from pipeline.runner import RunSettings, run
        {setup}
        run(pathlib.Path({str(corpus)!r}), pathlib.Path({str(out)!r}), RunSettings(embed=False, workers=1),
            progress=False)
    """, {"KB_PAUSE_AT": point, "KB_PAUSE_FILE": str(marker)})
    for _ in range(600):
        if marker.exists() or p.poll() is not None:
            break
        threading.Event().wait(0.5)
    return p


@pytest.mark.parametrize("point", ["commit:denoise", "store"])
def test_kill_9_at_any_point_leaves_the_previous_store(copied, tmp_path, point):
    corpus, out = copied
    shutil.copy(corpus / "001_5ab8a955fe3c4605.txt", tmp_path / "x")
    (corpus / "new.txt").write_text((tmp_path / "x").read_text(encoding="utf-8").replace("Mitos", "Legenda"),
                                    encoding="utf-8")
    marker = tmp_path / "paused"
    p = _run_paused_at(point, corpus, out, marker)
    try:
        assert marker.exists(), p.communicate()[1][-2000:]
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert _documents(out) == 5                                      # the previous store, intact
    result = run(corpus, out, FAST, progress=False)                  # and the next run finishes the work
    assert result.documents == 6 and _documents(out) == 6


def _spawned_children(pid: int) -> list[int]:
    """The processes ``pid`` spawned with multiprocessing (not its resource tracker)."""
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(proc.name))
    return found


def _gone(pid: int) -> bool:
    try:
        return (pathlib.Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a loader dies with its run through Linux's prctl")
def test_kill_9_during_a_first_build_loaded_by_a_process_of_its_own_takes_that_process_too(tmp_path):
    corpus, out, marker = tmp_path / "corpus", tmp_path / "out", tmp_path / "paused"
    shutil.copytree(ROOT / "corpus", corpus)
    # (the samples' first build takes a large one's path)
    p = _run_paused_at("store", corpus, out, marker, setup="store.OWN_PROCESS_DOCS = 1")
    try:
        assert marker.exists(), p.communicate()[1][-2000:]
        loaders = _spawned_children(p.pid)
        assert len(loaders) == 1                                    # the store's load, paused in its own process
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    for _ in range(100):
        if _gone(loaders[0]):
            break
        threading.Event().wait(0.1)
    assert _gone(loaders[0])                                        # killed with the run (no writer left behind)
    assert not (out / "knowledge.duckdb").exists()
    result = run(corpus, out, FAST, progress=False)                 # the next run builds the store
    assert result.documents == 5 and _documents(out) == 5


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
    for part in (out / "stages").rglob("*.parquet"):         # nor in any stage part
        assert "secret secret" not in str(pq.read_table(part).to_pylist()), part


# ------------------------------------------------------------------ SQL reads the store only

def _sql_vectors(tmp_path: pathlib.Path) -> list[str]:
    """Every way a read-only SELECT could reach the disk or the network."""
    secret = tmp_path / "secret.csv"
    shutil.copy(ROOT / "corpus" / "000_1ca32d8ebe30806b.txt", secret)
    return [
        f"SELECT * FROM read_text('{secret}')",
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM read_blob('{secret}')",
        f"SELECT * FROM glob('{tmp_path}/*')",
        f"SELECT * FROM '{secret}'",
        f"SELECT * FROM read_json_auto('{secret}')",
        f"SELECT * FROM read_parquet('{tmp_path}/x.parquet')",
        f"SELECT * FROM sniff_csv('{secret}')",
        "SELECT * FROM read_csv('https://example.com/data.csv')",
        "SELECT * FROM 'http://example.com/data.parquet'",
        f"EXPLAIN ANALYZE SELECT * FROM read_text('{secret}')",
        f"WITH t AS (SELECT content FROM read_text('{secret}')) SELECT * FROM t",
    ]


def test_user_sql_cannot_read_files_or_urls(built, tmp_path):
    from pipeline.api import KnowledgeStore, StoreError

    _, out = built
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        for query in _sql_vectors(tmp_path):
            with pytest.raises(StoreError, match="reads the knowledge store only"):
                ks.sql(query)
        # nor can a query switch the guard off, install or load an extension, attach or copy
        for query in ("SET enable_external_access = true", "RESET lock_configuration", "INSTALL httpfs",
                      "LOAD httpfs", f"ATTACH '{tmp_path}/other.duckdb' AS other",
                      f"COPY (SELECT 1) TO '{tmp_path}/out.csv'", "SELECT 1; SELECT 2"):
            with pytest.raises(StoreError):
                ks.sql(query)
        assert not list(tmp_path.glob("out.csv")) and not list(tmp_path.glob("other.duckdb"))
        assert ks.sql("SELECT current_setting('enable_external_access') AS on").to_pylist() == [{"on": False}]
        # the store itself still answers, and search (BM25 through the fts extension) still works
        assert ks.sql("SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 5}]
        hits = ks.search("pelanggan Zappos", top=3)
        assert hits and hits[0].lexical_rank == 1 and "Zappos" in hits[0].text


def test_search_first_then_sql_is_locked_too(built, tmp_path):
    from pipeline.api import KnowledgeStore, StoreError

    _, out = built
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        assert ks.search("pelanggan Zappos", top=3)
        with pytest.raises(StoreError, match="reads the knowledge store only"):
            ks.sql(_sql_vectors(tmp_path)[0])
        assert ks.search("pelanggan Facebook", top=3)


def test_kb_sql_cannot_read_files(built, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    _, out = built
    for query in _sql_vectors(tmp_path)[:5]:
        result = CliRunner().invoke(main, ["sql", query, "--db", str(out / "knowledge.duckdb")])
        assert result.exit_code == 1 and "reads the knowledge store only" in result.output, result.output
        assert "Mitos" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_an_in_memory_store_is_locked_too(tmp_path):
    from pipeline.api import KnowledgeStore, StoreError

    with KnowledgeStore(":memory:") as ks:
        with pytest.raises(StoreError, match="reads the knowledge store only"):
            ks.sql(_sql_vectors(tmp_path)[0])
        assert ks.sql("SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 0}]


# ------------------------------------------------------------------ a mixed-language article

ENGLISH = (
    "# Why answering matters",
    "A recent survey conducted by InSites Consulting found that eight in ten American companies respond to "
    "customer questions and complaints through social media. According to the survey, 83 percent of companies "
    "say they always deal with the questions or complaints sent to them through social media.",
    "Silvia Pencak writes: \u201cIf you are a small business owner, social media will be very useful in driving "
    "customers to your website. Very few consumers make a purchase the first time they browse a site.\u201d "
    "She offers two recommendations: keep your customers informed by updating your information regularly, and "
    "talk with your customers.",
    "Make sure you answer every comment within a day. Research by Convince & Convert shows that 42 percent of "
    "consumers who complain on social media expect a response within 60 minutes, and Zappos answers most of "
    "them in less than an hour.",
)
POLISH = "002_be945cff8ee77ffe.txt"


def _mixed(text: str, where: str) -> str:
    english = "\n".join(ENGLISH)
    lines = text.splitlines()
    if where == "english_first":
        return english + "\n" + text
    if where == "english_last":
        return text.rstrip("\n") + "\n" + english + "\n"
    return "\n".join(lines[:8] + list(ENGLISH) + lines[8:]) + "\n"      # in the middle


@pytest.mark.parametrize("where", ["english_first", "english_last", "english_inside"])
def test_english_paragraphs_in_a_polish_article_are_removed_as_foreign(copied, where):
    corpus, out = copied
    polish = corpus / POLISH
    before = set(_store_rows(out, "SELECT kind, text FROM items WHERE source_path = ?", [POLISH]))
    (alone,), = _store_rows(out, "SELECT lang_score FROM documents WHERE source_path = ?", [POLISH])
    polish.write_text(_mixed(polish.read_text(encoding="utf-8"), where), encoding="utf-8")
    run(corpus, out, FAST, progress=False)
    (doc_id, lang, score, raw), = _store_rows(out, "SELECT doc_id, lang, lang_score, raw_text FROM documents "
                                                   "WHERE source_path = ?", [POLISH])
    # Polish, but not as sure as of the Polish text alone: the score is about the share of Polish letters
    assert lang == "pl" and alone > 0.99 and score < 0.98
    english = [(raw.index(p), raw.index(p) + len(p)) for p in ENGLISH]
    foreign = _store_rows(out, "SELECT start_char, end_char, text FROM removed_spans WHERE doc_id = ? "
                               "AND rule = 'foreign_language' ORDER BY start_char", [doc_id])
    assert foreign and all(raw[s:e] == t for s, e, t in foreign)
    for s, e in english[1:]:                       # every English paragraph is removed, exactly
        assert any(fs <= s and e <= fe for fs, fe, _ in foreign), raw[s:e]
    heading = english[0]       # the short English heading goes with the English text (or is the title)
    removed = _store_rows(out, "SELECT start_char, end_char FROM removed_spans WHERE doc_id = ?", [doc_id])
    assert all(any(fs <= i < fe for fs, fe in removed) for i in range(heading[0] + 2, heading[1]))
    foreign_chars = sum(e - s for s, e, _ in foreign)
    assert foreign_chars <= sum(e - s for s, e in english) + len(ENGLISH)   # and nothing Polish with them
    # no item, block or passage comes from the English text
    for table in ("items", "blocks", "passages"):
        rows = _store_rows(out, f"SELECT start_char, end_char, text FROM {table} WHERE doc_id = ?", [doc_id])
        assert rows
        assert not [t for s, e, t in rows if any(s < fe and fs < e for fs, fe, _ in foreign)], table
    after = set(_store_rows(out, "SELECT kind, text FROM items WHERE source_path = ?", [POLISH]))
    assert not any("percent" in t or "Pencak writes" in t for _, t in after)
    assert len(after & before) >= 0.95 * len(before)      # the Polish text gives what it gave alone


def test_an_article_mostly_in_english_is_english(copied):
    corpus, out = copied
    polish_paragraph = next(line for line in (corpus / POLISH).read_text(encoding="utf-8").splitlines()
                            if len(line) > 200)
    (corpus / "mostly-english.txt").write_text("\n".join([*ENGLISH, polish_paragraph, *ENGLISH[1:]]) + "\n",
                                               encoding="utf-8")
    run(corpus, out, FAST, progress=False)
    stage, reason = _rejected(out)["mostly-english.txt"]
    assert stage == "langid" and "unsupported language 'en'" in reason


def test_short_blocks_of_loanwords_and_names_stay(copied):
    """Marketing jargon in English inside an Indonesian, Polish or Dutch article is content, not a foreign block.
    (Each line in one article only: a line in three articles is boilerplate.)"""
    corpus, out = copied
    inserts = {
        "000_1ca32d8ebe30806b.txt": ["Call to action", "Instagram Stories",
                                     "Gunakan Instagram Stories dan call to action yang jelas untuk engagement."],
        POLISH: ["Content marketing", "Customer experience", "Social media manager: Silvia Pencak, Social Media Examiner"],
        "004_f75b7cb515c6bb61.txt": ["Brand awareness", "Social selling", "Growth hacking & customer experience"],
    }
    for name, lines in inserts.items():
        text = (corpus / name).read_text(encoding="utf-8").splitlines()
        (corpus / name).write_text("\n".join(text[:12] + lines + text[12:]) + "\n", encoding="utf-8")
    run(corpus, out, FAST, progress=False)
    assert _store_rows(out, "SELECT count(*) FROM removed_spans WHERE rule = 'foreign_language'", []) == [(0,)]
    for name, lines in inserts.items():
        clean, = _store_rows(out, "SELECT clean_text FROM documents WHERE source_path = ?", [name])[0]
        assert all(line in clean for line in lines), name


def _paragraphs(name: str, min_chars: int = 200) -> list[str]:
    return [line for line in (ROOT / "corpus" / name).read_text(encoding="utf-8").splitlines()
            if len(line) >= min_chars]


MALAY = ("Kerajaan Malaysia telah mengumumkan bahawa syarikat kecil dan sederhana boleh memohon bantuan kewangan "
         "melalui laman web rasmi mulai bulan hadapan, kata menteri itu semalam.")


def test_a_malay_paragraph_in_an_indonesian_article_is_not_foreign():
    """py3langid tells Malay from Indonesian: a paragraph it calls Malay is still the document's language."""
    from pipeline.stages import denoise, langid

    assert langid._identifier().rank(MALAY)[0][0] == "ms"
    paragraphs = _paragraphs("000_1ca32d8ebe30806b.txt", 100)
    raw = "\n".join(paragraphs[:3] + [MALAY] + paragraphs[3:]) + "\n"
    assert langid.document_language(raw)[0] == "id"
    spans, _ = denoise.remove(raw, "id", [])
    assert not [s for s in spans if s[2] == "foreign_language"]


def test_a_dutch_paragraph_in_a_polish_article_is_foreign_too():
    from pipeline.stages import denoise, langid

    dutch = _paragraphs("004_f75b7cb515c6bb61.txt")[0]
    polish = _paragraphs(POLISH)
    raw = "\n".join(polish[:2] + [dutch] + polish[2:]) + "\n"
    lang, score = langid.document_language(raw)
    assert lang == "pl" and score < langid.document_language("\n".join(polish))[1]
    foreign = [(s, e) for s, e, r in denoise.remove(raw, "pl", [])[0] if r == "foreign_language"]
    assert foreign == [(raw.index(dutch), raw.index(dutch) + len(dutch))]


def test_short_lines_code_and_names_are_never_judged_alone():
    from pipeline.stages import langid

    polish = _paragraphs(POLISH)[:2]
    lines = ["Call to action", "Instagram Stories", "Not every brand should be social",
             'const user = await fetchUserProfile(request.params.id); if (!user) { return response.status(404); }',
             "Facebook, Instagram, TikTok, YouTube, LinkedIn, Twitter, Pinterest, Snapchat, WhatsApp Business",
             "83% / 2020 / 1.000.000 zł"]
    assert langid.foreign_blocks([polish[0], *lines, polish[1]], "pl") == [False] * (len(lines) + 2)
    # short English lines go with the English paragraphs around them, a heading with the one it opens;
    # one between English and Polish text stays (it may be either)
    blocks = [polish[0], "Why answering matters", ENGLISH[1], "Keep it short.", ENGLISH[3], "Be honest.", polish[1]]
    assert langid.foreign_blocks(blocks, "pl") == [False, True, True, True, True, False, False]


def test_the_sample_articles_have_no_foreign_blocks(built):
    _, out = built
    assert _store_rows(out, "SELECT count(*) FROM removed_spans WHERE rule = 'foreign_language'", []) == [(0,)]


# ------------------------------------------------------------------ odd input that used to be lost

def test_html_nested_deeper_than_the_parser_limit_keeps_its_text(copied):
    corpus, out = copied
    lines = [l.strip() for l in (corpus / "004_f75b7cb515c6bb61.txt").read_text(encoding="utf-8").splitlines()
             if len(l.strip()) > 80]
    depth = 400
    html = ("<!doctype html><html><head><title>Sociale media</title></head><body>" + "<div>" * depth
            + "<h1>Sociale media voor kleine bedrijven</h1>" + "".join(f"<p>{l}</p>" for l in lines)
            + "</div>" * depth + "</body></html>")
    (corpus / "deep.html").write_text(html, encoding="utf-8")
    run(corpus, out, FAST, progress=False)
    assert "deep.html" not in _rejected(out)
    (clean,), = _store_rows(out, "SELECT clean_text FROM documents WHERE source_path = 'deep.html'", [])
    assert sum(l in clean for l in lines) >= 0.9 * len(lines)


def test_a_nul_byte_is_removed_as_noise_not_taken_for_a_binary_file(copied):
    corpus, out = copied
    data = (corpus / "003_fff0f364815d226c.txt").read_bytes()
    first, later = data.index(b" ", 100), data.index(b" ", 6000)
    (corpus / "nul.txt").write_bytes(data[:first] + b"\x00" + data[first:later] + b"\x00\x00" + data[later:])
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)   # binary: still rejected
    run(corpus, out, FAST, progress=False)
    rejected = _rejected(out)
    assert "nul.txt" not in rejected and "binary" in rejected["image.txt"][1]
    (doc_id, raw, clean), = _store_rows(out, "SELECT doc_id, raw_text, clean_text FROM documents "
                                             "WHERE source_path = 'nul.txt'", [])
    assert raw.count("\x00") == 3 and "\x00" not in clean         # the raw text loses nothing
    removed = _store_rows(out, "SELECT start_char, end_char, text FROM removed_spans WHERE doc_id = ? "
                               "AND rule = 'control_char'", [doc_id])
    assert sorted(t for _, _, t in removed) == ["\x00", "\x00\x00"] and all(raw[s:e] == t for s, e, t in removed)
    for table in ("blocks", "sentences", "items"):
        assert not _store_rows(out, f"SELECT text FROM {table} WHERE doc_id = ? AND contains(text, chr(0))",
                               [doc_id]), table
    original = set(_store_rows(out, "SELECT kind, text FROM items WHERE source_path = ?",
                               ["003_fff0f364815d226c.txt"]))
    assert set(_store_rows(out, "SELECT kind, text FROM items WHERE doc_id = ?", [doc_id])) == original


# ------------------------------------------------------------------ search input

def _kb(*args: str | bytes) -> subprocess.CompletedProcess:
    kb = pathlib.Path(sys.executable).parent / "kb"
    return subprocess.run([str(kb), *args], capture_output=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})


def test_search_in_a_document_that_does_not_exist_is_an_error(built):
    from pipeline.api import KnowledgeStore, StoreError

    _, out = built
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        with pytest.raises(StoreError, match="no document 'nope'"):
            ks.search("pelanggan Zappos", doc="nope")
        hits = ks.search("pelanggan Zappos", doc="000_1ca32d8ebe30806b.txt")
        assert hits and {h.source_path for h in hits} == {"000_1ca32d8ebe30806b.txt"}
        assert ks.search("pelanggan Zappos", doc=hits[0].doc_id[:6])
    p = _kb("search", "Zappos", "--doc", "nope", "--db", str(out / "knowledge.duckdb"))
    assert p.returncode == 1 and b"no document 'nope'" in p.stderr and b"Traceback" not in p.stderr


@pytest.mark.parametrize("query", ["?!", "...", "!!! ???", "\U0001f600\U0001f525\U0001f44d", "\u2014 \u2026 ?",
                                   "\U0001f1f5\U0001f1f1", "   #   "])
def test_a_query_without_words_is_refused(built, query):
    from pipeline.api import KnowledgeStore, StoreError

    _, out = built
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        with pytest.raises(StoreError, match="no words to search for"):
            ks.search(query)
        assert ks.search("\U0001f600 pelanggan Zappos")          # a word beside the emoji is a query


def test_a_query_that_is_not_utf8_is_a_clear_error(built):
    from pipeline.api import KnowledgeStore, StoreError

    _, out = built
    with KnowledgeStore(out / "knowledge.duckdb") as ks:
        with pytest.raises(StoreError, match="not valid UTF-8"):
            ks.search("caf\udce9 pelanggan")        # what Python makes of the byte 0xE9 in a UTF-8 argument
        with pytest.raises(StoreError, match="not valid UTF-8"):
            ks.sql("SELECT 'caf\udce9'")
    for args in (["search", b"caf\xe9 Zappos"], ["sql", b"SELECT 'caf\xe9'"]):
        p = _kb(*args, "--db", str(out / "knowledge.duckdb"))
        assert p.returncode == 1 and b"not valid UTF-8" in p.stderr and b"Traceback" not in p.stderr, p.stderr
