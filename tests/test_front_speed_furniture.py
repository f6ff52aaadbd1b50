"""furniture's shortcut (issue 8): a long block is told good or neargood only where the context asks, and
the furniture found is the same as with every long block told at once, before the context (the long way)."""
from __future__ import annotations

import pathlib

from pipeline.denoising import furniture
from pipeline.stages import denoise

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    paths = sorted((ROOT / "corpus").glob("*.*")) + sorted((ROOT / "tests/fixtures/holdout-corpus").rglob("*.*")) \
        + sorted((ROOT / "tests/fixtures/dev-corpus").rglob("*.*"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def _classes(blocks):
    return [(b.cls, b.reason, b.lines) for b in blocks]


def test_long_blocks_told_when_asked_give_the_furniture_of_all_told_first(monkeypatch):
    texts = _texts()
    texts += ["Daftar isi\n\nBagikan:\nFacebook\nTwitter\n\n" + texts[0] + "\n\nKlik di sini untuk daftar!\nHubungi kami",
              "## Related posts\nShort one\nAnother short\n\n## Next\n" + texts[1][:2000]]
    calls_to_action = furniture._calls_to_action

    def all_told_first(blocks, stop, settings):
        for b in blocks:
            furniture._is_good(b, stop, settings)
        calls_to_action(blocks, stop, settings)

    checked = 0
    for raw in texts:
        for lang in ("id", "pl", "nl"):
            spans, _ = denoise.remove(raw, lang, [])
            before = [sp for sp in spans if not sp[2].startswith(("furniture", "call_to_action", "foreign"))]
            lazy = furniture._classified(furniture.blocks_of(raw, before), lang)
            with monkeypatch.context() as m:
                m.setattr(furniture, "_calls_to_action", all_told_first)
                eager = furniture._classified(furniture.blocks_of(raw, before), lang)
            assert all(b.cls != "long" for b in eager)
            assert [(b.cls == "bad", b.reason) for b in lazy] == [(b.cls == "bad", b.reason) for b in eager]
            full = furniture.classify(furniture.blocks_of(raw, before), lang)
            assert _classes(full) == _classes(eager)
            checked += len(lazy)
    assert checked > 1000
