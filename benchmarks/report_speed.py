"""Benchmark: ``kb report`` (and ``kb stats --json``) on a large store (speed, never run by the tests).

    .venv/bin/python benchmarks/report_speed.py [--db outputs/knowledge.duckdb] [--articles 10000] [--store PATH]

The large store is every row of a real store (documents, spans, items, rejections, clusters)
replicated in DuckDB with fresh ids until it holds ``--articles`` documents: running 10,000
articles of ``kb bench corpus`` through the pipeline takes over an hour on a 2-core machine. ``--store`` times an existing store instead.
The goal (issue 10): the report of a 10,000-article store written in under 10 s.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def replicate(source: pathlib.Path, dest: pathlib.Path, articles: int) -> pathlib.Path:
    """A store of ``articles`` documents made of copies of ``source``'s rows (ids suffixed with the copy number)."""
    import duckdb

    from pipeline import store

    dest.unlink(missing_ok=True)
    con = store.connect_new(dest)
    store.migrate(con)
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    n = con.execute("SELECT count(*) FROM src.doc_source").fetchone()[0]
    copies = max(1, -(-articles // n))
    con.execute(f"CREATE TEMP TABLE k AS SELECT range AS k FROM range({copies})")
    con.execute(f"""INSERT INTO doc_source SELECT s.* REPLACE (doc_id || '-' || k AS doc_id,
                    source_path || '-' || k AS source_path) FROM src.doc_source s, k
                    QUALIFY row_number() OVER () <= {articles}""")
    keep = "(SELECT doc_id FROM doc_source)"
    con.execute(f"INSERT INTO doc_language SELECT s.* REPLACE (doc_id || '-' || k AS doc_id) FROM src.doc_language s, k "
                f"WHERE doc_id || '-' || k IN {keep}")
    con.execute(f"INSERT INTO doc_clean SELECT s.* REPLACE (doc_id || '-' || k AS doc_id) FROM src.doc_clean s, k "
                f"WHERE doc_id || '-' || k IN {keep}")
    con.execute(f"INSERT INTO removed_span SELECT s.* REPLACE (doc_id || '-' || k AS doc_id) FROM src.removed_span s, k "
                f"WHERE doc_id || '-' || k IN {keep}")
    con.execute(f"INSERT INTO item SELECT s.* REPLACE (item_id || '-' || k AS item_id, doc_id || '-' || k AS doc_id) "
                f"FROM src.item s, k WHERE doc_id || '-' || k IN {keep}")
    con.execute("INSERT INTO rejection SELECT s.* REPLACE (source_path || '-' || k AS source_path) FROM src.rejection s, k")
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' "
                   "AND table_name = 'cluster_member'").fetchone()[0]:
        con.execute("INSERT INTO cluster_member SELECT s.* REPLACE (cluster_id || '-' || k AS cluster_id, "
                    "item_id || '-' || k AS item_id) FROM src.cluster_member s, k "
                    "WHERE item_id || '-' || k IN (SELECT item_id FROM item)")
    con.execute("INSERT INTO stage_run SELECT * FROM src.stage_run")
    con.execute("DETACH src")
    con.execute("CHECKPOINT")
    con.close()
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(ROOT / "outputs" / "knowledge.duckdb"), help="the store to replicate")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--store", help="time this store as it is (no replication)")
    ap.add_argument("--out", default="/tmp/kb_bench_report.html")
    a = ap.parse_args()

    from pipeline import KnowledgeStore
    from pipeline.report import write
    from pipeline.stats import collect

    if a.store:
        db = pathlib.Path(a.store)
    else:
        t0 = time.perf_counter()
        db = replicate(pathlib.Path(a.db).resolve(), pathlib.Path("/tmp/kb_bench_report.duckdb"), a.articles)
        print(f"synthetic store: {time.perf_counter() - t0:.1f}s to build")
    with KnowledgeStore(db) as ks:
        counts = ks.sql("SELECT (SELECT count(*) FROM doc_source) AS documents, (SELECT count(*) FROM item) AS items, "
                        "(SELECT count(*) FROM removed_span) AS spans, "
                        "(SELECT count(*) FROM cluster_member) AS clustered").to_pylist()[0]
        t0 = time.perf_counter()
        collect(ks)
        stats_s = time.perf_counter() - t0
        path, report_s = write(ks, a.out)
    print(f"{counts}: stats {stats_s:.2f}s, report {report_s:.2f}s ({path.stat().st_size / 1024:.0f} KiB), "
          f"goal < 10 s: {'met' if report_s < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
