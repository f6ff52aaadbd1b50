"""Extractors: one module per kind (myths, tips, statistics, examples), each a tuple of small
named rules (``RULES``) and ``extract(doc, settings, known) -> list[Item]``.

Shared by all of them: ``spans`` (sentence spans, clipping, the item cap), ``items`` (typed
items), ``grammar`` (imperatives, modals, heading labels), ``names`` (capitalised names and
citation evidence); tokens and cue phrases come from ``pipeline.nlp``. Language knowledge
lives in ``pipeline/lang/<code>.py``; no extractor imports another or a stage.
"""
