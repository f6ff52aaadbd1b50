"""Explicit Arrow schemas of every table the stages write.

Declared once here (datatrove learned the hard way what inferred schemas do to
late writes); ``tests/test_schemas.py`` checks that the DuckDB views agree.
"""
from __future__ import annotations

import pyarrow as pa

META_SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("rule", pa.string())])

SOURCES = pa.schema([
    ("source_path", pa.string()),
    ("data", pa.large_binary()),
    ("content_hash", pa.string()),
])

DOCUMENTS = pa.schema([
    ("doc_id", pa.string()),
    ("source_path", pa.string()),
    ("content_hash", pa.string()),
    ("source_format", pa.string()),     # text | markdown | html | jsonl
    ("encoding", pa.string()),
    ("raw_text", pa.large_string()),    # offsets of every span and item point here
    ("source_html", pa.large_string()), # the markup, for HTML sources (raw_text is its main text)
    ("title", pa.string()),
    ("author", pa.string()),
    ("published", pa.string()),
    ("category", pa.string()),
    ("url", pa.string()),
    ("lang_hint", pa.string()),
    ("meta_spans", pa.list_(META_SPAN)),  # metadata lines moved into the columns above
    ("line_keys", pa.list_(pa.string())),  # normalised line hashes, for corpus-level boilerplate
])

REJECTED = pa.schema([
    ("doc_id", pa.string()),
    ("source_path", pa.string()),
    ("stage", pa.string()),
    ("reason", pa.string()),
    ("detected_lang", pa.string()),
])

LANGUAGES = pa.schema([
    ("doc_id", pa.string()),
    ("lang", pa.string()),
    ("lang_score", pa.float32()),
])

REMOVED_SPANS = pa.schema([
    ("doc_id", pa.string()),
    ("start_char", pa.int32()),
    ("end_char", pa.int32()),
    ("text", pa.string()),
    ("rule", pa.string()),
])

CLEAN = pa.schema([
    ("doc_id", pa.string()),
    ("clean_text", pa.large_string()),
    ("author_bio", pa.string()),
])

BLOCKS = pa.schema([
    ("doc_id", pa.string()),
    ("block_idx", pa.int32()),
    ("kind", pa.string()),        # heading | paragraph | list_item | quote
    ("level", pa.int32()),        # heading level, or list nesting depth
    ("parent_idx", pa.int32()),   # enclosing heading (or list item), -1 at top
    ("marker", pa.string()),      # "#", "13.", "Mitos 1:", "•", "-" ...
    ("number", pa.int32()),       # the number in a numbered heading / item
    ("start_char", pa.int32()),
    ("end_char", pa.int32()),
    ("text", pa.string()),
])

SENTENCES = pa.schema([
    ("doc_id", pa.string()),
    ("sent_idx", pa.int32()),
    ("block_idx", pa.int32()),
    ("start_char", pa.int32()),
    ("end_char", pa.int32()),
    ("text", pa.string()),
])


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Build a table from row dicts with an explicit schema (missing keys are null)."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return pa.table(cols, schema=schema)

ITEMS = pa.schema([
    ("item_id", pa.string()),      # stable: hash of (doc_id, kind, start_char, end_char, text)
    ("doc_id", pa.string()),
    ("kind", pa.string()),         # myth | tip | statistic | example
    ("lang", pa.string()),
    ("text", pa.string()),         # the claim / tip / sentence stating the statistic / citing sentence
    ("detail", pa.string()),       # supporting body (tips, myths: the rest of the section)
    ("start_char", pa.int32()),    # offsets of `text` in raw_text
    ("end_char", pa.int32()),
    ("block_idx", pa.int32()),
    ("extractor", pa.string()),    # rule name that produced the item
    # myth
    ("rebuttal", pa.string()),
    # statistic
    ("value", pa.float64()),       # percent as 0-100
    ("unit", pa.string()),         # percent | count | currency | multiplier | ...
    ("currency", pa.string()),
    ("source", pa.string()),       # study / organisation / person the article attributes it to
    ("year", pa.int32()),
    ("quantity_text", pa.string()),
    # example
    ("entity", pa.string()),
    ("entity_type", pa.string()),  # organisation | person | study | brand
    ("role", pa.string()),         # example | quote | source
])
