"""Token alignment (pipeline.alignment): BERTScore-style matching of e5's token vectors, on real texts."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline import alignment

TEXTS = ["Utwórz kalendarz treści dla mediów społecznościowych.",     # pl
         "Maak een contentkalender voor je sociale media.",            # nl: the same advice
         "Reageer snel op vragen van klanten.",                        # nl: another tip
         "Buat kalender konten untuk media sosial Anda."]              # id: the same advice


@pytest.fixture(scope="module")
def tokens():
    return alignment.TokenEncoder(layer=8).encode(TEXTS, layers=[8, 12])


def test_content_tokens_only(tokens):
    for t in tokens[8]:
        assert len(t.ids) == len(t.vectors) > 0
        assert np.allclose(np.linalg.norm(t.vectors, axis=1), 1.0, atol=1e-4)
    # the "passage: " prefix, <s>, </s> and the final full stop are not among a text's tokens
    from pipeline.alignment import _load
    tokenizer, _ = _load(alignment.TokenEncoder().path)
    pieces = tokenizer.convert_ids_to_tokens(tokens[8][2].ids.tolist())
    assert "▁passage" not in pieces and "<s>" not in pieces and "." not in pieces and "</s>" not in pieces


def test_a_translation_aligns_better_than_another_tip(tokens):
    for layer in (8, 12):
        t = tokens[layer]
        idf = alignment.idf_weights(t)
        assert alignment.token_f1(t[0], t[1], idf) > alignment.token_f1(t[0], t[2], idf)
        assert alignment.token_f1(t[3], t[1], idf) > alignment.token_f1(t[3], t[2], idf)
        assert alignment.token_f1(t[0], t[0], idf) == pytest.approx(1.0, abs=1e-5)


def test_matrix_agrees_with_pairs(tokens):
    t = tokens[12]
    idf = alignment.idf_weights(t)
    f = alignment.f1_matrix(t, idf)
    for i in range(len(t)):
        for j in range(len(t)):
            assert f[i, j] == pytest.approx(alignment.token_f1(t[i], t[j], idf), abs=1e-5)
    assert 0.0 <= alignment.mutual_share(t[0], t[1], idf) <= 1.0
