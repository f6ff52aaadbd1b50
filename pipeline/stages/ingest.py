"""ingest: bytes of a corpus file -> documents (decoded text, title and metadata).

Formats: ``.txt``, ``.md``, ``.html``/``.htm`` (main text via trafilatura, with the good
paragraphs it drops put back by jusText), and ``.jsonl`` (one article a line: ``text`` or
``html``, optional ``url``, ``title``; a ``lang`` field is ignored: the language is always
detected). A ``.txt`` holding a whole HTML page is read
as HTML. The format's own layers are found here and recorded as ``meta_spans`` (the denoise
stage turns them into removals): the metadata header in any common shape (``meta:*``,
moved into columns), the code or template wrapper around the text (``wrapper:*``: PHP and JS
files, directives, comment lines, components), and the title, author and date lines. The
title comes from the structure (``pipeline.denoising.titles``), never from a line of code.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

from pipeline import schema
from pipeline.denoising import headers, recall, titles, wrappers
from pipeline.lang import SUPPORTED, get as lang_data, letters, month_names
from pipeline.textmap import line_keys as batch_line_keys, line_spans, stable_hash

NAME = "ingest"


@dataclass(frozen=True)
class Settings:
    max_bytes: int = 10_000_000       # larger files are rejected, not truncated
    min_chars: int = 200              # less text than this is no article
    max_title_chars: int = 200
    meta_search_lines: int = 6        # author/date/breadcrumb lines sit right under the title
    max_meta_line_chars: int = 120    # an author, date or breadcrumb line is short
    max_date_line_extra_chars: int = 80  # a date line holds little besides the date (a breadcrumb)
    max_control_chars: float = 0.01   # a larger share of control characters: a binary file


class Rejected(Exception):
    """A source that is not an article; the message is the reason users see."""


# ---------------------------------------------------------------- decoding

# C0 control characters that are not whitespace (NUL, backspace, escape ...): noise in a text file,
# a binary file when they are more than ``max_control_chars`` of it
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]+")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F])   # _CONTROL_CHARS's, as UTF-8 bytes


def _has_control_chars(text: str) -> bool:
    """Whether ``_CONTROL_CHARS`` occurs in ``text``: its characters are ASCII, each one byte of the UTF-8
    encoding (every byte of a longer sequence is >= 0x80), and deleting bytes is quicker than the regex scan."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def decode(data: bytes, settings: Settings = Settings()) -> tuple[str, str]:
    """Decode bytes as UTF-8, else a legacy single-byte encoding of the languages, else the best guess
    of charset-normalizer. A few NUL or other control bytes in a text are kept (the ingest records them
    as removed noise); a file where they are more than ``max_control_chars`` of it is binary."""
    if not data.strip():
        raise Rejected("empty file")
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and data.count(b"\x00") > len(data) * settings.max_control_chars:
        raise Rejected("binary file (NUL bytes), not text")
    try:
        text, encoding = _decoded(data)
    except Rejected:
        if b"\x00" in data:
            raise Rejected("binary file (NUL bytes), not text") from None
        raise
    if len(_BAD_CHARS.findall(text)) > len(text) * settings.max_control_chars:
        raise Rejected("binary file (control characters), not text")
    return text, encoding


def _decoded(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = _single_byte_guess(data)
    if guess:
        return guess
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise Rejected("undecodable bytes: neither UTF-8 nor a known single-byte encoding")
    return str(best), best.encoding


# Legacy encodings of Polish, Dutch and Indonesian pages: charset-normalizer alone confuses
# ISO-8859-2 with its Baltic and Nordic cousins, so these are tried first and kept only when
# every non-ASCII letter they produce is one the languages use.
_LEGACY_ENCODINGS = ("cp1250", "iso8859_2", "cp1252")
_PLAUSIBLE = set(letters() + letters().upper() + "’‘“”„–—…•€«»°©®")


def _single_byte_guess(data: bytes) -> tuple[str, str] | None:
    best = None
    for enc in _LEGACY_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        odd = sum(1 for ch in text if ord(ch) > 127 and ch not in _PLAUSIBLE)
        plausible = sum(1 for ch in text if ch in _PLAUSIBLE)
        if odd == 0 and plausible and (best is None or plausible > best[0]):
            best = (plausible, text, enc)
    return (best[1], best[2]) if best else None


# ---------------------------------------------------------------- formats

# an HTML page, possibly after comments and the PHP blocks of a PHP view ("<?php include 'header.php'; ?>")
_HTML_DOC = re.compile(r"^\s*(?:(?:<!--.*?-->|<\?php\b.*?\?>)\s*)*(?:<!doctype html|<html)", re.I | re.S)
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\r?\n(.*?)\r?\n\1[ \t]*(?:\r?\n|\Z)", re.S)


def sniff_format(path: str, text: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext in ("html", "htm") or _HTML_DOC.match(text):
        return "html"
    if ext in ("md", "markdown") or _FRONT_MATTER.match(text):
        return "markdown"
    return "text"


def parse_html(html: str):
    """The page as trafilatura parses it, without libxml2's depth limit: past 256 nested elements
    the default parser stops, and an article deeper down was lost ("no article text"). ``huge_tree``
    lifts the limit (the markup is in memory already, under the size limit). On markup lxml cannot
    parse at all, the string itself (trafilatura then tries its own ways)."""
    from lxml.html import HTMLParser, fromstring
    from trafilatura.utils import repair_faulty_html

    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                        remove_pis=True, huge_tree=True)
    repaired = repair_faulty_html(html, html[:50].lower())
    try:
        try:
            tree = fromstring(repaired, parser=parser)
        except ValueError:   # a string with an encoding declaration: lxml wants bytes
            tree = fromstring(repaired.encode("utf-8", "surrogatepass"), parser=parser)
    except Exception:        # lxml raises several types on broken markup
        return html
    return tree if tree is not None and len(tree) else html


@lru_cache(maxsize=None)
def _trafilatura():
    """trafilatura, with the stoplist of its jusText fallback (every jusText language's words) held as a set.

    trafilatura keeps that stoplist as a tuple of 154,000 words and hands it to jusText at every page it
    rescues (one in five of the benchmark's pages); jusText memoises its lower-cased set per stoplist, so
    each call hashed the whole tuple again: ~5 ms a rescued page, whose extraction takes ~12. A frozenset
    keeps its hash: the same words, the same text, hashed once."""
    import trafilatura
    import trafilatura.external as external

    if not isinstance(external.JT_STOPLIST, frozenset):
        external.JT_STOPLIST = frozenset(external.JT_STOPLIST or external.jt_stoplist_init())
    return trafilatura


def html_to_text(html: str) -> tuple[str, dict]:
    """Main text (as light markdown, keeping bold leads and list items) and metadata."""
    trafilatura = _trafilatura()

    # favor_recall keeps list-item headings that the default precision mode drops;
    # each call gets its own tree (trafilatura prunes the tree it is given)
    text = trafilatura.extract(parse_html(html), output_format="markdown", include_formatting=True,
                               include_comments=False, include_tables=True, favor_recall=True) or ""
    meta = trafilatura.extract_metadata(parse_html(html))
    fields = {k: getattr(meta, k, None) for k in ("title", "author", "date", "url")} if meta else {}
    return text, fields


# ---------------------------------------------------------------- metadata lines

_MONTHS = "|".join(re.escape(m) for m in month_names())   # every language's, and English ones
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+(?:{_MONTHS})\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})\b", re.I)
_BREADCRUMB_SEP = re.compile(r"(?:\s+[/>»›|])+\s+")


@lru_cache(maxsize=1)
def _author_placeholders() -> frozenset[str]:
    names: set[str] = set()
    for code in SUPPORTED:
        names.update(w.casefold() for w in lang_data(code).AUTHOR_PLACEHOLDERS)
    return frozenset(names)


@lru_cache(maxsize=1)   # (from the language data: built once, not per article)
def _author_line_pattern() -> re.Pattern:
    cues: list[str] = []
    for code in SUPPORTED:
        cues.extend(lang_data(code).AUTHOR_LINE_CUES)
    alt = "|".join(re.escape(c) for c in sorted(set(cues), key=len, reverse=True)) or "(?!)"
    return re.compile(rf"^(?:{alt})\s*:?\s+(\S.{{0,60}})$", re.I)


def metadata_lines(text: str, first_line: int, spans: list[tuple[int, int]], settings: Settings,
                   ) -> tuple[dict, list[dict]]:
    """Title, author, date and breadcrumb lines at the top of a text article."""
    meta: dict[str, str] = {}
    found: list[dict] = []
    placeholders = _author_placeholders()
    author_line = _author_line_pattern()
    nonempty = [(s, e) for s, e in spans[first_line:] if text[s:e].strip()]
    if not nonempty:
        return meta, found
    s, e = nonempty[0]
    title = text[s:e].strip()
    if titles.is_title_line(title, settings.max_title_chars):
        meta["title"] = title.lstrip("#").strip()
        found.append({"start": s, "end": e, "rule": "meta:title"})
        rest = nonempty[1:settings.meta_search_lines]
    else:
        rest = nonempty[:settings.meta_search_lines]
    for s, e in rest:
        line = text[s:e].strip()
        if len(line) > settings.max_meta_line_chars:
            continue
        m = author_line.match(line)
        if line.casefold() in placeholders or m:
            meta.setdefault("author", m.group(1).strip() if m else line)
            found.append({"start": s, "end": e, "rule": "meta:author"})
            continue
        date = _DATE.search(line)
        crumbs = _BREADCRUMB_SEP.split(line)
        if date and (len(line) - len(date.group()) < settings.max_date_line_extra_chars) and (len(crumbs) > 1 or line == date.group()):
            meta.setdefault("published", date.group())
            category = " / ".join(c.strip() for c in crumbs if c.strip() and not _DATE.fullmatch(c.strip()))
            if category:
                meta.setdefault("category", category)
            found.append({"start": s, "end": e, "rule": "meta:breadcrumb" if category else "meta:date"})
    return meta, found


# ---------------------------------------------------------------- one article

def _recover_paragraphs(html: str, text: str, title: str | None) -> str:
    """Good paragraphs trafilatura dropped, put back (jusText with the stoplist of the text's language)."""
    from pipeline.stages.langid import detect

    code, _ = detect(text) if text.strip() else (None, 0.0)
    stoplist = lang_data(code).JUSTEXT_STOPLIST if code in SUPPORTED else None
    return recall.recover(html, text, stoplist, title) if stoplist else text


def _blank(text: str, spans: list[dict]) -> str:
    """``text`` with the spans replaced by spaces (line breaks kept): offsets do not move."""
    if not spans:
        return text
    parts, pos = [], 0
    for start, end in sorted((m["start"], m["end"]) for m in spans):   # overlapping spans: blanked once
        start = max(start, pos)
        if end <= start:
            continue
        parts += (text[pos:start], _NOT_BREAK.sub(" ", text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


_NOT_BREAK = re.compile(r"[^\r\n]")


def article(source_path: str, text: str, fmt: str, encoding: str, settings: Settings,
            extra: dict | None = None) -> dict:
    """One documents row from decoded text; raises Rejected with a reason."""
    extra = dict(extra or {})
    source_html = None
    meta_spans: list[dict] = []
    meta: dict = {}
    is_code = False
    if fmt == "html":
        source_html = text
        text, hmeta = html_to_text(text)
        title = titles.from_html(source_html, text) or titles.about(hmeta.get("title"), text)
        text = _recover_paragraphs(source_html, text, title)
        meta.update({k: v for k, v in hmeta.items() if v and k != "date"})
        if hmeta.get("date"):
            meta["published"] = hmeta["date"]
        meta.pop("title", None)
        if title:   # the page's own <h1> (or <title> without the site name) over trafilatura's guess
            meta["title"] = title
        if len(text.strip()) < settings.min_chars:
            raise Rejected("HTML with no article text (main-text extraction found "
                           f"{len(text.strip())} characters)")
    for k in ("title", "url"):
        if extra.get(k):
            meta[k] = extra[k]
    spans = line_spans(text)
    # NUL and other control bytes in a text are noise: removed (recorded), the raw text kept whole
    if _has_control_chars(text):
        meta_spans.extend({"start": m.start(), "end": m.end(), "rule": "control_char"}
                          for m in _CONTROL_CHARS.finditer(text))
    first_line = 0
    if fmt != "html":
        # the metadata header, then the code or template wrapper around the text
        header = headers.find(_blank(text, meta_spans))
        if header:
            meta_spans.append({"start": header.start, "end": header.end, "rule": header.rule})
            meta.update({k: v for k, v in header.fields.items() if v})
            first_line = bisect_left([s for s, _ in spans], header.end)   # the lines starting inside it
        wrapped = wrappers.find(_blank(text, meta_spans))
        meta_spans.extend({"start": s, "end": e, "rule": r} for s, e, r in wrapped.spans)
        for k, v in wrapped.fields.items():
            meta.setdefault(k, v)
        is_code = wrapped.is_code
        if "title" not in meta and not wrapped.collection and (h1 := titles.first_h1(_blank(text, meta_spans))):
            meta["title"] = h1
    visible = _blank(text, meta_spans)
    if fmt == "html" or "title" in meta or is_code:
        top, found = metadata_lines(visible, first_line, spans, settings)
        if is_code and "title" not in meta and any(f["rule"] == "meta:title" and visible[f["start"]:f["end"]]
                                                   .lstrip().startswith("#") for f in found):
            meta["title"] = top["title"]   # the text in a code string opens with a markdown heading
        # with a title known, the first line is only a title line if it repeats it (none known: an HTML page
        # whose <title> is not about its text, or a collection of articles in code, has none)
        found = [f for f in found if f["rule"] != "meta:title"
                 or re.sub(r"\W", "", top.get("title", "")).casefold()
                 == re.sub(r"\W", "", meta.get("title", "")).casefold()]
        top.pop("title", None)
    else:
        top, found = metadata_lines(visible, first_line, spans, settings)
    for k, v in top.items():
        meta.setdefault(k, v)
    meta_spans.extend(found)
    meta_spans = _non_overlapping(meta_spans)
    body = len(text.strip()) - sum(f["end"] - f["start"] for f in meta_spans)
    if body < settings.min_chars:
        raise Rejected(f"too little text for an article ({max(body, 0)} characters)")
    visible = _blank(text, meta_spans)
    return {
        "doc_id": stable_hash(text, length=16),
        "source_path": source_path,
        "source_format": "jsonl" if extra.get("_jsonl") else fmt,
        "encoding": encoding,
        "raw_text": text,
        "source_html": source_html,
        "title": meta.get("title"),
        "author": meta.get("author"),
        "published": meta.get("published"),
        "category": meta.get("category"),
        "url": meta.get("url"),
        "meta_spans": sorted(meta_spans, key=lambda m: m["start"]),
        "line_keys": line_keys(visible),
    }


_LINE_BREAK = re.compile(r"\r\n|\r|\n")   # textmap.line_spans's


def line_keys(text: str) -> list[str]:
    """The distinct ``textmap.line_key`` of the lines of ``text``, sorted (``textmap.line_keys``: each distinct
    line keyed once; blank and repeated lines are many)."""
    # (no line holds a "\n": joined by it, split by it again, each line is itself)
    return sorted(batch_line_keys(text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)))


def _non_overlapping(spans: list[dict]) -> list[dict]:
    """Sorted spans with overlaps cut away (the earlier span keeps the overlap)."""
    out: list[dict] = []
    for m in sorted(spans, key=lambda m: (m["start"], -m["end"])):
        if out and m["start"] < out[-1]["end"]:
            if m["end"] > out[-1]["end"]:
                out.append({**m, "start": out[-1]["end"]})
            continue
        out.append(m)
    return [m for m in out if m["end"] > m["start"]]


def _jsonl_articles(source_path: str, text: str, settings: Settings):
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        path = f"{source_path}#L{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield path, Rejected(f"line {n} is not JSON: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            yield path, Rejected(f"line {n} is not a JSON object")
            continue
        bad = [k for k in ("text", "html", "url", "title", "lang") if obj.get(k) is not None
               and not isinstance(obj[k], str)]
        if bad:
            yield path, Rejected(f"line {n}: field {bad[0]!r} is not a string")
            continue
        text, html = (obj.get("text") or "").strip(), (obj.get("html") or "").strip()
        if not (text or html):
            yield path, Rejected(f"line {n} has neither 'text' nor 'html'")
            continue
        fmt = sniff_format("x.txt", text) if text else "html"
        body = obj["text"] if text else obj["html"]
        extra = {"url": obj.get("url"), "title": obj.get("title"), "_jsonl": True}
        try:
            yield path, article(path, body, fmt, "utf-8", settings, extra)
        except Rejected as exc:
            yield path, exc


# ---------------------------------------------------------------- the stage

def run(sources: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """sources(source_path, data, content_hash) -> {documents, rejected}."""
    docs: list[dict] = []
    rejected: list[dict] = []
    for row in sources.to_pylist():
        path, data = row["source_path"], row["data"]
        reject_id = row["content_hash"][:16]
        try:
            if len(data) > settings.max_bytes:
                raise Rejected(f"file too large ({len(data) / 1e6:.1f} MB > "
                               f"{settings.max_bytes / 1e6:.0f} MB limit)")
            text, encoding = decode(data, settings)
            if path.lower().endswith(".jsonl"):
                for sub_path, result in _jsonl_articles(path, text, settings):
                    if isinstance(result, Rejected):
                        rejected.append({"doc_id": stable_hash(sub_path), "source_path": sub_path,
                                         "stage": NAME, "reason": str(result), "detected_lang": None})
                    else:
                        docs.append({**result, "content_hash": row["content_hash"]})
                continue
            doc = article(path, text, sniff_format(path, text), encoding, settings)
            docs.append({**doc, "content_hash": row["content_hash"]})
        except Rejected as exc:
            rejected.append({"doc_id": reject_id, "source_path": path, "stage": NAME, "reason": str(exc),
                             "detected_lang": None})
    return {"documents": schema.table(docs, schema.DOCUMENTS),
            "rejected": schema.table(rejected, schema.REJECTED)}
