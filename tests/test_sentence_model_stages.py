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


def test_the_stages_bound_as_the_dictionaries_of_what_is_known(docs):
    """Each stage of a model's bound (tuples in fixed orders) is ``bound_of_true`` of all features known by then."""
    for kind in ("myth", "tip"):
        model = sentence_model.load(kind)
        for doc in docs:
            for c in myths.candidates(doc, myths.rule_hits(doc))[:60]:
                known: dict[str, object] = {}
                part = 0.0
                for groups in model.lazy_prefixes + (model.lazy_prefixes[-1] + tuple(
                        g for g in sentence_model.LAZY_GROUPS if g not in model.lazy_prefixes[-1]),):
                    values, conj = sentence_model._stage(doc, c, c.computed, groups)
                    names = sentence_model.stage_features(groups)
                    assert not known.keys() & set(names)
                    known.update(zip(names, values))
                    group = sentence_model._group(doc, c, groups[-1]) if groups else {}
                    assert all(known[k] == v for k, v in group.items())
                    full = sentence_model._conjunctions(doc.lang, c.text, known)
                    assert conj == tuple(full.values())
                    part += model.known_part_of(groups, values)
                    want = model.bound_of_true(model.known_part(known), tuple(k for k, v in full.items() if v))
                    assert abs(model.bound_of_flags(part, conj) - want) < 1e-9
