"""What ``sentence_model._reaches`` assumes of the feature groups to bound a unit's score (issue 8: the bound only
skips work), on the sample articles."""
from __future__ import annotations

import pathlib

import pytest

from pipeline.extract import myths, sentence_model
from pipeline.stages.extract import doc_from_text
from pipeline.stages.langid import detect

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpus").glob("*.txt"))[:6]


@pytest.fixture(scope="module")
def docs():
    out = []
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        out.append(doc_from_text(text, detect(text)[0]))
    return out


def test_the_group_features_name_what_the_groups_compute(docs):
    """A model orders the lazy groups by the weights of ``GROUP_FEATURES``: they must be the groups' features."""
    for doc in docs:
        for c in myths.candidates(doc, myths.rule_hits(doc))[:40]:
            for name, feats in sentence_model.GROUP_FEATURES.items():
                assert tuple(sentence_model._group(doc, c, name)) == feats, name


def test_the_conjunctions_are_binary(docs):
    """``Model.bound_of_true`` counts a conjunction's positive weight where it may hold: each is True or False."""
    for doc in docs:
        for c in myths.candidates(doc, myths.rule_hits(doc))[:40]:
            known = {**sentence_model._group(doc, c, "shape"), **sentence_model._group(doc, c, "claims_own")}
            for name in ((), *sentence_model.LAZY_GROUPS):
                known.update(sentence_model._group(doc, c, name) if name else {})
                conj = sentence_model._conjunctions(doc.lang, c.text, known)
                assert tuple(conj) == sentence_model.CONJUNCTIONS
                assert all(isinstance(v, bool) for v in conj.values()), conj


def test_each_model_takes_every_lazy_group():
    for kind in ("myth", "tip"):
        model = sentence_model.load(kind)
        assert model is not None
        last = model.lazy_prefixes[-1]
        assert model.lazy_prefixes[0] == () and len(model.lazy_prefixes) == len(sentence_model.LAZY_GROUPS)
        assert sorted(last + tuple(g for g in sentence_model.LAZY_GROUPS if g not in last)) == sorted(sentence_model.LAZY_GROUPS)
        assert last.index("advice_cues") < last.index("advice") if "advice" in last else True


def test_the_first_stage_is_the_cheap_groups_and_their_conjunctions(docs):
    """``_first``: the values of ``FIRST_FEATURES`` (shape, the document's rates, the unit's own claim cues) and the
    conjunctions ``_conjunctions`` gives of them, every other feature unknown."""
    for doc in docs:
        for c in myths.candidates(doc, myths.rule_hits(doc))[:60]:
            values, conj = sentence_model._first(doc, c)
            known = {**sentence_model._shape(doc, c, c.text)}
            known["doc_first_person"], known["doc_second_person"] = sentence_model._document_rates(doc)
            known.update(sentence_model._claims_own(doc, c.text))
            assert tuple(known) == sentence_model.FIRST_FEATURES and tuple(known.values()) == values
            assert conj == tuple(sentence_model._conjunctions(doc.lang, c.text, known).values())


def test_the_first_bound_is_the_bound_of_the_first_features(docs):
    for kind in ("myth", "tip"):
        model = sentence_model.load(kind)
        for doc in docs:
            for c in myths.candidates(doc, myths.rule_hits(doc))[:60]:
                values, conj = sentence_model._first(doc, c)
                known = dict(zip(sentence_model.FIRST_FEATURES, values))
                want = model.bound_of_true(model.known_part(known),
                                           tuple(k for k, v in zip(sentence_model.CONJUNCTIONS, conj) if v))
                assert abs(model.first_bound(model.first_part(values), conj) - want) < 1e-9
