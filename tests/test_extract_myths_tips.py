"""Myth and tip extractors: one test per rule and language, on sentences written for the tests."""
from __future__ import annotations

import re

import pytest

from pipeline.extract.items import Item
from pipeline.stages.extract import doc_from_text, extract_document


def _items(kind: str, text: str, lang: str, title: str | None = None) -> list[Item]:
    """The items of one kind the extract stage finds in a snippet (all extractors run, as in the pipeline)."""
    doc = doc_from_text(text, lang, title)
    items = [it for it in extract_document(doc) if it.kind == kind]
    for it in items:  # offsets point at the item's text in the raw text
        raw = doc.raw_text[it.start_char:it.end_char]
        assert re.sub(r"\s+", "", it.text) in re.sub(r"\s+", "", raw), (it.text, raw)
        assert len(it.text) <= 400
    return items


def _texts(items, rule: str | None = None) -> list[str]:
    return [it.text for it in items if rule is None or it.extractor == rule]


# --- myths ---------------------------------------------------------------------

@pytest.mark.parametrize("lang,text,claim", [
    ("id", "Mitos 1: Toko Kecil Tidak Butuh Situs Web\n\nPembeli mencari jam buka di ponsel sebelum datang. "
           "Tanpa situs, mereka pergi ke pesaing.\n\nMitos 2: Iklan Selalu Mahal\n\nIklan lokal bisa dimulai "
           "dengan anggaran kecil.\n", "Toko Kecil Tidak Butuh Situs Web"),
    ("pl", "Mit 1: Klienci nie czytają opisów\n\nCzytają, jeśli opis odpowiada na ich pytania. Krótki opis "
           "sprzedaje lepiej niż brak opisu.\n\nMit 2: Newsletter to spam\n\nNie, jeśli ktoś się zapisał.\n",
     "Klienci nie czytają opisów"),
    ("nl", "Mythe 1: Een bakker heeft geen website nodig\n\nKlanten zoeken eerst online naar openingstijden. "
           "Zonder site kiezen ze een ander.\n\nMythe 2: Adverteren is duur\n\nEen lokale advertentie kost "
           "weinig.\n", "Een bakker heeft geen website nodig"),
])
def test_myth_labelled_heading(lang, text, claim):
    items = _items("myth", text, lang)
    assert claim in _texts(items, "myth_labelled_heading")
    first = next(it for it in items if it.text == claim)
    assert first.rebuttal and len(first.rebuttal) <= 401
    assert first.kind == "myth"
    assert not any(claim in t for t in _texts(_items("tip", text, lang)))  # a myth is no tip


@pytest.mark.parametrize("lang,heading,body", [
    ("id", "## Mitos: Toko kecil tidak butuh situs web", "Pembeli mencari jam buka di ponsel sebelum datang."),
    ("pl", "## Mit: Praca zdalna jest tylko dla programistów", "Zdalnie pracują też księgowi i tłumacze."),
    ("nl", "## Mythe: Een bakker heeft geen website nodig", "Klanten zoeken eerst online naar openingstijden."),
])
def test_myth_labelled_markdown_heading_keeps_its_label(lang, heading, body):
    """A label written inside a markdown heading is part of the heading's text, and of the claim."""
    text = f"{heading}\n\n{body}\n"
    assert _texts(_items("myth", text, lang), "myth_labelled_heading") == [heading.removeprefix("## ")]


@pytest.mark.parametrize("lang,text,claim,rebuttal", [
    ("id", "Mitos: Toko online harus buka 24 jam. Pembeli mau menunggu jawaban sampai pagi.\n",
     "Toko online harus buka 24 jam.", "Pembeli mau menunggu jawaban sampai pagi."),
    ("pl", "**Mit:** Reklama w sieci jest droga.\n\nPrawda: kampania lokalna kosztuje niewiele.\n",
     "Reklama w sieci jest droga.", "Prawda: kampania lokalna kosztuje niewiele."),
    ("nl", "- **Mythe:** Video maken is te duur.\n- **Feit:** Een telefoon volstaat.\n",
     "Video maken is te duur.", "Een telefoon volstaat."),
])
def test_myth_labelled_line(lang, text, claim, rebuttal):
    items = _items("myth", text, lang)
    assert _texts(items, "myth_labelled_line") == [claim]
    assert items[0].rebuttal == rebuttal
    assert _items("tip", text, lang) == []   # "harus" in a myth is no tip


def test_myth_listed_heading_after_an_intro_pl():
    text = ("Sprzedaż w sieci otacza wiele legend. Oto najczęstsze mity o sklepach internetowych:\n\n"
            "## Sklep internetowy sprzedaje sam\n\nBez promocji nikt go nie znajdzie. Ruch trzeba zbudować.\n\n"
            "## Darmowa dostawa zawsze się opłaca\n\nCzęsto zjada całą marżę małego sklepu.\n")
    items = _items("myth", text, "pl")
    assert _texts(items, "myth_listed_heading") == ["Sklep internetowy sprzedaje sam",
                                                   "Darmowa dostawa zawsze się opłaca"]
    assert items[0].rebuttal.startswith("Bez promocji")


def test_myth_listed_heading_from_the_title_nl_but_not_the_title_itself():
    title = "3 mythes over e-mailmarketing"
    text = ("## Niemand leest nieuwsbrieven\n\nDe open rate van lokale winkels ligt vaak hoog.\n\n"
            "## E-mail is alleen voor grote bedrijven\n\nEen kapper met honderd klanten heeft er al baat bij.\n")
    items = _items("myth", text, "nl", title)
    assert _texts(items) == ["Niemand leest nieuwsbrieven", "E-mail is alleen voor grote bedrijven"]
    assert title not in _texts(items)


def test_headings_without_a_myth_cue_are_no_myths():
    text = ("## Niemand leest nieuwsbrieven\n\nDe open rate van lokale winkels ligt vaak hoog.\n\n"
            "## E-mail is alleen voor grote bedrijven\n\nEen kapper met honderd klanten heeft er al baat bij.\n")
    assert _items("myth", text, "nl", "Nieuwsbrieven voor winkels") == []


def test_myth_quoted_claims_under_a_misconception_intro_id():
    text = ("Banyak pemilik warung punya beberapa kesalahpahaman tentang media sosial.\n\n"
            "\"Media sosial hanya untuk anak muda.\"\n\n"
            "Pelanggan berusia lima puluh tahun juga membuka Facebook setiap hari.\n\n"
            "\"Saya tidak punya waktu untuk posting.\"\n\n"
            "Satu foto menu harian hanya butuh dua menit.\n")
    items = _items("myth", text, "id")
    assert _texts(items, "myth_quoted_claim") == ["Media sosial hanya untuk anak muda.",
                                                 "Saya tidak punya waktu untuk posting."]
    assert items[1].rebuttal == "Satu foto menu harian hanya butuh dua menit."


def test_myth_quoted_lead_with_a_fear_in_the_title_nl():
    text = ("\"Ik heb geen tijd voor Instagram\" - Een foto van je etalage kost één minuut per dag.\n\n"
            "\"Mijn klanten zitten niet online\" - Vraag het ze eens bij de kassa.\n")
    items = _items("myth", text, "nl", "De angst voor Instagram bij winkeliers")
    assert _texts(items) == ["Ik heb geen tijd voor Instagram", "Mijn klanten zitten niet online"]
    assert items[0].rebuttal.startswith("Een foto van je etalage")


def test_quotes_without_a_myth_context_are_no_myths_pl():
    text = ("Rozmawiałem z właścicielką kwiaciarni.\n\n"
            "„Klienci wracają, kiedy pamiętamy ich imiona.”\n\nTo prosta zasada.\n\n"
            "„Zdjęcia bukietów robimy przy oknie.”\n\nI widać to na Instagramie.\n")
    assert _items("myth", text, "pl") == []


@pytest.mark.parametrize("lang,sentence", [
    ("nl", "Een hardnekkige mythe is dat je elke dag moet posten."),
    ("pl", "Częstym mitem jest to, że reklama w internecie jest droga."),
    ("id", "Mitos yang sering terdengar adalah bahwa toko online harus selalu memberi diskon."),
])
def test_myth_cue_sentence(lang, sentence):
    items = _items("myth", sentence + " Dat klopt niet.", lang)
    assert _texts(items, "myth_cue_sentence") == [sentence]
    assert items[0].rebuttal == "Dat klopt niet."
    assert sentence not in _texts(_items("tip", sentence, lang))


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Kesalahan umum pemilik kafe adalah menganggap bahwa promosi cukup dilakukan sekali."),
    ("pl", "Częstym błędem jest myślenie, że sklep internetowy sam przyciągnie klientów."),
    ("nl", "Een veelgemaakte fout is denken dat een website eenmalig werk is."),
])
def test_myth_belief_sentence(lang, sentence):
    items = _items("myth", sentence, lang)
    assert _texts(items, "myth_belief_sentence") == [sentence]


def test_a_mistake_without_a_belief_is_no_myth_id():
    assert _items("myth", "Kesalahan terbesar adalah tidak membalas ulasan.", "id") == []


# --- tips ----------------------------------------------------------------------

def test_tip_numbered_heading_pl():
    text = ("# 1: Odpowiadaj w ciągu godziny\n\nKlient, który czeka dzień, kupi gdzie indziej.\n\n"
            "# 2: Zdjęcia robione w dzień\n\nŚwiatło dzienne pokazuje prawdziwy kolor tkaniny.\n\n"
            "# 3: Cena na widoku\n\nUkrywanie ceny zniechęca do pytań.\n")
    items = _items("tip", text, "pl", "3 wskazówki dla małych sklepów odzieżowych")
    assert _texts(items, "tip_numbered_heading") == ["Odpowiadaj w ciągu godziny", "Zdjęcia robione w dzień",
                                                     "Cena na widoku"]
    assert items[0].detail.startswith("Klient, który czeka")


def test_numbered_headings_without_advice_or_bodies_are_no_tips_id():
    toc = ("Dalam artikel ini:\n\n1. Apa itu TikTok?\n\n2. Sejarah singkat\n\n3. Siapa penggunanya?\n\n"
           "## Apa itu TikTok?\n\nTikTok adalah aplikasi video pendek.\n")
    assert _texts(_items("tip", toc, "id"), "tip_numbered_heading") == []
    mistakes = ("# 1: Terus memasang iklan yang mengganggu\n\nBanyak pengunjung memakai pemblokir iklan.\n\n"
                "# 2: Mengabaikan email\n\nEmail masih menghasilkan penjualan.\n")
    assert _texts(_items("tip", mistakes, "id", "5 kesalahan pemasaran toko online"),
                  "tip_numbered_heading") == []


def test_numbered_one_line_tips_after_a_table_of_contents_pl():
    text = ("Z artykułu dowiesz się:\n\n1. Czym jest TikTok?\n\n2. Jak promować sklep na TikToku?\n\n"
            "## Czym jest TikTok?\n\nTo aplikacja z krótkimi filmami.\n\n"
            "## Jak promować sklep na TikToku?\n\n"
            "1. Pokaż kulisy pakowania zamówień\n\n2. Nagrywaj krótkie porady o produktach\n\n"
            "3. Odpowiadaj na komentarze filmem\n")
    items = _items("tip", text, "pl", "Jak promować sklep internetowy na TikToku")
    assert _texts(items, "tip_numbered_heading") == ["Pokaż kulisy pakowania zamówień",
                                                     "Nagrywaj krótkie porady o produktach",
                                                     "Odpowiadaj na komentarze filmem"]


def test_numbered_headings_of_myths_are_myths_not_tips_id():
    text = ("Mitos 1: Pelanggan Tidak Membaca Ulasan\n\nDelapan dari sepuluh pembeli membaca ulasan.\n\n"
            "Mitos 2: Harga Murah Selalu Menang\n\nPembeli membayar lebih untuk layanan yang cepat.\n")
    assert _texts(_items("tip", text, "id", "2 Mitos Penjualan Online")) == []


@pytest.mark.parametrize("lang,heading", [
    ("id", "Hindari Diskon yang Berlebihan"),
    ("nl", "Investeer in goede productfoto's"),
    ("pl", "Zadbaj o szybkie ładowanie strony"),
])
def test_tip_imperative_heading(lang, heading):
    text = f"## Pendahuluan singkat\n\nTeks pembuka.\n\n## {heading}\n\nDetail yang mendukung nasihat ini.\n"
    assert _texts(_items("tip", text, lang), "tip_imperative_heading") == [heading]


def test_question_and_label_headings_are_no_tips_nl():
    text = "## Gebruik je al Instagram?\n\nVeel winkels nog niet.\n\n## Zie ook:\n\nOnze andere artikelen.\n"
    assert _items("tip", text, "nl") == []


def test_tip_list_items_under_an_advice_intro_id():
    text = ("Berikut ini beberapa kiat untuk pemilik toko roti:\n\n"
            "• Balas ulasan pelanggan setiap hari.\n"
            "• Foto produk dengan cahaya alami.\n"
            "• Menjadi ramah kepada pelanggan baru. Mereka akan kembali minggu depan.\n")
    items = _items("tip", text, "id")
    assert _texts(items, "tip_list_item") == ["Balas ulasan pelanggan setiap hari.",
                                             "Foto produk dengan cahaya alami.",
                                             "Menjadi ramah kepada pelanggan baru. Mereka akan kembali minggu depan."]
    assert not _texts(items, "tip_imperative_sentence")  # no duplicates of the items


def test_imperative_list_items_without_an_intro_pl():
    text = ("Plan na pierwszy miesiąc\n\n- Ustal cel sprzedaży\n- Przygotuj kalendarz postów\n"
            "- Sprawdzaj wyniki co tydzień\n")
    assert len(_texts(_items("tip", text, "pl"), "tip_list_item")) == 3


def test_list_of_facts_is_no_advice_nl():
    text = ("Klanten gebruiken sociale media om:\n\n- Kortingen te vinden\n- Reviews te lezen\n"
            "- Lees ervaringen van anderen\n")
    assert _items("tip", text, "nl") == []


@pytest.mark.parametrize("lang,sentence", [
    ("nl", "Zorg ervoor dat je openingstijden op Google kloppen."),
    ("nl", "Begin met een korte nieuwsbrief voor vaste klanten."),
    ("nl", "Dus probeer elke week één verhaal te delen."),
    ("pl", "Nie kupuj obserwujących w pakietach."),
    ("pl", "Zawsze odpisuj na opinie klientów."),
    ("id", "Jangan membalas komentar pelanggan dengan marah."),
    ("id", "Alih-alih, fokuslah pada pelanggan di sekitar toko Anda."),
    ("id", "Pastikan nomor WhatsApp toko Anda mudah ditemukan."),
])
def test_tip_imperative_sentence(lang, sentence):
    text = f"Pierwszy akapit bez rady. {sentence} Zdanie na koniec."
    assert _texts(_items("tip", text, lang), "tip_imperative_sentence") == [sentence]


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Jika pelanggan mengeluh di Instagram, balas secara pribadi dalam satu jam."),
    ("pl", "Jeśli sklep ma mało zdjęć, zacznij od zdjęć najlepiej sprzedających się produktów."),
    ("nl", "Als een klant klaagt op Facebook, reageer dan binnen een uur."),
])
def test_tip_conditional_imperative(lang, sentence):
    assert _texts(_items("tip", sentence, lang), "tip_conditional_imperative") == [sentence]


def test_conditional_statement_is_no_tip_nl():
    assert _items("tip", "Als je weinig tijd hebt, maak je minder posts.", "nl") == []


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Pemilik toko harus membalas setiap ulasan dalam sehari."),
    ("id", "Anda perlu memotret produk di tempat yang terang."),
    ("pl", "Musisz znać godziny, w których klienci są online."),
    ("pl", "Należy odpowiadać na pytania jeszcze tego samego dnia."),
    ("pl", "Każdy sklep powinien mieć regulamin zwrotów."),
    ("nl", "Je moet je prijzen duidelijk op de site tonen."),
    ("nl", "Daarom raad ik je aan om eerst één kanaal goed te doen."),
    ("nl", "Het is verstandig om klachten binnen een dag te beantwoorden."),
])
def test_tip_modal_sentence(lang, sentence):
    assert _texts(_items("tip", sentence, lang), "tip_modal_sentence") == [sentence]


@pytest.mark.parametrize("lang,sentence", [
    ("nl", "Moet je elke dag posten?"),                        # a question
    ("nl", "Daarom zet ik de vragen hier op een rij."),       # verb then subject: a statement
    ("nl", "Laat het me weten in de reacties hieronder."),    # a call to the reader, not advice
    ("id", "Beri tahu saya jika Anda pernah mengalaminya."),  # aimed at the author
    ("id", "Anda tidak perlu membeli kamera mahal."),         # negated modal
    ("id", "Itulah sebabnya toko kecil menang di media sosial."),  # "-lah" that is no imperative
    ("id", "Bahkan toko kecil bisa tampil profesional."),     # "-kan" that is no imperative
    ("id", "Ikuti tips berikut:"),                            # announces the tips
    ("pl", "Zostaw komentarz w polu poniżej."),
    ("pl", "Tutaj sklep traci najwięcej klientów."),          # "-aj" that is no imperative
])
def test_no_tip(lang, sentence):
    assert _items("tip", sentence, lang) == []


def test_tip_text_is_one_sentence_with_its_paragraph_as_detail_nl():
    text = ("Begin met je trouwste klanten en vraag wat ze missen. Zij kennen je winkel het best. "
            "Hun antwoorden zijn vaak verrassend.")
    items = _items("tip", text, "nl")
    assert _texts(items) == ["Begin met je trouwste klanten en vraag wat ze missen."]
    assert items[0].detail == "Zij kennen je winkel het best. Hun antwoorden zijn vaak verrassend."
