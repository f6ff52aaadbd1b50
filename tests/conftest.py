from __future__ import annotations

import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
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
