"""The corpus in numbers: one function computes what ``kb stats`` prints and ``kb report`` draws.

Every figure is an aggregate or a top-N list computed in DuckDB, so the result stays
small (and fast to compute) whether the store holds five articles or 100,000.
``collect`` returns plain JSON-ready data: lists of row dicts per section.
"""
from __future__ import annotations

from typing import Any

from pipeline.duck import literal, literals

TOP_RULES = 25          # artefact rules shown (by removals)
TOP_SOURCES = 15        # most quoted statistic sources
TOP_STATISTICS = 200    # rows of the statistics table
TOP_MYTHS = 30
TOP_CLUSTERS = 10       # largest cross-language clusters, side by side
TOP_REJECTIONS = 20
MEMBERS_PER_LANGUAGE = 3


def _rows(ks, query: str) -> list[dict[str, Any]]:
    return ks.con.execute(query).to_arrow_table().to_pylist()


def _has_table(ks, name: str) -> bool:
    return ks.con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = {literal(name)}").fetchone()[0] > 0


def collect(ks) -> dict[str, Any]:
    """Every number of the report, from a :class:`pipeline.api.KnowledgeStore`."""
    has_clusters = _has_table(ks, "cluster_member")
    out: dict[str, Any] = {}
    out["totals"] = _rows(ks, f"""
        SELECT (SELECT count(*) FROM doc_source) AS documents,
               (SELECT count(*) FROM item) AS items,
               (SELECT count(*) FROM removed_span) AS removed_spans,
               (SELECT coalesce(sum(end_char - start_char), 0)::BIGINT FROM removed_span) AS removed_chars,
               (SELECT count(*) FROM rejection) AS rejected,
               {"(SELECT count(DISTINCT cluster_id) FROM cluster_member)" if has_clusters else "0"} AS clusters,
               {"(SELECT count(*) FROM cluster_summary WHERE n_languages > 1)" if has_clusters else "0"}
                   AS cross_language_clusters""")[0]
    out["documents_per_language"] = _rows(ks, """
        SELECT l.lang, count(*) AS documents, sum(length(c.clean_text))::BIGINT AS clean_chars
        FROM doc_language l JOIN doc_clean c USING (doc_id) GROUP BY l.lang ORDER BY documents DESC, l.lang""")
    out["items_per_kind"] = _rows(ks, """
        SELECT kind, lang, count(*) AS items FROM item GROUP BY ALL ORDER BY kind, lang""")
    out["removals_per_rule"] = _rows(ks, f"""
        SELECT rule, count(*) AS removals, sum(end_char - start_char)::BIGINT AS chars,
               count(DISTINCT doc_id) AS documents,
               min_by(left(text, 160), doc_id || lpad(start_char::VARCHAR, 10, '0')) AS example
        FROM removed_span GROUP BY rule ORDER BY removals DESC, rule LIMIT {TOP_RULES}""")
    out["statistics_summary"] = _rows(ks, """
        SELECT count(*) AS statistics, count(source) AS with_source, count(DISTINCT source) AS sources,
               count(DISTINCT doc_id) AS documents FROM item WHERE kind = 'statistic'""")[0]
    out["top_sources"] = _rows(ks, f"""
        SELECT source, count(*) AS statistics, count(DISTINCT doc_id) AS documents,
               list(DISTINCT lang ORDER BY lang) AS languages
        FROM item WHERE kind = 'statistic' AND source IS NOT NULL AND trim(source) <> ''
        GROUP BY source ORDER BY statistics DESC, documents DESC, source LIMIT {TOP_SOURCES}""")
    # the statistics quoted by the most documents first, then those with a source. Quoted in: the documents
    # of the statistic's cluster (the same value, unit and subject, saying the same), not every equal value:
    # "66% use TikTok" and "66% use Facebook" are two statistics
    quoted = ("coalesce(count(DISTINCT i.doc_id) OVER (PARTITION BY coalesce(c.cluster_id, i.item_id)), 1)"
              if has_clusters else "1")
    member = "LEFT JOIN cluster_member c USING (item_id)" if has_clusters else ""
    out["statistics"] = _rows(ks, f"""
        WITH s AS (
            SELECT i.value, i.unit, i.currency, i.source, i.year, i.lang, i.text, i.doc_id,
                   coalesce(d.title, d.source_path) AS document, d.source_path, {quoted} AS quoted_in
            FROM item i JOIN doc_source d USING (doc_id) {member} WHERE i.kind = 'statistic')
        SELECT value, unit, currency, source, year, lang, text, document, source_path, quoted_in FROM s
        ORDER BY quoted_in DESC, source IS NULL, value DESC, source_path, text LIMIT {TOP_STATISTICS}""")
    clustered = ("LEFT JOIN cluster_member c USING (item_id) LEFT JOIN (SELECT cluster_id, count(*) AS size "
                 "FROM cluster_member GROUP BY cluster_id) z USING (cluster_id)") if has_clusters else ""
    out["myths"] = _rows(ks, f"""
        SELECT i.item_id, i.lang, i.text, i.rebuttal, coalesce(d.title, d.source_path) AS document,
               d.source_path, {"coalesce(z.size, 0)" if has_clusters else "0"} AS cluster_size
        FROM item i JOIN doc_source d USING (doc_id) {clustered} WHERE i.kind = 'myth'
        ORDER BY cluster_size DESC, i.rebuttal IS NULL,
                 row_number() OVER (PARTITION BY i.lang ORDER BY d.source_path, i.start_char), i.lang
        LIMIT {TOP_MYTHS}""")
    out["myths_total"] = _rows(ks, "SELECT count(*) AS n FROM item WHERE kind = 'myth'")[0]["n"]
    out["clusters"] = _clusters(ks) if has_clusters else []
    out["cluster_sizes"] = _rows(ks, """
        SELECT n_languages, size, count(*) AS clusters FROM cluster_summary GROUP BY ALL ORDER BY ALL""") \
        if has_clusters else []
    out["rejections"] = _rows(ks, f"""
        WITH r AS (SELECT stage, regexp_replace(reason, '(duplicate of|same text as) .*$', '\\1 …') AS reason,
                          source_path FROM rejection)
        SELECT stage, reason, count(*) AS files, min(source_path) AS example
        FROM r GROUP BY ALL ORDER BY files DESC, stage, reason LIMIT {TOP_REJECTIONS}""")
    out["stages"] = _rows(ks, "SELECT stage, processed, skipped, removed, rows, round(seconds, 3) AS seconds "
                              "FROM stage_run")
    return out


def _clusters(ks) -> list[dict[str, Any]]:
    """The largest cross-language clusters (most languages, then most members), members grouped by language."""
    top = _rows(ks, f"""
        SELECT cluster_id, size, n_languages, languages, kinds, documents, representative_text
        FROM cluster_summary WHERE n_languages > 1
        ORDER BY n_languages DESC, size DESC, cluster_id LIMIT {TOP_CLUSTERS}""")
    if not top:
        return []
    members = _rows(ks, f"""
        SELECT c.cluster_id, i.item_id, i.lang, i.kind, i.text, c.similarity,
               coalesce(d.title, d.source_path) AS document
        FROM cluster_member c JOIN item i USING (item_id) JOIN doc_source d USING (doc_id)
        WHERE c.cluster_id IN ({literals(c["cluster_id"] for c in top)})
        QUALIFY row_number() OVER (PARTITION BY c.cluster_id, i.lang ORDER BY c.similarity DESC, i.item_id)
                <= {MEMBERS_PER_LANGUAGE}
        ORDER BY c.cluster_id, i.lang, c.similarity DESC""")
    by_cluster: dict[str, dict[str, list]] = {}
    for m in members:
        by_cluster.setdefault(m["cluster_id"], {}).setdefault(m["lang"], []).append(
            {"item_id": m["item_id"], "text": m["text"], "document": m["document"],
             "similarity": round(float(m["similarity"]), 4)})
    for c in top:
        c["members"] = by_cluster.get(c["cluster_id"], {})
    return top
