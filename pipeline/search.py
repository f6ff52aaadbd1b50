"""Search over the store's units: dense (two encoders) with a BM25 bonus, one answer per block.

What is searched (:mod:`pipeline.units`): by default every unit, the items (myths, tips,
statistics, examples) and the text tier (headings, body sentences, paragraphs as
passages), so an answer no extractor kept is still found; ``kinds`` narrows it.

Dense retrieval carries the cross-language matching: the query's inner product
with each row's search vector, the mean of the unit's own vector and its
context's (see :mod:`pipeline.stages.embed`), less half its hubness (CSLS), in the
main model's space (e5) and the auxiliary model's (USE). The two legs are summed
as z-scores over their candidates, USE at half weight (alone it is the weaker
model across languages; it breaks e5's near-ties). BM25 adds a bounded bonus.

Across languages the words a query shares with a text are mostly false friends
and topic words ("media", "online"), which pulled generic items up (MRR@5 on
cross-language queries fell from 0.76 to 0.68 with full-query BM25), and shared
numbers pull up number-heavy texts. So when the query's language is not among those
searched, BM25 gets only the query's names; in its own language the whole query.

The ranked units of one block (a tip, the sentence it was taken from, the
paragraph) become one answer (:mod:`pipeline.ranking`).
"""
from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from pipeline import bm25, ranking
from pipeline.duck import literal, literals
from pipeline.types import Hit, StoreError, checked_text
from pipeline.units import ITEM_KINDS, KINDS

RRF_K = 60
CANDIDATES = 100          # from each retriever, before fusion
# BM25 speaks only when query and text share words, which across languages means names and
# loanwords: a bonus of up to this many standard deviations of the dense score (ranking.combine).
LEXICAL_WEIGHT = 0.5
HUBNESS_WEIGHT = 0.5       # CSLS: 2 cos(q, x) - r(x), halved
# the dense legs, summed as standardised scores: e5 carries the cross-language matching
DENSE_WEIGHTS = (1.0, 0.5)
# a heading, sentence or passage that is only a question restates a query rather than answering
# it: it is moved down by this many standard deviations (ranking.demote_questions)
QUESTION_PENALTY = 0.5
LIST_CACHE_DOCS = 5_000    # documents whose list structure a Searcher keeps
# the default scope: items first, and the text they were not extracted from as a fallback tier
DEFAULT_KINDS = KINDS
_WORD = re.compile(r"\w+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


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
    """The words of ``query`` that read as names: a capital past the first word or inside one, or
    digits inside a word ("4G"). Not bare numbers: across languages a shared "67" or "2012" matches
    any statistic that happens to contain it, and number-heavy texts crowded the top of unrelated
    queries on a store of many sites."""
    words = _WORD.findall(query)
    return " ".join(w for n, w in enumerate(words)
                    if not w.isdigit() and (any(c.isdigit() for c in w) or (n > 0 and w[:1].isupper())
                                            or any(c.isupper() for c in w[1:])))


def lexical_query(query: str, langs: Sequence[str] | None) -> str:
    """What BM25 is asked: the whole query in its own language, else only its names."""
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
        # per document, the blocks that are no list item (the store is read-only while open): a
        # repeated search finds its lists without a query (see _lists)
        self._blocks_outside_lists: dict[str, list[int]] = {}
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
            rows = self.con.execute("SELECT DISTINCT lang FROM search_unit").fetchall()
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
                                     f"{literal(bm25.SCHEMA)}").fetchone()[0])

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
        kinds = list(kinds) if kinds else list(DEFAULT_KINDS)
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise StoreError(f"unknown kind {bad[0]!r}; kinds: {', '.join(KINDS)}")
        return Scope(list(langs) if langs else None, kinds, doc or None)

    def _filters(self, langs, kinds, doc) -> str:
        return self.scope(langs, kinds, doc).sql()

    def aux_embedder(self):
        if self._prefetch is not None and threading.current_thread() is not self._prefetch:
            self._prefetched()
        if self._aux_embedder is None:
            from pipeline.embedder import USEEmbedder

            self._aux_embedder = USEEmbedder()
        return self._aux_embedder

    def dense(self, vector: np.ndarray, where: str | "Scope", limit: int = CANDIDATES,
              aux: bool = False, exclude: str | None = None) -> list[str]:
        """Keys ranked by CSLS score in the main (or auxiliary) model's space (:meth:`dense_scored`)."""
        return [k for k, _ in self.dense_scored(vector, where, limit, aux, exclude)]

    def dense_scored(self, vector: np.ndarray, where: str | "Scope",
                     limit: int = CANDIDATES, aux: bool = False,
                     exclude: str | None = None) -> list[tuple[str, float]]:
        """(key, score) ranked by CSLS score in the main (or auxiliary) model's space.

        score = query . search_vector - HUBNESS_WEIGHT * hubness: the mean of the
        query's similarity to the item and to its context, less the item's
        similarity to its nearest neighbours across languages.

        ``where`` is a :class:`Scope` (through the vector index when the store has one and no
        document is named; exact SQL otherwise) or an SQL condition on ``u`` (the table search_unit).
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
                return [(k, s) for k, s in found if k != exclude][:limit]
            where = where.sql()
        if exclude is not None:
            where += f" AND u.key_id <> {literal(exclude)}"
        score = (f"array_inner_product(e.search_vector, {_vector_literal(vector, dim)}) "
                 f"- {HUBNESS_WEIGHT} * coalesce(h.hubness, 0)")
        hub = "LEFT JOIN hubness h ON h.key_id = e.key_id AND h.model_id = e.model_id"
        # filter through a semi-join: joining search_unit row by row costs 3x on 100k rows
        rows = self.con.execute(
            f"SELECT e.key_id, {score} AS score FROM {table} e {hub} WHERE e.model_id = {literal(model_id)} "
            f"AND e.key_id IN (SELECT u.key_id FROM search_unit u WHERE {where}) ORDER BY score DESC, e.key_id "
            f"LIMIT {literal(limit)}").fetchall()
        return [(r[0], float(r[1])) for r in rows]

    def lexical(self, query: str, where: str, limit: int) -> list[str]:
        """Keys ranked by BM25 (:func:`pipeline.bm25.scores`); scores equal to 9 decimals tie, and ties go
        to the key (the sums' last bits follow DuckDB's order of adding)."""
        if not self.fts:
            return []
        scores = bm25.scores(self.con, query)
        if scores is None:
            return []
        rows = self.con.execute(
            f"SELECT s.key_id FROM ({scores}) s JOIN search_unit u ON u.key_id = s.key_id WHERE {where} "
            f"ORDER BY round(s.score, 9) DESC, s.key_id LIMIT {literal(limit)}").fetchall()
        return [r[0] for r in rows]

    def units(self, ids: Sequence[str]) -> dict[str, ranking.Unit]:
        """The search_units rows of ``ids``, and the units of the blocks they lie in (a passage or a
        heading, read from ``block`` directly: the view would be scanned a second time). A sentence's
        detail is its block's text (schemas/015)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = self.con.execute(f"SELECT {', '.join(ranking.UNIT_COLUMNS)} FROM search_unit "
                                f"WHERE key_id IN ({literals(ids)})").fetchall()
        out = {r[0]: ranking.Unit(*r) for r in rows}
        wanted = {(u.doc_id, u.block_idx): u for u in out.values() if u.block_idx is not None}
        if wanted:
            docs = sorted({d for d, _ in wanted})
            idx = sorted({b for _, b in wanted})
            blocks = self.con.execute(
                f"SELECT doc_id, block_idx, kind, text, start_char, end_char FROM block "
                f"WHERE doc_id IN ({literals(docs)}) AND block_idx IN ({', '.join(map(str, idx))})").fetchall()
            lists = self._lists([(d, b) for d, b, kind, *_ in blocks if kind == "list_item" and (d, b) in wanted])
            paragraphs = {(d, b): text for d, b, _, text, *_ in blocks}
            out = {k: replace(u, list_idx=lists.get((u.doc_id, u.block_idx)),
                              detail=paragraphs.get((u.doc_id, u.block_idx)) if u.kind == "sentence" else u.detail)
                   for k, u in out.items()}
            for doc_id, block_idx, kind, text, start, end in blocks:
                u = wanted.get((doc_id, block_idx))
                if u is None or kind not in ranking.BLOCK_KINDS:
                    continue
                key = f"{doc_id}:{block_idx}" if kind != "heading" else f"{doc_id}:h{block_idx}"
                out.setdefault(key, ranking.Unit(key, ranking.BLOCK_KINDS[kind], u.lang, text, None, doc_id,
                                                 u.source_path, u.title, start, end, block_idx,
                                                 lists.get((doc_id, block_idx))))
        return out

    def _lists(self, list_items: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The list each (doc_id, block_idx) of a list item belongs to, named by the last block before
        its run of list items (the list's intro; -1 when the list opens the document)."""
        if not list_items:
            return {}
        others = self._blocks_outside_lists
        missing = sorted({d for d, _ in list_items} - others.keys())
        if missing:
            if len(others) + len(missing) > LIST_CACHE_DOCS:
                others.clear()
            found: dict[str, list[int]] = {d: [] for d in missing}
            for doc_id, block_idx in self.con.execute(
                    f"SELECT doc_id, block_idx FROM block WHERE doc_id IN ({literals(missing)}) "
                    f"AND kind <> 'list_item' ORDER BY doc_id, block_idx").fetchall():
                found[doc_id].append(block_idx)
            others.update(found)
        out = {}
        for doc_id, block_idx in list_items:
            before = others.get(doc_id, [])
            n = bisect.bisect_left(before, block_idx)
            out[(doc_id, block_idx)] = before[n - 1] if n else -1
        return out

    def _hits(self, ranked: list[tuple[str, float]], dense: list[str], lexical: list[str],
              show_blocks: bool = True, top: int | None = None, question_penalty: float = 0.0) -> list[Hit]:
        """The answers of ``ranked``; with ``top``, only as many of its head as give ``top`` answers are
        looked up (several units of one block make one answer). With ``question_penalty`` (in the
        scores' units) questions are moved down first (:func:`ranking.demote_questions`): of the
        head, only the units still scoring at least the first unit not looked up are sure of their
        place, and only they are answered from."""
        n = len(ranked) if top is None else min(len(ranked), max(4 * top, 20))
        while True:
            units = self.units([k for k, _ in ranked[:n]])
            head = ranking.demote_questions(ranked[:n], units, question_penalty)
            if question_penalty and n < len(ranked):
                head = [kv for kv in head if kv[1] >= ranked[n][1]]
            hits = ranking.hits(head, units, dense, lexical, show_blocks)
            if top is None or len(hits) >= top or n >= len(ranked):
                return hits[:top] if top is not None else hits
            n = min(len(ranked), 2 * n)

    # -- public ---------------------------------------------------------------
    def search(self, query: str, langs: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
               top: int = 10, doc: str | None = None) -> list[Hit]:
        query = checked_text(query, "the query")
        if not query.strip():
            raise StoreError("empty query")
        if not _LETTER_OR_DIGIT.search(query):
            # every text is equally (un)like punctuation or emoji: ranking them returns noise
            raise StoreError(f"the query {query.strip()!r} has no words to search for (no letter or digit)")
        if top < 1:
            raise StoreError("top must be at least 1")
        scope = self.scope(langs, kinds, doc)
        if scope.doc and not self.con.execute(f"SELECT EXISTS (SELECT 1 FROM documents u WHERE "
                                              f"{scope.doc_condition()})").fetchone()[0]:
            raise StoreError(f"no document {scope.doc!r}: give a doc_id, a prefix of one or a source path "
                             f"(see `kb sql \"SELECT doc_id, source_path FROM documents\"`)")
        where = scope.sql()
        searched = [langs] if isinstance(langs, str) else langs
        terms = lexical_query(query, searched or self.languages())
        lexical = self.lexical(terms, where, CANDIDATES) if terms and LEXICAL_WEIGHT else []
        self._prefetched()
        legs, weights = [], []
        if self.model_id and DENSE_WEIGHTS[0]:
            legs.append(self.dense_scored(self.embedder().encode_queries([query])[0], scope, limit=CANDIDATES))
            weights.append(DENSE_WEIGHTS[0])
        if self.aux_model_id and DENSE_WEIGHTS[1]:
            legs.append(self.dense_scored(self.aux_embedder().encode_queries([query])[0], scope, limit=CANDIDATES,
                                          aux=True))
            weights.append(DENSE_WEIGHTS[1])
        fused = ranking.combine([ranking.standardised(leg) for leg in legs], weights, lexical, LEXICAL_WEIGHT)
        # narrowed to some kinds, each answer is shown as a unit of those kinds
        return self._hits(fused, [k for k, _ in legs[0]] if legs else [], lexical, show_blocks=not kinds, top=top,
                          question_penalty=QUESTION_PENALTY)

    def related(self, item_id: str, top: int = 10, other_langs_only: bool = True) -> list[Hit]:
        item_id = checked_text(item_id, "the item id")
        self._prefetched()
        given = literal(item_id)
        row = self.con.execute("SELECT e.search_vector, u.lang, u.kind, e.key_id FROM embedding e "
                               f"JOIN search_unit u USING (key_id) WHERE e.key_id = {given} "
                               f"OR e.key_id LIKE {given} || '%' LIMIT 2").fetchall()
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
        scope = self.scope(langs, list(ITEM_KINDS) if kind in ITEM_KINDS else [kind], None)
        ids = self.dense(vector, scope, limit=top + 1, exclude=item_id)
        sims = self.con.execute(
            f"SELECT key_id, array_inner_product(search_vector, {_vector_literal(vector, self.dim, 9)}) FROM embedding "
            f"WHERE key_id IN ({literals(ids)})").fetchall() if ids else []
        score = dict(sims)
        return self._hits([(k, float(score.get(k, 0.0))) for k in ids][:top], ids, [], show_blocks=False)


def _vector_literal(vector: np.ndarray, dim: int, digits: int = 7) -> str:
    """A query vector as an SQL array literal (bound, it would be a parameter: see :func:`pipeline.duck.literal`);
    ``digits=9`` gives each float32 exactly."""
    return "[" + ",".join(f"{x:.{digits}g}" for x in vector.tolist()) + f"]::FLOAT[{dim}]"


@dataclass(frozen=True)
class Scope:
    """What a search may return: languages (None: any), kinds, and optionally one document."""
    langs: list[str] | None
    kinds: list[str]
    doc: str | None = None

    def sql(self) -> str:
        """The same filters as an SQL condition on search_unit ``u``, values inlined as literals
        (:func:`pipeline.duck.literal`)."""
        where = []
        if self.langs:
            where.append(f"u.lang IN ({literals(self.langs)})")
        where.append(f"u.kind IN ({literals(self.kinds)})")
        if self.doc:
            where.append(self.doc_condition())
        return " AND ".join(where)

    def doc_condition(self) -> str:
        """The document filter on a table ``u`` with doc_id and source_path (search_unit, documents)."""
        doc = literal(self.doc or "")
        return f"(u.doc_id = {doc} OR u.doc_id LIKE {doc} || '%' OR u.source_path = {doc})"


fuse = ranking.fuse
