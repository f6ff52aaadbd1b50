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
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from pipeline.types import Hit, StoreError

RRF_K = 60
CANDIDATES = 100          # from each retriever, before fusion
# BM25 speaks only when query and text share words, which across languages means names,
# numbers and loanwords: a weaker voice in the fusion than the two dense rankings.
LEXICAL_WEIGHT = 0.5
HUBNESS_WEIGHT = 0.5       # CSLS: 2 cos(q, x) - r(x), halved
KINDS = ("myth", "tip", "statistic", "example", "passage")
_WORD = re.compile(r"\w+")


def query_language(query: str) -> str | None:
    """The query's language among the supported ones and English, or None when it cannot tell.

    py3langid's classifier, from the uncompressed copy ``kb model install`` writes (the
    packaged LZMA model takes ~0.5 s to open): the same answers as the langid stage's.
    """
    from pipeline.lang import SUPPORTED
    from pipeline.model import default_model_dir
    from pipeline.query import detect_among

    return detect_among(query, (*SUPPORTED, "en"), str(default_model_dir().parent))


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
    def __init__(self, con, model: str | None = None, db_path: str | None = None):
        self.con = con
        self.model = model
        self.db_path = db_path
        self._index = None
        self._index_opened = False
        self._fts: bool | None = None
        ids = [r[0] for r in con.execute("SELECT DISTINCT model_id FROM embedding").fetchall()]
        self.model_id = ids[0] if ids else None
        self.dim = (con.execute("SELECT dim FROM embedding LIMIT 1").fetchone() or [None])[0]
        aux = con.execute("SELECT model_id, dim FROM embedding_aux LIMIT 1").fetchone()
        self.aux_model_id, self.aux_dim = aux if aux else (None, None)
        self._embedder = None
        self._aux_embedder = None
        self._languages: list[str] | None = None
        self._prefetch: threading.Thread | None = None
        self._start_prefetch()

    def _start_prefetch(self) -> None:
        """Load the query encoders in a background thread: ONNX Runtime and numpy release the GIL
        while loading, so on a one-shot ``kb search`` that time overlaps with BM25 and the
        language check (about 0.3 s of a 1.5 s start). Errors are left for the query to raise."""
        def load() -> None:
            for get in (self.embedder if self.model_id else None, self.aux_embedder if self.aux_model_id else None):
                try:
                    encoder = get() if get else None
                    if hasattr(encoder, "warm_up"):
                        encoder.warm_up()
                except Exception:
                    pass

        self._prefetch = threading.Thread(target=load, name="kb-prefetch", daemon=True)
        self._prefetch.start()

    def _prefetched(self) -> None:
        if self._prefetch is not None:
            self._prefetch.join()
            self._prefetch = None

    def languages(self) -> list[str]:
        """The store's languages (read once: the store is read-only)."""
        if self._languages is None:
            rows = self.con.execute("SELECT DISTINCT lang FROM search_units").fetchall()
            self._languages = sorted(r[0] for r in rows)
        return self._languages

    def vector_index(self):
        """The faiss index beside the store (:mod:`pipeline.index`), or None: exact search in SQL."""
        if not self._index_opened:
            self._index_opened = True
            if self.db_path is not None:
                from pipeline import index

                self._index = index.open_index(self.con, self.db_path)
        return self._index

    @property
    def fts(self) -> bool:
        """Whether BM25 is available; the extension loads on first use (a cross-language query
        without names or numbers never needs it)."""
        if self._fts is None:
            from pipeline.duck import load_extension

            self._fts = load_extension(self.con, "fts") and self._has_fts_index()
        return self._fts

    def _has_fts_index(self) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = "
                                     "'fts_main_search_text'").fetchone()[0])

    # -- pieces --------------------------------------------------------------
    def embedder(self):
        if self._prefetch is not None and threading.current_thread() is not self._prefetch:
            self._prefetched()
        if self._embedder is None:
            from pipeline.embedder import query_embedder
            from pipeline.model import ModelNotInstalledError

            try:
                self._embedder = query_embedder(self.model_id, self.model)
            except ModelNotInstalledError as exc:
                raise StoreError(str(exc)) from exc
            except ValueError as exc:
                raise StoreError(f"{exc}: pass --model accordingly or re-run `kb run`") from exc
        return self._embedder

    def scope(self, langs, kinds, doc) -> "Scope":
        """The filters, checked: languages (None: all), kinds (default: the item kinds), document."""
        from pipeline.lang import SUPPORTED

        langs = [langs] if isinstance(langs, str) else langs
        kinds = [kinds] if isinstance(kinds, str) else kinds
        bad_lang = [l for l in langs or () if l not in SUPPORTED]
        if bad_lang:
            raise StoreError(f"unknown language {bad_lang[0]!r}; languages: {', '.join(SUPPORTED)}")
        kinds = list(kinds) if kinds else [k for k in KINDS if k != "passage"]
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise StoreError(f"unknown kind {bad[0]!r}; kinds: {', '.join(KINDS)}")
        return Scope(list(langs) if langs else None, kinds, doc or None)

    def _filters(self, langs, kinds, doc) -> tuple[str, list]:
        return self.scope(langs, kinds, doc).sql()

    def aux_embedder(self):
        if self._prefetch is not None and threading.current_thread() is not self._prefetch:
            self._prefetched()
        if self._aux_embedder is None:
            from pipeline.embedder import USEEmbedder

            self._aux_embedder = USEEmbedder()
        return self._aux_embedder

    def dense(self, vector: np.ndarray, where: str | "Scope", params: list | None = None, limit: int = CANDIDATES,
              aux: bool = False, exclude: str | None = None) -> list[str]:
        """Keys ranked by CSLS score in the main (or auxiliary) model's space.

        score = query . search_vector - HUBNESS_WEIGHT * hubness: the mean of the
        query's similarity to the item and to its context, less the item's
        similarity to its nearest neighbours across languages.

        ``where`` is a :class:`Scope` (through the vector index when the store has one and no
        document is named; exact SQL otherwise) or an SQL condition on ``u`` (search_units).
        """
        table, model_id, dim = ("embedding_aux", self.aux_model_id, self.aux_dim) if aux \
            else ("embedding", self.model_id, self.dim)
        if model_id is None:
            return []
        if isinstance(where, Scope):
            index = self.vector_index() if where.doc is None else None
            if index is not None:
                found = index.search(model_id, vector, HUBNESS_WEIGHT, where.langs, where.kinds,
                                     limit + (exclude is not None))
                return [k for k, _ in found if k != exclude][:limit]
            where, params = where.sql()
        if exclude is not None:
            where, params = where + " AND u.key_id <> ?", [*(params or []), exclude]
        literal = "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + f"]::FLOAT[{dim}]"
        score = (f"array_inner_product(e.search_vector, {literal}) - {HUBNESS_WEIGHT} * coalesce(h.hubness, 0)")
        hub = "LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id"
        # filter through a semi-join: joining search_units row by row costs 3x on 100k rows
        rows = self.con.execute(
            f"SELECT e.key_id FROM {table} e {hub} WHERE e.model_id = ? "
            f"AND e.key_id IN (SELECT u.key_id FROM search_units u WHERE {where}) ORDER BY {score} DESC LIMIT ?",
            [model_id, *params, limit]).fetchall()
        return [r[0] for r in rows]

    def lexical(self, query: str, where: str, params: list, limit: int) -> list[str]:
        if not self.fts:
            return []
        rows = self.con.execute(
            f"SELECT key_id FROM (SELECT u.key_id, fts_main_search_text.match_bm25(t.key_id, ?) AS score "
            f"FROM search_text t JOIN search_units u ON u.key_id = t.key_id WHERE {where}) "
            f"WHERE score IS NOT NULL ORDER BY score DESC LIMIT ?", [query, *params, limit]).fetchall()
        return [r[0] for r in rows]

    def _hits(self, ranked: list[tuple[str, float]], dense: list[str], lexical: list[str],
              limit: int | None = None) -> list[Hit]:
        """The rows of ``ranked`` as hits, in order, repeats collapsed; at least ``limit`` of them
        when there are (fetched a few ranks at a time: the fused list holds ~250 keys and a
        result page needs a handful, and each key costs DuckDB planning time)."""
        d_rank = {k: i + 1 for i, k in enumerate(dense)}
        l_rank = {k: i + 1 for i, k in enumerate(lexical)}
        hits, seen = [], set()
        chunk = len(ranked) if limit is None else max(2 * limit, 20)
        for start in range(0, len(ranked), chunk):
            if limit is not None and len(hits) >= limit:
                break
            part = ranked[start:start + chunk]
            rows = self.con.execute(
                f"SELECT key_id, kind, lang, text, doc_id, source_path, title, detail FROM search_units "
                f"WHERE key_id IN ({_sql_strings([k for k, _ in part])})").fetchall()
            by_id = {r[0]: r for r in rows}
            for k, score in part:
                if k not in by_id or (by_id[k][4], by_id[k][3]) in seen:
                    continue  # one sentence citing two entities is two items but one answer
                seen.add((by_id[k][4], by_id[k][3]))
                hits.append(Hit(item_id=k, kind=by_id[k][1], lang=by_id[k][2], text=by_id[k][3],
                                doc_id=by_id[k][4], source_path=by_id[k][5], title=by_id[k][6], detail=by_id[k][7],
                                score=round(score, 6), dense_rank=d_rank.get(k), lexical_rank=l_rank.get(k)))
        return hits

    # -- public ---------------------------------------------------------------
    def search(self, query: str, langs: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
               top: int = 10, doc: str | None = None) -> list[Hit]:
        if not query.strip():
            raise StoreError("empty query")
        if top < 1:
            raise StoreError("top must be at least 1")
        scope = self.scope(langs, kinds, doc)
        where, params = scope.sql()
        searched = [langs] if isinstance(langs, str) else langs
        terms = lexical_query(query, searched or self.languages())
        lexical = self.lexical(terms, where, params, CANDIDATES) if terms else []
        self._prefetched()
        dense = self.dense(self.embedder().encode_queries([query])[0], scope, limit=CANDIDATES) \
            if self.model_id else []
        aux = self.dense(self.aux_embedder().encode_queries([query])[0], scope, limit=CANDIDATES, aux=True) \
            if self.aux_model_id else []
        fused = fuse([dense, aux, lexical], weights=[1.0, 1.0, LEXICAL_WEIGHT])
        return self._hits(fused, dense, lexical, limit=top)[:top]

    def related(self, item_id: str, top: int = 10, other_langs_only: bool = True) -> list[Hit]:
        self._prefetched()
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
        # a passage finds passages, an item finds items
        scope = self.scope(langs, ["passage"] if kind == "passage" else None, None)
        ids = self.dense(vector, scope, limit=top + 1, exclude=item_id)
        sims = self.con.execute(
            f"SELECT key_id, array_inner_product(search_vector, ?::FLOAT[{self.dim}]) FROM embedding "
            f"WHERE key_id IN ({_sql_strings(ids)})", [vector.tolist()]).fetchall() if ids else []
        score = dict(sims)
        return self._hits([(k, float(score.get(k, 0.0))) for k in ids][:top], ids, [])


def _sql_strings(values: Sequence[str]) -> str:
    """Keys as SQL string literals. DuckDB's Python binding probes for pandas on every string
    parameter (two failed imports each, ~0.3 s for a result list on a busy machine)."""
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


@dataclass(frozen=True)
class Scope:
    """What a search may return: languages (None: any), kinds, and optionally one document."""
    langs: list[str] | None
    kinds: list[str]
    doc: str | None = None

    def sql(self) -> tuple[str, list]:
        """The same filters as an SQL condition on search_units ``u`` (values inlined as literals,
        see :func:`_sql_strings`), and its parameters."""
        where, params = [], []
        if self.langs:
            where.append(f"u.lang IN ({_sql_strings(self.langs)})")
        where.append(f"u.kind IN ({_sql_strings(self.kinds)})")
        if self.doc:
            doc = _sql_strings([self.doc])
            where.append(f"(u.doc_id = {doc} OR u.doc_id LIKE {doc} || '%' OR u.source_path = {doc})")
        return " AND ".join(where), params


def fuse(rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over rankings of weight / (k + rank).

    Two rankings that swap a pair give it equal scores; the first ranking (the
    main model's) breaks such ties, then the key, so the order is stable.
    """
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + w / (k + rank)
    first = {key: rank for rank, key in enumerate(rankings[0] if rankings else [])}
    return sorted(scores.items(), key=lambda kv: (-round(kv[1], 12), first.get(kv[0], len(first)), kv[0]))
