"""spaCy's blank pipelines (pipeline/spacy_blank.py): Dutch's tokenizer adds its abbreviation exceptions when a
text holds them, and tokenises every text as a tokenizer built with all of them does."""
import pathlib
import pickle

import pytest

from pipeline import spacy_blank

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
TRICKY = ["Zie blz. 4 e.a. Daarna (bijv. hier) en Zbijv. niet.", "a.s. maandag t.a.v. de heer, o.a.: ja.",
          "Blz. 5.\nBlz.\tBIJV. Bijv.,", "Het is 3 p.m. en de bv. loopt; bv.bijv. e.o. :) Ja.", "Eind.", "",
          "Prof.dr. A. de Vries, m.b.t. art. 12 lid 3 Wet o.b.v. NEN-EN-ISO 9001."]


def _eager(lang: str, monkeypatch):
    """The pipeline as built with every exception at once (nothing deferred)."""
    monkeypatch.setattr(spacy_blank, "_DEFER_AT", 10**9)
    spacy_blank.pipeline.cache_clear()
    try:
        return spacy_blank.pipeline(lang)
    finally:
        spacy_blank.pipeline.cache_clear()
        monkeypatch.undo()


def _texts() -> list[str]:
    texts = list(TRICKY)
    for path in sorted((FIXTURES / "dev-corpus").rglob("*")) + sorted((FIXTURES / "holdout-corpus").rglob("*")):
        if path.is_file():
            raw = path.read_text(encoding="utf-8", errors="replace")
            texts += [p for p in raw.split("\n\n") if p.strip()] + [raw]
    return texts


def _tokens(doc) -> list[tuple]:
    return [(t.idx, t.text, t.whitespace_, t.is_punct, t.orth) for t in doc]


def test_dutch_abbreviations_wait_until_a_text_holds_them_and_tokens_are_the_same(monkeypatch):
    eager = _eager("nl", monkeypatch)
    spacy_blank.pipeline.cache_clear()
    lazy = spacy_blank.pipeline("nl")
    assert len(lazy.tokenizer.rules) < 500 < len(eager.tokenizer.rules)   # 4,476 wait
    punct_lazy, punct_eager = spacy_blank.sentence_punct("nl"), frozenset(
        eager.vocab.strings.add(c) for c in eager.get_pipe("sentencizer").punct_chars)
    for text in _texts():
        a, b = lazy.tokenizer(text), eager.tokenizer(text)
        assert _tokens(a) == _tokens(b), text[:200]
        assert spacy_blank.sentence_spans(a, punct_lazy) == spacy_blank.sentence_spans(b, punct_eager)
    assert "bijv." in lazy.tokenizer.rules and "blz." in lazy.tokenizer.rules


def test_a_tokenizer_takes_every_exception_after_its_first_texts_or_when_warmed(monkeypatch):
    eager_rules = set(_eager("nl", monkeypatch).tokenizer.rules)
    monkeypatch.setattr(spacy_blank, "_DEFER_TEXTS", 3)
    spacy_blank.pipeline.cache_clear()
    tokenizer = spacy_blank.pipeline("nl").tokenizer
    for text in TRICKY:
        tokenizer(text)
    assert set(tokenizer.rules) == eager_rules and not tokenizer._by_word
    spacy_blank.pipeline.cache_clear()
    spacy_blank.warm("nl")
    assert set(spacy_blank.pipeline("nl").tokenizer.rules) == eager_rules
    spacy_blank.pipeline.cache_clear()


@pytest.mark.parametrize("lang", ["id", "pl"])
def test_languages_with_few_abbreviations_build_them_at_once(lang, monkeypatch):
    spacy_blank.pipeline.cache_clear()
    assert set(spacy_blank.pipeline(lang).tokenizer.rules) == set(_eager(lang, monkeypatch).tokenizer.rules)


def test_a_pickled_tokenizer_is_the_process_pipeline_s():
    tokenizer = spacy_blank.pipeline("nl").tokenizer
    assert pickle.loads(pickle.dumps(tokenizer)) is spacy_blank.pipeline("nl").tokenizer


@pytest.mark.parametrize("lang", ["id", "pl", "nl"])
def test_sentence_spans_are_the_sentencizer_s(lang):
    """The tokens that are a sentence-final character are found from where the text holds one: the same
    sentences as spaCy's sentencizer, and as the reading of every token's arrays."""
    nlp = spacy_blank.pipeline(lang)
    punct, text_punct = spacy_blank.sentence_punct(lang), spacy_blank.sentence_punct_chars(lang)
    texts = _texts() + ["Dr. iur. Budi datang. Lalu?! \"Ya.\" Selesai", "a . b", ". . .", "x.", "?", "a.  b",
                        "Hi!!! (ok.) Then", "e.g. .5 and 3.5.", " a. ", "a.\nb", "ok\u3002 next", "tak\u2026 nie"]
    for text in texts:
        doc = nlp.tokenizer(text)
        want = [(s.start_char, s.end_char) for s in nlp(text).sents] if len(doc) else []
        assert spacy_blank.sentence_spans(doc, punct, text_punct, text) == want, text[:200]
        assert spacy_blank.sentence_spans(doc, punct, text_punct) == want
        if len(doc):
            assert spacy_blank._spans_from_arrays(doc, punct) == want
