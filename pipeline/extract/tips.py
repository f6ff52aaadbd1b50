"""Extract tips: actionable advice, as one heading or one sentence each.

``RULES`` run in order; a later rule leaves alone what an earlier one took (an item's
``extractor`` names the rule that found it):

  tip_labelled_heading        a heading labelled as a tip: ``Kiat 3: ...``, ``Krok 2: ...``,
                              ``Stap 2: ...``
  tip_numbered_heading        a run of numbered headings that a title, intro or parent heading
                              announces as advice, or that is mostly imperative; not a table of
                              contents (entries repeated as headings), a list of questions, of
                              mistakes or of myths: ``# 4: Dziel i rządź``, ``13. Balas dengan
                              cepat``, ``2. Investeer in foto's``
  tip_imperative_heading      a heading that starts with an imperative: ``Hindari Diskon yang
                              Berlebihan``, ``Zadbaj o szybkie ładowanie strony``, ``Investeer in
                              goede productfoto's``
  tip_list_item               items of a list introduced as advice or mostly imperative; a short
                              item whole, a long one by its first sentence: ``Berikut ini beberapa
                              kiat ...:`` then ``• Balas ulasan ...``, ``- Ustal cel sprzedaży``,
                              ``- Vraag om een review``
  tip_imperative_sentence     a sentence that starts with an imperative, after optional lead
                              words: ``Jangan ...``, ``Zawsze odpisuj ...``, ``Zorg ervoor ...``
  tip_conditional_imperative  a conditional clause then an imperative: ``Jika ..., balas ...``,
                              ``Jeśli ..., zacznij ...``, ``Als ..., reageer dan ...``
  tip_clause_imperative       a later clause that starts with an imperative, after a comma, a
                              semicolon or a colon (and optional lead words): ``Selain ..., libatkan
                              ...``, ``A jak nie, to szukaj ...``, ``..., dus gebruik het ...``
  tip_suggestion_question     a question that suggests: ``... mengapa kamu tidak mendesain ...?``,
                              ``Dlaczego nie spróbować ...?``, ``Waarom niet ...?``
  tip_modal_sentence          a sentence with a modal of advice: ``... harus ...``, ``Musisz ...``,
                              ``Należy ...``, ``Je moet ...``, ``ik raad je aan``; not the author
                              narrating (``musimy się cofnąć ... otworzyłem``, ``trzeba było``,
                              ``hoe ik ... moet bouwen``), not an announcement ending in ``:``, not a
                              title-cased line (a related post's title)

Questions are never tips, except the headings of a numbered list of tips and questions that
suggest. Myth claims (the
``known`` myth items) are never tips. ``detail`` holds the supporting body: a heading's
section, the rest of a list item or of the sentence's paragraph.

Then the learned classifier (``pipeline/extract/sentence_model.py``) weighs every heading,
list item and sentence, the rules' hits among them (which rule took a unit is one of its
features): a unit no rule took that it scores above its threshold is kept as
``tip_classifier`` (and, where the stored model says so, a rule's hit it scores below is dropped). ``Settings(classifier=False)`` gives the
rules alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

from pipeline.docmodel import Block, DocContext
from pipeline.extract import sentence_model, spans
from pipeline.extract.grammar import (clause_imperative, conditional_imperative, has_modal, label_of,
                                     may_open_conditional, may_open_imperative, narrated, opens_with, starts_imperative,
                                     starts_instruction, title_cased)
from pipeline.extract.items import Item, Myth, Tip, make
from pipeline.extract.spans import MAX_ITEM_CHARS, is_question, overlaps, sentence_texts, sentences, words
from pipeline.lang import get as lang_data
from pipeline.nlp import TEXT_CACHE, cue_matches, first_alnum_token, has_cue, tokenize, word_set
from pipeline.textmap import squash

LEADING_JUNK = " :;,.-–—•*"


@dataclass(frozen=True)
class Settings:
    whole_item_chars: int = 250     # a list item up to this long is one tip; a longer one gives its first sentence
    detail_chars: int = 2000
    min_sentence_words: int = 3     # "Tanya Comcast." is a quip, not a tip
    classifier: bool = True         # the learned classifier over the rules' hits and the other units
    model_digest: str = sentence_model.DIGEST   # a retrained model changes the skip key


@dataclass(frozen=True)
class Hit:
    rule: str
    block: Block
    start: int              # the tip: block.text[start:end]
    end: int
    detail: tuple[str, ...] = ()


@dataclass
class Taken:
    """Spans of block text that are no longer free: myth claims, and what earlier rules took."""

    claims: dict[int, list[tuple[int, int]]]
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def free_heading(self, b: Block) -> bool:
        return b.kind == "heading" and b.idx not in self.claims and b.idx not in self.spans

    def used(self, b: Block) -> list[tuple[int, int]]:
        return self.spans.get(b.idx, []) + self.claims.get(b.idx, [])


Rule = Callable[[DocContext, Taken, Settings], "list[Hit]"]


def _section(doc: DocContext, h: Block) -> tuple[str, ...]:
    return tuple(sentence_texts([x for x in doc.section(h.idx) if x.kind != "heading"]))


def _context(doc: DocContext, first: Block) -> list[str]:
    """Title, parent heading and the block before ``first``: where a list is announced."""
    out = [doc.title or ""]
    if first.parent_idx >= 0:
        out.append(doc.blocks[first.parent_idx].text)
    if first.idx > 0:
        out.append(doc.blocks[first.idx - 1].text)
    return out


# --- headings ----------------------------------------------------------------------------

def tip_labelled_heading(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Kiat 3: ...``, ``Krok 2: ...``, ``Stap 2: ...``."""
    labels = word_set(doc.lang, "TIP_LABELS")
    return [Hit("tip_labelled_heading", b, 0, len(b.text), _section(doc, b)) for b in doc.blocks
            if taken.free_heading(b) and label_of(b.marker) in labels and words(b.text)]


def _numbered_runs(doc: DocContext) -> list[list[Block]]:
    """Numbered headings in runs of consecutive numbers (a number 1 starts a new run)."""
    runs: list[list[Block]] = []
    last_number = None
    for b in doc.blocks:
        if b.kind == "heading" and b.number is not None and label_of(b.marker) is None:
            if runs and last_number is not None and b.number == last_number + 1 and b.number != 1:
                runs[-1].append(b)
            else:
                runs.append([b])
            last_number = b.number
        elif b.kind == "list_item" and b.number is not None and runs:
            last_number = b.number  # "1. 2. 3." items then a "4." heading: one list
    return runs


def _repeated(doc: DocContext, h: Block) -> bool:
    """Whether the text of heading ``h`` comes back in another heading (a table of contents entry)."""
    key = squash(h.text)
    return bool(key) and any(b.idx != h.idx and b.kind == "heading" and squash(b.text) == key for b in doc.blocks)


def _advice_run(doc: DocContext, run: list[Block]) -> bool:
    """Whether a run of numbered headings is advice: announced as such, or mostly imperative."""
    lang = doc.lang
    if sum(_repeated(doc, h) for h in run) * 2 >= len(run):
        return False  # a table of contents: its entries come back as headings
    if sum(is_question(h.text) for h in run) * 2 >= len(run):
        return False  # questions (a FAQ, a table of contents)
    ctx = _context(doc, run[0])
    advice = has_cue(lang, "TIP_INTRO_CUES", *ctx)
    if has_cue(lang, "TIP_MISTAKE_CUES", *ctx) and not advice:
        return False  # "5 mistakes ...": its headings say what not to do
    return advice or sum(starts_imperative(lang, h.text) for h in run) * 3 >= len(run)


def tip_numbered_heading(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``# 4: Dziel i rządź``, ``13. Balas dengan cepat`` in a run announced as advice or imperative."""
    out = []
    for run in _numbered_runs(doc):
        run = [h for h in run if taken.free_heading(h)]
        if len(run) >= 2 and _advice_run(doc, run):
            out.extend(Hit("tip_numbered_heading", h, 0, len(h.text), _section(doc, h)) for h in run)
    return out


def tip_imperative_heading(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Hindari Diskon yang Berlebihan``, ``Zadbaj o ...``, ``Investeer in ...``."""
    lang = doc.lang
    return [Hit("tip_imperative_heading", b, 0, len(b.text), _section(doc, b)) for b in doc.blocks
            if taken.free_heading(b) and not is_question(b.text) and not b.text.rstrip().endswith(":")
            and len(words(b.text)) >= 2 and not has_cue(lang, "TIP_NOT_CUES", b.text)
            and starts_imperative(lang, b.text)]


# --- lists ---------------------------------------------------------------------------------

def _list_runs(doc: DocContext) -> list[list[Block]]:
    """Runs of consecutive list items."""
    runs: list[list[Block]] = []
    for b in doc.blocks:
        if b.kind == "list_item":
            prev = doc.blocks[b.idx - 1] if b.idx > 0 else None
            if runs and prev is not None and prev.kind == "list_item" and runs[-1][-1].idx == prev.idx:
                runs[-1].append(b)
            else:
                runs.append([b])
    return runs


def _advice_lists(doc: DocContext) -> list[tuple[list[Block], bool]]:
    """(top-level items, is advice) of every list: advice when an intro or parent heading
    announces it (not as mistakes, unless imperative) or most of its items are imperative (or, in
    Polish, infinitive steps: ``Znaleźć sprzęt.``)."""
    if "tip_lists" not in doc.memo:
        out = []
        for run in _list_runs(doc):
            top = [b for b in run if b.level == min(x.level for x in run)]
            ctx = _context(doc, run[0])[1:]   # the parent heading and the intro, not the title
            advice = has_cue(doc.lang, "TIP_INTRO_CUES", *ctx)
            imperative = sum(starts_instruction(doc.lang, b.text) for b in top)
            plain = ((has_cue(doc.lang, "TIP_MISTAKE_CUES", *ctx) and not imperative)
                     or not (advice or imperative * 2 > len(top)))
            out.append((run if plain else top, not plain))
        doc.memo["tip_lists"] = out
    return doc.memo["tip_lists"]


def tip_list_item(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Berikut ini beberapa kiat ...:`` then ``• Balas ulasan ...``; ``- Ustal cel sprzedaży``."""
    out = []
    for items, advice in _advice_lists(doc):
        for b in items if advice else ():
            sents = sentences(b)
            if b.idx in taken.claims or not sents or is_question(sents[0].text) or len(words(b.text)) < 2:
                continue
            if has_cue(doc.lang, "TIP_NOT_CUES", b.text):
                continue
            if len(b.text) <= settings.whole_item_chars:
                out.append(Hit("tip_list_item", b, 0, len(b.text)))
            else:
                out.append(Hit("tip_list_item", b, sents[0].start, sents[0].end, tuple(s.text for s in sents[1:])))
    return out


# --- sentences -----------------------------------------------------------------------------

def _fitting_sentences(doc: DocContext, settings: Settings, tips_only: bool = False
                       ) -> list[tuple[Block, int, spans.Span]]:
    """(block, k, sentence) of every sentence of a body block, neither too short nor too long (``tips_only``: that
    could be a tip, :func:`_may_be_tip`): once per document (five rules read them, each leaving out what the rules
    before it took)."""
    key = ("tip_fitting_sentences", settings.min_sentence_words, tips_only)
    found = doc.memo.get(key)
    if found is None:
        if tips_only:
            lang = doc.lang
            found = [(b, k, sent) for b, k, sent in _fitting_sentences(doc, settings) if _may_be_tip(lang, sent.text)]
        else:
            min_words = settings.min_sentence_words
            found = [(b, k, sent) for b in doc.blocks if b.kind != "heading"
                     for k, sent in enumerate(sentences(b))
                     if len(sent.text) <= MAX_ITEM_CHARS and len(words(sent.text)) >= min_words]
        doc.memo[key] = found
    return found


def _free_sentences(doc: DocContext, taken: Taken, settings: Settings, tips_only: bool = False
                    ) -> list[tuple[Block, int, spans.Span]]:
    """(block, k, sentence) of every sentence of a body block that no item took, neither too short
    nor too long (``tips_only``: that could be a tip, :func:`_may_be_tip`). Shared: do not change it."""
    return _free(taken, _fitting_sentences(doc, settings, tips_only))


_Sentences = TypeVar("_Sentences", bound="list[tuple]")


def _free(taken: Taken, sents: _Sentences) -> _Sentences:
    """The sentences of ``sents`` ((block, k, sentence, ...) each) that no item took; ``sents`` itself when none is
    taken."""
    taken_spans, claims = taken.spans, taken.claims
    if not taken_spans and not claims:
        return sents
    # (a block no span of is taken has every sentence free)
    return [x for x in sents if not ((x[0].idx in taken_spans or x[0].idx in claims)    # type: ignore[return-value]
                                     and overlaps(taken.used(x[0]), x[2].start, x[2].end))]


def _opening_sentences(doc: DocContext, settings: Settings) -> list[tuple[Block, int, spans.Span, str]]:
    """(block, k, sentence, its first word) of every sentence that could be a tip (``_fitting_sentences`` with
    ``tips_only``) with a word: once per document (the imperative and the conditional rules look at the first word
    before the sentence)."""
    key = ("tip_opening_sentences", settings.min_sentence_words)
    found = doc.memo.get(key)
    if found is None:
        found = doc.memo[key] = [(b, k, sent, first[1]) for b, k, sent in _fitting_sentences(doc, settings, True)
                                 for first in (first_alnum_token(sent.text),) if first is not None]
    return found


@lru_cache(maxsize=TEXT_CACHE)
def _may_be_tip(lang: str, text: str) -> bool:
    """Whether a free sentence could be a tip (remembered per text: four rules ask of every sentence)."""
    found = cue_matches(lang, text)     # has_cue of each field, one lookup
    if is_question(text) or found.get("MYTH_CUES") or found.get("TIP_NOT_CUES"):
        return False
    announce = found.get("TIP_ANNOUNCE_CUES")
    if announce and text.rstrip().endswith(":"):
        return False  # "Ikuti tips berikut:" announces the tips
    if announce and opens_with(lang, "TIP_ANNOUNCE_CUES", text):
        return False  # "Berikut adalah 4 alasan ...", "Oto ...", "Hier zijn ...": what follows is announced
    return True


def _sentence_hit(rule: str, b: Block, k: int) -> Hit:
    sents = sentences(b)
    return Hit(rule, b, sents[k].start, sents[k].end, tuple(s.text for s in sents[k + 1:]))


def tip_imperative_sentence(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Jangan ...``, ``Zawsze odpisuj ...``, ``Dus probeer ...`` (not a plain list's first sentence)."""
    plain = {b.idx for items, advice in _advice_lists(doc) if not advice for b in items}
    lang = doc.lang
    # (a sentence whose first word is no imperative and starts no lead cue does not start with an imperative)
    opening = [x for x in _opening_sentences(doc, settings) if may_open_imperative(lang, x[3])]
    return [_sentence_hit("tip_imperative_sentence", b, k) for b, k, sent, _ in _free(taken, opening)
            if starts_imperative(lang, sent.text) and not (k == 0 and b.idx in plain)]


def tip_conditional_imperative(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Jika ..., balas ...``, ``Jeśli ..., zacznij ...``, ``Als ..., reageer dan ...``."""
    lang = doc.lang
    # (a sentence whose first word is no conditional and starts no lead cue opens with no condition)
    opening = [x for x in _opening_sentences(doc, settings) if may_open_conditional(lang, x[3])]
    return [_sentence_hit("tip_conditional_imperative", b, k)
            for b, k, sent, _ in _free(taken, opening) if conditional_imperative(lang, sent.text)]


def tip_clause_imperative(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``Selain ..., libatkan ...``, ``A jak nie, to szukaj ...``, ``...; houd het sociaal ...``."""
    lang = doc.lang
    # (the test first, then whether the few that pass are free: most sentences pass no test)
    return [_sentence_hit("tip_clause_imperative", b, k)
            for b, k, sent in _free(taken, [x for x in _fitting_sentences(doc, settings, True)
                                            if clause_imperative(lang, x[2].text)])]


def tip_suggestion_question(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``... mengapa kamu tidak mendesain ...?``, ``Dlaczego nie ...?``, ``Waarom niet ...?``."""
    lang = doc.lang
    return [_sentence_hit("tip_suggestion_question", b, k)
            for b, k, sent in _free(taken, [x for x in _fitting_sentences(doc, settings) if is_question(x[2].text)])
            if _suggests(lang, sent.text)]


def _suggests(lang: str, text: str) -> bool:
    """"Why not" and a verb after it, the reader addressed or no subject: ``mengapa kamu tidak mendesain``."""
    toks = [t.lower for t in tokenize(text) if t.is_word]
    present = set(toks)
    for first, rest in _suggestion_phrases(lang):
        if first not in present:
            continue    # (most questions: none of the phrases' first words)
        for i, t in enumerate(toks):
            if t != first:
                continue
            after = [x for x in toks[i + 1:i + 4] if x not in word_set(lang, "TIP_SECOND_PERSON")]
            if after[:len(rest)] == rest:
                return True
    return False


@lru_cache(maxsize=None)    # (a few languages)
def _suggestion_phrases(lang: str) -> tuple[tuple[str, list[str]], ...]:
    """(first word, the words after it) of each ``TIP_SUGGESTION_QUESTIONS`` phrase."""
    return tuple((first, rest) for first, *rest in map(str.split, lang_data(lang).TIP_SUGGESTION_QUESTIONS))


def tip_modal_sentence(doc: DocContext, taken: Taken, settings: Settings) -> list[Hit]:
    """``... harus ...``, ``Musisz ...``, ``Je moet ...`` (not in a question, not the author narrating,
    not an announcement, not a title-cased line)."""
    lang = doc.lang
    modal = [x for x in _fitting_sentences(doc, settings, True)     # (no cue: has_modal is False)
             if "?" not in x[2].text and cue_matches(lang, x[2].text).get("TIP_MODALS")]
    return [_sentence_hit("tip_modal_sentence", b, k) for b, k, sent in _free(taken, modal)
            if has_modal(lang, sent.text) and not sent.text.rstrip().endswith(":")
            and not narrated(lang, sent.text) and not title_cased(sent.text)]


# the ``extractor`` of the units the learned classifier adds (no rule found them)
CLASSIFIER_EXTRACTOR = "tip_classifier"

RULES: tuple[Rule, ...] = (tip_labelled_heading, tip_numbered_heading, tip_imperative_heading, tip_list_item,
                           tip_imperative_sentence, tip_conditional_imperative, tip_clause_imperative,
                           tip_suggestion_question, tip_modal_sentence)


def _item(doc: DocContext, h: Hit, settings: Settings) -> Tip | None:
    s = h.start
    while s < h.end and h.block.text[s] in LEADING_JUNK:
        s += 1   # ": Bagikan diskon ..." after a bold lead
    text = h.block.text[s:h.end].strip()
    if not text or len(text) > MAX_ITEM_CHARS or not words(text):
        return None
    return make(Tip, doc, h.block, s, h.end, h.rule, detail=spans.detail_text(list(h.detail), settings.detail_chars))


def rule_hits(doc: DocContext, settings: Settings = Settings(), known: Sequence[Item] = ()) -> tuple[list[Hit], Taken]:
    """The hits of the rules in order, and the spans they and the myth claims took."""
    taken = Taken(spans.block_spans(doc, [i for i in known if isinstance(i, Myth)]))
    found: list[Hit] = []
    for rule in RULES:
        hits = rule(doc, taken, settings)
        for h in hits:
            taken.spans.setdefault(h.block.idx, []).append((h.start, h.end))
        found.extend(hits)
    return found, taken


def candidates(doc: DocContext, hits: list[Hit], taken: Taken) -> list[sentence_model.Candidate]:
    """The units the classifier weighs: the rules' hits and every other unit outside myth claims."""
    by_block: dict[int, list[tuple[int, int, str]]] = {}
    for h in hits:
        by_block.setdefault(h.block.idx, []).append((h.start, h.end, h.rule))
    return sentence_model.candidates(doc, by_block, taken.claims)


def _classified(doc: DocContext, hits: list[Hit], taken: Taken, model: sentence_model.Model) -> list[Hit]:
    by_span = {(h.block.idx, h.start, h.end): h for h in hits}
    out = []
    for c in sentence_model.kept(doc, candidates(doc, hits, taken), model):
        hit = by_span.get((c.block.idx, c.start, c.end))
        if hit is None:
            detail = (_section(doc, c.block) if c.block.kind == "heading"
                      else tuple(s.text for s in sentences(c.block)[c.sentence + 1:]) if c.sentence >= 0 else ())
            hit = Hit(CLASSIFIER_EXTRACTOR, c.block, c.start, c.end, detail)
        out.append(hit)
    return out


def extract(doc: DocContext, settings: Settings = Settings(), known: Sequence[Item] = ()) -> list[Tip]:
    """The tips of a document; ``known`` items of earlier extractors: myth claims are never tips."""
    hits, taken = rule_hits(doc, settings, known)
    model = sentence_model.load("tip") if settings.classifier else None
    if model is not None:
        hits = _classified(doc, hits, taken, model)
    return [it for it in (_item(doc, h, settings) for h in hits) if it is not None]
