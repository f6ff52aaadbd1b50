"""Extract statistics: quantitative facts, one item per quantity.

Quantities come from ``pipeline.numbers.find_quantities``; years, ranges, durations, dates,
list numbers and bare numbers are never statistics. ``RULES`` decide, by its unit, whether
a quantity of a sentence outside headings states a statistic (an item's ``extractor``
names the rule):

  stat_percent     a percentage or proportion: ``72 persen``, ``45%``, ``Siedem na dziesięć``
                   (= 70), ``Twee derde`` (= 66.7)
  stat_currency    an amount of money: ``$ 5.000`` (5000 USD), ``50 tys. zł``, ``€ 300``
  stat_multiplier  more than once, not a frequency: ``4x``, ``dwa razy więcej``, ``drie keer``
                   (not ``3 razy w tygodniu``, ``twee keer per week``)
  stat_count       a count scaled by a magnitude word, or in digits from a million up, or from
                   a hundred up in a sentence that names a study or source: ``50 juta
                   pengguna``, ``12 milionów klientów``, ``1,2 miljoen accounts``; or from ten
                   up of people, customers, orders or copies (``STAT_COUNT_NOUNS``) named
                   right after it or as its label: ``866 zamówień``, ``zamówienia: 1379``

and none holds after a hypothetical or instruction cue in the sentence (``Jika ...``,
``Załóżmy, że ...``, ``Als je ...``) or right after an offer or limit cue (``diskon 20%``,
``maksymalnie 3 razy``, ``korting van 20%``).

``text`` is the sentence stating it (clipped around the quantity to 400 chars); a figure set
apart on a line or heading of its own (``73%`` / ``van de organisaties ...``) is stated by it
and the first sentence of the next block. ``value`` is percent as 0-100; ``source`` the study,
organisation or person it is attributed to (a name with the citation evidence of ``names``,
a lower-camel brand such as ``iPrice`` or a site's domain included; a platform only after a
source word: ``volgens Google``), in this order: in the same sentence; for a sentence that
speaks of a study without naming one ("het eerste onderzoek", "to badanie"), the last study
named before it in the document; in an earlier sentence of the paragraph; for a list item or a
block after a line ending in ":", in that intro line; in an earlier block of the same section
(up to the next heading of its level); else the one study in a closing list of sources
("Bronnen:" / "Źródła:" / "Sumber:"). ``year`` is the source's year or the first year stated
in the sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from pipeline.docmodel import Block, DocContext
from pipeline.extract import names, spans
from pipeline.extract.items import Item, Statistic, make
from pipeline.lang import get as lang_data
from pipeline.nlp import cue_matches, cues, tokenize, words_between
from pipeline.textmap import stable_hash
from pipeline.numbers import COUNT, CURRENCY, MULTIPLIER, NUMBER, PERCENT, YEAR, Quantity, find_quantities

_YEAR_END = re.compile(r"\(\s*((?:19|20)\d\d)\s*\)\.?\s*$")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_YEAR_IN_BRACKETS = re.compile(r"\s*\(\s*(19\d\d|20\d\d)\s*\)")
_LABEL_GAP = re.compile(r"\s*:\s*")                   # "zamówienia: 1379"
_JOINED_SOURCES = re.compile(r"\s*[/&]\s*")
Source = tuple[str, "int | None"]   # (name, year)


@dataclass(frozen=True)
class Settings:
    max_percent: float = 1000           # "wzrost o 300%" is fine; more is a code or a typo
    count_magnitude: float = 1e6        # a count in digits alone is a statistic from here
    count_with_source: float = 100      # ... or from here with a study or source in the sentence
    count_of_things: float = 10         # ... or from here of people, customers, orders, copies (STAT_COUNT_NOUNS)
    source_list_label_chars: int = 80   # a label of a list of sources is a short line
    source_entry_chars: int = 200       # a source taken from that list is cut here


@dataclass(frozen=True)
class Stated:
    """A quantity in its sentence: what the rules look at."""

    lang: str
    text: str           # the sentence
    q: Quantity
    sourced: bool       # the sentence names a study or a source
    settings: Settings
    advice: bool = False    # the sentence is a tip (an extractor before found it): "Find 10 customers"


def _cue_before(lang: str, field: str, text: str, pos: int, max_words: int | None = None) -> bool:
    """Whether a cue of ``field`` ends before char ``pos`` (within ``max_words`` words)."""
    found = cues(lang, field, text)
    if not found:
        return False    # (most sentences) no cue: no tokens needed
    toks = tokenize(text)
    for s, e in found:
        if toks[e - 1].end > pos:
            continue
        if max_words is None:
            return True
        k = next((t.i for t in toks if t.start >= pos), len(toks))
        if words_between(toks, e, k) <= max_words:
            return True
    return False


def _cue_after(lang: str, field: str, text: str, pos: int, max_words: int) -> bool:
    """Whether a cue of ``field`` starts after char ``pos`` within ``max_words`` words."""
    found = cues(lang, field, text)
    if not found:
        return False
    toks = tokenize(text)
    k = next((t.i for t in toks if t.start >= pos), len(toks))
    return any(s >= k and words_between(toks, k, s) <= max_words for s, _ in found)


# --- rules ------------------------------------------------------------------------------

def stat_percent(x: Stated) -> bool:
    """``72 persen``, ``45%``, ``Siedem na dziesięć``, ``Twee derde``; up to ``max_percent``."""
    return x.q.unit == PERCENT and 0 < x.q.value <= x.settings.max_percent


def stat_currency(x: Stated) -> bool:
    """``$ 5.000``, ``50 tys. zł``, ``€ 300``."""
    return x.q.unit == CURRENCY


def stat_multiplier(x: Stated) -> bool:
    """``4x``, ``dwa razy``, ``drie keer``: more than once, and no frequency word after it."""
    return (x.q.unit == MULTIPLIER and x.q.value > 1
            and not _cue_after(x.lang, "STAT_FREQUENCY_WORDS", x.text, x.q.end, 1))


def stat_count(x: Stated) -> bool:
    """``50 juta pengguna``, ``12 milionów``, ``1,2 miljoen``; in digits from a million (a hundred with a source);
    from ten, of people, customers, orders or copies: ``866 zamówień``, ``zamówienia: 1379``, ``30 osób``."""
    if x.q.unit == NUMBER:
        return _counted(x)      # a bare number after its label: a count
    if x.q.unit != COUNT:
        return False
    magnitude = any(c.isalpha() for c in x.q.text) and x.q.value >= 1000
    return (magnitude or x.q.value >= x.settings.count_magnitude
            or (x.sourced and x.q.value >= x.settings.count_with_source) or _counted(x))


def _counted(x: Stated) -> bool:
    """A count of at least ``count_of_things`` of a thing a business counts, named right after it ("866
    zamówień") or as the label before it ("zamówienia: 1379"), in a sentence that is not a tip."""
    if x.q.value < x.settings.count_of_things or x.advice:
        return False    # "Tinggal jauh dari influencer dengan 100.000 pengikut": a count in advice is no finding
    if x.q.unit == COUNT and _cue_after(x.lang, "STAT_COUNT_NOUNS", x.text, x.q.end, 0):
        return True
    nouns = cues(x.lang, "STAT_COUNT_NOUNS", x.text)
    if not nouns:
        return False
    toks = tokenize(x.text)
    return any(_LABEL_GAP.fullmatch(x.text, toks[e - 1].end, x.q.start)
               for _, e in nouns if toks[e - 1].end <= x.q.start)


RULES: tuple[Callable[[Stated], bool], ...] = (stat_percent, stat_currency, stat_multiplier, stat_count)


def rule_for(x: Stated) -> str | None:
    """The rule that makes a stated quantity a statistic, or None (also after a hypothetical or offer cue)."""
    rule = next((r.__name__ for r in RULES if r(x)), None)
    if rule is None or _cue_before(x.lang, "STAT_HYPOTHETICAL", x.text, x.q.start):
        return None
    if _cue_before(x.lang, "STAT_NOT_CUES", x.text, x.q.start, max_words=2):
        return None
    return rule


# --- sources -------------------------------------------------------------------------------

def sentence_source(lang: str, text: str, vocab: frozenset[str] = frozenset()) -> Source | None:
    """(name, year) of the study, organisation or person a sentence attributes a finding to."""
    if not names.may_cite(lang, text):
        return None     # most sentences: no run of them is cited
    return _cited_source(lang, text, vocab)


def _cited_source(lang: str, text: str, vocab: frozenset[str]) -> Source | None:
    """:func:`sentence_source` of a sentence that may cite (``names.may_cite``)."""
    rs = names.shared_runs(lang, text, vocab, with_platforms=True)
    for i, r in enumerate(rs):
        rule = names.cited(names.Mention(lang, text, r))
        if rule is None or (r.platform and rule != "example_report"):
            continue    # a platform is a source only when the sentence says so ("volgens Google")
        name, end = r.text, r.end
        # "Harris Interactive / Right Now": sources joined by a slash or "&"
        for r2 in rs[i + 1:]:
            if _JOINED_SOURCES.fullmatch(text, end, r2.start):
                name, end = text[r.start:r2.end], r2.end
            else:
                break
        m = _YEAR.search(name) or _YEAR_IN_BRACKETS.match(text, end)
        return name, int(m.group(1)) if m else None
    return None


def _intro_block(doc: DocContext, block: Block) -> Block | None:
    """The line that introduces a list item or a block after a colon: "Menurut X, ...:"."""
    i = block.idx - 1
    while i >= 0 and doc.blocks[i].kind == "list_item" and block.kind == "list_item":
        i -= 1
    prev = doc.blocks[i] if i >= 0 else None
    if prev is None or prev.kind == "heading":
        return None
    if block.kind == "list_item" or prev.text.rstrip().endswith(":"):
        return prev
    return None


def _is_source_list_label(lang: str, text: str, settings: Settings) -> bool:
    if len(text) > settings.source_list_label_chars and len(text.strip()) > settings.source_list_label_chars:
        return False    # (most blocks) too long for a label whatever its case (casefold never shortens a text)
    labels = lang_data(lang).STAT_SOURCE_LIST_LABELS
    head = text.strip().casefold()
    if not head or len(head) > settings.source_list_label_chars or not (
            head.endswith(":") or head.rstrip(".") in labels):
        return False
    return re.split(r"[\s:]", head, maxsplit=1)[0] in labels or head.rstrip(":. ") in labels


def bibliography_source(doc: DocContext, settings: Settings) -> Source | None:
    """The one study in a closing list of sources ("Bronnen:" / "Źródła:" / "Sumber:"), or None."""
    for i, b in enumerate(doc.blocks):
        if not _is_source_list_label(doc.lang, b.text, settings):
            continue
        entries = []
        for e in doc.blocks[i + 1:]:
            if e.kind == "heading":
                break
            entries.append(e)
        studies = [k for k, e in enumerate(entries) if cues(doc.lang, "STAT_STUDY_CUES", e.text)]
        if len(studies) != 1:
            return None
        k = studies[0]
        whole = entries[k].text.strip()
        if k > 0 and _YEAR_END.search(entries[k - 1].text):
            whole = entries[k - 1].text.strip() + " " + whole   # "Author (2014)." + "Title."
        whole = whole[:settings.source_entry_chars].rstrip(" .")
        m = _YEAR.search(whole)
        return whole, int(m.group(1)) if m else None
    return None


def _source_for(doc: DocContext, block: Block, found: list[Source | None], fallback: Source | None) -> Source | None:
    """The source of the sentence whose own source is ``found[-1]``: it, an earlier sentence's of the
    paragraph, the intro line's, or the document's list of sources."""
    src = found[-1] or next((s for s in reversed(found[:-1]) if s), None)
    if src is None:
        intro = _intro_block(doc, block)
        if intro is not None:
            vocab = names.lower_vocab(doc)
            src = next((s for s in (sentence_source(doc.lang, x.text, vocab)
                                    for x in reversed(spans.sentences(intro))) if s), None)
    return src or fallback


# --- extraction ------------------------------------------------------------------------------

def _block_statistics(doc: DocContext, block: Block, settings: Settings, fallback: Source | None,
                      studies: list[Source], tips: frozenset[int] = frozenset()) -> tuple[list[Statistic], Source | None]:
    """The statistics of a block, and the last source its own sentences name (carried on in the section).

    ``studies``: the sources named with a study so far in the document (appended to): a sentence that
    speaks of a study without naming one ("het eerste onderzoek", "studi ini") means the last of them.
    ``tips``: the raw start offsets of the tips found before (a sentence that is one is advice)."""
    lang = doc.lang
    out: list[Statistic] = []
    found: list[Source | None] = []
    for sent in spans.sentences(block):
        # sentence_source; the document's lower-case words (names.lower_vocab) asked for only when it may cite
        may_cite = names.may_cite(lang, sent.text)
        found.append(_cited_source(lang, sent.text, names.lower_vocab(doc)) if may_cite else None)
        # (bool(cues(lang, "STAT_STUDY_CUES", ...)): a field is in a text's cue matches only with a match)
        study = "STAT_STUDY_CUES" in cue_matches(lang, sent.text)
        if found[-1] is not None and study:
            studies.append(found[-1])
        qs = find_quantities(sent.text, lang)
        sourced = found[-1] is not None or study
        advice = sent.start_char in tips
        stats = [(q, rule) for q in qs if (rule := rule_for(Stated(lang, sent.text, q, sourced, settings, advice)))]
        if not stats:
            continue
        src = found[-1] or (studies[-1] if study and studies else None) or _source_for(doc, block, found, fallback)
        years = [int(q.value) for q in qs if q.unit == YEAR]
        year = (src[1] if src and src[1] else None) or (years[0] if years else None)
        for q, rule in stats:
            lo, hi = spans.clip(sent.text, q.start, q.end)
            # several quantities of one sentence share its text: keep one item each
            out.append(make(Statistic, doc, block, sent.start + lo, sent.start + hi, rule,
                            id_parts=(sent.start_char + q.start, q.text), value=float(q.value),
                            unit=COUNT if rule == "stat_count" else q.unit,
                            currency=q.currency, source=src[0] if src else None, year=year, quantity_text=q.text))
    return out, next((s for s in reversed(found) if s), None)


def _callout(doc: DocContext, block: Block, nxt: Block | None, settings: Settings, src: Source | None
             ) -> Statistic | None:
    """A figure set apart as a line or heading of its own, its statement in the next block:
    ``73%`` / ``van de organisaties ...``, ``8 z 10`` / ``firm korzysta ...``: one statistic, the text both."""
    if nxt is None or nxt.kind == "heading" or not nxt.text.strip():
        return None
    qs = find_quantities(block.text, doc.lang)
    if len(qs) != 1 or any(c.isalpha() for c in block.text[:qs[0].start] + block.text[qs[0].end:]):
        return None
    q = qs[0]
    first = spans.sentences(nxt)[0]
    text = f"{block.text.strip()} {first.text.strip()}"
    rule = rule_for(Stated(doc.lang, text, q, src is not None, settings))
    if rule is None or len(text) > spans.MAX_ITEM_CHARS:
        return None
    s, _ = block.raw_span(0, len(block.text))
    _, e = nxt.raw_span(first.start, first.end)
    return Statistic(item_id=stable_hash(doc.doc_id, Statistic.kind, s, e, text, q.text), doc_id=doc.doc_id,
                     lang=doc.lang, text=text, start_char=s, end_char=e, block_idx=block.idx, extractor=rule,
                     value=float(q.value), unit=COUNT if rule == "stat_count" else q.unit, currency=q.currency, source=src[0] if src else None,
                     year=src[1] if src else None, quantity_text=q.text)


def extract(doc: DocContext, settings: Settings = Settings(), known: Sequence[Item] = ()) -> list[Statistic]:
    """The statistics of a document (``known``: items of the extractors run before; a count of things in a
    sentence that is a tip is no statistic).

    A source named in a block under a heading stays the source of the statistics after it in its
    section (up to a heading of its level or above) that name none of their own: "Menurut data
    iPrice, ..." and the paragraphs of figures under it."""
    bibliography = bibliography_source(doc, settings)
    out: list[Statistic] = []
    level, carried, carried_level = 0, None, 0     # the current heading level; the source carried, its level
    studies: list[Source] = []
    tips = frozenset(it.start_char for it in known if it.kind == "tip")
    for i, block in enumerate(doc.blocks):
        if block.kind == "heading":
            if carried is not None and block.level <= carried_level:
                carried = None
            level = block.level
            nxt = doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None
            item = _callout(doc, block, nxt, settings, carried or bibliography)
            if item is not None:
                out.append(item)
            continue
        items, last = _block_statistics(doc, block, settings, carried or bibliography, studies, tips)
        out.extend(items)
        if last is not None and level > 0:     # outside any section a source stays in its paragraph
            carried, carried_level = last, level
    return out
