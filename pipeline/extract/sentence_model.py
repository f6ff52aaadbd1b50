"""Learned sentence classifiers beside the rules: is this heading or sentence a tip, a myth?

The rules of ``tips.py`` and ``myths.py`` find candidates by cue words; what they cannot do is
weigh weak evidence together ("addresses the reader" + "a modal" + "under a heading that
announces advice") or reject a rule's hit that has all the wrong company ("Mulai dari ... hingga
..." starts with an imperative but describes). A logistic regression does that, over
**language-neutral features**: the same feature means the same thing in every language
because each is computed from that language's data (``pipeline/lang/<code>.py``) or grammar, so
what is learned on Indonesian articles applies to Polish and Dutch ones.

- :func:`candidates`: the units a document offers (every heading, every short list item
  whole, every other sentence), each carrying the name of the rule that took it, if any.
- :func:`features`: the unit's features: which rule found it; imperative mood (the rules'
  imperative test, an imperative at a clause start, and for Polish the ``impt`` tag of
  Morfeusz 2); the reader or the author addressed; modals and softer advice cues; myth,
  belief, "many people think" and rejection cues in the sentence and in the sentences after it,
  and whether the very next sentence rejects it or opens by turning against it (``MYTH_CONTRAST_CUES``);
  the block kind, length, position and punctuation; the heading and intro above it.
- :func:`probability`: the calibrated model stored beside this module as plain JSON
  (``sentence_model.json``, written by ``tools/train_sentence_model.py`` from the annotated
  articles in ``corpus/`` and ``tests/fixtures/dev-corpus``; no pickle). A unit is kept when its
  probability reaches the model's threshold (per kind on the calibrated probability: 0.5 for tips, 0.4 for myths).

Only the cheap features are computed (tokens and cue lookups the rules already cache); no
embeddings are needed, so the extract stage stays fast.
"""
from __future__ import annotations

import hashlib
import json
import math
import operator
import pathlib
import re
from dataclasses import dataclass, field as dataclass_field
from functools import cached_property, lru_cache
from itertools import repeat
from typing import Iterable, Mapping

from pipeline.docmodel import Block, DocContext
from pipeline.extract.grammar import (conditional_imperative, has_modal, imperative_from, is_imperative_word, label_end,
                                      starts_imperative)
from pipeline.extract.morphology import reader_imperative, tag_is, word_tags
from pipeline.extract.spans import MAX_ITEM_CHARS, is_question, overlaps, sentences, words
from pipeline.nlp import TEXT_CACHE, cue_matches, cues, has_cue, tokenize, word_set

MODEL_PATH = pathlib.Path(__file__).with_name("sentence_model.json")
WHOLE_ITEM_CHARS = 250          # a list item up to this long is one unit, as tips.py takes it
QUOTE_MARKS = "\"“”„«»"
CLAUSE_BREAKS = (",", ";", ":", "–", "—", "-", "(")


def _digest() -> str:
    return hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:16] if MODEL_PATH.exists() else "-"


# part of the tips and myths Settings, so a retrained model changes the extract stage's skip key
DIGEST = _digest()


class Candidate:
    """A unit the models weigh: ``block.text[start:end]``, the rule that took it (if one did) and its index among the
    block's sentences (-1 for a whole block). A plain class: tens of thousands are made per thousand documents."""

    __slots__ = ("block", "start", "end", "rule", "sentence", "text", "computed")

    def __init__(self, block: Block, start: int, end: int, rule: str | None = None, sentence: int = -1,
                 text: str | None = None):
        self.block = block
        self.start = start
        self.end = end
        self.rule = rule
        self.sentence = sentence
        # one string per unit (``text``: block.text[start:end].strip(), when the caller has it): the per-text caches
        # then hash it once
        self.text: str = block.text[start:end].strip() if text is None else text
        # what is computed of the unit (feature groups, features, bound stages), by name (``_computed``)
        self.computed: dict[object, object] = {}

    def _key(self) -> tuple[object, ...]:
        return (self.block, self.start, self.end, self.rule, self.sentence)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Candidate(block={self.block!r}, start={self.start!r}, end={self.end!r}, rule={self.rule!r}, "
                f"sentence={self.sentence!r})")


def candidates(doc: DocContext, taken: Mapping[int, list[tuple[int, int, str]]],
               exclude: Mapping[int, list[tuple[int, int]]] = {}) -> list[Candidate]:
    """Every unit of ``doc``: the spans rules took (``taken``: block -> (start, end, rule)), then
    each heading, short list item or sentence they did not overlap, not in ``exclude``."""
    out: list[Candidate] = []
    for b in doc.blocks:
        hits = taken.get(b.idx)
        if not hits:
            spans = exclude.get(b.idx)
            out.extend(_block_units(b) if not spans else (c for c in _block_units(b)
                                                         if not overlaps(spans, c.start, c.end)))
            continue
        sents = sentences(b)
        for s, e, rule in hits:
            k = next((i for i, x in enumerate(sents) if x.start <= s < x.end), -1)
            out.append(Candidate(b, s, e, rule, -1 if b.kind == "heading" else k))
        spans = [(s, e) for s, e, _ in hits] + list(exclude.get(b.idx, []))
        out.extend(c for c in _block_units(b) if not overlaps(spans, c.start, c.end))
    return out


def _block_units(b: Block) -> tuple[Candidate, ...]:
    """The units of a block no rule took that are neither too long nor too short, once per block: the myths and
    the tips models weigh the same units (the same objects, so each unit's text is cut once)."""
    found = b.memo.get("model_units")
    if found is None:
        # (start, end, sentence, block.text[start:end]): a sentence's own text object, whose hash the per-text caches
        # have computed already
        if b.kind == "heading" or (b.kind == "list_item" and len(b.text) <= WHOLE_ITEM_CHARS):
            units = [(0, len(b.text), -1, b.text)]
        else:
            units = [(x.start, x.end, i, x.text) for i, x in enumerate(sentences(b))]
        out = []
        for s, e, k, text in units:
            stripped = text.strip()
            if len(stripped) <= MAX_ITEM_CHARS and len(words(text)) >= 2:
                out.append(Candidate(b, s, e, None, k, stripped))
        found = b.memo["model_units"] = tuple(out)
    return found


# --- morphology (pipeline/extract/morphology.py) ---------------------------------------------

_is = tag_is


# --- features --------------------------------------------------------------------------------

def _block_context(doc: DocContext, b: Block) -> list[str]:
    """The parent heading and the block before ``b``: where a list or a claim is announced."""
    out = []
    if b.parent_idx >= 0:
        out.append(doc.blocks[b.parent_idx].text)
    if b.idx > 0 and b.idx - 1 != b.parent_idx:
        out.append(doc.blocks[b.idx - 1].text)
    return out


def _list_start(doc: DocContext, b: Block) -> Block:
    i = b.idx
    while i > 0 and doc.blocks[i - 1].kind == "list_item":
        i -= 1
    return doc.blocks[i]


def _following(doc: DocContext, c: Candidate, n: int = 2) -> list[str]:
    """The text of the next ``n`` sentences after the unit (its block's, then the next blocks')."""
    out = [x.text for x in sentences(c.block)[c.sentence + 1:]] if c.sentence >= 0 else []
    i = c.block.idx + 1
    while len(out) < n and i < len(doc.blocks) and doc.blocks[i].kind != "heading":
        out.extend(x.text for x in sentences(doc.blocks[i]))
        i += 1
    return out[:n]


def _clause_imperative(lang: str, text: str) -> bool:
    """An imperative starting a clause after the first one: ``..., lalu pilih ...``, ``..., nawiąż ...``."""
    toks = tokenize(text)
    for t in toks[1:]:
        if t.text in CLAUSE_BREAKS and t.i + 1 < len(toks):
            if imperative_from(lang, text, t.i + 1):     # starts_imperative(text[t.end:].lstrip())
                return True
    return conditional_imperative(lang, text)


def _polish_morphology(lang: str, text: str) -> tuple[bool, bool, bool, bool]:
    """(a reader's imperative anywhere, starts with one, starts with an infinitive, a 2nd-person
    verb) from the word tags; all False for languages without a tagger."""
    if lang != "pl":
        return False, False, False, False
    ws = [t.text for t in tokenize(text) if t.is_word and t.text[:1].isalpha()]
    if not ws:
        return False, False, False, False
    flags = [_word_flags(lang, w) for w in ws[:40]]
    first = flags[0]
    return any(f[0] for f in flags), first[0], first[1], any(f[2] for f in flags)


@lru_cache(maxsize=200_000)
def _word_flags(lang: str, word: str) -> tuple[bool, bool, bool]:
    """(a reader's imperative, an infinitive that is no finite verb, a 2nd-person verb) by the word's tags."""
    tags = word_tags(lang, word)
    return (reader_imperative(tags), _is(tags, "inf") and not _is(tags, "fin"),
            _is(tags, "fin", "sec") or _is(tags, "bedzie", "sec"))


def _document_rates(doc: DocContext) -> tuple[float, float]:
    """Shares of the document's sentences that speak as the author and to the reader: a
    first-person story describes, advice addresses the reader."""
    if "person_rates" not in doc.memo:
        # has_cue of both fields, one lookup per sentence (a text has a field's key only with a cue of it)
        found = list(map(cue_matches, repeat(doc.lang), [x.text for b in doc.blocks for x in sentences(b)]))
        n = len(found)
        first = sum(map(operator.contains, found, repeat("TIP_NARRATOR_WORDS")))
        second = sum(map(operator.contains, found, repeat("TIP_SECOND_PERSON")))
        doc.memo["person_rates"] = (first / n, second / n) if n else (0.0, 0.0)
    return doc.memo["person_rates"]


def _popular(lang: str, text: str) -> bool:
    """A claim said to be widely held: a popular cue ("banyak orang", "wiele osób", "veel mensen") not
    right after a word that counts the many instead ("bagi kebanyakan orang", "coraz więcej", "steeds meer")."""
    found = cues(lang, "MYTH_POPULAR_CUES", text)
    if not found:
        return False
    toks = tokenize(text)
    counted = word_set(lang, "MYTH_POPULAR_NOT_AFTER")
    return any(s == 0 or toks[s - 1].lower not in counted for s, _ in found)


@lru_cache(maxsize=TEXT_CACHE)
def _that_after(lang: str, field: str, text: str) -> bool:
    """Whether a "that" (``MYTH_THAT``: "bahwa", "że", "dat") follows a cue of ``field``."""
    found = cues(lang, field, text)
    if not found:
        return False
    that = word_set(lang, "MYTH_THAT")
    return any(t.lower in that for t in tokenize(text)[found[0][1]:])


@lru_cache(maxsize=TEXT_CACHE)
def cues_inside(lang: str, field: str, text: str) -> bool:
    """A cue of ``field`` after the first three words: the sentence states a claim and rejects it in one breath
    (``... bukan berarti ...``, ``..., terwijl ...``, ``... to wcale nie ...``)."""
    found = cues(lang, field, text)
    if not found:
        return False    # (most texts: no need of their words)
    last = _third_word(text)
    return last is not None and any(s > last for s, _ in found)


@lru_cache(maxsize=TEXT_CACHE)
def cues_at_start(lang: str, field: str, text: str) -> bool:
    """A cue of ``field`` among the first three words: ``Padahal ...``, ``To nieprawda.``."""
    found = cues(lang, field, text)
    if not found:
        return False    # (most texts: no need of their words)
    last = _third_word(text)
    return last is not None and any(s <= last for s, _ in found)


def _third_word(text: str) -> int | None:
    """The token index of the third word of ``text`` (of its last word when it has fewer), None with no word."""
    last = None
    n = 0
    for t in tokenize(text):
        if t.is_word:
            last = t.i
            n += 1
            if n == 3:
                break
    return last


def features(doc: DocContext, c: Candidate) -> dict[str, float]:
    """The language-neutral features of one unit (binary unless named otherwise)."""
    computed = _computed(doc, c)
    base = computed.get("features")
    if base is None:   # the tips and the myths models weigh mostly the same units
        base = computed["features"] = _unit_features(doc, c)
    if not c.rule:
        return base
    return {**base, "rule:" + c.rule: 1.0, "rule": 1.0}


_QUOTE_MARK = re.compile("[%s]" % re.escape(QUOTE_MARKS))     # any of QUOTE_MARKS
_DIGIT = re.compile(r"\d")     # a decimal digit: str.isdigit() holds for it (and for a few more, such as "²")
# characters none of which is a digit (str.isdigit): ASCII but its digits, Latin-1 but its superscripts, the Latin
# Extended letters, the general punctuation (checked at import); the regex engine passes over them
_NO_DIGIT_RANGES = ((0x00, 0x2f), (0x3a, 0x7f), (0xa0, 0xb1), (0xb4, 0xb8), (0xba, 0x24f), (0x2000, 0x206f))
if any(chr(i).isdigit() for lo, hi in _NO_DIGIT_RANGES for i in range(lo, hi + 1)):
    raise RuntimeError("a digit among the characters _has_digit passes over")
_MAYBE_DIGIT = re.compile("[^%s]" % "".join(re.escape(chr(lo)) + "-" + re.escape(chr(hi)) for lo, hi in _NO_DIGIT_RANGES))


def _has_digit(text: str) -> bool:
    """``any(ch.isdigit() for ch in text)``, by the regex engine: only the characters that may be digits (the ASCII
    digits and what is neither a Latin letter nor common punctuation) are looked at one by one."""
    return any(map(str.isdigit, _MAYBE_DIGIT.findall(text)))


# the shape features, in the order of _shape_values
SHAPE_FEATURES = ("heading", "list_item", "quote", "numbered", "log_words", "short", "long", "question", "ends_colon",
                  "exclaim", "first_sentence", "later_sentence", "position", "has_digit", "quoted")


def _shape(doc: DocContext, c: Candidate, text: str) -> dict[str, object]:
    """Block kind, length, punctuation and position."""
    return dict(zip(SHAPE_FEATURES, _shape_values(doc, c, text)))


def _shape_values(doc: DocContext, c: Candidate, text: str) -> tuple[object, ...]:
    """The values of :func:`_shape`, in the order of ``SHAPE_FEATURES``."""
    b, n_words = c.block, len(words(text))
    heading, list_item, quote, numbered, position = b.memo.get("shape") or _block_shape(doc, b)
    return (
        heading,
        list_item,
        quote,
        numbered,
        _LOG_WORDS[n_words] if n_words < len(_LOG_WORDS) else math.log1p(n_words) / 3.0,
        n_words <= 4,
        n_words > 35,
        "?" in text and is_question(text),
        text.rstrip().endswith(":"),
        "!" in text,
        c.sentence <= 0,
        c.sentence > 0,
        position,
        _has_digit(text),
        _QUOTE_MARK.search(text) is not None,
    )


# the log_words feature of a unit of n words, for the usual n
_LOG_WORDS = tuple(math.log1p(n) / 3.0 for n in range(256))


def _block_shape(doc: DocContext, b: Block) -> tuple[bool, bool, bool, bool, float]:
    """The shape features that are the block's (heading, list_item, quote, numbered, position), once per block."""
    kind = b.kind
    found = b.memo["shape"] = (kind == "heading", kind == "list_item", kind == "quote", b.number is not None,
                               b.idx / max(1, len(doc.blocks) - 1))
    return found


def _advice_cues(lang: str, text: str) -> dict[str, object]:
    """The advice features that are cue lookups of the unit (cheap): ``_reaches`` bounds a unit's score with
    them before the mood tests of :func:`_advice` (imperatives by clause, Polish morphology)."""
    return dict(zip(GROUP_FEATURES["advice_cues"], _advice_cue_values(lang, text)))


def _advice_cue_values(lang: str, text: str) -> tuple[bool, ...]:
    """The values of :func:`_advice_cues`, in the order of ``GROUP_FEATURES["advice_cues"]``."""
    found = cue_matches(lang, text)     # has_cue of each field, one lookup
    return (
        bool(found.get("TIP_NARRATOR_WORDS")) or bool(found.get("TIP_FIRST_PERSON")),
        bool(found.get("TIP_MODALS")) and has_modal(lang, text),    # (no modal cue: none of advice)
        bool(found.get("TIP_ADVICE_CUES")),
        label_end(lang, "TIP_LABELS", text) is not None,
        bool(found.get("TIP_NOT_CUES")),
        bool(found.get("TIP_MISTAKE_CUES")),
        text.rstrip().endswith(":") and bool(found.get("TIP_ANNOUNCE_CUES")),
    )


def _advice(lang: str, text: str, cue_features: Mapping[str, object] | None = None) -> dict[str, object]:
    """Mood, person, modals and advice cues of the unit itself (``cue_features``: its :func:`_advice_cues`)."""
    cheap = _advice_cues(lang, text) if cue_features is None else cue_features
    impt_any, impt_first, inf_first, sec_verb = _polish_morphology(lang, text)
    first_word = next((t.text for t in tokenize(text) if t.is_word), "")
    return {
        "second_person": has_cue(lang, "TIP_SECOND_PERSON", text) or sec_verb,
        "first_person": cheap["first_person"],
        "starts_imperative": starts_imperative(lang, text) or (impt_first and first_word[:1].isupper()),
        "first_word_imperative": bool(first_word) and is_imperative_word(lang, first_word),
        "clause_imperative": _clause_imperative(lang, text),
        "imperative_anywhere": impt_any,
        "infinitive_start": inf_first,
        "modal": cheap["modal"],
        "advice_cue": cheap["advice_cue"],
        "tip_label": cheap["tip_label"],
        "tip_not_cue": cheap["tip_not_cue"],
        "mistake_cue": cheap["mistake_cue"],
        "announce": cheap["announce"],
    }


def _claims_and_context(doc: DocContext, c: Candidate, text: str) -> dict[str, object]:
    """Myth, belief and rejection cues in the unit and after it; the title, heading and intro above it
    (the unit's own cues and its context are computed apart, when a model needs them: ``_reaches``)."""
    both = {**_group(doc, c, "claims_own"), **_group(doc, c, "claims_context")}
    return {k: both[k] for k in CLAIM_FEATURES}


# the order of the claim features (a model sums its products in the order of the features)
CLAIM_FEATURES = ("ctx_tip_intro", "ctx_mistake", "ctx_colon", "ctx_parent_imperative", "title_tip", "title_myth",
                  "myth_cue", "myth_weak_cue", "myth_label", "belief_cue", "popular_cue", "rebuttal_cue",
                  "rebuttal_inside", "absolute_cue", "rebuttal_next", "myth_next", "ctx_myth", "ctx_myth_label", "rebuttal_follows",
                  "contrast_follows")


# the unit's own claim features, in the order of _claims_own_values
CLAIMS_OWN_FEATURES = ("title_tip", "title_myth", "myth_cue", "myth_weak_cue", "myth_label", "belief_cue", "popular_cue",
                       "rebuttal_cue", "rebuttal_inside", "absolute_cue")


def _claims_own(doc: DocContext, text: str) -> dict[str, object]:
    """Myth, belief and rejection cues of the unit itself and of the document's title."""
    return dict(zip(CLAIMS_OWN_FEATURES, _claims_own_values(doc, text)))


def _claims_own_values(doc: DocContext, text: str) -> tuple[bool, ...]:
    """The values of :func:`_claims_own`, in the order of ``CLAIMS_OWN_FEATURES``."""
    lang = doc.lang
    title_tip, title_myth = _title_cues(doc)
    found = cue_matches(lang, text)     # has_cue of each field, one lookup
    if found.keys().isdisjoint(_OWN_CUE_FIELDS):    # (most units: no claim cue, only the label to look for)
        return (title_tip, title_myth, False, False, label_end(lang, "MYTH_LABELS", text) is not None, False, False,
                False, False, False)
    rebuttal = bool(found.get("MYTH_REBUTTAL_CUES"))
    return (
        title_tip,
        title_myth,
        bool(found.get("MYTH_CUES")),
        bool(found.get("MYTH_WEAK_CUES")),
        label_end(lang, "MYTH_LABELS", text) is not None,
        bool(found.get("MYTH_BELIEF_CUES")),
        bool(found.get("MYTH_POPULAR_CUES")) and _popular(lang, text),
        rebuttal,
        rebuttal and cues_inside(lang, "MYTH_REBUTTAL_CUES", text),   # no cue, none inside
        bool(found.get("MYTH_ABSOLUTE_CUES")),
    )


# the cue fields _claims_own_values reads (a text has a field's key only with a cue of it: ``cue_matches``)
_OWN_CUE_FIELDS = frozenset({"MYTH_CUES", "MYTH_WEAK_CUES", "MYTH_BELIEF_CUES", "MYTH_POPULAR_CUES", "MYTH_REBUTTAL_CUES",
                             "MYTH_ABSOLUTE_CUES"})


def _title_cues(doc: DocContext) -> tuple[bool, bool]:
    """Whether the document's title announces advice, and myths (once per document)."""
    found = doc.memo.get("title_cues")
    if found is None:
        title = cue_matches(doc.lang, doc.title)
        found = doc.memo["title_cues"] = (bool(title.get("TIP_INTRO_CUES")), bool(title.get("MYTH_CUES")))
    return found


def _claims_context(doc: DocContext, c: Candidate, following: Mapping[str, object] | None = None) -> dict[str, object]:
    """Cues in the sentences after the unit (``following``: its :func:`_claims_following`); the heading and intro above
    it."""
    after = _claims_following(doc, c) if following is None else following
    tip_intro, mistake, colon, parent_imperative, myth, myth_label = _block_claims_context(doc, c.block)
    return {
        "ctx_tip_intro": tip_intro,
        "ctx_mistake": mistake,
        "ctx_colon": colon,
        "ctx_parent_imperative": parent_imperative,
        "rebuttal_next": after["rebuttal_next"],
        "myth_next": after["myth_next"],
        "ctx_myth": myth,
        "ctx_myth_label": myth_label,
        "rebuttal_follows": after["rebuttal_follows"],
        "contrast_follows": after["contrast_follows"],
    }


def _claims_following(doc: DocContext, c: Candidate) -> dict[str, object]:
    """The context features of :func:`_claims_context` read off the sentences after the unit (cheap: their cues are
    known): ``_reaches`` bounds a unit's score with them before the block's context (its heading and intro)."""
    return dict(zip(GROUP_FEATURES["claims_following"], _claims_following_values(doc, c)))


def _claims_following_values(doc: DocContext, c: Candidate) -> tuple[bool, ...]:
    """The values of :func:`_claims_following`, in the order of ``GROUP_FEATURES["claims_following"]``."""
    lang = doc.lang
    following = _following(doc, c)
    found = [cue_matches(lang, t) for t in following]     # has_cue of each field, one lookup per sentence
    return (
        any(f.get("MYTH_REBUTTAL_CUES") for f in found),
        any(f.get("MYTH_CUES") for f in found),
        # the discourse of a rebuttal: a claim, then right away a sentence that rejects it ("To nieprawda.") or
        # opens by turning against it ("Namun ...", "Eigenlijk ...")
        bool(following) and bool(found[0].get("MYTH_REBUTTAL_CUES")),
        bool(following) and bool(cues_at_start(lang, "MYTH_CONTRAST_CUES", following[0])),
    )


def _block_claims_context(doc: DocContext, b: Block) -> tuple[bool, bool, bool, bool, bool, bool]:
    """The context features of :func:`_claims_context` that are the block's (its heading and intro, those of its list):
    (ctx_tip_intro, ctx_mistake, ctx_colon, ctx_parent_imperative, ctx_myth, ctx_myth_label), once per block (its
    sentences share them)."""
    found = b.memo.get("claims_context")
    if found is None:
        lang = doc.lang
        ctx = _block_context(doc, b)
        list_ctx = _block_context(doc, _list_start(doc, b)) if b.kind == "list_item" else []
        found = b.memo["claims_context"] = (
            has_cue(lang, "TIP_INTRO_CUES", *ctx, *list_ctx),
            has_cue(lang, "TIP_MISTAKE_CUES", *ctx, *list_ctx),
            any(t.rstrip().endswith(":") for t in ctx[-1:] + list_ctx[-1:]),
            b.parent_idx >= 0 and starts_imperative(lang, doc.blocks[b.parent_idx].text),
            has_cue(lang, "MYTH_CUES", *ctx, *list_ctx),
            any(label_end(lang, "MYTH_LABELS", t) is not None for t in ctx))
    return found


def _group(doc: DocContext, c: Candidate, name: str) -> dict[str, object]:
    """One group of a unit's features ("shape", "advice" or "claims", the last made of "claims_own" and
    "claims_context"; "advice_cues" is the cheap part of "advice", "claims_following" that of "claims_context"),
    computed once per unit."""
    computed = c.computed
    found = computed.get(name)
    if found is None:
        text = c.text
        if name == "shape":
            found = dict(zip(SHAPE_FEATURES, _first(doc, c)[0]))      # (zip stops at the shape's last)
        elif name == "claims_own":
            found = dict(zip(CLAIMS_OWN_FEATURES, _first(doc, c)[0][_CLAIMS_OWN_AT:]))
        elif name in _GROUP_VALUES:
            found = dict(zip(GROUP_FEATURES[name], _group_values(doc, c, name)))
        else:
            found = (_advice(doc.lang, text, _group(doc, c, "advice_cues")) if name == "advice"
                     else _claims_context(doc, c, _group(doc, c, "claims_following")) if name == "claims_context"
                     else _claims_and_context(doc, c, text))
        computed[name] = found
    return found


# the groups computed as tuples (in the order of GROUP_FEATURES): a bound stage reads them so, without a dictionary
def _unit_advice_cue_values(doc: DocContext, c: Candidate) -> tuple[bool, ...]:
    return _advice_cue_values(doc.lang, c.text)


_GROUP_VALUES = {"advice_cues": _unit_advice_cue_values, "claims_following": _claims_following_values}


def _group_values(doc: DocContext, c: Candidate, name: str) -> tuple[bool, ...]:
    """The values of one of the ``_GROUP_VALUES`` groups of a unit, once per unit."""
    key = ("values", name)
    found = c.computed.get(key)
    if found is None:
        found = c.computed[key] = _GROUP_VALUES[name](doc, c)
    return found    # type: ignore[return-value]


def _computed(doc: DocContext, c: Candidate) -> dict[object, object]:
    """What is computed of a unit (its feature groups, its features, its bound's stages), by name. The myths and
    the tips models weigh the same objects for the units no rule took (``_block_units``), so they compute each once."""
    return c.computed


# the features known first, before any lazy group (``_first``): the unit's shape, the document's rates, its own
# claim cues
FIRST_FEATURES = SHAPE_FEATURES + ("doc_first_person", "doc_second_person") + CLAIMS_OWN_FEATURES
_CLAIMS_OWN_AT = len(SHAPE_FEATURES) + 2


def _first(doc: DocContext, c: Candidate) -> tuple[tuple[object, ...], tuple[bool, ...]]:
    """(the values of ``FIRST_FEATURES``, the conjunctions that may hold given them, in the order of
    ``CONJUNCTIONS``): the first bound's stage, as tuples a model weighs in its fixed order (``Model.first_bound``).
    Once per unit: the models share it."""
    computed = c.computed
    found = computed.get("first")
    if found is None:
        text = c.text
        own = _claims_own_values(doc, text)
        values = _shape_values(doc, c, text) + (doc.memo.get("person_rates") or _document_rates(doc)) + own
        popular, belief, rebuttal, absolute = own[6], own[5], own[7], own[9]
        # _conjunctions of these values, every other feature unknown (at most True)
        found = computed["first"] = (values, (
            popular,
            popular and _that_after(doc.lang, "MYTH_POPULAR_CUES", text),
            belief,
            rebuttal and bool(cues_at_start(doc.lang, "MYTH_REBUTTAL_CUES", text)),   # (no cue: none at the start)
            popular or belief or absolute or values[14] or values[0],    # quoted, heading
            True,
            True))
    return found     # type: ignore[return-value]


def _conjunctions(lang: str, text: str, f: Mapping[str, object]) -> dict[str, object]:
    """Conjunctions a linear model cannot form itself. A feature missing from ``f`` reads as present: each
    conjunction is monotone, so that gives its highest value whatever the missing ones are (``_reaches``)."""
    # "Banyak orang bilang bahwa ...", "Wydaje się, że ...": the many hold a claim, not do a thing
    popular_that = f.get("popular_cue", True) and _that_after(lang, "MYTH_POPULAR_CUES", text)
    return dict(zip(CONJUNCTIONS, _conjunction_values(f, popular_that, bool(cues_at_start(lang, "MYTH_REBUTTAL_CUES",
                                                                                          text)))))


def _conjunction_values(f: Mapping[str, object], popular_that: object, rebuttal_first: object) -> tuple[object, ...]:
    """The values of :func:`_conjunctions` in the order of ``CONJUNCTIONS``, given its two of the text (``popular_that``,
    ``rebuttal_first``): a bound stage has them from the first stage (``_first``), whose features they depend on."""
    get = f.get
    return (
        get("popular_cue", True) and (get("rebuttal_next", True) or get("rebuttal_cue", True)),
        popular_that,
        get("belief_cue", True) and get("rebuttal_next", True),
        rebuttal_first,
        # a claim (widely held, a belief, an absolute, quoted, a heading) that the next sentence rejects or turns against
        (get("popular_cue", True) or get("belief_cue", True) or get("absolute_cue", True)
         or get("quoted", True) or get("heading", True))
        and (get("rebuttal_follows", True) or get("contrast_follows", True)),
        get("second_person", True) and get("modal", True),
        get("starts_imperative", True) and (
            get("ctx_tip_intro", True) or get("ctx_parent_imperative", True) or get("title_tip", True)),
    )


def _unit_features(doc: DocContext, c: Candidate) -> dict[str, float]:
    f = {**_group(doc, c, "shape"), **_group(doc, c, "advice"), **_group(doc, c, "claims")}
    f["doc_first_person"], f["doc_second_person"] = _document_rates(doc)
    f.update(_conjunctions(doc.lang, c.text, f))
    return {k: float(v) for k, v in f.items()}


# the names of the conjunctions, in order
CONJUNCTIONS = ("popular_then_rebuttal", "popular_that", "belief_then_rebuttal", "rebuttal_first", "claim_then_turn",
                "reader_modal", "imperative_in_advice")


# The groups a unit's features are computed in when a model scores it (``_reaches``): the non-binary
# features are all in "shape" or the document's rates; every feature of the others is binary.
# (the unit's own claim cues are known from the start: they are cheap, the rules have matched its cues, and
# without them few units can be a myth)
# ("advice" holds "advice_cues", "claims_context" holds "claims_following": only the rest is new)
LAZY_GROUPS = ("advice_cues", "advice", "claims_following", "claims_context")
# the lazy groups as chains, each group of a chain computed after the one before it (that it holds); a model takes
# the chains in its own order (``Model.lazy_prefixes``)
LAZY_CHAINS = (("advice_cues", "advice"), ("claims_following", "claims_context"))
# the features of each lazy group (a test checks them against what the groups compute)
GROUP_FEATURES = {
    "advice_cues": ("first_person", "modal", "advice_cue", "tip_label", "tip_not_cue", "mistake_cue", "announce"),
    "advice": ("second_person", "first_person", "starts_imperative", "first_word_imperative", "clause_imperative",
               "imperative_anywhere", "infinitive_start", "modal", "advice_cue", "tip_label", "tip_not_cue",
               "mistake_cue", "announce"),
    "claims_following": ("rebuttal_next", "myth_next", "rebuttal_follows", "contrast_follows"),
    "claims_context": ("ctx_tip_intro", "ctx_mistake", "ctx_colon", "ctx_parent_imperative", "rebuttal_next",
                       "myth_next", "ctx_myth", "ctx_myth_label", "rebuttal_follows", "contrast_follows"),
}
_MARGIN = 1e-6     # a bound this close to the threshold is not trusted: the features are computed


def _reaches(doc: DocContext, c: Candidate, model: Model) -> bool:
    """``model.probability(features(doc, c)) >= model.threshold``, without computing the costly feature
    groups of a unit that cannot reach the threshold whatever they hold.

    Most units are no tip and no myth. The cheap features come first (shape, the document's rates, the
    unit's own claim cues); before each costly group, an upper bound of the unit's score is taken: the features known so far
    with their weights, every feature still unknown (binary) at 1 where its weight is positive, and
    the conjunctions at their highest given what is known. A unit whose bound stays below the
    threshold is dropped; any other one is scored on all its features, as before."""
    computed = c.computed
    plan = model.bound_plan
    if plan is not None and "features" not in computed and not c.rule:
        # (Model.known_part_of and Model.bound_of_flags, inline: most units are dropped here, by the first bound)
        limit, base, conjunction_weights, weights, positive, later = plan
        values, conjunctions = computed.get("first") or _first(doc, c)
        part = sum(map(operator.mul, weights, values)) - positive    # the known features' part, group by group
        if base + part + sum(map(operator.mul, conjunction_weights, conjunctions)) < limit:
            return False
        for recipe, weights, positive in later:
            values, conjunctions = _stage_of(doc, c, computed, recipe)
            part += sum(map(operator.mul, weights, values)) - positive
            if base + part + sum(map(operator.mul, conjunction_weights, conjunctions)) < limit:
                return False
    return model.probability(features(doc, c)) >= model.threshold


# the features _conjunctions reads (a stage keeps only these of what is known: the conjunctions' input)
CONJUNCTION_INPUTS = frozenset({
    "popular_cue", "rebuttal_next", "rebuttal_cue", "belief_cue", "absolute_cue", "quoted", "heading", "rebuttal_follows",
    "contrast_follows", "second_person", "modal", "starts_imperative", "ctx_tip_intro", "ctx_parent_imperative",
    "title_tip"})


@lru_cache(maxsize=None)
def stage_features(groups: tuple[str, ...]) -> tuple[str, ...]:
    """The features first known once the lazy ``groups`` are, in order: with no group ``FIRST_FEATURES``, else those
    of the last group not known before."""
    if not groups:
        return FIRST_FEATURES
    before = {f for i in range(len(groups)) for f in stage_features(groups[:i])}
    return tuple(f for f in GROUP_FEATURES[groups[-1]] if f not in before)


# the conjunctions' input in a fixed order: what a unit's stage knows of it, as a tuple (True where not known yet)
_INPUT_ORDER = ("popular_cue", "rebuttal_next", "rebuttal_cue", "belief_cue", "absolute_cue", "quoted", "heading",
                "rebuttal_follows", "contrast_follows", "second_person", "modal", "starts_imperative", "ctx_tip_intro",
                "ctx_parent_imperative", "title_tip")
if frozenset(_INPUT_ORDER) != CONJUNCTION_INPUTS or len(_INPUT_ORDER) != len(CONJUNCTION_INPUTS):
    raise RuntimeError("_INPUT_ORDER is not CONJUNCTION_INPUTS")
# (index in FIRST_FEATURES, index in _INPUT_ORDER) of the conjunctions' input known first
_FIRST_INPUTS_AT = tuple((FIRST_FEATURES.index(f), _INPUT_ORDER.index(f)) for f in FIRST_FEATURES if f in CONJUNCTION_INPUTS)


def _first_inputs(values: tuple[object, ...]) -> list[object]:
    """The conjunctions' input (in the order of ``_INPUT_ORDER``) given the values of ``FIRST_FEATURES``."""
    known: list[object] = [True] * len(_INPUT_ORDER)
    for i, at in _FIRST_INPUTS_AT:
        known[at] = values[i]
    return known


def _conjunction_flags(known: "list[object] | tuple[object, ...]", popular_that: object, rebuttal_first: object
                       ) -> tuple[object, ...]:
    """:func:`_conjunction_values` of the conjunctions' input as a sequence in the order of ``_INPUT_ORDER`` (True
    where not known)."""
    (popular, rebuttal_next, rebuttal, belief, absolute, quoted, heading, follows, contrast, second_person, modal,
     imperative, tip_intro, parent_imperative, title_tip) = known
    return (
        popular and (rebuttal_next or rebuttal),
        popular_that,
        belief and rebuttal_next,
        rebuttal_first,
        (popular or belief or absolute or quoted or heading) and (follows or contrast),
        second_person and modal,
        imperative and (tip_intro or parent_imperative or title_tip),
    )


def _stage(doc: DocContext, c: Candidate, computed: dict[object, object], groups: tuple[str, ...]
           ) -> tuple[tuple[object, ...], tuple[bool, ...]]:
    """(the values of ``stage_features(groups)``, the conjunctions that may hold given all known by then, as flags in
    the order of ``CONJUNCTIONS``); with no group, :func:`_first`'s. Once per unit and stage: the models share the
    stages their orders share."""
    if not groups:
        return _first(doc, c)
    return _stage_of(doc, c, computed, _stage_recipe(groups))


_Recipe = tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]], tuple[str, ...],
                str, tuple[str, ...], tuple[tuple[int, int], ...], bool]


def _stage_of(doc: DocContext, c: Candidate, computed: dict[object, object], recipe: _Recipe
              ) -> tuple[tuple[object, ...], tuple[bool, ...]]:
    """:func:`_stage` of the groups of ``recipe`` (``_stage_recipe``)."""
    key, before_key, inputs_key, before, last, names, inputs_at, direct = recipe
    found = computed.get(key)
    if found is None:
        known = computed.get(before_key)
        if known is None:
            if before:
                _stage_of(doc, c, computed, _stage_recipe(before))
                known = computed[before_key]
            else:
                known = computed[before_key] = _first_inputs(_first(doc, c)[0])
        if direct:      # (the group's values are the stage's, in order)
            values = _group_values(doc, c, last)
        else:
            group = _group(doc, c, last)
            values = tuple([group[k] for k in names])
        if inputs_at:
            known = list(known)     # type: ignore[call-overload]
            for i, at in inputs_at:
                known[at] = values[i]   # type: ignore[index]
        computed[inputs_key] = known
        first_flags = _first(doc, c)[1]     # popular_that and rebuttal_first: the unit's own, known from the start
        found = computed[key] = (values, _conjunction_flags(known, first_flags[1], first_flags[3]))  # type: ignore
    return found     # type: ignore[return-value]


@lru_cache(maxsize=None)    # (a few stages)
def _stage_recipe(groups: tuple[str, ...]) -> _Recipe:
    """What :func:`_stage` of ``groups`` reads and writes, once per stage: (its key in a unit's ``computed``, the key
    of the conjunctions' input known before it, that of those known after it, the groups before it, its own group,
    its features (``stage_features``), (index among them, index in ``_INPUT_ORDER``) of those the conjunctions read,
    whether they are its group's values in order (``_GROUP_VALUES``))."""
    names = stage_features(groups)
    return (("stage", groups), ("inputs", groups[:-1]), ("inputs", groups), groups[:-1], groups[-1], names,
            tuple((i, _INPUT_ORDER.index(k)) for i, k in enumerate(names) if k in CONJUNCTION_INPUTS),
            groups[-1] in _GROUP_VALUES and names == GROUP_FEATURES[groups[-1]])


# --- the stored model ------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    kind: str
    weights: Mapping[str, float]
    bias: float
    threshold: float
    keep_rules: bool = True     # the rules' hits stay whatever their score; the model adds units
    _positive: float | None = dataclass_field(default=None, repr=False, compare=False)   # see _unknown_at_most

    def probability(self, feats: Mapping[str, float]) -> float:
        # the products summed in the features' order (as a generator over the items would, faster)
        z = self.bias + sum(map(operator.mul, map(self.weights.get, feats, repeat(0.0)), feats.values()))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @cached_property
    def lazy_prefixes(self) -> tuple[tuple[str, ...], ...]:
        """The lazy groups known before each bound ``_reaches`` takes: (), then one more group each time. The
        chains (``LAZY_CHAINS``) go by what their features can add to the score, the most first: the sooner a
        unit's bound falls below the threshold, the fewer groups it computes (any order gives the same verdict)."""
        def most(chain: tuple[str, ...]) -> float:
            return sum(self._positive_weights.get(f, 0.0) for g in chain for f in GROUP_FEATURES[g])
        order = [g for chain in sorted(LAZY_CHAINS, key=most, reverse=True) for g in chain]
        return tuple(tuple(order[:i]) for i in range(len(order)))

    @cached_property
    def z_threshold(self) -> float | None:
        """The score (before the logistic) that reaches the threshold; None for a threshold of 0 or 1."""
        t = self.threshold
        return math.log(t / (1.0 - t)) if 0.0 < t < 1.0 else None

    def known_part(self, known: Mapping[str, object]) -> float:
        """What features of known values add to the bound (:meth:`bound_of_true`): each its weighted value, less its weight
        where positive (counted as unknown at 1 before). Additive: the parts of groups of features sum up.
        (Summed otherwise than before: a bound off by a rounding error decides the same, _reaches keeps a margin.)"""
        return (sum(map(operator.mul, map(self.weights.get, known, repeat(0.0)), known.values()))   # type: ignore
                - sum(map(self._positive_weights.get, known, repeat(0.0))))

    def known_part_of(self, groups: tuple[str, ...], values: tuple[object, ...]) -> float:
        """:meth:`known_part` of the features of a stage (``stage_features(groups)``) of these ``values``, by the weights
        in that order."""
        found = self._stage_weights.get(groups)
        if found is None:
            found = self._stage_weights[groups] = self._weights_of_stage(groups)
        weights, positive = found
        return sum(map(operator.mul, weights, values)) - positive    # type: ignore[arg-type]

    def _weights_of_stage(self, groups: tuple[str, ...]) -> tuple[tuple[float, ...], float]:
        """(the weights of ``stage_features(groups)`` in order, the sum of their positive ones)."""
        names = stage_features(groups)
        return tuple(self.weights.get(k, 0.0) for k in names), sum(self._positive_weights.get(k, 0.0) for k in names)

    @cached_property
    def bound_plan(self) -> tuple[float, float, tuple[float, ...], tuple[float, ...], float,
                                  tuple[tuple[object, tuple[float, ...], float], ...]] | None:
        """What ``_reaches`` bounds a unit's score with: (the limit below which a bound drops it, the base of every bound
        (:meth:`bound_of_flags` of no part and no conjunction), the conjunctions' positive weights in the order of
        ``CONJUNCTIONS``, the first stage's :meth:`_weights_of_stage` (its weights, their positive sum), each later
        stage as (the ``_stage_recipe`` of its lazy groups, its weights, their positive sum)); None for a threshold of
        0 or 1 (no bound is taken)."""
        if self.z_threshold is None:
            return None
        first, *later = self.lazy_prefixes
        return (self.z_threshold - _MARGIN, self._flags_base, self._conjunction_positive, *self._weights_of_stage(first),
                tuple((_stage_recipe(groups), *self._weights_of_stage(groups)) for groups in later))

    def bound_of_flags(self, known_part: float, conjunctions: tuple[bool, ...]) -> float:
        """:meth:`bound_of_true` of the conjunctions that may hold given as flags in the order of ``CONJUNCTIONS``."""
        return self._flags_base + known_part + sum(map(operator.mul, self._conjunction_positive, conjunctions))

    @cached_property
    def _stage_weights(self) -> dict[tuple[str, ...], tuple[tuple[float, ...], float]]:
        """Groups -> (the weights of ``stage_features(groups)`` in order, the sum of their positive ones)."""
        return {}

    @cached_property
    def _flags_base(self) -> float:
        return self.bias + self._unknown_at_most(CONJUNCTIONS)

    @cached_property
    def _conjunction_positive(self) -> tuple[float, ...]:
        return tuple(self._positive_weights.get(k, 0.0) for k in CONJUNCTIONS)

    def bound_of_true(self, known_part: float, true_conjunctions: tuple[str, ...]) -> float:
        """The highest score of a unit (no rule's hit) whose known features add ``known_part`` (:meth:`known_part`), every
        other feature being binary (at most 1), given the names of the conjunctions that may hold."""
        return (self.bias + self._unknown_at_most(CONJUNCTIONS) + known_part
                + sum(map(self._positive_weights.get, true_conjunctions, repeat(0.0))))

    @cached_property
    def _positive_weights(self) -> dict[str, float]:
        """Each feature's weight where positive, else 0."""
        return {k: max(w, 0.0) for k, w in self.weights.items()}

    def _unknown_at_most(self, conjunctions: tuple[str, ...]) -> float:
        """The sum of the positive weights but those of the rule features and of ``conjunctions``."""
        if self._positive is None:
            object.__setattr__(self, "_positive", sum(w for k, w in self.weights.items() if w > 0
                                                      and not k.startswith("rule") and k not in conjunctions))
        return self._positive   # type: ignore[return-value]


@lru_cache(maxsize=None)
def load(kind: str, path: str = str(MODEL_PATH)) -> Model | None:
    """The stored model for ``kind`` ("tip" or "myth"), or None when none was trained."""
    p = pathlib.Path(path)
    if not p.exists():
        return None
    data = json.loads(p.read_text(encoding="utf-8")).get("models", {}).get(kind)
    if not data:
        return None
    return Model(kind, dict(zip(data["features"], data["weights"])), data["bias"], data["threshold"],
                 data.get("keep_rules", True))


def score(doc: DocContext, cands: Iterable[Candidate], model: Model) -> list[tuple[Candidate, float]]:
    """Each candidate with its calibrated probability."""
    return [(c, model.probability(features(doc, c))) for c in cands]


def kept(doc: DocContext, cands: Iterable[Candidate], model: Model) -> list[Candidate]:
    """The candidates the model keeps: its probability at the threshold or more (and, when the
    model keeps the rules' hits, every hit of a rule)."""
    return [c for c in cands if (model.keep_rules and c.rule) or _reaches(doc, c, model)]
