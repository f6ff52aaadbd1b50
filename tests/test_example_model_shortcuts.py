"""The cited-example model's shortcuts give what they stand for: the learned rule's bounded decision
(example_model.reaches) is the probability's."""
from pipeline.extract import example_model


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
