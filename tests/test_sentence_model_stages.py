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
