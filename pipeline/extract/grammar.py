"""Clause tests and heading labels that myths and tips both read, over ``pipeline.nlp`` tokens.

- :func:`starts_imperative`: a text that starts (after punctuation and up to two lead
  words) with an imperative: ``Jangan ...``, ``Zawsze odpisuj ...``, ``Dus probeer ...``.
- :func:`conditional_imperative`: a conditional clause, then an imperative main clause.
- :func:`has_modal`: a modal of advice no negation cancels (``harus``, ``musisz``, ``moet``).
- :func:`label_of`, :func:`label_end`, :func:`label_only`: labelled headings (``Mitos 1:``).
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.lang import get as lang_data
from pipeline.nlp import cues, tokenize, word_set

_SEPARATORS = (",", "-", "–", "—", ":")
_LABEL_WORD = re.compile(r"^([^\W\d_][\w'’-]*)")


def is_imperative_word(lang: str, word: str) -> bool:
    """A listed imperative, or a word with an imperative ending that is not an exception."""
    L = lang_data(lang)
    w = word.casefold()
    if w in word_set(lang, "TIP_IMPERATIVES"):
        return True
    if w in word_set(lang, "TIP_IMPERATIVE_NOT") or not w.isalpha():
        return False
    if w.startswith(L.TIP_IMPERATIVE_NOT_PREFIXES):
        return False
    return any(w.endswith(s) and len(w) >= len(s) + 3 for s in L.TIP_IMPERATIVE_SUFFIXES)


@lru_cache(maxsize=65536)
def starts_imperative(lang: str, text: str, subjects: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` starts (after punctuation and up to two lead words) with an imperative."""
    return imperative_from(lang, text, 0, subjects)


def imperative_from(lang: str, text: str, k: int, subjects: frozenset[str] = frozenset()) -> bool:
    """``starts_imperative`` of the rest of ``text`` from its token ``k`` on (``text[tokenize(text)[k].start:]``),
    read off the tokens and cue words of the whole text: a clause after a comma costs no tokenising of its own."""
    toks = tokenize(text)
    n = len(toks)
    lead_ends: dict[int, int] = {}
    for s, e in cues(lang, "TIP_LEAD_WORDS", text):
        if s >= k:
            lead_ends[s] = max(e, lead_ends.get(s, 0))
    i = k
    for _ in range(3):
        while i < n and not any(c.isalnum() for c in toks[i].text):
            i += 1   # punctuation, quotes, a bullet, the comma after a lead word
        if i >= n:
            return False
        if is_imperative_word(lang, toks[i].text):
            # aimed at the author, not the reader: "Beri tahu saya", "Laat me weten"
            # or a statement with the subject after the verb: "Daarom zet ik ..."
            if i + 1 < n:
                nxt = toks[i + 1].lower
                if (nxt in word_set(lang, "TIP_SUBJECTS") or nxt in subjects
                        or nxt in word_set(lang, "TIP_NOT_NEXT") or nxt[:1].isdigit()):
                    return False   # "Begin 2020 ...", "Plan van aanpak"
            return not any(t.lower in word_set(lang, "TIP_FIRST_PERSON") for t in toks[i + 1:i + 4])
        if i not in lead_ends:
            return False
        i = lead_ends[i]
    return False


def conditional_imperative(lang: str, text: str) -> bool:
    """``Jika ..., hindari ...``: a conditional clause, then an imperative main clause."""
    toks = tokenize(text)
    first = next((t for t in toks if any(c.isalnum() for c in t.text)), None)
    if first is None or first.lower not in word_set(lang, "TIP_CONDITIONALS"):
        return False
    seps = [t for t in toks[first.i + 2:] if t.text in _SEPARATORS][:2]
    subjects = word_set(lang, "TIP_CONDITIONAL_SUBJECTS")
    return any(imperative_from(lang, text, t.i + 1, subjects) for t in seps)


def has_modal(lang: str, text: str) -> bool:
    """Whether ``text`` holds a modal of advice that no negation cancels (``tidak perlu``)."""
    toks = tokenize(text)
    negations = word_set(lang, "TIP_MODAL_NEGATIONS")
    return any(not (s > 0 and toks[s - 1].lower in negations) for s, _ in cues(lang, "TIP_MODALS", text))


# --- labels --------------------------------------------------------------------------

def label_of(marker: str | None) -> str | None:
    """The word of a labelled marker: ``"Mitos 1:"`` -> ``"mitos"``."""
    if not marker:
        return None
    m = _LABEL_WORD.match(marker.strip())
    return m.group(1).casefold() if m else None


@lru_cache(maxsize=None)
def _label_patterns(lang: str, field: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    labels = getattr(lang_data(lang), field)
    if not labels:
        return None
    alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    prefix = re.compile(r"^(?:%s)\s*(?:#|nr\.?|no\.?)?\s*\d{0,3}\s*[:.)\-–—]\s*(?=\S)" % alt, re.I)
    only = re.compile(r"(?:%s)\s*(?:#|nr\.?|no\.?)?\s*\d{0,3}\s*[:.)\-–—]?" % alt, re.I)
    return prefix, only


def label_end(lang: str, field: str, text: str) -> int | None:
    """End of a leading ``Label [#]N:`` / ``Label:`` (labels of ``field``) in ``text``, or None."""
    pats = _label_patterns(lang, field)
    m = pats[0].match(text) if pats else None
    return m.end() if m else None


def label_only(lang: str, field: str, text: str) -> bool:
    """``Mit:``, ``Mythe 2``: a label with nothing after it."""
    pats = _label_patterns(lang, field)
    return bool(pats) and pats[1].fullmatch(text.strip()) is not None
