"""Extract tips: actionable advice, as one heading or one sentence each.

Rules (an item's ``extractor`` names the one that found it):

  tip_labelled_heading    a heading labelled as a tip: ``Kiat 3: ...``, ``Stap 2: ...``
  tip_numbered_heading    a run of numbered headings (``# 4: Dziel i rządź``, ``13. ...``) that
                          a title, intro or parent heading announces as advice, or that is
                          mostly imperative; not a table of contents (entries repeated as
                          headings), a list of questions, a list of mistakes or of myths
  tip_imperative_heading  a heading that starts with an imperative (``Hindari Harapan ...``)
  tip_list_item           items of a list introduced as advice (``Berikut ini beberapa kiat
                          ...:``) or mostly imperative; a short item whole, a long one by its
                          first sentence
  tip_imperative_sentence a sentence that starts with an imperative (``Zorg ervoor ...``,
                          ``Jangan ...``, ``Begin met ...``), after optional lead words
  tip_conditional_imperative  a conditional clause then an imperative (``Jika ..., hindari ...``,
                          ``Als je ..., zorg dan ...``)
  tip_modal_sentence      a sentence with a modal of advice (``... harus ...``, ``Musisz``,
                          ``Należy``, ``Je moet``, ``ik raad je aan``)

Questions are never tips, except the headings of a numbered list of tips. Myth claims
(``myths.claim_spans``) are never tips. ``detail`` holds the supporting body: a heading's
section, the rest of a list item or of the sentence's paragraph.
"""
from __future__ import annotations

from functools import lru_cache

from pipeline.docmodel import Block, DocContext
from pipeline.extract import myths
from pipeline.extract.myths import body_sentences, cue_spans, data, has_cue, is_question, tokens, words

MAX_TIP_CHARS = 400         # longer items score as wrong: never emit them
WHOLE_ITEM_CHARS = 250      # a list item up to this long is one tip; a longer one gives its first sentence
DETAIL_CHARS = 2000
LEADING_JUNK = " :;,.-–—•*"
MIN_SENTENCE_WORDS = 3      # "Tanya Comcast." is a quip, not a tip


# --- imperatives and modals ----------------------------------------------------

@lru_cache(maxsize=None)
def _set(lang: str, key: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in getattr(data(lang), key, ()))


def _is_imperative_word(lang: str, w: str) -> bool:
    L = data(lang)
    w = w.casefold()
    if w in _set(lang, "TIP_IMPERATIVES"):
        return True
    if w in _set(lang, "TIP_IMPERATIVE_NOT") or not w.isalpha():
        return False
    if any(w.startswith(p) for p in L.TIP_IMPERATIVE_NOT_PREFIXES):
        return False
    return any(w.endswith(s) and len(w) >= len(s) + 3 for s in L.TIP_IMPERATIVE_SUFFIXES)


def starts_imperative(lang: str, text: str, subjects: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` starts (after punctuation and up to two lead words) with an imperative."""
    doc = tokens(lang, text)
    n = len(doc)
    lead_ends: dict[int, int] = {}
    for _, s, e in myths.cue_matcher(lang, "TIP_LEAD_WORDS")(doc):
        lead_ends[s] = max(e, lead_ends.get(s, 0))
    i = 0
    for _ in range(3):
        while i < n and not any(c.isalnum() for c in doc[i].text):
            i += 1   # punctuation, quotes, a bullet, the comma after a lead word
        if i >= n:
            return False
        if _is_imperative_word(lang, doc[i].text):
            # aimed at the author, not the reader: "Beri tahu saya", "Laat me weten"
            # or a statement with the subject after the verb: "Daarom zet ik ..."
            if i + 1 < n:
                nxt = doc[i + 1].lower_
                if (nxt in _set(lang, "TIP_SUBJECTS") or nxt in subjects or nxt in _set(lang, "TIP_NOT_NEXT")
                        or nxt[:1].isdigit()):
                    return False   # "Begin 2020 ...", "Plan van aanpak"
            return not any(t.lower_ in _set(lang, "TIP_FIRST_PERSON") for t in doc[i + 1:i + 4])
        if i not in lead_ends:
            return False
        i = lead_ends[i]
    return False


def conditional_imperative(lang: str, text: str) -> bool:
    """``Jika ..., hindari ...``: a conditional clause, then an imperative main clause."""
    doc = tokens(lang, text)
    words_ = [t for t in doc if any(c.isalnum() for c in t.text)]
    if not words_ or words_[0].lower_ not in _set(lang, "TIP_CONDITIONALS"):
        return False
    seps = [t for t in doc[words_[0].i + 2:] if t.text in (",", "-", "–", "—", ":")][:2]
    subjects = tuple(_set(lang, "TIP_CONDITIONAL_SUBJECTS"))
    return any(starts_imperative(lang, text[t.idx + 1:], subjects) for t in seps)


def has_modal(lang: str, text: str) -> bool:
    """Whether ``text`` holds a modal of advice that no negation cancels (``tidak perlu``)."""
    doc = tokens(lang, text)
    for _, _, s, _ in cue_spans(lang, "TIP_MODALS", text):
        if s > 0 and doc[s - 1].lower_ in _set(lang, "TIP_MODAL_NEGATIONS"):
            continue
        return True
    return False


# --- helpers -------------------------------------------------------------------

def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def _detail(texts: list[str]) -> str | None:
    t = " ".join(x.strip() for x in texts if x and x.strip())
    if not t:
        return None
    return t if len(t) <= DETAIL_CHARS else t[:DETAIL_CHARS].rsplit(" ", 1)[0] + "…"


def _context(doc: DocContext, first: Block) -> list[str]:
    """Title, parent heading and the block before ``first``: where a list is announced."""
    out = [doc.title or ""]
    if first.parent_idx >= 0:
        out.append(doc.blocks[first.parent_idx].text)
    if first.idx > 0:
        out.append(doc.blocks[first.idx - 1].text)
    return out


def _numbered_runs(doc: DocContext) -> list[list[Block]]:
    """Numbered headings in runs of consecutive numbers (a number 1 starts a new run)."""
    runs: list[list[Block]] = []
    last_number = None
    for b in doc.blocks:
        if b.kind == "heading" and b.number is not None and myths.label_of(b.marker) is None:
            if runs and last_number is not None and b.number == last_number + 1 and b.number != 1:
                runs[-1].append(b)
            else:
                runs.append([b])
            last_number = b.number
        elif b.kind == "list_item" and b.number is not None and runs:
            last_number = b.number  # "1. 2. 3." items then a "4." heading: one list
    return runs


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _repeated(doc: DocContext, h: Block) -> bool:
    """Whether the text of heading ``h`` comes back in another heading (a table of contents entry)."""
    key = _squash(h.text)
    return bool(key) and any(b.idx != h.idx and b.kind == "heading" and _squash(b.text) == key
                             for b in doc.blocks)


# --- rules ---------------------------------------------------------------------

def extract(doc: DocContext) -> list[dict]:
    lang = doc.lang
    L = data(lang)
    claims = myths.claim_spans(doc)
    items: list[dict] = []
    taken: dict[int, list[tuple[int, int]]] = {}   # spans of block text already used

    def add(rule: str, b: Block, s: int, e: int, detail: str | None):
        taken.setdefault(b.idx, []).append((s, e))
        while s < e and b.text[s] in LEADING_JUNK:
            s += 1   # ": Bagikan diskon ..." after a bold lead
        text = b.text[s:e].strip()
        if not text or len(text) > MAX_TIP_CHARS or not words(text):
            return
        items.append(doc.item("tip", b, s, e, extractor=rule, detail=detail))

    def section_detail(h: Block) -> str | None:
        return _detail(body_sentences([x for x in doc.section(h.idx) if x.kind != "heading"]))

    heading_ok = {b.idx for b in doc.blocks if b.kind == "heading" and b.idx not in claims}

    # labelled tip headings
    tip_labels = {x.casefold() for x in getattr(L, "TIP_LABELS", ())}
    for b in doc.blocks:
        if b.idx in heading_ok and myths.label_of(b.marker) in tip_labels and len(words(b.text)) >= 1:
            add("tip_labelled_heading", b, 0, len(b.text), section_detail(b))

    # numbered headings
    for run in _numbered_runs(doc):
        run = [h for h in run if h.idx in heading_ok and h.idx not in taken]
        if len(run) < 2:
            continue
        if sum(_repeated(doc, h) for h in run) * 2 >= len(run):
            continue  # a table of contents: its entries come back as headings
        if sum(is_question(h.text) for h in run) * 2 >= len(run):
            continue  # questions (a FAQ, a table of contents)
        ctx = _context(doc, run[0])
        advice = has_cue(lang, "TIP_INTRO_CUES", *ctx)
        imperative = sum(starts_imperative(lang, h.text) for h in run)
        mistakes = has_cue(lang, "TIP_MISTAKE_CUES", *ctx)
        if mistakes and not advice:
            continue  # "5 mistakes ...": its headings say what not to do
        if not (advice or imperative * 3 >= len(run)):
            continue
        for h in run:
            add("tip_numbered_heading", h, 0, len(h.text), section_detail(h))

    # imperative headings
    for b in doc.blocks:
        if b.idx in heading_ok and b.idx not in taken and not is_question(b.text) \
                and not b.text.rstrip().endswith(":") and len(words(b.text)) >= 2 \
                and not has_cue(lang, "TIP_NOT_CUES", b.text) and starts_imperative(lang, b.text):
            add("tip_imperative_heading", b, 0, len(b.text), section_detail(b))

    # list items introduced as advice
    runs: list[list[Block]] = []
    for b in doc.blocks:
        if b.kind == "list_item":
            prev = doc.blocks[b.idx - 1] if b.idx > 0 else None
            if runs and prev is not None and prev.kind == "list_item" and runs[-1][-1].idx == prev.idx:
                runs[-1].append(b)
            else:
                runs.append([b])
    plain_items: set[int] = set()   # items of lists that are not advice
    for run in runs:
        top = [b for b in run if b.level == min(x.level for x in run)]
        ctx = _context(doc, run[0])[1:]   # the parent heading and the intro, not the title
        advice = has_cue(lang, "TIP_INTRO_CUES", *ctx)
        imperative = sum(starts_imperative(lang, b.text) for b in top)
        if (has_cue(lang, "TIP_MISTAKE_CUES", *ctx) and not imperative) or not (advice or imperative * 2 > len(top)):
            plain_items.update(b.idx for b in run)
            continue
        for b in top:
            sents = myths.sentence_spans(b)
            if b.idx in claims or not sents or is_question(sents[0][2]) or len(words(b.text)) < 2:
                continue
            if has_cue(lang, "TIP_NOT_CUES", b.text):
                continue
            if len(b.text) <= WHOLE_ITEM_CHARS:
                add("tip_list_item", b, 0, len(b.text), None)
            else:
                s, e, _ = sents[0]
                add("tip_list_item", b, s, e, _detail([t for _, _, t in sents[1:]]))

    # sentences
    for b in doc.blocks:
        if b.kind == "heading":
            continue
        used = taken.get(b.idx, []) + claims.get(b.idx, [])
        sents = myths.sentence_spans(b)
        for k, (s, e, text) in enumerate(sents):
            if _overlaps(used, s, e) or is_question(text) or len(text) > MAX_TIP_CHARS:
                continue
            if len(words(text)) < MIN_SENTENCE_WORDS or has_cue(lang, "MYTH_CUES", text) \
                    or has_cue(lang, "TIP_NOT_CUES", text):
                continue
            if text.rstrip().endswith(":") and has_cue(lang, "TIP_ANNOUNCE_CUES", text):
                continue  # "Ikuti tips berikut:" announces the tips
            if starts_imperative(lang, text) and not (k == 0 and b.idx in plain_items):
                rule = "tip_imperative_sentence"
            elif conditional_imperative(lang, text):
                rule = "tip_conditional_imperative"
            elif "?" not in text and has_modal(lang, text):
                rule = "tip_modal_sentence"
            else:
                continue
            add(rule, b, s, e, _detail([t for _, _, t in sents[k + 1:]]))
    return items
