"""spaCy's blank ``id``/``pl``/``nl`` pipelines with a sentencizer (no trained pipelines are
installable offline): the segment stage cuts sentences with them.

A module of its own because it reads no language data: a change to a word list must not
reprocess sentence splitting (the skip keys fingerprint the modules a stage imports).
"""
from __future__ import annotations

import re
from functools import lru_cache


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


@lru_cache(maxsize=None)
def pipeline(lang: str):
    """spaCy's blank pipeline for ``lang`` with a sentencizer, built once per process: the same
    sentences as ``spacy.blank(lang)``, without the tokenizer exceptions that cannot change them."""
    spacy = _import_spacy()
    base = spacy.util.get_lang_class(lang)
    exceptions = {k: v for k, v in base.Defaults.tokenizer_exceptions.items() if not _WORDS_ONLY.fullmatch(k)}
    defaults = type("Defaults", (base.Defaults,), {"tokenizer_exceptions": exceptions})
    nlp = type(base.__name__, (base,), {"Defaults": defaults, "lang": lang})()
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=None)
def sentence_punct(lang: str) -> frozenset[int]:
    """The sentencizer's sentence-final characters of ``lang``'s pipeline, as ORTH hashes."""
    nlp = pipeline(lang)
    return frozenset(nlp.vocab.strings.add(c) for c in nlp.get_pipe("sentencizer").punct_chars)


def sentence_spans(doc, punct: frozenset[int], text_punct: frozenset[str] | None = None,
                   text: str | None = None) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence spaCy's sentencizer would cut in the tokenised ``doc``
    (``punct``: :func:`sentence_punct`), read off the token arrays: its loop builds a Token object per
    word. A sentence starts at the first token that is no punctuation after a sentence-final character.

    ``text_punct`` (:func:`sentence_punct_chars`): where the text holds no sentence-final character at all
    (most headings and list items), no token is one, and the text is one sentence. ``text``: the doc's text,
    where the caller has it (``Doc.text`` joins it token by token)."""
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    n = len(doc)
    if n == 0:
        return []
    if text_punct is not None and text_punct.isdisjoint(doc.text if text is None else text):
        last = doc[n - 1]
        return [(doc[0].idx, last.idx + len(last.text))]
    arr = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT])
    starts = [0]
    seen_period = False
    for i, orth, is_punct in zip(range(n), arr[:, 2].tolist(), arr[:, 3].tolist()):
        if orth in punct:
            seen_period = True
        elif seen_period and not is_punct:
            starts.append(i)
            seen_period = False
    idx, length = arr[:, 0].tolist(), arr[:, 1].tolist()
    ends = [k - 1 for k in starts[1:]] + [n - 1]
    return [(idx[a], idx[b] + length[b]) for a, b in zip(starts, ends)]


@lru_cache(maxsize=None)
def sentence_punct_chars(lang: str) -> frozenset[str] | None:
    """The sentencizer's sentence-final characters of ``lang``'s pipeline, for :func:`sentence_spans` (None, no
    shortcut, were one of them longer than a character)."""
    chars = frozenset(pipeline(lang).get_pipe("sentencizer").punct_chars)
    return chars if all(len(c) == 1 for c in chars) else None
