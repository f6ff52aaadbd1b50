"""Regression guard of the de-noising figures on the development set (18 articles from other sites).

Scored as the reference scorer does, in one store with the sample articles: titles from the
documents' structure, boilerplate removed, content kept, overall and per language; every
removal an exact raw span; the text of blocks free of markup, link targets, entities and code.
"""
from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.evaluate import LANGS, evaluate
from tests.conftest import CORPUS, DEV_CORPUS, FIXTURES


def test_dev_set_titles_boilerplate_and_content(dev_store):
    res = evaluate(str(dev_store), str(FIXTURES / "dev.json"), str(DEV_CORPUS))
    assert res["documents_scored"] == 18 and res["language_accuracy"] == 1.0
    assert res["title_accuracy"] >= 0.95
    assert res["boilerplate_removed"] >= 0.95
    assert res["content_kept"] >= 0.99


@pytest.mark.parametrize("lang", LANGS)
def test_dev_set_figures_per_language(dev_store, lang):
    res = evaluate(str(dev_store), str(FIXTURES / "dev.json"), str(DEV_CORPUS), lang=lang)
    assert res["documents_scored"] == 6
    assert res["title_accuracy"] >= 0.8            # one miss in six documents at most
    assert res["boilerplate_removed"] >= 0.9
    assert res["content_kept"] >= 0.99


def test_samples_keep_their_figures_in_the_shared_store(dev_store):
    res = evaluate(str(dev_store), str(FIXTURES / "seeds.json"), str(CORPUS))
    assert res["title_accuracy"] == 1.0 and res["boilerplate_removed"] == 1.0 and res["content_kept"] >= 0.996


def test_every_removal_is_exactly_its_raw_span(dev_store):
    con = duckdb.connect(str(dev_store), read_only=True)
    bad = con.execute("""SELECT count(*) FROM removed_spans r JOIN documents d USING (doc_id)
                         WHERE substr(d.raw_text, r.start_char + 1, r.end_char - r.start_char) != r.text""").fetchone()[0]
    assert bad == 0
    overlaps = con.execute("""SELECT count(*) FROM (SELECT doc_id, start_char, lag(end_char) OVER
                              (PARTITION BY doc_id ORDER BY start_char) AS prev_end FROM removed_spans)
                              WHERE start_char < prev_end""").fetchone()[0]
    assert overlaps == 0


_MARKUP = re.compile(r"\]\(|\*\*|&(?:[a-zA-Z]+|#\d+);|</?[a-zA-Z][a-zA-Z0-9]*[\s>/]|\{\{|\{%|\{:|"
                     r"^@\w+\(|\\n|^//|https?://|^import\s|^export\s|=>|^:{2,}")


def test_block_text_is_plain_text(dev_store):
    con = duckdb.connect(str(dev_store), read_only=True)
    leftovers = [(p, t[:80]) for p, t in con.execute(
        "SELECT d.source_path, b.text FROM blocks b JOIN documents d USING (doc_id)").fetchall() if _MARKUP.search(t)]
    assert leftovers == []


def test_code_files_reach_the_extractors(dev_store):
    """The articles held in PHP and JS files now have text, titles and items."""
    con = duckdb.connect(str(dev_store), read_only=True)
    rows = dict(con.execute("""SELECT d.source_path, count(i.item_id) FROM documents d LEFT JOIN items i USING (doc_id)
                               GROUP BY 1""").fetchall())
    for name in ("pl/pozycjonowanie_pixsens.txt", "id/sinarmedia-blog-data.txt", "nl/gxjansen-trustlogo-onderzoek.txt"):
        assert rows[name] >= 3, name
