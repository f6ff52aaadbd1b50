"""Whether a capitalised name is a cited example: a logistic regression over rule features.

No trained NER exists offline for id/pl/nl, so the candidates are the capitalised runs of
``names.runs`` grouped into entities by ``examples.entities``; this model scores each entity by
what the rules see (the evidence rules that hold for its mentions, how often and where it is
named, its shape) and nothing language-specific beyond the language data the rules already
read, so what is learned on one language carries to the others. The weights are
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

_LIST_HEAD_GAP = re.compile(r"\s*(?:[–—:]|-\s)")     # "Slack – najlepszy komunikator", "Trello: ..."
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


def _heading_words(doc: DocContext) -> frozenset[str]:
    if "heading_words" not in doc.memo:
        doc.memo["heading_words"] = frozenset(w.casefold() for b in doc.blocks if b.kind == "heading"
                                              for w in _WORDS.findall(b.text))
    return doc.memo["heading_words"]


def _possessed(lang: str, m: names.Mention) -> bool:
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
    list_head = any(m.span.block.kind == "list_item" and m.run.start == 0 and m.span.start == 0
                    and _LIST_HEAD_GAP.match(m.mention.text, m.run.end) for m in ent.mentions)
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
        "short": float(len("".join(words)) <= 2 or all(_ROMAN.match(w) for w in words)),
        "stop_word": float(any(w.casefold() in stop for w in words)),
        "lower_form": float(any(lower)),
        "possessed": float(any(_possessed(lang, m.mention) for m in ent.mentions)),
        "in_heading": float(all(w.casefold() in heads for w in words)),
        "list_head": float(list_head),
        "paren_after": float(any(_PAREN_AFTER.match(m.mention.text, m.run.end) for m in ent.mentions)),
    })
    return f


def probability(ent: Any, doc: DocContext, weights: dict | None = None) -> float:
    """P(cited example) for one entity under ``weights`` (default: the trained ``WEIGHTS``)."""
    w = WEIGHTS if weights is None else weights
    z = w["intercept"] + sum(w["coef"].get(k, 0.0) * v for k, v in features(ent, doc).items())
    return 1.0 / (1.0 + math.exp(-z))
