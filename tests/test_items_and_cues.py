"""Typed items with a strict table, and the one cue-phrase syntax every extractor matches with."""
from __future__ import annotations

import dataclasses

import pytest

from pipeline import schema
from pipeline.extract.items import KINDS, Example, Statistic, Tip
from pipeline.nlp import CuePhrases, cues, has_cue, is_cue_word, tokenize
from pipeline.stages.extract import doc_from_text, extract_document

COMMON = dict(item_id="x", doc_id="d", lang="nl", text="Zorg voor snelle antwoorden.", start_char=0, end_char=28,
              block_idx=0, extractor="tip_imperative_sentence")


def test_every_kind_gives_exactly_the_items_columns():
    for cls in KINDS:
        values = {f.name: None for f in dataclasses.fields(cls)} | COMMON
        assert set(cls(**values).row()) == set(schema.ITEMS.names), cls
    t = schema.table([Tip(**COMMON, detail=None).row()], schema.ITEMS)
    assert t.num_rows == 1 and t.column("kind").to_pylist() == ["tip"] and t.column("value").to_pylist() == [None]


def test_a_misspelt_field_is_an_error_not_a_lost_column():
    with pytest.raises(TypeError):
        Tip(**COMMON, detial="...")                        # type: ignore[call-arg]
    row = Tip(**COMMON, detail=None).row()
    with pytest.raises(schema.SchemaError, match="unknown detial"):
        schema.table([{**row, "detial": "x"}], schema.ITEMS)
    del row["detail"]
    with pytest.raises(schema.SchemaError, match="missing detail"):
        schema.table([row], schema.ITEMS)


def test_stage_items_are_typed_per_kind():
    doc = doc_from_text("Menurut Rina Wulandari, 72 persen pelanggan ingin dijawab dengan cepat.", "id")
    items = extract_document(doc)
    assert {type(i) for i in items} == {Statistic, Example}
    (stat,) = [i for i in items if isinstance(i, Statistic)]
    assert (stat.value, stat.unit, stat.source, stat.extractor) == (72.0, "percent", "Rina Wulandari", "stat_percent")


@pytest.mark.parametrize("phrase,text,span", [
    ("mitos*", "Lima mitosnya adalah", (1, 2)),               # stem*: starts with
    ("*onderzoek*", "Uit het klantonderzoeken blijkt", (2, 3)),  # *part*: contains
    ("*krotnie", "wzrost dwukrotnie", (1, 2)),                # *end: ends with
    ("salah kaprah", "Ini salah kaprah besar", (1, 3)),        # consecutive words
    ("dr.", "Menurut Dr. Hendra", (1, 3)),                     # tokenised like the text: "dr" "."
    ("m.in", "Marki, m.in. Allegro", (2, 3)),                  # a dotted abbreviation is one token
])
def test_cue_phrase_syntax(phrase, text, span):
    assert span in CuePhrases((phrase,)).spans(tokenize(text))


def test_cue_phrases_do_not_match_across_words_or_inside_them():
    assert CuePhrases(("salah kaprah",)).spans(tokenize("salah, kaprah")) == []
    assert CuePhrases(("mit",)).spans(tokenize("mity i mitologia")) == []


def test_language_fields_are_matched_with_the_same_syntax():
    assert cues("pl", "MYTH_CUES", "Częstym mitem jest to, że ...")
    assert has_cue("nl", "STAT_STUDY_CUES", "Uit het klanttevredenheidsonderzoek blijkt")   # *onderzoek*
    assert is_cue_word("id", "EXAMPLE_TITLES", "Dr") and not is_cue_word("id", "EXAMPLE_TITLES", "Budi")


def test_tokens_keep_names_and_numbers_whole():
    assert [t.text for t in tokenize("Peter-Paul van Bentum, M&Ms i 2.000 zł (np. McDonald's)")] == [
        "Peter-Paul", "van", "Bentum", ",", "M&Ms", "i", "2.000", "zł", "(", "np", ".", "McDonald's", ")"]


@pytest.mark.parametrize("lang", ["id", "pl", "nl"])
def test_lean_pipeline_cuts_the_same_sentences_as_spacy_blank(lang):
    import spacy

    from pipeline.nlp import pipeline

    texts = ["Akhir. abu-abu datang lagi. Tn. Budi datang, dll. Baru kemudian (anak-anak) pulang!",
             "Zob. rozdz. 3. To jest np. test - ok? Tak.", "Zie blz. 4 e.a. Daarna. Halo :p Oke. :) Ja."]
    blank = spacy.blank(lang)
    blank.add_pipe("sentencizer")
    for text in texts:
        assert [s.text for s in pipeline(lang)(text).sents] == [s.text for s in blank(text).sents]
