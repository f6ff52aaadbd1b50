"""The extract and segment stages' shortcuts give what the plain computation gives (issue 8: the same
outputs with less work), on the sample and development articles. No timings here: ``make bench``."""
from __future__ import annotations

import pathlib

import pytest

from pipeline.extract import myths, names, sentence_model, spans, tips
from pipeline.extract.grammar import imperative_from, starts_imperative
from pipeline.nlp import tokenize
from pipeline.spacy_blank import pipeline as nlp_for, sentence_punct, sentence_punct_chars, sentence_spans
from pipeline.stages.extract import doc_from_text
from pipeline.stages.langid import detect

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests/fixtures/dev-corpus").glob("*/*.txt"))


@pytest.fixture(scope="module")
def docs():
    out = []
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        out.append(doc_from_text(text, path.parent.name if path.parent.name in ("id", "pl", "nl") else detect(text)[0]))
    return out


def test_the_classifiers_keep_what_scoring_every_feature_keeps(docs):
    """The score bound only skips work: each model keeps exactly the units whose full score reaches it."""
    for kind, module in (("myth", myths), ("tip", tips)):
        model = sentence_model.load(kind)
        assert model is not None and model.z_threshold is not None
        for doc in docs:
            cands = (myths.candidates(doc, myths.rule_hits(doc)) if module is myths
                     else tips.candidates(doc, *tips.rule_hits(doc)))
            doc.memo.clear()    # nothing computed yet: the bound decides where it can
            for c in cands:
                c.computed.clear()
            lazy = sentence_model.kept(doc, cands, model)
            full = [c for c in cands if (model.keep_rules and c.rule)
                    or model.probability(sentence_model.features(doc, c)) >= model.threshold]
            assert lazy == full, (kind, doc.doc_id)


def test_the_lazy_feature_groups_are_binary(docs):
    """The bound reads a feature not yet computed as at most 1: every feature outside "shape" is 0 or 1."""
    for doc in docs[:8]:
        for c in myths.candidates(doc, myths.rule_hits(doc))[:60]:
            for name in sentence_model.LAZY_GROUPS:
                assert all(isinstance(v, bool) for v in sentence_model._group(doc, c, name).values()), name


def test_a_clause_is_read_off_the_sentence_tokens(docs):
    for doc in docs:
        for b in doc.blocks:
            for s in spans.sentences(b):
                text = s.text
                for t in tokenize(text)[:-1]:
                    rest = text[t.end:]
                    assert imperative_from(doc.lang, text, t.i + 1) == starts_imperative(doc.lang, rest.lstrip())
                    assert imperative_from(doc.lang, text, t.i + 1) == starts_imperative(doc.lang, rest)


def test_names_runs_are_remembered_but_each_call_gets_its_own(docs):
    doc = docs[0]
    vocab = names.lower_vocab(doc)
    text = spans.sentences(next(b for b in doc.blocks if b.kind == "paragraph"))[0].text
    first, second = names.runs(doc.lang, text, vocab, True), names.runs(doc.lang, text, vocab, True)
    assert first == second and all(a is not b for a, b in zip(first, second))
    plain = list(names._runs.__wrapped__(doc.lang, text, vocab, True))
    assert first == plain


def test_sentence_spans_are_spacy_sents(docs):
    for doc in docs[:10]:
        nlp, punct = nlp_for(doc.lang), sentence_punct(doc.lang)
        for sdoc in nlp.pipe(b.text for b in doc.blocks):
            want = [(s.start_char, s.end_char) for s in sdoc.sents]
            assert sentence_spans(nlp.tokenizer(sdoc.text), punct) == want
            # the shortcut for a text without sentence-final characters (headings, list items) cuts the same
            assert sentence_spans(nlp.tokenizer(sdoc.text), punct, sentence_punct_chars(doc.lang)) == want
