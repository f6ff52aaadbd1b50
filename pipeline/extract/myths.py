"""Extract myths: misconceptions an article states in order to refute them.

``RULES`` run in order; each finds claims in blocks the earlier ones left alone (an item's
``extractor`` names the rule that found it):

  myth_labelled_heading  a heading labelled as a myth; the text is the part after the label:
                         ``Mitos 1: Toko Kecil Tidak Butuh Situs Web``, ``Mit 1: Klienci nie czytają
                         opisów``, ``Mythe #2 - Adverteren is duur``
  myth_labelled_line     a paragraph or list item labelled as a myth, or the sentence after a
                         label-only heading: ``Mitos: SEO itu mahal.``, ``**Mit:** Reklama w sieci
                         jest droga.``, ``- **Mythe:** Video maken is te duur.``
  myth_quoted_claim      quoted claims (quote blocks, quoted headings, a paragraph's quoted lead
                         followed by a dash) under an intro or title that names myths,
                         misconceptions, fears or objections: ``"Media sosial hanya untuk anak
                         muda."``, ``„Reklama jest dla dużych firm”``, ``"Ik heb geen tijd voor
                         Instagram" - ...``
  myth_listed_heading    sibling headings under an intro, parent heading or title that names
                         myths: ``Berikut mitos-mitosnya:`` / ``Oto najczęstsze mity ...:`` /
                         ``3 mythes over e-mailmarketing`` then ``## ...`` headings
  myth_cue_sentence      a sentence stating a myth: myth cue ... "that" <claim>: ``Mitos yang sering
                         terdengar adalah bahwa ...``, ``Częstym mitem jest to, że ...``,
                         ``Een hardnekkige mythe is dat ...``
  myth_belief_sentence   a mistaken belief: mistake cue ... belief verb ... "that" <claim>:
                         ``Kesalahan umum ... adalah menganggap bahwa ...``, ``Częstym błędem jest
                         myślenie, że ...``, ``Een veelgemaakte fout is denken dat ...``

Then the learned classifier (``pipeline/extract/sentence_model.py``) weighs every heading and
sentence, the rules' hits among them: a unit no rule took that it scores above its threshold
is kept as ``myth_classifier`` (and, where the stored model says so, a hit it scores below is dropped) (a claim "many people believe"
that the next sentences reject, with no myth word). ``Settings(classifier=False)`` gives the
rules alone.

``text`` is the claim (a labelled heading whole, label included), ``rebuttal`` the first sentences of the article's answer and ``detail``
the rest of the answer (cut within ``Settings.detail_chars``). A title such as "5 Mitos ..." only sets the context; it is never a
myth itself. The cue words are the ``MYTH_*`` fields of the language data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Callable, Mapping, Sequence

from pipeline.docmodel import Block, DocContext
from pipeline.extract import sentence_model, spans
from pipeline.extract.grammar import label_end, label_of, label_only, starts_imperative
from pipeline.extract.items import Item, Myth, make
from pipeline.extract.spans import MAX_ITEM_CHARS, is_question, sentence_texts, sentences, words
from pipeline.nlp import cue_matches, has_cue, tokenize, word_set

QUOTE_MARKS = "\"“”„«»'‘’"


@dataclass(frozen=True)
class Settings:
    max_quoted_claim_chars: int = 250   # a quoted claim is a short statement, not a quoted passage
    rebuttal_chars: int = 400           # the rebuttal: the first sentences of the answer up to this
    # the detail: the rest of the answer up to this (as tips'). Uncut, every cue sentence of a long
    # paragraph carried the rest of it: 200 myths of one 1 MB paragraph held 9.7 MB of copies
    detail_chars: int = 2000
    classifier: bool = True             # the learned classifier over the rules' hits and the other units
    model_digest: str = sentence_model.DIGEST   # a retrained model changes the skip key


@dataclass(frozen=True)
class Hit:
    rule: str
    block: Block
    start: int                  # the claim: block.text[start:end]
    end: int
    answer: tuple[str, ...]     # the sentences answering it
    whole_block: bool = True    # the block is a claim: later rules leave it alone


Rule = Callable[[DocContext, "list[Hit]", Settings], "list[Hit]"]


def _taken(found: list[Hit]) -> set[int]:
    return {h.block.idx for h in found if h.whole_block}


def _body(doc: DocContext, b: Block) -> tuple[str, ...]:
    """The sentences of a heading's section, its sub-headings left out."""
    return tuple(sentence_texts([x for x in doc.section(b.idx) if x.kind != "heading"]))


def _titles(doc: DocContext) -> tuple[bool, bool]:
    """Whether the title names myths (strong), or myths, fears or objections (weak)."""
    strong = has_cue(doc.lang, "MYTH_CUES", doc.title or "")
    return strong, strong or has_cue(doc.lang, "MYTH_WEAK_CUES", doc.title or "")


def _context_texts(doc: DocContext, first: Block) -> list[str]:
    """The intro before ``first`` and its parent heading."""
    out = []
    if first.idx > 0:
        prev = doc.blocks[first.idx - 1]
        if prev.kind != "heading" or prev.idx == first.parent_idx:
            out.append(prev.text)
    if first.parent_idx >= 0:
        out.append(doc.blocks[first.parent_idx].text)
    return out


# --- rules ------------------------------------------------------------------------------

def myth_labelled_heading(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """``Mitos 1: ...`` / ``Mit: ...`` / ``Mythe #2 - ...`` headings; the claim follows the label."""
    out = []
    labels = word_set(doc.lang, "MYTH_LABELS")
    for b in doc.blocks:
        if b.kind != "heading":
            continue
        start = 0 if label_of(b.marker) in labels else label_end(doc.lang, "MYTH_LABELS", b.text)
        if start is None:
            continue
        text = b.text[start:].strip()
        if label_only(doc.lang, "MYTH_LABELS", b.text) or not words(text) or len(text) > MAX_ITEM_CHARS:
            continue
        out.append(Hit("myth_labelled_heading", b, 0, len(b.text), _body(doc, b)))   # "Mit: ..." whole
    return out


def _is_label_heading(lang: str, b: Block) -> bool:
    return b.kind == "heading" and label_only(lang, "MYTH_LABELS", b.text)


def _answer_after(doc: DocContext, b: Block) -> list[str]:
    """The blocks answering a labelled line, up to the next heading or label (a ``Feit:`` label skipped)."""
    out: list[str] = []
    for nxt in doc.blocks[b.idx + 1:]:
        if (nxt.kind == "heading" and nxt.text.rstrip().endswith(":") and len(words(nxt.text)) <= 3
                and not _is_label_heading(doc.lang, nxt)):
            continue  # "**Feit:**" labels the answer
        if (nxt.kind == "heading" or label_end(doc.lang, "MYTH_LABELS", nxt.text) is not None
                or _is_label_heading(doc.lang, nxt)):
            break
        out.extend(sentence_texts([nxt]))
    return out


def _labelled_claim(doc: DocContext, b: Block) -> tuple[Block, int] | None:
    """(block, start) of the claim a block labels: its own text after the label, or the next block."""
    if b.kind in ("paragraph", "list_item", "quote"):
        start = label_end(doc.lang, "MYTH_LABELS", b.text)
        return (b, start) if start is not None else None
    if _is_label_heading(doc.lang, b) and b.idx + 1 < len(doc.blocks) and doc.blocks[b.idx + 1].kind != "heading":
        return doc.blocks[b.idx + 1], 0
    return None


def myth_labelled_line(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """``Mitos: SEO itu mahal. ...`` lines, and ``**Mit:**`` headings followed by the claim."""
    used, out = _taken(found), []
    for b in doc.blocks:
        claim = None if b.idx in used else _labelled_claim(doc, b)
        if claim is None or claim[0].idx in used:
            continue
        block, start = claim
        sents = sentences(block)
        k = next((i for i, s in enumerate(sents) if s.start <= start < s.end), 0)
        end = sents[k].end if sents else len(block.text)
        if end - start > MAX_ITEM_CHARS or not words(block.text[start:end]):
            continue
        answer = tuple(s.text for s in sents[k + 1:]) + tuple(_answer_after(doc, block))
        out.append(Hit("myth_labelled_line", block, start, end, answer))
        used.add(block.idx)
    return out


def _is_quoted_heading(b: Block) -> bool:
    return b.kind == "heading" and bool(b.marker) and b.marker.strip()[:1] in QUOTE_MARKS


@lru_cache(maxsize=None)
def _quoted_lead(max_chars: int) -> re.Pattern[str]:
    """A paragraph's quoted lead followed by a dash or colon: ``"Ik heb geen tijd" - ...``."""
    return re.compile(r'^\s*["“„«]([^"“”„«»]{3,%d}?)["”“»]\s*[-–—:]\s*(?=\S)' % max_chars)


def _claim_candidate(b: Block, settings: Settings) -> tuple[int, int] | None:
    """The span of a quoted claim in ``b``: a quote block, a quoted heading or a paragraph's quoted lead."""
    if b.kind == "quote" or _is_quoted_heading(b):
        text = b.text.strip(QUOTE_MARKS + " ")
        if not text or len(b.text) > settings.max_quoted_claim_chars or len(sentences(b)) > 2:
            return None
        start = b.text.find(text)
        return start, start + len(text)
    if b.kind in ("paragraph", "list_item"):
        m = _quoted_lead(settings.max_quoted_claim_chars).match(b.text)
        if m:
            return m.start(1), m.end(1)
    return None


def _quote_groups(doc: DocContext, used: set[int], settings: Settings) -> list[list[tuple[Block, tuple[int, int]]]]:
    """Quoted claim candidates in groups: consecutive ones with no other heading between them."""
    groups: list[list[tuple[Block, tuple[int, int]]]] = []
    current: list[tuple[Block, tuple[int, int]]] = []
    for b in doc.blocks:
        span = None if b.idx in used else _claim_candidate(b, settings)
        if span is not None:
            current.append((b, span))
        elif b.kind == "heading" and current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def myth_quoted_claim(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """Quoted claims under an intro or a title naming myths, fears or objections; each answered."""
    lang, (title_strong, title_weak) = doc.lang, _titles(doc)
    used, out = _taken(found), []
    for group in _quote_groups(doc, used, settings):
        ctx = _context_texts(doc, group[0][0])
        if not (title_strong or title_weak or has_cue(lang, "MYTH_CUES", *ctx) or has_cue(lang, "MYTH_WEAK_CUES", *ctx)):
            continue
        if len(group) < 2 and not has_cue(lang, "MYTH_CUES", *ctx[:1]):
            continue
        members = {b.idx for b, _ in group}
        for b, (s, e) in group:
            answer: list[str] = []
            if b.kind in ("paragraph", "list_item"):
                answer.append(b.text[e:].lstrip(QUOTE_MARKS + " -–—:"))
            for nxt in doc.blocks[b.idx + 1:]:
                if nxt.idx in members or nxt.kind == "heading":
                    break
                answer.extend(sentence_texts([nxt]))
            if any(a.strip() for a in answer):   # a claim is followed by its answer
                out.append(Hit("myth_quoted_claim", b, s, e, tuple(answer)))
    return out


def _heading_runs(doc: DocContext) -> dict[tuple[int, int], list[Block]]:
    """Headings that are not quoted, by (parent, level): siblings."""
    runs: dict[tuple[int, int], list[Block]] = {}
    for b in doc.blocks:
        if b.kind == "heading" and not _is_quoted_heading(b):
            runs.setdefault((b.parent_idx, b.level), []).append(b)
    return runs


def myth_listed_heading(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """Sibling headings after an intro, under a parent heading, or under a title that names myths."""
    lang, (title_strong, _) = doc.lang, _titles(doc)
    used, out = _taken(found), []
    min_level = min((b.level for b in doc.blocks if b.kind == "heading"), default=0)
    skip = word_set(lang, "MYTH_SKIP_HEADINGS")
    for (parent, level), heads in _heading_runs(doc).items():
        if len(heads) < 2 or any(h.idx in used for h in heads):
            continue  # labelled myths ("Mitos 1:") say themselves which headings are myths
        top = parent < 0 and level == min_level
        if not (has_cue(lang, "MYTH_CUES", *_context_texts(doc, heads[0])) or (top and title_strong)):
            continue
        for h in heads:
            text = h.text.strip()
            if text.rstrip(":").casefold() in skip:
                break   # "Podsumowanie": the list is over
            if has_cue(lang, "MYTH_CUES", text) or len(text) > MAX_ITEM_CHARS or not words(text):
                continue
            if starts_imperative(lang, text):
                continue  # advice after the myths ("Zacznij od ...")
            if not [x for x in doc.section(h.idx) if x.kind != "heading"]:
                continue  # a claim is followed by its answer (a table of contents is not)
            out.append(Hit("myth_listed_heading", h, 0, len(h.text), _body(doc, h)))
    return out


def _cued_sentences(doc: DocContext) -> list[tuple[Block, int, tuple[spans.Span, ...], Mapping[str, list]]]:
    """(block, k, its sentences, the cues of sentence k) of every sentence of a body block with a cue either sentence
    rule needs (a myth cue, or a mistake and a belief cue), neither too long nor a question: once per document (the two
    rules read them; most sentences have neither)."""
    found = doc.memo.get("myth_cued_sentences")
    if found is None:
        lang, found = doc.lang, []
        for b in doc.blocks:
            if b.kind == "heading":
                continue
            sents = sentences(b)
            for k, cued in enumerate(map(cue_matches, repeat(lang), [x.text for x in sents])):
                # (a text has a field's key only with a cue of it)
                if not ("MYTH_CUES" in cued or ("MYTH_BELIEF_CUES" in cued and "TIP_MISTAKE_CUES" in cued)):
                    continue    # neither rule's cues: claim_cues gives none
                t = sents[k].text
                if len(t) > MAX_ITEM_CHARS or is_question(t):
                    continue
                found.append((b, k, sents, cued))
        doc.memo["myth_cued_sentences"] = found
    return found


def _sentence_hits(doc: DocContext, found: list[Hit], rule: str,
                   claim_cues: Callable[[Mapping[str, list]], list[tuple[int, int]]]) -> list[Hit]:
    """Sentences where ``claim_cues`` of their cues (``cue_matches``) gives cue spans and a "that" follows the first one."""
    used, out = _taken(found), []
    that = word_set(doc.lang, "MYTH_THAT")
    for b, k, sents, cued in _cued_sentences(doc):
        if b.idx in used:
            continue
        sent = sents[k]
        found_cues = claim_cues(cued)
        if not found_cues or not any(tok.lower in that for tok in tokenize(sent.text)[found_cues[0][1]:]):
            continue
        answer = tuple(x.text for x in sents[k + 1:])
        if not answer and b.idx + 1 < len(doc.blocks) and doc.blocks[b.idx + 1].kind != "heading":
            answer = tuple(s.text for s in sentences(doc.blocks[b.idx + 1]))
        out.append(Hit(rule, b, sent.start, sent.end, answer, whole_block=False))
    return out


_NO_CUES: list[tuple[int, int]] = []


def myth_cue_sentence(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """A myth cue, then "that" and the claim: ``Een mythe is dat ...``."""
    return _sentence_hits(doc, found, "myth_cue_sentence", lambda cued: cued.get("MYTH_CUES", _NO_CUES))


def _belief_cues(cued: Mapping[str, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The belief cues after the first mistake cue, none with a myth cue (of a text's cues, ``cue_matches``)."""
    if cued.get("MYTH_CUES"):
        return []
    mistake = cued.get("TIP_MISTAKE_CUES")
    return [c for c in cued.get("MYTH_BELIEF_CUES", ()) if c[0] > mistake[0][0]] if mistake else []


def myth_belief_sentence(doc: DocContext, found: list[Hit], settings: Settings) -> list[Hit]:
    """No myth cue, but a mistake cue, a belief verb after it, then "that": ``De fout is denken dat ...``."""
    return _sentence_hits(doc, found, "myth_belief_sentence", _belief_cues)


# the ``extractor`` of the units the learned classifier adds (no rule found them)
CLASSIFIER_EXTRACTOR = "myth_classifier"

RULES: tuple[Rule, ...] = (myth_labelled_heading, myth_labelled_line, myth_quoted_claim, myth_listed_heading, myth_cue_sentence,
                           myth_belief_sentence)


def rule_hits(doc: DocContext, settings: Settings = Settings()) -> list[Hit]:
    """The hits of the rules, in order."""
    found: list[Hit] = []
    for rule in RULES:
        found.extend(rule(doc, found, settings))
    return found


def candidates(doc: DocContext, hits: list[Hit]) -> list[sentence_model.Candidate]:
    """The units the classifier weighs: the rules' hits and every other unit."""
    by_block: dict[int, list[tuple[int, int, str]]] = {}
    for h in hits:
        by_block.setdefault(h.block.idx, []).append((h.start, h.end, h.rule))
    return sentence_model.candidates(doc, by_block)


def _answer(doc: DocContext, c: sentence_model.Candidate) -> tuple[str, ...]:
    """What follows a claim the classifier found: a heading's body, else the rest of its paragraph and the next one."""
    if c.block.kind == "heading":
        return _body(doc, c.block)
    rest = tuple(s.text for s in sentences(c.block)[c.sentence + 1:]) if c.sentence >= 0 else ()
    nxt = doc.blocks[c.block.idx + 1] if c.block.idx + 1 < len(doc.blocks) else None
    if nxt is not None and nxt.kind != "heading":
        rest += tuple(s.text for s in sentences(nxt))
    return rest


def answers(last_block: int, last_sentence: int, block: int, sentence: int) -> bool:
    """Whether the unit at (``block``, ``sentence``) comes right after the one at (``last_block``, ``last_sentence``):
    the next sentence of its block, or the first of the next block."""
    return ((last_block == block and last_sentence == sentence - 1)
            or (last_block == block - 1 and sentence <= 0))


def _classified(doc: DocContext, hits: list[Hit], model: sentence_model.Model) -> list[Hit]:
    """The units the model keeps, less an answer kept with its claim: a unit that opens with a
    rejection ("Padahal ...", "To nieprawda.") right after a kept claim is the claim's rebuttal."""
    by_span = {(h.block.idx, h.start, h.end): h for h in hits}
    out: list[Hit] = []
    last: sentence_model.Candidate | None = None
    ordered = candidates(doc, hits)     # in order of (block, start) but for the rules' hits, each first in its block
    if hits:
        ordered.sort(key=lambda c: (c.block.idx, c.start))
    for c in sentence_model.kept(doc, ordered, model):
        hit = by_span.get((c.block.idx, c.start, c.end))
        if hit is None:
            answers_last = last is not None and answers(last.block.idx, last.sentence, c.block.idx, c.sentence)
            if answers_last and sentence_model.cues_at_start(doc.lang, "MYTH_REBUTTAL_CUES", c.text):
                continue
            hit = Hit(CLASSIFIER_EXTRACTOR, c.block, c.start, c.end, _answer(doc, c), whole_block=False)
        out.append(hit)
        last = c
    return out


def extract(doc: DocContext, settings: Settings = Settings(), known: Sequence[Item] = ()) -> list[Myth]:
    """The myths of a document (``known``: items of the extractors run before; none are needed)."""
    found = rule_hits(doc, settings)
    model = sentence_model.load("myth") if settings.classifier else None
    if model is not None:
        found = _classified(doc, found, model)
    items = []
    for h in found:
        rebuttal, rest = spans.first_sentences(list(h.answer), settings.rebuttal_chars)
        items.append(make(Myth, doc, h.block, h.start, h.end, h.rule, rebuttal=rebuttal,
                          detail=spans.detail_text([rest or ""], settings.detail_chars)))
    return items
