"""Metadata headers at the top of an article, in any of the common shapes.

- YAML front matter between ``---`` lines, TOML between ``+++`` lines, JSON front matter
  (one object at the very top): loaded with python-frontmatter's handlers (PyYAML's safe
  loader, json) or the standard library's tomllib;
- a bare run of ``key: value`` lines at the top without delimiters, as WordPress and other
  exporters write them (``post_id: 82``, ``comment_status: open``), or Pelican and
  MultiMarkdown headers (``Title: ...``, ``Date: ...``).

``find`` returns the raw span of the header, the rule that found it and the fields it
names (title, author, published, category, url, lang). YAML that does not parse (an
unquoted colon in a title is common) falls back to reading the lines one by one, so a
header is never lost to a syntax error.
"""
from __future__ import annotations

import datetime as _dt
import json
import pathlib
import re
import tomllib
from dataclasses import dataclass, field

_DELIMITED = re.compile(r"\A(?:\ufeff)?(?:[ \t]*\r?\n)*(---|\+\+\+)[ \t]*\r?\n(.*?)\r?\n?\1[ \t]*(?:\r?\n|\Z)", re.S)
_JSON_TOP = re.compile(r"\A(?:\ufeff)?\s*(?=\{\s*\r?\n\s*\")")
# one "key: value" line of a bare header; keys are single tokens ("post_id", "Title", "og:title" is not)
_KV_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_CONTINUATION = re.compile(r"^[ \t]+\S")     # an indented value or list entry of the key above
# Keys that only metadata headers use: one of them must be present before a run of
# "key: value" lines at the top counts as a header (an article may start "Mit: ...").
META_KEYS = frozenset("""
title date author authors slug layout tags tag categories category status permalink url link lang language
locale description draft type summary excerpt id post_id comment_status ping_status post_date post_name
post_status post_type post_title post_author menu_order template keywords image thumbnail featured_image
published publishdate pubdate modified updated lastmod subtitle cover aliases weight series canonicalurl
""".split())
# header keys -> document columns
FIELD_KEYS = {
    "title": ("title", "post_title", "headline"),
    "author": ("author", "authors", "post_author", "creator"),
    "published": ("date", "pubdate", "publishdate", "published", "publishedat", "post_date", "created"),
    "category": ("categories", "category"),
    "url": ("canonicalurl", "url", "permalink", "link"),
    "lang": ("lang", "language", "locale"),
}


@dataclass(frozen=True)
class Header:
    start: int
    end: int
    rule: str                                   # meta:front_matter | meta:header
    fields: dict[str, str] = field(default_factory=dict)


def find(text: str) -> Header | None:
    """The metadata header at the top of ``text``, if there is one."""
    m = _DELIMITED.match(text)
    if m:
        data = _load_yaml(m.group(2)) if m.group(1) == "---" else _load_toml(m.group(2))
        if data is None:
            data = _read_lines(m.group(2))
        return Header(m.start(1), m.end(), "meta:front_matter", fields_of(data))
    if _JSON_TOP.match(text):
        obj = _json_object_at(text, text.index("{"))
        if obj and text[obj[1]:].strip():    # with nothing after it, the object is a data file, not a header
            data, end = obj
            end = _line_end(text, end)
            return Header(text.index("{"), end, "meta:front_matter", fields_of(data))
    return _bare_header(text)


def _load_yaml(block: str) -> dict | None:
    from frontmatter.default_handlers import YAMLHandler

    try:
        data = YAMLHandler().load(block)
    except Exception:  # any YAML error: read the lines one by one instead
        return None
    return data if isinstance(data, dict) else None


def _load_toml(block: str) -> dict | None:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError:
        return None


def _json_object_at(text: str, start: int) -> tuple[dict, int] | None:
    try:
        obj, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    return (obj, end) if isinstance(obj, dict) else None


def _line_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl + 1


def _read_lines(block: str) -> dict:
    """A lenient reading of ``key: value`` lines (and ``key:`` followed by ``- item`` lines)."""
    data: dict = {}
    key = None
    for line in block.splitlines():
        m = re.match(r"^([A-Za-z_][\w-]*)[ \t]*[:=][ \t]*(.*)$", line)
        if m:
            key = m.group(1)
            data.setdefault(key, m.group(2).strip() or [])
            continue
        item = re.match(r"^[ \t]+-[ \t]*(.+)$", line)
        if item and key and isinstance(data.get(key), list):
            data[key].append(item.group(1).strip())
    return data


def _bare_header(text: str) -> Header | None:
    """A run of ``key: value`` lines at the very top, ended by a blank line (or a ``---`` line)."""
    start, end, keys = None, None, []
    for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text):
        line = m.group().rstrip("\r\n")
        if m.start() == len(text):
            break
        if start is None:
            if not line.strip():
                continue                       # blank lines before the header
            start = m.start()
        kv = _KV_LINE.match(line)
        if kv and not line.startswith((" ", "\t")):
            keys.append(kv.group(1))
            end = m.end()
        elif keys and _CONTINUATION.match(line):
            end = m.end()
        elif keys and re.fullmatch(r"-{3,}[ \t]*", line):
            end = m.end()                      # a closing delimiter without an opening one
            break
        else:
            break
    if start is None or len(keys) < 2 or not any(k.casefold() in META_KEYS for k in keys):
        return None
    block = text[start:end]
    return Header(start, end, "meta:header", fields_of(_load_yaml(block) or _read_lines(block)))


def fields_of(data: dict) -> dict[str, str]:
    """Document columns from a header's mapping (keys matched case-insensitively)."""
    folded = {str(k).casefold().replace("-", "_"): v for k, v in (data or {}).items()}
    out: dict[str, str] = {}
    for column, keys in FIELD_KEYS.items():
        for k in keys:
            value = _scalar(folded.get(k))
            if value:
                out[column] = value
                break
    author = out.get("author")
    if author and re.search(r"[/\\].*\.\w+$", author):
        out["author"] = pathlib.PurePath(author).stem   # "data/authors/agata.yml" names the author "agata"
    return out


def _scalar(value) -> str | None:
    """A header value as one string: the first entry of a list, the name of a mapping."""
    if isinstance(value, list):
        value = next((v for v in value if _scalar(v)), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("slug")
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, bool):
        return None
    value = str(value).strip()
    value = value.split('", "')[0] if value.startswith('"') else value
    value = value.strip().strip("[]").strip().strip("'\"").strip()
    return value or None
