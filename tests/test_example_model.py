"""The learned rule for cited examples, and the names it sees: sentences written for the tests."""
from __future__ import annotations

from pipeline.extract import example_model, examples, names
from pipeline.extract.example_weights import WEIGHTS
from pipeline.stages.extract import doc_from_text, extract_document


def ents(text: str, lang: str) -> dict[str, object]:
    doc = doc_from_text(text, lang)
    return {it.entity: it for it in extract_document(doc) if it.kind == "example"}


def test_lower_camel_brands_and_domains_are_names():
    found = [r.text for r in names.runs("id", "Menurut data iPrice dan laporan dari marktcijfers.com, eBay tumbuh.")]
    assert found == ["iPrice", "marktcijfers.com", "eBay"]
    assert [r.text for r in names.runs("nl", "Een studie van Content.corp is hier.")] == ["Content.corp"]


def test_platform_runs_are_cut_to_the_platform_and_its_name_words():
    runs = names.runs("id", "Gunakan TikTok Shop untuk jualan. Audiens Instagram Anda masih muda.", with_platforms=True)
    assert [(r.text, r.platform) for r in runs] == [("TikTok Shop", True), ("Instagram", True)]
    runs = names.runs("pl", "Piszemy na Facebooku i Instagramie.", with_platforms=True)
    assert [r.text for r in runs if r.platform] == ["Facebook", "Instagram"]


def test_a_platform_the_article_discusses_is_a_learned_example():
    found = ents("Bisa kita lihat bahwa TikTok berhasil menerapkan strategi pemasaran. "
                 "Saat ini komunitas TikTok sangat besar.", "id")
    assert found["TikTok"].extractor == "example_learned" and found["TikTok"].entity_type == "brand"


def test_a_name_with_a_figure_in_brackets_is_a_learned_example():
    found = ents("De meeste bezoekers herkennen iDeal (85%) en Thuisbezorgd (61%) meteen.", "nl")
    assert found["Thuisbezorgd"].extractor == "example_learned"
    assert found["iDeal"].extractor == "example_brand"


def test_title_cased_common_words_and_possessed_things_are_not_examples():
    assert ents("Komunitas Anda berasal dari Manajer Komunitas Anda. Tugas Manajer Komunitas Anda adalah menjawab.",
                "id") == {}
    assert ents("Sprawdź ich Ściągawkę po więcej porad. Ich Ściągawka jest darmowa.", "pl") == {}


def test_the_learned_rule_can_be_switched_off():
    doc = doc_from_text("Bisa kita lihat bahwa TikTok berhasil. Saat ini komunitas TikTok sangat besar.", "id")
    assert examples.extract(doc, examples.Settings(learned=False)) == []


def test_weights_cover_every_feature_and_probabilities_are_calibrated_numbers():
    doc = doc_from_text("Selanjutnya, Lazada naik ke posisi tiga dengan menggeser Bukalapak.", "id")
    ent = examples.entities(doc)[0]
    feats = example_model.features(ent, doc)
    assert set(feats) == set(WEIGHTS["coef"])
    assert 0.0 < example_model.probability(ent, doc) < 1.0


def test_everyday_words_of_the_language_are_not_names_by_a_rule_or_by_repetition():
    # a sentence-initial word of the language with a verb of saying after it, a title-cased phrase repeated
    assert ents("Największe sklepy mówią, że klienci wracają.", "pl") == {}
    assert ents("Helaas zegt het onderzoek weinig over kleine winkels.", "nl") == {}
    assert ents("Baca Inilah Alasannya di bawah, lalu baca lagi Inilah Alasannya.", "id") == {}
    # everyday words with a cue, an organisation noun: still names; a brand as common in English: judged as before
    assert ents("Misalnya, Kopi Kenangan memakai aplikasi sendiri.", "id")["Kopi Kenangan"].extractor == "example_cue"
    assert "Garuda" in ents("Penerbangan dibatalkan oleh maskapai Garuda tanpa pemberitahuan.", "id")
    assert example_model.everyday("nl", ["Helaas"]) and not example_model.everyday("pl", ["Google"])
    assert not example_model.everyday("id", ["QRIS"])


def test_a_name_the_language_does_not_write_is_rare_to_the_learned_model():
    found = ents("Sklep z kawą prowadzi Mirek Burnejko od lat. Klienci go lubią.", "pl")
    assert found["Mirek Burnejko"].extractor == "example_learned"
    feats = example_model.features(examples.entities(doc_from_text("Ralali menjual bahan bangunan.", "id"))[0],
                                   doc_from_text("Ralali menjual bahan bangunan.", "id"))
    assert feats["rare"] == 1.0 and feats["initial_rare"] == 1.0


def test_the_heads_of_a_list_that_names_things_are_examples():
    text = ("Narzędzia, których używam:\n\n- Zendrix – komunikator dla zespołów.\n- Plonka – aplikacja do zadań.\n"
            "- Kwirto: umawianie spotkań.\n- Ważne – pamiętaj o przerwach.")
    found = ents(text, "pl")
    assert {k: v.extractor for k, v in found.items()} == {
        "Zendrix": "example_listed", "Plonka": "example_listed", "Kwirto": "example_listed"}
    # two such items are no list of names for the rule (the learned model may still judge them); everyday
    # words at the heads never are
    two = ents("Narzędzia:\n\n- Zendrix – komunikator.\n- Plonka – aplikacja.", "pl")
    assert all(v.extractor != "example_listed" for v in two.values())
    assert ents("Zasady:\n\n- Cena – niska.\n- Jakość – wysoka.\n- Obsługa – szybka.", "pl") == {}
