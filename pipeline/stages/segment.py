"""segment: blocks -> sentences, with spaCy's blank id/pl/nl pipelines and a sentencizer (``pipeline.nlp``).

Sentence offsets point into ``raw_text`` through the block's text view.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pyarrow as pa

from pipeline import schema
from pipeline.denoising.lines import SpanIndex
from pipeline.spacy_blank import (final_chars_in, is_one_sentence, pipeline as nlp_for, sentence_punct,
                                  sentence_punct_chars, sentence_spans)
from pipeline.textmap import INVISIBLE_RE, TextView, view

NAME = "segment"


@dataclass(frozen=True)
class Settings:
    batch_size: int = 256


def _block_view(raw: str, start: int, end: int, removed: list[tuple[int, int]]) -> tuple[str, TextView | None]:
    """The text of ``view(raw, start, end, removed)``, with the view itself where a character of it may not map
    to its own raw offset. None in its place: nothing is removed from the block and its raw text is what a
    view makes of it but for single line breaks or tabs between words (most blocks), so the view's text is
    that text with those as spaces (when NFC), each character at its own offset, and no map need be built."""
    if not removed:
        text = raw[start:end]
        # (most blocks: one line) single spaces between words and none at the ends are what the words joined
        # would be (every whitespace character but the space is unprintable): the split is not needed
        if text[:1] != " " and text[-1:] != " " and "  " not in text and text.isprintable():
            words = text
        else:
            words = " ".join(text.split())
        # as long: no whitespace at either end, no run of it; nothing the view drops, NFC as it must be
        if len(words) == len(text) and words and (words.isascii() or (not INVISIBLE_RE.search(text) and
                                                                     unicodedata.is_normalized("NFC", words))):
            return words, None   # (ASCII: nothing invisible, NFC)
    v = view(raw, start, end, removed)
    return v.text, v


def sentences_of(raw: str, blocks: list[dict], removed: list[tuple[int, int]], lang: str,
                 batch_size: int = 256) -> list[dict]:
    """Sentence rows (without doc_id) of one document's blocks."""
    found = _sentences(raw, [(b["block_idx"], b["start_char"], b["end_char"]) for b in blocks], removed, lang,
                       batch_size)
    return [{"sent_idx": i, "block_idx": block_idx, "start_char": start, "end_char": end, "text": text}
            for i, (block_idx, start, end, text) in enumerate(found)]


def _sentences(raw: str, blocks: list[tuple[int, int, int]], removed: list[tuple[int, int]], lang: str,
               batch_size: int) -> list[tuple[int, int, int, str]]:
    """(block_idx, start_char, end_char, text) of each sentence of the (block_idx, start_char, end_char) blocks."""
    index = SpanIndex(removed)      # each block looks only at the removals that touch it
    views = [_block_view(raw, start, end, index.overlapping(start, end)) for _, start, end in blocks]
    out: list[tuple[int, int, int, str]] = []
    tokenizer, punct = nlp_for(lang).tokenizer, sentence_punct(lang)   # (the sentencizer's rule: sentence_spans)
    text_punct = sentence_punct_chars(lang)
    # the sentence-final characters each text holds (once: the shortcut below and sentence_spans read them)
    present = [None if text_punct is None else final_chars_in(text, text_punct) for text, _ in views]
    # a text that is one sentence whatever its tokens (most headings and list items) is not tokenised
    to_tokenise = [text_punct is None or not is_one_sentence(text, text_punct, lang, chars)
                   for (text, _), chars in zip(views, present)]
    tokenised = iter(tokenizer.pipe((text for (text, _), tokenise in zip(views, to_tokenise) if tokenise),
                                    batch_size=batch_size))
    for (block_idx, block_start, _), (block_text, v), tokenise, chars in zip(blocks, views, to_tokenise, present):
        if tokenise:
            spans = sentence_spans(next(tokenised), punct, text_punct, block_text, chars)
        else:
            spans = [(0, len(block_text))]   # (the tokens' span: all but spaces at the ends, which go below)
        for sent_start, sent_end in spans:
            sent = block_text[sent_start:sent_end]
            text = sent.strip()
            if not text:
                continue
            lead = len(sent) - len(sent.lstrip())
            if v is None:   # each character at its own raw offset
                start = block_start + sent_start + lead
                end = start + len(text)
            else:
                start, end = v.raw_span(sent_start + lead, sent_start + lead + len(text))
            out.append((block_idx, start, end, text))
    return out


def run(documents: pa.Table, languages: pa.Table, blocks: pa.Table, removed_spans: pa.Table,
        settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents + languages + blocks + removed_spans -> {sentences}."""
    lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
    removed = schema.tuples_by_doc(removed_spans, ("start_char", "end_char"))
    blocks_by_doc = schema.tuples_by_doc(blocks, ("block_idx", "start_char", "end_char"))
    columns: dict[str, list] = {name: [] for name in schema.SENTENCES.names}
    doc_ids, sent_idx = columns["doc_id"], columns["sent_idx"]
    rest = [columns[name] for name in ("block_idx", "start_char", "end_char", "text")]
    for doc_id, raw in zip(documents.column("doc_id").to_pylist(), documents.column("raw_text").to_pylist()):
        found = _sentences(raw, blocks_by_doc.get(doc_id, []), removed.get(doc_id, []), lang_of[doc_id],
                           settings.batch_size)   # (per document: the runner rejects one that fails alone)
        if found:   # the rows' fields column by column (no dict per row)
            doc_ids += [doc_id] * len(found)
            sent_idx += range(len(found))
            for column, values in zip(rest, zip(*found)):
                column += values
    return {"sentences": schema.columns_table(columns, schema.SENTENCES)}
