"""Language knowledge as data, one module per language (as spaCy's ``spacy/lang/<code>``).

Each module (``id.py``, ``pl.py``, ``nl.py``) holds plain constants, one per field of
:class:`LanguageData` (``data.py``): artefact patterns for de-noising, number words for
parsing, cue words for extraction. ``get(code)`` checks a module against that contract and
returns its data. Adding a language means adding one module here (and its tests) and its
code to ``SUPPORTED``; ``shared.py`` holds the language-independent parts modules reuse.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from pipeline.lang.data import LanguageData, LanguageDataError

__all__ = ["SUPPORTED", "ALL_LANGUAGES_FIELDS", "LanguageData", "LanguageDataError", "UnsupportedLanguage", "get", "letters",
           "month_names"]

SUPPORTED: tuple[str, ...] = ("id", "pl", "nl")
# Fields that code outside this package reads for every language at once, whatever a document's language
# (langid's table of identifier codes: Malay counted as Indonesian decides what is foreign in a Polish
# document too). A stage whose code names one is keyed by its value in every language (pipeline.fingerprint),
# as is one calling a function below that reads a field of every language.
ALL_LANGUAGES_FIELDS: tuple[str, ...] = ("LANGID_ALIASES",)


class UnsupportedLanguage(ValueError):
    pass


@lru_cache(maxsize=None)
def get(code: str) -> LanguageData:
    """The data of language ``code`` (``"id"``, ``"pl"``, ``"nl"``), checked against ``LanguageData``."""
    if code not in SUPPORTED:
        raise UnsupportedLanguage(f"no language data for {code!r}; supported: {', '.join(SUPPORTED)}")
    return LanguageData.from_module(importlib.import_module(f"pipeline.lang.{code}"))


@lru_cache(maxsize=None)
def letters() -> str:
    """The lower-case letters beyond a-z of every supported language, for stages that run before
    the language is known (decoding, line joining)."""
    return "".join(sorted({c for code in SUPPORTED for c in get(code).LETTERS}))


@lru_cache(maxsize=None)
def month_names() -> tuple[str, ...]:
    """The month names of every supported language (longest first), for date lines in any language."""
    return tuple(sorted({m for code in SUPPORTED for m in get(code).MONTH_NAMES}, key=lambda m: (-len(m), m)))
