"""The cited-example model's shortcuts give what they stand for. How common a word is (example_model.zipf):
looked up in a sorted copy of wordfreq's list kept on disk (pipeline/model_cache.py), it is wordfreq's own
zipf_frequency, value for value; a copy that cannot be written or read leaves wordfreq to look it up. The
learned rule's bounded decision (example_model.reaches) is the probability's."""
import pytest
import wordfreq

from pipeline.extract import example_model

ODD = ["", "2019", "Web 2.0", "M&Ms", "e-mail", "McDonald's", "rock'n'roll", "x" * 40, "ŁÓDŹ", "1,000", "3.5",
       "covid-19", "A4", "100%", "—", "...", "ﬁnanse", "straße", "e\u0301", "Tokopedia", "Zalando", "Bakkerij"]


def _sample(lang: str) -> list[str]:
    """Words from the whole list (every band's first and last), and strings wordfreq cuts or smashes."""
    words = [w for band in wordfreq.get_frequency_list(lang)[::5] for w in band[:2] + band[-1:]]
    return words + ODD + [w.upper() for w in words[:50]]


@pytest.fixture
def fresh_lists():
    example_model._sorted_list.cache_clear()
    example_model.zipf.cache_clear()
    yield
    example_model._sorted_list.cache_clear()
    example_model.zipf.cache_clear()


@pytest.mark.parametrize("lang", ["nl", "id"])
def test_the_sorted_copy_gives_wordfreqs_zipf(tmp_path, monkeypatch, fresh_lists, lang):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    for attempt in ("writes the copy", "reads it"):
        example_model._sorted_list.cache_clear()
        table = example_model._sorted_list(lang)
        assert table is not None, attempt
        for w in _sample(lang):
            ours, theirs = table.zipf(w.casefold(), lang), wordfreq.zipf_frequency(w.casefold(), lang)
            assert (ours, type(ours)) == (theirs, type(theirs)), (attempt, w)
    assert [p.name.startswith("wordfreq-") for p in tmp_path.iterdir()] == [True]


def test_no_writable_cache_leaves_wordfreq_to_look_up(tmp_path, monkeypatch, fresh_lists):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "kb"))
    assert example_model._sorted_list("nl") is None
    assert example_model.zipf("Helaas", "nl") == wordfreq.zipf_frequency("helaas", "nl")


def test_a_damaged_copy_is_not_used(tmp_path, monkeypatch, fresh_lists):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    assert example_model._sorted_list("id") is not None
    (copy,) = tmp_path.iterdir()
    copy.write_bytes(copy.read_bytes()[:1000])        # truncated
    example_model._sorted_list.cache_clear()
    assert example_model._sorted_list("id") is None
    assert example_model.zipf("Misalnya", "id") == wordfreq.zipf_frequency("misalnya", "id")


def test_the_bounded_decision_is_the_probabilitys():
    # reaches() leaves out the lower-case test where it cannot change the answer: the same answer as scoring
    # every feature, on entities scored well above, well below and near the threshold
    from pipeline.extract import examples
    from pipeline.extract.example_weights import WEIGHTS
    from pipeline.stages.extract import doc_from_text

    texts = [("Bisa kita lihat bahwa TikTok berhasil. Saat ini komunitas TikTok sangat besar. Ralali menjual "
              "bahan. Kopi Kenangan dan Tokopedia tumbuh, kata Budi Santoso.", "id"),
             ("Sklep z kawą prowadzi Mirek Burnejko od lat. Sprawdź ich Ściągawkę. Ich Ściągawka jest darmowa. "
              "Posty na Facebooku i Instagramie. Posty Burnejko czyta.", "pl"),
             ("De meeste bezoekers herkennen iDeal (85%) en Thuisbezorgd (61%). Helaas weet Bol niet alles. "
              "Webshop Kado maakt kado's; kado Kado.", "nl")]
    seen = 0
    for text, lang in texts:
        doc = doc_from_text(text, lang)
        for ent in examples.entities(doc):
            assert example_model.reaches(ent, doc) == (example_model.probability(ent, doc) >= WEIGHTS["threshold"])
            seen += 1
    assert seen >= 10
