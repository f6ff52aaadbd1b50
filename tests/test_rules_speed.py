"""The speed shortcuts of the myth and tip rules (and their helpers) against their long ways, on the sentences of
the development corpus: each must answer exactly as what it replaces."""
from __future__ import annotations

import pathlib
import re
from functools import lru_cache

import pytest

from pipeline import nlp
from pipeline.lang import get as lang_data

DEV = pathlib.Path(__file__).parent / "fixtures" / "dev-corpus"
LANGS = ("id", "pl", "nl")


@lru_cache(maxsize=None)
def _sentences(lang: str) -> tuple[str, ...]:
    """Rough sentences of the language's development articles (lines cut at full stops), a few thousand."""
    out = []
    for p in sorted((DEV / lang).glob("*.txt")):
        for line in p.read_text(encoding="utf-8").splitlines():
            out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip())
    return tuple(out[:4000])


@lru_cache(maxsize=None)
def _every_field_index(lang: str) -> nlp.CuePhrases:
    """The index as it was: every extraction field, the word lists too."""
    data = lang_data(lang)
    return nlp.CuePhrases({f: getattr(data, f) for f in data.fields() if f.startswith(nlp.CUE_PREFIXES)
                           and isinstance(getattr(data, f), tuple)})


@pytest.mark.parametrize("lang", LANGS)
def test_the_index_without_word_lists_matches_as_every_field_did(lang):
    full = _every_field_index(lang)
    fields = [f for f in lang_data(lang).fields() if f.startswith(nlp.CUE_PREFIXES)]
    assert _sentences(lang)
    for text in _sentences(lang):
        before = full.find(nlp.tokenize(text))
        now = nlp.cue_matches(lang, text)
        assert {f: s for f, s in before.items() if f not in nlp.WORD_LIST_FIELDS} == dict(now)
        for f in fields:    # a word list's cues, asked for, are found on their own
            assert nlp.cues(lang, f, text) == before.get(f, []), (f, text)
            assert nlp.has_cue(lang, f, text) == bool(before.get(f)), (f, text)


def test_the_word_lists_are_read_as_sets_only():
    """No extractor asks ``cue_matches`` for a word list's cues (it leaves them out)."""
    src = pathlib.Path(nlp.__file__).parent
    for p in src.rglob("*.py"):
        for field in re.findall(r"""\.get\(["']([A-Z_]+)["']""", p.read_text(encoding="utf-8")):
            assert field not in nlp.WORD_LIST_FIELDS, (p, field)


@pytest.mark.parametrize("lang", LANGS)
def test_clause_imperative_without_tokens_answers_as_by_tokens(lang):
    from pipeline.extract import grammar

    texts = list(_sentences(lang)) + [
        "Selain memotret produk, tuliskan deskripsi.", "Nowy klient milczy, zadzwoń do niego.",
        "Je hebt weinig tijd, dus kies één kanaal.", "Pierwsze zdanie, __ zadzwoń do niego.",
        "Eerste deel;  -- schrijf liever kort.", "Eerste deel,schrijf-liever kort.", "A, B, dan fokus pada C."]
    hits = 0
    for text in texts:
        expected = any(c in text for c in grammar._CLAUSE_BREAKS) and grammar._clause_imperative_by_tokens(lang, text)
        assert grammar.clause_imperative(lang, text) == expected, text
        hits += expected
    assert hits     # (the long way holds for some)


def test_has_digit_is_any_character_a_digit():
    from pipeline.extract import sentence_model

    texts = [t for lang in LANGS for t in _sentences(lang)] + [
        "", "abc", "ab1", "zażółć²", "①", "x ⁴ y", "٣ arabic", "łódź", "pięć 5", "₂", "ﬁ", "ℕ", "½", "Ⅻ"]
    for text in texts:
        assert sentence_model._has_digit(text) == any(ch.isdigit() for ch in text), text
    assert all(not ch.isascii() for ch in map(chr, range(0x110000))
               if ch.isdigit() and not sentence_model._DIGIT.match(ch))


def _docs():
    from pipeline.stages.extract import doc_from_text

    out = []
    for lang in LANGS:
        for p in sorted((DEV / lang).glob("*.txt"))[:4]:
            out.append(doc_from_text(p.read_text(encoding="utf-8"), lang, p.stem))
    return out


def test_units_are_their_blocks_text_and_come_in_order_without_hits():
    """A unit's text is its span of the block's text; with no rule's hit, the units come in (block, start) order
    (myths._classified leaves them unsorted then)."""
    from pipeline.extract import myths, sentence_model

    for doc in _docs():
        units = sentence_model.candidates(doc, {})
        assert units == sorted(units, key=lambda c: (c.block.idx, c.start))
        for c in units:
            assert c.text == c.block.text[c.start:c.end].strip()
        assert myths.candidates(doc, []) == units


def _find_lowered_as_before(index: nlp.CuePhrases, lowers: list[str]) -> dict[str, list[tuple[int, int]]]:
    """CuePhrases.find_lowered the long way: every phrase tried at every token, each list's spans a sorted set."""
    phrases = [p for table in (index.by_word, index.by_stem, index.by_ending) for ps in table.values() for p in ps]
    phrases += index.inner
    found: dict[str, set[tuple[int, int]]] = {}
    for i in range(len(lowers)):
        for name, elems in phrases:
            end = i + len(elems)
            if end <= len(lowers) and all(nlp._fits(e, w) for e, w in zip(elems, lowers[i:end])):
                found.setdefault(name, set()).add((i, end))
    return {name: sorted(spans) for name, spans in found.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_find_lowered_finds_each_span_once_in_order(lang):
    index = _every_field_index(lang)    # (the stop words too: many words start several phrases)
    texts = list(_sentences(lang))[:150] + ["dan dan dan , i i a to nie , en en dan maar"]
    for text in texts:
        lowers = [t.lower for t in nlp.tokenize(text)]
        expected = _find_lowered_as_before(index, lowers)
        assert index.find_lowered(lowers) == expected, text     # (lists compared as dictionaries: in any order)


@pytest.mark.parametrize("lang", LANGS)
def test_first_word_is_the_first_word_token(lang):
    from pipeline.extract import grammar

    for text in list(_sentences(lang)) + ["", "...", "- „Zadbaj", "__init__ x", "2.000 zł", "’s-Hertogenbosch", "!?"]:
        first = next((t.text for t in nlp.tokenize(text) if t.is_word), None)
        assert grammar._first_word(text) == first, text
