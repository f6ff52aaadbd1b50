"""KnowledgeStore: the Python API over the DuckDB store (read-only)."""
from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:   # pyarrow costs ~0.3 s to import: only sql() results need it, and DuckDB imports it then
    import pyarrow as pa

from pipeline.duck import literal, literals
from pipeline.types import Hit, StoreError, checked_text

__all__ = ["KnowledgeStore", "Hit", "StoreError"]


class KnowledgeStore:
    """Open a knowledge store read-only: ``KnowledgeStore("outputs/knowledge.duckdb")``.

    ``KnowledgeStore(":memory:")`` gives an empty store with the full schema (for tests
    and notebooks).
    """

    def __init__(self, path: str | os.PathLike = "outputs/knowledge.duckdb", model: str | None = None):
        import duckdb

        self.path = str(path)
        self.model = model
        if self.path == ":memory:":
            from pipeline import store

            self.con = duckdb.connect(":memory:")
            store.migrate(self.con)
        else:
            if not pathlib.Path(self.path).exists():
                raise StoreError(f"no knowledge store at {self.path}: run `make pipeline` or `kb run CORPUS` first")
            self.con = duckdb.connect(self.path, read_only=True)
        self._search = None
        self._locked = False

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "KnowledgeStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- SQL -----------------------------------------------------------------
    def _lock(self) -> None:
        """Make the connection read the store only, before it runs any SQL of the user's.

        A SELECT can read any file (``read_text``, ``read_csv``, ``glob``, ``'x.csv'``) or URL
        (autoloading httpfs); so the store's own extension (fts, which search's BM25 needs) is
        loaded first, then external access and extension autoloading are switched off and the
        configuration locked, so that no query can switch them on again. Search reads the
        vector index beside the store from Python, not through SQL.
        """
        if self._locked:
            return
        from pipeline import store

        store.load_extension(self.con, "fts")
        for setting in ("autoinstall_known_extensions = false", "autoload_known_extensions = false",
                        "enable_external_access = false", "lock_configuration = true"):
            self.con.execute(f"SET {setting}")
        self._locked = True

    def sql(self, query: str, params: Sequence[Any] | dict | None = None) -> pa.Table:
        """Run a read-only query on the store and return an Arrow table.

        Write statements are refused, and so is reading anything but the store: files, folders,
        URLs, other databases, extensions (see :meth:`_lock`).
        """
        import duckdb

        query = checked_text(query, "the query")
        self._lock()
        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as exc:
            raise StoreError(str(exc).splitlines()[0]) from exc
        if not statements:
            raise StoreError("empty query")
        if len(statements) > 1:
            raise StoreError("one statement at a time, please")
        if statements[0].type not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
            raise StoreError(f"the store is read-only: only SELECT-style queries are allowed, not "
                             f"{statements[0].type.name} (rebuild the store with `kb run`)")
        try:
            return self.con.execute(query, params or []).to_arrow_table()
        except duckdb.PermissionException as exc:
            raise StoreError(f"{str(exc).splitlines()[0]} (SQL here reads the knowledge store only: "
                             f"no files, folders, URLs or extensions)") from exc
        except duckdb.Error as exc:
            raise StoreError(str(exc).splitlines()[0]) from exc

    def documents(self) -> pa.Table:
        return self.sql("SELECT doc_id, source_path, lang, title, author, published, category, "
                        "length(clean_text) AS clean_chars FROM documents ORDER BY source_path")

    def stats(self) -> dict[str, pa.Table]:
        """Documents per language, removals per rule, rejections per reason, items per kind, stage timings."""
        return {
            "documents per language": self.sql("SELECT lang, count(*) AS documents FROM documents "
                                               "GROUP BY lang ORDER BY lang"),
            "items per kind": self.sql("SELECT kind, lang, count(*) AS items FROM item GROUP BY ALL ORDER BY ALL"),
            "removals per rule": self.sql("SELECT rule, count(*) AS removals, sum(end_char - start_char) AS chars "
                                          "FROM removed_spans GROUP BY rule ORDER BY removals DESC"),
            "rejections per reason": self.sql("SELECT stage, reason, count(*) AS files FROM rejected "
                                              "GROUP BY ALL ORDER BY files DESC"),
            "last run (seconds per stage)": self.sql("SELECT stage, processed, skipped, removed, rows, "
                                                     "round(seconds, 3) AS seconds FROM stage_run"),
        }

    def clusters(self, min_langs: int = 1, kinds: Sequence[str] | None = None, limit: int = 50) -> pa.Table:
        """Clusters of items saying the same thing, largest first: ``cluster_summary`` rows."""
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        where = [f"n_languages >= {literal(int(min_langs))}"]
        if kinds:
            where.append(f"list_has_any(kinds, [{literals(kinds)}])")
        return self.sql(f"SELECT cluster_id, size, n_languages, languages, kinds, documents, representative_text, "
                        f"representative_item_id FROM cluster_summary WHERE {' AND '.join(where)} "
                        f"ORDER BY n_languages DESC, size DESC, cluster_id LIMIT {literal(int(limit))}")

    def cluster_of(self, item_id: str) -> pa.Table:
        """The members of the cluster holding ``item_id`` (a prefix will do): empty when it is in none."""
        given = literal(item_id)
        return self.sql("SELECT c.cluster_id, i.item_id, i.kind, i.lang, round(c.similarity::DOUBLE, 4) AS similarity, "
                        "i.text, i.source_path FROM cluster_member c JOIN items i USING (item_id) "
                        f"WHERE c.cluster_id IN (SELECT cluster_id FROM cluster_member WHERE item_id = {given} "
                        f"OR starts_with(item_id, {given})) ORDER BY i.lang, c.similarity DESC")

    def document(self, doc_id: str) -> dict:
        if len(doc_id.strip()) < 4:
            raise StoreError("give at least 4 characters of a doc_id, or a source path or file name")
        given = literal(doc_id)
        t = self.sql(f"SELECT * FROM documents WHERE starts_with(doc_id, {given}) OR source_path = {given} "
                     f"OR ends_with(source_path, '/' || {given})")
        if t.num_rows == 0:
            raise StoreError(f"no document {doc_id!r} (see `kb sql \"SELECT doc_id, source_path FROM documents\"`)")
        if t.num_rows > 1:
            raise StoreError(f"{doc_id!r} matches {t.num_rows} documents: give more of the id")
        doc = t.to_pylist()[0]
        doc["removed"] = self.sql(f"SELECT start_char, end_char, rule, text FROM removed_spans "
                                  f"WHERE doc_id = {literal(doc['doc_id'])} ORDER BY start_char").to_pylist()
        return doc

    # -- search ----------------------------------------------------------------
    def _searcher(self):
        if self._search is None:
            from pipeline.duck import migrations    # not pipeline.store: it imports pyarrow
            from pipeline.search import Searcher

            built = self.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
            latest = migrations()[-1][0]
            if built < latest:
                raise StoreError(f"{self.path} was built by an older version (schema {built}, search needs "
                                 f"{latest}): rebuild it with `make pipeline` or `kb run CORPUS`")
            self._search = Searcher(self.con, self.model, None if self.path == ":memory:" else self.path)
        return self._search

    def search(self, query: str, langs: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
               top: int = 10, doc: str | None = None) -> list[Hit]:
        """Hybrid (dense + BM25, fused by reciprocal rank) search over items across languages."""
        return self._searcher().search(query, langs=langs, kinds=kinds, top=top, doc=doc)

    def related(self, item_id: str, top: int = 10, other_langs_only: bool = True) -> list[Hit]:
        """Items that say the same thing as ``item_id``, by default in the other languages."""
        return self._searcher().related(item_id, top=top, other_langs_only=other_langs_only)
