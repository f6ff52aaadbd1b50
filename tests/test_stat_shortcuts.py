"""The statistics extractor's shortcuts (issue 8) give what the plain computation gives: the cheap tests
only skip work that could find nothing. On the sample and development articles; no timings here."""
from __future__ import annotations

import pathlib
import re

import pytest

from pipeline import numbers
from pipeline.extract import names, spans
from pipeline.stages.extract import doc_from_text
from pipeline.stages.langid import detect

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests/fixtures/dev-corpus").glob("*/*.txt"))
ODD = ["Rp50.000 naik67% 12:30 https://x.id/a/b 2015-09-15 a_b <b>3</b> plik.pdf 1/2 ſiedem K", "1.234.567 i 3.5.1",
       "VIJFENTWINTIG procent, Twee Derde, een op de drie", "dwa razy, 2x, 3 x 4, 1080x720", "ENAM PULUH persen"]


@pytest.fixture(scope="module")
def sentences() -> list[tuple[str, str, frozenset[str]]]:
    out = []
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        doc = doc_from_text(text, path.parent.name if path.parent.name in ("id", "pl", "nl") else detect(text)[0])
        vocab = names.lower_vocab(doc)
        out += [(doc.lang, s.text, vocab) for b in doc.blocks for s in spans.sentences(b)]
    return out


def test_a_sentence_that_may_not_cite_cites_no_run(sentences):
    skipped = 0
    for lang, text, vocab in sentences:
        if not names.may_cite(lang, text):
            skipped += 1
            assert not [r.text for r in names.runs(lang, text, vocab, True) if names.cited(names.Mention(lang, text, r))]
    assert skipped > len(sentences) / 2     # the test spares most sentences


def test_number_re_lookahead_skips_no_match(sentences):
    """The lookahead before ``number_re`` only skips positions where no number starts."""
    texts = [(lang, text) for lang, text, _ in sentences] + [(lang, t) for t in ODD for lang in ("id", "pl", "nl")]
    for lang in ("id", "pl", "nl"):
        fast = numbers._grammar(lang).number_re
        head, sep, rest = fast.pattern.partition(")(?:(?P<mw>")
        assert head.startswith("(?=") and sep, "number_re starts with its lookahead"
        plain = re.compile("(?P<mw>" + rest[:-1], fast.flags)
        for text in (t for lg, t in texts if lg == lang):
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_code_hint_is_in_every_code_span(sentences):
    for text in [t for _, t, _ in sentences] + ODD:
        for m in numbers._CODE_RE.finditer(text):
            assert numbers._CODE_HINT_RE.search(m.group()), m.group()


def test_trie_matches_exactly_its_words():
    words = ["de", "derde", "dertig", "een", "en", "mln.", "x"]
    pattern = re.compile(numbers._trie(words))
    assert all(pattern.fullmatch(w) for w in words)
    assert not any(pattern.fullmatch(w) for w in ["d", "der", "dertien", "ee", "mln", "", "xx"])


def test_a_one_word_run_is_cleaned_as_any_run(sentences):
    """``_one_word_run`` (remembered per word) gives what trimming and splitting the run token by token gives."""
    from pipeline.nlp import tokenize

    seen = 0
    for lang, text, vocab in sentences:
        toks = tokenize(text)
        for i, t in enumerate(toks):
            if t.is_word:
                for v in (vocab, frozenset()):
                    fast, slow = names._one_word_run(lang, text, toks, i, v), names._clean_words(lang, text, toks, i, i + 1, v)
                    assert [vars(r) for r in fast] == [vars(r) for r in slow], (text, t.text)
                seen += 1
    assert seen > 10_000
