"""langid.foreign_blocks' shortcuts (issue 8) decide as the long way does: the bound that spares identifying
most paragraphs never rules out one that is foreign, the decisions on all rows at once are the per-row ones,
and identifying a part of the texts gives the same floats as identifying them all."""
from __future__ import annotations

import dataclasses
import pathlib
import re

import numpy as np

from pipeline.stages import langid

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENGLISH = ("Happy customers come back again and recommend your business to their friends and family, so good "
           "service is a long term investment for every shop that wants to grow.")
DUTCH = ("Tevreden klanten komen terug en bevelen je bedrijf aan bij hun vrienden en familie, dus goede service "
         "is een investering voor de lange termijn voor elke winkel die wil groeien.")
POLISH = ("Zadowoleni klienci wracają i polecają twoją firmę swoim znajomym i rodzinie, więc dobra obsługa to "
          "inwestycja na długie lata dla każdego sklepu, który chce się rozwijać.")
INDONESIAN = ("Pelanggan yang puas akan kembali lagi dan merekomendasikan bisnis Anda kepada teman dan keluarga "
              "mereka, jadi layanan yang baik adalah investasi jangka panjang.")


def _paragraphs() -> dict[str, list[str]]:
    """Paragraphs of the sample, holdout and development articles by folder language (id, pl, nl)."""
    out: dict[str, list[str]] = {"id": [], "pl": [], "nl": []}
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    for p in paths:
        text = p.read_text(encoding="utf-8", errors="replace")
        lang = next((c for c in out if f"/{c}/" in str(p) or p.name.startswith(f"{c}-") or f"_{c}" in p.stem), None)
        paras = [" ".join(x.split()) for x in re.split(r"\n\s*\n", text) if x.strip()]
        for code in ([lang] if lang else list(out)):
            out[code].extend(paras)
    return out


def _foreign_blocks_long_way(blocks, lang, settings=langid.Settings()):
    """foreign_blocks as it was: every judged paragraph identified, decided one row at a time."""
    def scores(i):
        return langid._split(langid._probabilities(blocks[i]), lang)

    state = [None] * len(blocks)
    n_letters = [langid.letters(text) for text in blocks]
    judged = [i for i, text in enumerate(blocks) if langid._judged(text, settings, n_letters[i])]
    for i, probs in zip(judged, langid._probabilities_of([blocks[i] for i in judged])):
        p_lang, p_other = langid._split(probs, lang)
        state[i] = p_other >= settings.foreign_min_prob and p_lang <= settings.foreign_max_doc_prob
    if not any(state):
        return [False] * len(blocks)
    out = [bool(s) for s in state]
    decided = [i for i, s in enumerate(state) if s is not None]
    for i, text in enumerate(blocks):
        if state[i] is not None or not n_letters[i]:
            continue
        before = next((state[j] for j in reversed(decided) if j < i), None)
        after = next((state[j] for j in decided if j > i), None)
        in_run = (before or after) and before is not False and after is not False
        if not (in_run or (after and langid._is_heading(text, settings))):
            continue
        p_lang, p_other = scores(i)
        out[i] = p_lang <= settings.foreign_max_doc_prob and p_other > p_lang
    return out


def test_the_bound_never_rules_out_a_paragraph_another_language_is_that_sure_of():
    paras = _paragraphs()
    mixed = [ENGLISH, DUTCH, POLISH, INDONESIAN, ENGLISH[:90], "ok " * 40, "x" * 200, "Malaysia " * 12]
    checked = proved = 0
    for lang, texts in paras.items():
        texts = texts[:600] + mixed
        probs = langid._probability_rows(texts)
        _, p_other = langid._split_rows(probs, lang)
        # thresholds down to a half: texts close to the limit, on both sides of it
        for q in (0.9, 0.8, 0.7, 0.6, 0.5):
            settings = dataclasses.replace(langid.Settings(), foreign_min_prob=q)
            maybe = langid._may_be_foreign(texts, lang, settings)
            assert maybe[p_other >= q].all()
            checked += len(texts)
            proved += int((~maybe).sum())
    assert proved > checked // 2    # and it proves most


def test_foreign_blocks_are_the_long_ways():
    paras = _paragraphs()
    other = {"id": ENGLISH, "pl": DUTCH, "nl": ENGLISH}
    for lang, texts in paras.items():
        docs = [texts[i:i + 25] for i in range(0, min(len(texts), 400), 25)]
        docs += [[texts[0], "Why answering matters", other[lang], "Keep it short.", other[lang], "Be honest.", texts[1]],
                 [other[lang], other[lang] + " Again.", "A heading", ENGLISH, *texts[2:6]], [], ["", "ok"]]
        for blocks in docs:
            for q in (0.9, 0.6):
                settings = dataclasses.replace(langid.Settings(), foreign_min_prob=q)
                assert langid.foreign_blocks(blocks, lang, settings) == _foreign_blocks_long_way(blocks, lang, settings)
    polish = paras["pl"][:3]
    assert any(langid.foreign_blocks([polish[0], ENGLISH, polish[1]], "pl"))


def test_rows_split_as_each_row_is():
    texts = [t for ts in _paragraphs().values() for t in ts[:200]] + [ENGLISH, "", "123"]
    probs = langid._probability_rows(texts)
    for lang in ("id", "pl", "nl"):
        p_lang, p_other = langid._split_rows(probs, lang)
        for row, a, b in zip(probs, p_lang.tolist(), p_other.tolist()):
            assert (a, b) == langid._split(row, lang)
    # any number of columns for a language (two for "id" and its alias "ms"): the sums of numpy's sum
    rng = np.random.default_rng(3)
    rows = rng.random((500, 142), dtype=np.float32) * rng.choice([1e-8, 1e-3, 1.0], size=(500, 142)).astype(np.float32)
    for k in range(1, 8):
        own = np.arange(k) * 5 + 1
        want = np.array([row[own].sum() for row in rows])
        assert langid._own_sums(rows, own).tobytes() == want.tobytes()


def test_a_part_of_the_texts_is_identified_with_the_same_floats():
    texts = [t for ts in _paragraphs().values() for t in ts[:120]]
    whole = langid._identified_rows(texts)
    part = langid._identified_rows(texts[5::7])
    assert whole[5::7].tobytes() == part.tobytes()


def test_features_by_feature_are_those_in_text_order():
    texts = [t for ts in _paragraphs().values() for t in ts[:60]] + ["", "a"]
    f1, c1, b1, l1 = langid._text_features(texts)
    f2, c2, b2, l2 = langid._text_features(texts, in_text_order=False)
    assert b1 == b2 and np.array_equal(l1, l2)
    for t in range(len(texts)):
        a, b = b1[t], b1[t + 1]
        assert sorted(zip(f1[a:b].tolist(), c1[a:b].tolist())) == list(zip(f2[a:b].tolist(), c2[a:b].tolist()))


def test_the_bound_table_kept_on_disk_is_the_one_made(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    made = langid._made_bound_table("pl")

    def same(kept) -> bool:
        return kept["bound"].tobytes() == made[0].tobytes() and kept["prior_gain"].tobytes() == made[1].tobytes()

    for _ in range(2):    # written, then read
        kept = langid._kept_bound_table("pl")
        assert same(kept) and not kept["bound"].flags.writeable
    folder = next(p for p in (tmp_path / "cache").iterdir() if ".bound-pl-" in p.name)
    (folder / "bound.npy").write_bytes(b"damaged")
    assert same(langid._kept_bound_table("pl"))                  # made again ...
    assert len((folder / "bound.npy").read_bytes()) > 1000       # ... and kept again
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocked / "below"))   # no folder can be made: made in memory
    assert same(langid._kept_bound_table("pl"))


def test_every_bound_column_bounds_its_classes():
    table = langid._feature_table()
    for lang in ("id", "pl", "nl"):
        bound, prior_gain, prior_max, most = langid._bound_table(lang)
        own, others = langid._columns(lang)
        li = next(i for i in own if langid._identifier().nb_classes[i] == lang)
        rows = np.arange(0, len(table), 97)
        diff = table[rows][:, others].astype(np.float64) - table[rows, li:li + 1].astype(np.float64)
        # each other class is under some group's column on every feature, and its prior under that group's
        fits = (diff[:, :, None] <= bound[rows, None, :-1]).all(axis=0)     # (class, group)
        prior = langid._identifier().nb_pc.astype(np.float64)
        fits &= (prior[others] - prior[li])[:, None] <= prior_gain[None, :]
        assert fits.any(axis=1).all()
        assert (np.abs(table[rows]).max(axis=1) <= bound[rows, -1]).all() and most == 2


def test_no_bound_where_it_cannot_hold():
    texts = [ENGLISH, POLISH]
    for q in (0.0, 0.9995, 1.0, 1.5):
        settings = dataclasses.replace(langid.Settings(), foreign_min_prob=q)
        assert langid._may_be_foreign(texts, "pl", settings).all()
    assert langid._may_be_foreign(texts, "xx", langid.Settings()).all()
    assert langid.foreign_blocks([POLISH, ENGLISH], "xx") == _foreign_blocks_long_way([POLISH, ENGLISH], "xx")


def _document_language_long_way(text, settings=langid.Settings()):
    """document_language as it was: letters counted for every paragraph, each row's probability apart."""
    from collections import Counter

    lines = langid._unmarked_lines(text[: settings.vote_max_chars])
    blocks = [" ".join(g) for g in langid.paragraph_groups(lines)]
    voting = [(b, n) for b in blocks if (n := langid.letters(b)) >= settings.vote_min_letters]
    is_judged = [langid._judged(b, settings, n) for b, n in voting]
    if not any(is_judged):
        return langid.detect(text, settings)
    judged = [(b, n) for (b, n), j in zip(voting, is_judged) if j]
    judged_probs = langid._probabilities_of([b for b, _ in judged])
    shorter = iter(langid._probabilities_of([b for (b, _), j in zip(voting, is_judged) if not j]))
    longer = iter(judged_probs)
    votes: Counter[str] = Counter()
    for (_, n), j in zip(voting, is_judged):
        votes[langid._top(next(longer) if j else next(shorter), settings)] += n
    lang = votes.most_common(1)[0][0]
    scored = [(n, langid._lang_probability(probs, lang)) for (_, n), probs in zip(judged, judged_probs)]
    return lang, sum(n * p for n, p in scored) / sum(n for n, _ in scored)


def test_document_language_is_the_long_ways():
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    texts += ["\n\n".join([INDONESIAN, ENGLISH, "Baca juga", "ok"]), "\n\n".join([ENGLISH, INDONESIAN, DUTCH]),
              "Kort.\n\nA b c.", "", "ms " * 50 + "\n\n" + INDONESIAN]
    for text in texts:
        got = langid.document_language(text)
        assert got == _document_language_long_way(text), text[:60]
