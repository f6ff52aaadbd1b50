"""Language knowledge as data, one module per language (as spaCy's ``spacy/lang/<code>``).

Each module (``id.py``, ``pl.py``, ``nl.py``) holds plain constants: artefact
patterns for de-noising, cue words for extraction, number words for parsing.
Adding a language means adding one module here and its code to ``SUPPORTED``.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType

SUPPORTED: tuple[str, ...] = ("id", "pl", "nl")


class UnsupportedLanguage(ValueError):
    pass


@lru_cache(maxsize=None)
def get(code: str) -> ModuleType:
    """Return the data module of language ``code`` (``"id"``, ``"pl"``, ``"nl"``)."""
    if code not in SUPPORTED:
        raise UnsupportedLanguage(f"no language data for {code!r}; supported: {', '.join(SUPPORTED)}")
    return importlib.import_module(f"pipeline.lang.{code}")
