"""The general de-noising layers on snippets written for the purpose, in all three languages.

Headers, code and template wrappers, titles, the markdown parser layer, the furniture
classifier and the clean text of blocks. Every snippet is made up for the test; none is
copied from the development articles.
"""
from __future__ import annotations

import hashlib

import pytest

from pipeline import schema
from pipeline.denoising import furniture, headers, markdown, titles, wrappers
from pipeline.stages.extract import doc_from_text as from_text
from pipeline.stages import denoise, ingest, normalise


def _ingest(name: str, text: str) -> dict:
    data = text.encode("utf-8")
    rows = [{"source_path": name, "data": data, "content_hash": hashlib.sha256(data).hexdigest()}]
    out = ingest.run(schema.table(rows, schema.SOURCES))
    assert out["rejected"].num_rows == 0, out["rejected"].to_pylist()
    return out["documents"].to_pylist()[0]


def _clean(doc: dict, lang: str) -> tuple[str, list[tuple[str, str]], list[dict]]:
    """Clean text, (removed text, rule) pairs and blocks of an ingested document."""
    raw = doc["raw_text"]
    spans, _ = denoise.remove(raw, lang, doc["meta_spans"])
    for s, e, _ in spans:
        assert 0 <= s < e <= len(raw)
    blocks = normalise.blocks_of(raw, [(s, e, raw[s:e]) for s, e, _ in spans])
    return denoise.clean_text(raw, spans), [(raw[s:e], r) for s, e, r in spans], blocks


def _removed_rules(removed: list[tuple[str, str]], needle: str) -> set[str]:
    return {r for t, r in removed if needle in t}


# ------------------------------------------------------------------ metadata headers

def test_yaml_front_matter_that_does_not_parse_is_read_line_by_line():
    text = ("---\ntitle: Praca zdalna: pięć lekcji z pierwszego roku\nauthor: Anna Nowak\n"
            "date: 2021-03-04\ncategories:\n  - Zarządzanie\n---\nTreść artykułu.\n")
    h = headers.find(text)
    assert h.rule == "meta:front_matter" and text[h.start:h.end].startswith("---") and text[h.end:] == "Treść artykułu.\n"
    assert h.fields["title"] == "Praca zdalna: pięć lekcji z pierwszego roku"
    assert h.fields["author"] == "Anna Nowak" and h.fields["category"] == "Zarządzanie"


def test_toml_and_json_front_matter():
    toml = '+++\ntitle = "Zo kies je een webshopplatform"\ndate = 2022-05-01\n+++\nTekst.\n'
    assert headers.find(toml).fields == {"title": "Zo kies je een webshopplatform", "published": "2022-05-01"}
    js = '{\n  "title": "Cara memilih nama toko",\n  "author": "Budi"\n}\nIsi artikel.\n'
    h = headers.find(js)
    assert h.fields["title"] == "Cara memilih nama toko" and js[h.end:] == "Isi artikel.\n"


@pytest.mark.parametrize("text,title", [
    ("post_id: 82\npost_title: Strategi Harga untuk Warung Kopi\npost_date: 2020-01-02 09:00:00\n"
     "comment_status: open\nping_status: closed\n\nIsi artikel dimulai di sini.\n", "Strategi Harga untuk Warung Kopi"),
    ("Title: Waarom een nieuwsbrief werkt\nDate: 2018-07-01\nTags: email, klanten\n\nDe tekst begint hier.\n",
     "Waarom een nieuwsbrief werkt"),
])
def test_bare_key_value_headers_at_the_top(text, title):
    h = headers.find(text)
    assert h is not None and h.rule == "meta:header" and h.fields["title"] == title
    assert text[h.end:].lstrip().startswith(("Isi", "De tekst"))


def test_an_article_opening_with_labelled_lines_is_no_header():
    assert headers.find("Mit: klienci nie czytają opinii\nFakt: czytają je prawie wszyscy\n\nTekst.\n") is None


# ------------------------------------------------------------------ code and template wrappers

PHP_NL = """<?php
// taalbestand van de pagina over webshops
return [
    'page-title' => 'Een webshop starten in vijf stappen',
    'intro' => 'Een eigen webshop begin je niet zomaar. <strong>Kies eerst</strong> een platform dat bij je assortiment past.',
    'step-1' => 'Vergelijk de kosten per bestelling, niet alleen het maandbedrag.',
    'step-2' => 'Reken uit hoeveel bestellingen je per maand nodig hebt om de vaste lasten te dekken, en begin pas daarna met adverteren.',
    'button' => 'Lees meer',
    'image' => '/img/webshop.jpg',
];
"""


def test_php_language_array_keeps_the_text_of_its_strings():
    doc = _ingest("shop.txt", PHP_NL)
    assert doc["title"] == "Een webshop starten in vijf stappen"
    clean, removed, _ = _clean(doc, "nl")
    assert "Een eigen webshop begin je niet zomaar. Kies eerst een platform dat bij je assortiment past." in clean
    assert "Vergelijk de kosten per bestelling, niet alleen het maandbedrag." in clean
    for code in ("<?php", "return [", "'intro' =>", "/img/webshop.jpg", "taalbestand", "];"):
        assert code not in clean
    assert "Een webshop starten in vijf stappen" not in clean          # moved to the title column
    assert _removed_rules(removed, "'intro' =>") == {"wrapper:php"}


JS_ID = """import Gambar from "./gambar/toko.webp"

export default [
    {
        img: Gambar,
        title: 'Tentukan Target Pasar Sebelum Membuka Toko',
        read: 'Baca artikel',
        par: "Banyak pemilik toko menjual ke semua orang.\\n Padahal toko kecil lebih kuat jika fokus.\\n\\nMulai dari satu kelompok pelanggan dan pelajari kebutuhan mereka.",
    },
    {
        img: Gambar,
        title: 'Catat Setiap Transaksi dengan Rapi',
        read: 'Baca artikel',
        par: 'Catatan yang rapi membantu Anda melihat produk mana yang laku. Jangan menunda pencatatan sampai akhir bulan.',
    },
]
"""


def test_js_data_array_is_a_collection_of_articles():
    doc = _ingest("data.txt", JS_ID)
    assert doc["title"] is None                       # several records: no single title
    clean, removed, blocks = _clean(doc, "id")
    for code in ("import", "export default", "img: Gambar", "title:", "par:", "Baca artikel", "\\n"):
        assert code not in clean
    texts = [b["text"] for b in blocks]
    assert "Tentukan Target Pasar Sebelum Membuka Toko" in texts       # record titles are headings of the text
    assert "Banyak pemilik toko menjual ke semua orang." in texts      # "\n" escapes break lines
    assert "Mulai dari satu kelompok pelanggan dan pelajari kebutuhan mereka." in texts
    assert {r for t, r in removed if t == "\\n"} == {"wrapper:escape"}


TS_PL = """// wpis przeniesiony ze starego bloga
export const post = `
# Jak zdobyć klientów z okolicy

Odpowiadaj na każdą opinię w mapach, także na tę negatywną. Krótka, uprzejma odpowiedź pokazuje innym
klientom, że ktoś w firmie naprawdę czyta, co piszą.

// 📊 92% kupujących czyta opinie przed wizytą

Według ankiety przeprowadzonej wśród 300 sklepów aż 71% klientów szuka godzin otwarcia w sieci.
`;
export default post;
"""


def test_template_literal_with_commented_out_lines():
    doc = _ingest("post.txt", TS_PL)
    assert doc["title"] == "Jak zdobyć klientów z okolicy"
    clean, removed, _ = _clean(doc, "pl")
    assert "92%" not in clean and "export" not in clean
    assert "Według ankiety przeprowadzonej wśród 300 sklepów aż 71% klientów szuka godzin otwarcia w sieci." in clean
    assert _removed_rules(removed, "92% kupujących") == {"wrapper:comment"}
    ctx = from_text(clean, "pl")
    assert all("92%" not in s.text for b in ctx.blocks for s in b.sentences)


BLADE_NL = """@extends('layouts.blog')
@section('title', 'Drie manieren om vaste klanten te houden')
@section('content')
<div class="container">
  <h1>Drie manieren om vaste klanten te houden</h1>
  <p>Een vaste klant houden kost minder dan een nieuwe vinden. Stuur na elke bestelling een persoonlijk bedankje.</p>
  <p>Bel klanten die lang niets bestelden eens op en vraag wat er beter kan; de meeste mensen waarderen dat.</p>
  {{ $post->author }} {!! $post->intro !!}
</div>
@endsection
"""


def test_blade_directives_go_and_never_become_the_title():
    doc = _ingest("view.txt", BLADE_NL)
    assert doc["title"] == "Drie manieren om vaste klanten te houden"
    clean, removed, _ = _clean(doc, "nl")
    assert "@" not in clean and "$post" not in clean and "{" not in clean
    assert "Stuur na elke bestelling een persoonlijk bedankje." in clean
    assert _removed_rules(removed, "@extends") == {"wrapper:directive"}


def test_a_blade_view_without_a_title_section_takes_its_h1():
    text = BLADE_NL.replace("@section('title', 'Drie manieren om vaste klanten te houden')\n", "")
    assert _ingest("view.txt", text)["title"] == "Drie manieren om vaste klanten te houden"


def test_nuxt_mdc_components_keep_their_text():
    text = ("---\ntitle: Lokale vindbaarheid\n---\n\n::page-section{class=\"intro\"}\n---\nlayout: wide\n---\n"
            "#title\nWaarom de buurt telt\n#default\nWie dichtbij zoekt, wil meteen een adres en openingstijden zien, "
            "en die gegevens moeten overal hetzelfde zijn.\n::\n\n"
            ":::tip\nVraag tevreden klanten om een review op je bedrijfsprofiel, vlak na hun bezoek.\n:::\n")
    clean, removed, _ = _clean(_ingest("a.md", text), "nl")
    assert clean.splitlines() == ["Waarom de buurt telt",
                                  "Wie dichtbij zoekt, wil meteen een adres en openingstijden zien, "
                                  "en die gegevens moeten overal hetzelfde zijn.",
                                  "Vraag tevreden klanten om een review op je bedrijfsprofiel, vlak na hun bezoek."]
    assert _removed_rules(removed, "::page-section") == {"wrapper:component"}


def test_mdx_import_and_export_lines():
    text = ("import Chart from '../components/Chart'\nexport const meta = {\n  author: 'Ewa',\n}\n\n"
            "Sprzedaż w sieci rośnie co roku. Zacznij od jednego kanału i mierz wyniki co tydzień, "
            "a drugi kanał dodaj dopiero wtedy, gdy pierwszy przynosi stałe zamówienia i wiesz już, "
            "ile kosztuje pozyskanie jednego klienta.\n\n<Chart data={dane} />\n")
    clean, removed, _ = _clean(_ingest("a.md", text), "pl")
    assert clean == ("Sprzedaż w sieci rośnie co roku. Zacznij od jednego kanału i mierz wyniki co tydzień, "
                     "a drugi kanał dodaj dopiero wtedy, gdy pierwszy przynosi stałe zamówienia i wiesz już, "
                     "ile kosztuje pozyskanie jednego klienta.")
    assert _removed_rules(removed, "import Chart") == {"wrapper:code_line"}


@pytest.mark.parametrize("text", [
    "export naar Duitsland groeit elk jaar, zeker voor kleine bakkerijen die 't zelf regelen. " * 3,
    "const-nya tidak jelas, tapi 'kata' orang toko itu ramai. Banyak pelanggan datang setiap hari. " * 3,
])
def test_prose_is_never_read_as_code(text):
    assert wrappers.code_file(text) is None


def test_liquid_includes_and_kramdown_attributes():
    text = ("Baca panduan [memilih domain](https://contoh.id/domain){: target=\"_blank\" rel=\"noopener\"} dulu.\n"
            "{% include iklan_tengah.html %}\nLalu pilih hosting.{:.catatan}\n"
            "Hosting yang murah belum tentu cepat, jadi bandingkan kecepatan server sebelum membayar untuk setahun.\n")
    clean, removed, _ = _clean(_ingest("a.md", "# Domain\n\n" + text), "id")
    assert "Baca panduan memilih domain dulu." in clean and "Lalu pilih hosting." in clean
    assert "{" not in clean and "include" not in clean
    assert _removed_rules(removed, "target=") == {"kramdown_attr"}


# ------------------------------------------------------------------ titles

def test_html_title_prefers_the_one_h1_and_drops_the_site_name():
    page = ("<html><head><title>Hoe je een offerte schrijft - Bureau Noord</title></head><body>"
            "<h1 class='logo'>Bureau Noord</h1><article><h1>Hoe je een offerte schrijft</h1><p>Tekst</p></article></body></html>")
    assert titles.from_html(page) == "Hoe je een offerte schrijft"
    no_h1 = "<html><head><title>Jak pisać oferty | Firma</title></head><body><p>Tekst</p></body></html>"
    assert titles.from_html(no_h1) == "Jak pisać oferty"
    dash = "<html><head><title>Praca zdalna – co działa, a co nie</title></head><body><p>x</p></body></html>"
    assert titles.from_html(dash) == "Praca zdalna – co działa, a co nie"     # no site name to drop


def test_a_page_title_that_names_only_the_site_is_no_title():
    page = "<html><head><title>Kowalski24 | Agencja Marketingowa</title></head><body><p>x</p></body></html>"
    text = "Pięć sposobów na lepszą stronę firmy: szybkość, treść, zdjęcia, opinie klientów i prosty formularz."
    assert titles.from_html(page, text) is None
    page = "<html><head><title>Pięć sposobów na lepszą stronę firmy</title></head><body><p>x</p></body></html>"
    assert titles.from_html(page, text) == "Pięć sposobów na lepszą stronę firmy"


@pytest.mark.parametrize("line,ok", [
    ("# Cara Menentukan Harga Jual", True),
    ("Tien tips voor je nieuwsbrief", True),
    ("Czy warto mieć stronę?", True),
    ("@extends('layouts.app')", False),
    ("import Hashtag from \"./img/hashtag.webp\"", False),
    ("export const post = `", False),
    ("const t = \"nl/artikel\";", False),
    ("![Logo](/img/logo.png)", False),
    ("/images/header.jpg", False),
    ("Ini adalah kalimat biasa yang diakhiri titik.", False),
])
def test_title_lines_are_never_code_or_sentences(line, ok):
    assert titles.is_title_line(line) is ok


def test_markdown_without_a_title_has_none():
    doc = _ingest("a.md", "---\nlayout: post\ntags: [x]\n---\n\nZorg dat je website snel laadt, want bezoekers wachten "
                  "niet graag. Comprimeer je afbeeldingen en kies goede hosting voor je winkel.\n\nMeet daarna elke maand "
                  "hoe snel je pagina's laden, want nieuwe plug-ins maken een site vaak ongemerkt trager.\n")
    assert doc["title"] is None


# ------------------------------------------------------------------ markdown structure

def test_code_fences_setext_headings_and_tables():
    text = ("Rencana Promosi\n===============\n\nSusun rencana promosi untuk tiga bulan ke depan dan catat hasilnya.\n\n"
            "| Bulan | Anggaran |\n|-------|----------|\n| Mei   | 2 juta   |\n\n```js\nconst x = track('klik');\n```\n\n"
            "```\nKutipan pelanggan yang puas dengan layanan kami setiap hari.\n```\n")
    spans = markdown.block_spans(text)
    rules = {text[s:e]: r for s, e, r in spans}
    assert rules["===============".strip()] == "md_setext" and rules["|-------|----------|"] == "md_table"
    assert any(r == "md_code_block" and "track" in text[s:e] for s, e, r in spans)
    ctx = from_text(text, "id")
    kinds = [(b.kind, b.text) for b in ctx.blocks]
    assert ("heading", "Rencana Promosi") in kinds
    assert ("paragraph", "Bulan Anggaran") in kinds and ("paragraph", "Mei 2 juta") in kinds
    assert ("paragraph", "Kutipan pelanggan yang puas dengan layanan kami setiap hari.") in kinds   # prose fence kept
    assert all("track" not in b.text for b in ctx.blocks)


# ------------------------------------------------------------------ page furniture

BODY = {
    "id": ("Pelanggan setia adalah aset terbesar sebuah toko kecil. Mereka kembali lagi dan mengajak teman "
           "mereka untuk mencoba produk Anda.\n\n"
           "Bagikan pengalaman pelanggan di media sosial agar calon pembeli percaya pada toko Anda.\n\n"),
    "pl": ("Stali klienci są największym kapitałem małego sklepu. Wracają i polecają sklep swoim znajomym, "
           "a to kosztuje mniej niż reklama.\n\n"
           "Udostępnij swoje treści w lokalnych grupach, żeby sąsiedzi dowiedzieli się o sklepie.\n\n"),
    "nl": ("Vaste klanten zijn het grootste bezit van een kleine winkel. Ze komen terug en nemen vrienden mee, "
           "en dat kost minder dan adverteren.\n\n"
           "Deel je kennis in lokale groepen, zodat buren weten wat je winkel verkoopt.\n\n"),
}
FURNITURE = {
    "id": ["Bagikan artikel ini:", "Facebook", "Twitter", "Artikel Terkait", "Lima Cara Menata Etalase",
           "Lihat semua artikel", "Artikel ini pertama kali tayang di Kabarusaha.id.",
           "/wp-content/uploads/2021/02/toko-kecil.jpg", "Beranda | Blog | Kontak",
           "NPWP: 01.234.567.8-901.000", "© 2021 Toko Kecil. Semua hak dilindungi."],
    "pl": ["Udostępnij artykuł:", "Facebook", "LinkedIn", "Powiązane posty", "Jak urządzić witrynę sklepu",
           "Zobacz wszystkie wpisy", "Najnowsze wpisy autora Jan Kowalski",
           "Artykuł ukazał się pierwotnie w serwisie Handel24.", "/blog/feed/",
           "Strona główna · O nas · Kontakt", "NIP: 123-456-32-18, REGON: 123456785",
           "Polityka prywatności | Regulamin"],
    "nl": ["Deel dit artikel:", "LinkedIn", "WhatsApp", "Gerelateerde artikelen", "Zo richt je een etalage in",
           "Bekijk alle berichten", "Dit artikel is reeds verschenen op Winkelnieuws.nl.",
           "/uploads/2021/etalage.png", "Home | Over ons | Contact", "KvK 12345678 | BTW NL001234567B01",
           "Privacyverklaring · Cookiebeleid · Algemene voorwaarden"],
}
CALL_TO_ACTION = {"id": "Hubungi kami untuk konsultasi gratis hari ini!",
                  "pl": "Skontaktuj się z nami i umów bezpłatną konsultację!",
                  "nl": "Neem contact op voor een vrijblijvend gesprek!"}


@pytest.mark.parametrize("lang", ["id", "pl", "nl"])
def test_page_furniture_goes_and_the_article_stays(lang):
    text = "Judul\n\n" + BODY[lang] + CALL_TO_ACTION[lang] + "\n\n" + "\n\n".join(FURNITURE[lang]) + "\n"
    spans, _ = denoise.remove(text, lang, [])
    removed = {text[s:e] for s, e, _ in spans}
    for line in FURNITURE[lang] + [CALL_TO_ACTION[lang]]:
        assert line in removed, line
    clean = denoise.clean_text(text, spans)
    for para in BODY[lang].split("\n\n"):
        if para:
            assert para in clean                       # incl. "Bagikan pengalaman ...", "Deel je kennis ..."
    rules = {r for s, e, r in spans}
    assert {"furniture_cue", "furniture_context", "furniture_legal", "furniture_nav", "furniture_path",
            "call_to_action"} <= rules


@pytest.mark.parametrize("lang,text", [
    ("nl", "Hubungi\n\nBel ons gerust: onze klantenservice staat elke werkdag voor u klaar en helpt u graag verder met "
           "uw vraag over bestellingen.\n\nTot slot nog een laatste alinea met tekst over de winkel en de klanten die er komen."),
    ("pl", "Kontakt\n\nKontakt z klientem to podstawa: odpowiadaj szybko, bądź uprzejmy i zawsze dotrzymuj słowa, "
           "nawet jeśli to trudne.\n\nPodsumowując, dobra obsługa klienta to inwestycja, która zwraca się wielokrotnie."),
])
def test_a_heading_that_looks_like_navigation_stays_when_text_follows(lang, text):
    spans, _ = denoise.remove(text, lang, [])
    assert spans == [] or all(r not in ("furniture_nav", "furniture_context") for *_, r in spans)


def test_a_related_posts_section_under_a_heading_goes_whole():
    text = ("Teks utama artikel tentang cara mengatur stok barang di gudang kecil dengan rapi dan teratur.\n\n"
            "## Artikel Terkait\n\n### Cara Menghitung Modal Usaha\n\nPanduan singkat menghitung modal awal bagi "
            "pemilik warung yang baru memulai usaha dari rumah sendiri.\n\n### Tips Memilih Pemasok\n")
    spans, _ = denoise.remove(text, "id", [])
    removed = {text[s:e]: r for s, e, r in spans}
    assert removed.get("### Tips Memilih Pemasok") == "furniture_section"
    assert any("Panduan singkat" in t for t in removed)
    assert "Teks utama" in denoise.clean_text(text, spans)


def test_html_elements_of_furniture_go_with_their_content():
    text = ("<p>Gebruik korte zinnen in je nieuwsbrief en één duidelijke knop.</p>\n"
            "<section class=\"newsletter-signup\">\n  <h3>Blijf op de hoogte</h3>\n  <p>Vul je e-mailadres in.</p>\n"
            "  <div><input></div>\n</section>\n<aside id=\"author-box\"><p>Piet schrijft over e-mail.</p></aside>\n")
    spans = furniture.html_elements(text)
    assert [text[s:e].split(">")[0] for s, e, _ in spans] == ['<section class="newsletter-signup"',
                                                               '<aside id="author-box"']
    clean = denoise.clean_text(text, denoise.remove(text, "nl", [])[0])
    assert clean == "Gebruik korte zinnen in je nieuwsbrief en één duidelijke knop."


# ------------------------------------------------------------------ clean text of blocks and items

@pytest.mark.parametrize("lang,text,want", [
    ("nl", "Wist u dat meer dan [67 procent](http://www.voorbeeld.nl/onderzoek_(2019)) van de klanten online zoekt?",
     "Wist u dat meer dan 67 procent van de klanten online zoekt?"),
    ("nl", "Dat levert &eacute;&eacute;n idee&euml;n op &amp; meer &#8220;klanten&#8221;.",
     "Dat levert één ideeën op & meer “klanten”."),
    ("pl", "Zobacz [raport][1] oraz <https://przyklad.pl/raport> i **pogrubienie** *kursywę* `kod`.\n\n"
           "[1]: https://przyklad.pl/raport \"Raport\"",
     "Zobacz raport oraz i pogrubienie kursywę kod."),
    ("id", "Dikutip dari survei (https://contoh.id/survei_2020/hasil) bahwa 40% pembeli membandingkan harga.",
     "Dikutip dari survei bahwa 40% pembeli membandingkan harga."),
])
def test_block_text_is_plain_text(lang, text, want):
    ctx = from_text("Judul\n\n" + text + "\n", lang)
    assert [b.text for b in ctx.blocks if b.kind != "heading"] == [want]
    for b in ctx.blocks:
        for s in b.sentences:
            assert s.start_char < s.end_char   # offsets still point into the raw text


def test_every_removal_is_an_exact_raw_span_on_a_mixed_document():
    doc = _ingest("mix.txt", JS_ID)
    raw = doc["raw_text"]
    spans, _ = denoise.remove(raw, "id", doc["meta_spans"])
    for (s1, e1, _), (s2, e2, _) in zip(spans, spans[1:]):
        assert e1 <= s2                     # sorted and not overlapping
    assert all(raw[s:e] for s, e, _ in spans)


def test_an_inline_read_also_line_takes_no_content_with_it():
    text = ("Logo yang sederhana lebih mudah diingat oleh pelanggan daripada logo yang penuh detail kecil.\n\n"
            "Baca juga: Cara Memilih Warna Merek\n\nBerikut langkahnya:\n\n1. Buka aplikasi desain\n\n"
            "2. Pilih huruf yang tebal\n\nSetelah itu simpan logo dalam format PNG agar bisa dipakai di semua tempat.\n")
    spans, _ = denoise.remove(text, "id", [])
    assert [text[s:e] for s, e, _ in spans] == ["Baca juga: Cara Memilih Warna Merek"]


@pytest.mark.parametrize("lang,lines,label", [
    ("nl", ["Tien snelle tips", "Reageer binnen een uur", "Noem de klant bij naam", "Bied een oplossing aan",
            "Vraag om feedback", "Bedank voor het geduld"], "Deel dit artikel:"),
    ("pl", ["Szybkie wskazówki", "Odpowiadaj w ciągu godziny", "Zwracaj się po imieniu", "Proponuj rozwiązanie",
            "Proś o opinię", "Dziękuj za cierpliwość"], "Udostępnij artykuł:"),
])
def test_a_text_of_short_lines_survives_a_furniture_line_after_it(lang, lines, label):
    text = "\n\n".join(lines) + "\n\n" + label + "\n\nFacebook\n"
    spans, _ = denoise.remove(text, lang, [])
    clean = denoise.clean_text(text, spans)
    assert all(line in clean for line in lines)
    assert label not in clean and "Facebook" not in clean


def test_a_closing_paragraph_with_a_call_to_action_inside_stays():
    text = ("Pelanggan yang puas akan kembali lagi dan mengajak teman mereka untuk berbelanja di toko Anda.\n\n"
            "Kesimpulannya, harga yang tepat menentukan keuntungan toko kecil dalam jangka panjang, jadi hitung "
            "biaya Anda dengan teliti setiap bulan dan bandingkan dengan harga pesaing; jika butuh bantuan, "
            "hubungi kami.\n")
    spans, _ = denoise.remove(text, "id", [])
    assert spans == []


def test_a_json_data_file_is_read_as_code_not_as_front_matter():
    text = ('{\n  "title": "Cara Memilih Pemasok",\n  "slug": "cara-memilih-pemasok",\n  "body": "Pemasok yang baik '
            'mengirim barang tepat waktu dan jujur soal harga.\\nBandingkan minimal tiga pemasok sebelum memilih satu, '
            'lalu catat harga dan waktu kirim mereka.\\n\\nMinta contoh barang dan cek kualitasnya sendiri."\n}\n')
    doc = _ingest("data.txt", text)
    assert doc["title"] == "Cara Memilih Pemasok"
    clean, _, _ = _clean(doc, "id")
    assert clean.splitlines() == ["Pemasok yang baik mengirim barang tepat waktu dan jujur soal harga.",
                                  "Bandingkan minimal tiga pemasok sebelum memilih satu, lalu catat harga dan waktu "
                                  "kirim mereka.", "Minta contoh barang dan cek kualitasnya sendiri."]


def test_windows_line_breaks_and_jsx_fragments():
    blade = BLADE_NL.replace("\n", "\r\n")
    clean, _, _ = _clean(_ingest("view.txt", blade), "nl")
    assert "@" not in clean and "Stuur na elke bestelling een persoonlijk bedankje." in clean
    jsx = ("export default function Post() {\n  return (\n    <article>\n      <h1>Jak wycenić usługę</h1>\n"
           "      <p>Policz najpierw swój czas i koszty stałe, a dopiero potem sprawdź ceny konkurencji w okolicy. "
           "Nie zaczynaj od najniższej ceny, bo trudno ją potem podnieść.</p>\n    </article>\n  );\n}\n")
    doc = _ingest("post.txt", jsx)
    clean, _, _ = _clean(doc, "pl")
    assert doc["title"] == "Jak wycenić usługę"
    assert clean.splitlines()[-1].startswith("Policz najpierw") and "return" not in clean and ")" not in clean


# ------------------------------------------------------------------ HTML: paragraphs trafilatura drops

def _page(lead: str, paras: list[str], title: str) -> str:
    """A page whose lead sits in the header beside the hero image, where main-text extraction skips it."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!doctype html><html><head><title>{title} | Winkelblog</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav><header class='post-header'><h1>{title}</h1>"
            f"<div class='flex'><img src='/img/hero.webp'><p class='text-lg'>{lead}</p></div></header>"
            f"<article>{body}</article><footer><p>© 2024 Winkelblog</p></footer></body></html>")


@pytest.mark.parametrize("lang,title,lead,paras", [
    ("nl", "Drie fouten in je webshop",
     "Iedereen maakt fouten, maar in een webshop kosten ze direct omzet. Dit zijn de drie fouten die we het vaakst "
     "zien bij kleine winkels, en wat je er vandaag nog aan kunt doen zonder een nieuw platform te kopen.",
     ["Trage pagina's jagen bezoekers weg: de meeste mensen wachten niet langer dan drie seconden op een pagina. "
      "Verklein daarom je afbeeldingen, schrap plug-ins die je niet gebruikt en kies een hostingpakket dat past bij "
      "het aantal bezoekers dat je elke dag krijgt.",
      "Onduidelijke verzendkosten zijn de belangrijkste reden om een winkelmandje te laten staan bij het afrekenen. "
      "Zet de kosten daarom al op de productpagina en niet pas in de laatste stap van de bestelling, want daar "
      "voelt het als een verrassing.",
      "Te weinig productfoto's maken klanten onzeker over wat ze precies kopen en hoe het product eruitziet. Laat "
      "het product van alle kanten zien en toon het ook in gebruik, zodat de klant zich er iets bij kan voorstellen."]),
    ("pl", "Trzy błędy w sklepie internetowym",
     "Każdy popełnia błędy, ale w sklepie internetowym kosztują one od razu sprzedaż. Oto trzy, które widzimy "
     "najczęściej w małych sklepach, i to, co możesz z nimi zrobić jeszcze dziś, bez zmiany całej platformy.",
     ["Wolne strony odstraszają klientów: większość osób nie czeka dłużej niż trzy sekundy na załadowanie strony. "
      "Zmniejsz więc zdjęcia, usuń wtyczki, których nie używasz, i wybierz hosting dopasowany do liczby osób, "
      "które codziennie odwiedzają twój sklep.",
      "Niejasne koszty wysyłki to najczęstszy powód, dla którego klienci porzucają koszyk przy płatności. Pokaż je "
      "już na stronie produktu, a nie dopiero w ostatnim kroku zamówienia, bo tam są dla klienta przykrą "
      "niespodzianką.",
      "Za mało zdjęć produktu sprawia, że klient nie jest pewien, co dokładnie kupuje i jak wygląda ten produkt. "
      "Pokaż go ze wszystkich stron i w użyciu, żeby klient mógł sobie wyobrazić, jak będzie z niego korzystał."]),
    ("id", "Tiga Kesalahan di Toko Online",
     "Semua orang pernah salah, tetapi di toko online kesalahan langsung mengurangi penjualan. Berikut tiga kesalahan "
     "yang paling sering kami lihat di toko kecil, dan apa yang bisa Anda lakukan hari ini tanpa mengganti platform.",
     ["Halaman yang lambat membuat pengunjung pergi karena kebanyakan orang tidak mau menunggu lebih dari tiga detik. "
      "Perkecil ukuran foto, hapus plugin yang tidak dipakai, dan pilih paket hosting yang sesuai dengan jumlah "
      "pengunjung toko Anda setiap hari.",
      "Ongkos kirim yang tidak jelas adalah alasan utama pembeli meninggalkan keranjang belanja saat akan membayar. "
      "Tampilkan ongkos kirim sejak di halaman produk, bukan baru di langkah terakhir pemesanan, karena di sana "
      "ongkos itu terasa seperti kejutan.",
      "Foto produk yang terlalu sedikit membuat pembeli ragu tentang barang yang akan mereka terima. Tunjukkan produk "
      "dari semua sisi dan saat dipakai, supaya pembeli bisa membayangkan bagaimana mereka akan menggunakannya."]),
])
def test_html_lead_paragraphs_dropped_by_main_text_extraction_come_back(lang, title, lead, paras):
    page = _page(lead, paras, title)
    assert lead not in ingest.html_to_text(page)[0]          # trafilatura alone loses it
    doc = _ingest("page.html", page)
    assert doc["title"] == title
    clean, _, _ = _clean(doc, lang)
    assert lead in clean and clean.index(lead) < clean.index(paras[0])   # in place, before the body
    assert "© 2024" not in clean and "Home" not in clean


def test_a_php_view_with_html_after_its_code():
    text = ("<?php $title = \"Cara Membuat Logo Toko yang Mudah Diingat\"; include('header.php'); ?>\n"
            "<div class=\"container\">\n<h1><?= $title ?></h1>\n<p>Logo yang sederhana lebih mudah diingat oleh "
            "pelanggan. Gunakan paling banyak dua warna dan satu jenis huruf yang mudah dibaca dari jauh.</p>\n"
            "<p>Uji logo Anda dalam ukuran kecil, misalnya sebagai ikon profil di media sosial, sebelum mencetaknya "
            "di kemasan.</p>\n</div>\n<?php include('footer.php'); ?>\n")
    doc = _ingest("logo.txt", text)
    assert doc["title"] == "Cara Membuat Logo Toko yang Mudah Diingat"
    clean, _, _ = _clean(doc, "id")
    assert clean.splitlines()[0].startswith("Logo yang sederhana") and "include" not in clean and "?" not in clean
