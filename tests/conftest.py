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


@pytest.fixture(scope="session")
def embedded_store(tmp_path_factory) -> pathlib.Path:
    """The sample corpus through every stage, embeddings, hubness and clusters included (real models), once."""
    from pipeline.runner import RunSettings, run

    out = tmp_path_factory.mktemp("embedded")
    run(CORPUS, out, RunSettings(), progress=False)
    return out / "knowledge.duckdb"
