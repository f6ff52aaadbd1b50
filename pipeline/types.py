"""Types the API and search share: a search hit and the error users can fix.

Their own module so that ``api`` (which uses search) and ``search`` (which returns hits)
need not import each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StoreError(Exception):
    """A problem users can fix: the message says how."""


@dataclass(frozen=True)
class Hit:
    item_id: str
    kind: str
    lang: str
    text: str
    doc_id: str
    source_path: str
    title: str | None
    score: float
    detail: str | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    tier: str | None = None          # item (myth, tip, statistic, example) | text (heading, sentence, passage)
    sentence: str | None = None      # a passage hit: its sentence that matched best

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
