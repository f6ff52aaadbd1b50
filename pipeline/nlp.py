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

Matching is a few dictionary lookups per token (first words indexed by their text, their
stem or their ending), all extraction fields of a language in one pass, remembered per
text: extractors ask many questions of the same sentences.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import compress, repeat
from typing import Mapping, NamedTuple

from pipeline.lang import get as lang_data
from pipeline.spacy_blank import pipeline

__all__ = ["pipeline", "Token", "tokenize", "first_alnum_token", "cues", "cue_matches", "has_cue", "is_cue_word",
           "may_start_cue", "WORD_TOKEN",
           "word_set", "words_between", "CuePhrases"]

# a word token: a word keeps its inner hyphens, apostrophes, dots and ampersands (any other character not a letter,
# digit, underscore or space is a token alone)
WORD_TOKEN = r"\w+(?:[-‐'’&.]\w+)*[+]?"
_TOKEN = re.compile(WORD_TOKEN + r"|[^\w\s]")


class Token(NamedTuple):
    i: int          # index among all tokens (words and punctuation)
    start: int      # character offsets in the text
    end: int
    text: str
    lower: str
    is_word: bool   # starts with a letter, digit or underscore


# Per-word caches (a word's verdicts: a cue word, a platform's name, an imperative, its Zipf value) keep the last
# WORD_CACHE words asked. At 10,000 articles, bounds of 16,384-65,536 let them grow with the corpus's vocabulary,
# and a worker's memory with them.
WORD_CACHE = 4096

# Per-text caches (here, and the rules' verdicts per sentence in extract/) keep the last documents' sentences:
# the rules ask of one sentence many times, and boilerplate repeats. They are bounded small enough to fill
# within a pool worker's first few hundred documents, so its memory stops growing with the corpus (issue 8):
# a sentence's tokens are ~10 kB, 32,768 of them were 300 MB. Halved on 2026-12-02 (tokenize's 4,096 to 2,048, the
# rules' 8,192 to 4,096, WORD_CACHE too): over 1,000 benchmark articles in one process the misses rose by
# 0-8% (tokenize 16,044 to 17,394 of 127,000 calls), and a worker's peak fell by ~30 MB at 1,000 articles
# and ~40 MB at 10,000 (497 to 468 and 570 to 530 MB). TEXT_CACHE: the rules' verdicts per sentence (a bool or a
# short list an entry); tokenize's entries are the heaviest, and it keeps half as many.
TEXT_CACHE = 4096


@lru_cache(maxsize=TEXT_CACHE // 2)
def tokenize(text: str) -> tuple[Token, ...]:
    new = tuple.__new__     # Token(...) without its keyword-argument __new__
    return tuple([new(Token, (i, m.start(), m.end(), t, t.lower(), t[0].isalnum() or t[0] == "_"))
                  for i, m in enumerate(_TOKEN.finditer(text)) for t in (m.group(),)])


def first_alnum_token(text: str) -> tuple[int, str] | None:
    """(index, text) of the first token of ``text`` with a letter or digit, None if none: ``tokenize(text)``'s,
    read off as few tokens as it takes (a test of a text's opening need not tokenise all of it)."""
    m = _TOKEN.search(text)
    if m is not None and m.group()[0].isalnum():
        return 0, m.group()     # (most texts: a word first)
    for i, m in enumerate(_TOKEN.finditer(text)):
        t = m.group()
        if any(c.isalnum() for c in t):
            return i, t
    return None


def words_between(toks: tuple[Token, ...], a: int, b: int) -> int:
    """Words among tokens a..b-1."""
    return sum(1 for t in toks[a:b] if t.is_word)


# --- cue phrases -------------------------------------------------------------------

# one element of a phrase: (op, text); op "=" equal, "^" starts with, "$" ends with, "~" contains
_Element = tuple[str, str]
_Phrase = tuple[str, tuple[_Element, ...]]     # (list name, elements)
# the phrases whose first element fits a word: (names of those of one element, (name, the other elements) of the rest,
# the rest by the word that may follow: the ``_Longer`` of each second word the "=" phrases name, with the others)
_Longer = tuple[tuple[str, tuple[_Element, ...]], ...]
_Starting = tuple[tuple[str, ...], _Longer, dict[str, _Longer], _Longer]
_UNSEEN: _Starting = ((), (), {}, ())    # a word not yet looked up (compared by identity)
_NO_SPANS: list[tuple[int, int]] = []


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
    """Compiled cue phrases of one or more named lists; :meth:`find` matches them all in one pass.

    Phrases are indexed by their first element (a word by its text, ``stem*`` by its stem,
    ``*end`` by its ending), so a token costs a few dictionary lookups, remembered per word.
    """

    def __init__(self, lists: Mapping[str, tuple[str, ...]] | tuple[str, ...]):
        if not isinstance(lists, Mapping):
            lists = {"": lists}
        self.by_word: dict[str, list[_Phrase]] = {}
        self.by_stem: dict[str, list[_Phrase]] = {}
        self.by_ending: dict[str, list[_Phrase]] = {}
        self.inner: list[_Phrase] = []      # "*part*" first elements, checked one by one
        for name, phrases in lists.items():
            for phrase in phrases:
                elems = _elements(phrase)
                if not elems:
                    continue
                op, text = elems[0]
                index = {"=": self.by_word, "^": self.by_stem, "$": self.by_ending}.get(op)
                if index is None:
                    self.inner.append((name, elems))
                else:
                    index.setdefault(text, []).append((name, elems))
        self.stem_lengths = sorted({len(s) for s in self.by_stem})
        self.ending_lengths = sorted({len(s) for s in self.by_ending})
        self._starting_memo: dict[str, _Starting | None] = {}
        self._by_next_memo: dict[_Longer, tuple[dict[str, _Longer], _Longer]] = {}

    def _starting(self, word: str) -> _Starting | None:
        """The phrases whose first element fits ``word``, None for none (memoised: words repeat)."""
        found = self._starting_memo.get(word, _UNSEEN)
        if found is _UNSEEN:
            out = list(self.by_word.get(word, ()))
            for n in self.stem_lengths:
                if n > len(word):
                    break
                out.extend(self.by_stem.get(word[:n], ()))
            for n in self.ending_lengths:
                if n > len(word):
                    break
                out.extend(self.by_ending.get(word[len(word) - n:], ()))
            out.extend(p for p in self.inner if p[1][0][1] in word)
            # each list's one-word phrases once, the longer ones shortest first: find_lowered then adds each list's
            # spans in order, none twice
            if out:
                longer = tuple(sorted(((name, elems[1:]) for name, elems in out if len(elems) > 1), key=lambda p: len(p[1])))
                found = (tuple(dict.fromkeys(name for name, elems in out if len(elems) == 1)), longer,
                         *self._by_next(longer))
            else:
                found = None
            if len(self._starting_memo) < 500_000:
                self._starting_memo[word] = found
        return found

    def _by_next(self, longer: _Longer) -> tuple[dict[str, _Longer], _Longer]:
        """(second word -> the phrases of ``longer`` that may go on with it, the phrases that may go on with any other
        word), each in the order of ``longer``: a phrase whose second element is a plain word fits only after that word.
        Once per set of phrases (many words start the same ones: those of a stem)."""
        found = self._by_next_memo.get(longer)
        if found is None:
            wild = tuple(p for p in longer if p[1][0][0] != "=")
            seconds = dict.fromkeys(p[1][0][1] for p in longer if p[1][0][0] == "=")
            found = self._by_next_memo[longer] = (
                {w: tuple(p for p in longer if p[1][0][0] != "=" or p[1][0][1] == w) for w in seconds}, wild)
        return found

    def find(self, toks: tuple[Token, ...]) -> dict[str, list[tuple[int, int]]]:
        """List name -> sorted token spans (start, end) of its phrases (overlaps included)."""
        return self.find_lowered([t.lower for t in toks])

    def find_lowered(self, lowers: list[str]) -> dict[str, list[tuple[int, int]]]:
        """:meth:`find` of the tokens' lower-cased texts."""
        # spans come in order: by start as the words are visited, then one-word before longer, shorter before longer
        # (``_starting``); a span found twice (two phrases of a list) is the last one added
        found: dict[str, list[tuple[int, int]]] = {}
        n = len(lowers)
        entries = list(map(self._starting_memo.get, lowers, repeat(_UNSEEN)))
        for i in compress(range(n), entries):     # most words start no phrase: None, skipped at C speed
            entry = entries[i]
            if entry is _UNSEEN:
                entry = self._starting(lowers[i])
                if entry is None:
                    continue
            singles, longer, by_next, wild = entry
            if singles:
                span = (i, i + 1)
                for name in singles:
                    spans = found.get(name)
                    if spans is None:
                        found[name] = [span]
                    else:
                        spans.append(span)
            if not longer or i + 1 >= n:
                continue    # (a longer phrase needs a next word)
            for name, rest in by_next.get(lowers[i + 1], wild):
                end = i + 1 + len(rest)
                if end > n:
                    continue
                k = i + 1
                for element in rest:
                    if not _fits(element, lowers[k]):
                        break
                    k += 1
                else:
                    spans = found.get(name)
                    if spans is None:
                        found[name] = [(i, end)]
                    elif spans[-1] != (i, end):
                        spans.append((i, end))
        return found

    def spans(self, toks: tuple[Token, ...]) -> list[tuple[int, int]]:
        """Sorted token spans of the phrases, for a single list."""
        return sorted({s for spans in self.find(toks).values() for s in spans})


# The word lists matched in running text: every extraction field (MYTH_, TIP_, STAT_, EXAMPLE_) ...
CUE_PREFIXES = ("MYTH_", "TIP_", "STAT_", "EXAMPLE_")
# ... but those the extractors read only as word sets, lists, suffixes or label patterns (``word_set``, ``lang_data``,
# ``label_end``), never as cues of a text: matching them cost the index half its work (``EXAMPLE_STOP``, the stop
# words, was 44% of its matches). :func:`cues` and :func:`has_cue` still answer for them, on their own
# (``_other_field``); ``cue_matches`` leaves them out.
WORD_LIST_FIELDS = frozenset({
    "EXAMPLE_STOP", "EXAMPLE_POSSESSIVES", "EXAMPLE_CONJUNCTIONS", "EXAMPLE_WORD_ENDINGS", "EXAMPLE_NAME_CONNECTORS",
    "EXAMPLE_NAME_PARTICLES", "EXAMPLE_GENERIC_ACRONYMS", "EXAMPLE_ORG_SUFFIXES", "EXAMPLE_PLATFORMS", "EXAMPLE_PLACES",
    "MYTH_POPULAR_NOT_AFTER", "MYTH_THAT", "MYTH_SKIP_HEADINGS", "MYTH_LABELS",
    "TIP_NOT_NEXT", "TIP_INVERSION_SUBJECTS", "TIP_IMPERATIVES", "TIP_IMPERATIVE_NOT", "TIP_IMPERATIVE_NOT_PREFIXES",
    "TIP_IMPERATIVE_SUFFIXES", "TIP_CONDITIONAL_SUBJECTS", "TIP_CONDITIONALS", "TIP_SUBJECTS", "TIP_MODAL_NEGATIONS",
    "TIP_SUGGESTION_QUESTIONS", "TIP_LABELS",
    "STAT_SOURCE_LIST_LABELS"})


@lru_cache(maxsize=None)     # (a few dozen field names)
def _indexed(field: str) -> bool:
    """Whether ``field`` is matched by the language's one index (:func:`cue_matches`)."""
    return field.startswith(CUE_PREFIXES) and field not in WORD_LIST_FIELDS


@lru_cache(maxsize=None)
def _index(lang: str) -> CuePhrases:
    data = lang_data(lang)
    return CuePhrases({f: getattr(data, f) for f in data.fields() if _indexed(f)
                       and isinstance(getattr(data, f), tuple)})


_NO_MATCHES: dict[str, list[tuple[int, int]]] = {}


@lru_cache(maxsize=4096)    # (the function itself cached: the extractors ask it some 400,000 times per 1,000 documents)
def cue_matches(lang: str, text: str | None) -> Mapping[str, list[tuple[int, int]]]:
    """Every extraction field (``MYTH_``, ``TIP_``, ``STAT_``, ``EXAMPLE_``; not the ``WORD_LIST_FIELDS``) of ``lang``
    found in ``text`` -> its token spans: ``bool(cue_matches(lang, t).get(field))`` is ``has_cue(lang, field, t)``, for
    a caller that asks of one text many fields. Shared: do not change it."""
    if not text:
        return _NO_MATCHES
    # the tokens' lower-cased texts, without building the tokens: most texts asked of are not tokenised otherwise.
    # An ASCII text's tokens are those of its lower-cased text, lower-cased (only A-Z change, within \w)
    if text.isascii():
        return _index(lang).find_lowered(_TOKEN.findall(text.lower()))
    return _index(lang).find_lowered(list(map(str.lower, _TOKEN.findall(text))))


_matches = cue_matches      # (of a text that is not empty)


@lru_cache(maxsize=None)
def _other_field(lang: str, field: str) -> CuePhrases:
    return CuePhrases(tuple(getattr(lang_data(lang), field)))


def cues(lang: str, field: str, text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) in ``tokenize(text)`` of the cue phrases of ``lang``'s ``field``.

    Every extraction field is matched at once and remembered per text: extractors ask many
    questions of the same sentences. The returned list is shared: do not change it."""
    if not text:
        return _NO_SPANS
    if _indexed(field):
        return _matches(lang, text).get(field, _NO_SPANS)
    return _other_field(lang, field).spans(tokenize(text))


def has_cue(lang: str, field: str, *texts: str | None) -> bool:
    """Whether any of ``texts`` holds a cue phrase of ``field``."""
    if _indexed(field):   # what cues() does, without a call per text (extractors ask often)
        for t in texts:
            if t and _matches(lang, t).get(field):
                return True
        return False
    return any(t and cues(lang, field, t) for t in texts)


@lru_cache(maxsize=WORD_CACHE)
def may_start_cue(lang: str, field: str, lower: str) -> bool:
    """Whether a cue phrase of ``field`` may start at a token whose lower-cased text is ``lower``: its first word fits
    (the words after it are not looked at). No means no cue of ``field`` starts there."""
    entry = (_index(lang) if _indexed(field) else _other_field(lang, field))._starting(lower)
    return entry is not None and (field in entry[0] or any(name == field for name, _ in entry[1]))


@lru_cache(maxsize=WORD_CACHE)
def is_cue_word(lang: str, field: str, word: str) -> bool:
    """Whether ``word`` alone is a one-word cue of ``field`` (``"Dr"`` for ``EXAMPLE_TITLES``)."""
    return (0, 1) in cues(lang, field, word)


@lru_cache(maxsize=None)
def word_set(lang: str, field: str) -> frozenset[str]:
    """The words of a plain word list (no phrases, no wildcards), case folded, for membership tests."""
    return frozenset(w.casefold() for w in getattr(lang_data(lang), field))
