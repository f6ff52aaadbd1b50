"""Tips beyond the sentence-initial imperative: imperatives opening a later clause, conditionals after
lead words, "why not" suggestions, Polish mood from Morfeusz 2; and the modal sentences that are no
advice (the author narrating, an announcement, a related post's title). Sentences written for the
tests, one per language where the language has the construction."""
from __future__ import annotations

import pytest

from pipeline.extract.grammar import clause_imperative, is_imperative_word, narrated, starts_imperative, title_cased
from tests.test_extract_myths_tips import _items, _texts


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Selain memotret produk dengan rapi, tuliskan deskripsi yang jujur untuk setiap barang."),
    ("id", "Promosi tidak cukup dilakukan sekali, sampaikan pesan yang sama setiap minggu."),
    ("pl", "Nowy klient często milczy, zadzwoń do niego po tygodniu."),
    ("pl", "Nowy wpis to dopiero początek; udostępnij go w swoich kanałach."),
    ("nl", "Een nieuwsbrief hoeft niet lang te zijn; schrijf liever kort en vaak."),
    ("nl", "Je hebt weinig tijd, dus kies één kanaal en doe dat goed."),
])
def test_tip_clause_imperative(lang, sentence):
    text = f"Pierwszy akapit bez rady. {sentence} Zdanie na koniec."
    assert _texts(_items("tip", text, lang), "tip_clause_imperative") == [sentence]


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Toko ini menjual kopi, teh, dan fokus pada pelanggan kantor."),      # an enumeration's last item
    ("nl", "Als je elke dag post, bereik je meer mensen dan je denkt."),          # verb then subject: a statement
    ("nl", "In een nieuw onderzoek, laat Jan Jansen zien hoe klanten kiezen."),   # verb then a name: a statement
    ("pl", "Klienci wracają, bądź polecają sklep znajomym."),                      # "bądź" = "or"
    ("pl", "Praca zdalna mi służy, a wręcz przeciwnie – mam więcej energii."),   # "wręcz" = "downright"
])
def test_later_clauses_that_are_no_imperatives(lang, sentence):
    assert not clause_imperative(lang, sentence)


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Jadi jika toko Anda baru buka, jangan langsung memasang iklan berbayar."),
    ("pl", "Więc jeśli masz mało czasu, zacznij od jednego kanału."),
    ("nl", "Dus als je twijfelt, vraag het dan aan je klanten."),
])
def test_conditional_after_a_lead_word(lang, sentence):
    assert _texts(_items("tip", sentence, lang), "tip_conditional_imperative") == [sentence]


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Kalau fotonya gelap, mengapa kamu tidak memotret di dekat jendela saja?"),
    ("pl", "Dlaczego nie wysłać klientom krótkiej ankiety po zakupie?"),
    ("nl", "Waarom niet gewoon je vaste klanten om een review vragen?"),
])
def test_tip_suggestion_question(lang, sentence):
    assert _texts(_items("tip", sentence, lang), "tip_suggestion_question") == [sentence]


def test_a_question_about_the_reader_is_no_suggestion_pl():
    assert _items("tip", "A może prowadzisz sklep z odzieżą dla dzieci?", "pl") == []


def test_polish_imperatives_and_adverbs_from_the_tagger():
    pytest.importorskip("morfeusz2")
    assert is_imperative_word("pl", "przedstaw") and is_imperative_word("pl", "rozważ")   # no listed ending
    assert not is_imperative_word("pl", "zazwyczaj")                                    # "-aj", an adverb
    assert not is_imperative_word("pl", "mam")                                          # also "I have"
    assert starts_imperative("pl", "W takim razie rozważ kampanię w lokalnej gazecie.")
    assert not starts_imperative("pl", "Zazwyczaj też odpisuję klientom wieczorem.")


def test_polish_list_of_infinitive_steps_is_advice():
    pytest.importorskip("morfeusz2")
    text = ("Przed wdrożeniem u klienta:\n\n"
            "- Przygotować laptopa. Stary sprzęt w zupełności wystarczy do przeglądarki, a klient nie musi "
            "niczego kupować ani konfigurować, bo wszystko dostaje gotowe na pierwszym spotkaniu w biurze.\n"
            "- Sprawdzić łącze. Bez internetu arkusz w chmurze nie zadziała, a klient uzna, że system jest "
            "zepsuty, zanim w ogóle zobaczy, jak działa i ile czasu mu oszczędza w codziennej pracy.\n"
            "- Umówić szkolenie. Pracownik musi wiedzieć, gdzie kliknąć, inaczej wróci do zeszytu i papierowych "
            "notatek, a całe wdrożenie pójdzie na marne po kilku tygodniach od startu projektu.\n")
    tips = _texts(_items("tip", text, "pl"), "tip_list_item")
    assert [t.split(".")[0] for t in tips] == ["Przygotować laptopa", "Sprawdzić łącze", "Umówić szkolenie"]


@pytest.mark.parametrize("lang,sentence", [
    ("id", "Mulai dari pemilik warung, mahasiswa, hingga pegawai kantor kini berjualan online."),  # a range
    ("id", "Buat kamu yang suka belanja online, promo ini pasti menarik."),                        # "for you who"
    ("nl", "Stel dat een klant om tien uur 's avonds belt."),                                      # "suppose"
    ("nl", "Daarnaast vind je op LinkedIn veel potentiële klanten."),                              # verb second
    ("nl", "Neem vandaag nog contact met ons op."),                                                # a call to action
])
def test_openings_that_look_imperative_are_no_tips(lang, sentence):
    assert _items("tip", sentence, lang) == []


@pytest.mark.parametrize("lang,sentence", [
    ("pl", "Wtedy musieliśmy się cofnąć, bo otworzyłem sklep za wcześnie."),     # the author narrating
    ("pl", "Za pierwszy nakład trzeba było zapłacić z góry."),                   # a modal in the past
    ("nl", "In mijn geval wil ik dat klanten weten hoe ik een site moet bouwen."),  # the author's own goal
    ("id", "5 Strategi Pemasaran yang Harus Toko Online Miliki"),                 # a post title in the text
    ("pl", "Warto tutaj rozważyć trzy kwestie:"),                                 # announces what follows
])
def test_modal_sentences_that_are_no_advice(lang, sentence):
    assert _texts(_items("tip", f"Pierwszy akapit. {sentence}", lang), "tip_modal_sentence") == []


def test_narration_and_title_case():
    assert narrated("nl", "Ik moet eerlijk zeggen dat ik het niet wist.")
    assert not narrated("nl", "Ik raad je aan om eerst één kanaal te kiezen.")   # the reader addressed
    assert title_cased("Tujuh Cara Menarik Pelanggan Baru di Instagram")
    assert not title_cased("Anda harus membalas setiap ulasan pelanggan.")
