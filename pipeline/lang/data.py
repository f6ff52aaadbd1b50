"""``LanguageData``: every field a language module provides (as spaCy's ``Language.Defaults``).

A language module (``pipeline/lang/<code>.py``) is plain constants, one per field below,
in three sections owned by different stages: de-noise, numbers, extraction. The contract
is strict: :func:`LanguageData.from_module` refuses a module that lacks a field, defines an
upper-case constant that is no field (a misspelt name would otherwise be ignored), or gives
a field the wrong type (``("sumber")`` is a string, not a tuple). Mappings are frozen.

Conventions shared by the word lists: words are lower case unless the field says
otherwise; a cue phrase is words separated by spaces, matched token by token
(``pipeline.nlp``); ``stem*`` matches any word starting with ``stem``, ``*end`` any word
ending with ``end``, ``*part*`` any word containing ``part``.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Mapping

Words = tuple[str, ...]


@dataclass(frozen=True, eq=False)   # eq=False: hashed by identity (mappings are unhashable)
class LanguageData:
    # --- identity ---------------------------------------------------------------
    CODE: str                           # ISO 639-1 code, as spaCy's blank pipelines name it
    NAME: str                           # in English ("Polish")
    LANGID_ALIASES: Words               # other codes py3langid gives this language's text (Malay for Indonesian); read for every language at once (ALL_LANGUAGES_FIELDS)
    LETTERS: str                        # lower-case letters beyond a-z the language writes ("ąćęłńóśźż")

    # --- de-noise -----------------------------------------------------------------
    AUTHOR_PLACEHOLDERS: Words          # a lone author line like this is the site's placeholder ("Admin")
    AUTHOR_LINE_CUES: Words             # "Oleh: Budi", "Autor: ...", "Door ..." (case as written)
    COMMENT_WORDS: Words                # "20 Komentar": a comment counter line
    TOC_LABELS: Words                   # an empty table of contents left by the scraper
    BIO_PREFIXES: Words                 # "Tentang penulis: ..." opens an author bio
    CREDIT_WORDS: Words                 # photo credit cue words ("Foto ... via Shutterstock")
    AD_CALLS: Words                     # calls to action closing an advertising block (case-sensitive)
    AD_CUES: Words                      # words of the promotional lines before a call to action
    KEYWORD_LABELS: Words               # a closing list of SEO keywords or tags under this label
    FURNITURE_CUES: Words               # a block opening with one is page furniture ("udostępnij artykuł")
    CALL_TO_ACTION_CUES: Words          # a closing call to action ("skontaktuj się z nami")
    REGISTRATION_LABELS: Words          # company registration labels in footers (case as written: "NIP", "KvK")
    NAV_WORDS: Words                    # navigation and legal-link words of menus ("kontakt", "o nas")
    JUSTEXT_STOPLIST: str               # the name of jusText's stoplist for the language ("Polish")

    # --- numbers (pipeline/numbers.py) --------------------------------------------
    DECIMAL_SEP: str                    # "," in "2,5"
    THOUSANDS_SEP: Words                # "." in "2.000"; Polish also spaces
    NUMBER_WORDS: Mapping[str, float]   # number words, added up in order ("dwadzieścia pięć" = 25)
    NUMBER_SCALES: Mapping[str, float]  # multiply the unit before them ("dua puluh" = 20)
    NUMBER_TEENS: Mapping[str, float]   # add ten to the unit before them ("dua belas" = 12)
    NUMBER_ONE_PREFIXES: Words          # "one" glued before a scale or magnitude ("seratus")
    NUMBER_JOINERS: Words               # glue between unit and tens ("vijfentwintig")
    WEAK_NUMBER_WORDS: Words            # number words that are no quantity alone ("satu", "een")
    MAGNITUDE_WORDS: Mapping[str, float]  # multiply all before them ("1,5 juta")
    BARE_MAGNITUDE_WORDS: Words         # magnitudes meaning "one ..." alone ("miljoen", "miliona")
    FRACTION_WORDS: Mapping[str, float]   # a fraction by itself ("setengah", "połowa", "de helft")
    DENOMINATOR_WORDS: Mapping[str, float]  # after a numerator: "dua pertiga", "twee derde"
    FRACTION_OF_WORDS: Words            # must follow "one <denominator>" to make it a fraction ("van")
    PERCENT_WORDS: Words                # after a number: a percentage ("persen", "procent*")
    MULTIPLIER_WORDS: Words             # after a number: a multiplier ("kali", "razy", "keer")
    MULTIPLIER_NUMBER_WORDS: Mapping[str, float]  # a multiplier by itself ("dwukrotn*", "verdubbel*")
    PROPORTION_WORDS: Words             # "X dari Y", "X na Y", "X op de Y"
    RANGE_WORDS: tuple[tuple[str, str], ...]  # (opener, joiner) of a range: ("od", "do"); "" = none
    CURRENCY_WORDS: Mapping[str, str]   # after a number: currency word -> ISO code
    CURRENCY_PREFIXES: Mapping[str, str]  # before a number: "Rp" -> IDR
    YEAR_CUES: Words                    # before a year ("sejak 2012", "w 2018")
    YEAR_SUFFIXES: Words                # after a year ("2018 r.")
    MONTH_NAMES: Words                  # a day number next to these is a date; read by ingest too
    TIME_UNIT_WORDS: Words              # after a number: a duration ("3 bulan")
    LABEL_WORDS: Words                  # before a number: a list label ("Mitos 1", "Krok 3")
    COUNT_STOP_WORDS: Words             # after a number: it counts nothing ("punkt 2 i ...")

    # --- extraction: myths and tips ----------------------------------------------
    MYTH_CUES: Words                    # words naming a myth or misconception
    MYTH_WEAK_CUES: Words               # fears and objections: announce quoted claims
    MYTH_LABELS: Words                  # labels of myth headings ("Mitos 1: ...")
    MYTH_THAT: Words                    # "that" after a myth cue ("bahwa", "że", "dat")
    MYTH_BELIEF_CUES: Words             # belief verbs ("percaya", "myśl*", "denken")
    MYTH_SKIP_HEADINGS: Words           # headings that close a list ("Podsumowanie")
    TIP_LABELS: Words                   # labels of tip headings ("Kiat 3: ...", "Stap 2: ...")
    TIP_INTRO_CUES: Words               # words announcing advice ("Berikut ini beberapa kiat")
    TIP_MISTAKE_CUES: Words             # words announcing a list of mistakes
    TIP_IMPERATIVES: Words              # imperative verbs ("jangan", "zorg", "pamiętaj")
    TIP_IMPERATIVE_SUFFIXES: Words      # imperative endings ("-kan", "-lah", "-aj")
    TIP_IMPERATIVE_NOT: Words           # words with those endings that are no imperatives
    TIP_IMPERATIVE_NOT_PREFIXES: Words  # prefixes of declarative and passive verbs ("me-", "di-")
    TIP_NOT_NEXT: Words                 # a word after the verb that shows it is a noun ("adalah")
    TIP_LEAD_WORDS: Words               # words that may come before the imperative ("Selalu", "Dus")
    TIP_CONDITIONALS: Words             # conditional openers ("Jika", "Jeśli", "Als")
    TIP_CONDITIONAL_SUBJECTS: Words     # subjects allowed after the clause's verb ("Jeśli ..., ty ...")
    TIP_MODALS: Words                   # modals of advice anywhere in a sentence ("harus", "musisz", "moet")
    TIP_MODAL_NEGATIONS: Words          # a negation right before a modal cancels it ("tidak perlu")
    TIP_NOT_CUES: Words                 # reader calls to action, requests to the author: no advice
    TIP_FIRST_PERSON: Words             # an imperative aimed at the author ("Beri tahu saya")
    TIP_ANNOUNCE_CUES: Words            # a sentence ending in ":" with these announces a list
    TIP_SUBJECTS: Words                 # a subject right after a sentence-initial verb: a statement
    TIP_SECOND_PERSON: Words            # words addressing the reader ("anda", "twój", "jouw"): a feature of advice
    TIP_NARRATOR_WORDS: Words           # the author speaking of themselves ("saya", "ja", "ik"): a story, not advice
    TIP_ADVICE_CUES: Words              # softer advice anywhere in a sentence ("lebih baik", "najlepiej", "het beste")
    TIP_NOT_OPENERS: Words              # openings that look imperative but are not ("mulai dari" = "ranging from", "stel dat")
    TIP_INVERSION_SUBJECTS: Words       # a subject right after the verb that follows a lead word: a statement ("Daarnaast vind je")
    TIP_SUGGESTION_QUESTIONS: Words     # questions that suggest ("mengapa tidak", "dlaczego nie", "waarom niet")
    MYTH_POPULAR_CUES: Words            # a claim said to be widely held ("banyak orang", "wydaje się", "veel mensen")
    MYTH_REBUTTAL_CUES: Words           # a claim rejected ("padahal", "nic bardziej mylnego", "klopt niet")
    MYTH_ABSOLUTE_CUES: Words           # absolutes of an overgeneralised claim ("hanya", "wyłącznie", "altijd")
    MYTH_POPULAR_NOT_AFTER: Words       # before a popular cue, the many are counted, not believing ("bagi", "coraz", "steeds")
    MYTH_CONTRAST_CUES: Words           # a sentence that opens with these turns against the one before ("namun", "jednak", "maar")

    # --- extraction: statistics and cited examples ---------------------------------
    STAT_SOURCE_PREPS: Words            # "Menurut X", "według X", "volgens X"
    STAT_STUDY_CUES: Words              # words naming a study or data set
    STAT_AGENT_PREPS: Words             # "survei oleh X": the agent of a study
    STAT_FINDING_VERBS: Words           # "X menemukan bahwa ..."
    STAT_HYPOTHETICAL: Words            # before a quantity: a hypothetical, not a fact ("jika")
    STAT_SOURCE_LIST_LABELS: Words      # labels of a closing list of sources ("Bronnen:")
    STAT_NOT_CUES: Words                # right before a quantity: an offer or limit ("diskon 20%")
    STAT_FREQUENCY_WORDS: Words         # after a multiplier: a frequency ("3 kali seminggu")
    STAT_COUNT_NOUNS: Words             # people, customers, orders, copies: a count of them is a business figure
    EXAMPLE_REPORT_VERBS: Words         # verbs of saying and writing ("mengatakan", "pisze", "zegt")
    EXAMPLE_CUES: Words                 # words announcing an example or a case
    EXAMPLE_SUCH_AS: Words              # "seperti X", "takich jak X", "zoals X"
    EXAMPLE_TITLES: Words               # person titles and roles before a name
    EXAMPLE_ORG_NOUNS: Words            # nouns right before a name that make it an organisation
    EXAMPLE_ORG_SUFFIXES: Words         # organisation words ending or starting a name
    EXAMPLE_PLACES: Words               # places: never a cited name by themselves
    EXAMPLE_STOP: Words                 # capitalised words that are never a cited name
    EXAMPLE_PLATFORMS: Words            # platforms named as channels: never a cited example
    EXAMPLE_GENERIC_ACRONYMS: Words     # generic acronyms: terms, not names (SEO, B2B)
    EXAMPLE_NAME_CONNECTORS: Words      # lower-case words inside one name ("of", "van")
    EXAMPLE_NAME_PARTICLES: Words       # particles that join only a last surname ("van", "de")
    EXAMPLE_CONJUNCTIONS: Words         # words joining names in a list ("dan", "i", "en")
    EXAMPLE_WORD_ENDINGS: Words         # inflectional endings: "Posting" is common if "postingan" is written
    EXAMPLE_POSSESSIVES: Words          # possessives next to a noun: "Manajer Komunitas Anda" is no name

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_module(cls, module: types.ModuleType) -> "LanguageData":
        """The data of a language module; a clear error for a missing, unknown or mistyped field."""
        name = module.__name__
        constants = {k: v for k, v in vars(module).items() if k.isupper() and not k.startswith("_")
                     and not isinstance(v, types.ModuleType)}
        missing = [f for f in cls.fields() if f not in constants]
        unknown = sorted(set(constants) - set(cls.fields()))
        if missing or unknown:
            raise LanguageDataError(f"{name}: " + "; ".join(
                part for part in (f"missing fields {', '.join(missing)}" if missing else "",
                                  f"constants that are no LanguageData field {', '.join(unknown)}"
                                  if unknown else "") if part))
        hints = typing.get_type_hints(cls)
        values = {}
        for field in cls.fields():
            value = constants[field]
            problem = _type_problem(value, hints[field])
            if problem:
                raise LanguageDataError(f"{name}.{field}: {problem}")
            values[field] = _freeze(value)
        return cls(**values)


class LanguageDataError(TypeError):
    pass


def _type_problem(value: Any, hint: Any) -> str | None:
    """Why ``value`` does not fit the type ``hint`` (str, float, tuple[...], Mapping[...]), or None."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return None if isinstance(value, str) else f"expected a string, got {type(value).__name__}"
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"expected a number, got {value!r}"
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"expected a tuple, got {type(value).__name__} {value!r:.60}"
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        if len(items) != len(value):
            return f"expected {len(items)} items, got {len(value)}"
        for i, (v, h) in enumerate(zip(value, items)):
            if problem := _type_problem(v, h):
                return f"item {i}: {problem}"
        return None
    if origin is collections.abc.Mapping:
        if not isinstance(value, Mapping):
            return f"expected a mapping, got {type(value).__name__}"
        for k, v in value.items():
            if problem := _type_problem(k, args[0]) or _type_problem(v, args[1]):
                return f"entry {k!r}: {problem}"
        return None
    raise TypeError(f"unsupported field type {hint!r}")


def _freeze(value: Any) -> Any:
    return types.MappingProxyType(dict(value)) if isinstance(value, Mapping) else value
