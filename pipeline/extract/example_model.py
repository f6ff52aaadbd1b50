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
from typing import Any

from pipeline.docmodel import DocContext
from pipeline.extract import names
from pipeline.extract.example_weights import WEIGHTS
from pipeline.lang import get as lang_data
from pipeline.nlp import word_set

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


@lru_cache(maxsize=65536)
def zipf(word: str, lang: str) -> float:
    """How common a word is written in the language (wordfreq's Zipf scale: 0 unknown, 3 rare, 6 very common)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.casefold(), lang)


EVERYDAY_ZIPF = 4.3        # about once in 20,000 words of the language: an everyday word
RARE_ZIPF = 2.5            # about once in 3 million words: not a word of the language (a name, a foreign brand)
EVERYDAY_MARGIN = 1.5      # ... and 30 times more frequent in the language than in English (not an international name)


def everyday(lang: str, words: list[str]) -> bool:
    """A name all of whose words are everyday words of the article's language, capitalised by the sentence or a
    title case ("Helaas", "Największe", "Nederlands", "Inilah Alasannya"; but also "Kopi Kenangan"). Acronyms
    and words as common in English (Google, Facebook, Target, Power) are not judged."""
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
        doc.memo["heading_words"] = frozenset(w.casefold() for b in doc.blocks if b.kind == "heading"
                                              for w in _WORDS.findall(b.text))
    return doc.memo["heading_words"]


def possessed(lang: str, m: names.Mention) -> bool:
    """A possessive right before or after the run: "Manajer Komunitas Anda", "ich Ściągawka", "je Webshop"."""
    toks, poss = m.toks, word_set(lang, "EXAMPLE_POSSESSIVES")
    return ((m.run.a > 0 and toks[m.run.a - 1].lower in poss)
            or (m.run.b < len(toks) and toks[m.run.b].lower in poss))


def features(ent: Any, doc: DocContext) -> dict[str, float]:
    """The features of one candidate entity (an ``examples.Entity``; every value in [0, 1] or a small log count)."""
    lang = doc.lang
    evidence = {e for m in ent.mentions for e in m.evidence}
    if ent.accepted in ("example_repeated", "example_coordinated"):
        evidence.add(ent.accepted)
    words = max((m.run.words for m in ent.mentions), key=len)
    inner = [m for m in ent.mentions if not m.run.initial]
    sentences = {m.span.idx for m in ent.mentions}
    stop = _stoplist(lang)
    heads = _heading_words(doc)
    vocab = names.lower_vocab(doc)
    lower = [names._in_vocab(lang, names.base(w), vocab) for w in words if w.isalpha()]   # written in lower case too
    common = _commonness(words, lang)
    list_head = any(m.span.block.kind == "list_item" and m.run.start == 0 and m.span.start == 0
                    and LIST_HEAD_GAP.match(m.mention.text, m.run.end) for m in ent.mentions)
    f = {f"rule_{r.removeprefix('example_')}": float(r in evidence) for r in RULE_FEATURES}
    f.update({
        "any_rule": float(bool(evidence)),
        "mentions_log": math.log1p(len(ent.mentions)),
        "inner_mentions_log": math.log1p(len(inner)),
        "sentences_log": math.log1p(len(sentences)),
        "only_initial": float(not inner),
        "platform": float(ent.platform),
        "camel": float(any(names.is_camel(w) for w in words)),
        "acronym": float(all(names.is_acronym(w) for w in words)),
        "domain": float(any(names.is_domain(w) or "." in w for w in words)),
        "digit": float(any(c.isdigit() for w in words for c in w)),
        "one_word": float(len(words) == 1),
        "two_words": float(len(words) == 2),
        "long_name": float(len(words) >= 3),
        "short": float(is_short(words)),
        "stop_word": float(any(w.casefold() in stop for w in words)),
        "lower_form": float(any(lower)),
        "possessed": float(any(possessed(lang, m.mention) for m in ent.mentions)),
        "in_heading": float(all(w.casefold() in heads for w in words)),
        "list_head": float(list_head),
        "rare": float(common < RARE_ZIPF / 8.0),
        "initial_rare": float(not inner and common < RARE_ZIPF / 8.0),      # "Ralali ...", "Mirek Burnejko ..."
        "zipf_lang": common,
        "paren_after": float(any(_PAREN_AFTER.match(m.mention.text, m.run.end) for m in ent.mentions)),
    })
    return f


def probability(ent: Any, doc: DocContext, weights: dict | None = None) -> float:
    """P(cited example) for one entity under ``weights`` (default: the trained ``WEIGHTS``)."""
    w = WEIGHTS if weights is None else weights
    z = w["intercept"] + sum(w["coef"].get(k, 0.0) * v for k, v in features(ent, doc).items())
    return 1.0 / (1.0 + math.exp(-z))
