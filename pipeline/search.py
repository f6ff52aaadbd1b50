"""Hybrid search over the store: dense (two encoders, in DuckDB) + BM25 (DuckDB fts), fused by reciprocal rank.

Dense retrieval carries the cross-language matching: the query's inner product
with each row's search vector, the mean of the item's own vector and its
context's (see :mod:`pipeline.stages.embed`), in the main model's space and in
the auxiliary model's. BM25 adds exact-term matches. Reciprocal rank fusion with
k = 60 needs no score calibration between the rankings.

Across languages the words a query shares with a text are mostly false friends
and topic words ("media", "online"), which pulled generic items up (MRR@5 on
cross-language queries fell from 0.76 to 0.68 with full-query BM25). So when
the query's language is not among those searched, BM25 gets only the query's
names and numbers; in its own language it gets the whole query.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from pipeline import ranking
from pipeline.api import Hit, StoreError
from pipeline.units import ITEM_KINDS, KINDS

RRF_K = 60
CANDIDATES = 100          # from each retriever, before fusion
HNSW_OVERFETCH = 20
HNSW_EF_SEARCH = 256      # on raw cosine top-10: recall 0.74 vs 0.48 at the default 64, for ~1 ms
# BM25 speaks only when query and text share words, which across languages means names,
# numbers and loanwords: a weaker voice in the fusion than the two dense rankings.
LEXICAL_WEIGHT = 0.5
HUBNESS_WEIGHT = 0.5       # CSLS: 2 cos(q, x) - r(x), halved
# dense legs summed as z-scores: e5 carries the cross-language matching, USE (weaker alone:
# success@5 0.57 vs 0.76 on 74 cross-language queries) breaks its near-ties
DENSE_WEIGHTS = (1.0, 0.5)
# the default scope: items first, and the text they were not extracted from as a fallback tier
DEFAULT_KINDS = (*ITEM_KINDS, "heading", "sentence")
_WORD = re.compile(r"\w+")


def query_language(query: str) -> str | None:
    """The query's language among the supported ones and English, or None when it cannot tell."""
    from pipeline.lang import SUPPORTED
    from pipeline.stages.langid import detect_among

    return detect_among(query, (*SUPPORTED, "en"))


def name_terms(query: str) -> str:
    """The words of ``query`` that read as names or numbers: digits, or a capital past the first word."""
    words = _WORD.findall(query)
    return " ".join(w for n, w in enumerate(words)
                    if any(c.isdigit() for c in w) or (n > 0 and w[:1].isupper()) or any(c.isupper() for c in w[1:]))


def lexical_query(query: str, langs: Sequence[str] | None) -> str:
    """What BM25 is asked: the whole query in its own language, else only its names and numbers."""
    if not langs:
        return query
    lang = query_language(query)
    return query if lang is None or lang in langs else name_terms(query)


class Searcher:
    def __init__(self, con, model: str | None = None):
        from pipeline import store

        self.con = con
        self.model = model
        self.fts = store.load_extension(con, "fts") and self._has_fts_index()
        ids = [r[0] for r in con.execute("SELECT DISTINCT model_id FROM embedding").fetchall()]
        self.model_id = ids[0] if ids else None
        self.dim = (con.execute("SELECT dim FROM embedding LIMIT 1").fetchone() or [None])[0]
        aux = con.execute("SELECT model_id, dim FROM embedding_aux LIMIT 1").fetchone()
        self.aux_model_id, self.aux_dim = aux if aux else (None, None)
        self._embedder = None
        self._aux_embedder = None
        self._languages: list[str] | None = None
        self.hnsw = self._has_hnsw_index() and store.load_extension(con, "vss")
        if self.hnsw:
            con.execute(f"SET hnsw_ef_search = {HNSW_EF_SEARCH}")

    def languages(self) -> list[str]:
        """The store's languages (read once: the store is read-only)."""
        if self._languages is None:
            rows = self.con.execute("SELECT DISTINCT lang FROM search_units").fetchall()
            self._languages = sorted(r[0] for r in rows)
        return self._languages

    def _has_hnsw_index(self) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'embedding_hnsw'")
                    .fetchone()[0])

    def _has_fts_index(self) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = "
                                     "'fts_main_search_text'").fetchone()[0])

    # -- pieces --------------------------------------------------------------
    def embedder(self):
        if self._embedder is None:
            from pipeline.embedder import Embedder
            from pipeline.model import ModelNotInstalledError

            try:
                self._embedder = Embedder(self.model)
            except ModelNotInstalledError as exc:
                raise StoreError(str(exc)) from exc
            if self.model_id and self._embedder.model_id != self.model_id:
                raise StoreError(f"the store was embedded with {self.model_id!r}, not "
                                 f"{self._embedder.model_id!r}: pass --model accordingly or re-run `kb run`")
        return self._embedder

    def _filters(self, langs, kinds, doc) -> tuple[str, list]:
        from pipeline.lang import SUPPORTED

        where, params = [], []
        langs = [langs] if isinstance(langs, str) else langs
        kinds = [kinds] if isinstance(kinds, str) else kinds
        bad_lang = [l for l in langs or () if l not in SUPPORTED]
        if bad_lang:
            raise StoreError(f"unknown language {bad_lang[0]!r}; languages: {', '.join(SUPPORTED)}")
        if langs:
            where.append(f"u.lang IN ({', '.join('?' * len(langs))})")
            params += list(langs)
        kinds = list(kinds) if kinds else list(DEFAULT_KINDS)
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise StoreError(f"unknown kind {bad[0]!r}; kinds: {', '.join(KINDS)}")
        where.append(f"u.kind IN ({', '.join('?' * len(kinds))})")
        params += kinds
        if doc:
            where.append("(u.doc_id = ? OR u.doc_id LIKE ? || '%' OR u.source_path = ?)")
            params += [doc, doc, doc]
        return " AND ".join(where), params

    def aux_embedder(self):
        if self._aux_embedder is None:
            from pipeline.embedder import USEEmbedder

            self._aux_embedder = USEEmbedder()
        return self._aux_embedder

    def dense(self, vector: np.ndarray, where: str, params: list, limit: int, aux: bool = False) -> list[str]:
        """Keys ranked by CSLS score in the main (or auxiliary) model's space.

        score = query . search_vector - HUBNESS_WEIGHT * hubness: the mean of the
        query's similarity to the item and to its context, less the item's
        similarity to its nearest neighbours across languages.
        """
        table, model_id, dim = ("embedding_aux", self.aux_model_id, self.aux_dim) if aux \
            else ("embedding", self.model_id, self.dim)
        if model_id is None:
            return []
        literal = "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + f"]::FLOAT[{dim}]"
        score = (f"array_inner_product(e.search_vector, {literal}) - {HUBNESS_WEIGHT} * coalesce(h.hubness, 0)")
        hub = "LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id"
        if self.hnsw and not aux:
            # the index answers only the bare top-k form: over-fetch by cosine, then filter and re-score
            rows = self.con.execute(
                f"WITH near AS (SELECT key_id, model_id, search_vector FROM embedding "
                f"ORDER BY array_cosine_distance(search_vector, {literal}) LIMIT ?) "
                f"SELECT u.key_id FROM near e JOIN search_units u USING (key_id) {hub} "
                f"WHERE {where} ORDER BY {score} DESC LIMIT ?", [limit * HNSW_OVERFETCH, *params, limit]).fetchall()
            if len(rows) >= limit:
                return [r[0] for r in rows]
        # filter through a semi-join: joining search_units row by row costs 3x on 100k rows
        rows = self.con.execute(
            f"SELECT e.key_id FROM {table} e {hub} WHERE e.model_id = ? "
            f"AND e.key_id IN (SELECT u.key_id FROM search_units u WHERE {where}) ORDER BY {score} DESC LIMIT ?",
            [model_id, *params, limit]).fetchall()
        return [r[0] for r in rows]

    def dense_scores(self, vector: np.ndarray, where: str, params: list, limit: int,
                     aux: bool = False) -> dict[str, float]:
        """The top ``limit`` keys by CSLS score (as :meth:`dense`), with their z-scores over the
        whole searched scope: the scale on which :func:`ranking.combine` adds the legs."""
        table, model_id, dim = ("embedding_aux", self.aux_model_id, self.aux_dim) if aux \
            else ("embedding", self.model_id, self.dim)
        if model_id is None:
            return {}
        literal = "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + f"]::FLOAT[{dim}]"
        score = (f"array_inner_product(e.search_vector, {literal}) - {HUBNESS_WEIGHT} * coalesce(h.hubness, 0)")
        hub = "LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id"
        rows = self.con.execute(
            f"WITH s AS (SELECT e.key_id, {score} AS score FROM {table} e {hub} WHERE e.model_id = ? "
            f"AND e.key_id IN (SELECT u.key_id FROM search_units u WHERE {where})) "
            f"SELECT key_id, (score - avg(score) OVER ()) / coalesce(nullif(stddev_pop(score) OVER (), 0), 1) "
            f"FROM s ORDER BY score DESC, key_id LIMIT ?", [model_id, *params, limit]).fetchall()
        return {k: float(z) for k, z in rows}

    def lexical(self, query: str, where: str, params: list, limit: int) -> list[str]:
        if not self.fts:
            return []
        rows = self.con.execute(
            f"SELECT key_id FROM (SELECT u.key_id, fts_main_search_text.match_bm25(t.key_id, ?) AS score "
            f"FROM search_text t JOIN search_units u ON u.key_id = t.key_id WHERE {where}) "
            f"WHERE score IS NOT NULL ORDER BY score DESC LIMIT ?", [query, *params, limit]).fetchall()
        return [r[0] for r in rows]

    def units(self, ids: Sequence[str]) -> dict[str, ranking.Unit]:
        """The search_units rows of ``ids`` and of the passages they lie in."""
        out: dict[str, ranking.Unit] = {}
        for _ in range(2):
            ids = [k for k in dict.fromkeys(ids) if k not in out]
            if not ids:
                break
            rows = self.con.execute(
                f"SELECT {', '.join(ranking.UNIT_COLUMNS)} FROM search_units "
                f"WHERE key_id IN ({', '.join('?' * len(ids))})", ids).fetchall()
            out.update((r[0], ranking.Unit(*r)) for r in rows)
            ids = [p for u in list(out.values()) if (p := ranking.passage_key(u))]
        return out

    def _hits(self, ranked: list[tuple[str, float]], dense: list[str], lexical: list[str],
              sentences_as_passages: bool = True) -> list[Hit]:
        return ranking.hits(ranked, self.units([k for k, _ in ranked]), dense, lexical, sentences_as_passages)

    # -- public ---------------------------------------------------------------
    def search(self, query: str, langs: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
               top: int = 10, doc: str | None = None) -> list[Hit]:
        if not query.strip():
            raise StoreError("empty query")
        if top < 1:
            raise StoreError("top must be at least 1")
        where, params = self._filters(langs, kinds, doc)
        dense = self.dense_scores(self.embedder().encode_queries([query])[0], where, params, CANDIDATES) \
            if self.model_id else {}
        aux = self.dense_scores(self.aux_embedder().encode_queries([query])[0], where, params, CANDIDATES,
                                aux=True) if self.aux_model_id else {}
        searched = [langs] if isinstance(langs, str) else langs
        terms = lexical_query(query, searched or self.languages())
        lexical = self.lexical(terms, where, params, CANDIDATES) if terms else []
        legs = [(leg, w) for leg, w in zip((dense, aux), DENSE_WEIGHTS) if leg]
        fused = ranking.combine([leg for leg, _ in legs], [w for _, w in legs], lexical, LEXICAL_WEIGHT)
        narrowed = bool(kinds) and "passage" not in ([kinds] if isinstance(kinds, str) else kinds)
        return self._hits(fused, list(dense), lexical, sentences_as_passages=not narrowed)[:top]

    def related(self, item_id: str, top: int = 10, other_langs_only: bool = True) -> list[Hit]:
        row = self.con.execute("SELECT e.search_vector, u.lang, u.kind, e.key_id FROM embedding e "
                               "JOIN search_units u USING (key_id) "
                               "WHERE e.key_id = ? OR e.key_id LIKE ? || '%' LIMIT 2", [item_id, item_id]).fetchall()
        if not row:
            raise StoreError(f"no embedded item {item_id!r}")
        if len(row) > 1:
            raise StoreError(f"{item_id!r} matches several items: give more of the id")
        vector, lang, kind, item_id = np.asarray(row[0][0], dtype=np.float32), row[0][1], row[0][2], row[0][3]
        vector /= max(float(np.linalg.norm(vector)), 1e-12)  # the item and its context, as a query
        langs = sorted(set(self.languages()) - {lang}) if other_langs_only else None
        if langs == []:
            return []   # a store in one language has nothing in the others
        # an item finds items, a passage passages, a sentence sentences
        where, params = self._filters(langs, list(ITEM_KINDS) if kind in ITEM_KINDS else [kind], None)
        ids = [k for k in self.dense(vector, where + " AND u.key_id <> ?", [*params, item_id], top + 1)]
        sims = self.con.execute(
            f"SELECT key_id, array_inner_product(search_vector, ?::FLOAT[{self.dim}]) FROM embedding "
            f"WHERE key_id IN ({', '.join('?' * len(ids))})", [vector.tolist(), *ids]).fetchall() if ids else []
        score = dict(sims)
        return self._hits([(k, float(score.get(k, 0.0))) for k in ids][:top], ids, [])


fuse = ranking.fuse
