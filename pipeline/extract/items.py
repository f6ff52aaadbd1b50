"""Typed items: one frozen dataclass per kind, each a row of the ``items`` table.

A field that is misspelt when an extractor builds an item is a ``TypeError`` at once, and
``Item.row`` gives exactly the ``items`` columns (the other kinds' fields as nulls), which
``schema.table`` checks strictly.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from pipeline.docmodel import Block, DocContext
from pipeline.textmap import stable_hash


@dataclass(frozen=True)
class Item:
    item_id: str        # stable: hash of (doc_id, kind, start_char, end_char, text, ...)
    doc_id: str
    lang: str
    text: str           # <= MAX_ITEM_CHARS (extract.spans)
    start_char: int     # offsets of ``text`` in raw_text
    end_char: int
    block_idx: int
    extractor: str      # the rule that found it
    kind: ClassVar[str] = ""

    def row(self) -> dict[str, Any]:
        """The ``items`` row: this item's fields, its kind, and null for the other kinds' fields."""
        row = dict.fromkeys(kind_fields())
        row.update(zip(_field_names(type(self)), _values(self)))
        row["kind"] = self.kind
        return row


@dataclass(frozen=True)
class Myth(Item):
    rebuttal: str | None    # the first sentences of the article's answer
    detail: str | None      # the rest of the answer
    kind: ClassVar[str] = "myth"


@dataclass(frozen=True)
class Tip(Item):
    detail: str | None      # the heading's section, the rest of the list item or paragraph
    kind: ClassVar[str] = "tip"


@dataclass(frozen=True)
class Statistic(Item):
    value: float            # percent as 0-100
    unit: str               # percent | count | currency | multiplier
    currency: str | None    # ISO code
    source: str | None      # study, organisation or person the article attributes it to
    year: int | None
    quantity_text: str      # the quantity as written ("osiem na dziesięć")
    kind: ClassVar[str] = "statistic"


@dataclass(frozen=True)
class Example(Item):
    entity: str
    entity_type: str        # organisation | person | study | brand
    role: str               # example | quote | source
    kind: ClassVar[str] = "example"


KINDS: tuple[type[Item], ...] = (Myth, Tip, Statistic, Example)


@lru_cache(maxsize=None)
def kind_fields() -> tuple[str, ...]:
    """Every field of every kind: the columns an ``items`` row has."""
    names = {"kind": None}
    for cls in KINDS:
        names.update(dict.fromkeys(f.name for f in dataclasses.fields(cls)))
    return tuple(names)


@lru_cache(maxsize=None)
def _field_names(cls: type[Item]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _values(item: Item) -> tuple[Any, ...]:
    """The item's field values in field order (no deep copy, unlike ``dataclasses.astuple``)."""
    d = item.__dict__
    return tuple(d[name] for name in _field_names(type(item)))


I = TypeVar("I", bound=Item)


def make(cls: type[I], doc: DocContext, block: Block, start: int, end: int, extractor: str,
         id_parts: tuple[Any, ...] | None = None, **fields: Any) -> I:
    """An item for ``block.text[start:end]`` (stripped; offsets mapped to the raw text).

    ``id_parts`` end the hashed key of its ``item_id`` (by default its entity, if any).
    """
    piece = block.text[start:end]
    text = piece.strip()
    lead = len(piece) - len(piece.lstrip())
    s, e = block.raw_span(start + lead, start + lead + len(text))
    tail = id_parts if id_parts is not None else (fields.get("entity") or "",)
    return cls(item_id=stable_hash(doc.doc_id, cls.kind, s, e, text, *tail), doc_id=doc.doc_id, lang=doc.lang,
               text=text, start_char=s, end_char=e, block_idx=block.idx, extractor=extractor, **fields)
