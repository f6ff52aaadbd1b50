"""Extract cited examples: companies, brands, organisations, people and studies an article
cites as an example, a case, a quoted expert or a data source.

Candidates are the capitalised runs of ``names.runs`` in every sentence outside headings;
one is kept only with evidence. ``RULES`` are the evidence rules, in order of precedence
(an item's ``extractor`` names the one that accepted its entity, on its first citing
mention). The first six judge a mention in its sentence (``names.Mention -> bool``):

  example_report      (``names``) a verb of saying, a source preposition     role quote
  example_title       (``names``) a title or role next to the name           role quote
  example_source      (``names``) a study, its agent, a finding verb         role source
  example_cue         an example cue in the sentence, a short question or colon with one just
                      before, or a list right after "such as" (platforms in it skipped):
                      ``Misalnya, Kopi Kenangan ...``, ``Contoh utama dari ini? Zappos.``,
                      ``Na przykład Allegro ...``, ``Kijk bijvoorbeeld naar Coolblue``,
                      ``seperti Tokoku, Kasirku atau Stokbox``                  role example
  example_org         an organisation word ending or starting the name, a noun right before
                      it, or an acronym defined in brackets: ``maskapai Garuda``,
                      ``Krajowa Izba Handlu (KIH)``, ``Retail Research Institute``,
                      ``Stichting X``                                            role example
  example_brand       a camel-case or ``&`` name: ``ShopBoard``, ``KitchenAid``, ``M&Ms``

``example_listed`` judges the mentions of a document together: the heads of a list that names
things (three items or more of one list begin with a name the language does not write and a dash
or colon: ``- Slack – komunikator``, ``- Trello – aplikacja``).

The last two judge an entity among the document's entities (``list[Entity] -> None``):

  example_repeated    mentioned at least twice inside sentences (not sentence-initially):
                      ``... van Bakkerij Vos ... van Bakkerij Vos``, ``... dari Toko Maju ... Toko Maju``,
                      ``... przez Kwiatex ... z Kwiatex``
  example_coordinated listed with an accepted name: ``M & Ms, Snickers, Dove i Mars``,
                      ``Bakkerij Vos, Molenaar en Korenbloem``, ``Tokopedia dan Bukalapak``

Last, ``example_learned`` (``list[Entity], DocContext -> None``) accepts an entity no rule
accepted when the learned model of ``example_model`` scores it at its threshold or above: a
platform the article discusses (named twice at least: ``komunitas TikTok``), a name with a figure in brackets
(``Thuisbezorgd (61%)``), the head of a list item (``Slack – ...``). Platforms are candidates
for it alone. ``Settings.learned`` turns it off.

Mentions of one entity (``Dr. Jain`` / ``Rachna Jain``, ``United`` / ``United Airlines``,
``Mershona`` / ``Phila Mershona``) are grouped by name tokens; one item per entity, on its
first citing sentence, with its longest name. Headings are skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import AbstractSet, Sequence

from pipeline.docmodel import DocContext
from pipeline.extract import example_model, names, spans
from pipeline.extract.items import Example, Item, make
from pipeline.extract.names import (Mention, Run, example_report, example_source, example_title, is_acronym,
                                    is_camel, near_before)
from pipeline.lang import get as lang_data
from pipeline.nlp import WORD_CACHE, cue_matches, cues, tokenize, word_set, words_between


@dataclass(frozen=True)
class Settings:
    learned: bool = True    # after the rules, accept what the learned model scores as a cited example


_COMMA_GAP = re.compile(r"\s*,\s*")
_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9&]{1,9})\s*\)")


# --- mention rules --------------------------------------------------------------------

def example_cue(m: Mention) -> bool:
    """``Misalnya, X``, ``Na przykład X``, ``bijvoorbeeld X``, ``Contoh ...? X.``, ``zoals X, Y of Z``."""
    run = m.run
    ex = cues(m.lang, "EXAMPLE_CUES", m.text)
    if ex and (not run.initial or near_before(ex, m.toks, run, 0)):
        return True
    if (m.prev_text and cues(m.lang, "EXAMPLE_CUES", m.prev_text) and m.prev_text.rstrip().endswith(("?", ":"))
            and words_between(tokenize(m.prev_text), 0, len(tokenize(m.prev_text))) <= 8):
        return True
    such_as = cues(m.lang, "EXAMPLE_SUCH_AS", m.text)
    if such_as and not run.initial and near_before(such_as, m.toks, run, 0):
        return True
    if not ex and not such_as:
        return False    # (most mentions) no cue in the sentence, so no list after one
    return any(r is run for r in _listed_after_cue(m.lang, m.text, m.sentence_runs))


def example_org(m: Mention) -> bool:
    """``maskapai Garuda``, ``Krajowa Izba Handlu (KIH)``, ``Retail Research Institute``, ``Stichting X``."""
    suffixes = word_set(m.lang, "EXAMPLE_ORG_SUFFIXES")
    words = m.run.words
    nouns = cues(m.lang, "EXAMPLE_ORG_NOUNS", m.text)
    return bool((len(words) >= 2 and (words[-1].casefold() in suffixes or words[0].casefold() in suffixes))
                or nouns and near_before(nouns, m.toks, m.run, 0)    # (most sentences: no noun, no tokens asked)
                or acronym_defined(m.lang, m.text, m.run))


def example_brand(m: Mention) -> bool:
    """``ShopBoard``, ``KitchenAid``, ``McDonald``, ``M & Ms``."""
    return _brand_words(tuple(m.run.words)) or "&" in m.run.text


@lru_cache(maxsize=WORD_CACHE)
def _brand_words(words: tuple[str, ...]) -> bool:
    """A camel-case or ``&`` word in a name, remembered per name: names come back."""
    return any(is_camel(w) or "&" in w for w in words)


MENTION_RULES = (example_report, example_title, example_source, example_cue, example_org, example_brand)
_NAMED_RULES = tuple((rule, rule.__name__) for rule in MENTION_RULES)
_CITATION_RULES = (example_report, example_title, example_source)


@lru_cache(maxsize=None)
def _rules_for(citing: bool, cueing: bool) -> tuple[tuple, ...]:
    """The mention rules (with their names, in order) that may hold in a sentence: without ``citing``
    (``names.may_cite``) no citation rule holds, without ``cueing`` (:func:`_may_cue`) no ``example_cue``."""
    return tuple((rule, name) for rule, name in _NAMED_RULES
                 if (citing or rule not in _CITATION_RULES) and (cueing or rule is not example_cue))


def _may_cue(lang: str, text: str, prev_text: str | None) -> bool:
    """False when :func:`example_cue` holds for no run of the sentence: it needs an example or "such as" cue
    in the sentence, or an example cue in the one before."""
    found = cue_matches(lang, text)
    return bool(found.get("EXAMPLE_CUES") or found.get("EXAMPLE_SUCH_AS")
                or prev_text and cue_matches(lang, prev_text).get("EXAMPLE_CUES"))


def acronym_defined(lang: str, text: str, run: Run) -> str | None:
    """The acronym defined in brackets right after a run: ``National Public Radio (NPR)``."""
    m = _ACRONYM_AFTER.match(text, run.end)
    if not m or len(run.words) < 2 or m.group(1).casefold() in word_set(lang, "EXAMPLE_GENERIC_ACRONYMS"):
        return None
    initials = "".join(w[0] for w in run.words if w[:1].isupper())
    acr = m.group(1)
    return acr if acr.upper() == initials.upper() else None


@lru_cache(maxsize=None)
def _conjunction_gap(lang: str) -> re.Pattern[str]:
    words = sorted(lang_data(lang).EXAMPLE_CONJUNCTIONS, key=len, reverse=True)
    return re.compile(r"\s*,?\s*(" + "|".join(re.escape(w) for w in words) + r")\s*", re.I)


def _chains(lang: str, text: str, rs: list[Run] | tuple[Run, ...], need_conj: bool = True) -> list[list[Run]]:
    """Runs listed together: ``A, B, C i D`` / ``A en B`` (with ``need_conj``, a chain needs a conjunction)."""
    return [[rs[i] for i in chain] for chain in _chain_positions(lang, text, [(r.start, r.end) for r in rs], need_conj)]


def _chain_positions(lang: str, text: str, spans: list[tuple[int, int]], need_conj: bool = True) -> list[list[int]]:
    """:func:`_chains` of the runs at the (start, end) ``spans`` of ``text``, as positions in ``spans``."""
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    conjunction_gap = _conjunction_gap(lang)
    out, cur, conj = [], order[:1], False
    for prev, i in zip(order, order[1:]):
        gap = text[spans[prev][1]:spans[i][0]]
        if conjunction_gap.fullmatch(gap):
            cur.append(i)
            conj = True
        elif _COMMA_GAP.fullmatch(gap):
            cur.append(i)
        else:
            if (conj or not need_conj) and (len(cur) > 1 or not need_conj):
                out.append(cur)
            cur, conj = [i], False
    if cur and (conj or not need_conj) and (len(cur) > 1 or not need_conj):
        out.append(cur)
    return out


def _listed_after_cue(lang: str, text: str, rs: tuple[Run, ...]) -> list[Run]:
    """The runs in a list right after ``zoals`` / ``na przykład`` (``zoals X, Y of Z``), platforms left out."""
    cue_spans = cues(lang, "EXAMPLE_SUCH_AS", text) + cues(lang, "EXAMPLE_CUES", text)
    if not cue_spans:
        return []       # (most sentences) no cue, so no list after one: its chains are not needed
    toks = tokenize(text)
    out: list[Run] = []
    for chain in _chains(lang, text, rs, need_conj=False):
        if near_before(cue_spans, toks, chain[0], 0):
            out.extend(r for r in chain if not r.platform)
    return out


# --- entities ----------------------------------------------------------------------------

@dataclass
class Occurrence:
    span: spans.Span        # the sentence
    mention: Mention
    evidence: list[str]     # names of the mention rules that hold
    alias: str | None       # acronym defined in brackets

    @property
    def run(self) -> Run:
        return self.mention.run


@dataclass
class Entity:
    tokens: AbstractSet[str]
    mentions: list[Occurrence]
    accepted: str | None = None         # the rule that accepted it
    first: Occurrence | None = None     # the first citing mention
    heads: AbstractSet[str] | None = field(default=None, repr=False)   # _heads(tokens), kept with them by _assign

    def __post_init__(self) -> None:
        if self.heads is None:
            self.heads = _heads(self.tokens)

    @property
    def platform(self) -> bool:
        return any(m.run.platform for m in self.mentions)


def _everyday(e: Entity) -> bool:
    """A name of everyday words of the language ("Inilah Alasannya", "Metode Pembayaran") or a letter or Roman
    numeral ("kuartal I"): repetition or the
    learned model alone is no evidence for it (a cue is: "Misalnya, Kopi Kenangan ...")."""
    m = max(e.mentions, key=lambda m: len(m.run.words))
    return _everyday_name(m.mention.lang, tuple(m.run.words))


@lru_cache(maxsize=WORD_CACHE)
def _everyday_name(lang: str, words: tuple[str, ...]) -> bool:
    """:func:`_everyday` of a name, remembered: names come back."""
    return example_model.everyday(lang, list(words)) or example_model.is_short(list(words))


def example_repeated(ents: list[Entity]) -> None:
    """An entity without evidence named at least twice inside sentences (not sentence-initially), unless its
    name is everyday words of the language."""
    for e in ents:
        inner = [m for m in e.mentions if not m.run.initial]
        if e.accepted is None and len(inner) >= 2 and not e.platform and not _everyday(e):
            e.accepted, e.first = "example_repeated", inner[0]


def example_coordinated(ents: list[Entity]) -> None:
    """An entity listed with an accepted one in a sentence (``A, B i C``), repeated to a fixpoint."""
    # the chains of each sentence, found once: only acceptance changes from one round to the next
    by_sent: dict[int, list[tuple[Occurrence, Entity]]] = {}
    for e in ents:
        for m in e.mentions:
            by_sent.setdefault(m.span.idx, []).append((m, e))
    chains: list[list[tuple[Occurrence, Entity]]] = []
    for pairs in by_sent.values():
        if len(pairs) < 2:
            continue    # a chain lists two runs at least
        first = pairs[0][0].mention
        for chain in _chain_positions(first.lang, first.text, [(m.run.start, m.run.end) for m, _ in pairs]):
            chains.append([pairs[i] for i in chain])
    changed = True
    while changed:
        changed = False
        for members in chains:
            if any(e.accepted for _, e in members):
                for m, e in members:
                    if not e.accepted and not e.platform:
                        e.accepted, e.first = "example_coordinated", m
                        changed = True


ENTITY_RULES = (example_repeated, example_coordinated)


def _occurrences(doc: DocContext) -> list[Occurrence]:
    """Every capitalised run outside headings, with the mention rules that hold for it."""
    lang, vocab = doc.lang, names.lower_vocab(doc)
    out: list[Occurrence] = []
    for b in doc.blocks:
        if b.kind == "heading":
            continue
        prev_text = None
        for span in spans.sentences(b):
            text = span.text
            # shared, not copied: nothing here changes a run, and a run is told apart by its place in its
            # sentence (_chain_positions), never by its identity across sentences
            all_runs = names.shared_runs(lang, text, vocab, True)
            if all_runs:    # the rules that may hold here, by the sentence's cues (most hold for no run)
                rules = _rules_for(names.may_cite(lang, text), _may_cue(lang, text, prev_text))
            for r in all_runs:
                if r.initial and not r.platform and len(r.words) == 1 and example_model.everyday(lang, r.words):
                    continue    # "Helaas, ...", "Największe ...": a word of the language capitalised by the sentence
                m = Mention(lang, text, r, prev_text, all_runs)
                # a platform is a candidate too, but only the learned rule may accept it
                evidence = [] if r.platform else [name for rule, name in rules if rule(m)]
                out.append(Occurrence(span, m, evidence, acronym_defined(lang, text, r)))
            prev_text = text     # coordination is resolved after acceptance
    return out


LISTED_MIN_ITEMS = 3        # a list naming at least this many things at its items' heads
LISTED_MAX_ZIPF = 3.0       # a head rarer than this in the language: a name, not a word ("Slack", "Trello")


def example_listed(occs: list[Occurrence], doc: DocContext) -> None:
    """The heads of a list that names things: at least three items of one list begin with a name the
    language does not write, then a dash or colon: ``- Slack – komunikator``, ``- Trello: aplikacja``,
    ``- Hootsuite – tool``; each such head is accepted (platforms left out)."""
    list_of: dict[int, int] = {}        # block index -> index of the first item of its list
    for b in doc.blocks:
        if b.kind == "list_item":
            list_of[b.idx] = list_of.get(b.idx - 1, b.idx)
    heads: dict[int, list[Occurrence]] = {}
    for o in occs:
        b, r = o.span.block, o.run
        if (b.kind == "list_item" and o.span.start == 0 and r.start == 0 and not r.platform
                and example_model.LIST_HEAD_GAP.match(o.mention.text, r.end)
                and all(example_model.zipf(w, doc.lang) < LISTED_MAX_ZIPF for w in r.words if w.isalpha())):
            heads.setdefault(list_of[b.idx], []).append(o)
    for group in heads.values():
        if len({o.span.block.idx for o in group}) >= LISTED_MIN_ITEMS:
            for o in group:
                o.evidence.append("example_listed")


def entities(doc: DocContext) -> list[Entity]:
    """All candidate entities of a document with their mentions and evidence (accepted or not)."""
    ents: list[Entity] = []
    index = _HeadIndex({}, [])
    occs = _occurrences(doc)
    example_listed(occs, doc)
    for occ in occs:
        _assign(ents, occ, index)
    for e in ents:
        for m in sorted(e.mentions, key=lambda m: m.span.start_char):
            if m.evidence:
                e.accepted, e.first = m.evidence[0], m     # MENTION_RULES order is the precedence
                break
    for rule in ENTITY_RULES:
        rule(ents)
    return ents


@lru_cache(maxsize=None)
def _connectors(lang: str) -> frozenset[str]:
    return frozenset(lang_data(lang).EXAMPLE_NAME_CONNECTORS)


@lru_cache(maxsize=WORD_CACHE)
def _name_tokens(lang: str, words: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The name tokens of a name (its words case-folded, but connectors and ``&``) and their :func:`_heads`,
    remembered per name."""
    connectors = _connectors(lang)
    tokens = frozenset(w.casefold() for w in words if w.casefold() not in connectors and w not in "&+")
    return tokens, frozenset(_heads(tokens))


def _tok_eq(a: str, b: str) -> bool:
    """Equal names, up to a short inflectional ending (``Mershon`` / ``Mershona``)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 3 and short.isalpha()


def _subset(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    """Every name token of ``a`` has an equal one in ``b`` (``all(any(_tok_eq(x, y) for y in b) for x in a)``)."""
    for x in a:
        if x not in b and not any(_tok_eq(x, y) for y in b):   # x in b: _tok_eq(x, x)
            return False
    return True


def _heads(tokens: AbstractSet[str]) -> set[str]:
    return {t[:3] for t in tokens}


@dataclass
class _HeadIndex:
    """Where the entities of a document are by the heads of their name tokens (positions in their list)."""
    by_head: dict[str, list[int]]   # a head -> the entities that have it (or had it: stale ones are tested again)
    headless: list[int]             # the entities without name tokens, whose heads match any


def _near(n: int, heads: AbstractSet[str], index: _HeadIndex) -> list[int] | range:
    """The positions of the entities that may share a name token with a name of ``heads``, in order: a superset
    of those whose heads ``heads`` meets (all ``n`` of them for a name without tokens)."""
    if not heads:
        return range(n)
    found = set(index.headless)
    for h in heads:
        found.update(index.by_head.get(h, ()))
    return sorted(found)


def _index(index: _HeadIndex, e: Entity, pos: int) -> None:
    for h in e.heads:
        at = index.by_head.setdefault(h, [])
        if not at or at[-1] != pos:
            at.append(pos)
    if not e.heads:
        index.headless.append(pos)


def _assign(ents: list[Entity], m: Occurrence, index: _HeadIndex) -> None:
    toks, heads = _name_tokens(m.mention.lang, tuple(m.run.words))
    if m.alias:
        toks = toks | {m.alias.casefold()}
        heads = _heads(toks)
    # names share a token only where two tokens share their first three characters (_tok_eq): the other
    # entities are left out before the token-by-token test, most by the index of heads
    cands = [(i, e) for i, e in ((i, ents[i]) for i in _near(len(ents), heads, index))
             if (not heads or not e.heads or not heads.isdisjoint(e.heads))
             and (_subset(toks, e.tokens) or _subset(e.tokens, toks))]
    if not cands:
        ents.append(Entity(toks, [m], heads=heads))
        _index(index, ents[-1], len(ents) - 1)
        return
    # an ambiguous short name ("Jeff") goes to the entity mentioned last
    pos, e = max(cands, key=lambda c: (c[1].mentions[-1].span.start_char, len(c[1].tokens)))
    e.mentions.append(m)
    if len(toks) > len(e.tokens):
        e.tokens = toks | {t for t in e.tokens if not any(_tok_eq(t, x) for x in toks)}
        e.heads = _heads(e.tokens)
        _index(index, e, pos)


# --- items -------------------------------------------------------------------------------

def _entity_type(ent: Entity, lang: str) -> str:
    evs = {e for m in ent.mentions for e in m.evidence}
    first = ent.first or ent.mentions[0]
    words = max((m.run.words for m in ent.mentions), key=len)
    if (len(first.run.words) >= 2     # (the cheap test first: most names are one word)
            and any(s == first.run.a for s, e in cues(lang, "STAT_STUDY_CUES", first.span.text))):
        return "study"
    if "example_org" in evs or any(is_acronym(w) for w in words):
        return "organisation"
    if "example_brand" in evs or ent.platform:
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


def _display(ent: Entity) -> str:
    best = max(ent.mentions, key=lambda m: (len(m.run.words), -m.span.start_char))
    name = best.run.text
    alias = next((m.alias for m in ent.mentions if m.alias), None)
    return f"{name} ({alias})" if alias and alias not in name else name


def learnable(e: Entity, doc: DocContext) -> bool:
    """Whether the learned rule may judge an entity no rule accepted: not a platform named once (a channel,
    "unggah foto di Instagram"), not only ever the reader's or their own thing ("ich Ściągawka", "Manajer
    Komunitas Anda"), not a name of everyday words ("Metode Pembayaran"), nor one everyday English word ("Next")."""
    if e.accepted is not None:
        return False
    platform = e.platform
    if platform and len(e.mentions) < 2:
        return False
    longest = max((m.run.words for m in e.mentions), key=len)     # the name _everyday judges
    # (the cheap remembered tests first: all are pure)
    return not (_everyday_name(doc.lang, tuple(longest)) or (not platform and example_model.english_everyday(longest))
                or all(example_model.possessed(doc.lang, m.mention) for m in e.mentions))


def example_learned(ents: list[Entity], doc: DocContext) -> None:
    """An entity no rule accepted that the learned model (``example_model``) scores as a cited example:
    a name that is neither a common word nor only sentence-initial, a platform, the head of a list item
    (``Slack – komunikator``), a name with a figure in brackets (``iDeal (85%)``); see ``learnable``."""
    for e in ents:
        if learnable(e, doc) and example_model.reaches(e, doc):     # probability(e, doc) >= threshold
            e.accepted, e.first = "example_learned", min(e.mentions, key=lambda m: m.span.start_char)


RULES = MENTION_RULES + (example_listed,) + ENTITY_RULES + (example_learned,)


def extract(doc: DocContext, settings: Settings = Settings(), known: Sequence[Item] = ()) -> list[Example]:
    """The cited examples of a document (``known``: items of the extractors run before; none are needed)."""
    out = []
    ents = entities(doc)
    if settings.learned:
        example_learned(ents, doc)
    for ent in ents:
        if not ent.accepted:
            continue
        m = ent.first
        etype = _entity_type(ent, doc.lang)
        lo, hi = spans.clip(m.span.text, m.run.start, m.run.end)
        out.append(make(Example, doc, m.span.block, m.span.start + lo, m.span.start + hi, ent.accepted,
                        entity=_display(ent), entity_type=etype, role=_role(ent.accepted, etype)))
    return out
