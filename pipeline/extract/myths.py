"""Extract myths from a document. (being written)"""
from __future__ import annotations

from pipeline.docmodel import DocContext


def extract(doc: DocContext) -> list[dict]:
    return []
