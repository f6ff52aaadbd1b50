from __future__ import annotations

import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def article_texts() -> list[str]:
    """The text of every sample, extra and development article (for tests of a shortcut against its long way)."""
    paths = sorted(CORPUS.glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture()
def corpus_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> pathlib.Path:
    """The sample corpus run through every stage but embedding (fast), once per session."""
    from pipeline.runner import RunSettings, run

    out = tmp_path_factory.mktemp("out")
    run(CORPUS, out, RunSettings(embed=False), progress=False)
    return out / "knowledge.duckdb"


DEV_CORPUS = FIXTURES / "dev-corpus"


@pytest.fixture(scope="session")
def dev_store(tmp_path_factory) -> pathlib.Path:
    """The sample and the 18 development articles in one store (no embeddings), as the figures are measured."""
    from pipeline.evaluate import build_dev_store

    return build_dev_store(CORPUS, DEV_CORPUS, tmp_path_factory.mktemp("dev"))


# three sample articles (two Indonesian, one Dutch): enough for cross-language search and clusters,
# embedded once per session and shared by the search, cluster and report tests (embedding is slow)
EMBEDDED_DOCS = ("001_5ab8a955fe3c4605.txt", "003_fff0f364815d226c.txt", "004_f75b7cb515c6bb61.txt")


@pytest.fixture(scope="session")
def embedded_corpus(tmp_path_factory) -> pathlib.Path:
    corpus = tmp_path_factory.mktemp("embedded-corpus")
    for name in EMBEDDED_DOCS:
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


@pytest.fixture(scope="session")
def embedded_run(embedded_corpus, tmp_path_factory):
    """(store path, RunResult): EMBEDDED_DOCS through every stage, embeddings, hubness and clusters included."""
    from pipeline.runner import RunSettings, run

    out = tmp_path_factory.mktemp("embedded")
    result = run(embedded_corpus, out, RunSettings(), progress=False)
    return out / "knowledge.duckdb", result


@pytest.fixture(scope="session")
def embedded_store(embedded_run) -> pathlib.Path:
    return embedded_run[0]
