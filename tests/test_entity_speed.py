"""The example and statistic extractors' shortcuts (issue 8, round 3) give what the long way gives: the cheap
tests only skip work that could find nothing. On the sample and development articles; no timings here."""
from __future__ import annotations

import pathlib

import pytest

from pipeline import numbers
from pipeline.extract import names, spans
from pipeline.nlp import cue_matches
from pipeline.stages.extract import doc_from_text
from pipeline.stages.langid import detect

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests/fixtures/dev-corpus").glob("*/*.txt"))
ODD = ["Rp50.000 naik67% 12:30 https://x.id/a/b 2015-09-15 a_b <b>3</b> plik.pdf 1/2 ſiedem K", "1.234.567 i 3.5.1",
       "VIJFENTWINTIG procent, Twee Derde, een op de drie", "dwa razy, 2x, 3 x 4, 1080x720", "ENAM PULUH persen",
       "_5 x5 ſiedem 5ſiedem ,ſiedem EEN", "DRIE-EN-TWINTIG, 3-5, a3 b 4c, (12) ZESTIG+ [vijf]", "Tien; TWEE. een.En"]


@pytest.fixture(scope="module")
def sentences() -> list[tuple[str, str]]:
    out = []
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        doc = doc_from_text(text, path.parent.name if path.parent.name in ("id", "pl", "nl") else detect(text)[0])
        out += [(doc.lang, s.text) for b in doc.blocks for s in spans.sentences(b)]
        out += [(doc.lang, b.text) for b in doc.blocks]
    return out + [(lang, t) for t in ODD for lang in ("id", "pl", "nl")]


def test_may_cite_is_any_citation_cue_or_a_quote_after_a_colon(sentences):
    for lang, text in sentences:
        found = cue_matches(lang, text)
        long_way = (any(found.get(field) for field in names._CITATION_CUES)
                    or bool(names._QUOTE_AFTER_A_COLON.search(text)))
        assert names.may_cite(lang, text) == long_way, text


def test_next_number_is_number_re_search(sentences):
    """``_next_number`` (on an ASCII text lower-cased, ``number_start`` first) finds the match ``number_re.search``
    finds, from any position."""
    scanned_so = 0
    for lang, text in sentences:
        g = numbers._grammar(lang)
        scanned, start = numbers._number_scan(text, g)
        for pos in range(0, len(text) + 1, 1 if len(text) < 300 else 7):
            a, b = g.number_re.search(text, pos), numbers._next_number(text, pos, g, scanned, start)
            assert (a and (a.span(), a.group())) == (b and (b.span(), b.group())), (text, pos)
            scanned_so += start is not None
    assert scanned_so > 10_000


def test_every_language_scans_ascii_text_lower_cased():
    for lang in ("id", "pl", "nl"):
        assert numbers._grammar(lang).number_start is not None
    assert numbers._ascii_lower_forms("s") == "s" and numbers._ascii_lower_forms("ó") == "(?!)"
    assert numbers._ascii_lower_forms("ſ") == "s"     # IGNORECASE matches it with "s" and "S"
    assert numbers._number_scan("Twee DERDE", numbers._grammar("nl"))[0] == "twee derde"
    assert numbers._number_scan("Dwóch", numbers._grammar("pl"))[1] is None     # not ASCII: searched as before


def test_before_patterns_read_backwards_match_as_searched(sentences):
    """``_ends_with(X_reversed, ...)`` is ``X.search(_before(...))`` for the label, month and year-cue patterns."""
    extra = ["stap  ", "Stap 2", "nr.", "nr. ", "#", "# ", "x#", "maart ", "xin ", "_in ", "1in ", "in\t", "Week  ",
             "sinds\u00a0", "hoofdstuk\u202f", "pada bulan Januari ", "w roku ", "punkt", "KROK  "]
    for lang in ("id", "pl", "nl"):
        g = numbers._grammar(lang)
        pairs = ((g.label_before, g.label_before_reversed), (g.month_before, g.month_before_reversed),
                 (g.year_cue_before, g.year_cue_before_reversed))
        for text in [t for lg, t in sentences if lg == lang][:3000] + extra:
            for pos in range(0, len(text) + 1, 1 if len(text) < 200 else 3):
                window = numbers._before(text, pos)
                for searched, backwards in pairs:
                    assert bool(searched.search(window)) == numbers._ends_with(backwards, text, pos), (window, lang)


def test_a_weak_word_skipped_is_no_quantity_the_long_way(sentences):
    """Where ``_classify`` stops early at a weak word ("een", "satu"), the long way finds no unit after it, no
    range and no proportion, and so no quantity; ``after_weak`` matches where any of its patterns matches."""
    skipped = 0
    for lang, text in sentences:
        g = numbers._grammar(lang)
        for m in g.number_re.finditer(text):
            num = numbers._number_at(text, m, g) if m.group("mw") is None else None
            if num is None or not num.weak or num.fraction or num.digits:
                continue
            parts = (g.percent_after, g.currency_after_re, g.proportion_after, *g.range_after.values())
            assert bool(g.after_weak.match(text, num.end)) == any(p.match(text, num.end) for p in parts)
            if not g.after_weak.match(text, num.end) and not numbers._currency_before(text, num.start, g):
                skipped += 1
                assert numbers._mark_after(text, num, g) is None
                assert numbers._range_end(text, num, num.end, None, g) is None
                assert numbers._proportion(text, num, g) is None
    assert skipped > 100


def test_lower_words_are_the_lower_case_words_of_the_pattern(sentences):
    texts = ["\n".join(t for _, t in sentences[i:i + 40]) for i in range(0, len(sentences), 40)]
    texts += ["foo_bar Baz qux, (quux) don't e-mail 2x x2 ÉCOLE école ǅemal _x x_ ⅻ ½ a\u2028b c\x1cd"]
    for text in texts:
        long_way = frozenset(w for w in set(names._WORDS.findall(text)) if w[:1].islower())
        assert names._lower_words(text) == long_way


def test_a_long_block_is_no_source_list_label_the_long_way(sentences):
    from pipeline.extract import statistics

    settings = statistics.Settings()
    for lang, text in sentences + [("pl", "Źródła:"), ("nl", "Bronnen"), ("id", "  Sumber:  "), ("nl", "ß" * 50 + ":")]:
        head = text.strip().casefold()
        labels = statistics.lang_data(lang).STAT_SOURCE_LIST_LABELS
        long_way = bool(head and len(head) <= settings.source_list_label_chars
                        and (head.endswith(":") or head.rstrip(".") in labels)
                        and (statistics.re.split(r"[\s:]", head, maxsplit=1)[0] in labels
                             or head.rstrip(":. ") in labels))
        assert statistics._is_source_list_label(lang, text, settings) == long_way, text


def test_a_field_is_in_the_cue_matches_only_with_a_match(sentences):
    """statistics asks ``field in cue_matches(...)`` for ``bool(cues(...))``; names.may_cite relies on it too."""
    from pipeline.nlp import cues

    for lang, text in sentences[:5000]:
        found = cue_matches(lang, text)
        assert all(found[field] for field in found)
        assert ("STAT_STUDY_CUES" in found) == bool(cues(lang, "STAT_STUDY_CUES", text))


EDGE_FIRST_WORDS = ["Facebook+ kini punya fitur baru", "Dr. Kowalski mówi, że warto", "Peter-Paul zegt dat het werkt",
                    "Studi 2012 menunjukkan hasil", "KPI itu penting bagi bisnis", "Google's advertentie kost geld",
                    "Ia.com menjual barang", "McDonald's buka cabang", "Het bedrijf groeit snel.", "m.in. w sklepie",
                    "Anda harus menulis blog setiap hari.", "Większość firm nie ma strategii", "Apple i inne firmy"]


def test_a_sentence_whose_only_name_can_be_its_first_word_has_the_runs_of_its_tokens(sentences, monkeypatch):
    """names._runs' shortcut (a sentence with nothing capitalised after its first word is not tokenised) gives
    the runs the token-by-token path gives."""
    cases = [(lang, text) for lang, text in sentences if names._lone_first_word(text)]
    cases += [(lang, t) for t in EDGE_FIRST_WORDS for lang in ("id", "pl", "nl")]
    assert len(cases) > 1000
    vocab = frozenset({"het", "anda", "bisnis", "firm", "strategii"})

    def runs(lang: str, text: str) -> list:
        names._runs.cache_clear()
        return [r for platforms in (True, False) for r in names._runs(lang, text, vocab, platforms)]

    shortcut = [runs(lang, text) for lang, text in cases]
    monkeypatch.setattr(names, "_lone_first_word", lambda text: 0)
    assert [runs(lang, text) for lang, text in cases] == shortcut
