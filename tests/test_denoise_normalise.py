"""denoise, normalise and segment on real snippets of all three languages."""
from __future__ import annotations

import pytest

from pipeline.stages.extract import doc_from_text
from pipeline.stages import denoise, normalise


def _removed(text: str, lang: str, boilerplate=frozenset()) -> list[tuple[str, str]]:
    spans, _ = denoise.remove(text, lang, [], boilerplate)
    for s, e, _ in spans:
        assert 0 <= s < e <= len(text)
    return [(text[s:e], rule) for s, e, rule in spans]


@pytest.mark.parametrize("lang,line,rule", [
    ("id", "$config[code] not found", "template_error"),
    ("id", "12 Komentar ▼", "comment_counter"),
    ("nl", "3 Opmerkingen ▼", "comment_counter"),
    ("pl", "8 Komentarzy", "comment_counter"),
    ("id", "Pria di Kantor Foto melalui Shutterstock", "photo_credit"),
    ("nl", "istockphoto van JanJansen77", "photo_credit"),
    ("pl", "Zdjęcie: Getty Images", "photo_credit"),
    ("id", "Daftar Isi:", "empty_toc"),
    ("pl", "Spis treści", "empty_toc"),
    ("nl", "===============", "separator"),
    ("nl", "Over de auteur: Piet bouwt webwinkels voor bakkers en schrijft over lokale marketing.", "author_bio"),
])
def test_artefact_lines(lang, line, rule):
    text = f"Paragraf pertama yang berisi nasihat nyata untuk pemilik usaha.\n\n{line}\n\nParagraf terakhir."
    removed = _removed(text, lang)
    assert (line, rule) in removed
    assert all(r[0] != "Paragraf terakhir." for r in removed)


def test_ad_block_cut_inside_the_line_glued_to_a_quote():
    text = ("Prawdziwa treść artykułu o marketingu.\n"
            "Dołącz do naszego kursu wideo - online!\n"
            "Chcesz więcej klientów? Zapisz się na szkolenie na żywo z ekspertami.\n"
            "KLIKNIJ TUTAJ PO SZCZEGÓŁY - ZAPISY DO 30 LISTOPADA!„Każda marka potrzebuje planu” – mówi Anna.\n")
    removed = dict(_removed(text, "pl"))
    assert removed.get("KLIKNIJ TUTAJ PO SZCZEGÓŁY - ZAPISY DO 30 LISTOPADA!") == "ad_block"
    assert removed.get("Dołącz do naszego kursu wideo - online!") == "ad_block"
    clean = denoise.clean_text(text, denoise.remove(text, "pl", [])[0])
    assert "„Każda marka potrzebuje planu” – mówi Anna." in clean
    assert "Prawdziwa treść artykułu o marketingu." in clean


def test_markup_artefacts_keep_the_text():
    text = ("Gebruik **altijd** een [duidelijke link](https://example.com/x) naar je winkel.\n"
            "<h3>Wees snel</h3>\n![logo](/img/logo.png)\n<!-- more -->\n{{< rawhtml >}}")
    clean = denoise.clean_text(text, denoise.remove(text, "nl", [])[0])
    assert "Gebruik altijd een duidelijke link naar je winkel." in clean
    assert "Wees snel" in clean
    assert "logo" not in clean and "more" not in clean and "rawhtml" not in clean


def test_corpus_level_boilerplate_lines():
    from pipeline.textmap import line_key

    text = "Nasihat nyata untuk toko kecil.\nBagikan artikel ini ke 5 teman\nPenutup."
    removed = _removed(text, "id", frozenset({line_key("Bagikan artikel ini ke 9 teman")}))  # digits -> 0
    assert ("Bagikan artikel ini ke 5 teman", "boilerplate") in removed


def test_blocks_numbered_headings_bullets_quotes():
    text = ("# 4: Dziel i rządź\nTreść wskazówki numer cztery, całkiem długa i opisowa.\n"
            "13. Marketing to nie wstyd\nKolejna treść wskazówki, także długa i opisowa.\n"
            "Mitos 2: Pelanggan tidak online\nBody.\n"
            "  • pierwszy punkt\n      • podpunkt\n"
            "\"Wystarczy zatrudnić stażystę.\"\n")
    rows = normalise.blocks_of(text, [])
    kinds = [(r["kind"], r["marker"], r["number"], r["text"]) for r in rows]
    assert ("heading", "# 4:", 4, "Dziel i rządź") in kinds
    assert ("heading", "13.", 13, "Marketing to nie wstyd") in kinds
    assert ("heading", "Mitos 2:", 2, "Pelanggan tidak online") in kinds
    items = [r for r in rows if r["kind"] == "list_item"]
    assert [i["level"] for i in items] == [1, 2] and items[1]["parent_idx"] == rows.index(items[0])
    assert ("quote", '"', None, "Wystarczy zatrudnić stażystę.") in kinds
    for r in rows:  # offsets point at the block text in the raw text
        assert text[r["start_char"]:r["end_char"]] == r["text"]


def test_hard_wrapped_lines_are_joined():
    text = "Je hoeft jezelf niet op elk kanaal te laten\nzien, omdat dat nu eenmaal kan.\n\nNieuwe alinea."
    rows = normalise.blocks_of(text, [])
    assert rows[0]["text"] == "Je hoeft jezelf niet op elk kanaal te laten zien, omdat dat nu eenmaal kan."
    assert len(rows) == 2


@pytest.mark.parametrize("lang,text,n", [
    ("id", "Jangan abaikan pelanggan. Pastikan Anda menjawab dalam sehari! Apakah itu sulit?", 3),
    ("pl", "Odpowiadaj szybko. Bądź szczery wobec klientów, np. w komentarzach. To działa.", 3),
    ("nl", "Zorg ervoor dat je snel reageert. Begin met je eigen medewerkers.", 2),
])
def test_sentences_with_raw_offsets(lang, text, n):
    doc = doc_from_text(f"Judul\n\n{text}\n", lang)
    sents = [s for b in doc.blocks for s in b.sentences]
    assert len(sents) >= n
    for s in sents:
        assert doc.raw_text[s.start_char:s.end_char] == s.text


def test_closing_keyword_list():
    text = ("Kirim email setiap minggu kepada pelanggan setia Anda.\n\n### Kata Kunci:\n- email murah\n- promosi toko\n\n")
    removed = _removed(text, "id")
    assert ("### Kata Kunci:", "keyword_block") in removed and ("- promosi toko", "keyword_block") in removed
    assert all("Kirim" not in t for t, _ in removed)
