"""langid: documents -> language of each document; unsupported languages are rejected.

py3langid (offline, 4.5 MB model) over the text without its metadata lines. It
keeps Malay apart from Indonesian; where Malay wins narrowly over Indonesian we
take Indonesian, since the two are near-identical in writing and only the latter
is supported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

from pipeline import schema
from pipeline.lang import SUPPORTED

NAME = "langid"


@dataclass(frozen=True)
class Settings:
    accepted: tuple[str, ...] = field(default_factory=lambda: SUPPORTED)
    sample_chars: int = 20_000       # enough for a stable decision, bounded cost
    malay_as_indonesian: float = 0.2  # take "id" when it has at least this probability


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str, settings: Settings = Settings()) -> tuple[str, float]:
    """(language code, probability) of a text."""
    ranked = _identifier().rank(text[: settings.sample_chars])
    lang, prob = ranked[0]
    if lang == "ms":
        p_id = next((float(p) for code, p in ranked if code == "id"), 0.0)
        if p_id >= settings.malay_as_indonesian:
            return "id", p_id
    return lang, float(prob)


def detect_among(text: str, codes: tuple[str, ...]) -> str | None:
    """The likeliest of ``codes`` for a short text such as a query (Malay counts as Indonesian)."""
    for code, _ in _identifier().rank(text):
        code = "id" if code == "ms" else code
        if code in codes:
            return code
    return None


def _body(raw: str, meta_spans: list[dict]) -> str:
    parts, pos = [], 0
    for m in sorted(meta_spans or [], key=lambda m: m["start"]):
        parts.append(raw[pos:m["start"]])
        pos = max(pos, m["end"])
    parts.append(raw[pos:])
    return "".join(parts)


def run(documents: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents -> {languages, rejected}."""
    langs, rejected = [], []
    for doc in documents.select(["doc_id", "source_path", "raw_text", "meta_spans"]).to_pylist():
        lang, prob = detect(_body(doc["raw_text"], doc["meta_spans"]), settings)
        if lang in settings.accepted:
            langs.append({"doc_id": doc["doc_id"], "lang": lang, "lang_score": prob})
        else:
            rejected.append({"doc_id": doc["doc_id"], "source_path": doc["source_path"], "stage": NAME,
                             "reason": f"unsupported language {lang!r} (p={prob:.2f}); "
                                       f"supported: {', '.join(settings.accepted)}",
                             "detected_lang": lang})
    return {"languages": schema.table(langs, schema.LANGUAGES),
            "rejected": schema.table(rejected, schema.REJECTED)}
