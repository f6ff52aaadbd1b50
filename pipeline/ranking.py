"""Ranking: from each leg's candidates to the final, de-duplicated, tiered hits.

Pure functions over candidate lists and unit rows; no I/O, no models. The
search module gathers the legs (dense in two encoders, BM25) and hands them here.

- :func:`combine` sums the dense legs' standardised scores (weighted) and adds
  a bounded bonus for BM25 matches; :func:`fuse` is reciprocal rank fusion,
  kept for ``related`` and comparison.
- :func:`answers` merges the units of one block into one answer (an item, the
  sentence it was extracted from and the paragraph around them): the answer is its
  item if one ranked, else its block; it is shown as the block's text (the paragraph
  or heading) with the sentence that matched; each hit says its kind and tier.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.units import ITEM_KINDS, clean_text

RRF_K = 60
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s")
# block kind -> the kind of unit a block is in search_unit (schemas/011, 015)
BLOCK_KINDS = {"heading": "heading", "paragraph": "passage", "list_item": "passage", "quote": "passage"}


@dataclass(frozen=True)
class Unit:
    """One row of ``search_units``: what a hit can show. (Read from the table ``search_unit``, where a
    sentence's detail, its paragraph, is NULL: :meth:`pipeline.search.Searcher.units` fills it.)"""
    key_id: str
    kind: str
    lang: str
    text: str
    detail: str | None
    doc_id: str
    source_path: str
    title: str | None
    start_char: int | None = None
    end_char: int | None = None
    block_idx: int | None = None
    # for a unit in a list item: the block before the list (its intro), which names the list
    list_idx: int | None = None

    @property
    def tier(self) -> str:
        return "item" if self.kind in ITEM_KINDS else "text"


# the columns of search_unit a Unit is read from (list_idx comes from the block table)
UNIT_COLUMNS = tuple(Unit.__dataclass_fields__)[:-1]


def fuse(rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None,
         k: int = RRF_K) -> list[tuple[str, float]]:
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


def standardised(leg: Sequence[tuple[str, float]]) -> dict[str, float]:
    """A leg's candidates as z-scores (less their mean, over their standard deviation): one scale
    for legs whose raw scores are not comparable (two encoders' inner products)."""
    if not leg:
        return {}
    scores = [s for _, s in leg]
    mean = sum(scores) / len(scores)
    sd = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5 or 1.0
    return {k: (s - mean) / sd for k, s in leg}


def combine(dense: Sequence[dict[str, float]], weights: Sequence[float], lexical: Sequence[str] = (),
            lexical_weight: float = 0.5, k: int = RRF_K) -> list[tuple[str, float]]:
    """Weighted sum of the dense legs' standardised scores, plus a bounded bonus for BM25 matches.

    Each dense leg gives z-scores (:func:`standardised`, over its candidates): on one scale, a leg that is sure of a unit (far above the rest) counts
    for more than one that ranks it first by a hair, which reciprocal ranks cannot tell apart.
    A unit missing from a leg's candidates gets that leg's lowest candidate score (it ranked
    below all of them). BM25 adds ``lexical_weight * k / (k + rank)``: a shared name or number
    is worth up to that many standard deviations. Ties go to the first leg's order, then the key.
    """
    keys: dict[str, None] = {}
    for leg in dense:
        keys.update(dict.fromkeys(leg))
    keys.update(dict.fromkeys(lexical))
    floors = [min(leg.values()) if leg else 0.0 for leg in dense]
    scores = {key: sum(w * leg.get(key, floor) for leg, w, floor in zip(dense, weights, floors)) for key in keys}
    for rank, key in enumerate(lexical, start=1):
        scores[key] += lexical_weight * k / (k + rank)
    first = {key: n for n, key in enumerate(sorted(dense[0], key=dense[0].get, reverse=True))} if dense else {}
    return sorted(scores.items(), key=lambda kv: (-round(kv[1], 9), first.get(kv[0], len(first)), kv[0]))


@dataclass
class Answer:
    """One answer: what it is, its score, every unit of its block that ranked (best first), and
    the block's own unit (its paragraph or heading), whose text shows the answer in place."""
    unit: Unit
    score: float
    units: list[Unit]
    block: Unit | None = None

    @property
    def matched(self) -> Unit | None:
        """The best-ranked sentence-sized unit (an item, a sentence, a heading) of the block shown, not the
        block itself (of a list, the point shown)."""
        return next((u for u in self.units if u.kind != "passage" and (self.block is None or (
                     u.key_id != self.block.key_id and u.block_idx == self.block.block_idx))), None)


def is_question(text: str) -> bool:
    """Whether ``text`` (a heading, sentence or passage) is a question and nothing more: its clean
    text ends with a question mark and no sentence ends before it ("Co to jest TikTok?"; not a
    paragraph that says something and then asks)."""
    t = clean_text(text).rstrip()
    return t.endswith(("?", "？")) and not _SENTENCE_END.search(t[:-1])


def demote_questions(ranked: Sequence[tuple[str, float]], units: dict[str, Unit],
                     penalty: float) -> list[tuple[str, float]]:
    """``ranked`` with ``penalty`` taken off every text unit (heading, sentence, passage) that is a
    question, re-sorted (stable). A query is often a question, and the encoder finds questions
    close to questions ("Co to jest TikTok?" for "daily time on TikTok per user"): a question
    restates what is asked and answers nothing. Items are what an extractor kept as a statement,
    and a heading's section is still reached through the units under it."""
    if not penalty:
        return list(ranked)
    out = [(k, s - penalty if (u := units.get(k)) is not None and u.tier == "text" and is_question(u.text) else s)
           for k, s in ranked]
    return sorted(out, key=lambda kv: -kv[1])


def answers(ranked: Iterable[tuple[str, float]], units: dict[str, Unit], show_blocks: bool = True) -> list[Answer]:
    """Merge the ranked units of one block (a heading, a paragraph, a list item) into one answer, best first.

    The answer takes the score of its best unit; it *is* its best item when one of the block's
    items ranked (items first), else the block (a passage or heading), else its best unit. With
    ``show_blocks`` it is shown as its block's text, the sentence or item that matched named
    beside it: the encoder finds the right paragraph far more often than the right sentence in
    it (on 74 cross-language queries, showing the best sentence instead lost a fifth of the
    answers), and a heading item reads as the heading it was taken from ("Mit: …"). Without
    (a search narrowed to some kinds) each answer is shown as its best unit of those kinds.

    The items of one list are one answer too, shown as the list item that ranked best: each is
    searched as a point of its list (their search vectors share the list as context), so a
    list of short points ("Geen verwijzingen,", "Conversiesnelheden blijven enorm laag.") came
    back as that many answers of almost equal score and pushed other documents out of the top.
    Narrowed to some kinds (without ``show_blocks``), each item is an answer of its own.
    """
    groups: dict[tuple, Answer] = {}
    out: list[Answer] = []
    for key, score in ranked:
        u = units.get(key)
        if u is None:
            continue
        g = (u.doc_id, "list", u.list_idx) if show_blocks and u.list_idx is not None else \
            (u.doc_id, u.block_idx) if u.block_idx is not None else (u.doc_id, u.key_id)
        a = groups.get(g)
        if a is None:
            a = groups[g] = Answer(u, score, [u])
            out.append(a)
        else:
            a.units.append(u)
    for a in out:
        items = [u for u in a.units if u.tier == "item"]
        if show_blocks:   # the block of the answer's item (a list's point that is one), else of its best unit
            a.block = next((units[k] for k in block_keys((items or a.units)[0]) if k in units), None)
        a.unit = items[0] if items else a.block or a.units[0]
    return out


def shown(answer: Answer) -> Unit:
    """The unit whose text shows an answer: its block, unless the answer is an item that runs past
    the block (a statistic whose number is a heading of its own, "65%", and whose sentence is the
    paragraph under it): then the item, which holds all of it."""
    u, block = answer.unit, answer.block
    if block is None:
        return u
    if u.key_id != block.key_id and None not in (u.start_char, u.end_char, block.start_char, block.end_char) \
            and (u.start_char < block.start_char or u.end_char > block.end_char):
        return u
    return block


def _same_text(text: str) -> str:
    """What two texts share when they read the same: their letters and digits, case folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum()) or text


def block_keys(unit: Unit) -> list[str]:
    """The keys the block a unit lies in may have as a unit: a passage, or a heading."""
    if unit.block_idx is None:
        return []
    return [f"{unit.doc_id}:{unit.block_idx}", f"{unit.doc_id}:h{unit.block_idx}"]


def hits(ranked: Sequence[tuple[str, float]], units: dict[str, Unit], dense: Sequence[str] = (),
         lexical: Sequence[str] = (), show_blocks: bool = True):
    """The answers of ``ranked`` as :class:`pipeline.types.Hit` objects, best first, shown by clean text.

    An answer whose text reads the same as a better one's (letters and digits, case aside) is
    left out: the same sentence in two copies of an article, or a heading repeated, tells the
    reader nothing new and took a place from another answer."""
    from pipeline.types import Hit

    d_rank = {k: i + 1 for i, k in enumerate(dense)}
    l_rank = {k: i + 1 for i, k in enumerate(lexical)}
    out = []
    seen: set[str] = set()
    for a in answers(ranked, units, show_blocks):
        u = a.unit
        text = clean_text(shown(a).text)
        same = _same_text(text)
        if same in seen:
            continue
        seen.add(same)
        matched = clean_text(a.matched.text) if a.matched is not None else None
        out.append(Hit(item_id=u.key_id, kind=u.kind, lang=u.lang, text=text, doc_id=u.doc_id,
                       source_path=u.source_path, title=u.title,
                       detail=clean_text(u.detail) if u.detail is not None else None, score=round(a.score, 6),
                       dense_rank=min((d_rank[v.key_id] for v in a.units if v.key_id in d_rank), default=None),
                       lexical_rank=min((l_rank[v.key_id] for v in a.units if v.key_id in l_rank), default=None),
                       tier=u.tier, sentence=matched if matched != text else None))
    return out
