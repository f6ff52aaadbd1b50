"""Names in sentences, and the evidence that a sentence cites one: shared by examples and statistics.

No trained NER exists offline for id/pl/nl, so candidate names are capitalised word runs
(``Harris Interactive``, ``Peter-Paul van Bentum``, ``M & Ms``, ``Studi Pencarian Lokal 2012``),
camel-case brands (``IdeaPaint``) and acronyms (``NPR``) found by :func:`runs`.

Three evidence rules say that a sentence cites a run as a speaker or a source; the examples
extractor accepts names by them (an item's ``extractor`` then names the rule) and the
statistics extractor attributes figures to such names:

  example_report   a verb of saying or writing near the name, a source preposition before it,
                   or ``X: "..."``: ``Rina berkata``, ``Menurut Rina Wulandari``,
                   ``Anna Nowak pisze``, ``według Deloitte``, ``zegt Pieter Jansen``,
                   ``volgens Nielsen``, ``X, <appositive>, zaleca``
  example_title    a lower-case title or role before the name, an abbreviated one, or one after
                   a comma behind it: ``pakar ritel Budi Santoso``, ``Dr. Hendra``,
                   ``Marek Zieliński, wiceprezes ...``, ``directeur Jan de Vries``
  example_source   a study named by the run, its agent, a study word right before it or a
                   finding verb right after it: ``Survei Belanja Daring 2019``,
                   ``badanie przeprowadzone przez Gemius``, ``raportu Deloitte``,
                   ``onderzoek van Nielsen``, ``WinkelData ... blijkt``, ``X menemukan``

Never names: a sentence-initial word the document also writes in lower case (or that is a
pronoun, function word or cue word), title-cased ordinary words (``Berikut Diskon``), all-caps
emphasis (``TIDAK``), generic acronyms (SEO, B2B), places alone (``di Indonesia``); platforms
(Facebook, any inflection: ``Twitterze``) are returned marked as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

from pipeline.docmodel import DocContext
from pipeline.lang import get as lang_data
from pipeline.nlp import WORD_CACHE, Token, cue_matches, cues, is_cue_word, tokenize, word_set, words_between

_BREAK = re.compile(r"[.;!?\"“”„«»]")
_INITIAL_GAP = re.compile(r"[.:;!?\"“”„«»(\[\]—–•*>]|(?:^|\s)-")
_YEAR = re.compile(r"(19|20)\d\d")
_CAMEL_INNER = re.compile(r"[a-z][A-Z]")
_CAMEL_LEAD = re.compile(r"^[A-Z]{2,}[a-z]{3,}")
_LOWER_CAMEL = re.compile(r"^[a-z]{1,2}[A-Z][a-z]+[A-Za-z]*$")     # iPrice, eBay, iDeal
_DOMAIN = re.compile(r"^[a-z][a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|nl|pl|id|be|de|eu|info|biz|ai)$", re.I)
_HYPHENS = re.compile(r"[-‐]")
_POSSESSIVE = re.compile(r"['’]s?$")
_WORDS = re.compile(r"\w+")
_WORD_GOES_ON = frozenset("-‐'’&.+")            # after a word's first letters, what may go on with it (nlp.WORD_TOKEN)
_INNER_DOT = re.compile(r"\w\.\w")                 # in a word token with a dot (nlp.WORD_TOKEN): "m.in", "x.com"
_YEAR_AFTER = re.compile(r"\s*(?:19|20)\d\d")     # the start of a year token next (_run_end)
_QUOTE_AFTER_COLON = re.compile(r"\s*:\s*[\"“„«]")   # used with match(text, pos)
_NOT_NAME_CUES = ("EXAMPLE_REPORT_VERBS", "STAT_SOURCE_PREPS", "EXAMPLE_TITLES", "EXAMPLE_CUES", "EXAMPLE_SUCH_AS",
                  "EXAMPLE_ORG_NOUNS", "STAT_FINDING_VERBS", "STAT_HYPOTHETICAL")


@dataclass
class Run:
    a: int              # token indices [a, b) in the sentence
    b: int
    start: int          # char offsets in the sentence
    end: int
    text: str
    words: list[str]
    initial: bool       # starts the sentence (or a clause after a colon, a quote, a dash)
    platform: bool = False  # a generic platform: never a name, but a member of a list


# --- words ---------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _long_platforms(lang: str) -> tuple[str, ...]:
    return tuple(p for p in word_set(lang, "EXAMPLE_PLATFORMS") if len(p) >= 5)


@lru_cache(maxsize=WORD_CACHE)
def is_platform(lang: str, word: str) -> bool:
    """A platform named as a channel; one of five letters or more also in any inflection or compound."""
    w = word.casefold().rstrip("+")
    return w in word_set(lang, "EXAMPLE_PLATFORMS") or w.startswith(_long_platforms(lang))


def is_camel(word: str) -> bool:
    return bool(word[:1].isupper() and (_CAMEL_INNER.search(word) or _CAMEL_LEAD.match(word))
                or _LOWER_CAMEL.match(word))


def is_domain(word: str) -> bool:
    """A web site named in the text: ``actualinsights.com``, ``smartinsights.com``."""
    return bool(_DOMAIN.match(word))


@lru_cache(maxsize=WORD_CACHE)
def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and word[0].isalpha()


def is_capitalised(lang: str, word: str, lower_vocab: frozenset[str] = frozenset()) -> bool:
    if word.islower() and "." not in word:
        return False        # (most words) no capital for a name or a lower-camel brand, no dot for a domain
    capitalised, acronym = _capitalised(lang, word)
    if acronym and word.casefold() in lower_vocab:
        return False        # emphasis: the document writes the word in lower case ("TIDAK", "AKAN")
    return capitalised


@lru_cache(maxsize=WORD_CACHE)
def _capitalised(lang: str, word: str) -> tuple[bool, bool]:
    """(:func:`is_capitalised` of a word with a capital or a dot in a document that never writes it in lower
    case, whether the document's lower-case words matter: an acronym; remembered per word: names come back)."""
    if _LOWER_CAMEL.match(word) or is_domain(word):
        return True, False  # a brand written lower-camel (iPrice) or a site's domain: a name all the same
    if not word[:1].isupper():
        return False, False
    acronym = is_acronym(word)
    if acronym and word.casefold() in word_set(lang, "EXAMPLE_GENERIC_ACRONYMS"):
        return False, False  # a generic term (SEO, B2B)
    parts = _HYPHENS.split(word)
    return all(p[:1].isupper() or p[:1].isdigit() for p in parts if p), acronym


def base(word: str) -> str:
    """The word without a possessive ending (``McDonald's``)."""
    return _POSSESSIVE.sub("", word)


def lower_vocab(doc: DocContext) -> frozenset[str]:
    """The words a document writes in lower case: a capitalised one of them is no name."""
    if "lower_vocab" not in doc.memo:
        doc.memo["lower_vocab"] = _lower_words("\n".join(b.text for b in doc.blocks))   # (no word spans a line break)
    return doc.memo["lower_vocab"]


def _lower_words(text: str) -> frozenset[str]:
    """The words (``\\w+``) of a text that begin with a lower-case letter. No word spans a blank, so they are read
    off its distinct blank-separated pieces: a piece of letters and digits alone (most) is one word, the others
    (with punctuation: "(misalnya,") go through the pattern together."""
    words: set[str] = set()
    other: list[str] = []
    for piece in set(text.split()):
        if piece.isalnum():     # (str.isalnum is re's \w without "_")
            if piece[0].islower():
                words.add(piece)
        else:
            other.append(piece)
    words.update(w for w in _WORDS.findall(" ".join(other)) if w[:1].islower())
    return frozenset(words)


def _in_vocab(lang: str, word: str, vocab: frozenset[str]) -> bool:
    """Whether the document also writes the word in lower case, or in another form: with an ending
    (Posting / postingan) or with its ending swapped (Posty / postów)."""
    return not vocab.isdisjoint(_forms(lang, word))


@lru_cache(maxsize=2048)     # an entry is up to ~4 kB (41 forms of a Polish word)
def _forms(lang: str, word: str) -> tuple[str, ...]:
    """The lower-case forms of a word :func:`_in_vocab` looks for: itself, and from five letters on its
    stems with every ending (remembered per word: the same words come back in every document)."""
    w = word.casefold()
    if len(w) < 5:
        return (w,)
    endings = lang_data(lang).EXAMPLE_WORD_ENDINGS
    stems = [w] + [w[:-len(x)] for x in endings if w.endswith(x) and len(w) - len(x) >= 4]
    return (w, *(stem + x for stem in stems for x in endings))


def _is_common(lang: str, word: str, vocab: frozenset[str]) -> bool:
    """A capitalised word that is an ordinary word here: a stop word, written in lower case, or a cue."""
    always, lower_form, named = _common_parts(lang, word)
    return always or (not named and _in_vocab(lang, lower_form, vocab))


@lru_cache(maxsize=WORD_CACHE)
def _common_parts(lang: str, word: str) -> tuple[bool, str, bool]:
    """What :func:`_is_common` asks of a word whatever the document: (a stop or cue word, its form without a
    possessive, camel-case or an acronym); remembered per word."""
    stop = word_set(lang, "EXAMPLE_STOP")
    w = base(word).casefold()
    always = (w in stop or word.casefold() in stop
              or any(is_cue_word(lang, field, word) for field in _NOT_NAME_CUES))
    return always, w, bool(is_camel(word) or is_acronym(word))


@lru_cache(maxsize=None)
def _connectors(lang: str) -> frozenset[str]:
    return frozenset(lang_data(lang).EXAMPLE_NAME_CONNECTORS)


@lru_cache(maxsize=None)
def _particles(lang: str) -> frozenset[str]:
    return frozenset(lang_data(lang).EXAMPLE_NAME_PARTICLES)


@lru_cache(maxsize=None)
def _places(lang: str) -> frozenset[str]:
    return frozenset(w for p in lang_data(lang).EXAMPLE_PLACES for w in p.split())


def broken(toks: tuple[Token, ...], a: int, b: int, allow_comma: bool = True) -> bool:
    """Whether a sentence-internal break (or a comma, unless allowed) lies among tokens a..b-1.

    A full stop after a short word is an abbreviation (``r.``, ``np.``, ``Dr.``), not a break."""
    for k in range(max(a, 0), min(b, len(toks))):
        t = toks[k]
        if t.text == "." and k > 0 and toks[k - 1].is_word and len(toks[k - 1].text) <= 3:
            continue
        if _BREAK.fullmatch(t.text) or t.text == ":" or (not allow_comma and t.text == ","):
            return True
    return False


# --- capitalised runs ------------------------------------------------------------------

def runs(lang: str, text: str, vocab: frozenset[str] = frozenset(), with_platforms: bool = False) -> list[Run]:
    """Capitalised word runs of a sentence that may name an entity (stop words, cue words and
    platforms removed, or with ``with_platforms`` kept as such; a sentence-initial common word dropped).

    Remembered per sentence (the statistics and the examples extractors both ask for every sentence's
    runs); each call gets runs of its own, as extractors tell mentions apart by identity."""
    return [_copy(r) for r in _runs(lang, text, vocab, with_platforms)]


def shared_runs(lang: str, text: str, vocab: frozenset[str] = frozenset(), with_platforms: bool = False
                ) -> tuple[Run, ...]:
    """:func:`runs` without copies, for a caller that only reads them (the runs are shared: do not change them)."""
    return _runs(lang, text, vocab, with_platforms)


def _copy(r: Run) -> Run:
    """``copy(r)`` (a shallow copy) without copy's generic protocol: a third of its time."""
    new = object.__new__(Run)
    new.__dict__.update(r.__dict__)
    return new


@lru_cache(maxsize=2048)   # (its hits are re-asks of a sentence just seen: 2,048 hit as often as 8,192)
def _runs(lang: str, text: str, vocab: frozenset[str], with_platforms: bool) -> tuple[Run, ...]:
    end = _lone_first_word(text)
    if end:     # (most sentences) a run of the first word alone, if any: no tokens needed
        word = text[:end]
        if not is_capitalised(lang, word, vocab):
            return ()
        found = _word_run(lang, 0, 0, end, word, True, vocab)
        return tuple(found if with_platforms else [r for r in found if not r.platform])
    toks = tokenize(text)
    # which tokens are capitalised words, asked once per token (a lower-case word, most of them, at no call)
    caps = [t.is_word and not (t.text.islower() and "." not in t.text) and is_capitalised(lang, t.text, vocab)
            for t in toks]
    out: list[Run] = []
    i = 0
    for k in compress(range(len(toks)), caps):  # the runs start at capitalised words, each after the one before
        if k < i or (k > 0 and toks[k - 1].text in "#@" and toks[k - 1].end == toks[k].start):
            continue
        j = _run_end(lang, text, toks, k, caps)
        # (_clean_run, whose test of a word is true of a capitalised token)
        found = _one_word_run(lang, text, toks, k, vocab) if j == k + 1 else _clean_words(lang, text, toks, k, j, vocab)
        out.extend(found if with_platforms else [r for r in found if not r.platform])
        i = j
    return tuple(out)


def _lone_first_word(text: str) -> int:
    """The end of the first token of a sentence if it is a word at its start and the only token that may be a
    capitalised word (none after it has an upper-case letter or an inner dot), with no year after it to join it
    (``Studi 2012``); else 0. The runs of such a sentence are those of its first word alone."""
    m = _WORDS.match(text)
    if m is None:
        return 0
    end = m.end()
    if text[end:end + 1] in _WORD_GOES_ON:      # (a word token longer than its first letters: asked the long way)
        return 0
    # str.islower: no upper-case or title-case letter (and one lower-case letter at least)
    if not text[end:].islower() or _YEAR_AFTER.match(text, end):
        return 0
    i = text.find(".", end)
    while i != -1:      # (most sentences: their full stop alone)
        if _INNER_DOT.match(text, i - 1):
            return 0
        i = text.find(".", i + 1)
    return end


def _glued(text: str, toks: tuple[Token, ...], k: int) -> bool:
    """Whether token ``k`` follows token ``k - 1`` with nothing but spaces between."""
    return not text[toks[k - 1].end:toks[k].start].strip()


def _run_end(lang: str, text: str, toks: tuple[Token, ...], i: int, caps: list[bool]) -> int:
    """Where the raw capitalised run starting at token ``i`` ends (``caps``: which tokens are capitalised
    words): capitalised words, ``&``, connectors between capitalised words, particles before a last
    surname, a study's year."""
    n = len(toks)
    connectors, particles = _connectors(lang), _particles(lang)
    j = i + 1
    while j < n:
        nxt = toks[j]
        if caps[j] and _glued(text, toks, j):
            j += 1
        elif nxt.text in ("&", "+") and j + 1 < n and caps[j + 1]:
            j += 2
        elif nxt.is_word and nxt.text in particles and _glued(text, toks, j):
            k = j
            while k < n and toks[k].is_word and toks[k].text in particles:
                k += 1
            more = k + 1 < n and caps[k + 1] and _glued(text, toks, k + 1)
            if k < n and caps[k] and not more and all(_glued(text, toks, x) for x in range(j, k + 1)):
                j = k + 1
            else:
                break
        elif (nxt.is_word and nxt.text in connectors and _glued(text, toks, j) and j + 1 < n and caps[j + 1]
              and _glued(text, toks, j + 1)):
            j += 2
        elif nxt.is_word and _YEAR.fullmatch(nxt.text) and _glued(text, toks, j) and is_cue_word(
                lang, "STAT_STUDY_CUES", toks[i].text):
            return j + 1      # "Studi Pencarian Lokal 2012"
        else:
            break
    return j


def _starts_clause(text: str, toks: tuple[Token, ...], k: int) -> bool:
    if k == 0:
        return True
    return bool(_INITIAL_GAP.search(text[toks[k - 1].end:toks[k].start]) or not toks[k - 1].is_word
                and toks[k - 1].text not in ",/&+")


def _clean_run(lang: str, text: str, toks: tuple[Token, ...], i: int, j: int, vocab: frozenset[str]) -> list[Run]:
    """Trim a raw capitalised run; split off stop words and platforms."""
    if j == i + 1 and toks[i].is_word:
        return _one_word_run(lang, text, toks, i, vocab)
    return _clean_words(lang, text, toks, i, j, vocab)


def _clean_words(lang: str, text: str, toks: tuple[Token, ...], i: int, j: int, vocab: frozenset[str]) -> list[Run]:
    """:func:`_clean_run` worked out token by token (any run; for one word :func:`_one_word_run` gives the same)."""
    idx = list(range(i, j))
    word_idx = [k for k in idx if toks[k].is_word]
    plat = [k for k in word_idx if is_platform(lang, toks[k].text)]
    if not plat and len(word_idx) > 1 and is_platform(lang, "".join(toks[k].text for k in word_idx)):
        return [Run(i, j, toks[i].start, toks[j - 1].end, text[toks[i].start:toks[j - 1].end],
                    [toks[k].text for k in word_idx], _starts_clause(text, toks, i), platform=True)]
    if plat:
        return _platform_runs(lang, text, toks, i, j, plat, vocab)
    if len(word_idx) > 1 and sum(1 for k in word_idx if is_acronym(toks[k].text) and len(toks[k].text) >= 4) >= 2:
        return []   # SHOUTING, not a name
    idx, study_name = _trim(lang, text, toks, idx, vocab)
    if not idx:
        return []
    out = []
    for part in _split_at_stop_words(lang, toks, idx, study_name):
        run = _part_run(lang, text, toks, part, study_name, vocab)
        if run is not None:
            out.append(run)
    return out


def _one_word_run(lang: str, text: str, toks: tuple[Token, ...], i: int, vocab: frozenset[str]) -> list[Run]:
    """:func:`_clean_run` of a run of one word (most runs: "Het", "Anda", "Facebook"), from what is known of
    the word whatever the document (:func:`_one_word`) and the document's lower-case words."""
    t = toks[i]
    return _word_run(lang, i, t.start, t.end, t.text, _starts_clause(text, toks, i), vocab)


def _word_run(lang: str, i: int, start: int, end: int, word: str, initial: bool, vocab: frozenset[str]) -> list[Run]:
    """:func:`_one_word_run` of the word ``word`` at token ``i`` (chars ``start``..``end``), clause-initial or not."""
    one = _one_word(lang, word, initial)
    if one is None:
        return []
    surface, words, platform, trim_form, part_form = one
    if trim_form is not None and _in_vocab(lang, trim_form, vocab):
        return []   # a clause-initial word the document writes in lower case
    if part_form == "" or part_form is not None and _in_vocab(lang, part_form, vocab):
        return []   # a title-cased ordinary word
    return [Run(i, i + 1, start, start + len(surface) if platform else end, surface, list(words), initial, platform)]


@lru_cache(maxsize=WORD_CACHE)
def _one_word(lang: str, word: str, initial: bool) -> tuple[str, tuple[str, ...], bool, str | None, str | None] | None:
    """What :func:`_clean_run` (trim, split, part) makes of a run of one word, but for the document's lower-case
    words: None (no run), or (surface, words, platform, trim_form, part_form): the run is dropped if the
    document writes ``trim_form`` or ``part_form`` in lower case ("" for ``part_form``: dropped anyway)."""
    if is_platform(lang, word):     # _platform_runs: an inflected platform alone is cut to its name
        stem = next((p for p in _long_platforms(lang) if word.casefold().startswith(p)), None)
        first = word[:len(stem)] if stem and word[:len(stem)][:1].isupper() else word
        return first, (first,), True, None, None
    stop = word_set(lang, "EXAMPLE_STOP")
    if word in _connectors(lang) or base(word).casefold() in stop:
        return None
    trim_form = None    # _trim: a leading common word
    if initial:
        always, lower_form, named = _common_parts(lang, word)
        if always:
            return None
        trim_form = None if named else lower_form
    elif len(word) <= 4 and is_cue_word(lang, "EXAMPLE_TITLES", word):
        return None
    w = base(word)      # _part_run
    if not any(c.isalpha() for c in w) or w.casefold() in _places(lang):
        return None
    part_form = None if is_camel(w) or is_acronym(w) or "." in w else base(w) if w.isalpha() else ""
    surface = word[:-2] if word.endswith(("'s", "’s")) else word
    return surface, (w,), False, trim_form, part_form


def _platform_runs(lang: str, text: str, toks: tuple[Token, ...], i: int, j: int, plat: list[int],
                   vocab: frozenset[str]) -> list[Run]:
    """A run holding platforms cut into the words before them (cleaned as any run) and one run per
    platform with the name words after it (``Google Trends``, not ``Gunakan TikTok`` or ``Instagram Anda``);
    an inflected platform alone is cut to its name (``Facebooku`` -> ``Facebook``)."""
    stop = word_set(lang, "EXAMPLE_STOP")
    out = _clean_run(lang, text, toks, i, plat[0], vocab) if plat[0] > i else []
    # one clause-initial word before a platform is a verb or an adverb ("Gunakan TikTok", "Volg Instagram")
    out = [r for r in out if not (r.initial and len(r.words) == 1 and r.b == plat[0])]
    for n, k in enumerate(plat):
        end = plat[n + 1] if n + 1 < len(plat) else j
        e = k + 1
        while (e < end and toks[e].is_word and base(toks[e].text).casefold() not in stop
               and not _is_common(lang, toks[e].text, vocab) and not is_platform(lang, toks[e].text)):
            e += 1
        first = toks[k].text
        if e == k + 1:
            stem = next((p for p in _long_platforms(lang) if first.casefold().startswith(p)), None)
            first = first[:len(stem)] if stem and first[:len(stem)][:1].isupper() else first
        end_char = toks[k].start + len(first) if e == k + 1 else toks[e - 1].end
        out.append(Run(k, e, toks[k].start, end_char, text[toks[k].start:end_char],
                       [first] + [toks[x].text for x in range(k + 1, e) if toks[x].is_word],
                       _starts_clause(text, toks, k), platform=True))
        if e < end:
            out.extend(_clean_run(lang, text, toks, e, end, vocab))
    return out


def _trim(lang: str, text: str, toks: tuple[Token, ...], idx: list[int], vocab: frozenset[str]
          ) -> tuple[list[int], bool]:
    """Drop leading and trailing words that are never part of a name; (what is left, a study's name)."""
    stop, connectors = word_set(lang, "EXAMPLE_STOP"), _connectors(lang)
    first_initial, study_name = _starts_clause(text, toks, idx[0]), False
    while idx:
        w = toks[idx[0]].text
        if len(idx) >= 2 and is_cue_word(lang, "STAT_STUDY_CUES", w) and is_capitalised(lang, toks[idx[1]].text):
            study_name = True   # a study's name: "Studi Pencarian Lokal"
            break
        lead_common = _is_common(lang, w, vocab) if first_initial else (
            base(w).casefold() in stop or (len(w) <= 4 and is_cue_word(lang, "EXAMPLE_TITLES", w)))
        if toks[idx[0]].is_word and not lead_common and w not in connectors:
            break
        idx.pop(0)
        first_initial = False if not idx else _starts_clause(text, toks, idx[0]) or first_initial
    while idx and (not toks[idx[-1]].is_word or toks[idx[-1]].text in connectors
                   or (base(toks[idx[-1]].text).casefold() in stop and not study_name)):
        idx.pop()
    return idx, study_name


def _split_at_stop_words(lang: str, toks: tuple[Token, ...], idx: list[int], study_name: bool) -> list[list[int]]:
    stop, connectors = word_set(lang, "EXAMPLE_STOP"), _connectors(lang)
    parts, cur = [], []
    for k in idx:
        if (toks[k].is_word and base(toks[k].text).casefold() in stop and toks[k].text not in connectors
                and not study_name):
            if cur:
                parts.append(cur)
            cur = []
        else:
            cur.append(k)
    if cur:
        parts.append(cur)
    return parts


def _part_run(lang: str, text: str, toks: tuple[Token, ...], p: list[int], study_name: bool,
              vocab: frozenset[str]) -> Run | None:
    """One part of a trimmed run as a Run, or None: no letters, a place alone, ordinary words."""
    connectors = _connectors(lang)
    while p and (not toks[p[-1]].is_word or toks[p[-1]].text in connectors):
        p.pop()
    if not p:
        return None
    a, b = p[0], p[-1] + 1
    s, e = toks[a].start, toks[b - 1].end
    words = [base(toks[k].text) for k in range(a, b) if toks[k].is_word]
    if not any(c.isalpha() for c in "".join(words)):
        return None
    if all(w.casefold() in _places(lang) for w in words):
        return None    # a place alone ("di Indonesia", "w Polsce")
    if not study_name and all(_in_vocab(lang, base(w), vocab) for w in words if w.isalpha()) and not any(
            is_camel(w) or is_acronym(w) or "." in w for w in words):
        return None    # title-cased ordinary words ("Berikut Diskon", "Halaman")
    surface = text[s:e]
    if surface.endswith(("'s", "’s")):
        surface = surface[:-2]
    return Run(a, b, s, e, surface, words, _starts_clause(text, toks, a))


# --- evidence that a sentence cites a run --------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """A capitalised run in its sentence: what the evidence rules look at."""

    lang: str
    text: str           # the sentence
    run: Run
    prev_text: str | None = None        # the sentence before, in the same block
    sentence_runs: tuple[Run, ...] = ()  # every run of the sentence, platforms included

    @property
    def toks(self) -> tuple[Token, ...]:
        return tokenize(self.text)


def near_before(spans, toks: tuple[Token, ...], run: Run, k: int) -> bool:
    return any(e <= run.a and words_between(toks, e, run.a) <= k and not broken(toks, e, run.a) for s, e in spans)


def near_after(spans, toks: tuple[Token, ...], run: Run, k: int) -> bool:
    return any(s >= run.b and words_between(toks, run.b, s) <= k and not broken(toks, run.b, s, allow_comma=False)
               for s, e in spans)


def _appositive_then(spans, toks: tuple[Token, ...], run: Run, max_words: int = 12) -> bool:
    """``X, <role or description>, <cue>``: a cue right after an appositive behind the run."""
    if run.b >= len(toks) or toks[run.b].text != ",":
        return False
    close = next((k for k in range(run.b + 1, len(toks)) if toks[k].text == ","), None)
    if close is None or words_between(toks, run.b, close) > max_words or broken(toks, run.b + 1, close):
        return False
    return any(s > close and words_between(toks, close, s) <= 1 for s, e in spans)


def example_report(m: Mention) -> bool:
    """``Anna Nowak pisze: ...``, ``zegt Pieter Jansen``, ``Menurut Rina Wulandari, ...``."""
    toks, run = m.toks, m.run
    report = cues(m.lang, "EXAMPLE_REPORT_VERBS", m.text)
    if not report:      # (most sentences) what holds without a verb of saying
        return bool(near_before(cues(m.lang, "STAT_SOURCE_PREPS", m.text), toks, run, 3)
                    or _QUOTE_AFTER_COLON.match(m.text, run.end))
    return bool(near_after(report, toks, run, 3) or near_before(report, toks, run, 1)
                or near_before(cues(m.lang, "STAT_SOURCE_PREPS", m.text), toks, run, 3)
                or _QUOTE_AFTER_COLON.match(m.text, run.end) or _appositive_then(report, toks, run))


def example_title(m: Mention) -> bool:
    """``pakar ritel Budi Santoso``, ``Dr. Hendra``, ``Marek Zieliński, wiceprezes ...``, ``directeur X``."""
    toks, run = m.toks, m.run
    titles = [(s, e) for s, e in cues(m.lang, "EXAMPLE_TITLES", m.text)
              if toks[s].text.islower() or len(toks[s].text) <= 4]
    return (near_before(titles, toks, run, 3)
            or any(s >= run.b and m.text[run.end:toks[s].start].strip() == "," for s, e in titles))


def example_source(m: Mention) -> bool:
    """``Survei Belanja Daring 2019``, ``badanie ... przez Gemius``, ``onderzoek van Nielsen``, ``X menemukan``."""
    toks, run = m.toks, m.run
    study = cues(m.lang, "STAT_STUDY_CUES", m.text)
    if study and _names_study(m, study):
        return True
    return any(s >= run.b and words_between(toks, run.b, s) <= 2 and not broken(toks, run.b, s, False)
               and not any(run.b <= s2 < s for s2, _ in study) for s, e in cues(m.lang, "STAT_FINDING_VERBS", m.text))


def _names_study(m: Mention, study: list[tuple[int, int]]) -> bool:
    """:func:`example_source` by the study cues ``study`` of the sentence: the run names the study, is its
    agent or its site, or comes right after a study word."""
    toks, run = m.toks, m.run
    if any(s == run.a and e <= run.b for s, e in study) and len(run.words) >= 2:
        return True
    # "badanie przeprowadzone przez Gemius", "onderzoek door o.a. Content.corp": the agent right after
    # its preposition, or after "among others" following it
    lead = run.a
    for s, e in cues(m.lang, "EXAMPLE_SUCH_AS", m.text):
        if e == lead or (e == lead - 1 and toks[e].text == "."):   # "o.a." / "m.in." end in a full stop
            lead = s
    if any(e == lead for s, e in cues(m.lang, "STAT_AGENT_PREPS", m.text)) and near_before(study, toks, run, 6):
        return True
    if is_domain(run.text):
        return True     # "een onderzoek ..., zie actualinsights.com": the site that published it
    return near_before(study, toks, run, 0)


CITATION_RULES = (example_report, example_title, example_source)
# The cues every citation rule needs one of (besides "X: \"...\"")
_CITATION_CUES = ("EXAMPLE_REPORT_VERBS", "STAT_SOURCE_PREPS", "EXAMPLE_TITLES", "STAT_STUDY_CUES", "STAT_FINDING_VERBS")
_CITATION_CUE_SET = frozenset(_CITATION_CUES)
_QUOTE_AFTER_A_COLON = re.compile(r":\s*[\"“„«]")


def may_cite(lang: str, text: str) -> bool:
    """False when :func:`cited` holds for no run of the sentence: it has none of the rules' cues and no
    colon before a quote (a cheap test that spares looking at its runs)."""
    # every field of the sentence, found once (as cues() would); a field is there only with a match
    return (not _CITATION_CUE_SET.isdisjoint(cue_matches(lang, text))
            or ":" in text and bool(_QUOTE_AFTER_A_COLON.search(text)))  # (no colon, most sentences: no scan)


def cited(m: Mention) -> str | None:
    """The first citation rule (report, title, source) that holds for a mention, or None."""
    return next((rule.__name__ for rule in CITATION_RULES if rule(m)), None)
