"""Extract statistics: quantitative facts, one item per quantity.

Quantities come from ``pipeline.numbers.find_quantities`` (percentages, proportions in
words, counts with magnitude words, money, multipliers); years, ranges, durations, dates,
list numbers and bare numbers are never statistics. Rules (an item's ``extractor``):

  stat_percent     a percentage or proportion ("67 persen", "osiem na dziesięć" = 80)
  stat_currency    an amount of money ("$ 2.000" = 2000 USD)
  stat_multiplier  "3x", "drie keer" (more than once)
  stat_count       a count scaled by a magnitude word ("satu miliar pengguna",
                   "4,6 miliarda"), or in digits from a million up, or from a thousand
                   up in a sentence that names a study or source

Not statistics: a quantity after a hypothetical or instruction cue in its sentence
("Jeśli 80% z nich ...", "Załóżmy, że masz 1000 ...", "als je 10% ..."), right after
an offer or limit cue ("diskon 20%", "maksymalnie 3 razy"), a multiplier that is a
frequency ("3 razy w tygodniu"); anything in a heading.

``text`` is the sentence stating it (clipped around the quantity to 400 chars); ``value``
is percent as 0-100; ``source`` the study, organisation or person it is attributed to:
in the same sentence ("Menurut pakar media sosial Tom Funk, ..."), else in an earlier
sentence of the paragraph ("Niedawna ankieta zorganizowana przez Konsultacje InSites
..."), else, for a list item or a block after a line ending in ":", in that intro line
("Menurut Harris Interactive / Right Now, ...:"), else the one study in a closing list of
sources ("Bronnen:" / "Źródła:" / "Sumber:"). A source is a name with the evidence
``examples.sentence_evidence`` calls report, title or source. ``year`` is the source's
year or the first year stated in the sentence. Sentences split after an abbreviation
("w 2018 r." | "przez PARP, 96% ...") are mended first.
"""
from __future__ import annotations

import re

from pipeline.docmodel import Block, DocContext
from pipeline.extract import examples as ex
from pipeline.numbers import COUNT, CURRENCY, MULTIPLIER, PERCENT, YEAR, Quantity, find_quantities, is_statistic
from pipeline.textmap import stable_hash

MAX_TEXT_CHARS = 400
MAX_PERCENT = 1000          # "wzrost o 300%" is fine; more is a code or a typo
COUNT_MAGNITUDE = 1e6       # a count in digits alone is a statistic from here
COUNT_WITH_SOURCE = 1e3     # ... or from here with a study or source in the sentence
_SOURCE_RULES = ("example_report", "example_source", "example_title")


# --- which quantities are statistics ---------------------------------------------

def _cue_before(lang: str, key: str, text: str, pos: int, max_words: int | None = None) -> bool:
    """Whether a cue of ``lang.<key>`` ends before char ``pos`` (within ``max_words`` words)."""
    toks = ex.tokenize(text)
    for s, e in ex.cues(lang, key, text):
        end = toks[e - 1].end
        if end > pos:
            continue
        if max_words is None:
            return True
        k = next((t.i for t in toks if t.start >= pos), len(toks))
        if ex.words_between(toks, e, k) <= max_words:
            return True
    return False


def _cue_after(lang: str, key: str, text: str, pos: int, max_words: int) -> bool:
    """Whether a cue of ``lang.<key>`` starts after char ``pos`` within ``max_words`` words."""
    toks = ex.tokenize(text)
    k = next((t.i for t in toks if t.start >= pos), len(toks))
    return any(s >= k and ex.words_between(toks, k, s) <= max_words for s, _ in ex.cues(lang, key, text))


def _has_letters(q: Quantity) -> bool:
    return any(c.isalpha() for c in q.text)


def is_stat(lang: str, text: str, q: Quantity, sourced: bool) -> bool:
    """Whether quantity ``q`` of sentence ``text`` states a statistic."""
    if not is_statistic(q):
        return False
    if q.unit == PERCENT and not 0 < q.value <= MAX_PERCENT:
        return False
    if q.unit == MULTIPLIER and (q.value <= 1 or _cue_after(lang, "STAT_FREQUENCY_WORDS", text, q.end, 1)):
        return False        # "3 razy w tygodniu" is a frequency
    if q.unit == COUNT:
        magnitude = _has_letters(q) and q.value >= 1000
        if not (magnitude or q.value >= COUNT_MAGNITUDE or (sourced and q.value >= COUNT_WITH_SOURCE)):
            return False
    if _cue_before(lang, "STAT_HYPOTHETICAL", text, q.start):
        return False
    if _cue_before(lang, "STAT_NOT_CUES", text, q.start, max_words=2):
        return False
    return True


# --- sources -------------------------------------------------------------------------

def sentence_source(lang: str, text: str, vocab: frozenset[str] = frozenset()) -> tuple[str, int | None] | None:
    """(name, year) of the study, organisation or person a sentence attributes a finding to."""
    rs = ex.runs(lang, text, vocab)
    for i, r in enumerate(rs):
        evidence = ex.sentence_evidence(lang, text, r)
        if not any(e in _SOURCE_RULES for e in evidence):
            continue
        name, end = r.text, r.end
        # "Harris Interactive / Right Now": sources joined by a slash or "&"
        for r2 in rs[i + 1:]:
            if re.fullmatch(r"\s*[/&]\s*", text[end:r2.start]):
                name, end = text[r.start:r2.end], r2.end
            else:
                break
        year = None
        m = re.search(r"\b(19\d\d|20\d\d)\b", name) or re.match(r"\s*\(\s*(19\d\d|20\d\d)\s*\)", text[end:])
        if m:
            year = int(m.group(1))
        return name, year
    return None


def _intro_block(doc: DocContext, block: Block) -> Block | None:
    """The line that introduces a list item or a block after a colon: "Menurut X, ...:"."""
    i = block.idx - 1
    by_idx = {b.idx: b for b in doc.blocks}
    while i >= 0 and i in by_idx and by_idx[i].kind == "list_item" and block.kind == "list_item":
        i -= 1
    prev = by_idx.get(i)
    if prev is None or prev.kind == "heading":
        return None
    if block.kind == "list_item" or prev.text.rstrip().endswith(":"):
        return prev
    return None


_LIST_LABELS = ("sources", "source", "references", "bibliography")
_YEAR_END = re.compile(r"\(\s*((?:19|20)\d\d)\s*\)\.?\s*$")


def bibliography_source(doc: DocContext) -> tuple[str, int | None] | None:
    """The one study in a closing list of sources ("Bronnen:" / "Źródła:" / "Sumber:"), or None."""
    labels = tuple(getattr(ex.data(doc.lang), "STAT_SOURCE_LIST_LABELS", ())) + _LIST_LABELS
    for i, b in enumerate(doc.blocks):
        head = b.text.strip().casefold()
        if not head or len(head) > 80 or not (head.endswith(":") or head.rstrip(".") in labels):
            continue
        first = re.split(r"[\s:]", head, maxsplit=1)[0]
        if first not in labels and head.rstrip(":. ") not in labels:
            continue
        entries = []
        for e in doc.blocks[i + 1:]:
            if e.kind == "heading":
                break
            entries.append(e)
        studies = [k for k, e in enumerate(entries) if ex.cues(doc.lang, "STAT_STUDY_CUES", e.text)]
        if len(studies) != 1:
            return None
        k = studies[0]
        whole = entries[k].text.strip()
        if k > 0 and _YEAR_END.search(entries[k - 1].text):
            whole = entries[k - 1].text.strip() + " " + whole   # "Author (2014)." + "Title."
        whole = whole[:200].rstrip(" .")
        m = re.search(r"\b(19\d\d|20\d\d)\b", whole)
        return whole, int(m.group(1)) if m else None
    return None


# --- extraction ------------------------------------------------------------------------

def _rule(q: Quantity) -> str:
    return {PERCENT: "stat_percent", CURRENCY: "stat_currency", MULTIPLIER: "stat_multiplier"}.get(q.unit,
                                                                                                 "stat_count")


def extract(doc: DocContext) -> list[dict]:
    lang = doc.lang
    vocab = ex.lower_vocab_of(doc)
    out: list[dict] = []
    default_source = bibliography_source(doc)
    for block in doc.blocks:
        if block.kind == "heading":
            continue
        sources: list[tuple[str, int | None] | None] = []
        for sent in ex.units(block):
            src = sentence_source(lang, sent.text, vocab)
            sources.append(src)
            qs = find_quantities(sent.text, lang)
            stats = [q for q in qs if is_stat(lang, sent.text, q, src is not None
                                              or bool(ex.cues(lang, "STAT_STUDY_CUES", sent.text)))]
            if not stats:
                continue
            found = src or next((s for s in reversed(sources[:-1]) if s), None)
            if found is None:
                intro = _intro_block(doc, block)
                if intro is not None:
                    found = next((s for s in (sentence_source(lang, x.text, vocab)
                                              for x in reversed(ex.units(intro))) if s), None)
            found = found or default_source
            years = [int(q.value) for q in qs if q.unit == YEAR]
            year = (found[1] if found and found[1] else None) or (years[0] if years else None)
            for q in stats:
                lo, hi = ex.clip(sent.text, q.start, q.end, MAX_TEXT_CHARS)
                item = doc.item("statistic", block, sent.offset + lo, sent.offset + hi, extractor=_rule(q),
                                value=float(q.value), unit=q.unit, currency=q.currency,
                                source=found[0] if found else None, year=year, quantity_text=q.text)
                # several quantities of one sentence share its text: keep one item each
                item["item_id"] = stable_hash(doc.doc_id, "statistic", item["start_char"], item["end_char"],
                                              item["text"], sent.start_char + q.start, q.text)
                out.append(item)
    return out
