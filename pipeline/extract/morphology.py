"""Word tags from a morphological analyser, where a language has one offline.

Polish: **Morfeusz 2** (``morfeusz2`` on PyPI, dictionary included) gives every reading of a word:
``impt:sg:sec:perf`` (an imperative to the reader), ``inf:perf`` (an infinitive),
``praet:sg:m1:perf`` with ``aglt:sg:pri`` (a past tense in the first person: the author
narrating). Other languages have no tagger here and get no tags; callers fall back to the word
lists of ``pipeline/lang/<code>.py``.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _morfeusz():
    try:
        import morfeusz2
    except ImportError:     # an optional dependency: without it Polish uses the word lists alone
        return None
    return morfeusz2.Morfeusz(expand_tags=False, generate=False)


def has_tagger(lang: str) -> bool:
    return lang == "pl" and _morfeusz() is not None


@lru_cache(maxsize=200_000)
def word_tags(lang: str, word: str) -> frozenset[str]:
    """The tags a word can have (Morfeusz 2 for Polish: ``impt:sg:sec:perf``, ``inf:perf``,
    ``fin:sg:pri:imperf`` ...); empty for other languages and for words the analyser does not know."""
    if lang != "pl" or not word[:1].isalpha():
        return frozenset()
    m = _morfeusz()
    if m is None:
        return frozenset()
    # indexed, not iterated: SWIG's iterator type is shared by every SWIG module of the process, and
    # iterating Morfeusz's results through faiss's registered iterator crashes (faiss imported first)
    low = m._morfeusz_obj
    interps = low.analyse(word)
    tags = frozenset(interps[k].getTag(low) for k in range(len(interps)))
    return frozenset() if tags <= {"ign"} else tags


def tag_is(tags: frozenset[str], cls: str, person: str | None = None) -> bool:
    return any(t.startswith(cls + ":") and (person is None or f":{person}" in t) for t in tags)


def reader_imperative(tags: frozenset[str]) -> bool:
    """An imperative addressed to the reader (2nd person), not a word that is also a conjunction
    or particle ("bądź" = "or")."""
    return tag_is(tags, "impt", "sec") and not any(t.split(":")[0] in ("conj", "comp", "qub") for t in tags)


_NOT_VERB_READINGS = ("fin", "adv", "part", "qub", "conj", "comp", "prep", "interj")


def clear_imperative(tags: frozenset[str]) -> bool:
    """An imperative to the reader that no other common reading rivals: ``przedstaw``, ``rozważ``;
    not ``mam`` (also "I have"), ``wręcz`` (also "downright"), ``bądź`` (also "or"), ``sklep`` (also
    the noun "shop", a subject)."""
    return tag_is(tags, "impt", "sec") and not any(
        t.split(":")[0] in _NOT_VERB_READINGS or (t.startswith("subst:") and "nom" in t) for t in tags)


def only_infinitive(tags: frozenset[str]) -> bool:
    """An infinitive that no finite verb shares: ``Znaleźć``, ``Sprawdzić``."""
    return tag_is(tags, "inf") and not tag_is(tags, "fin")
