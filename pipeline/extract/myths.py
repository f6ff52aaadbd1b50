"""Extract myths: misconceptions an article states in order to refute them.

Rules (an item's ``extractor`` names the one that found it):

  myth_labelled_heading  a heading labelled as a myth: ``Mitos 1: Media Sosial Iseng-iseng``,
                         ``Mit: ...``, ``Mythe #2 - ...`` (the text is the part after the label)
  myth_labelled_line     a paragraph or list item labelled as a myth (``Mitos: SEO itu mahal.``),
                         or the sentence after a label-only heading (``**Mit:** Reklama ...``)
  myth_listed_heading    sibling headings under an intro, parent heading or title that names
                         myths (``Oto najczęstsze mity dotyczące marketingu:`` then ``## ...``)
  myth_quoted_claim      quoted claims (quote blocks, quoted headings, a paragraph's quoted lead
                         followed by a dash) under an intro or title that names myths,
                         misconceptions, fears or objections
  myth_cue_sentence      a sentence stating a myth: myth cue ... "that" <claim>
                         (``Salah satu mitos ... adalah bahwa ...``, ``Een mythe is dat ...``)
  myth_belief_sentence   a mistaken belief: mistake cue ... belief verb ... "that" <claim>
                         (``membuat kesalahan dengan percaya bahwa ...``)

``text`` is the claim, ``rebuttal`` the first sentences of the article's answer (about 400
characters at most) and ``detail`` the rest of the answer. A title such as "5 Mitos ..." only
sets the context; it is never a myth itself.

The cue words live in ``pipeline/lang/<code>.py`` (``MYTH_*``). The helpers for cue matching
(``cue_spans``, ``has_cue``) and ``claim_spans`` are shared with ``tips``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.docmodel import Block, DocContext
from pipeline.lang import get as lang_data

MAX_CLAIM_CHARS = 400       # longer items score as wrong: never emit them
MAX_QUOTED_CLAIM_CHARS = 250  # a quoted claim is a short statement, not a quoted passage
REBUTTAL_CHARS = 400

QUOTE_MARKS = "\"“”„«»'‘’"
_LEAD_QUOTE = re.compile(r'^\s*["“„«]([^"“”„«»]{3,%d}?)["”“»]\s*[-–—:]\s*(?=\S)' % MAX_QUOTED_CLAIM_CHARS)


# --- shared helpers (also used by tips) ---------------------------------------

def data(lang: str):
    return lang_data(lang)


@lru_cache(maxsize=4096)
def tokens(lang: str, text: str):
    """The spaCy tokens of ``text`` (tokenizer only)."""
    from pipeline.stages.segment import nlp_for

    return nlp_for(lang).make_doc(text)


@lru_cache(maxsize=None)
def cue_matcher(lang: str, key: str):
    """A spaCy Matcher over lower-cased tokens for the cue phrases ``lang.<key>``.

    A word ending in ``*`` matches any token starting with it.
    """
    from spacy.matcher import Matcher

    from pipeline.stages.segment import nlp_for

    matcher = Matcher(nlp_for(lang).vocab)
    phrases = getattr(data(lang), key, ())
    patterns = []
    for phrase in phrases:
        pat = []
        for w in tokens(lang, phrase.lower()):
            t = w.text
            if t == "*" and pat:  # "mitos*" may be tokenised as "mitos" "*"
                prev = pat.pop()
                pat.append({"LOWER": {"REGEX": "^" + re.escape(prev["LOWER"])}})
            elif t.endswith("*"):
                pat.append({"LOWER": {"REGEX": "^" + re.escape(t[:-1])}})
            else:
                pat.append({"LOWER": t})
        if pat:
            patterns.append(pat)
    if patterns:
        matcher.add(key, patterns)
    return matcher


def cue_spans(lang: str, key: str, text: str) -> list[tuple[int, int, int, int]]:
    """Matches of the cue phrases ``key`` in ``text``: (start_char, end_char, start_tok, end_tok)."""
    if not text:
        return []
    doc = tokens(lang, text)
    out = []
    for _, s, e in cue_matcher(lang, key)(doc):
        out.append((doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text), s, e))
    return sorted(out)


def has_cue(lang: str, key: str, *texts: str | None) -> bool:
    return any(t and cue_spans(lang, key, t) for t in texts)


def words(text: str) -> list[str]:
    return re.findall(r"\w[\w'’-]*", text or "")


def is_question(text: str) -> bool:
    """A question, possibly followed by a parenthesis: ``Jaka jest twoja konkurencja? (...)``."""
    t = re.sub(r"\s*\([^()]*\)\W*$", "", text.strip())
    return t.rstrip(" \"”»'’)…").endswith("?")


def first_sentences(texts: list[str], limit: int = REBUTTAL_CHARS) -> tuple[str | None, str | None]:
    """(the first sentences of ``texts`` within ``limit`` characters, the rest)."""
    texts = [t.strip().lstrip("-–—:;,. ").strip() for t in texts if t]
    texts = [t for t in texts if t]
    if not texts:
        return None, None
    head: list[str] = []
    size = 0
    i = 0
    for i, t in enumerate(texts):
        if head and size + 1 + len(t) > limit:
            break
        head.append(t)
        size += len(t) + 1
    else:
        i = len(texts)
    first = " ".join(head)
    if len(first) > limit:
        cut = first.rfind(" ", 0, limit - 1)
        first = first[:cut if cut > limit // 2 else limit - 1].rstrip() + "…"
    rest = " ".join(texts[i:]) or None
    return first, rest


def sentence_spans(b: Block) -> list[tuple[int, int, str]]:
    """(start, end, text) of the sentences of ``b`` in ``b.text``.

    Mends the sentencizer's splits after abbreviations and inside numbers: a piece that
    leaves a parenthesis open, or a next piece that starts in lower case or with a digit
    after a digit (``Web 2.`` ``0 stworzył``), is joined to the next one.
    """
    raw = []
    for sent in b.sentences:
        start = _offset(b, sent)
        raw.append([start, start + len(sent.text)])
    if not raw:
        return [(0, len(b.text), b.text)] if b.text else []
    out = [raw[0]]
    for s, e in raw[1:]:
        prev = b.text[out[-1][0]:out[-1][1]]
        nxt = b.text[s:e]
        if (prev.count("(") > prev.count(")") or nxt[:1].islower()
                or (nxt[:1].isdigit() and prev[-2:-1].isdigit())):
            out[-1][1] = e
        else:
            out.append([s, e])
    return [(s, e, b.text[s:e]) for s, e in out]


def block_sentences(b: Block) -> list[str]:
    return [t for _, _, t in sentence_spans(b)]


def body_sentences(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            out.append(b.text)
        else:
            out.extend(block_sentences(b))
    return out


def label_of(marker: str | None) -> str | None:
    """The word of a labelled marker: ``"Mitos 1:"`` -> ``"mitos"``."""
    if not marker:
        return None
    m = re.match(r"^([^\W\d_][\w'’-]*)", marker.strip())
    return m.group(1).casefold() if m else None


def _label_prefix(labels, text: str) -> int | None:
    """End of a leading ``Label [#]N:`` / ``Label:`` in ``text``, or None."""
    if not labels:
        return None
    alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    m = re.match(r"^(?:%s)\s*(?:#|nr\.?|no\.?)?\s*\d{0,3}\s*[:.)\-–—]\s*(?=\S)" % alt, text, re.I)
    return m.end() if m else None


def _label_only(labels, text: str) -> bool:
    """``Mit:``, ``Mythe 2`` - a label with nothing after it."""
    if not labels:
        return False
    alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    return re.fullmatch(r"(?:%s)\s*(?:#|nr\.?|no\.?)?\s*\d{0,3}\s*[:.)\-–—]?" % alt, text.strip(), re.I) is not None


# --- myth structure ----------------------------------------------------------

def _is_quoted_heading(b: Block) -> bool:
    return b.kind == "heading" and bool(b.marker) and b.marker.strip()[:1] in QUOTE_MARKS


def _claim_candidate(b: Block) -> tuple[int, int] | None:
    """The span of a quoted claim in ``b``: a quote block, a quoted heading or a paragraph's quoted lead."""
    if b.kind == "quote" or _is_quoted_heading(b):
        text = b.text.strip(QUOTE_MARKS + " ")
        if not text or len(b.text) > MAX_QUOTED_CLAIM_CHARS or len(block_sentences(b)) > 2:
            return None
        start = b.text.find(text)
        return start, start + len(text)
    if b.kind in ("paragraph", "list_item"):
        m = _LEAD_QUOTE.match(b.text)
        if m:
            return m.start(1), m.end(1)
    return None


def _context_texts(doc: DocContext, first: Block) -> list[str]:
    """The intro before ``first`` and its parent heading."""
    out = []
    if first.idx > 0:
        prev = doc.blocks[first.idx - 1]
        if prev.kind != "heading" or prev.idx == first.parent_idx:
            out.append(prev.text)
    if first.parent_idx >= 0:
        out.append(doc.blocks[first.parent_idx].text)
    return out


def _find(doc: DocContext) -> list[tuple[str, Block, int, int, list[str]]]:
    """(rule, block, start, end, answer sentences) of every myth claim in ``doc``."""
    lang = doc.lang
    L = data(lang)
    title = doc.title or ""
    title_strong = has_cue(lang, "MYTH_CUES", title)
    title_weak = title_strong or has_cue(lang, "MYTH_WEAK_CUES", title)
    found: list[tuple[str, Block, int, int, list[str]]] = []
    used: set[int] = set()
    labels = tuple(getattr(L, "MYTH_LABELS", ()))

    def section_body(b: Block) -> list[str]:
        return body_sentences([x for x in doc.section(b.idx) if x.kind != "heading"])

    # 1. labelled headings
    for b in doc.blocks:
        if b.kind != "heading":
            continue
        start = None
        if label_of(b.marker) in labels:
            start = 0
        else:
            start = _label_prefix(labels, b.text)
        if start is None:
            continue
        text = b.text[start:].strip()
        if _label_only(labels, b.text) or len(words(text)) < 1 or len(text) > MAX_CLAIM_CHARS:
            continue
        found.append(("myth_labelled_heading", b, start, len(b.text), section_body(b)))
        used.add(b.idx)

    # 1b. labelled lines ("Mitos: SEO itu mahal. ...") and label-only headings ("**Mit:**" then the claim)
    def is_label_only(b: Block) -> bool:
        return b.kind == "heading" and _label_only(labels, b.text)

    def answer_after(b: Block) -> list[str]:
        out: list[str] = []
        for nxt in doc.blocks[b.idx + 1:]:
            if nxt.kind == "heading" and nxt.text.rstrip().endswith(":") and len(words(nxt.text)) <= 3 \
                    and not is_label_only(nxt):
                continue  # "**Feit:**" labels the answer
            if nxt.kind == "heading" or _label_prefix(labels, nxt.text) is not None or is_label_only(nxt):
                break
            out.extend(body_sentences([nxt]))
        return out

    for b in doc.blocks:
        if b.idx in used:
            continue
        claim_block, start = None, None
        if b.kind in ("paragraph", "list_item", "quote"):
            start = _label_prefix(labels, b.text)
            claim_block = b if start is not None else None
        elif is_label_only(b) and b.idx + 1 < len(doc.blocks) and doc.blocks[b.idx + 1].kind != "heading":
            claim_block, start = doc.blocks[b.idx + 1], 0
        if claim_block is None or claim_block.idx in used:
            continue
        sents = sentence_spans(claim_block)
        k = next((i for i, (s0, e0, _) in enumerate(sents) if s0 <= start < e0), 0)
        end = sents[k][1] if sents else len(claim_block.text)
        if end - start > MAX_CLAIM_CHARS or not words(claim_block.text[start:end]):
            continue
        answer = [t for _, _, t in sents[k + 1:]] + answer_after(claim_block)
        found.append(("myth_labelled_line", claim_block, start, end, answer))
        used.add(claim_block.idx)

    # 2. quoted claims, grouped: consecutive candidates with no other heading between them
    groups: list[list[tuple[Block, tuple[int, int]]]] = []
    current: list[tuple[Block, tuple[int, int]]] = []
    for b in doc.blocks:
        span = None if b.idx in used else _claim_candidate(b)
        if span is not None:
            current.append((b, span))
        elif b.kind == "heading" and current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    for group in groups:
        ctx = _context_texts(doc, group[0][0])
        strong = title_strong or has_cue(lang, "MYTH_CUES", *ctx)
        weak = title_weak or has_cue(lang, "MYTH_WEAK_CUES", *ctx)
        if not (strong or weak):
            continue
        if len(group) < 2 and not has_cue(lang, "MYTH_CUES", *ctx[:1]):
            continue
        members = {b.idx for b, _ in group}
        for b, (s, e) in group:
            answer: list[str] = []
            if b.kind == "paragraph" or b.kind == "list_item":
                rest = b.text[e:].lstrip(QUOTE_MARKS + " -–—:")
                answer.append(rest)
            for nxt in doc.blocks[b.idx + 1:]:
                if nxt.idx in members or nxt.kind == "heading":
                    break
                answer.extend(body_sentences([nxt]))
            if not any(a.strip() for a in answer):
                continue  # a claim is followed by its answer
            found.append(("myth_quoted_claim", b, s, e, answer))
            used.add(b.idx)

    # 3. sibling headings under an intro / parent heading / title that names myths
    min_level = min((b.level for b in doc.blocks if b.kind == "heading"), default=0)
    runs: dict[tuple[int, int], list[Block]] = {}
    for b in doc.blocks:
        if b.kind == "heading" and not _is_quoted_heading(b):
            runs.setdefault((b.parent_idx, b.level), []).append(b)
    skip = {s.casefold() for s in getattr(L, "MYTH_SKIP_HEADINGS", ())}
    for (parent, level), heads in runs.items():
        if any(h.idx in used for h in heads):
            continue  # labelled myths ("Mitos 1:") say themselves which headings are myths
        if len(heads) < 2:
            continue
        ctx = _context_texts(doc, heads[0])
        top = parent < 0 and level == min_level
        if not (has_cue(lang, "MYTH_CUES", *ctx) or (top and title_strong)):
            continue
        for h in heads:
            text = h.text.strip()
            if text.rstrip(":").casefold() in skip:
                break   # "Podsumowanie": the list is over
            if has_cue(lang, "MYTH_CUES", text) or len(text) > MAX_CLAIM_CHARS or not words(text):
                continue
            if _imperative(lang, text):
                continue  # advice after the myths ("Zacznij od ...")
            if not [x for x in doc.section(h.idx) if x.kind != "heading"]:
                continue  # a claim is followed by its answer (a table of contents is not)
            found.append(("myth_listed_heading", h, 0, len(h.text), section_body(h)))
            used.add(h.idx)

    # 4. sentences: myth cue ... that <claim>
    that = {w.casefold() for w in getattr(L, "MYTH_THAT", ())}
    for b in doc.blocks:
        if b.kind == "heading" or b.idx in used:
            continue
        sents = sentence_spans(b)
        for k, (start, _, t) in enumerate(sents):
            if len(t) > MAX_CLAIM_CHARS or is_question(t):
                continue
            rule = "myth_cue_sentence"
            cues = cue_spans(lang, "MYTH_CUES", t)
            if not cues:
                # "the mistake of believing that <claim>"
                mistake = cue_spans(lang, "TIP_MISTAKE_CUES", t)
                cues = [c for c in cue_spans(lang, "MYTH_BELIEF_CUES", t) if mistake and c[2] > mistake[0][2]]
                rule = "myth_belief_sentence"
            if not cues:
                continue
            toks = tokens(lang, t)
            after = cues[0][3]
            if not any(tok.lower_ in that for tok in toks[after:]):
                continue
            answer = [x[2] for x in sents[k + 1:]]
            if not answer:
                nxt = doc.blocks[b.idx + 1] if b.idx + 1 < len(doc.blocks) else None
                if nxt is not None and nxt.kind != "heading":
                    answer = block_sentences(nxt)
            found.append((rule, b, start, start + len(t), answer))
    return found


def _imperative(lang: str, text: str) -> bool:
    from pipeline.extract.tips import starts_imperative

    return starts_imperative(lang, text)


def _offset(b: Block, sent) -> int:
    """Where ``sent`` starts in ``b.text``."""
    at = b.text.find(sent.text, max(0, sent.offset - 2))
    if at < 0:
        at = b.text.find(sent.text)
    return at if at >= 0 else sent.offset


def claim_spans(doc: DocContext) -> dict[int, list[tuple[int, int]]]:
    """Block index -> spans of its text that are myth claims: tips leave them alone (a heading
    in a list of myths is a myth, not a tip, even when numbered)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for _, b, s, e, _ in _find(doc):
        out.setdefault(b.idx, []).append((s, e))
    return out


def extract(doc: DocContext) -> list[dict]:
    items = []
    for rule, b, s, e, answer in _find(doc):
        rebuttal, detail = first_sentences(answer)
        items.append(doc.item("myth", b, s, e, extractor=rule, rebuttal=rebuttal, detail=detail))
    return items
