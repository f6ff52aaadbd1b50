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


def checked_text(text: str, what: str) -> str:
    """``text`` unchanged when it is valid Unicode, else a :class:`StoreError` naming the bad byte.

    An argument with bytes that are not UTF-8 (a terminal in another encoding) reaches Python
    as lone surrogates (``surrogateescape``), which no encoder, tokenizer or DuckDB accepts.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        what_char = (f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"lone surrogate U+{code:04X}")
        raise StoreError(f"{what} is not valid UTF-8 ({what_char} at character {exc.start}): check the "
                         f"terminal's or the file's encoding (e.g. LANG=C.UTF-8)") from None
    return text
