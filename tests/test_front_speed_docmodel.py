"""docmodel's shortcuts (issue 8): a sentence's offset in a block whose offsets are a range is counted, the
same as the search gives; rows read as tuples build what rows read as dicts build."""
from __future__ import annotations

from bisect import bisect_left

from pipeline import docmodel
from pipeline.stages import extract
from tests.conftest import article_texts


def _searched(block: docmodel.Block, start: int) -> int:
    offset = bisect_left(tuple(block.view.raw_index), start)
    return offset if offset < len(block.view.raw_index) else 0


def test_the_offset_counted_in_a_range_is_the_one_searched():
    raw = "Kalimat satu.  Dua  **tiga** empat.\nLima enam. Tujuh"
    blocks = [{"block_idx": 0, "kind": "paragraph", "level": 0, "parent_idx": -1, "marker": None, "number": None,
               "start_char": 0, "end_char": len(raw)}]
    for removed in ([], [(20, 22), (26, 28)]):
        for start in range(-2, len(raw) + 3):
            sents = [{"sent_idx": 0, "block_idx": 0, "start_char": start, "end_char": start + 1, "text": "x"}]
            ctx = docmodel.build("d", "id", None, raw, blocks, sents, removed)
            block = ctx.blocks[0]
            assert block.sentences[0].offset == _searched(block, start), (removed, start)


def test_offsets_of_real_articles_are_the_searched_ones():
    for text in article_texts()[:12]:
        ctx = extract.doc_from_text(text, "id")
        for block in ctx.blocks:
            for sent in block.sentences:
                assert sent.offset == _searched(block, sent.start_char)
