"""Clause tests and heading labels that myths and tips both read, over ``pipeline.nlp`` tokens.

- :func:`starts_imperative`: a text that starts (after punctuation and up to two lead
  words) with an imperative: ``Jangan ...``, ``Zawsze odpisuj ...``, ``Dus probeer ...``.
- :func:`conditional_imperative`: a conditional clause, then an imperative main clause.
- :func:`clause_imperative`: a later clause that starts with an imperative (``..., libatkan ...``).
- :func:`has_modal`: a modal of advice no negation cancels (``harus``, ``musisz``, ``moet``).
- :func:`narrated`: the author telling what they did or had to do, not advising.
- :func:`title_cased`: a line in title case (a post title standing in the text).
- :func:`label_of`, :func:`label_end`, :func:`label_only`: labelled headings (``Mitos 1:``).
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.extract.morphology import clear_imperative, has_tagger, only_infinitive, tag_is, word_tags
from pipeline.lang import get as lang_data
from pipeline.nlp import cues, tokenize, word_set

_SEPARATORS = (",", "-", "–", "—", ":")
_CLAUSE_BREAKS = (",", ";", ":", "–", "—")
_LABEL_WORD = re.compile(r"^([^\W\d_][\w'’-]*)")


def is_imperative_word(lang: str, word: str) -> bool:
    """A listed imperative, or a word with an imperative ending that is not an exception. Where a
    tagger knows the word (Polish), its reading decides: ``przedstaw`` is an imperative whatever
    its ending, ``zazwyczaj`` an adverb whatever its ending."""
    L = lang_data(lang)
    w = word.casefold()
    if w in word_set(lang, "TIP_IMPERATIVES"):
        return True
    if w in word_set(lang, "TIP_IMPERATIVE_NOT") or not w.isalpha():
        return False
    if has_tagger(lang):
        tags = word_tags(lang, w)
        if clear_imperative(tags):
            return True
        if tags and not tag_is(tags, "impt"):
            return False   # "zazwyczaj" (an adverb): the ending alone does not make an imperative
    if w.startswith(L.TIP_IMPERATIVE_NOT_PREFIXES):
        return False
    return any(w.endswith(s) and len(w) >= len(s) + 3 for s in L.TIP_IMPERATIVE_SUFFIXES)


@lru_cache(maxsize=8192)
def starts_imperative(lang: str, text: str, subjects: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` starts (after punctuation and up to two lead words) with an imperative."""
    return imperative_from(lang, text, 0, subjects)


def imperative_from(lang: str, text: str, k: int, subjects: frozenset[str] = frozenset()) -> bool:
    """``starts_imperative`` of the rest of ``text`` from its token ``k`` on (``text[tokenize(text)[k].start:]``),
    read off the tokens and cue words of the whole text: a clause after a comma costs no tokenising of its own."""
    toks = tokenize(text)
    n = len(toks)
    if opens_with(lang, "TIP_NOT_OPENERS", text, k):
        return False   # "Mulai dari A hingga B" (ranging from), "Stel dat ..." (suppose)
    inversion = word_set(lang, "TIP_INVERSION_SUBJECTS")
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
                if i > k and nxt in inversion and nxt not in subjects:
                    return False   # verb second after a lead word: "Daarnaast vind je ..."
            return not any(t.lower in word_set(lang, "TIP_FIRST_PERSON") for t in toks[i + 1:i + 4])
        if i not in lead_ends:
            return False
        i = lead_ends[i]
    return False


def opens_with(lang: str, field: str, text: str, k: int = 0) -> bool:
    """Whether a cue of ``field`` starts ``text`` (after punctuation), or its rest from token ``k`` on."""
    toks = tokenize(text)
    first = next((t.i for t in toks[k:] if any(c.isalnum() for c in t.text)), None)
    return first is not None and any(s == first for s, _ in cues(lang, field, text))


def conditional_imperative(lang: str, text: str) -> bool:
    """``Jika ..., hindari ...``: a conditional clause (after optional lead words: ``Jadi jika
    ..., ...``), then an imperative main clause."""
    toks = tokenize(text)
    first_word = next((t for t in toks if any(c.isalnum() for c in t.text)), None)
    if first_word is None:
        return False
    conditionals = word_set(lang, "TIP_CONDITIONALS")
    lead_ends = {s: e for s, e in cues(lang, "TIP_LEAD_WORDS", text)}
    first = first_word.i
    for _ in range(2):   # up to two lead words before the conditional
        if toks[first].lower in conditionals or first not in lead_ends:
            break
        first = next((t.i for t in toks[lead_ends[first]:] if any(c.isalnum() for c in t.text)), first)
    if toks[first].lower not in conditionals:
        return False
    seps = [t for t in toks[first + 2:] if t.text in _SEPARATORS][:2]
    subjects = word_set(lang, "TIP_CONDITIONAL_SUBJECTS")
    return any(imperative_from(lang, text, t.i + 1, subjects) for t in seps)


def clause_imperative(lang: str, text: str) -> bool:
    """``Selain ..., libatkan ...``, ``A jak nie, to szukaj ...``, ``...; houd het sociaal ...``: a
    clause after the first one that starts (after optional lead words) with an imperative. The
    first clause has at least two words (``Nah, ...`` is a lead, not a clause), the imperative
    clause at least two."""
    toks = tokenize(text)
    # after a clause the verb comes before its subject in a statement: "..., benader jij ...", "..., laat
    # Matthew ... zien"
    subjects = word_set(lang, "TIP_INVERSION_SUBJECTS") | word_set(lang, "TIP_CONDITIONAL_SUBJECTS")
    n_words = 0
    for t in toks:
        if t.is_word:
            n_words += 1
            continue
        if t.text not in _CLAUSE_BREAKS or n_words < 2:
            continue
        rest_words = [x for x in toks[t.i + 1:] if x.is_word]   # the words of text[t.end:], as tokenised alone
        if len(rest_words) < 2 or (any(x.split(":")[0] == "conj" for x in word_tags(lang, rest_words[0].text))
                                   and rest_words[0].lower not in word_set(lang, "TIP_LEAD_WORDS")):
            continue   # ", bądź ..." = ", or ..." (but ", to szukaj ...": "to" leads the imperative)
        if t.text == "," and rest_words[0].lower in word_set(lang, "EXAMPLE_CONJUNCTIONS"):
            continue   # "A, B, dan fokus pada C": the last item of an enumeration, not a new clause
        if subjects and rest_words[1].text[:1].isupper():
            continue
        if imperative_from(lang, text, t.i + 1, subjects):   # starts_imperative(text[t.end:].lstrip(), subjects)
            return True
    return False


def starts_instruction(lang: str, text: str) -> bool:
    """An imperative, or where a tagger knows the word an infinitive, opening a line: ``Znaleźć sprzęt.``
    (Polish writes a list of steps in the infinitive)."""
    if starts_imperative(lang, text):
        return True
    first = next((t for t in tokenize(text) if t.is_word), None)
    return (first is not None and first.text[:1].isupper() and has_tagger(lang)
            and only_infinitive(word_tags(lang, first.text)))


def narrated(lang: str, text: str) -> bool:
    """The author telling what they did or had to do: a narrator word and no reader addressed
    (``ik weet hoe ik ... moet bouwen``), or, where a tagger knows the words, a past tense in the
    first person (``otworzyłem``) or a modal in the past (``trzeba było``)."""
    toks = tokenize(text)
    lowers = {t.lower for t in toks}
    if lowers & word_set(lang, "TIP_NARRATOR_WORDS") and not lowers & word_set(lang, "TIP_SECOND_PERSON"):
        return True
    if not has_tagger(lang):
        return False
    tags = [word_tags(lang, t.text) for t in toks if t.is_word]
    if any(any(x.startswith("aglt:sg:pri") for x in tg) for tg in tags):
        return True
    words = [t for t in toks if t.is_word]
    for s, e in cues(lang, "TIP_MODALS", text):
        nxt = next((w for w in words if w.i >= e), None)
        if nxt is not None and any(x.startswith(("praet:", "cond:")) for x in word_tags(lang, nxt.text)):
            return True
    return False


def title_cased(text: str) -> bool:
    """Most words of three or more capitalised: ``5 Pilar Strategi Marketing yang Harus Brand Miliki``."""
    ws = [t.text for t in tokenize(text) if t.is_word and t.text[:1].isalpha()]
    long_words = [w for w in ws if len(w) > 3]
    return len(ws) >= 3 and len(long_words) >= 3 and sum(w[:1].isupper() for w in long_words) >= 0.8 * len(long_words)


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
