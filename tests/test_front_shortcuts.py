"""The ingest, langid and segment shortcuts (issue 8) give what the plain computation gives, on the real
articles (sample, holdout and development corpora) and on hand-made edge cases."""
from __future__ import annotations

import random

import numpy as np

from pipeline.spacy_blank import pipeline as nlp_for, sentence_punct, sentence_punct_chars, sentence_spans
from pipeline.stages import ingest, langid, segment
from pipeline.textmap import line_key, line_spans, view
from tests.conftest import article_texts

EDGES = ["", " ", "\n", "a\n", "a\r\nb\rc\n\n", "a  b", " a b", "a b ", "a\tb\nc", "a\n\nb", "ab\u200bc d",
         "e\u0301t\u00e9 x", "\u212b ok", "x\u00a0y", "Tekst\u2028dalej\x85koniec", "ŁÓDŹ 12,5% — ok_x", "Straße 3",
         "A1 b2\r\nA1 B2", "&eacute;t&#233; x"]


def _texts() -> list[str]:
    return article_texts() + EDGES


def test_a_block_view_is_textmap_view():
    rng = random.Random(8)
    for text in _texts():
        removals = [(s, s + rng.randint(1, 8)) for s in rng.sample(range(len(text) + 1), min(3, len(text) + 1))]
        for _ in range(60):
            start = rng.randint(0, len(text))
            end = min(len(text), start + rng.choice([0, 1, 3, 20, 120, 700]))
            for removed in ([], [(s, e) for s, e in removals if s < end and e > start]):
                got_text, got_view = segment._block_view(text, start, end, removed)
                want = view(text, start, end, removed)
                assert got_text == want.text
                if got_view is None:   # each character at its own offset
                    assert not removed and tuple(want.raw_index) == tuple(range(start, start + len(want.text)))
                else:
                    assert got_view == want


def test_sentences_are_cut_as_with_every_text_tokenised():
    """Texts without a sentence-final character skip spaCy: the same rows as the sentencizer's on every text."""
    for lang in ("id", "pl", "nl"):
        tokenizer, punct = nlp_for(lang).tokenizer, sentence_punct(lang)
        for raw in _texts()[:12] + EDGES:
            blocks = [{"block_idx": i, "start_char": s, "end_char": e} for i, (s, e) in enumerate(line_spans(raw))]
            want = []
            for b in blocks:
                v = view(raw, b["start_char"], b["end_char"])
                for a, z in sentence_spans(tokenizer(v.text), punct):
                    sent = v.text[a:z]
                    if sent.strip():
                        lead = len(sent) - len(sent.lstrip())
                        start, end = v.raw_span(a + lead, a + lead + len(sent.strip()))
                        want.append({"sent_idx": len(want), "block_idx": b["block_idx"], "start_char": start,
                                     "end_char": end, "text": sent.strip()})
            assert segment.sentences_of(raw, blocks, [], lang) == want


def test_sentence_spans_with_and_without_the_text_shortcut():
    for lang in ("id", "pl", "nl"):
        tokenizer, punct, chars = nlp_for(lang).tokenizer, sentence_punct(lang), sentence_punct_chars(lang)
        for text in ["", "a", "Satu. Dua! Tiga?", "Ini (contoh). \"Kutipan.\" Lalu... selesai", "x . . y .",
                     "Zie blz. 4 e.a. Daarna. Halo :p Oke. :) Ja.", "Zob. rozdz. 3. To jest np. test - ok? Tak."]:
            doc = tokenizer(text)
            plain = [(s.start_char, s.end_char) for s in nlp_for(lang)(text).sents]
            assert sentence_spans(doc, punct) == plain
            assert sentence_spans(doc, punct, chars, text) == plain


def test_line_keys_are_the_distinct_keys_of_the_lines():
    for text in _texts():
        want = sorted({k for s, e in line_spans(text) if (k := line_key(text[s:e]))})
        assert ingest.line_keys(text) == want


def test_probabilities_are_py3langids_with_repeated_texts_identified_once():
    texts = [line for text in _texts() for line in text.splitlines() if line.strip()][:400]
    texts = texts + texts[:30]   # a text given twice in one call
    ident = langid._identifier()
    for text, probs in zip(texts, langid._probabilities_of(texts)):
        assert np.array_equal(probs, ident._decide(text)), text[:60]


def test_a_text_said_to_be_one_sentence_is_one_for_the_sentencizer():
    from pipeline.spacy_blank import is_one_sentence

    extra = ["Akhir.", "Akhir!!!", "Akhir.)", "“Kutipan.”", "end.Next", "a.b", "3.5 dan 4.5", "Tn. Budi", "x .)",
             "Halo...", "Dr.med", "bijv.", "e.a. Daarna", "np. test", "Ja?!", "Nee.—", "Nee.-x", "(a.)", "a.\u00a0b"]
    for lang in ("id", "pl", "nl"):
        tokenizer, punct, chars = nlp_for(lang).tokenizer, sentence_punct(lang), sentence_punct_chars(lang)
        texts = [line.strip() for text in _texts() for line in text.splitlines() if line.strip()] + extra
        said = 0
        for text in texts:
            if is_one_sentence(text, chars, lang):
                said += 1
                assert len(sentence_spans(tokenizer(text), punct)) <= 1, text
        assert said > 100


def _document_language_every_paragraph_voting(text: str, settings: langid.Settings = langid.Settings()):
    """document_language as it was: every paragraph with enough letters identified and voting."""
    from collections import Counter

    lines = langid._unmarked_lines(text[: settings.vote_max_chars])
    blocks = [" ".join(g) for g in langid.paragraph_groups(lines)]
    voting = [(b, n) for b in blocks if (n := langid.letters(b)) >= settings.vote_min_letters]
    counted = [(b, n, p) for (b, n), p in zip(voting, langid._probabilities_of([b for b, _ in voting]))]
    if not counted:
        return langid.detect(text, settings)
    votes: Counter[str] = Counter()
    for _, n, p in counted:
        votes[langid._top(p, settings)] += n
    lang = votes.most_common(1)[0][0]
    judged = [(n, langid._lang_probability(p, lang)) for b, n, p in counted if langid._judged(b, settings, n)]
    if not judged:
        return langid.detect(text, settings)
    return lang, sum(n * p for n, p in judged) / sum(n for n, _ in judged)


def test_document_language_identifies_short_paragraphs_only_where_they_can_change_the_vote():
    id_long = ("Pelanggan yang puas akan kembali lagi dan merekomendasikan bisnis Anda kepada teman serta "
               "keluarga mereka, jadi layanan yang baik adalah investasi jangka panjang.")
    en_long = ("Happy customers come back again and recommend your business to their friends and family, "
               "so good service is a long term investment for every shop.")
    en_short = ["Call to action for everyone", "Read the whole story here now", "Good service matters a lot"]
    id_short = ["Baca selengkapnya di sini ya", "Layanan yang baik itu penting"]
    docs = [id_long, "\n\n".join([id_long] + en_short * 3), "\n\n".join([id_long, en_long] + en_short),
            "\n\n".join([en_long, id_long] + id_short), "\n\n".join(en_short + id_short), "\n\n".join([en_long] + en_short * 8)]
    docs += [t[:6000] for t in _texts()]
    for text in docs:
        assert langid.document_language(text) == _document_language_every_paragraph_voting(text), text[:80]


def test_many_texts_are_identified_in_parts_with_the_same_floats(monkeypatch):
    texts = [line for text in _texts() for line in text.splitlines() if line.strip()][:40]
    whole = langid._identified(texts)
    monkeypatch.setattr(langid, "_max_texts", lambda: 7)
    for a, b in zip(whole, langid._identified(texts)):
        assert a.tobytes() == b.tobytes()
