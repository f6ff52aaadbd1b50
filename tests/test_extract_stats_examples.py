"""Statistic and cited-example extractors: one test per rule, on sentences written for the tests."""
from __future__ import annotations

import re

import pytest

from pipeline.extract.items import Item
from pipeline.stages.extract import doc_from_text, extract_document


def _items(kind: str, text: str, lang: str) -> list[Item]:
    """The items of one kind the extract stage finds in a snippet (all extractors run, as in the pipeline)."""
    doc = doc_from_text(text, lang)
    items = [it for it in extract_document(doc) if it.kind == kind]
    for it in items:  # offsets point at the item's text in the raw text
        raw = doc.raw_text[it.start_char:it.end_char]
        assert re.sub(r"\s+", "", it.text) in re.sub(r"\s+", "", raw), (it.text, raw)
        assert len(it.text) <= 400
    assert len({it.item_id for it in items}) == len(items)
    return items


def stats(text: str, lang: str) -> list[Item]:
    return _items("statistic", text, lang)


def ents(text: str, lang: str) -> dict[str, Item]:
    return {it.entity: it for it in _items("example", text, lang)}


# --- statistics: units ----------------------------------------------------------------

@pytest.mark.parametrize("lang,text,value,unit,currency", [
    ("id", "Sebanyak 72 persen pembeli membaca ulasan sebelum membeli.", 72, "percent", None),
    ("pl", "Aż 45% sklepów w naszym mieście nie ma strony internetowej.", 45, "percent", None),
    ("pl", "Siedem na dziesięć piekarni przyjmuje płatności kartą.", 70, "percent", None),
    ("nl", "Twee derde van de bakkers gebruikt een kassasysteem in de cloud.", 200 / 3, "percent", None),
    ("id", "Toko itu menghabiskan $ 5.000 untuk iklan radio.", 5000, "currency", "USD"),
    ("nl", "Een kleine webshop besteedt gemiddeld € 300 aan advertenties.", 300, "currency", "EUR"),
    ("nl", "Het bezoek aan de winkel groeide drie keer zo snel als de omzet.", 3, "multiplier", None),
    ("id", "Penjualan daring tumbuh 4x dalam dua tahun terakhir.", 4, "multiplier", None),
    ("id", "Aplikasi itu kini memiliki 50 juta pengguna aktif.", 50e6, "count", None),
    ("pl", "Z bankowości mobilnej korzysta 12 milionów klientów.", 12e6, "count", None),
    ("nl", "Het platform telt 1,2 miljoen zakelijke accounts.", 1.2e6, "count", None),
])
def test_stat_units(lang, text, value, unit, currency):
    items = stats(text, lang)
    assert len(items) == 1
    it = items[0]
    assert it.value == pytest.approx(value) and it.unit == unit and it.currency == currency
    assert it.extractor == f"stat_{unit}" and it.text == text


@pytest.mark.parametrize("lang,text", [
    ("id", "Jika Anda punya 1.000 pengikut dan 10% membagikan konten Anda, itu 100 orang."),  # hypothetical
    ("pl", "Załóżmy, że 50% odwiedzających zapisze się do newslettera."),
    ("nl", "Als je 500 volgers hebt en 10% reageert, zijn dat 50 reacties."),
    ("id", "Berikan diskon 20% kepada pelanggan yang kembali."),                           # an offer
    ("pl", "Publikuj nowe wpisy 3 razy w tygodniu."),                                         # a frequency
    ("nl", "Post twee keer per week op je bedrijfspagina."),
    ("pl", "Pisz posty o długości 150-300 słów i nagrywaj filmy od 30 sekund do 3 minut."),  # ranges
    ("id", "Di toko kami bekerja 8 orang sejak 2015."),                                        # small count, year
    ("pl", "Mam 3 produkty w sklepie i 5 osób w zespole."),                                    # under ten
    ("id", "Tinggal jauh dari influencer dengan 100.000 pengikut yang marah."),                # a count in advice
    ("nl", "In 2014 opende de slager zijn tweede winkel."),
])
def test_not_statistics(lang, text):
    assert stats(text, lang) == []


@pytest.mark.parametrize("lang,text,value", [
    ("pl", "W tym czasie klienci złożyli 866 zamówień.", 866),
    ("pl", "Poszkodowanych było ok. 30 osób, którym zwróciłem pieniądze.", 30),
    ("id", "Bulan lalu toko kami melayani 250 pelanggan baru.", 250),
    ("nl", "In het eerste jaar hadden we 40 klanten.", 40),
])
def test_stat_counts_of_things_a_business_counts(lang, text, value):
    items = stats(text, lang)
    assert [(it.value, it.unit, it.extractor, it.text) for it in items] == [(value, "count", "stat_count", text)]


def test_stat_count_after_its_label_in_a_list():
    items = stats("Łączny wynik to:\n\n- zamówienia: 1379\n- sprzedaż netto: 1200 zł", "pl")
    assert [(it.value, it.unit) for it in items] == [(1379, "count"), (1200, "currency")]


def test_stat_heading_skipped():
    assert stats("## 67% klanten wil snel antwoord\n\nAntwoord dus snel.\n", "nl") == []


def test_stat_one_item_per_quantity():
    text = "Di kota itu 94% remaja memakai ponsel, disusul orang dewasa (87%) dan lansia (63%)."
    items = stats(text, "id")
    assert [it.value for it in items] == [94, 87, 63]
    assert all(it.text == text for it in items)


def test_stat_long_sentence_clipped():
    text = ("Menurut laporan tahunan itu, " + "pemilik toko kecil di banyak kota menghadapi biaya sewa, " * 8
            + "dan 35 persen di antaranya sudah berjualan daring.")
    (it,) = stats(text, "id")
    assert len(it.text) <= 400 and "35 persen" in it.text


# --- statistics: sources ---------------------------------------------------------------

@pytest.mark.parametrize("lang,text,source", [
    ("id", "Menurut pakar ritel Budi Santoso, 40 persen toko kecil belum punya situs web.", "Budi Santoso"),
    ("id", "Survei Belanja Daring 2019 menemukan bahwa 58 persen pembeli memakai ponsel.", "Survei Belanja Daring 2019"),
    ("pl", "Badanie przeprowadzone przez Gemius wykazało, że 27 milionów Polaków robi zakupy w sieci.", "Gemius"),
    ("pl", "Według raportu Deloitte 45% małych firm nie ma strony.", "Deloitte"),
    ("nl", "Volgens onderzoek van Nielsen vertrouwt 92 procent van de consumenten aanbevelingen.", "Nielsen"),
    ("nl", "Uit onderzoek van WinkelData (2016) blijkt dat 61% van de klanten online zoekt.", "WinkelData"),
])
def test_stat_source_same_sentence(lang, text, source):
    (it,) = stats(text, lang)
    assert it.source == source


def test_stat_source_year():
    (it,) = stats("Uit onderzoek van WinkelData (2016) blijkt dat 61% van de klanten online zoekt.", "nl")
    assert it.year == 2016
    (it,) = stats("Survei Belanja Daring 2019 menemukan bahwa 58 persen pembeli memakai ponsel.", "id")
    assert it.year == 2019


def test_stat_source_earlier_sentence_of_paragraph():
    text = ("Niedawne badanie zorganizowane przez Instytut Handlu objęło tysiąc sklepów. Z badania wynika, "
            "że sklepy z mapą dojazdu mają więcej wizyt. Tylko 31 procent sklepów ją ma.\n\n"
            "Drugi akapit: 12% klientów dzwoni przed wizytą.\n")
    items = stats(text, "pl")
    by_value = {it.value: it for it in items}
    assert by_value[31].source == "Instytut Handlu"
    assert by_value[12].source is None      # another paragraph


def test_stat_source_list_intro():
    text = ("Volgens Retail Monitor / Shop Panel, een jaarlijkse meting:\n\n"
            "- 74% van de klanten kijkt eerst naar reviews\n"
            "- 38% van de klanten belt nooit meer na een slechte ervaring\n")
    items = stats(text, "nl")
    assert [it.value for it in items] == [74, 38]
    assert all(it.source == "Retail Monitor / Shop Panel" for it in items)


def test_stat_source_bibliography():
    text = ("In Nederland zit 81% van de ondernemers op LinkedIn.\n\n"
            "Bronnen:\n\nRetailpanel.nl (2015).\n\nNationaal ondernemersonderzoek 2015.\n\n"
            "Blogwereld.nl (2014). Tien tips voor je profiel.\n")
    (it,) = stats(text, "nl")
    assert "Retailpanel.nl" in it.source and "ondernemersonderzoek" in it.source
    assert it.year == 2015


def test_stat_no_source():
    (it,) = stats("Pada Maret, 66 persen orang dewasa memakai layanan pesan antar.", "id")
    assert it.source is None


# --- examples ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,text,entity,rule,role", [
    ("pl", "Anna Nowak pisze: „Odpowiadaj klientom w ciągu godziny”.", "Anna Nowak", "example_report", "quote"),
    ("nl", "Een snelle reactie is alles, zegt Pieter Jansen in zijn blog.", "Pieter Jansen", "example_report", "quote"),
    ("id", "Menurut Rina Wulandari, pelanggan ingin dijawab dengan cepat.", "Rina Wulandari", "example_report",
     "quote"),
    ("id", "Konsultan ritel Dr. Hendra Gunawan percaya toko kecil bisa bersaing.", "Hendra Gunawan",
     "example_title", "quote"),
    ("pl", "Marek Zieliński, wiceprezes sieci piekarni, od lat stawia na recenzje.", "Marek Zieliński",
     "example_title", "quote"),
    ("pl", "Kwiatex, lider rynku hurtowni kwiatów, zaleca regularne wpisy.", "Kwiatex", "example_report", "quote"),
    ("nl", "Uit een enquête van Winkelpanel blijkt dat klanten reviews lezen.", "Winkelpanel", "example_source",
     "source"),
    ("id", "Misalnya, Kopi Kenangan memakai aplikasi sendiri untuk pesanan.", "Kopi Kenangan", "example_cue",
     "example"),
    ("pl", "Na przykład Allegro wysyła klientom przypomnienia o koszyku.", "Allegro", "example_cue", "example"),
    ("nl", "Kijk bijvoorbeeld naar Coolblue, dat bekend is om zijn klantenservice.", "Coolblue", "example_cue",
     "example"),
    ("id", "Penerbangan pagi dibatalkan oleh maskapai Garuda tanpa pemberitahuan.", "Garuda", "example_org",
     "example"),
    ("nl", "De cijfers komen van het Retail Research Institute in Utrecht.", "Retail Research Institute",
     "example_org", "example"),
    ("id", "Toko itu memakai ShopBoard untuk mengelola stok.", "ShopBoard", "example_brand", "example"),
])
def test_example_rules(lang, text, entity, rule, role):
    found = ents(text, lang)
    assert entity in found, found
    assert found[entity].extractor == rule and found[entity].role == role
    assert found[entity].text == text


def test_example_list_after_such_as():
    found = ents("Pakai alat seperti Instagram Insights, Tokoku, Kasirku atau Stokbox untuk mengukur hasil.", "id")
    assert set(found) == {"Tokoku", "Kasirku", "Stokbox"}


def test_example_question_cue_before():
    found = ents("Contoh terbaik dari ini? Sepatu Nusantara. Mereka mengirim kartu ucapan.", "id")
    assert list(found) == ["Sepatu Nusantara"]


def test_example_acronym_definition():
    found = ents("Kilka lat temu Krajowa Izba Handlu (KIH) wydała poradnik dla sklepów. Poradnik KIH jest darmowy.",
                 "pl")
    assert list(found) == ["Krajowa Izba Handlu (KIH)"]
    assert found["Krajowa Izba Handlu (KIH)"].entity_type == "organisation"


def test_example_repeated_and_coordinated():
    text = ("De campagne van Bakkerij Vos liep goed. Later kopieerde ook de buurman van Bakkerij Vos het idee. "
            "Klanten kochten broden van Bakkerij Vos, Molenaar en Korenbloem.")
    found = ents(text, "nl")
    assert found["Bakkerij Vos"].extractor == "example_repeated"
    assert found["Molenaar"].extractor == "example_coordinated"
    assert found["Korenbloem"].extractor == "example_coordinated"


def test_example_one_item_per_entity_and_grouping():
    text = ("Psikolog Dr. Rachmi Lestari mengatakan bahwa pelanggan butuh perhatian. "
            "Jika Dr. Lestari benar, toko harus cepat menjawab. Lestari juga menulis buku.")
    found = ents(text, "id")
    assert list(found) == ["Rachmi Lestari"]


def test_example_polish_inflected_names_grouped():
    text = ("W artykule Tomasza Wiśniewskiego o studiach przypadków sklepów widać, co działa. "
            "Tomasz Wiśniewski pisze, że liczy się szybkość.")
    found = ents(text, "pl")
    assert len(found) == 1


@pytest.mark.parametrize("lang,text", [
    ("id", "Buat halaman Facebook dan akun Twitter untuk toko Anda. Misalnya, unggah foto di Instagram."),
    ("pl", "Na przykład na Twitterze i Facebooku klienci pytają o godziny otwarcia."),
    ("nl", "Plaats bijvoorbeeld je aanbiedingen op je Facebook-pagina en LinkedIn."),
    ("id", "Banyak orang mengatakan bahwa media sosial itu gratis. Pelanggan TIDAK suka menunggu."),
    ("pl", "Klienci mówią, że chcą szybkich odpowiedzi. Twoja Firma musi odpowiadać szybko."),
    ("nl", "Experts zeggen dat video belangrijk is. Mensen zeggen vaak dat het werkt."),
    ("id", "Pemasaran Digital Sangat Penting\n\nStrategi yang baik dimulai dari pelanggan.\n"),   # heading
    ("id", "Usaha kecil di Indonesia tumbuh. Banyak toko di Indonesia sudah berjualan daring."),  # a place
    ("nl", "Eerst de ene bakker. Daarna de andere winkel. Zo gaat het."),
])
def test_not_examples(lang, text):
    assert ents(text, lang) == {}


def test_example_sentence_initial_needs_evidence():
    assert "Kamera" not in ents("Kamera bagus penting. Kami memakai kamera ponsel.", "id")
    assert "Wakelight" in ents("Wakelight zwraca uwagę na korzyści z segmentacji.", "pl")


# --- the sample corpus: offsets and one item per entity ------------------------------------

def test_corpus_items_point_at_their_text():
    import json
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    gold = json.loads((root / "tests" / "fixtures" / "seeds.json").read_text(encoding="utf-8"))
    n_stats = n_examples = 0
    for name, g in gold.items():
        text = (root / "corpus" / name).read_text(encoding="utf-8")
        st = _items("statistic", text, g["lang"])
        ex = _items("example", text, g["lang"])
        assert all(it.unit in ("percent", "count", "currency", "multiplier") for it in st)
        assert len({it.entity for it in ex}) == len(ex)
        n_stats, n_examples = n_stats + len(st), n_examples + len(ex)
    assert n_stats >= len(gold) and n_examples >= len(gold)     # the checks above ran on real items
