"""spaCy's blank ``id``/``pl``/``nl`` pipelines with a sentencizer (no trained pipelines are
installable offline): the segment stage cuts sentences with them.

A module of its own because it reads no language data: a change to a word list must not
reprocess sentence splitting (the skip keys fingerprint the modules a stage imports).
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import lru_cache
from itertools import compress
from typing import Iterable


# A tokenizer exception made of word characters and inner hyphens only ("abu-abu": 15,600 of
# spaCy's 16,000 Indonesian ones) cannot move a sentence boundary: without it the word is
# cut at its hyphens, and no piece is sentence punctuation. Building them cost seconds per
# process; the ones that can matter ("dll.", "dr.", emoticons) are kept.
_WORDS_ONLY = re.compile(r"\w[\w-]*\w")


def _import_spacy():
    """spaCy, imported without letting thinc load torch where nothing has loaded it yet.

    thinc probes for torch when spaCy is imported (seconds of start-up in every process and pool
    worker); blank pipelines never use it. Hiding torch for that import only leaves a later
    ``import torch`` (the embed stage's models) working as before.
    """
    import sys

    if "torch" in sys.modules or "thinc" in sys.modules or "spacy" in sys.modules:
        import spacy
        return spacy
    sys.modules["torch"] = None   # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        return _import_without_cli()
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def _import_without_cli():
    """``import spacy`` without its command line.

    spaCy's ``__init__`` imports ``spacy.cli`` for the one name ``info``, and with it the whole
    command line (weasel, typer, jinja2, requests, httpx): a third of spaCy's import, ~0.45 CPU s in
    every process. For that import only, ``spacy.cli`` is a placeholder whose ``info`` imports the
    real command on first call; the placeholder leaves ``sys.modules`` straight after, so a later
    ``import spacy.cli`` is the real one. Should a spaCy release import anything else from it, the
    placeholder is dropped and spaCy imported as it is.
    """
    import sys
    import types

    def info(*args, **kwargs):
        from spacy.cli.info import info as real

        return real(*args, **kwargs)

    cli = types.ModuleType("spacy.cli")
    cli.__path__ = []   # a package: `from .cli.info import info` looks up spacy.cli.info below
    cli_info = types.ModuleType("spacy.cli.info")
    cli_info.info = info   # type: ignore[attr-defined]
    placeholders = {"spacy.cli": cli, "spacy.cli.info": cli_info}
    sys.modules.update(placeholders)
    try:
        import spacy
    except ImportError:
        for name in [n for n in sys.modules if n == "spacy" or n.startswith("spacy.")]:
            del sys.modules[name]
        for name in placeholders:
            sys.modules.pop(name, None)
        import spacy
        return spacy
    finally:
        for name, module in placeholders.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    if getattr(spacy, "cli", None) is cli:
        del spacy.cli   # the attribute the import set: `spacy.cli` is then imported for real
    return spacy


# An abbreviation exception ("bijv.", "a.s.", "blz."): a word, a period, anything. Dutch has 4,476 of them;
# adding them to a tokenizer took ~1 CPU s (a lexeme per piece, an affix split and a phrase pattern each).
_ABBREVIATION = re.compile(r"(\w+)\.")
_RUN_BEFORE_PERIOD = re.compile(r"(?<!\w)(\w++)\.")   # a whole run of word characters, then a period
_DEFER_AT = 1000    # a language with this many abbreviation exceptions gets them when a text holds them ...
_DEFER_TEXTS = 3000   # ... for its first this many texts (looking costs ~10 us a text: a long run takes them all)


@lru_cache(maxsize=None)
def pipeline(lang: str):
    """spaCy's blank pipeline for ``lang`` with a sentencizer, built once per process: the same
    sentences as ``spacy.blank(lang)``, without the tokenizer exceptions that cannot change them, and
    without the lexical attributes sentences do not depend on (:func:`_only_punct_attribute`).

    Where a language has many abbreviation exceptions (Dutch), its tokenizer adds each to itself only
    when a text it is given holds it (:class:`_AdmittingTokenizer`): the same tokens, at a fraction
    of the start-up (the one process of a small edit tokenises a few dozen documents)."""
    spacy = _import_spacy()
    base = spacy.util.get_lang_class(lang)
    exceptions = {k: v for k, v in base.Defaults.tokenizer_exceptions.items() if not _WORDS_ONLY.fullmatch(k)}
    deferred = {k: v for k, v in exceptions.items() if _ABBREVIATION.match(k)}
    if len(deferred) < _DEFER_AT:
        deferred = {}
    eager = {k: v for k, v in exceptions.items() if k not in deferred}
    defaults = type("Defaults", (base.Defaults,), {"tokenizer_exceptions": eager})
    nlp = type(base.__name__, (base,), {"Defaults": defaults, "lang": lang})()
    _only_punct_attribute(nlp.vocab)
    nlp.add_pipe("sentencizer")
    if deferred:
        nlp.tokenizer = _admitting_tokenizer(nlp.tokenizer, lang, deferred)
    return nlp


def _only_punct_attribute(vocab) -> None:
    """Have ``vocab`` give a new word only the lexical attribute sentences are cut by (IS_PUNCT, with ORTH and
    the length every lexeme has): spaCy computes some twenty (shape, prefix, suffix, norm, like_num, ...)
    with a Python call each for every new word, ~10 us a word, and nothing reads them (the tokenizer
    splits by its rules and exceptions, the sentencizer and :func:`sentence_spans` read ORTH and IS_PUNCT)."""
    from spacy.attrs import IS_PUNCT

    vocab.lex_attr_getters = {IS_PUNCT: vocab.lex_attr_getters[IS_PUNCT]}


def _admitting_tokenizer(built, lang: str, deferred: dict):
    """``built`` (a tokenizer with the other exceptions) as an :class:`_AdmittingTokenizer` of ``deferred``."""
    from spacy.tokenizer import Tokenizer

    class _AdmittingTokenizer(Tokenizer):
        """A tokenizer that adds a deferred exception to itself before it tokenises a text holding it.

        An exception changes the tokens of a text only where the text holds it: spaCy applies one to a
        stretch of text equal to it (a whole space-delimited chunk, what is left of one once prefixes and
        suffixes are split off, or a run of tokens its phrase matcher finds, whose text must equal it).
        So a text is tokenised as with every exception once those it holds are added; the others wait.
        An abbreviation ``word.rest`` held by a text ends one of its runs of word characters followed by a
        period (the run ``word`` ends, the run may start earlier: ``vb.`` in ``Zvb.``): a text's candidates
        are the exceptions filed under a final part of such a run that the text holds from where that part starts.
        (Pickled, it is rebuilt by :func:`pipeline`; its ``rules`` list what it has added so far.)"""

        _admitting = False   # adding exceptions (set by _admit and _admit_all)

        def __call__(self, text):
            if self._by_word and "." in text:
                self._texts += 1
                if self._texts > _DEFER_TEXTS:
                    self._admit_all()
                else:
                    self._admit(text)
            return super().__call__(text)

        def pipe(self, texts, batch_size=1000):
            for text in texts:
                yield self(text)

        def _flush_cache(self):
            # spaCy empties the whole cache of tokenised chunks whenever it adds an exception. An exception
            # added here was held by no text tokenised before (each is added before the first text holding it
            # is tokenised, and :meth:`_admit_all` adds those no text held), so no cached chunk holds it and
            # none tokenises differently with it: the cache stays (emptying it cost ~0.3 CPU s in a long run).
            if not self._admitting:
                super()._flush_cache()

        def _admit(self, text: str) -> None:
            self._admitting = True
            try:
                self._admit_held(text)
            finally:
                self._admitting = False

        def _admit_held(self, text: str) -> None:
            by_word = self._by_word
            for m in _RUN_BEFORE_PERIOD.finditer(text):
                start, end = m.span(1)
                for at in range(start, end):
                    waiting = by_word.get(text[at:end])
                    if waiting is None:
                        continue
                    held = {k for k, _ in waiting if text.startswith(k, at)}
                    if not held:
                        continue
                    for k, v in waiting:
                        if k in held:
                            self.add_special_case(k, v)
                    rest = [(k, v) for k, v in waiting if k not in held]
                    if rest:
                        by_word[text[at:end]] = rest
                    else:
                        del by_word[text[at:end]]

        def _admit_all(self) -> None:
            self._admitting = True
            try:
                for k, v in sorted((kv for waiting in self._by_word.values() for kv in waiting), key=lambda kv: kv[0]):
                    self.add_special_case(k, v)
            finally:
                self._admitting = False
            self._by_word = {}
            # adding an exception caches the chunk's tokens without it (spaCy looks exceptions up first, so
            # they are never used): thousands at once here, in a cache spaCy stops filling at its size
            self._flush_cache()

        def __reduce__(self):
            return (_tokenizer_of, (self._lang,))

    tokenizer = _AdmittingTokenizer(built.vocab, rules=built.rules, prefix_search=built.prefix_search,
                                    suffix_search=built.suffix_search, infix_finditer=built.infix_finditer,
                                    token_match=built.token_match, url_match=built.url_match,
                                    faster_heuristics=built.faster_heuristics)
    by_word: dict[str, list] = {}
    for k, v in sorted(deferred.items()):
        by_word.setdefault(_ABBREVIATION.match(k).group(1), []).append((k, v))
    tokenizer._by_word = by_word
    tokenizer._texts = 0
    tokenizer._lang = lang
    return tokenizer


def _tokenizer_of(lang: str):
    return pipeline(lang).tokenizer


def warm(lang: str) -> None:
    """Build ``lang``'s pipeline with every exception in place: a pool worker's start-up, before it tokenises
    many texts (it would add them all after its first few thousand anyway, in the middle of its work)."""
    tokenizer = pipeline(lang).tokenizer
    if getattr(tokenizer, "_by_word", None):
        tokenizer._admit_all()
    tokenizer("Warm up. Warm up.")


@lru_cache(maxsize=None)
def sentence_punct(lang: str) -> frozenset[int]:
    """The sentencizer's sentence-final characters of ``lang``'s pipeline, as ORTH hashes."""
    nlp = pipeline(lang)
    return frozenset(nlp.vocab.strings.add(c) for c in nlp.get_pipe("sentencizer").punct_chars)


def sentence_spans(doc, punct: frozenset[int], text_punct: frozenset[str] | None = None,
                   text: str | None = None, present: Iterable[str] | None = None) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence spaCy's sentencizer would cut in the tokenised ``doc``
    (``punct``: :func:`sentence_punct`), read off the tokens: its loop builds a Token object per word.
    A sentence starts at the first token that is no punctuation after a sentence-final character.

    ``text_punct`` (:func:`sentence_punct_chars`): where the text holds no sentence-final character at all
    (most headings and list items), no token is one, and the text is one sentence; else the tokens that are
    one are found from where the text holds one (:func:`_final_tokens`). ``text``: the doc's text, where the
    caller has it (``Doc.text`` joins it token by token); ``present``: ``final_chars_in(text, text_punct)``,
    where the caller has that."""
    n = len(doc)
    if n == 0:
        return []
    if text_punct is None:
        return _spans_from_arrays(doc, punct)
    text = doc.text if text is None else text
    if present is None:
        present = final_chars_in(text, text_punct)
    if not present:
        last = doc[n - 1]
        return [(doc[0].idx, last.idx + len(last))]
    idx, final = _final_tokens(doc, text, present)
    starts = [0]
    passed = 0   # tokens before this one are looked at
    # from each sentence-final token on, the first that is neither punctuation nor another
    for k in final:
        if k < passed:
            continue
        j = k + 1
        while j < n and (j in final or doc[j].is_punct):
            j += 1
        if j == n:
            break
        starts.append(j)
        passed = j
    ends = [k - 1 for k in starts[1:]] + [n - 1]
    return [(idx[a], idx[b] + len(doc[b])) for a, b in zip(starts, ends)]


def _final_tokens(doc, text: str, present: Iterable[str]) -> tuple[list[int], dict[int, None]]:
    """The tokens' start offsets, and (in order) the tokens that are one sentence-final character: its ORTH is
    one of them (each a character), so it starts where the text holds one (``present``: those it holds) and is
    one character long. Only those places are looked at, not every token."""
    from spacy.attrs import IDX

    idx = doc.to_array(IDX).tolist()
    at: list[int] = []
    for c in present:
        p = text.find(c)
        while p >= 0:
            at.append(p)
            p = text.find(c, p + 1)
    final: dict[int, None] = {}   # (a dict: ordered, and looked up in)
    k = 0
    for p in sorted(at):
        k = bisect_left(idx, p, k)
        if k < len(idx) and idx[k] == p and len(doc[k]) == 1:
            final[k] = None
    return idx, final


def final_chars_in(text: str, text_punct: frozenset[str]) -> Iterable[str]:
    """The sentence-final characters (``text_punct``) that ``text`` holds. An ASCII text can hold only the ASCII ones
    (three: a substring search each, not a set look-up per character)."""
    if text.isascii():
        return [c for c in _ascii_of(text_punct) if c in text]
    return text_punct.intersection(text)


@lru_cache(maxsize=16)
def _ascii_of(chars: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(c for c in chars if c.isascii()))


def _spans_from_arrays(doc, punct: frozenset[int]) -> list[tuple[int, int]]:
    """:func:`sentence_spans` from the token arrays (where a sentence-final character is longer than one)."""
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    n = len(doc)
    arr = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT])
    orths, is_punct = arr[:, 2].tolist(), arr[:, 3].tolist()
    starts = [0]
    passed = 0   # tokens before this one are looked at
    # from each sentence-final token (found at C speed) on, the first that is neither punctuation nor another
    for k in compress(range(n), map(punct.__contains__, orths)):
        if k < passed:
            continue
        j = k + 1
        while j < n and (is_punct[j] or orths[j] in punct):
            j += 1
        if j == n:
            break
        starts.append(j)
        passed = j
    idx, length = arr[:, 0].tolist(), arr[:, 1].tolist()
    ends = [k - 1 for k in starts[1:]] + [n - 1]
    return [(idx[a], idx[b] + length[b]) for a, b in zip(starts, ends)]


@lru_cache(maxsize=None)
def sentence_punct_chars(lang: str) -> frozenset[str] | None:
    """The sentencizer's sentence-final characters of ``lang``'s pipeline, for :func:`sentence_spans` (None, no
    shortcut, were one of them longer than a character)."""
    chars = frozenset(pipeline(lang).get_pipe("sentencizer").punct_chars)
    return chars if all(len(c) == 1 for c in chars) else None


def is_one_sentence(text: str, text_punct: frozenset[str], lang: str, present: Iterable[str] | None = None) -> bool:
    """Whether the sentencizer cuts ``text`` into one sentence whatever its tokens (so it need not be tokenised):
    it holds no sentence-final character (``text_punct``: :func:`sentence_punct_chars`), so no token is one; or
    only punctuation from the first on (a list item ending in "."), so every token after one is punctuation
    (spaCy's IS_PUNCT: all characters in a punctuation category) and no sentence starts."""
    if present is None:   # (the caller may have them: final_chars_in)
        present = final_chars_in(text, text_punct)
    if not present:
        return True
    if not _punct_flag_is_unicode_punctuation(lang):
        return False
    first = min(text.find(c) for c in present)
    return all(unicodedata.category(c).startswith("P") for c in text[first:])


@lru_cache(maxsize=None)
def _punct_flag_is_unicode_punctuation(lang: str) -> bool:
    """Whether ``lang``'s IS_PUNCT is spaCy's own (every character in a P* category), as :func:`is_one_sentence` reads it."""
    from spacy.attrs import IS_PUNCT
    from spacy.lang.lex_attrs import is_punct

    return pipeline(lang).vocab.lex_attr_getters.get(IS_PUNCT) is is_punct

