"""Extract cited examples: companies, brands, organisations, people and studies an article
cites as an example, a case, a quoted expert or a data source.

No trained NER exists offline for id/pl/nl, so candidates are capitalised word runs
(``Harris Interactive``, ``Peter-Paul van Bentum``, ``M & Ms``, ``Studi Pencarian Lokal 2012``),
camel-case brands (``IdeaPaint``) and acronyms (``NPR``), kept only with evidence. Rules
(an item's ``extractor`` names the evidence of its first citing mention):

  example_report      a verb of saying or writing near the name (``X pisze``, ``mówi X``,
                      ``X, <appositive>, zaleca``), a source preposition (``Menurut X``,
                      ``według X``, ``volgens X``), or ``X: "..."``          (role quote)
  example_title       a lower-case title or role before the name, an abbreviated one
                      (``Dr.``, ``CEO``), or one after a comma behind it
                      (``pakar media sosial X``, ``X, wiceprezes ...``)        (role quote)
  example_source      a study named by the run (``Studi Pencarian Lokal 2012``), its agent
                      (``ankieta zorganizowana przez X``, ``onderzoek van X``), a study
                      word right before (``raportów X``) or a finding verb right after
                      (``X menemukan``)                                         (role source)
  example_cue         an example cue in the sentence (``misalnya``, ``na przykład``,
                      ``bijvoorbeeld``, ``cases``), a short question or colon with one just
                      before (``Contoh utama dari ini? Zappos.``), or a list right after
                      ``seperti`` / ``takich jak`` / ``zoals`` (platforms in it skipped)
  example_org         an organisation word ending or starting the name (``Institute``,
                      ``Airlines``, ``Stichting``), a noun right before it (``maskapai X``,
                      ``concurrent X``), or an acronym defined in brackets
                      (``National Public Radio (NPR)``)
  example_brand       a camel-case or ``&`` name (``KitchenAid``, ``McDonald``, ``M&Ms``)
  example_repeated    mentioned at least twice inside sentences (not sentence-initially)
  example_coordinated listed with an accepted name: ``M & Ms, Snickers, Dove i Mars``

Never names: a sentence-initial word the document also writes in lower case (or that is a
pronoun, function word or cue word), title-cased ordinary words (``Berikut Diskon``), all-caps
emphasis (``TIDAK``), generic acronyms (SEO, B2B), places alone (``di Indonesia``), and
platforms named as channels (Facebook, Twitter, ...; any inflection: ``Twitterze``).
Headings are skipped. Mentions of one entity (``Dr. Jain`` / ``Rachna Jain``, ``United`` /
``United Airlines``, ``Mershona`` / ``Phila Mershona``) are grouped by name tokens; one item
per entity, on its first citing sentence, with its longest name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.docmodel import Block, DocContext, Sentence
from pipeline.lang import get as lang_data

MAX_TEXT_CHARS = 400

# Generic platforms named as channels ("a Facebook page"): never a cited example. Names of five or
# more letters also match their inflections and compounds (Twitterze, Facebooku, Twitteraccount).
PLATFORMS = ("facebook", "twitter", "instagram", "linkedin", "youtube", "pinterest", "tiktok", "snapchat",
             "whatsapp", "tumblr", "google", "reddit", "flickr", "myspace", "hyves", "telegram", "messenger",
             "threads", "vimeo", "quora", "blogger", "wordpress", "foursquare", "wykop", "kaskus", "wechat",
             "weibo", "skype", "gmail", "outlook", "twitch", "discord", "clubhouse", "x", "nk", "vk", "line",
             "fb", "ig", "yt")
# Organisation words ending a capitalised name, in any language ("Harris Interactive").
ORG_SUFFIXES = ("institute", "airlines", "airline", "airways", "consulting", "consultancy", "interactive",
                "group", "partners", "inc", "ltd", "llc", "gmbh", "bv", "corp", "corporation", "company", "co",
                "agency", "research", "labs", "lab", "bank", "university", "foundation",
                "associates", "solutions", "technologies", "software", "systems", "news", "times", "journal",
                "magazine", "review", "association", "council", "insights", "analytics", "motors", "foods",
                "pharma", "studios", "media group", "holdings", "international", "ventures", "capital")
# Generic marketing and technical acronyms: terms, not cited names.
GENERIC_ACRONYMS = ("b2b", "b2c", "c2c", "seo", "sem", "smm", "sma", "crm", "roi", "kpi", "cta", "pr", "pdf", "rss",
                    "html", "url", "faq", "ceo", "cmo", "cto", "vip", "tv", "usd", "eur", "it", "ai", "api", "sms",
                    "dm", "gif", "www", "ugc", "ux", "ui", "saas", "smb", "sme", "womm", "wom", "ewom", "ppc", "cpc",
                    "cpm", "ctr", "ar", "vr", "qr", "gps", "pc", "dll", "etc", "ok", "a-z", "diy", "hr", "b2g", "d2c",
                    "ecommerce", "rodo", "gdpr", "avg", "faq", "q&a", "pos", "sku", "cms", "hd", "4k", "3d", "usp")
# Lower-case words that may join capitalised words of one name ("Institute for Business Value"),
# and name particles, which join only a last surname ("Peter-Paul van Bentum", not "X van Bureau Online").
CONNECTORS = ("of", "for", "the", "van", "de", "der", "den", "von", "du", "la", "le", "da", "del", "y", "ter", "ten")
PARTICLES = ("van", "de", "der", "den", "von", "du", "la", "le", "da", "del", "y", "ter", "ten")
_BREAK = re.compile(r"[.;!?\"“”„«»]")
_INITIAL_GAP = re.compile(r"[.:;!?\"“”„«»(\[\]—–•*>]|(?:^|\s)-")
_TOKEN = re.compile(r"\w+(?:[-‐'’&.]\w+)*[+]?|[^\w\s]")


# --- shared helpers (also used by statistics) -----------------------------------

def data(lang: str):
    return lang_data(lang)


@dataclass(frozen=True)
class Tok:
    i: int          # index among all tokens (words and punctuation)
    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[Tok, ...]:
    return tuple(Tok(i, m.start(), m.end(), m.group()) for i, m in enumerate(_TOKEN.finditer(text)))


@lru_cache(maxsize=4096)
def _spacy_doc(lang: str, text: str):
    from spacy.tokens import Doc

    from pipeline.stages.segment import nlp_for

    toks = tokenize(text)
    spaces = [bool(i + 1 < len(toks) and toks[i + 1].start > t.end) for i, t in enumerate(toks)]
    return Doc(nlp_for(lang).vocab, words=[t.text for t in toks] or [""], spaces=spaces or [False])


@lru_cache(maxsize=None)
def _matcher(lang: str, key: str):
    """A spaCy Matcher over lower-cased tokens for the cue phrases ``lang.<key>``.

    A word ending in ``*`` matches any token starting with it; one starting with ``*`` any token
    ending with it (``*onderzoek*``: any token containing it, as Dutch compounds do)."""
    from spacy.matcher import Matcher

    from pipeline.stages.segment import nlp_for

    matcher = Matcher(nlp_for(lang).vocab)
    patterns = []
    for phrase in getattr(data(lang), key, ()):
        pat = []
        for w in phrase.lower().split():
            lead, trail = w.startswith("*"), w.endswith("*") and len(w) > 1
            core = w.strip("*")
            if lead or trail:
                pat.append({"LOWER": {"REGEX": ("" if lead else "^") + re.escape(core) + ("" if trail else "$")}})
            else:
                pat.extend({"LOWER": t.text} for t in tokenize(core))
        if pat:
            patterns.append(pat)
    if patterns:
        matcher.add(key, patterns)
    return matcher


def cues(lang: str, key: str, text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) of the cue phrases ``lang.<key>`` in ``text``."""
    if not text:
        return []
    return sorted((s, e) for _, s, e in _matcher(lang, key)(_spacy_doc(lang, text)))


def word_matches(lang: str, key: str, word: str) -> bool:
    """Whether one word is a one-word cue of ``lang.<key>``."""
    return any(s == 0 and e == 1 for s, e in cues(lang, key, word))


def words_between(toks: tuple[Tok, ...], a: int, b: int) -> int:
    """Words among tokens a..b-1."""
    return sum(1 for t in toks[a:b] if t.is_word)


def broken(toks: tuple[Tok, ...], a: int, b: int, allow_comma: bool = True) -> bool:
    """Whether a sentence-internal break (or a comma, unless allowed) lies among tokens a..b-1.

    A full stop after a short word is an abbreviation (``r.``, ``np.``, ``Dr.``), not a break."""
    for k in range(max(a, 0), min(b, len(toks))):
        t = toks[k]
        if t.text == "." and k > 0 and toks[k - 1].is_word and len(toks[k - 1].text) <= 3:
            continue
        if _BREAK.fullmatch(t.text) or t.text == ":" or (not allow_comma and t.text == ","):
            return True
    return False


def clip(text: str, start: int, end: int, limit: int = MAX_TEXT_CHARS) -> tuple[int, int]:
    """A span of ``text`` of at most ``limit`` chars around ``text[start:end]``, cut at clause or word ends."""
    if len(text) <= limit:
        return 0, len(text)
    # prefer the clause (between ; or : or , ) around the span
    lo = max(text.rfind(c, 0, start) for c in ";:")
    hi = min((i for i in (text.find(c, end) for c in ";:") if i >= 0), default=len(text))
    lo = lo + 1 if lo >= 0 else 0
    if hi - lo > limit:
        room = max(0, limit - (end - start))
        lo = max(lo, start - room // 2)
        hi = min(hi, lo + limit)
        lo = max(0, hi - limit)
        while lo > 0 and lo < start and not text[lo - 1].isspace():
            lo += 1
        while hi < len(text) and hi > end and not text[hi].isspace():
            hi -= 1
    return lo, hi


def units(block: Block) -> list[Sentence]:
    """The block's sentences, a split after an abbreviation mended: "w 2018 r." + "przez PARP, 96% ..."."""
    out: list[Sentence] = []
    for s in block.sentences:
        first = next((c for c in s.text if c.isalnum()), "")
        if out and first.islower() and out[-1].text.rstrip().endswith("."):
            prev = out[-1]
            text = block.text[prev.offset:s.offset + len(s.text)]
            out[-1] = Sentence(prev.idx, prev.block_idx, prev.start_char, s.end_char, text, prev.offset)
        else:
            out.append(s)
    return out


# --- candidate runs ---------------------------------------------------------------

def _is_platform(word: str) -> bool:
    w = word.casefold().rstrip("+")
    for p in PLATFORMS:
        if w == p or (len(p) >= 5 and w.startswith(p)):
            return True
    return False


def is_camel(word: str) -> bool:
    return bool(word[:1].isupper() and (re.search(r"[a-z][A-Z]", word) or re.match(r"^[A-Z]{2,}[a-z]{3,}", word)))


def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and word[0].isalpha()


def _is_cap(word: str, lower_vocab: frozenset[str] = frozenset()) -> bool:
    if not word[:1].isupper():
        return False
    if is_acronym(word) and (word.casefold() in lower_vocab or word.casefold() in GENERIC_ACRONYMS):
        return False        # emphasis ("TIDAK", "AKAN") or a generic term (SEO, B2B)
    parts = re.split(r"[-‐]", word)
    return all(p[:1].isupper() or p[:1].isdigit() for p in parts if p)


@dataclass
class Run:
    a: int              # token indices [a, b) in the sentence
    b: int
    start: int          # char offsets in the sentence
    end: int
    text: str
    words: list[str]
    initial: bool
    platform: bool = False  # a generic platform: never a name, but a member of a list


def _base(word: str) -> str:
    return re.sub(r"['’]s?$", "", word)


def runs(lang: str, text: str, lower_vocab: frozenset[str] = frozenset(), with_platforms: bool = False) -> list[Run]:
    """Capitalised word runs of a sentence that may name an entity (stop words, cue words and
    platforms removed, or with ``with_platforms`` kept as such; a sentence-initial common word dropped)."""
    toks = tokenize(text)
    L = data(lang)
    stop = {w.casefold() for w in getattr(L, "EXAMPLE_STOP", ())}
    out: list[Run] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if not (t.is_word and _is_cap(t.text, lower_vocab)) or (i > 0 and toks[i - 1].text in "#@" and toks[i - 1].end == t.start):
            i += 1
            continue
        j = i + 1
        while j < n:
            nxt = toks[j]
            gap = text[toks[j - 1].end:nxt.start]
            if nxt.is_word and _is_cap(nxt.text, lower_vocab) and not gap.strip():
                j += 1
            elif nxt.text in ("&", "+") and j + 1 < n and toks[j + 1].is_word and _is_cap(toks[j + 1].text, lower_vocab):
                j += 2
            elif nxt.is_word and nxt.text in PARTICLES and not gap.strip():
                k = j
                while k < n and toks[k].is_word and toks[k].text in PARTICLES:
                    k += 1
                surname = k < n and toks[k].is_word and _is_cap(toks[k].text, lower_vocab)
                more = (k + 1 < n and toks[k + 1].is_word and _is_cap(toks[k + 1].text, lower_vocab)
                        and not text[toks[k].end:toks[k + 1].start].strip())
                if surname and not more and not any(text[toks[x - 1].end:toks[x].start].strip() for x in range(j, k + 1)):
                    j = k + 1
                else:
                    break
            elif (nxt.is_word and nxt.text in CONNECTORS and not gap.strip() and j + 1 < n
                  and toks[j + 1].is_word and _is_cap(toks[j + 1].text, lower_vocab)
                  and not text[nxt.end:toks[j + 1].start].strip()):
                j += 2
            elif (nxt.is_word and re.fullmatch(r"(19|20)\d\d", nxt.text) and not gap.strip()
                  and word_matches(lang, "STAT_STUDY_CUES", t.text)):
                j += 1      # "Studi Pencarian Lokal 2012"
                break
            else:
                break
        out.extend(r for r in _clean_run(lang, text, toks, i, j, stop, lower_vocab) if with_platforms or not r.platform)
        i = j
    return out


def _in_vocab(word: str, lower_vocab: frozenset[str]) -> bool:
    """Whether the document also writes the word in lower case (or with a short ending: Posting/postingan)."""
    w = word.casefold()
    if w in lower_vocab:
        return True
    return len(w) >= 5 and any(w + x in lower_vocab for x in _ENDINGS)


_ENDINGS = ("a", "e", "i", "o", "u", "y", "an", "en", "em", "ie", "om", "ów", "nya", "kan", "lah", "s", "es",
            "ach", "ami", "owi", "ze", "ów", "ej", "ym", "ego", "ing")


def _is_common(lang: str, word: str, stop: set[str], lower_vocab: frozenset[str]) -> bool:
    w = _base(word).casefold()
    if w in stop or word.casefold() in stop:
        return True
    if _in_vocab(w, lower_vocab) and not is_camel(word) and not is_acronym(word):
        return True
    return any(word_matches(lang, k, word) for k in (
        "EXAMPLE_REPORT_VERBS", "STAT_SOURCE_PREPS", "EXAMPLE_TITLES", "EXAMPLE_CUES", "EXAMPLE_SUCH_AS",
        "EXAMPLE_ORG_NOUNS", "STAT_FINDING_VERBS", "STAT_HYPOTHETICAL"))


def _clean_run(lang, text, toks, i, j, stop, lower_vocab) -> list[Run]:
    """Trim a raw capitalised run; split off stop words and platforms."""
    def initial(k: int) -> bool:
        if k == 0:
            return True
        return bool(_INITIAL_GAP.search(text[toks[k - 1].end:toks[k].start]) or not toks[k - 1].is_word
                    and toks[k - 1].text not in ",/&+")

    idx = [k for k in range(i, j)]
    if any(toks[k].is_word and _is_platform(toks[k].text) for k in idx) or _is_platform(
            "".join(toks[k].text for k in idx if toks[k].is_word)):
        return [Run(i, j, toks[i].start, toks[j - 1].end, text[toks[i].start:toks[j - 1].end],
                    [toks[k].text for k in idx if toks[k].is_word], initial(i), platform=True)]
    words_only = [toks[k].text for k in idx if toks[k].is_word]
    if sum(1 for w in words_only if is_acronym(w) and len(w) >= 4) >= 2:
        return []   # SHOUTING, not a name
    # drop leading / trailing words that are never part of a name
    first_initial = initial(i)
    study_name = False
    while idx:
        w = toks[idx[0]].text
        if len(idx) >= 2 and word_matches(lang, "STAT_STUDY_CUES", w) and _is_cap(toks[idx[1]].text):
            study_name = True   # a study's name: "Studi Pencarian Lokal"
            break
        lead_common = _is_common(lang, w, stop, lower_vocab) if first_initial else (
            _base(w).casefold() in stop or (len(w) <= 4 and word_matches(lang, "EXAMPLE_TITLES", w)))
        if toks[idx[0]].is_word and not lead_common and w not in CONNECTORS:
            break
        idx.pop(0)
        first_initial = False if not idx else initial(idx[0]) or first_initial
    while idx and (not toks[idx[-1]].is_word or toks[idx[-1]].text in CONNECTORS
                   or (_base(toks[idx[-1]].text).casefold() in stop and not study_name)):
        idx.pop()
    if not idx:
        return []
    # split at inner stop words
    parts, cur = [], []
    for n_, k in enumerate(idx):
        if (toks[k].is_word and _base(toks[k].text).casefold() in stop and toks[k].text not in CONNECTORS
                and not study_name):
            if cur:
                parts.append(cur)
            cur = []
        else:
            cur.append(k)
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        while p and (not toks[p[-1]].is_word or toks[p[-1]].text in CONNECTORS):
            p.pop()
        if not p:
            continue
        a, b = p[0], p[-1] + 1
        s, e = toks[a].start, toks[b - 1].end
        words = [_base(toks[k].text) for k in range(a, b) if toks[k].is_word]
        if not any(c.isalpha() for c in "".join(words)):
            continue
        if all(w.casefold() in _places(lang) for w in words):
            continue    # a place alone ("di Indonesia", "w Polsce")
        if not study_name and all(_in_vocab(_base(w), lower_vocab) for w in words if w.isalpha()) and not any(
                is_camel(w) or is_acronym(w) for w in words):
            continue    # title-cased ordinary words ("Berikut Diskon", "Halaman")
        surface = text[s:e]
        if surface.endswith(("'s", "’s")):
            surface = surface[:-2]
        out.append(Run(a, b, s, e, surface, words, initial(a)))
    return out


@lru_cache(maxsize=None)
def _places(lang: str) -> frozenset[str]:
    return frozenset(w for p in getattr(data(lang), "EXAMPLE_PLACES", ()) for w in p.split())


def name_tokens(words: list[str]) -> frozenset[str]:
    return frozenset(w.casefold() for w in words if w.casefold() not in CONNECTORS and w not in "&+")


def _tok_eq(a: str, b: str) -> bool:
    """Equal names, up to a short inflectional ending (``Mershon`` / ``Mershona``)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 3 and short.isalpha()


def _subset(a: frozenset[str], b: frozenset[str]) -> bool:
    return all(any(_tok_eq(x, y) for y in b) for x in a)


# --- evidence ------------------------------------------------------------------------

@dataclass
class Mention:
    block: Block
    sent: Sentence
    run: Run
    evidence: list[str] = field(default_factory=list)   # rule names
    alias: str | None = None                            # acronym defined in brackets


@dataclass
class Entity:
    tokens: set[str]
    mentions: list[Mention]
    accepted: str | None = None     # the rule that accepted it
    first: Mention | None = None    # the first citing mention


def _near_before(spans, toks, run: Run, k: int) -> bool:
    return any(e <= run.a and words_between(toks, e, run.a) <= k and not broken(toks, e, run.a) for s, e in spans)


def _near_after(spans, toks, run: Run, k: int) -> bool:
    return any(s >= run.b and words_between(toks, run.b, s) <= k and not broken(toks, run.b, s, allow_comma=False)
               for s, e in spans)


def _appositive_then(spans, toks, run: Run, max_words: int = 12) -> bool:
    """``X, <role or description>, <cue>``: a cue right after an appositive behind the run."""
    if run.b >= len(toks) or toks[run.b].text != ",":
        return False
    close = next((k for k in range(run.b + 1, len(toks)) if toks[k].text == ","), None)
    if close is None or words_between(toks, run.b, close) > max_words or broken(toks, run.b + 1, close):
        return False
    return any(s > close and words_between(toks, close, s) <= 1 for s, e in spans)


def _acronym_def(text: str, run: Run) -> str | None:
    m = re.match(r"\s*\(\s*([A-Z][A-Za-z0-9&]{1,9})\s*\)", text[run.end:])
    if not m or len(run.words) < 2 or m.group(1).casefold() in GENERIC_ACRONYMS:
        return None
    initials = "".join(w[0] for w in run.words if w[:1].isupper())
    acr = m.group(1)
    return acr if acr.upper() == initials.upper() else None


def sentence_evidence(lang: str, text: str, run: Run, prev_text: str | None = None) -> list[str]:
    """Evidence rules that hold for one run in its sentence."""
    toks = tokenize(text)
    L = data(lang)
    ev: list[str] = []
    report, preps = cues(lang, "EXAMPLE_REPORT_VERBS", text), cues(lang, "STAT_SOURCE_PREPS", text)
    if (_near_after(report, toks, run, 3) or _near_before(report, toks, run, 1) or _near_before(preps, toks, run, 3)
            or re.match(r"^\s*:\s*[\"“„«]", text[run.end:]) or _appositive_then(report, toks, run)):
        ev.append("example_report")
    titles = [(s, e) for s, e in cues(lang, "EXAMPLE_TITLES", text)
              if toks[s].text.islower() or len(toks[s].text) <= 4]
    if (_near_before(titles, toks, run, 3)
            or any(s >= run.b and text[run.end:toks[s].start].strip() == "," for s, e in titles)):
        ev.append("example_title")
    study = cues(lang, "STAT_STUDY_CUES", text)
    agents = cues(lang, "STAT_AGENT_PREPS", text)
    finding = cues(lang, "STAT_FINDING_VERBS", text)
    first_is_study = any(s == run.a and e <= run.b for s, e in study) and len(run.words) >= 2
    study_agent = any(e == run.a for s, e in agents) and _near_before(study, toks, run, 5)
    finding_after = any(s >= run.b and words_between(toks, run.b, s) <= 2 and not broken(toks, run.b, s, False)
                        and not any(run.b <= s2 < s for s2, _ in study) for s, e in finding)
    if first_is_study or study_agent or _near_before(study, toks, run, 0) or finding_after:
        ev.append("example_source")
    ex = cues(lang, "EXAMPLE_CUES", text)
    if (ex and not run.initial) or _near_before(ex, toks, run, 0):
        ev.append("example_cue")
    elif (prev_text and cues(lang, "EXAMPLE_CUES", prev_text) and prev_text.rstrip().endswith(("?", ":"))
          and words_between(tokenize(prev_text), 0, len(tokenize(prev_text))) <= 8):
        ev.append("example_cue")
    elif _near_before(cues(lang, "EXAMPLE_SUCH_AS", text), toks, run, 0) and not run.initial:
        ev.append("example_cue")
    org_suffixes = {w.casefold() for w in ORG_SUFFIXES + tuple(getattr(L, "EXAMPLE_ORG_SUFFIXES", ()))}
    if ((len(run.words) >= 2 and (run.words[-1].casefold() in org_suffixes or run.words[0].casefold() in org_suffixes))
            or _near_before(cues(lang, "EXAMPLE_ORG_NOUNS", text), toks, run, 0) or _acronym_def(text, run)):
        ev.append("example_org")
    if any(is_camel(w) or "&" in w for w in run.words) or "&" in run.text:
        ev.append("example_brand")
    return ev


_CONJ = r"(i|dan|en|and|oraz|lub|atau|of|or|serta|a także|&)"


def _chains(text: str, rs: list[Run], need_conj: bool = True) -> list[list[Run]]:
    """Runs listed together: ``A, B, C i D`` / ``A en B`` (with ``need_conj``, a chain needs a conjunction)."""
    rs = sorted(rs, key=lambda r: r.start)
    out, cur, conj = [], rs[:1], False
    for prev, r in zip(rs, rs[1:]):
        gap = text[prev.end:r.start]
        if re.fullmatch(r"\s*,?\s*" + _CONJ + r"\s*", gap, re.I):
            cur.append(r)
            conj = True
        elif re.fullmatch(r"\s*,\s*", gap):
            cur.append(r)
        else:
            if (conj or not need_conj) and (len(cur) > 1 or not need_conj):
                out.append(cur)
            cur, conj = [r], False
    if cur and (conj or not need_conj) and (len(cur) > 1 or not need_conj):
        out.append(cur)
    return out


def _listed_after_cue(lang: str, text: str, rs: list[Run]) -> set[int]:
    """ids of the runs in a list right after ``zoals`` / ``na przykład`` (``zoals X, Y of Z``)."""
    toks = tokenize(text)
    spans = cues(lang, "EXAMPLE_SUCH_AS", text) + cues(lang, "EXAMPLE_CUES", text)
    out: set[int] = set()
    for chain in _chains(text, rs, need_conj=False):
        if _near_before(spans, toks, chain[0], 0):
            out.update(id(r) for r in chain if not r.platform)
    return out


def _entity_type(ent: Entity, lang: str) -> str:
    evs = {e for m in ent.mentions for e in m.evidence}
    first = ent.first or ent.mentions[0]
    words = max((m.run.words for m in ent.mentions), key=len)
    if any(s == first.run.a for s, e in cues(lang, "STAT_STUDY_CUES", first.sent.text)) and len(first.run.words) >= 2:
        return "study"
    if "example_org" in evs or any(is_acronym(w) for w in words):
        return "organisation"
    if "example_brand" in evs:
        return "brand"
    if "example_title" in evs:
        return "person"
    if "example_report" in evs and 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        return "person"
    return "organisation"


def _role(rule: str, etype: str) -> str:
    if etype == "study":
        return "source"
    return {"example_report": "quote", "example_title": "quote", "example_source": "source"}.get(rule, "example")


def lower_vocab_of(doc: DocContext) -> frozenset[str]:
    """The words a document writes in lower case: a capitalised one of them is no name."""
    out = set()
    for b in doc.blocks:
        for m in re.finditer(r"\w+", b.text):
            w = m.group()
            if w[:1].islower():
                out.add(w)
    return frozenset(out)


def entities(doc: DocContext) -> list[Entity]:
    """All candidate entities of a document with their mentions and evidence (accepted or not)."""
    lang = doc.lang
    vocab = lower_vocab_of(doc)
    ents: list[Entity] = []
    for b in doc.blocks:
        if b.kind == "heading":
            continue
        prev_text = None
        for s in units(b):
            all_runs = runs(lang, s.text, vocab, with_platforms=True)
            listed = _listed_after_cue(lang, s.text, all_runs)
            for r in all_runs:
                if r.platform:
                    continue
                ev = sentence_evidence(lang, s.text, r, prev_text)
                if id(r) in listed and "example_cue" not in ev:
                    ev.append("example_cue")
                m = Mention(b, s, r, ev, _acronym_def(s.text, r))
                _assign(ents, m)
            prev_text = s.text     # coordination is resolved after acceptance
    _accept(ents)
    return ents


def _assign(ents: list[Entity], m: Mention) -> None:
    toks = set(name_tokens(m.run.words))
    if m.alias:
        toks.add(m.alias.casefold())
    cands = [e for e in ents if _subset(frozenset(toks), frozenset(e.tokens)) or _subset(frozenset(e.tokens), frozenset(toks))]
    if not cands:
        ents.append(Entity(toks, [m]))
        return
    # an ambiguous short name ("Jeff") goes to the entity mentioned last
    e = max(cands, key=lambda x: (x.mentions[-1].sent.start_char, len(x.tokens)))
    e.mentions.append(m)
    if len(toks) > len(e.tokens):
        e.tokens = toks | {t for t in e.tokens if not any(_tok_eq(t, x) for x in toks)}


_ORDER = ("example_report", "example_title", "example_source", "example_cue", "example_org", "example_brand")


def _accept(ents: list[Entity]) -> None:
    for e in ents:
        for m in sorted(e.mentions, key=lambda m: m.sent.start_char):
            if m.evidence:
                e.accepted = next(r for r in _ORDER if r in m.evidence)
                e.first = m
                break
        if e.accepted is None:
            inner = [m for m in e.mentions if not m.run.initial]
            if len(inner) >= 2:
                e.accepted, e.first = "example_repeated", inner[0]
    # coordination with an accepted name, to a fixpoint
    changed = True
    while changed:
        changed = False
        by_sent: dict[int, list[tuple[Mention, Entity]]] = {}
        for e in ents:
            for m in e.mentions:
                by_sent.setdefault(m.sent.idx, []).append((m, e))
        for pairs in by_sent.values():
            owner = {id(m.run): (m, e) for m, e in pairs}
            for chain in _chains(pairs[0][0].sent.text, [m.run for m, _ in pairs]):
                members = [owner[id(r)] for r in chain]
                if any(e.accepted for _, e in members):
                    for m, e in members:
                        if not e.accepted:
                            e.accepted, e.first = "example_coordinated", m
                            changed = True


def _display(ent: Entity) -> str:
    best = max(ent.mentions, key=lambda m: (len(m.run.words), -m.sent.start_char))
    name = best.run.text
    alias = next((m.alias for m in ent.mentions if m.alias), None)
    return f"{name} ({alias})" if alias and alias not in name else name


def extract(doc: DocContext) -> list[dict]:
    out = []
    for ent in entities(doc):
        if not ent.accepted:
            continue
        m = ent.first
        etype = _entity_type(ent, doc.lang)
        lo, hi = clip(m.sent.text, m.run.start, m.run.end)
        out.append(doc.item("example", m.block, m.sent.offset + lo, m.sent.offset + hi,
                            extractor=ent.accepted, entity=_display(ent), entity_type=etype,
                            role=_role(ent.accepted, etype)))
    return out
