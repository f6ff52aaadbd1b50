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
