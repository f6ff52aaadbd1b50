"""The learned sentence classifiers: features, Polish morphology, the stored model, on sentences
written for the tests (the real stored model, no mocks)."""
from __future__ import annotations

import json

import pytest

from pipeline.extract import myths, sentence_model, tips
from pipeline.extract.sentence_model import Candidate, features, reader_imperative, word_tags
from pipeline.stages.extract import doc_from_text, extract_document


def _unit_features(text: str, lang: str, needle: str, title: str | None = None) -> dict[str, float]:
    """The features of the unit of ``text`` that contains ``needle``."""
    doc = doc_from_text(text, lang, title)
    for c in sentence_model.candidates(doc, {}):
        if needle in c.text:
            return features(doc, c)
    raise AssertionError(f"no unit holds {needle!r}")


# --- Polish morphology (Morfeusz 2) ------------------------------------------------------

@pytest.mark.parametrize("word,imperative", [
    ("Zadbaj", True), ("nawiąż", True), ("rozważ", True), ("szukaj", True),
    ("bądź", False),        # also "or": a conjunction reading
    ("spróbujmy", False),   # 1st person plural: the author with the reader, not an order
    ("musisz", False), ("Zazwyczaj", False), ("Sprawdzić", False),
])
def test_polish_reader_imperatives(word, imperative):
    assert reader_imperative(word_tags("pl", word)) is imperative


def test_polish_infinitive_and_second_person_verbs():
    f = _unit_features("Co zrobić przed wdrożeniem:\n\n1. Sprawdzić, czy jest internet.\n", "pl", "Sprawdzić")
    assert f["infinitive_start"] == 1.0
    f = _unit_features("Jeśli masz sklep, musisz odpowiadać szybko na pytania klientów.\n", "pl", "musisz")
    assert f["second_person"] == 1.0
    f = _unit_features("Z myślą o promocji wpisu nawiąż współpracę z blogerem.\n", "pl", "nawiąż")
    assert f["imperative_anywhere"] == 1.0 and f["starts_imperative"] == 0.0


def test_polish_tags_after_faiss_is_loaded():
    """Two SWIG modules in one process (the store's vector index and Morfeusz) share SWIG's iterator
    type; the tags are read by index so the order of imports cannot crash extraction."""
    import faiss
    import numpy as np

    index = faiss.IndexFlatIP(4)
    index.add(np.ones((3, 4), dtype="float32"))
    assert index.ntotal == 3
    for word in ("Zadbaj", "przedstaw", "bądź", "Sprawdzić"):
        assert word_tags.__wrapped__("pl", word)
    assert reader_imperative(word_tags.__wrapped__("pl", "Zadbaj"))


def test_other_languages_have_no_tags():
    assert word_tags("id", "Pastikan") == frozenset() and word_tags("nl", "Zorg") == frozenset()


# --- language-neutral features ---------------------------------------------------------

@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Banyak orang bilang bahwa toko kecil tidak butuh situs web. Padahal hal itu tidak benar. "
           "Pembeli mencari jam buka di ponsel.\n", "toko kecil"),
    ("pl", "Wiele osób uważa, że mała firma nie potrzebuje strony. To nieprawda. Klienci szukają godzin "
           "otwarcia w telefonie.\n", "mała firma"),
    ("nl", "Veel mensen denken dat een kleine winkel geen website nodig heeft. Dat klopt niet. Klanten zoeken "
           "openingstijden op hun telefoon.\n", "kleine winkel"),
])
def test_a_popular_belief_then_its_rebuttal_reads_the_same_in_every_language(lang, text, claim):
    f = _unit_features(text, lang, claim)
    assert f["popular_cue"] == 1.0 and f["rebuttal_next"] == 1.0 and f["popular_then_rebuttal"] == 1.0
    rebuttal = _unit_features(text, lang, "Padahal" if lang == "id" else "nieprawda" if lang == "pl" else "klopt")
    assert rebuttal["rebuttal_first"] == 1.0 and rebuttal["popular_cue"] == 0.0


@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Iklan di media sosial hanya cocok untuk merek besar. Namun toko kecil juga bisa memakainya dengan "
           "anggaran sepuluh ribu rupiah sehari.\n", "merek besar"),
    ("pl", "Reklama w internecie jest tylko dla dużych marek. Jednak mały sklep też może z niej korzystać przy "
           "budżecie dziesięciu złotych dziennie.\n", "dużych marek"),
    ("nl", "Adverteren op sociale media is alleen iets voor grote merken. Maar ook een kleine winkel kan het doen "
           "met een budget van een tientje per dag.\n", "grote merken"),
])
def test_a_claim_the_next_sentence_turns_against_reads_the_same_in_every_language(lang, text, claim):
    """The discourse of a rebuttal: an absolute claim, then a sentence opening with a contrast marker."""
    f = _unit_features(text, lang, claim)
    assert f["absolute_cue"] == 1.0 and f["contrast_follows"] == 1.0 and f["claim_then_turn"] == 1.0
    assert f["rebuttal_follows"] == 0.0
    answer = _unit_features(text, lang, "sehari" if lang == "id" else "dziennie" if lang == "pl" else "per dag")
    assert answer["contrast_follows"] == 0.0 and answer["claim_then_turn"] == 0.0


@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Banyak orang membuat akun di semua platform sekaligus. Menurut saya itu tidak benar, karena "
           "waktu mereka terbatas.\n", "semua platform"),
    ("pl", "Wiele osób zakłada konta na wszystkich platformach naraz. Moim zdaniem to błąd, bo ich czas jest "
           "ograniczony.\n", "wszystkich platformach"),
    ("nl", "Veel mensen maken tegelijk een account aan op alle platforms. Volgens mij is dat onjuist, want hun "
           "tijd is beperkt.\n", "alle platforms"),
])
def test_a_claim_rejected_later_in_the_next_sentence(lang, text, claim):
    """The rejection need not open the next sentence ("Menurut saya itu tidak benar")."""
    f = _unit_features(text, lang, claim)
    assert f["rebuttal_follows"] == 1.0 and f["claim_then_turn"] == 1.0


@pytest.mark.parametrize("lang,text,claim,opener", [
    ("id", "Punya toko online bukan berarti pembeli datang dengan sendirinya. Kamu tetap perlu promosi.\n",
     "toko online", "Bukan berarti semua toko perlu situs web. Banyak yang cukup dengan media sosial.\n"),
    ("pl", "Założenie sklepu internetowego wcale nie oznacza, że klienci przyjdą sami. Trzeba go promować.\n",
     "sklepu internetowego", "Wcale nie każdy sklep potrzebuje strony. Wielu wystarczą media społecznościowe.\n"),
    ("nl", "Een webwinkel openen betekent helemaal niet dat klanten vanzelf komen. Je moet hem promoten.\n",
     "webwinkel", "Helemaal niet elke winkel heeft een website nodig. Veel winkels redden het met sociale media.\n"),
])
def test_a_claim_rejected_in_one_breath(lang, text, claim, opener):
    """Rhetorical negation: the belief and its rejection in one sentence ("X bukan berarti Y"); a rejection
    opening the sentence is an answer's shape instead (``rebuttal_first``)."""
    f = _unit_features(text, lang, claim)
    assert f["rebuttal_inside"] == 1.0 and f["rebuttal_first"] == 0.0
    g = _unit_features(opener, lang, opener.split()[2])
    assert g["rebuttal_first"] == 1.0 and g["rebuttal_inside"] == 0.0


@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Banyak orang bilang iklan selalu mahal. Saya tidak setuju dengan pendapat itu.\n", "iklan selalu mahal"),
    ("pl", "Wiele osób mówi, że reklama zawsze jest droga. Nie zgadzam się z tym.\n", "reklama zawsze"),
    ("nl", "Veel mensen zeggen dat adverteren altijd duur is. Daar ben ik het niet mee eens.\n", "altijd duur"),
])
def test_disagreement_in_general_words_rejects_the_claim_before_it(lang, text, claim):
    f = _unit_features(text, lang, claim)
    assert f["rebuttal_follows"] == 1.0 and f["claim_then_turn"] == 1.0


def test_a_contrast_two_sentences_on_does_not_follow():
    text = ("Iklan hanya cocok untuk merek besar. Banyak toko kecil ada di pasar. Namun toko kecil juga bisa "
            "memakainya.\n")
    f = _unit_features(text, "id", "merek besar")
    assert f["contrast_follows"] == 0.0 and f["claim_then_turn"] == 0.0


@pytest.mark.parametrize("lang,text,needle", [
    ("id", "Kamu harus membalas ulasan pelanggan dalam satu hari.\n", "membalas"),
    ("pl", "Powinieneś odpowiadać na opinie klientów w ciągu jednego dnia, bo twoi klienci czekają.\n", "opinie"),
    ("nl", "Je moet binnen een dag op de reviews van je klanten reageren.\n", "reviews"),
])
def test_advice_to_the_reader(lang, text, needle):
    f = _unit_features(text, lang, needle)
    assert f["second_person"] == 1.0 and f["modal"] == 1.0 and f["reader_modal"] == 1.0
    assert f["first_person"] == 0.0


@pytest.mark.parametrize("lang,text,needle", [
    ("id", "Kemarin saya membuka toko baru di pasar.\n", "toko"),
    ("pl", "Wczoraj otworzyłem mój nowy sklep na rynku.\n", "sklep"),
    ("nl", "Gisteren opende ik mijn nieuwe winkel op de markt.\n", "winkel"),
])
def test_the_author_speaking_is_first_person(lang, text, needle):
    f = _unit_features(text, lang, needle)
    assert f["first_person"] == 1.0 and f["doc_first_person"] == 1.0


def test_heading_and_list_context():
    text = ("## Tips untuk toko kecil\n\nBerikut beberapa tips:\n\n- Balas ulasan dengan cepat\n"
            "- Foto produk dengan cahaya alami\n")
    f = _unit_features(text, "id", "Foto produk")
    assert f["list_item"] == 1.0 and f["ctx_tip_intro"] == 1.0 and f["ctx_colon"] == 1.0
    f = _unit_features("Mit: Reklama jest droga\n\nTo nieprawda.\n", "pl", "Reklama")
    assert f["myth_label"] == 1.0


# --- the stored model ---------------------------------------------------------------------

def test_the_stored_model_is_plain_json_over_features_the_code_computes():
    data = json.loads(sentence_model.MODEL_PATH.read_text(encoding="utf-8"))
    rules = {r.__name__ for r in tips.RULES + myths.RULES}
    doc = doc_from_text("Jangan lupa membalas ulasan.\n", "id")
    computed = set(features(doc, sentence_model.candidates(doc, {})[0]))
    for kind in ("tip", "myth"):
        m = data["models"][kind]
        assert len(m["features"]) == len(m["weights"]) and 0.0 < m["threshold"] < 1.0
        for name in m["features"]:
            assert name in computed or name == "rule" or name.removeprefix("rule:") in rules, name
        assert sentence_model.load(kind) is not None


@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Banyak orang bilang bahwa toko kecil tidak butuh situs web. Padahal hal itu tidak benar. "
           "Pembeli mencari jam buka di ponsel sebelum datang.\n", "toko kecil tidak butuh situs web"),
    ("pl", "Wiele osób uważa, że mała firma nie potrzebuje strony internetowej. To nieprawda. Klienci szukają "
           "godzin otwarcia w telefonie.\n", "mała firma nie potrzebuje strony"),
    ("nl", "Veel mensen denken dat een kleine winkel geen website nodig heeft. Dat klopt niet. Klanten zoeken "
           "eerst online naar openingstijden.\n", "kleine winkel geen website"),
])
def test_a_rejected_popular_belief_is_a_myth_without_a_myth_word(lang, text, claim):
    items = [it for it in extract_document(doc_from_text(text, lang)) if it.kind == "myth"]
    assert [it.extractor for it in items if claim in it.text] == ["myth_classifier"]
    assert not any(it.text.startswith(("Padahal", "To nieprawda", "Dat klopt")) for it in items)
    assert items[0].rebuttal


@pytest.mark.parametrize("lang,text", [
    ("id", "Toko kecil di pasar menjual sayur dan buah setiap pagi. Pembeli datang dari desa sekitar.\n"),
    ("pl", "Mały sklep na rynku sprzedaje warzywa i owoce każdego ranka. Klienci przychodzą z okolicznych wsi.\n"),
    ("nl", "De kleine winkel op de markt verkoopt elke ochtend groente en fruit. Klanten komen uit de dorpen.\n"),
])
def test_plain_description_is_neither_myth_nor_tip(lang, text):
    assert [it for it in extract_document(doc_from_text(text, lang)) if it.kind in ("myth", "tip")] == []


def test_without_the_classifier_the_rules_alone():
    text = ("Banyak orang bilang bahwa toko kecil tidak butuh situs web. Padahal hal itu tidak benar. "
            "Pembeli mencari jam buka di ponsel sebelum datang.\n")
    doc = doc_from_text(text, "id")
    assert myths.extract(doc, myths.Settings(classifier=False)) == []
    assert all(it.extractor != "tip_classifier" for it in tips.extract(doc, tips.Settings(classifier=False)))


def test_an_answer_comes_right_after_its_claim():
    """``myths.answers``: the next sentence of the claim's block, or the first of the next block (the
    pipeline and the training tool's leave-one-out count both use it)."""
    assert myths.answers(3, 0, 3, 1) and myths.answers(3, 2, 4, 0) and myths.answers(3, -1, 4, -1)
    assert not myths.answers(3, 0, 3, 2) and not myths.answers(3, 0, 4, 1) and not myths.answers(3, 0, 5, 0)
