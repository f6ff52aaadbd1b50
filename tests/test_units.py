"""Search units: their clean text, code kept out, and answers merged per block (no model needed)."""
from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline import ranking
from pipeline.stages import embed
from pipeline.units import clean_text, is_code, searchable


@pytest.mark.parametrize("raw, clean", [
    # a markdown link: its text stays, its target goes
    ("Wist u dat meer dan [67 procent](http://www.example.nl/onderzoek?id=3) van de klanten",
     "Wist u dat meer dan 67 procent van de klanten"),
    ("Zie https://example.com/pad voor meer", "Zie voor meer"),
    # a code comment's marker, emphasis, entities, a kramdown attribute list
    ("// 📊 93% pelanggan membaca ulasan", "📊 93% pelanggan membaca ulasan"),
    ("**Zorg** dat het &eacute;cht `werkt`", "Zorg dat het écht werkt"),
    ("Mitos 1: Anda harus ada di semua platform {: target=\"_blank\"}", "Mitos 1: Anda harus ada di semua platform"),
    # a JSON wrapper left around a paragraph
    ('{"par": "Odpowiadaj szybko na pytania klientów"}', "Odpowiadaj szybko na pytania klientów"),
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("text, code", [
    ("var total = items.map(x => x.price); return total;", True),
    ('{"title": "Tips", "items": [1, 2, 3]}', True),
    ("73%", True),
    ("Praca zdalna = freelancing", False),          # an equals sign in prose
    ("Omzet groeide (61%) in een jaar.", False),      # parentheses in prose
    ("Pastikan Anda membalas keluhan dalam satu jam.", False),
])
def test_is_code(text, code):
    assert is_code(text) is code


def test_searchable_drops_short_and_code_units():
    assert searchable("Ja!", min_chars=12) is None
    assert searchable("function f() { return 1; }") is None
    assert searchable("Reageer binnen een uur op [klachten](https://x.nl).") == "Reageer binnen een uur op klachten."


def _tables():
    blocks = pa.table({"doc_id": ["d"] * 4, "block_idx": [0, 1, 2, 3],
                       "kind": ["heading", "paragraph", "paragraph", "paragraph"],
                       "text": ["Reageer snel", "Klanten verwachten binnen een uur antwoord. Dat is [kort](http://x).",
                                "const x = () => { return 1; };", "Kort."]})
    sentences = pa.table({"doc_id": ["d"] * 4, "sent_idx": [0, 1, 2, 3], "block_idx": [1, 1, 2, 3],
                          "text": ["Klanten verwachten binnen een uur antwoord.", "Dat is [kort](http://x).",
                                   "const x = () => { return 1; };", "Kort."]})
    items = pa.table({"item_id": ["t1"], "doc_id": ["d"], "block_idx": [0], "text": ["Reageer snel"]})
    return items, blocks, sentences


def test_units_to_embed_by_clean_text():
    items, blocks, sentences = _tables()
    rows = embed.texts_to_embed(items, blocks, sentences)
    got = {(r["key_kind"], r["text"]) for r in rows}
    assert ("item", "Reageer snel") in got and ("heading", "Reageer snel") in got
    assert ("sentence", "Klanten verwachten binnen een uur antwoord.") in got
    assert ("passage", "Klanten verwachten binnen een uur antwoord. Dat is kort.") in got   # no link target
    assert not any("return" in t for _, t in got)          # the code block: neither sentence nor passage
    assert not any(t == "Kort." for _, t in got)           # too short to answer anything
    keys = [r["key_id"] for r in rows]
    assert len(keys) == len(set(keys)) and "d:s0" in keys and "d:h0" in keys and "d:1" in keys


def _unit(key, kind, block, text="x"):
    return ranking.Unit(key, kind, "nl", text, None, "d", "d.txt", None, 0, 1, block)


def test_answers_merge_one_block_and_show_it_in_place():
    units = {u.key_id: u for u in (
        _unit("t1", "tip", 1, "Reageer snel."), _unit("d:s3", "sentence", 1, "Reageer snel."),
        _unit("d:1", "passage", 1, "Reageer snel. Binnen een uur."), _unit("d:h0", "heading", 0, "Tip 1: Klachten"),
        _unit("t2", "tip", 0, "Klachten"), _unit("d:s9", "sentence", 5, "Elders."),
        _unit("d:5", "passage", 5, "Elders. En verder."))}
    ranked = [("d:s3", 3.0), ("t2", 2.5), ("t1", 2.0), ("d:h0", 1.5), ("d:s9", 1.0)]
    answers = ranking.answers(ranked, units)
    # three blocks, three answers, in the order of their best unit; an item where one ranked
    assert [(a.unit.key_id, a.score) for a in answers] == [("t1", 3.0), ("t2", 2.5), ("d:5", 1.0)]
    hits = ranking.hits(ranked, units)
    assert [(h.kind, h.tier) for h in hits] == [("tip", "item"), ("tip", "item"), ("passage", "text")]
    # shown as the block, with what matched beside it
    assert [(h.text, h.sentence) for h in hits] == [("Reageer snel. Binnen een uur.", "Reageer snel."),
                                                    ("Tip 1: Klachten", "Klachten"), ("Elders. En verder.", "Elders.")]
    # narrowed to some kinds: each answer as its own unit
    narrowed = ranking.hits([("t2", 2.5), ("t1", 2.0)], units, show_blocks=False)
    assert [(h.text, h.sentence) for h in narrowed] == [("Klachten", None), ("Reageer snel.", None)]


def test_standardised_and_combine():
    z = ranking.standardised([("a", 0.9), ("b", 0.7), ("c", 0.5)])
    assert z["a"] == pytest.approx(-z["c"]) and z["b"] == pytest.approx(0.0)
    # a leg that is sure of "c" outweighs one that prefers "a" by a hair
    fused = ranking.combine([{"a": 0.1, "c": 0.0}, {"c": 2.0, "a": -1.0}], [1.0, 1.0])
    assert [k for k, _ in fused] == ["c", "a"]


def test_an_item_that_runs_past_its_block_is_shown_whole():
    # a statistic whose number is set as a heading of its own ("65%") and whose sentence is the
    # paragraph under it: its block is the heading, which alone would hide the answer
    stat = ranking.Unit("s1", "statistic", "nl", "65% van de ondervraagden zien content als probleem", None,
                        "d", "d.txt", None, 100, 150, 7)
    heading = ranking.Unit("d:h7", "heading", "nl", "65%", None, "d", "d.txt", None, 100, 103, 7)
    inside = ranking.Unit("t1", "tip", "nl", "Plan je content.", None, "d", "d.txt", None, 200, 216, 9)
    passage = ranking.Unit("d:9", "passage", "nl", "Plan je content. Elke week.", None, "d", "d.txt", None, 200, 227, 9)
    units = {u.key_id: u for u in (stat, heading, inside, passage)}
    hits = ranking.hits([("s1", 2.0), ("t1", 1.0)], units)
    assert [h.text for h in hits] == ["65% van de ondervraagden zien content als probleem", "Plan je content. Elke week."]
    assert hits[0].kind == "statistic" and hits[1].sentence == "Plan je content."


def test_an_answer_that_reads_the_same_as_a_better_one_is_left_out():
    # the same heading in two copies of an article: one answer, and the next one moves up
    units = {u.key_id: u for u in (
        ranking.Unit("a:h1", "heading", "pl", "Płatna reklama – opłaca się?", None, "a", "a.txt", None, 0, 27, 1),
        ranking.Unit("b:h4", "heading", "pl", "Płatna Reklama - opłaca się?", None, "b", "b.txt", None, 0, 27, 4),
        ranking.Unit("b:5", "passage", "pl", "Reklama w sieci kosztuje mniej.", None, "b", "b.txt", None, 28, 59, 5))}
    hits = ranking.hits([("a:h1", 3.0), ("b:h4", 2.9), ("b:5", 2.0)], units)
    assert [h.item_id for h in hits] == ["a:h1", "b:5"]


@pytest.mark.parametrize("text,question", [
    ("Co to jest TikTok?", True),
    ("Which social media platform is right for your business?", True),
    ("**Wat kost een website?**", True),                       # markup aside
    ("Wat kost een website? Minder dan u denkt.", False),      # it answers as well
    ("Een website kost minder dan u denkt. Waarom?", False),   # it says something first
    ("Reageer binnen een uur.", False),
    ("", False),
])
def test_is_question(text, question):
    assert ranking.is_question(text) is question


def test_a_question_is_moved_below_a_statement_of_close_score():
    units = {u.key_id: u for u in (
        _unit("d:h0", "heading", 0, "Co to jest TikTok?"), _unit("d:s2", "sentence", 2, "Co to jest TikTok?"),
        _unit("t1", "statistic", 1, "Czy wiesz? 800 mln użytkowników?"),
        _unit("d:s1", "sentence", 1, "Użytkownicy spędzają w aplikacji 52 minuty dziennie."))}
    ranked = [("d:h0", 3.0), ("d:s2", 2.9), ("t1", 2.8), ("d:s1", 2.7), ("x", 1.0)]
    demoted = ranking.demote_questions(ranked, units, 0.5)
    # text units that are only a question lose half a point; an item keeps its score, whatever it reads like
    assert demoted == [("t1", 2.8), ("d:s1", 2.7), ("d:h0", 2.5), ("d:s2", 2.4), ("x", 1.0)]
    assert ranking.demote_questions(ranked, units, 0.0) == ranked


def test_the_points_of_one_list_are_one_answer():
    def point(key, kind, block, text, list_idx):
        return ranking.Unit(key, kind, "nl", text, None, "d", "d.txt", None, 0, 1, block, list_idx)
    units = {u.key_id: u for u in (
        point("d:5", "passage", 5, "Geen verwijzingen,", 4),
        point("d:6", "passage", 6, "Het aantal prospects is niet toegenomen,", 4),
        point("t7", "tip", 7, "Meet je conversies.", 4),
        point("d:7", "passage", 7, "Meet je conversies.", 4),
        point("d:9", "passage", 9, "Een andere lijst.", 8),
        point("d:3", "passage", 3, "Een alinea.", None))}
    ranked = [("d:6", 3.0), ("d:5", 2.9), ("d:9", 2.8), ("t7", 2.7), ("d:3", 2.6)]
    hits = ranking.hits(ranked, units)
    # one answer per list: an item where one of the list's points is an item, shown as that point
    assert [(h.item_id, h.text) for h in hits] == [("t7", "Meet je conversies."), ("d:9", "Een andere lijst."),
                                                   ("d:3", "Een alinea.")]
    assert hits[0].score == 3.0
    # narrowed to some kinds, each point is an answer of its own
    narrowed = ranking.hits(ranked, units, show_blocks=False)
    assert [h.item_id for h in narrowed] == ["d:6", "d:5", "d:9", "t7", "d:3"]
    # what matched is named from the point shown, not from another point of the list
    units["d:s6"] = ranking.Unit("d:s6", "sentence", "nl", "Het aantal prospects is niet toegenomen,", None, "d",
                                 "d.txt", None, 0, 1, 6, 4)
    hits = ranking.hits([("d:s6", 3.1), *ranked], units)
    assert hits[0].item_id == "t7" and hits[0].sentence is None and hits[0].score == 3.1
