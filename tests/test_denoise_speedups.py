"""The short cuts of the denoise and normalise stages (issue 8) give what the long ways give: the skipped
markdown parse, the views of lines with nothing removed, the clean text from the furniture classifier's
line views, the shared line splits."""
from __future__ import annotations

import pathlib
import random

import pyarrow as pa
import pytest

from pipeline import textmap
from pipeline.denoising import furniture, markdown
from pipeline.denoising.lines import break_cuts, logical_lines, raw_break_cuts, split_lines
from pipeline.stages import denoise
from pipeline.textmap import line_spans, view, view_text

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths if p.stem != "SOURCES"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def _parsed_always(text: str) -> list:
    saved = markdown._may_hold_blocks
    markdown._may_hold_blocks = lambda _text: True
    try:
        return markdown.block_spans(text)
    finally:
        markdown._may_hold_blocks = saved


MARKDOWN_CASES = [
    "Foo\n- \n\n---\n",                    # "- " alone underlines a heading
    "Intro\n\n---\n\n> Title\n> ---\n",     # a setext heading inside a block quote
    "Text\n\n---\n\na | b\n:-- | --:\n",   # a table without leading pipes
    "Text\n\n---\n\n- ```\n  code\n  ```\n",  # a fence inside a list item
    "Text\n\n---\n\n1. Title\n   ===\n",
    "Just text\n\n---\n\nMore text\n\n***\n",
    "Title\r---\r",
]


def test_markdown_parse_skipped_only_where_it_finds_nothing(texts):
    rng = random.Random(7)
    vocab = ["Title", "text here", "", "  ", "---", "===", "- item", "* item", "1. item", "> quote", "> ---",
             "| a | b |", "a | b", "|---|---|", ":--|--:", "```", "~~~", "  ---", "- ---", "    code", "-", "- ",
             "> > ---", "1) x", "+ y", "<div>", "-- x", "= ", "-\t-"]
    made = ["\n".join(rng.choice(vocab) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for text in MARKDOWN_CASES + made + texts:
        assert markdown.block_spans(text) == _parsed_always(text), text


def _view_by_chars(raw: str, start: int, end: int) -> textmap.TextView:
    """The plain definition of a view with nothing removed: a character at a time."""
    chars: list[str] = []
    index: list[int] = []
    textmap._chars(raw, start, end, chars, index, False)
    return textmap._finish(chars, index)


def test_views_by_every_path_agree():
    rng = random.Random(3)
    alphabet = ["a", "é", "e\u0301", " ", "  ", "\t", "\n", "\u00a0", "\u200b", ",", "<br>", "&amp;", "x", "\x1c"]
    for _ in range(20000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.05:
            raw *= 30   # the array path of long runs
        start = rng.randint(0, len(raw))
        end = rng.randint(start, len(raw))
        plain = view(raw, start, end)
        assert astuple(plain) == astuple(_view_by_chars(raw, start, end))
        assert plain == _view_by_chars(raw, start, end)   # (views are equal by content, a range or a tuple)
        assert view_text(raw, start, end) == plain.text
        assert list(plain.raw_index) == sorted(plain.raw_index)   # furniture counts link characters by that
        if end - start > 1:   # an empty removal inside the line: the path of lines with removals
            mid = rng.randint(start + 1, end - 1)
            general = view(raw, start, end, [(mid, mid)])
            assert astuple(general) == astuple(plain)


def astuple(v: textmap.TextView) -> tuple:
    return v.text, tuple(v.raw_index)   # (a view's offsets may be a range)


def test_clean_text_from_the_furniture_views_and_shared_lines(texts):
    for raw in texts:
        views: dict = {}
        lines = line_spans(raw)
        spans, _ = denoise.remove(raw, "id", [], views=views, lines=lines)
        assert denoise.clean_text(raw, spans, views, lines) == denoise.clean_text(raw, spans)
        assert denoise.remove(raw, "id", [])[0] == spans
        cuts = raw_break_cuts(raw, spans)
        assert cuts == break_cuts([(s, e, raw[s:e]) for s, e, _ in spans])
        assert split_lines(lines, cuts) == logical_lines(raw, [(s, e, raw[s:e]) for s, e, _ in spans])
        # furniture given the lines finds what it finds alone
        assert furniture.spans(raw, spans, "id") == furniture.spans(raw, spans, "id", (), furniture.Settings(),
                                                                  split_lines(lines, cuts), {})


FOREIGN = ("\n\nThe quick brown fox jumps over the lazy dog while the committee discusses the annual budget, "
           "and everyone agrees that the weather has been unusually warm for this time of the year in the city.\n\n"
           "We are also happy to announce that the new library will open next month with thousands of books "
           "available for the children and their parents who live in the surrounding neighbourhoods.\n")


@pytest.mark.parametrize("batch_chars", [denoise._BOUND_BATCH_CHARS, 3000])
def test_the_stage_bounding_many_documents_at_once_gives_each_document_s_removals(batch_chars, monkeypatch):
    """denoise.run judges the paragraphs of many documents in one call (a few documents at a time with a small
    batch): the same removals and clean texts as remove() of each document alone, foreign paragraphs included."""
    import hashlib

    from pipeline import schema
    from pipeline.stages import ingest, langid

    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    rows = []
    for i, p in enumerate(q for q in paths if q.stem != "SOURCES"):
        text = p.read_text(encoding="utf-8", errors="replace")
        if p.suffix in (".txt", ".md"):   # English paragraphs at the end of some, in the middle of others
            if i % 3 == 0:
                text += FOREIGN
            elif i % 3 == 1:
                k = text.find("\n\n", len(text) // 2)
                text = text[:k] + FOREIGN + text[k:] if k > 0 else text
        data = text.encode("utf-8")
        rows.append({"source_path": p.name, "data": data, "content_hash": hashlib.sha256(data).hexdigest()})
    documents = ingest.run(schema.table(rows, schema.SOURCES))["documents"]
    languages = langid.run(documents)["languages"]
    kept = set(languages.column("doc_id").to_pylist())
    documents = documents.filter(pa.array([d in kept for d in documents.column("doc_id").to_pylist()]))
    monkeypatch.setattr(denoise, "_BOUND_BATCH_CHARS", batch_chars)
    out = denoise.run(documents, languages)
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    removed, clean = [], []
    for doc in documents.to_pylist():
        spans, bio = denoise.remove(doc["raw_text"], lang_of[doc["doc_id"]], doc["meta_spans"])
        removed += [(doc["doc_id"], s, e, doc["raw_text"][s:e], r) for s, e, r in spans]
        clean.append((doc["doc_id"], denoise.clean_text(doc["raw_text"], spans), bio))
    assert sum(r[4] == "foreign_language" for r in removed) >= 10
    got = out["removed_spans"]
    assert list(zip(*(got.column(c).to_pylist() for c in ("doc_id", "start_char", "end_char", "text", "rule")))) == removed
    got = out["clean"]
    assert list(zip(*(got.column(c).to_pylist() for c in ("doc_id", "clean_text", "author_bio")))) == clean
