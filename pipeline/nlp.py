"""Pipelines, tokens and cue phrases: the one place that knows how text is cut into words.

- :func:`pipeline`: spaCy's blank ``id``/``pl``/``nl`` pipeline with a sentencizer (no
  trained pipelines are installable offline); the segment stage cuts sentences with it.
- :func:`tokenize`: the words and punctuation of a text with their character offsets, the
  unit every extractor counts in. A word keeps its inner hyphens, apostrophes, dots and
  ampersands (``Peter-Paul``, ``McDonald's``, ``2.000``, ``m.in``, ``M&Ms``), so a name or a
  number is one token.
- Cue phrases, the one syntax of every word list in ``pipeline/lang`` that is matched in
  running text: lower-case words separated by spaces, matched token by token against the
  lower-cased tokens; ``stem*`` matches any token starting with ``stem``, ``*end`` any token
  ending with ``end``, ``*part*`` any token containing ``part`` (Dutch compounds:
  ``*onderzoek*``); a word without a wildcard is tokenised like the text (``dr.`` is ``dr``
  then ``.``). :func:`cues` returns the token spans of a field's phrases in a text.

Matching is a dictionary lookup per token (first words indexed by their text, by their
stem for ``stem*``), cached per text: extractors ask the same questions of the same
sentences many times.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.lang import get as lang_data

__all__ = ["pipeline", "Token", "tokenize", "cues", "has_cue", "is_cue_word", "word_set", "words_between",
           "CuePhrases"]

_TOKEN = re.compile(r"\w+(?:[-‐'’&.]\w+)*[+]?|[^\w\s]")


@lru_cache(maxsize=None)
def pipeline(lang: str):
    """A blank spaCy pipeline with a sentencizer for ``lang``, built once per process."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


class Token(NamedTuple):
    i: int          # index among all tokens (words and punctuation)
    start: int      # character offsets in the text
    end: int
    text: str
    lower: str
    is_word: bool   # starts with a letter, digit or underscore


@lru_cache(maxsize=32768)
def tokenize(text: str) -> tuple[Token, ...]:
    out = []
    for i, m in enumerate(_TOKEN.finditer(text)):
        t = m.group()
        out.append(Token(i, m.start(), m.end(), t, t.lower(), t[0].isalnum() or t[0] == "_"))
    return tuple(out)


def words_between(toks: tuple[Token, ...], a: int, b: int) -> int:
    """Words among tokens a..b-1."""
    return sum(1 for t in toks[a:b] if t.is_word)


# --- cue phrases -------------------------------------------------------------------

# one element of a phrase: (op, text); op "=" equal, "^" starts with, "$" ends with, "~" contains
_Element = tuple[str, str]


def _elements(phrase: str) -> tuple[_Element, ...]:
    out: list[_Element] = []
    for w in phrase.lower().split():
        lead, trail = w.startswith("*"), w.endswith("*") and len(w) > 1
        core = w.strip("*")
        if lead and trail:
            out.append(("~", core))
        elif lead:
            out.append(("$", core))
        elif trail:
            out.append(("^", core))
        else:
            out.extend(("=", t.lower) for t in tokenize(core))
    return tuple(out)


def _fits(element: _Element, word: str) -> bool:
    op, text = element
    if op == "=":
        return word == text
    if op == "^":
        return word.startswith(text)
    if op == "$":
        return word.endswith(text)
    return text in word


class CuePhrases:
    """A compiled list of cue phrases; :meth:`spans` finds them in a token sequence."""

    def __init__(self, phrases: tuple[str, ...]):
        self.by_word: dict[str, list[tuple[_Element, ...]]] = {}     # first element "=" by its text
        self.by_stem: dict[str, list[tuple[_Element, ...]]] = {}     # first element "^" by its stem
        self.other: list[tuple[_Element, ...]] = []                  # first element "$" or "~"
        for phrase in phrases:
            elems = _elements(phrase)
            if not elems:
                continue
            op, text = elems[0]
            if op == "=":
                self.by_word.setdefault(text, []).append(elems)
            elif op == "^":
                self.by_stem.setdefault(text, []).append(elems)
            else:
                self.other.append(elems)
        self.stem_lengths = sorted({len(s) for s in self.by_stem})

    def _starting(self, word: str) -> list[tuple[_Element, ...]]:
        out = list(self.by_word.get(word, ()))
        for n in self.stem_lengths:
            if n > len(word):
                break
            out.extend(self.by_stem.get(word[:n], ()))
        out.extend(p for p in self.other if _fits(p[0], word))
        return out

    def spans(self, toks: tuple[Token, ...]) -> list[tuple[int, int]]:
        """Sorted token spans (start, end) of every phrase occurrence (overlaps included)."""
        found: set[tuple[int, int]] = set()
        n = len(toks)
        for i, tok in enumerate(toks):
            for elems in self._starting(tok.lower):
                end = i + len(elems)
                if end <= n and all(_fits(el, toks[i + k].lower) for k, el in enumerate(elems[1:], 1)):
                    found.add((i, end))
        return sorted(found)


@lru_cache(maxsize=None)
def _phrases(lang: str, field: str) -> CuePhrases:
    return CuePhrases(tuple(getattr(lang_data(lang), field)))


@lru_cache(maxsize=65536)
def cues(lang: str, field: str, text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) in ``tokenize(text)`` of the cue phrases of ``lang``'s ``field``.

    The returned list is shared by the cache: do not change it."""
    if not text:
        return []
    return _phrases(lang, field).spans(tokenize(text))


def has_cue(lang: str, field: str, *texts: str | None) -> bool:
    """Whether any of ``texts`` holds a cue phrase of ``field``."""
    return any(t and cues(lang, field, t) for t in texts)


@lru_cache(maxsize=65536)
def is_cue_word(lang: str, field: str, word: str) -> bool:
    """Whether ``word`` alone is a one-word cue of ``field`` (``"Dr"`` for ``EXAMPLE_TITLES``)."""
    return (0, 1) in cues(lang, field, word)


@lru_cache(maxsize=None)
def word_set(lang: str, field: str) -> frozenset[str]:
    """The words of a plain word list (no phrases, no wildcards), case folded, for membership tests."""
    return frozenset(w.casefold() for w in getattr(lang_data(lang), field))
