"""Numbers and quantities in Indonesian, Polish and Dutch sentences.

``parse_number`` reads a whole string as a number ("2.000", "1,5 juta", "vijfentwintig");
``find_quantities`` scans a sentence and returns every quantity with its character
offsets: percentages, proportions ("osiem na dziesięć" = 80 percent), counts, money
and multipliers. All language knowledge (separators, number words, unit words) is
read from the ``# --- numbers ---`` section of ``pipeline/lang/<code>.py``; this module
holds the logic and the few signs every language shares, so a new language needs
only a data module.

Units of a :class:`Quantity`:
  percent     value 0-100 ("15%", "twee derde" = 66.67, "de helft" = 50)
  count       how many ("100.000 pengikut", "satu miliar pengguna")
  currency    an amount of money, ``currency`` is its ISO code ("$ 2.000" = 2000 USD)
  multiplier  "3x", "dwa razy", "drie keer"
  number      a bare number that counts nothing in particular
and, for callers to skip (see :func:`is_statistic`):
  year        "sejak 2012", "w 2018 r."
  range       advice like "150-300 słów": ``value`` is the low end, ``high`` the high end
  duration    "30 sekund", "3 bulan"
Dates, clock times, list numbers ("1:", "# 4:", "Mitos 2"), ordinals and numbers inside
codes (B2B, URLs, file names) are not returned at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, TypeVar

from pipeline import lang as _lang

__all__ = [
    "Quantity", "parse_number", "find_quantities", "is_year", "is_statistic",
    "PERCENT", "COUNT", "CURRENCY", "MULTIPLIER", "NUMBER", "YEAR", "RANGE", "DURATION", "STATISTIC_UNITS",
]

PERCENT, COUNT, CURRENCY, MULTIPLIER, NUMBER = "percent", "count", "currency", "multiplier", "number"
YEAR, RANGE, DURATION = "year", "range", "duration"
# Units that can carry a statistic; the others are context a caller normally skips.
STATISTIC_UNITS = frozenset({PERCENT, COUNT, CURRENCY, MULTIPLIER})

# Shared by every language; a language adds its words in CURRENCY_WORDS / CURRENCY_PREFIXES.
DEFAULT_CURRENCY_SIGNS: Mapping[str, str] = {
    "$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
}
DEFAULT_PERCENT_SIGNS = ("%",)
DEFAULT_MULTIPLIER_SIGNS = ("x", "×")
# A bare four-digit number in this span is a year ("Studi 2012 menemukan"): in these
# articles years far outnumber plain counts like "2000 pengguna" (written "2.000").
YEAR_SPAN = (1900, 2099)
# With a cue ("tahun", "w", "sinds") or a suffix ("r.") older years are accepted too.
CUED_YEAR_SPAN = (1500, 2199)
# A proportion's denominator is small ("8 op de 10", "1 dari 3"), never a year.
MAX_DENOMINATOR = 1000

_WS = r"[ \t\u00a0\u202f]"  # blanks inside a line, including the (narrow) no-break space
_SPACES = ("\u00a0", "\u202f")
_BLANKS = frozenset(" \t\u00a0\u202f")    # the characters of _WS

T = TypeVar("T")


@dataclass(frozen=True)
class Quantity:
    """A quantity found in a text; ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    value: float
    unit: str
    currency: str | None = None
    high: float | None = None  # upper end of a range


def is_year(q: Quantity) -> bool:
    return q.unit == YEAR


def is_statistic(q: Quantity) -> bool:
    """True for percentages, counts, money and multipliers; False for years, ranges, durations, bare numbers."""
    return q.unit in STATISTIC_UNITS


# --- language grammar -------------------------------------------------------------


@dataclass(frozen=True, eq=False)     # one per language, hashed by identity (a key of _words_number's cache)
class _Grammar:
    """One language's number data, with its regexes compiled once."""

    decimal: str
    thousands: frozenset[str]
    words: Mapping[str, float]
    scales: Mapping[str, float]
    teens: Mapping[str, float]
    magnitudes: Mapping[str, float]
    bare: frozenset[str]
    joiners: frozenset[str]
    one_prefixes: frozenset[str]
    weak: frozenset[str]
    fractions: Mapping[str, float]
    denominators: Mapping[str, float]
    fraction_of: frozenset[str]
    mult_numbers: Mapping[str, float]
    currency_after: Mapping[str, str]
    currency_before: Mapping[str, str]
    stop_words: frozenset[str]
    number_re: re.Pattern[str]
    number_start: re.Pattern[str] | None    # where number_re may match in an ASCII text lower-cased (_next_number)
    number_start_cased: re.Pattern[str] | None  # the same in any text as it is (IGNORECASE, as number_re)
    morpheme_re: re.Pattern[str]
    magnitude_after: re.Pattern[str]
    percent_after: re.Pattern[str]
    multiplier_after: re.Pattern[str]
    currency_after_re: re.Pattern[str]
    currency_before_re: re.Pattern[str]
    denominator_after: re.Pattern[str]
    fraction_of_after: re.Pattern[str]
    proportion_after: re.Pattern[str]
    range_after: Mapping[str, re.Pattern[str]]  # opener -> "<joiner> " after the first number
    after_weak: re.Pattern[str]     # any of percent_after, currency_after_re, proportion_after, range_after's
    range_opener_before: re.Pattern[str]
    time_after: re.Pattern[str]
    month_after: re.Pattern[str]
    month_before: re.Pattern[str]
    year_cue_before: re.Pattern[str]
    year_suffix_after: re.Pattern[str]
    label_before: re.Pattern[str]
    # month_before, year_cue_before, label_before read backwards: matched at the start of the reversed text before
    # a number (_ends_with), not searched at every position of it
    month_before_reversed: re.Pattern[str]
    year_cue_before_reversed: re.Pattern[str]
    label_before_reversed: re.Pattern[str]
    starts: tuple[str, ...]  # lower-case beginnings of every number word: a text without any has no number


def _alt(items: Iterable[str], *, bounded: bool = True) -> str:
    """A regex alternation of lower-case phrases, longest first.

    "stem*" matches any word starting with stem; a space matches a run of blanks.
    With ``bounded`` each phrase ending in a letter must end a word.

    Written as a trie of the phrases (common prefixes factored out: with IGNORECASE re enters every branch of an
    alternation to test its first letter, hundreds of number words at every number and candidate). It tries the
    phrases that may match at one place in the same order as a flat list longest first: where two part ways, on
    different characters (never both there) or on a blank run (never a letter), or one goes on with ``\\w*`` (a
    wildcard, tried after the longer ones) or ends there (tried last). A wildcard "ab*" and a phrase "abc" of its
    length were in no fixed order in the flat list (a set's); here the phrase comes first.
    """
    tree: dict[str, dict] = {}
    for item in set(items):
        wild = item.endswith("*")
        core = item[:-1] if wild else item
        node = tree
        for k, word in enumerate(core.split()):
            if k:
                node = node.setdefault(_BLANK_RUN, {})
            for ch in word:
                node = node.setdefault(ch, {})
        bound = r"(?!\w)" if bounded and (wild or core[-1:].isalnum()) else ""
        node[_WILD if wild else _END] = (r"\w*" if wild else "") + bound
    return "(?:" + _emit_alt(tree) + ")" if tree else "(?!)"


# the keys of a node of _alt's trie besides characters: a blank run; the tails of a wildcard phrase and of a phrase
# that ends there
_BLANK_RUN, _WILD, _END = "\0blank", "\0wild", "\0end"


def _emit_alt(node: dict) -> str:
    chars = sorted(key for key in node if len(key) == 1)
    for i, a in enumerate(chars):
        for b in chars[i + 1:]:
            if not _apart(a, b):
                raise ValueError(f"number words part ways on {a!r} and {b!r}, one character under IGNORECASE")
    alts = [re.escape(ch) + _emit_alt(node[ch]) for ch in chars]
    if _BLANK_RUN in node:
        alts.append(f"{_WS}+" + _emit_alt(node[_BLANK_RUN]))
    alts += [node[tail] for tail in (_WILD, _END) if tail in node]
    if len(alts) == 1:
        return alts[0]
    if alts[-1] == "":
        return "(?:" + "|".join(alts[:-1]) + ")?"
    return "(?:" + "|".join(alts) + ")"


@lru_cache(maxsize=4096)     # (pairs of the word lists' characters, asked while grammars are built)
def _apart(a: str, b: str) -> bool:
    """Whether characters ``a`` and ``b`` never match one text character together under IGNORECASE (as "s" and "ſ"
    do), so that their order in a trie node is free."""
    return not (re.fullmatch(re.escape(a), b, re.I) or re.fullmatch(re.escape(b), a, re.I))


def _alt_reversed(items: Iterable[str]) -> str:
    """``_alt(items)`` for the reversed text: it matches the reversed strings of what ``_alt(items)`` matches where
    blanks or the end follow (its check that a phrase ends a word then holds anyway)."""
    parts = []
    for item in sorted(set(items), key=len, reverse=True):
        wild = item.endswith("*")
        core = item[:-1] if wild else item
        parts.append((r"\w*" if wild else "") + f"{_WS}+".join(re.escape(w[::-1]) for w in reversed(core.split())))
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


def _trie(words: Iterable[str], char: Callable[[str], str] = re.escape) -> str:
    """A regex matching any of ``words`` (non-empty), their common prefixes factored out: fast to try
    (``char``: the regex of one character)."""
    tree: dict[str, dict] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [char(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


def _ahead(items: Iterable[str]) -> str:
    """A lookahead for the first words of ``_alt(items)``: a search tries the alternation only where one starts
    (the patterns searched in the text before a number try every position)."""
    heads = {w.split()[0].rstrip("*") for w in items if w.split()}
    return f"(?={_trie(heads)})" if heads and "" not in heads else ""


def _lookup(table: Mapping[str, T], word: str) -> T | None:
    """``table[word]``, where a key "stem*" matches any word starting with stem."""
    word = " ".join(word.lower().split())
    if word in table:
        return table[word]
    for key, value in table.items():
        if key.endswith("*") and word.startswith(key[:-1]):
            return value
    return None


def _digits_pattern(thousands: frozenset[str]) -> str:
    # Space-grouped thousands ("2 000") only where the language uses them, and only
    # for 3-digit groups, so that "w 2012 100 osób" stays two numbers.
    spaces = "".join(sorted(sep for sep in thousands if sep.isspace()))
    plain = r"[0-9]+(?:[.,][0-9]+)*"
    if not spaces:
        return plain
    return rf"[0-9]{{1,3}}(?:[{spaces}][0-9]{{3}})+(?![0-9])(?:,[0-9]+)?|{plain}"


@lru_cache(maxsize=None)
def _grammar(code: str) -> _Grammar:
    L = _lang.get(code)     # every field is there: LanguageData checks the module

    def data(name: str) -> Any:
        return getattr(L, name)

    words = dict(data("NUMBER_WORDS"))
    scales = dict(data("NUMBER_SCALES"))
    teens = dict(data("NUMBER_TEENS"))
    magnitudes = dict(data("MAGNITUDE_WORDS"))
    fractions = dict(data("FRACTION_WORDS"))
    denominators = dict(data("DENOMINATOR_WORDS"))
    joiners = tuple(data("NUMBER_JOINERS"))
    one_prefixes = tuple(data("NUMBER_ONE_PREFIXES"))
    mult_numbers = dict(data("MULTIPLIER_NUMBER_WORDS"))
    currency_after = {**DEFAULT_CURRENCY_SIGNS, **dict(data("CURRENCY_WORDS"))}
    currency_before = {**DEFAULT_CURRENCY_SIGNS, **dict(data("CURRENCY_PREFIXES"))}
    range_joiners: dict[str, tuple[str, ...]] = {}
    for opener, joiner in data("RANGE_WORDS"):
        range_joiners[opener] = range_joiners.get(opener, ()) + (joiner,)
    months = tuple(data("MONTH_NAMES"))   # English ones included (lang/shared.py)

    morphemes = _alt([*words, *scales, *teens, *magnitudes, *fractions, *denominators, *joiners,
                      *one_prefixes], bounded=False)
    # A run of number words: glued ("vijfentwintig", "seratus") or spaced ("dua puluh lima").
    phrase = rf"(?<!\w){morphemes}+(?!\w)(?:{_WS}+{morphemes}+(?!\w))*"
    digits = _digits_pattern(frozenset(data("THOUSANDS_SEP")))
    number_re = rf"(?P<mw>(?<!\w){_alt(mult_numbers)})|(?P<dig>{digits})|(?P<words>{phrase})"
    # Every match starts at a digit or at a word starting with an item's first word: a cheap lookahead
    # (one trie, not hundreds of alternatives tried at every character) skips the other positions.
    heads = {w.split()[0].rstrip("*") for w in (*words, *scales, *teens, *magnitudes, *fractions, *denominators,
                                               *joiners, *one_prefixes, *mult_numbers)}
    number_re = rf"(?=[0-9]|(?<!\w){_trie(heads)})(?:{number_re})" if "" not in heads else number_re
    # The same lookahead in an ASCII text lower-cased, read from the character before (a non-word one, or the
    # digit itself) and without IGNORECASE: a pattern that starts with a set of characters, which re skips to at
    # C speed (a lookahead is tried at every position), its letters plain lower-case ones (_ascii_lower_forms)
    number_start = rf"[\W0-9](?:(?<=[0-9])|(?={_trie(heads, _ascii_lower_forms)}))" if "" not in heads else None
    # ... and in a text not all ASCII, as it is: number_re's own lookahead, from the character before. re skips to
    # that character at C speed all the same (the set has no cased letter); number_re searched tries every position
    # (a class of the words' first letters first: one test where re would enter each branch of the trie's first)
    firsts = "".join(sorted({re.escape(h[0]) for h in heads if h}))
    number_start_cased = rf"[\W0-9](?:(?<=[0-9])|(?=[{firsts}])(?={_trie(heads)}))" if "" not in heads else None
    sep = rf"(?:{_WS}*|-)"  # "15%", "15 persen", "10-procentowy", "2-krotnie"
    range_after = {
        opener: re.compile(
            (rf"(?:{_WS}+[^\W\d_]+)?" if opener else "") + rf"{_WS}+{_alt(joiners_)}{_WS}+", re.I)
        for opener, joiners_ in range_joiners.items()
    }
    flags = re.I
    percent_after = re.compile(sep + _alt((*DEFAULT_PERCENT_SIGNS, *data("PERCENT_WORDS"))), flags)
    currency_after_re = re.compile(rf"{_WS}*({_alt(currency_after)})", flags)
    proportion_after = re.compile(rf"{_WS}+{_alt(data('PROPORTION_WORDS'))}{_WS}+", flags)
    after_weak = "|".join(f"(?:{p.pattern})" for p in (percent_after, currency_after_re, proportion_after,
                                                          *range_after.values()))
    return _Grammar(
        decimal=str(data("DECIMAL_SEP")),
        thousands=frozenset(data("THOUSANDS_SEP")),
        words=words, scales=scales, teens=teens, magnitudes=magnitudes,
        bare=frozenset(data("BARE_MAGNITUDE_WORDS")),
        joiners=frozenset(joiners), one_prefixes=frozenset(one_prefixes),
        weak=frozenset(data("WEAK_NUMBER_WORDS")),
        fractions=fractions, denominators=denominators,
        fraction_of=frozenset(data("FRACTION_OF_WORDS")),
        mult_numbers=mult_numbers, currency_after=currency_after, currency_before=currency_before,
        stop_words=frozenset(data("COUNT_STOP_WORDS")),
        number_re=re.compile(number_re, flags),
        number_start=re.compile(number_start) if number_start else None,
        number_start_cased=re.compile(number_start_cased, flags) if number_start_cased else None,
        morpheme_re=re.compile(morphemes, flags),
        magnitude_after=re.compile(rf"{_WS}*({_alt(magnitudes)})", flags),
        percent_after=percent_after,
        # "x" must not be a dimension ("1080x720") or a product ("3 x 4").
        multiplier_after=re.compile(
            sep + _alt((*DEFAULT_MULTIPLIER_SIGNS, *data("MULTIPLIER_WORDS"))) + rf"(?!{_WS}*[0-9])", flags),
        currency_after_re=currency_after_re,
        currency_before_re=re.compile(rf"(?<!\w){_ahead(currency_before)}({_alt(currency_before)}){_WS}*\Z", flags),
        denominator_after=re.compile(rf"{_WS}+({_alt(denominators)})", flags),
        fraction_of_after=re.compile(rf"{_WS}+{_alt(data('FRACTION_OF_WORDS'))}", flags),
        proportion_after=proportion_after,
        range_after=range_after,
        after_weak=re.compile(after_weak, flags),
        range_opener_before=re.compile(
            rf"(?<!\w){_ahead(o for o in range_joiners if o)}({_alt(o for o in range_joiners if o)}){_WS}+\Z", flags),
        time_after=re.compile(rf"(?:{_WS}+|-){_alt(data('TIME_UNIT_WORDS'))}", flags),
        month_after=re.compile(rf"{_WS}+{_alt(months)}", flags),
        month_before=re.compile(rf"(?<!\w){_ahead(months)}{_alt(months)}{_WS}+\Z", flags),
        year_cue_before=re.compile(rf"(?<!\w){_ahead(data('YEAR_CUES'))}{_alt(data('YEAR_CUES'))}{_WS}+\Z", flags),
        year_suffix_after=re.compile(rf"{_WS}*{_alt(data('YEAR_SUFFIXES'))}", flags),
        month_before_reversed=re.compile(rf"{_WS}+{_alt_reversed(months)}(?!\w)", flags),
        year_cue_before_reversed=re.compile(rf"{_WS}+{_alt_reversed(data('YEAR_CUES'))}(?!\w)", flags),
        label_before_reversed=re.compile(rf"{_WS}*(?:{_alt_reversed(data('LABEL_WORDS'))}(?!\w)|#)", flags),
        label_before=re.compile(rf"(?:(?<!\w){_ahead(data('LABEL_WORDS'))}{_alt(data('LABEL_WORDS'))}|#){_WS}*\Z",
                                flags),
        starts=tuple(sorted({w.split()[0].rstrip("*").lower() for w in (*words, *scales, *teens, *magnitudes,
                             *fractions, *denominators, *joiners, *one_prefixes, *mult_numbers)})),
    )


# --- parsing numbers ---------------------------------------------------------------


_DIGIT_GROUPS_RE = re.compile(r"[0-9]+(?:[., ][0-9]+)*")
_DIGIT_SEP_RE = re.compile(r"[., ]")
_NON_SPACE_RE = re.compile(r"\S+")
_LETTER_NEXT_RE = re.compile(r"[^\W\d_]|-[^\W\d_]")


def _parse_digits(s: str, g: _Grammar) -> float | None:
    """Digits with the language's separators: "2.000" = 2000, "2,5" = 2.5, "1.234,56", "2 000"."""
    for space in _SPACES:
        s = s.replace(space, " ")
    if not _DIGIT_GROUPS_RE.fullmatch(s):
        return None
    groups = _DIGIT_SEP_RE.split(s)
    seps = _DIGIT_SEP_RE.findall(s)
    if not seps:
        return float(s)
    frac = ""
    # "1,000" cannot be a decimal anyone writes: English grouping left by translation.
    english_thousands = len(seps) == 1 and groups[-1] == "000"
    if seps[-1] == g.decimal and seps.count(g.decimal) == 1 and not english_thousands:
        groups, seps, frac = groups[:-1], seps[:-1], groups[-1]
    if seps:
        grouped = len(set(seps)) == 1 and len(groups[0]) <= 3 and all(len(x) == 3 for x in groups[1:])
        native = seps[0] in g.thousands or (seps[0] == " " and " " in g.thousands)
        if grouped and (native or len(seps) > 1 or english_thousands):
            # "1.234.567", or foreign grouping left by translation ("1,234,567")
            pass
        elif len(seps) == 1 and not frac and seps[0] in ".,":
            # A lone separator that cannot be grouping ("Web 2.0", "2.5"): a decimal point.
            return float(f"{groups[0]}.{groups[1]}")
        else:
            return None
    return float("".join(groups) + ("." + frac if frac else ""))


def _split(phrase: str, g: _Grammar) -> list[str] | None:
    """Number words of a phrase, with glued compounds split: "vijfentwintig" -> vijf, en, twintig."""
    out: list[str] = []
    pos = 0
    while pos < len(phrase):
        if phrase[pos].isspace():
            pos += 1
            continue
        m = g.morpheme_re.match(phrase, pos)
        if not m or m.end() == pos:
            return None
        out.append(" ".join(m.group().lower().split()))
        pos = m.end()
    return out


def _is_tens(v: float) -> bool:
    return 20 <= v < 100 and v % 10 == 0


def _parse_words(ms: list[str], g: _Grammar) -> tuple[float, bool] | None:
    """(value, is_fraction) of number words in order, or None when they do not form a number.

    Values add up ("dwadzieścia pięć" = 25, "sto dwadzieścia" = 120); a scale multiplies
    the unit before it ("dua puluh" = 20, "tweehonderd" = 200); a teen word adds ten
    ("dua belas" = 12); a magnitude multiplies all before it ("dua ratus ribu"); a joiner
    glues unit and tens ("vijf-en-twintig"); a final denominator makes a fraction.
    """
    if not ms:
        return None
    if ms[-1] in g.denominators and len(ms) > 1:
        head = ms[:-1]
        # "sepertiga": a bare one-prefix is the numerator one
        numerator = (1.0, False) if all(p in g.one_prefixes for p in head) else _parse_words(head, g)
        if numerator is None or numerator[1] or numerator[0] <= 0:
            return None
        return numerator[0] / g.denominators[ms[-1]], True
    if ms[0] in g.fractions:
        value = g.fractions[ms[0]]
        if len(ms) == 1:
            return value, True
        if not all(m in g.magnitudes for m in ms[1:]):  # "pół miliona", "setengah juta"
            return None
        for m in ms[1:]:
            value *= g.magnitudes[m]
        return value, False
    total = group = pending = 0.0
    last = 0.0  # place value of the last part, to reject "dua tiga" (two three)
    last_mag = float("inf")
    prev = ""
    for i, m in enumerate(ms):
        nxt = ms[i + 1] if i + 1 < len(ms) else ""
        if m in g.one_prefixes:
            if prev or not (nxt in g.scales or nxt in g.teens or nxt in g.magnitudes):
                return None
            pending, last, prev = 1.0, 1.0, "unit"
        elif m in g.joiners:
            if not (prev == "unit" and 0 < pending < 10 and _is_tens(g.words.get(nxt, 0))):
                return None
            prev = "joiner"
        elif m in g.teens:
            if not 0 < pending < 10:
                return None
            group += pending + g.teens[m]
            pending, last, prev = 0.0, 1.0, "teen"
        elif m in g.scales:
            scale = g.scales[m]
            unit = pending or (1.0 if not prev and m in g.bare else 0.0)
            if not unit or unit >= scale:
                return None
            group += unit * scale
            pending, last, prev = 0.0, scale, "scale"
        elif m in g.magnitudes:
            mag = g.magnitudes[m]
            n = group + pending or (1.0 if not prev and m in g.bare else 0.0)
            if not n or mag >= last_mag or n >= 1000:
                return None
            total += n * mag
            group = pending = 0.0
            last, last_mag, prev = mag, mag, "magnitude"
        elif m in g.words:
            v = float(g.words[m])
            if prev == "joiner":
                pending, last = pending + v, 1.0  # "vijf" + "en" + "twintig"
            elif group or pending:
                if not (last > v and last % 10 == 0):
                    return None
                group += pending
                pending, last = v, v
            else:
                pending, last = v, v
            prev = "unit"
        else:  # a denominator or fraction word in the middle
            return None
    if prev == "joiner":
        return None
    return total + group + pending, False


def parse_number(text: str, lang: str) -> float | None:
    """The value of ``text`` read as one number in language ``lang``, or None.

    Digits follow the language's separators ("2.000" = 2000, "2,5" = 2.5, Polish "2 000");
    words are read with their compounds ("dua puluh lima", "vijfentwintig", "dwóch tysięcy");
    a digit number may carry magnitudes ("1,5 juta", "1,2 miljoen"). Fractions give their
    value ("twee derde" = 0.667).
    """
    g = _grammar(lang)
    s = " ".join(text.split())
    if not s:
        return None
    m = re.match(r"[0-9][0-9., \u00a0\u202f]*[0-9]|[0-9]", s)
    if m:
        value = _parse_digits(m.group(), g)
        rest = _split(s[m.end():], g)
        if value is None or rest is None or not all(w in g.magnitudes for w in rest):
            return None
        for w in rest:
            value *= g.magnitudes[w]
        return value
    ms = _split(s, g)
    parsed = _parse_words(ms, g) if ms else None
    return parsed[0] if parsed else None


# --- finding quantities ------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    """A number read from the text, before its unit is known."""

    start: int
    end: int
    value: float
    digits: bool  # written in digits
    plain: bool  # digits without any separator: a year candidate
    magnitude: bool  # scaled by a magnitude word ("1,5 juta", "satu miliar")
    fraction: bool  # "twee derde", "de helft"
    weak: bool  # only weak words ("een", "satu")


@dataclass(frozen=True)
class _Mark:
    """A unit word or sign right after a number."""

    unit: str
    value: float
    end: int
    currency: str | None = None


# Spans whose numbers are codes, not quantities: URLs, paths, file names, handles,
# markup attributes, dates ("2015-09-15", "11/03/2021") and clock times ("06:00").
_CODE_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\S*/\S*/\S*"
    r"|\S*[=@_\\]\S*"
    r"|<[^>\n]*>"
    r"|\S+\.(?:png|jpe?g|gif|webp|svg|html?|php|aspx?|css|js|pdf)\b"
    r"|[0-9]+/[0-9]+"
    r"|[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}(?:T[0-9:.+Z-]*)?"
    r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?",
    re.I,
)
# What every match of _CODE_RE holds somewhere: a text without any has no code span.
_CODE_HINT_RE = re.compile(
    r"(?=[/=@_\\<w.0-9])"      # (the first characters: one cheap test where none is)
    r"(?:[/=@_\\<]|www\.|\.(?:png|jpe?g|gif|webp|svg|html?|php|aspx?|css|js|pdf)\b"
    r"|[0-9][-.][0-9]{1,2}[-.][0-9]|[0-9]:[0-9]{2})",
    re.I,
)
# Markup that may start a list line before its number ("# 4:", "## 1.", "**1.", "- 2)").
_LIST_LEAD_RE = re.compile(r"[ \t]*(?:(?:[#*•>·–-]+|<[^>]*>)[ \t]*)*")
_LIST_END_RE = re.compile(r"\\?[.:)](?![0-9])")
# A range dash: "3-5", "10 – 15", "20%—50%" (a spaced em dash separates clauses instead).
_DASH_RE = re.compile(rf"{_WS}*[-–]{_WS}*|—")
_NEXT_WORD_RE = re.compile(rf"{_WS}+([^\W\d_]+)")


def _number_at(text: str, m: re.Match[str], g: _Grammar) -> _Num | None:
    """The number of a ``number_re`` match (digits with magnitudes, or number words)."""
    if m.group("dig") is not None:
        value = _parse_digits(m.group("dig"), g)
        if value is None:
            return None
        end, magnitude = m.end(), False
        for _ in range(2):  # "1,5 juta", "100 ribu juta" at most
            mm = g.magnitude_after.match(text, end)
            if not mm:
                break
            value *= _lookup(g.magnitudes, mm.group(1)) or 1.0
            end, magnitude = mm.end(), True
        plain = m.group("dig").isdigit()
        return _Num(m.start(), end, value, True, plain, magnitude, False, False)
    if m.group("words") is None:
        return None
    read = _words_number(m.group("words"), g)
    if read is None:
        return None
    cut, value, magnitude, fraction, weak = read
    return _Num(m.start(), m.start() + cut, value, False, False, magnitude, fraction, weak)


@lru_cache(maxsize=4096)
def _words_number(phrase: str, g: _Grammar) -> tuple[int, float, bool, bool, bool] | None:
    """(length, value, magnitude, fraction, weak) of the longest leading run of words of ``phrase`` that forms
    a number ("dua tiga" -> "dua"), or None; remembered per phrase ("een", "en" come back all the time)."""
    cuts = [w.end() for w in _NON_SPACE_RE.finditer(phrase)]
    for cut in reversed(cuts):
        ms = _split(phrase[:cut], g)
        parsed = _parse_words(ms, g) if ms else None
        if parsed:
            weak = all(x in g.weak or x in g.denominators for x in ms)
            magnitude = any(x in g.magnitudes for x in ms)
            return cut, parsed[0], magnitude, parsed[1], weak
    return None


def _number_after(text: str, pos: int, g: _Grammar) -> _Num | None:
    m = g.number_re.match(text, pos)
    return _number_at(text, m, g) if m else None


def _before(text: str, pos: int, width: int = 40) -> str:
    return text[max(0, pos - width):pos]


def _ends_with(reversed_pattern: re.Pattern[str], text: str, pos: int) -> bool:
    """Whether ``_before(text, pos)`` ends with what the pattern read backwards matches: ``label_before.search``
    of it (and month_before's, year_cue_before's) by one match at the start of the reversed text, not a search."""
    return reversed_pattern.match(_before(text, pos)[::-1]) is not None


def _currency_before(text: str, start: int, g: _Grammar) -> tuple[str, int] | None:
    """(ISO code, start of the sign) of a currency written before a number ("$ 2.000", "Rp50.000")."""
    before = _before(text, start, 12)
    m = g.currency_before_re.search(before)
    if not m:
        return None
    code = _lookup(g.currency_before, m.group(1))
    return (code, start - len(before) + m.start()) if code else None


def _mark_after(text: str, num: _Num, g: _Grammar) -> _Mark | None:
    """The unit written right after a number: percent, multiplier, currency or denominator."""
    if m := g.percent_after.match(text, num.end):
        return _Mark(PERCENT, num.value * (100 if num.fraction else 1), m.end())
    if not num.fraction and not num.weak and (m := g.multiplier_after.match(text, num.end)):
        # "een keer" is "once", no statistic; "5,7 mln razy" counts events (downloads).
        return _Mark(COUNT if num.magnitude else MULTIPLIER, num.value, m.end())
    if m := g.currency_after_re.match(text, num.end):
        return _Mark(CURRENCY, num.value, m.end(), _lookup(g.currency_after, m.group(1)))
    if num.digits and (m := g.denominator_after.match(text, num.end)):
        denominator = _lookup(g.denominators, m.group(1)) or 1.0
        return _Mark(PERCENT, num.value / denominator * 100, m.end())
    return None


def _range_end(text: str, num: _Num, end: int, mark: _Mark | None, g: _Grammar) -> tuple[_Num, int] | None:
    """(second number, end) when the number opens a range: "3-5", "20%-50%", "od 30 sekund do 3 minut"."""
    second: _Num | None = None
    dash = _DASH_RE.match(text, end)
    if dash and num.digits:
        second = _number_after(text, dash.end(), g)
        if second and not (second.digits and second.value > num.value):
            second = None  # "2019-20", scores, codes
    if second is None:
        if text[end:end + 1] not in _BLANKS:
            return None     # a range in words ("3 do 5", "od 30 sekund do 3 minut") has a blank after the number
        opener = g.range_opener_before.search(_before(text, num.start))
        for key in ("", opener.group(1).lower()) if opener else ("",):
            joined = g.range_after.get(key)
            m = joined.match(text, end) if joined else None
            if m and (second := _number_after(text, m.end(), g)):
                break
    if second is None or second.fraction or second.weak:
        return None
    if _year_shaped(second) and not _year_shaped(num):
        return None  # "15% do 2022": up to a year, not a range
    mark2 = _mark_after(text, second, g)
    if mark and mark2 and mark2.unit != mark.unit:
        return None
    end2 = mark2.end if mark2 else second.end
    if not mark2 and (unit := g.time_after.match(text, end2)):
        end2 = unit.end()  # "od 30 sekund do 3 minut"
    return second, end2


def _year_shaped(num: _Num) -> bool:
    return num.plain and not num.magnitude and YEAR_SPAN[0] <= num.value <= YEAR_SPAN[1]


def _proportion(text: str, num: _Num, g: _Grammar) -> tuple[float, int] | None:
    """(percent, end) of "osiem na dziesięć", "1 dari 3", "één op de drie"."""
    m = g.proportion_after.match(text, num.end)
    second = _number_after(text, m.end(), g) if m else None
    if not second or second.fraction or num.fraction:
        return None
    if not 0 < num.value <= second.value <= MAX_DENOMINATOR:
        return None
    return num.value / second.value * 100, second.end


def _is_list_number(text: str, num: _Num, g: _Grammar) -> bool:
    """A list or heading number: "1:", "# 4:", "13." starting a line, "Mitos 2", "1) ...", "punkcie 26"."""
    line_start = text.rfind("\n", 0, num.start) + 1
    after = _LIST_END_RE.match(text, num.end)
    if after and _LIST_LEAD_RE.fullmatch(text, line_start, num.start):
        return True
    if _ends_with(g.label_before_reversed, text, num.start):
        return True
    nxt = text[num.end:num.end + 1]
    if nxt == ":" and after:
        return True
    if nxt != ")":
        return False
    # "1) informuj", "(2) komunikuj"; but "(2015)" is a year and "(87%)" has a unit.
    opened = text[max(line_start, num.start - 2):num.start].rstrip().endswith("(")
    return not opened or num.value <= 20


def _is_date(text: str, num: _Num, g: _Grammar) -> bool:
    if not (num.digits and num.value.is_integer() and 1 <= num.value <= 31):
        return False
    return bool(g.month_after.match(text, num.end) or _ends_with(g.month_before_reversed, text, num.start))


def _is_year(text: str, num: _Num, g: _Grammar) -> bool:
    if not num.plain or num.magnitude:
        return False
    cued = bool(_ends_with(g.year_cue_before_reversed, text, num.start) or g.year_suffix_after.match(text, num.end))
    low, high = CUED_YEAR_SPAN if cued else YEAR_SPAN
    return len(text[num.start:num.end]) in (3, 4) and low <= num.value <= high


def _glued(text: str, num: _Num) -> bool:
    """Digits glued to a word that is no unit: "B2B", "3V", "90-tych", "ke-3"."""
    if not num.digits:
        return False
    nxt = text[num.end:num.end + 2]
    return bool(_LETTER_NEXT_RE.match(nxt))


def _glued_before(text: str, num: _Num, g: _Grammar) -> bool:
    if not num.digits or num.start == 0:
        return False
    prev = text[num.start - 1]
    if prev.isalpha():
        # "Rp50.000", and a unit after ("naik67%") shows a quantity glued by translation
        if _currency_before(text, num.start, g) or g.percent_after.match(text, num.end):
            return False
        return not g.currency_after_re.match(text, num.end)
    return prev == "-" and num.start >= 2 and text[num.start - 2].isalpha()  # "COVID-19", "ke-3"


def _counts_something(text: str, end: int, g: _Grammar) -> bool:
    m = _NEXT_WORD_RE.match(text, end)
    return bool(m) and m.group(1).lower() not in g.stop_words


def _quantity(text: str, start: int, end: int, value: float, unit: str,
              currency: str | None = None, high: float | None = None) -> Quantity:
    return Quantity(start, end, text[start:end], value, unit, currency, high)


def _classify(text: str, num: _Num, g: _Grammar) -> tuple[Quantity | None, int]:
    """The quantity starting with ``num`` (or None to skip it) and where scanning goes on."""
    start, end = num.start, num.end
    if (num.weak and not num.fraction and not num.digits and not g.after_weak.match(text, end)
            and not _currency_before(text, start, g)):
        # (most weak words: "een", "satu") no unit, range or proportion after it and no currency before it: what
        # is left of the steps below is "a weak word is no quantity"
        return None, end
    unit: str | None = None
    value, currency = num.value, None
    mark = _mark_after(text, num, g)
    prefix = _currency_before(text, start, g)
    if prefix and (mark is None or mark.unit == CURRENCY):
        unit, currency, start = CURRENCY, prefix[0], prefix[1]
        end = mark.end if mark else end
    elif mark:
        unit, value, currency, end = mark.unit, mark.value, mark.currency, mark.end
    elif num.fraction:
        if g.time_after.match(text, end):
            return _quantity(text, start, end, value, DURATION), end  # "setengah jam"
        if num.weak and g.fraction_of and not g.fraction_of_after.match(text, end):
            return None, end  # "een derde optie": an ordinal, not a third
        unit, value = PERCENT, num.value * 100
    rng = _range_end(text, num, end, mark, g)
    if rng:
        second, rng_end = rng
        return _quantity(text, start, rng_end, num.value, RANGE, currency, second.value), rng_end
    if unit:
        return _quantity(text, start, end, value, unit, currency), end
    if prop := _proportion(text, num, g):
        return _quantity(text, start, prop[1], prop[0], PERCENT), prop[1]
    if num.weak:
        return None, end    # (words: no date, list number, code or year either)
    if _is_date(text, num, g) or _is_list_number(text, num, g):
        return None, end
    if _glued(text, num) and not g.year_suffix_after.match(text, end):  # "2018r." is a year
        return None, end
    if _is_year(text, num, g):
        return _quantity(text, start, end, value, YEAR), end
    if g.time_after.match(text, end):
        return _quantity(text, start, end, value, DURATION), end
    unit = COUNT if num.magnitude or _counts_something(text, end, g) else NUMBER
    return _quantity(text, start, end, value, unit), end


def _code_spans(text: str) -> list[tuple[int, int]]:
    if not _CODE_HINT_RE.search(text):
        return []   # no sign any code needs: skip the costly scan (most sentences)
    return [m.span() for m in _CODE_RE.finditer(text)]


_DIGIT = re.compile(r"[0-9]")
_WORD = re.compile(r"\w+")


def _may_hold_numbers(text: str, g: _Grammar) -> bool:
    """False when no number can start anywhere: no digit, and no word starts like a number word.

    Every match of ``number_re`` starts at a digit or at the start of a word with a number
    word (or its stem) at its head; :func:`find_quantities` asks it once a first match is not
    digits (its lookahead makes the search itself cheap)."""
    return bool(_DIGIT.search(text)) or _word_start_re(g.starts).search(text.lower()) is not None


@lru_cache(maxsize=None)
def _word_start_re(starts: tuple[str, ...]) -> re.Pattern:
    """A word (a run of ``\\w``) that starts with one of ``starts``: one search for the whole text."""
    if "" in starts:
        return re.compile(r"\w")
    heads = sorted({s for s in starts if _WORD.fullmatch(s)}, key=len, reverse=True)  # only these start a word
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, heads)) + ")") if heads else re.compile(r"(?!)")


def find_quantities(text: str, lang: str) -> list[Quantity]:
    """Every quantity in ``text`` (a sentence or block of language ``lang``), in text order.

    Each has ``text[q.start:q.end] == q.text``. Years, ranges and durations come with their
    own units so that callers can skip them (:func:`is_statistic`); dates, clock times,
    list numbers and numbers inside codes are left out.
    """
    g = _grammar(lang)
    found: list[Quantity] = []
    scanned, start = _number_scan(text, g)
    m = _next_live_number(text, 0, g, scanned, start)
    if m is None or m.group("dig") is None and not _may_hold_numbers(text, g):   # (digits: it holds one)
        return found
    codes = _code_spans(text)
    while m is not None:
        pos = _read_match(text, m, g, codes, found)
        m = _next_live_number(text, pos, g, scanned, start)
    return found


def _next_live_number(text: str, pos: int, g: _Grammar, scanned: str, start: re.Pattern[str] | None
                      ) -> re.Match[str] | None:
    """``_next_number``, past the one-word matches ``_read_match`` passes over whatever their context (in a code span
    or not), adding nothing and going on at their end: a word that reads as no number (the Dutch joiner "en"), and a
    weak one ("een", "satu") with no unit, range or proportion after it and no currency before it (most of the words
    matched in a text without digits). Skipping them here spares ``find_quantities`` its code-span and number gates
    for a text with no other match."""
    while (m := _next_number(text, pos, g, scanned, start)) is not None:
        words = m.group("words")
        if words is None:
            return m    # digits or a multiplier word
        read = _words_number(words, g)
        end = m.end()
        if read is None:
            if len(words.split()[0]) != len(words):
                return m    # (several words: _read_match goes on after the first, or at the end in a code span)
        else:
            cut, _, _, fraction, weak = read
            if cut != len(words) or not weak or fraction or g.after_weak.match(text, end) \
                    or _currency_before(text, m.start(), g):
                return m
        pos = end
    return None


_ASCII_DIGITS = frozenset("0123456789")
_ASCII = "".join(map(chr, range(128)))


@lru_cache(maxsize=None)
def _ascii_lower_forms(ch: str) -> str:
    """A regex of one character that matches, in an ASCII text lower-cased, every character IGNORECASE matches with
    ``ch`` in the text: the lower case of each ASCII character it matches (none for "ó": it never matches)."""
    forms = sorted({c.lower() for c in re.findall(re.escape(ch), _ASCII, re.I)})
    if not forms:
        return "(?!)"
    return re.escape(forms[0]) if len(forms) == 1 else "[" + "".join(map(re.escape, forms)) + "]"


def _number_scan(text: str, g: _Grammar) -> tuple[str, re.Pattern[str] | None]:
    """(the text ``_next_number`` scans, the pattern it scans it with: None to scan a text not all ASCII as it is)."""
    if g.number_start is None or not text.isascii():
        return text, None
    return text.lower(), g.number_start


def _next_number(text: str, pos: int, g: _Grammar, scanned: str, start: re.Pattern[str] | None
                 ) -> re.Match[str] | None:
    """``g.number_re.search(text, pos)``; ``number_re`` is tried only where ``start`` (``_number_scan``) finds in
    ``scanned`` that its lookahead may hold, from the character before: at a digit, or at a word start (after a
    non-word character, or at 0) that begins like a number word. Without ``start``, ``number_start_cased`` finds it in
    the text itself (``scanned``)."""
    if start is None:
        start = g.number_start_cased
        if start is None:
            return g.number_re.search(text, pos)
    match = g.number_re.match
    if pos == 0:
        m = match(text, 0)
        if m is not None:
            return m
        at = 0
    else:
        at = pos - 1    # (the character before pos tells whether a word starts at pos)
    search = start.search
    while (found := search(scanned, at)) is not None:
        at = found.start()
        p = at if scanned[at] in _ASCII_DIGITS else at + 1
        if p >= pos and (m := match(text, p)) is not None:
            return m
        at += 1
    return None


def _read_match(text: str, m: re.Match[str], g: _Grammar, codes: list[tuple[int, int]], found: list[Quantity]
                ) -> int:
    """Append the quantity of a ``number_re`` match (if it is one) to ``found``; where scanning goes on."""
    pos = m.end()
    if any(s <= m.start() < e for s, e in codes):
        return pos
    if m.group("mw") is not None:
        value = _lookup(g.mult_numbers, m.group("mw"))
        if value is not None:
            found.append(_quantity(text, m.start(), m.end(), float(value), MULTIPLIER))
        return pos
    num = _number_at(text, m, g)
    if num is None and m.group("words") is not None:
        # Go on after its first word only: "en twee derde" starts with the Dutch "en".
        pos = m.start() + len(m.group("words").split()[0])
    if num is None or _glued_before(text, num, g):
        return pos
    q, pos = _classify(text, num, g)
    if q is not None:
        found.append(q)
    return max(pos, num.end)
