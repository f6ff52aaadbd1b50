"""pipeline.numbers: number parsing and quantity finding, per language (no models, fast)."""
from __future__ import annotations

import pytest

from pipeline.numbers import (
    COUNT, CURRENCY, DURATION, MULTIPLIER, NUMBER, PERCENT, RANGE, YEAR,
    Quantity, find_quantities, is_statistic, is_year, parse_number,
)


def _only(text: str, lang: str) -> Quantity:
    found = find_quantities(text, lang)
    assert len(found) == 1, found
    return found[0]


def _stats(text: str, lang: str) -> list[tuple[str, float, str, str | None]]:
    """(text, value, unit, currency) of the statistics in ``text``, checking offsets on the way."""
    out = []
    for q in find_quantities(text, lang):
        assert text[q.start:q.end] == q.text
        if is_statistic(q):
            out.append((q.text, round(q.value, 2), q.unit, q.currency))
    return out


# --- parse_number -----------------------------------------------------------------

@pytest.mark.parametrize("lang, text, value", [
    ("id", "tiga", 3),
    ("id", "lima puluh", 50),
    ("id", "dua puluh lima", 25),
    ("id", "dua belas", 12),
    ("id", "sebelas", 11),
    ("id", "seratus", 100),
    ("id", "seribu dua ratus", 1200),
    ("id", "tiga ratus ribu", 300_000),
    ("id", "satu miliar", 1e9),
    ("id", "1,5 juta", 1.5e6),
    ("id", "2.000", 2000),
    ("id", "100.000", 100_000),
    ("id", "2,5", 2.5),
    ("id", "1.234,56", 1234.56),
    ("id", "2000", 2000),
    ("pl", "osiem", 8),
    ("pl", "dwa", 2),
    ("pl", "dwadzieścia pięć", 25),
    ("pl", "sto dwadzieścia", 120),
    ("pl", "dwóch tysięcy", 2000),
    ("pl", "pięciu milionów", 5e6),
    ("pl", "dwa tysiące pięćset", 2500),
    ("pl", "miliona", 1e6),
    ("pl", "2 000", 2000),
    ("pl", "2\u00a0000", 2000),
    ("pl", "1\u202f000\u202f000", 1e6),
    ("pl", "4,6 miliarda", 4.6e9),
    ("pl", "pół miliona", 500_000),
    ("nl", "drie", 3),
    ("nl", "vijfentwintig", 25),
    ("nl", "tweeëntwintig", 22),
    ("nl", "honderd", 100),
    ("nl", "honderdvijftig", 150),
    ("nl", "tweehonderdvijfentwintig", 225),
    ("nl", "duizend", 1000),
    ("nl", "drieduizendvijfhonderd", 3500),
    ("nl", "1,2 miljoen", 1.2e6),
    ("nl", "1.234,56", 1234.56),
])
def test_parse_number(lang: str, text: str, value: float) -> None:
    assert parse_number(text, lang) == pytest.approx(value)


@pytest.mark.parametrize("lang, text", [
    ("id", "dua tiga"),       # two words, not one number
    ("id", "juta"),            # a magnitude needs a number
    ("pl", "milionów"),        # "millions": vague
    ("pl", "15%"),
    ("nl", "honderden"),       # "hundreds": vague
    ("nl", "en"),
    ("nl", "3.3.7"),           # a version, not a number
    ("id", ""),
])
def test_parse_number_rejects(lang: str, text: str) -> None:
    assert parse_number(text, lang) is None


def test_parse_number_fraction() -> None:
    assert parse_number("twee derde", "nl") == pytest.approx(2 / 3)
    assert parse_number("sepertiga", "id") == pytest.approx(1 / 3)


# --- find_quantities: single quantities ---------------------------------------------

@pytest.mark.parametrize("lang, text, value, unit, currency", [
    # Indonesian
    ("id", "tiga", 3, NUMBER, None),
    ("id", "lima puluh persen", 50, PERCENT, None),
    ("id", "satu miliar", 1e9, COUNT, None),
    ("id", "1,5 juta", 1.5e6, COUNT, None),
    ("id", "2.000", 2000, NUMBER, None),
    ("id", "15%", 15, PERCENT, None),
    ("id", "67 persen", 67, PERCENT, None),
    ("id", "satu dari tiga", 100 / 3, PERCENT, None),
    ("id", "1 dari 3", 100 / 3, PERCENT, None),
    ("id", "setengah", 50, PERCENT, None),
    ("id", "dua pertiga", 200 / 3, PERCENT, None),
    ("id", "3 kali lipat", 3, MULTIPLIER, None),
    ("id", "dua kali", 2, MULTIPLIER, None),
    ("id", "3x", 3, MULTIPLIER, None),
    ("id", "$ 2.000", 2000, CURRENCY, "USD"),
    ("id", "Rp 50.000", 50_000, CURRENCY, "IDR"),
    ("id", "Rp50.000", 50_000, CURRENCY, "IDR"),
    ("id", "$2 juta", 2e6, CURRENCY, "USD"),
    # Polish
    ("pl", "osiem na dziesięć", 80, PERCENT, None),
    ("pl", "1 z 5", 20, PERCENT, None),
    ("pl", "dwa razy", 2, MULTIPLIER, None),
    ("pl", "2-krotnie", 2, MULTIPLIER, None),
    ("pl", "dwukrotnie", 2, MULTIPLIER, None),
    ("pl", "83 procent", 83, PERCENT, None),
    ("pl", "50 proc.", 50, PERCENT, None),
    ("pl", "10-procentowy", 10, PERCENT, None),
    ("pl", "66 %", 66, PERCENT, None),
    ("pl", "połowa", 50, PERCENT, None),
    ("pl", "dwie trzecie", 200 / 3, PERCENT, None),
    ("pl", "2 miliony", 2e6, COUNT, None),
    ("pl", "800 mln", 8e8, COUNT, None),
    ("pl", "50 zł", 50, CURRENCY, "PLN"),
    ("pl", "100 PLN", 100, CURRENCY, "PLN"),
    ("pl", "5 dolarów", 5, CURRENCY, "USD"),
    ("pl", "10 euro", 10, CURRENCY, "EUR"),
    # Dutch
    ("nl", "twee derde", 200 / 3, PERCENT, None),
    ("nl", "drie kwart", 75, PERCENT, None),
    ("nl", "driekwart", 75, PERCENT, None),
    ("nl", "de helft", 50, PERCENT, None),
    ("nl", "één op de drie", 100 / 3, PERCENT, None),
    ("nl", "8 op de 10", 80, PERCENT, None),
    ("nl", "vijfentwintig procent", 25, PERCENT, None),
    ("nl", "drie keer", 3, MULTIPLIER, None),
    ("nl", "tweemaal", 2, MULTIPLIER, None),
    ("nl", "1,2 miljoen", 1.2e6, COUNT, None),
    ("nl", "€ 3,50", 3.5, CURRENCY, "EUR"),
    ("nl", "€3,50", 3.5, CURRENCY, "EUR"),
    ("nl", "3,50 €", 3.5, CURRENCY, "EUR"),
    ("nl", "tweeduizend euro", 2000, CURRENCY, "EUR"),
])
def test_single_quantity(lang: str, text: str, value: float, unit: str, currency: str | None) -> None:
    q = _only(text, lang)
    assert (q.start, q.end, q.text) == (0, len(text), text)
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert q.currency == currency


# --- find_quantities: sentences with offsets -----------------------------------------

@pytest.mark.parametrize("lang, text, expected", [
    ("id", "Survei kami menunjukkan 42 persen pemilik toko baru aktif di Instagram sejak 2019.",
     [("42 persen", 42, PERCENT, None)]),
    ("id", "Akun itu kini punya 250.000 pengikut dan tumbuh 4x lebih cepat.",
     [("250.000", 250_000, COUNT, None), ("4x", 4, MULTIPLIER, None)]),
    ("id", "Hampir dua puluh lima persen pembeli, atau satu dari empat orang, membatalkan pesanan.",
     [("dua puluh lima persen", 25, PERCENT, None), ("satu dari empat", 25, PERCENT, None)]),
    ("id", "Iklan kecil seharga Rp 75.000 bisa menjangkau 1,2 juta orang.",
     [("Rp 75.000", 75_000, CURRENCY, "IDR"), ("1,2 juta", 1.2e6, COUNT, None)]),
    ("pl", "Według raportu z 2021 roku aż 7 na 10 klientów czyta opinie, a dwie trzecie robi to codziennie.",
     [("7 na 10", 70, PERCENT, None), ("dwie trzecie", 66.67, PERCENT, None)]),
    ("pl", "Sklep wydał 1 200 zł na reklamę i zyskał trzy razy więcej zamówień.",
     [("1 200 zł", 1200, CURRENCY, "PLN"), ("trzy razy", 3, MULTIPLIER, None)]),
    ("pl", "Platforma ma ponad 3,5 miliona użytkowników, z czego 12 proc. płaci.",
     [("3,5 miliona", 3.5e6, COUNT, None), ("12 proc.", 12, PERCENT, None)]),
    ("nl", "Ruim vijfenzeventig procent van de ondernemers gebruikt social media, zo bleek in 2016.",
     [("vijfenzeventig procent", 75, PERCENT, None)]),
    ("nl", "Een derde van de klanten reageert binnen een dag; de helft wacht langer.",
     [("Een derde", 33.33, PERCENT, None), ("de helft", 50, PERCENT, None)]),
    ("nl", "Het bedrijf haalde € 12.500 op en kreeg twee keer zoveel volgers.",
     [("€ 12.500", 12_500, CURRENCY, "EUR"), ("twee keer", 2, MULTIPLIER, None)]),
])
def test_sentence_statistics(lang: str, text: str,
                             expected: list[tuple[str, float, str, str | None]]) -> None:
    assert _stats(text, lang) == [(t, round(v, 2), u, c) for t, v, u, c in expected]


def test_offsets_point_into_the_text() -> None:
    text = "Pada 2020, sekitar 38% pelanggan membeli lagi."
    q = next(q for q in find_quantities(text, "id") if q.unit == PERCENT)
    assert (q.start, q.end) == (text.index("38%"), text.index("38%") + 3)
    assert text[q.start:q.end] == "38%"


# --- years, lists, ranges, dates, codes: never statistics -------------------------

@pytest.mark.parametrize("lang, text, year", [
    ("id", "Penjualan naik sejak 2012.", 2012),
    ("id", "Laporan Pemasaran 2018 menemukan hal menarik.", 2018),
    ("id", "Itu terjadi di tahun 2008.", 2008),
    ("pl", "W 2018r. kampania ruszyła.", 2018),
    ("pl", "Strategia na resztę 2012 roku.", 2012),
    ("nl", "Anno 2014 is alles anders.", 2014),
    ("nl", "Sinds 2009 twittert de slager.", 2009),
])
def test_years_are_years(lang: str, text: str, year: int) -> None:
    q = _only(text, lang)
    assert is_year(q) and not is_statistic(q)
    assert q.value == year


def test_year_versus_thousands() -> None:
    found = find_quantities("Sejak 2012 ada 2.000 pelanggan baru.", "id")
    assert [(q.text, q.unit) for q in found] == [("2012", YEAR), ("2.000", COUNT)]


@pytest.mark.parametrize("lang, text", [
    ("pl", "1: odpowiadaj na pytania"),
    ("pl", "# 4: Dziel i rządź"),
    ("pl", "13. Marketing to nie złe słowo"),
    ("pl", "Więcej omówimy w punkcie 26."),
    ("pl", "Oferuje: 1) informuj klientów"),
    ("id", "Mitos 3: Media sosial itu mahal"),
    ("id", "## 2. Tulis judul yang menarik"),
    ("id", "LANGKAH 1"),
    ("nl", "Stap 2: Bepaal je doelgroep"),
    ("nl", "Welk platform past bij jou? (deel 1)"),
])
def test_list_numbers_are_skipped(lang: str, text: str) -> None:
    assert find_quantities(text, lang) == []


@pytest.mark.parametrize("lang, text, low, high", [
    ("pl", "Pisz posty po 150-300 słów.", 150, 300),
    ("pl", "Publikuj 3-5 artykułów tygodniowo.", 3, 5),
    ("pl", "Nagrywaj filmy od 30 sekund do 3 minut.", 30, 3),
    ("pl", "Dla osób w wieku od 16 do 24 lat.", 16, 24),
    ("id", "Berikan diskon 20%-50% saat liburan.", 20, 50),
    ("id", "Unggah antara 3 dan 5 foto sehari.", 3, 5),
    ("nl", "De doelgroep is 35-54 jaar.", 35, 54),
    ("nl", "Post tussen 2 en 4 keer per week.", 2, 4),
])
def test_ranges_are_not_statistics(lang: str, text: str, low: float, high: float) -> None:
    q = _only(text, lang)
    assert q.unit == RANGE and not is_statistic(q)
    assert (q.value, q.high) == (low, high)


@pytest.mark.parametrize("lang, text", [
    ("pl", "Promocja kończy się 22 września!"),
    ("pl", "September 25, 2020"),
    ("id", "Diterbitkan 5 Mei"),
    ("nl", "Van 06:00 - 08:00 's morgens."),
    ("nl", "modified: 2015-09-15"),
    ("pl", "Firmy B2B i 3V danych."),
    ("id", "Pandemi COVID-19 mengubah segalanya, dan yang ke-3 juga."),
    ("nl", "Bron: http://bit.ly/1QLjdOX en foto1-225x300.jpg"),
    ("nl", "Een keer ging het mis."),      # "een keer" = once
    ("id", "Salah satu mitos."),           # "salah satu" = one of
])
def test_no_statistics(lang: str, text: str) -> None:
    assert [q for q in find_quantities(text, lang) if is_statistic(q)] == []


def test_durations_are_not_counts() -> None:
    q = _only("Nie przekraczaj 15 minut.", "pl")
    assert q.unit == DURATION and not is_statistic(q)
    assert _only("Tunggu setengah jam.", "id").unit == DURATION


def test_counts_need_something_counted() -> None:
    text = "Tot slot: deze drie vragen en dan 7."
    assert [(q.text, q.unit) for q in find_quantities(text, "nl")] == [("drie", COUNT), ("7", NUMBER)]


def test_dutch_compounds_in_a_sentence() -> None:
    text = "Er reageerden tweeënveertig klanten en honderdvijftig volgers, samen driehonderdvijfentwintig."
    assert [(q.text, q.value) for q in find_quantities(text, "nl")] == [
        ("tweeënveertig", 42), ("honderdvijftig", 150), ("driehonderdvijfentwintig", 325)]


def test_dutch_compound_after_joiner_word() -> None:
    # "en" (and) is also the compound joiner: "... en twee derde" must still be found.
    found = find_quantities("Jongeren en twee derde van de ouderen.", "nl")
    assert [(q.text, round(q.value, 2)) for q in found] == [("twee derde", 66.67)]


def test_magnitude_with_multiplier_word_is_a_count() -> None:
    q = _only("Aplikację pobrano 5,7 mln razy.", "pl")
    assert (q.unit, q.value) == (COUNT, pytest.approx(5.7e6))


def test_unsupported_language() -> None:
    with pytest.raises(ValueError):
        find_quantities("10%", "xx")


def test_inline_enumerators_are_skipped_but_years_in_brackets_kept() -> None:
    units = [(q.text, q.unit) for q in find_quantities("Dwie zasady: (1) informuj klientów, 2) rozmawiaj.", "pl")]
    assert units == [("Dwie", COUNT)]
    assert [(q.text, q.unit) for q in find_quantities("Badanie (2015) i wynik (87%).", "pl")] == [
        ("2015", YEAR), ("87%", PERCENT)]


def test_translation_leftovers() -> None:
    # a number glued to the word before it, and English digit grouping
    assert _stats("Penjualan naik67% tahun ini.", "id") == [("67%", 67, PERCENT, None)]
    assert _stats("Kami punya 1,000 pengikut.", "id") == [("1,000", 1000, COUNT, None)]
    assert parse_number("2.5", "id") == 2.5  # a lone "." that cannot group thousands


def test_year_cue_does_not_turn_counts_into_years() -> None:
    assert [(q.text, q.unit) for q in find_quantities("Działamy w 1200 sklepach od 1850 roku.", "pl")] == [
        ("1200", COUNT), ("1850", YEAR)]


# --- the word-list alternations (written as tries) ---------------------------------

def _flat_alt(items) -> str:
    """numbers._alt as a flat alternation, longest first (how it was written before its trie): the reference."""
    import re

    from pipeline.numbers import _WS

    parts = []
    for item in sorted(set(items), key=len, reverse=True):
        wild = item.endswith("*")
        core = item[:-1] if wild else item
        pat = f"{_WS}+".join(re.escape(w) for w in core.split()) + (r"\w*" if wild else "")
        parts.append(pat + (r"(?!\w)" if wild or core[-1:].isalnum() else ""))
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


@pytest.mark.parametrize("lang", ["id", "pl", "nl"])
def test_a_word_list_trie_matches_what_the_flat_alternation_matches(lang):
    import pathlib
    import re

    from pipeline.lang import get
    from pipeline.numbers import _alt

    data = get(lang)
    lists = [v for v in (getattr(data, k) for k in dir(data) if k.isupper()) if isinstance(v, (tuple, list, frozenset, set))
             and v and all(isinstance(x, str) and x.strip() for x in v)]
    assert len(lists) > 10
    root = pathlib.Path(__file__).resolve().parent.parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((root / "tests/fixtures/dev-corpus" / lang).glob("*.txt")))
    text = text[:30_000] + " Dwa TYSIĄCE, 3 mln zł; twintig procent, dua PULUH ribu, ſiedem, Lata 90., lat*"
    for words in lists:
        items = [w.lower() for w in words]
        trie, flat = re.compile(_alt(items), re.I), re.compile(_flat_alt(items), re.I)
        for pos in range(len(text)):
            a, b = trie.match(text, pos), flat.match(text, pos)
            assert (a and a.end()) == (b and b.end()), (words, text[pos:pos + 30])
