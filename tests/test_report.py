"""kb stats --json and kb report: one set of numbers, a self-contained page."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from pipeline import KnowledgeStore
from pipeline.cli import main
from pipeline.report import SECTIONS, render
from pipeline.stats import collect

PLOTS = ("documents", "items", "artefacts", "sources", "clusters")


def test_stats_json_gives_the_library_numbers(built_store):
    res = CliRunner().invoke(main, ["stats", "--db", str(built_store), "--json"])
    assert res.exit_code == 0, res.output
    with KnowledgeStore(built_store) as ks:
        figures = collect(ks)
        docs = ks.sql("SELECT lang, count(*) AS n FROM documents GROUP BY lang").to_pylist()
        items = ks.sql("SELECT count(*) AS n FROM items").to_pylist()[0]["n"]
    assert json.loads(res.output) == json.loads(json.dumps(figures, ensure_ascii=False, default=str))
    assert {r["lang"]: r["documents"] for r in figures["documents_per_language"]} == {d["lang"]: d["n"] for d in docs}
    assert figures["totals"]["documents"] == 5 and sum(r["items"] for r in figures["items_per_kind"]) == items
    rules = {r["rule"]: r for r in figures["removals_per_rule"]}
    assert "comment_counter" in rules and rules["comment_counter"]["example"]
    assert figures["statistics_summary"]["statistics"] >= len(figures["statistics"]) > 0
    assert all(m["text"] for m in figures["myths"]) and figures["myths_total"] >= len(figures["myths"])


def test_plain_stats_still_prints_tables(built_store):
    res = CliRunner().invoke(main, ["stats", "--db", str(built_store)])
    assert res.exit_code == 0 and "comment_counter" in res.output and "segment" in res.output


def test_report_has_every_section_and_plot_and_no_outside_reference(built_store, tmp_path):
    out = tmp_path / "r" / "report.html"
    res = CliRunner().invoke(main, ["report", "--db", str(built_store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    for sid, title in SECTIONS:
        assert f'data-section="{sid}"' in page and title in page
    for name in PLOTS:
        assert re.search(rf'data-plot="{name}"><svg', page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # nothing to fetch: no src/href pointing anywhere but an anchor of the page itself
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")]
    assert not re.search(r"https?://[^\s\"'<>]+\.(?:js|css|woff2?)\b", page)
    assert "No input was rejected" in page or "<td>" in page


def test_report_escapes_text():
    figures = _minimal()
    figures["myths"] = [{"item_id": "x", "lang": "pl", "text": "<script>alert(1)</script>", "rebuttal": "a & b",
                         "document": "d", "source_path": "d.txt", "cluster_size": 0}]
    page = render(figures)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page


def test_report_on_an_empty_store_says_so():
    with KnowledgeStore(":memory:") as ks:
        page = render(collect(ks))
    assert "No myths were extracted" in page and "No cluster spans more than one language" in page
    assert page.count("<svg") >= len(PLOTS)


def test_clusters_command_on_a_store_without_clusters(built_store):
    res = CliRunner().invoke(main, ["clusters", "--db", str(built_store), "--min-langs", "2", "--json"])
    assert res.exit_code == 0 and json.loads(res.output) == []


def test_clusters_and_related_on_the_embedded_store(embedded_store):
    r = CliRunner()
    res = r.invoke(main, ["clusters", "--db", str(embedded_store), "--json", "--top", "50"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    with KnowledgeStore(embedded_store) as ks:
        n = ks.sql("SELECT count(*) AS n FROM cluster_summary").to_pylist()[0]["n"]
    assert len(rows) == min(n, 50)
    assert [(-c["n_languages"], -c["size"]) for c in rows] == sorted((-c["n_languages"], -c["size"]) for c in rows)
    for c in r.invoke(main, ["clusters", "--db", str(embedded_store), "--kind", "tip", "--json"]).output and \
            json.loads(r.invoke(main, ["clusters", "--db", str(embedded_store), "--kind", "tip", "--json"]).output):
        assert "tip" in c["kinds"]
    if rows:
        item = rows[0]["representative_item_id"]
        res = r.invoke(main, ["related", item, "--db", str(embedded_store), "--json"])
        assert res.exit_code == 0, res.output
        got = json.loads(res.output)
        assert {m["item_id"] for m in got["cluster"]} >= {item} and len(got["cluster"]) == rows[0]["size"]
        res = r.invoke(main, ["related", item, "--db", str(embedded_store)])
        assert res.output.startswith(f"cluster {rows[0]['cluster_id']}")


def _minimal() -> dict:
    with KnowledgeStore(":memory:") as ks:
        return collect(ks)


def test_quoted_in_counts_a_statistics_cluster_not_equal_values(embedded_store):
    """Two documents stating 66% about different things do not quote one statistic."""
    with KnowledgeStore(embedded_store) as ks:
        figures = collect(ks)
        expected = {(r["text"], r["source_path"]): r["n"] for r in ks.sql("""
            SELECT i.text, d.source_path,
                   CASE WHEN c.cluster_id IS NULL THEN 1 ELSE
                       (SELECT count(DISTINCT j.doc_id) FROM cluster_member m JOIN item j USING (item_id)
                        WHERE m.cluster_id = c.cluster_id) END AS n
            FROM item i JOIN doc_source d USING (doc_id) LEFT JOIN cluster_member c USING (item_id)
            WHERE i.kind = 'statistic'""").to_pylist()}
    assert figures["statistics"]
    assert all(r["quoted_in"] == expected[(r["text"], r["source_path"])] for r in figures["statistics"])
