"""Where a statistic's source is named: lower-camel brands, agents after "among others", platforms that
report on themselves, a site's domain, the study a later sentence refers back to, the section a source
opens, and figures set apart on a line of their own. Sentences written for the tests."""
from __future__ import annotations

import pytest

from pipeline.stages.extract import doc_from_text, extract_document


def stats(text: str, lang: str) -> dict[float, object]:
    doc = doc_from_text(text, lang)
    return {it.value: it for it in extract_document(doc) if it.kind == "statistic"}


@pytest.mark.parametrize("lang,text,value,source", [
    ("id", "Menurut data iPrice, toko daring itu dikunjungi rata-rata 12,5 juta orang setiap bulan.", 12.5e6, "iPrice"),
    ("nl", "Een enquête door o.a. Marktmeter.corp laat zien dat 45% van de winkeliers een webshop heeft.", 45,
     "Marktmeter.corp"),
    ("pl", "Badanie przeprowadzone przez m.in. Gemius pokazuje, że 64% klientów czyta opinie.", 64, "Gemius"),
    ("nl", "Er zijn volgens Google zelf zo'n 300 signalen die de volgorde bepalen.", 300, "Google"),
    ("nl", "Uit een onderzoek onder kappers, zie kapperscijfers.nl, blijkt dat 38% online afspraken maakt.", 38,
     "kapperscijfers.nl"),
])
def test_source_named_in_the_sentence(lang, text, value, source):
    assert stats(text, lang)[value].source == source


def test_platform_without_a_source_cue_is_no_source():
    found = stats("Op Facebook reageert 30% van de klanten binnen een uur.", "nl")
    assert found[30].source is None


def test_source_carries_over_its_section_and_stops_at_the_next():
    text = ("## Pasar kopi\n\n"
            "Menurut laporan Kopimetri, penjualan kopi susu naik 14% tahun lalu.\n\n"
            "Penjualan kopi hitam juga tumbuh sebesar 6% pada periode yang sama.\n\n"
            "## Tips lain\n\n"
            "Sekitar 20% pemilik kedai belum memakai aplikasi kasir.\n")
    found = stats(text, "id")
    assert found[14].source == "Kopimetri" and found[6].source == "Kopimetri"
    assert found[20].source is None


def test_a_later_sentence_refers_back_to_the_named_study():
    text = ("W badaniu firmy Retailmetr zapytano właścicieli sklepów o sprzedaż.\n\n"
            "## Wyniki\n\n"
            "Jak pokazało to badanie, aż 58% sklepów sprzedaje też przez internet.\n")
    assert stats(text, "pl")[58].source == "Retailmetr"


def test_a_figure_on_a_line_of_its_own_is_stated_by_the_next_block():
    text = ("## Marktaandeel\n\n"
            "Een peiling door Bakkersbond onder 400 bakkers gaf de volgende cijfers.\n\n"
            "### 62%\n\n"
            "van de bakkers verkoopt ook via een eigen webshop.\n")
    it = stats(text, "nl")[62]
    assert it.text == "62% van de bakkers verkoopt ook via een eigen webshop."
    assert it.source == "Bakkersbond" and it.unit == "percent"
    doc = doc_from_text(text, "nl")
    assert "62%" in doc.raw_text[it.start_char:it.end_char] and "webshop" in doc.raw_text[it.start_char:it.end_char]
