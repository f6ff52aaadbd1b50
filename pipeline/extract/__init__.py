"""Extractors: one module per kind, each a plain function ``DocContext -> list[dict]`` (items rows).

Language knowledge (cue words, patterns) lives in ``pipeline/lang/<code>.py``;
these modules hold only the language-agnostic logic.
"""
