"""Whether a capitalised name is a cited example: a logistic regression over rule features.

No trained NER exists offline for id/pl/nl, so the candidates are the capitalised runs of
``names.runs`` grouped into entities by ``examples.entities``; this model scores each entity by
what the rules see (the evidence rules that hold for its mentions, how often and where it is
named, its shape) and nothing language-specific beyond the language data the rules already
read and how common its words are in the article's language (``wordfreq``'s frequency lists, shipped in
its wheel), so what is learned on one language carries to the others. The weights are
``example_weights.WEIGHTS``, written by ``python -m pipeline.extract.train_examples`` from the
sample and development articles' annotations (a Python module, not a JSON file, so that the
extract stage's skip key covers them like code).
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from itertools import chain, repeat
from operator import mul
from typing import Any

from pipeline import wordfreq_table
from pipeline.docmodel import DocContext
from pipeline.extract import names
from pipeline.extract.example_weights import WEIGHTS
from pipeline.lang import get as lang_data
from pipeline.nlp import WORD_CACHE, word_set

LIST_HEAD_GAP = re.compile(r"\s*(?:[–—:]|-\s)")     # "Slack – najlepszy komunikator", "Trello: ..."
_PAREN_AFTER = re.compile(r"\s*\(")
_WORDS = re.compile(r"\w+")
_ROMAN = re.compile(r"^[IVXLC]+$")

RULE_FEATURES = ("example_report", "example_title", "example_source", "example_cue", "example_org",
                 "example_brand", "example_repeated", "example_coordinated")


@lru_cache(maxsize=None)
def _stoplist(lang: str) -> frozenset[str]:
    import justext

    name = lang_data(lang).JUSTEXT_STOPLIST
    return frozenset(w.casefold() for w in justext.get_stoplist(name)) if name else frozenset()


@lru_cache(maxsize=WORD_CACHE)
def zipf(word: str, lang: str) -> float:
    """How common a word is written in the language (wordfreq's Zipf scale: 0 unknown, 3 rare, 6 very common):
    ``wordfreq.zipf_frequency(word.casefold(), lang)``, read from the language's table of one-token words where
    there is one (``pipeline.wordfreq_table``: wordfreq's dict of the list costs 0.1-0.4 CPU s a process)."""
    folded = word.casefold()
    words = wordfreq_table.table(lang)
    value = None if words is None else words.zipf(folded)
    if value is None:
        from wordfreq import zipf_frequency

        value = zipf_frequency(folded, lang)
    return value


EVERYDAY_ZIPF = 4.3        # about once in 20,000 words of the language: an everyday word
RARE_ZIPF = 2.5            # about once in 3 million words: not a word of the language (a name, a foreign brand)
EVERYDAY_MARGIN = 1.5      # ... and 30 times more frequent in the language than in English (not an international name)


def everyday(lang: str, words: list[str]) -> bool:
    """A name all of whose words are everyday words of the article's language, capitalised by the sentence or a
    title case ("Helaas", "Największe", "Nederlands", "Inilah Alasannya"; but also "Kopi Kenangan"). Acronyms
    and words as common in English (Google, Facebook, Target, Power) are not judged."""
    return _everyday(lang, tuple(words))


@lru_cache(maxsize=WORD_CACHE)
def _everyday(lang: str, words: tuple[str, ...]) -> bool:
    """:func:`everyday`, remembered per name: names and sentence-initial words come back."""
    alpha = [w for w in words if w.isalpha()]
    if not alpha or any(w.isupper() and len(w) > 1 for w in alpha) or any(names.is_camel(w) for w in alpha):
        return False
    return all(zipf(w, lang) >= EVERYDAY_ZIPF and zipf(w, lang) - zipf(w, "en") >= EVERYDAY_MARGIN for w in alpha)


ENGLISH_EVERYDAY_ZIPF = 5.0    # once in 100,000 English words: "Next", "Top", "Start", "People"


def english_everyday(words: list[str]) -> bool:
    """A one-word name that is an everyday English word (menus and labels left in the text: "Next", "Top",
    "Recent"); brands such as Google, Facebook, Windows are less frequent than that."""
    return len(words) == 1 and words[0].isalpha() and zipf(words[0], "en") >= ENGLISH_EVERYDAY_ZIPF


def is_short(words: list[str]) -> bool:
    """One or two letters, or a Roman numeral: "I", "IV", "XX"."""
    return len("".join(words)) <= 2 or all(_ROMAN.match(w) for w in words)


def _commonness(words: list[str], lang: str) -> float:
    """The least common word of a name in the article's language, 0..1 (0: a word the language does not
    write, "Ralali", "Burnejko", "Trello"; a name of everyday words, "Metode Pembayaran", is rarely cited)."""
    alpha = [w for w in words if w.isalpha()] or [""]
    return min(zipf(w, lang) for w in alpha) / 8.0


def _heading_words(doc: DocContext) -> frozenset[str]:
    if "heading_words" not in doc.memo:
        doc.memo["heading_words"] = frozenset(map(str.casefold, chain.from_iterable(
            _WORDS.findall(b.text) for b in doc.blocks if b.kind == "heading")))
    return doc.memo["heading_words"]


def possessed(lang: str, m: names.Mention) -> bool:
    """A possessive right before or after the run: "Manajer Komunitas Anda", "ich Ściągawka", "je Webshop"."""
    toks, poss = m.toks, word_set(lang, "EXAMPLE_POSSESSIVES")
    return ((m.run.a > 0 and toks[m.run.a - 1].lower in poss)
            or (m.run.b < len(toks) and toks[m.run.b].lower in poss))


_RULE_KEYS = tuple((r, f"rule_{r.removeprefix('example_')}") for r in RULE_FEATURES)


@lru_cache(maxsize=WORD_CACHE)
def _name_shape(lang: str, words: tuple[str, ...]) -> tuple[float, ...]:
    """The features of a name that depend on its words alone (camel .. stop_word, then its commonness),
    remembered per name: an entity's name comes back in later documents."""
    stop = _stoplist(lang)
    return (float(any(names.is_camel(w) for w in words)),
            float(all(names.is_acronym(w) for w in words)),
            float(any(names.is_domain(w) or "." in w for w in words)),
            float(any(c.isdigit() for w in words for c in w)),
            float(len(words) == 1),
            float(len(words) == 2),
            float(len(words) >= 3),
            float(is_short(list(words))),
            float(any(w.casefold() in stop for w in words)),
            _commonness(list(words), lang))


FEATURES = tuple(key for _, key in _RULE_KEYS) + (
    "any_rule", "mentions_log", "inner_mentions_log", "sentences_log", "only_initial", "platform", "camel", "acronym",
    "domain", "digit", "one_word", "two_words", "long_name", "short", "stop_word", "lower_form", "possessed",
    "in_heading", "list_head", "rare", "initial_rare", "zipf_lang", "paren_after")
_LOWER_FORM = FEATURES.index("lower_form")


def features(ent: Any, doc: DocContext) -> dict[str, float]:
    """The features of one candidate entity (an ``examples.Entity``; every value in [0, 1] or a small log count)."""
    return dict(zip(FEATURES, _features(ent, doc, True)))


def _features(ent: Any, doc: DocContext, lower_form: bool) -> list[float]:
    """The values of :data:`FEATURES`, in that order; without ``lower_form``, that feature is 0.0 (not computed)."""
    lang = doc.lang
    mentions = ent.mentions
    evidence = {e for m in mentions for e in m.evidence}
    if ent.accepted in ("example_repeated", "example_coordinated"):
        evidence.add(ent.accepted)
    words = max((m.run.words for m in mentions), key=len)
    # what the mentions say, in one pass over them
    inner = 0
    sentences = set()
    platform = list_head = paren_after = False
    for m in mentions:
        run, text = m.run, m.mention.text
        inner += not run.initial
        sentences.add(m.span.idx)
        platform = platform or run.platform
        list_head = list_head or bool(m.span.block.kind == "list_item" and run.start == 0 and m.span.start == 0
                                      and LIST_HEAD_GAP.match(text, run.end))
        paren_after = paren_after or bool(_PAREN_AFTER.match(text, run.end))
    camel, acronym, domain, digit, one_word, two_words, long_name, short, stop_word, common = \
        _name_shape(lang, tuple(words))
    heads = _heading_words(doc)
    rare = common < RARE_ZIPF / 8.0
    rules = [float(r in evidence) for r in RULE_FEATURES] if evidence else [0.0] * len(RULE_FEATURES)
    return rules + [
        float(bool(evidence)),                  # any_rule
        math.log1p(len(mentions)),              # mentions_log
        math.log1p(inner),                      # inner_mentions_log
        math.log1p(len(sentences)),             # sentences_log
        float(not inner),                       # only_initial
        float(platform),
        camel, acronym, domain, digit, one_word, two_words, long_name, short, stop_word,
        # written in lower case too
        float(lower_form and _lower_form(lang, words, names.lower_vocab(doc))),
        float(any(possessed(lang, m.mention) for m in mentions)),
        float(all(w.casefold() in heads for w in words)),   # in_heading
        float(list_head),
        float(rare),
        float(not inner and rare),              # initial_rare: "Ralali ...", "Mirek Burnejko ..."
        common,                                 # zipf_lang
        float(paren_after)]


def _lower_form(lang: str, words: list[str], vocab: frozenset[str]) -> bool:
    """A word of the name the document also writes in lower case (``names._in_vocab``: with every ending)."""
    return any(names._in_vocab(lang, names.base(w), vocab) for w in words if w.isalpha())


def probability(ent: Any, doc: DocContext, weights: dict | None = None) -> float:
    """P(cited example) for one entity under ``weights`` (default: the trained ``WEIGHTS``)."""
    return _probability(features(ent, doc), WEIGHTS if weights is None else weights)


def _probability(f: dict[str, float], w: dict) -> float:
    return 1.0 / (1.0 + math.exp(-_score(f, w)))


def _score(f: dict[str, float], w: dict) -> float:
    # sum(coef.get(k, 0.0) * v for k, v in f.items()): the same products added in the same order, without a
    # generator's frame per feature
    return w["intercept"] + sum(map(mul, map(w["coef"].get, f, repeat(0.0)), f.values()))


# _score under WEIGHTS of the values of FEATURES (a list, not a dict): the coefficients in their order
_COEFS = tuple(WEIGHTS["coef"].get(k, 0.0) for k in FEATURES)
_MARGIN = 1e-6     # a bound this close to the threshold is not trusted: the lower-case test is made


def _trained_score(values: list[float]) -> float:
    """``_score(dict(zip(FEATURES, values)), WEIGHTS)``: the same products added in the same order."""
    return WEIGHTS["intercept"] + sum(map(mul, _COEFS, values))


def reaches(ent: Any, doc: DocContext) -> bool:
    """``probability(ent, doc) >= WEIGHTS["threshold"]``, without the lower-case test (``lower_form``, the costliest
    feature: each word of the name against the document's words, with every ending) where it cannot change the
    answer: with the feature at 0 and at 1 the score is on one side of the threshold (most entities). Any other
    entity is scored on all its features, as before."""
    threshold = WEIGHTS["threshold"]
    f = _features(ent, doc, False)
    if 0.0 < threshold < 1.0:
        z_threshold = math.log(threshold / (1.0 - threshold))
        z0 = _trained_score(f)
        z1 = z0 + WEIGHTS["coef"].get("lower_form", 0.0)
        if max(z0, z1) < z_threshold - _MARGIN:
            return False
        if min(z0, z1) > z_threshold + _MARGIN:
            return True
    f[_LOWER_FORM] = float(_lower_form(doc.lang, max((m.run.words for m in ent.mentions), key=len),
                                       names.lower_vocab(doc)))
    return 1.0 / (1.0 + math.exp(-_trained_score(f))) >= threshold
