"""BM25 over the store's search units, read from DuckDB's fts index tables.

DuckDB's ``match_bm25`` is a scalar macro: asked of every row of search_text, it scored every unit
holding a query term and then matched each row's key against them. At 100,000 articles (12 million
units, 229 million term rows) one search took 19-46 s and 9 GB. :func:`scores` computes the same
scores (the macro's formula and defaults, k 1.2 and b 0.75) as one aggregate: the query's terms are
looked up in the dictionary first, and the terms table is scanned with their ids as literals, which
DuckDB checks inside the scan. The store writes the index (``pipeline.store``); this module only reads it.
"""
from __future__ import annotations

import re

from pipeline.duck import literal

SCHEMA = "fts_main_search_text"   # create_fts_index's schema for the table search_text


def stemmer(con) -> str:
    """The stemmer the index was built with (its match_bm25 macro names it)."""
    macro = con.execute(f"SELECT macro_definition FROM duckdb_functions() WHERE schema_name = {literal(SCHEMA)} "
                        "AND function_name = 'match_bm25'").fetchone()
    m = re.search(r"stem\(unnest\(\w+\.tokenize\(query_string\)\), '(\w+)'\)", macro[0] if macro else "")
    return m.group(1) if m else "none"


def scores(con, query: str) -> str | None:
    """An SQL subquery of (key_id, score), one row per unit that holds a term of ``query``, scored as
    ``match_bm25(key_id, query)`` scores it; None when no term of the query is in the index.

    Units removed since the index was built keep their rows in ``terms`` (tombstones, see
    ``store._fts_remove``): the join with ``docs`` leaves them out, as it does in the macro."""
    f = SCHEMA
    terms = [r[0] for r in con.execute(
        f"SELECT termid FROM {f}.dict WHERE term IN "
        f"(SELECT stem(unnest({f}.tokenize({literal(query)})), '{stemmer(con)}'))").fetchall()]
    if not terms:
        return None
    ids = ", ".join(str(int(t)) for t in sorted(terms))
    return f"""SELECT any_value(d.name) AS key_id,
               sum(log((((st.num_docs - q.df) + 0.5) / (q.df + 0.5)) + 1)
                   * ((tf.tf * (1.2 + 1)) / (tf.tf + (1.2 * ((1 - 0.75) + (0.75 * (d.len / st.avgdl))))))) AS score
        FROM (SELECT termid, docid, count_star() AS tf FROM {f}.terms WHERE termid IN ({ids})
              GROUP BY docid, termid) tf
        JOIN (SELECT termid, df FROM {f}.dict WHERE termid IN ({ids})) q ON q.termid = tf.termid
        JOIN {f}.docs d ON d.docid = tf.docid
        CROSS JOIN {f}.stats st
        GROUP BY tf.docid"""
