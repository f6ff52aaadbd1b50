"""example_model.zipf read from pipeline.wordfreq_table: wordfreq.zipf_frequency's value for every word."""
from __future__ import annotations

import pathlib
import re
import unicodedata

import pytest
import wordfreq
from wordfreq.tokens import lossy_tokenize

from pipeline import wordfreq_table
from pipeline.extract import example_model

LANGS = ("en", "pl", "nl", "id")
ROOT = pathlib.Path(__file__).resolve().parent.parent

# words wordfreq cuts, normalises or smashes: apostrophes (straight and curly, the French split), digits,
# hyphens and other joiners, decomposed and compatibility forms, case folds that change length or add marks,
# unspaced scripts, symbols, marks, spaces, the empty word
SPECIAL = ["", " ", "-", "'", "don't", "don’t", "l'homme", "qu'il", "rock'n'roll", "'quoted'", "o'", "2019",
           "1,000", "abc123", "a1", "x2x", "e-mail", "New York", "foo_bar", "fooBar", "@s", "tod@s", "amig@",
           "東京", "ひらがな", "カタカナ", "ภาษาไทย", "ສະບາຍ", "İstanbul", "ISTANBUL", "ß", "STRASSE", "ﬁne", "ﬀ",
           "e\u0301te", "été", "Σίσυφος", "ΣΊΣΥΦΟΣ", "москва", "서울", "ǅemal", "º", "ª", "µ", "ﾊﾝｶｸ", "ｆｕｌｌ",
           "a\u00adb", "zwj\u200dzwj", "😀", "a😀", "١٢٣", "اللغة", "עברית", "n\u0303", "ŉ", "ǰ", "Ÿ", "ı", "ſ",
           "łódź", "ŁÓDŹ", "Żółć", "ĳs", "Ĳssel", "ijs", "ä", "a\u0308", "\u3005", "ー", "〆", "ꙮ", "ᾳ", "ᾼ"]


def _corpus_words() -> set[str]:
    paths = [*(ROOT / "corpus").rglob("*"), *(ROOT / "tests" / "fixtures").rglob("*")]
    words: set[str] = set()
    for path in paths:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            words.update(re.findall(r"\w+", text))
            words.update(re.findall(r"\S+", text))     # with their punctuation, apostrophes, digits
    return words


def _variants(word: str) -> set[str]:
    return {word, word.lower(), word.upper(), word.title(), word.casefold(), unicodedata.normalize("NFD", word)}


def _list_sample(lang: str) -> list[str]:
    """Every 13th word of the list, and all of its 2,000 most frequent."""
    words = list(wordfreq.iter_wordlist(lang))
    return words[:2000] + words[2000::13]


@pytest.fixture(scope="module")
def fresh_tables(tmp_path_factory):
    """The tables built anew in an empty cache folder, for this module's tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_CACHE_DIR", str(tmp_path_factory.mktemp("kb-cache")))
        wordfreq_table.table.cache_clear()
        example_model.zipf.cache_clear()
        yield {lang: wordfreq_table.table(lang) for lang in LANGS}
    wordfreq_table.table.cache_clear()
    example_model.zipf.cache_clear()


def _assert_same(words, lang: str) -> None:
    wrong = [(w, example_model.zipf(w, lang), wordfreq.zipf_frequency(w.casefold(), lang)) for w in words
             if example_model.zipf(w, lang) != wordfreq.zipf_frequency(w.casefold(), lang)]
    assert not wrong, wrong[:20]


def test_tables_are_built(fresh_tables):
    assert all(fresh_tables[lang] is not None and len(fresh_tables[lang]) > 10000 for lang in LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_corpus_and_special_words_as_wordfreq(fresh_tables, lang):
    words = set(SPECIAL)
    for word in _corpus_words():
        words |= _variants(word)
    _assert_same(sorted(words), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_list_words_as_wordfreq(fresh_tables, lang):
    words = set()
    for word in _list_sample(lang):
        words |= _variants(word)
    _assert_same(sorted(words), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_table_answers_most_words_itself(fresh_tables, lang):
    """The table, not wordfreq, answers list words and absent plain words (wordfreq is asked only for others)."""
    table = fresh_tables[lang]
    sample = _list_sample(lang)
    answered = [w for w in sample if table.zipf(w) is not None]
    assert len(answered) > 0.9 * len(sample)
    assert table.zipf("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq") is not None
    assert table.zipf("don't") is None and table.zipf("2019") is None and table.zipf("東京") is None


@pytest.mark.parametrize("lang", LANGS)
def test_table_words_are_one_token(fresh_tables, lang):
    """Each word the table answers for is one token, itself, to wordfreq."""
    table = fresh_tables[lang]
    words = [table[i].decode() for i in range(0, len(table), 7)]
    one_token = [w for w in words if table.one_token(w)]
    assert len(one_token) > 0.9 * len(words)
    assert all(lossy_tokenize(w, lang) == [w] for w in one_token)


def test_every_table_letter_joins(fresh_tables):
    """No token boundary between any two of the table's letters: each, doubled around another, stays one token."""
    letters = re.compile("[%s]" % wordfreq_table._one_token_letters("en"))
    every = "".join(map(chr, range(0x110000)))
    for c in letters.findall(every):
        for word in (c + "a" + c, "a" + c + c + "a"):
            if unicodedata.is_normalized("NFC", word):
                assert lossy_tokenize(word, "en") == [word], repr(c)


@pytest.fixture
def cache_at(monkeypatch):
    """Point the cache at a folder (``cache_at(path)``), the tables and Zipf values forgotten before and after."""
    def point(path: pathlib.Path) -> None:
        monkeypatch.setenv("KB_CACHE_DIR", str(path))
        _forget()

    def _forget() -> None:
        wordfreq_table.table.cache_clear()
        example_model.zipf.cache_clear()

    yield point
    _forget()


def test_unwritable_cache_asks_wordfreq(tmp_path, cache_at):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache_at(blocker / "kb")   # no folder can be made there
    assert wordfreq_table.table("pl") is None
    _assert_same(["Dom", "domu", "Warszawa", "", "don't", "2019", "qqqqqqqqqq"], "pl")


def test_damaged_table_asks_wordfreq(tmp_path, cache_at):
    cache_at(tmp_path)
    assert wordfreq_table.table("id") is not None
    for path in tmp_path.iterdir():
        path.write_bytes(b"damaged")
    wordfreq_table.table.cache_clear()
    assert wordfreq_table.table("id") is None


def test_language_without_plain_list_asks_wordfreq(tmp_path, cache_at):
    """No list of the code's own (wordfreq matches another), or a language it cuts with MeCab: no table."""
    cache_at(tmp_path)
    assert wordfreq_table.table("xx") is None and wordfreq_table.table("ja") is None
