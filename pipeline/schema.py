"""Explicit Arrow schemas of every table the stages write.

Declared once here (datatrove learned the hard way what inferred schemas do to
late writes); ``tests/test_schemas.py`` checks that the DuckDB views agree.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


class SchemaError(ValueError):
    pass


def table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """A table from row dicts with an explicit schema.

    Strict: every row has exactly the schema's fields (null values spelt out), so a missing
    or misspelt field is an error here instead of a silently null or dropped column.
    """
    rows = list(rows)
    names = set(schema.names)
    for i, r in enumerate(rows):
        if r.keys() != names:
            raise _misfit(f"row {i} does", r.keys(), schema)
    # (the names as str once: ``f.name`` is a property call, and was made per row)
    return pa.table({name: [r[name] for r in rows] for name in schema.names}, schema=schema)


def columns_table(columns: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
    """A table from a dict of columns with an explicit schema, as strict as :func:`table`: exactly the
    schema's fields, so a missing or misspelt column is an error, not a dropped one."""
    if columns.keys() != set(schema.names):
        raise _misfit("the columns do", columns.keys(), schema)
    return pa.table({f.name: columns[f.name] for f in schema}, schema=schema)


def _misfit(what: str, keys: Iterable[str], schema: pa.Schema) -> SchemaError:
    names, keys = set(schema.names), set(keys)
    missing, unknown = sorted(names - keys), sorted(keys - names)
    return SchemaError(f"{what} not fit the schema ({', '.join(schema.names[:3])}, ...): "
                       + "; ".join(p for p in (f"missing {', '.join(missing)}" if missing else "",
                                               f"unknown {', '.join(unknown)}" if unknown else "") if p))


def rows_by_doc(table: pa.Table, columns: list[str] | None = None) -> dict[str, list[dict]]:
    """The rows of a table (or of some of its columns) as dicts, grouped by ``doc_id`` in table order."""
    return _grouped(table, (table.select(columns) if columns else table).to_pylist())


def tuples_by_doc(table: pa.Table, columns: Sequence[str]) -> dict[str, list[tuple]]:
    """The rows of ``table`` as tuples of ``columns``, grouped by ``doc_id`` in table order: read column by
    column, with no dict per row."""
    return _grouped(table, list(zip(*(table.column(c).to_pylist() for c in columns))))


def _grouped(table: pa.Table, rows: list) -> dict[str, list]:
    """``rows`` (one per row of ``table``) grouped by the table's ``doc_id``, in order. A stage's table holds a
    document's rows together: they are added a run of one document at a time (a slice each), the runs found
    by comparing neighbouring ids at C speed, not row by row."""
    out: dict[str, list] = {}
    n = table.num_rows
    if n == 0:
        return out
    ids = table.column("doc_id").combine_chunks()
    changes = pc.not_equal(ids[1:], ids[:-1]).fill_null(True).to_numpy(zero_copy_only=False) if n > 1 else []
    starts = [0, *(np.flatnonzero(changes) + 1).tolist()]
    for start, end, d in zip(starts, starts[1:] + [n], ids.take(pa.array(starts)).to_pylist()):
        if d in out:
            out[d] += rows[start:end]
        else:
            out[d] = rows[start:end]
    return out


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
