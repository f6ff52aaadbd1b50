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

import bisect
import re
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

from pipeline.extract.morphology import clear_imperative, has_tagger, only_infinitive, tag_is, word_tags
from pipeline.lang import get as lang_data
from pipeline.nlp import (TEXT_CACHE, WORD_CACHE, WORD_TOKEN, Token, cues, first_alnum_token, may_start_cue,
                          tokenize, word_set)

_SEPARATORS = (",", "-", "–", "—", ":")
_CLAUSE_BREAKS = (",", ";", ":", "–", "—")
_LABEL_WORD = re.compile(r"^([^\W\d_][\w'’-]*)")


class _Clauses(NamedTuple):
    """Where the clause tests look in a text's tokens, found in one pass (they ask of a sentence many times)."""
    toks: tuple[Token, ...]
    next_alnum: tuple[int, ...]     # [i]: the first token at or after i with a letter or digit (len(toks) if none)
    next_word: tuple[int, ...]      # [i]: the first word token at or after i (len(toks) if none)
    breaks: tuple[tuple[int, int], ...]     # (token index, words before it) of each clause break (_CLAUSE_BREAKS)
    separators: tuple[int, ...]     # token indices of the separators (_SEPARATORS)
    not_openers: frozenset[int]     # where a TIP_NOT_OPENERS cue starts
    lead_ends: dict[int, int]       # where a TIP_LEAD_WORDS cue starting at a token ends (the longest)


# per text: the clause tests ask of one sentence many times within its document (a small bound: an entry holds
# the text's tokens, which nlp.tokenize's own cache may have let go)
@lru_cache(maxsize=1024)
def _clauses(lang: str, text: str) -> _Clauses:
    toks = tokenize(text)
    n = len(toks)
    next_alnum, next_word = [n] * (n + 1), [n] * (n + 1)
    breaks, separators = [], []
    n_words = 0
    for t in toks:
        if t.is_word:
            n_words += 1
        elif t.text in _CLAUSE_BREAKS or t.text in _SEPARATORS:
            if t.text in _CLAUSE_BREAKS:
                breaks.append((t.i, n_words))
            if t.text in _SEPARATORS:
                separators.append(t.i)
    for t in reversed(toks):
        i = t.i
        next_word[i] = i if t.is_word else next_word[i + 1]
        # a letter or digit: a word's first character, but for a word of underscores first ("_x"); punctuation has none
        has_alnum = t.is_word and (t.text[0] != "_" or any(c.isalnum() for c in t.text))
        next_alnum[i] = i if has_alnum else next_alnum[i + 1]
    lead_ends: dict[int, int] = {}
    for s, e in cues(lang, "TIP_LEAD_WORDS", text):
        lead_ends[s] = max(e, lead_ends.get(s, 0))
    return _Clauses(toks, tuple(next_alnum), tuple(next_word), tuple(breaks), tuple(separators),
                    frozenset(s for s, _ in cues(lang, "TIP_NOT_OPENERS", text)), lead_ends)


@lru_cache(maxsize=WORD_CACHE)
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


@lru_cache(maxsize=TEXT_CACHE)
def starts_imperative(lang: str, text: str, subjects: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` starts (after punctuation and up to two lead words) with an imperative."""
    first = first_alnum_token(text)
    if first is None or not (is_imperative_word(lang, first[1]) or _starts_lead(lang, text, first)):
        return False    # what imperative_from finds at its first word, without tokenising the whole text
    return imperative_from(lang, text, 0, subjects)


def _starts_cue(lang: str, field: str, text: str, i: int) -> bool:
    """Whether a cue of ``field`` starts at token ``i`` of ``text``."""
    return any(s == i for s, _ in cues(lang, field, text))


def _starts_lead(lang: str, text: str, first: tuple[int, str]) -> bool:
    """Whether a ``TIP_LEAD_WORDS`` cue starts at the token ``first`` (index, text) of ``text``: first whether one may
    start with its word (remembered per word; most words start none), then the text's cues."""
    return may_start_cue(lang, "TIP_LEAD_WORDS", first[1].lower()) and _starts_cue(lang, "TIP_LEAD_WORDS", text, first[0])


def imperative_from(lang: str, text: str, k: int, subjects: frozenset[str] = frozenset()) -> bool:
    """``starts_imperative`` of the rest of ``text`` from its token ``k`` on (``text[tokenize(text)[k].start:]``),
    read off the tokens and cue words of the whole text: a clause after a comma costs no tokenising of its own."""
    view = _clauses(lang, text)
    toks, next_alnum = view.toks, view.next_alnum
    n = len(toks)
    if k > n:
        return False
    if next_alnum[k] in view.not_openers:
        return False   # "Mulai dari A hingga B" (ranging from), "Stel dat ..." (suppose)
    inversion = word_set(lang, "TIP_INVERSION_SUBJECTS")
    lead_ends = view.lead_ends      # of the whole text: only those at k or after are looked up
    i = k
    for _ in range(3):
        i = next_alnum[i]   # past punctuation, quotes, a bullet, the comma after a lead word
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
    found = cues(lang, field, text)
    if not found:
        return False    # (most texts: no need of their tokens)
    view = _clauses(lang, text)
    if k > len(view.toks):
        return False
    first = view.next_alnum[k]
    return first < len(view.toks) and any(s == first for s, _ in found)


def conditional_imperative(lang: str, text: str) -> bool:
    """``Jika ..., hindari ...``: a conditional clause (after optional lead words: ``Jadi jika
    ..., ...``), then an imperative main clause."""
    first_word = first_alnum_token(text)
    if first_word is None or not may_open_conditional(lang, first_word[1]) or not (
            first_word[1].lower() in word_set(lang, "TIP_CONDITIONALS") or _starts_lead(lang, text, first_word)):
        return False    # no conditional and no lead word first, without tokenising the whole text
    view = _clauses(lang, text)
    toks, next_alnum = view.toks, view.next_alnum
    n = len(toks)
    first = next_alnum[0]
    if first >= n:
        return False
    conditionals = word_set(lang, "TIP_CONDITIONALS")
    lead_ends = view.lead_ends      # the longest cue at each start, as {s: e for s, e in sorted spans}
    for _ in range(2):   # up to two lead words before the conditional
        if toks[first].lower in conditionals or first not in lead_ends:
            break
        after = next_alnum[lead_ends[first]]
        first = after if after < n else first
    if toks[first].lower not in conditionals:
        return False
    at = bisect.bisect_left(view.separators, first + 2)
    seps = view.separators[at:at + 2]
    subjects = word_set(lang, "TIP_CONDITIONAL_SUBJECTS")
    return any(imperative_from(lang, text, i + 1, subjects) for i in seps)


def clause_imperative(lang: str, text: str) -> bool:
    """``Selain ..., libatkan ...``, ``A jak nie, to szukaj ...``, ``...; houd het sociaal ...``: a
    clause after the first one that starts (after optional lead words) with an imperative. The
    first clause has at least two words (``Nah, ...`` is a lead, not a clause), the imperative
    clause at least two."""
    if "_" in text:     # (a word of underscores opens no clause: the long way)
        if not any(c in text for c in _CLAUSE_BREAKS):
            return False    # no clause break, without tokenising the text
    elif not any(map(may_open_imperative, repeat(lang), _CLAUSE_OPENING.findall(text))):
        return False    # no clause break, or none opening with an imperative or a lead word: no need of the tokens
    return _clause_imperative_by_tokens(lang, text)


def _clause_imperative_by_tokens(lang: str, text: str) -> bool:
    """:func:`clause_imperative` read off the text's tokens, clause by clause."""
    view = _clauses(lang, text)
    toks, next_word = view.toks, view.next_word
    n = len(toks)
    # after a clause the verb comes before its subject in a statement: "..., benader jij ...", "..., laat
    # Matthew ... zien"
    subjects = _clause_subjects(lang)
    next_alnum, lead_ends = view.next_alnum, view.lead_ends
    for i, n_words in view.breaks:
        if n_words < 2:
            continue
        opening = next_alnum[i + 1]
        if opening >= n or (opening not in lead_ends and not is_imperative_word(lang, toks[opening].text)):
            continue    # what imperative_from answers at the clause's first word: no lead word and no imperative
        first = next_word[i + 1]    # the first two words of text[t.end:], as tokenised alone
        second = next_word[first + 1] if first < n else n
        if second >= n or (_is_conjunction(lang, toks[first].text)
                           and toks[first].lower not in word_set(lang, "TIP_LEAD_WORDS")):
            continue   # ", bądź ..." = ", or ..." (but ", to szukaj ...": "to" leads the imperative)
        if toks[i].text == "," and toks[first].lower in word_set(lang, "EXAMPLE_CONJUNCTIONS"):
            continue   # "A, B, dan fokus pada C": the last item of an enumeration, not a new clause
        if subjects and toks[second].text[:1].isupper():
            continue
        if imperative_from(lang, text, i + 1, subjects):   # starts_imperative(text[t.end:].lstrip(), subjects)
            return True
    return False


# a clause break and the first word after it: the token that opens the next clause, as tokenize cuts it (a break is a
# token alone; a word of underscores only, which opens no clause, is left to the long way: texts with "_" are not asked)
_CLAUSE_OPENING = re.compile(r"[%s]\W*(%s)" % ("".join(_CLAUSE_BREAKS), WORD_TOKEN))


@lru_cache(maxsize=WORD_CACHE)
def may_open_imperative(lang: str, word: str) -> bool:
    """Whether a text or a clause opening with ``word`` may start with an imperative (:func:`imperative_from` at its
    first word: an imperative, or a lead word before one). No means :func:`starts_imperative` is False."""
    return is_imperative_word(lang, word) or may_start_cue(lang, "TIP_LEAD_WORDS", word.lower())


@lru_cache(maxsize=WORD_CACHE)
def may_open_conditional(lang: str, word: str) -> bool:
    """Whether a text opening with ``word`` may open with a condition (a conditional, or a lead word before one). No
    means :func:`conditional_imperative` is False."""
    lower = word.lower()
    return lower in word_set(lang, "TIP_CONDITIONALS") or may_start_cue(lang, "TIP_LEAD_WORDS", lower)


@lru_cache(maxsize=None)
def _clause_subjects(lang: str) -> frozenset[str]:
    return word_set(lang, "TIP_INVERSION_SUBJECTS") | word_set(lang, "TIP_CONDITIONAL_SUBJECTS")


@lru_cache(maxsize=WORD_CACHE)
def _is_conjunction(lang: str, word: str) -> bool:
    """Whether a reading of ``word`` is a conjunction (by the word's tags, where a tagger knows it)."""
    return any(x.split(":")[0] == "conj" for x in word_tags(lang, word))


def starts_instruction(lang: str, text: str) -> bool:
    """An imperative, or where a tagger knows the word an infinitive, opening a line: ``Znaleźć sprzęt.``
    (Polish writes a list of steps in the infinitive)."""
    if starts_imperative(lang, text):
        return True
    if not has_tagger(lang):
        return False    # (no infinitive known: the text's first word is not needed)
    first = _first_word(text)
    return first is not None and first[:1].isupper() and only_infinitive(word_tags(lang, first))


_WORD = re.compile(WORD_TOKEN)


def _first_word(text: str) -> str | None:
    """The text of the first word token of ``tokenize(text)``, without tokenising the text: a word token starts at the
    first letter, digit or underscore (the tokens before it are single characters that are none), as the search's."""
    m = _WORD.search(text)
    return m.group() if m else None


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
    if any(map(_first_person_agglutinate, repeat(lang), [t.text for t in toks if t.is_word])):
        return True
    words = [t for t in toks if t.is_word]
    for s, e in cues(lang, "TIP_MODALS", text):
        nxt = next((w for w in words if w.i >= e), None)
        if nxt is not None and any(x.startswith(("praet:", "cond:")) for x in word_tags(lang, nxt.text)):
            return True
    return False


@lru_cache(maxsize=WORD_CACHE)
def _first_person_agglutinate(lang: str, word: str) -> bool:
    """Whether a reading of ``word`` is the agglutinate of the first person singular (``-(e)m``: ``otworzyłem``)."""
    return any(x.startswith("aglt:sg:pri") for x in word_tags(lang, word))


def title_cased(text: str) -> bool:
    """Most words of three or more capitalised: ``5 Pilar Strategi Marketing yang Harus Brand Miliki``."""
    ws = [t.text for t in tokenize(text) if t.is_word and t.text[:1].isalpha()]
    long_words = [w for w in ws if len(w) > 3]
    return len(ws) >= 3 and len(long_words) >= 3 and sum(w[:1].isupper() for w in long_words) >= 0.8 * len(long_words)


def has_modal(lang: str, text: str) -> bool:
    """Whether ``text`` holds a modal of advice that no negation cancels (``tidak perlu``)."""
    found = cues(lang, "TIP_MODALS", text)
    if not found:
        return False    # (most texts: no need of their tokens)
    toks = tokenize(text)
    negations = word_set(lang, "TIP_MODAL_NEGATIONS")
    return any(not (s > 0 and toks[s - 1].lower in negations) for s, _ in found)


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
