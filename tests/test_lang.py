"""The language data contract: every language module fills ``LanguageData``, and nothing else."""
from __future__ import annotations

import importlib
import types

import pytest

from pipeline import lang
from pipeline.lang import LanguageData, LanguageDataError


@pytest.mark.parametrize("code", lang.SUPPORTED)
def test_every_language_module_fills_the_contract(code):
    data = lang.get(code)
    assert isinstance(data, LanguageData) and data.CODE == code
    module = importlib.import_module(f"pipeline.lang.{code}")
    constants = {k for k in vars(module) if k.isupper() and not k.startswith("_")}
    assert constants == set(LanguageData.fields())
    # the lists every extractor leans on are filled, not left empty
    for field in ("MYTH_CUES", "MYTH_LABELS", "TIP_IMPERATIVES", "TIP_MODALS", "STAT_STUDY_CUES",
                  "EXAMPLE_REPORT_VERBS", "EXAMPLE_STOP", "NUMBER_WORDS", "PERCENT_WORDS", "MONTH_NAMES"):
        assert getattr(data, field), (code, field)


def test_language_data_is_frozen():
    data = lang.get("pl")
    with pytest.raises(Exception):
        data.MYTH_CUES = ()                               # type: ignore[misc]
    with pytest.raises(TypeError):
        data.NUMBER_WORDS["sto"] = 1                      # type: ignore[index]


def _module_like(code: str, **changes) -> types.ModuleType:
    """A copy of a language module's constants, changed: what a contributor's new module might hold."""
    src = importlib.import_module(f"pipeline.lang.{code}")
    mod = types.ModuleType("pipeline.lang.xx")
    for k, v in vars(src).items():
        if k.isupper():
            setattr(mod, k, v)
    for k, v in changes.items():
        if v is None:
            delattr(mod, k)
        else:
            setattr(mod, k, v)
    return mod


def test_a_new_language_module_is_checked_field_by_field():
    assert LanguageData.from_module(_module_like("nl", CODE="xx")).CODE == "xx"
    with pytest.raises(LanguageDataError, match="missing fields TIP_MODALS"):
        LanguageData.from_module(_module_like("nl", TIP_MODALS=None))
    with pytest.raises(LanguageDataError, match="no LanguageData field TIP_MODAL"):
        LanguageData.from_module(_module_like("nl", TIP_MODAL=("moet",)))      # a misspelt name
    with pytest.raises(LanguageDataError, match="MYTH_THAT: expected a tuple"):
        LanguageData.from_module(_module_like("id", MYTH_THAT=("bahwa")))      # a string, not a tuple
    with pytest.raises(LanguageDataError, match="NUMBER_WORDS: entry 'twee'"):
        LanguageData.from_module(_module_like("nl", NUMBER_WORDS={"twee": "2"}))


def test_union_helpers_cover_every_language():
    assert set("ąłż") <= set(lang.letters()) and set("ëé") <= set(lang.letters())
    months = lang.month_names()
    assert {"września", "maart", "agustus", "september"} <= set(months)
    assert list(months) == sorted(months, key=lambda m: (-len(m), m))
    with pytest.raises(lang.UnsupportedLanguage):
        lang.get("de")


def test_no_identifier_code_stands_for_two_languages():
    # langid maps each alias to one supported language (the later would win silently), and a language's
    # own code is never another's alias
    claimed = [(alias, code) for code in lang.SUPPORTED for alias in lang.get(code).LANGID_ALIASES]
    aliases = [alias for alias, _ in claimed]
    assert len(aliases) == len(set(aliases)), claimed
    assert not set(aliases) & set(lang.SUPPORTED)
    assert set(lang.ALL_LANGUAGES_FIELDS) <= set(LanguageData.fields())
