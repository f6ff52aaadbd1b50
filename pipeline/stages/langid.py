"""langid: documents -> language of each document; unsupported languages are rejected.

py3langid (offline, 4.5 MB model) over the text without its metadata lines. It
keeps Malay apart from Indonesian; where an alias of a supported language wins
(``LANGID_ALIASES`` in the language data: Malay for Indonesian) and the supported
language comes close, we take the supported one, since the two are near-identical in
writing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

from pipeline import schema
from pipeline.lang import SUPPORTED, get as lang_data

NAME = "langid"


@dataclass(frozen=True)
class Settings:
    accepted: tuple[str, ...] = field(default_factory=lambda: SUPPORTED)
    sample_chars: int = 20_000       # enough for a stable decision, bounded cost
    alias_min_prob: float = 0.2      # take "id" over its alias "ms" when "id" has at least this probability


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=None)
def _alias_of(codes: tuple[str, ...]) -> dict[str, str]:
    """Identifier code -> supported language it stands for ("ms" -> "id")."""
    return {alias: code for code in codes for alias in lang_data(code).LANGID_ALIASES}


def detect(text: str, settings: Settings = Settings()) -> tuple[str, float]:
    """(language code, probability) of a text."""
    ranked = _identifier().rank(text[: settings.sample_chars])
    lang, prob = ranked[0]
    if lang in _alias_of(SUPPORTED):
        target = _alias_of(SUPPORTED)[lang]
        p_target = next((float(p) for code, p in ranked if code == target), 0.0)
        if p_target >= settings.alias_min_prob:
            return target, p_target
    return lang, float(prob)


def detect_among(text: str, codes: tuple[str, ...]) -> str | None:
    """The likeliest of ``codes`` for a short text such as a query (an alias counts as its language)."""
    aliases = _alias_of(tuple(c for c in codes if c in SUPPORTED))
    for code, _ in _identifier().rank(text):
        code = aliases.get(code, code)
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
