"""Page furniture: a block classifier in the manner of jusText (Pomikálek, 2011).

The text left after the markup and line rules is cut into blocks (a line, or the hard-wrapped
lines of one paragraph). Each block gets a context-free class from its own features:

  bad       it starts with a furniture cue of its language or of English page chrome
            (share boxes, related posts, "read also", "latest posts by", tags, comment forms,
            republication notices, legal and cookie links), holds a copyright sign or a
            company registration number, is a menu of navigation words, or is a bare path,
            image file or feed URL;
  short     fewer than ``length_low`` characters: too little to judge alone;
  good      long enough, with a stopword density (jusText's stoplists) of running text;
  neargood  long enough but with few stopwords (lists of names, keyword runs).

Then, as in jusText, context: short blocks take their neighbours' class. A run of short blocks
between two furniture blocks is furniture when it is short (a box, not a text); next to the
document's edge only when it is nothing but menu words, share targets or link text. A bare
furniture label ("Related posts", "Udostępnij artykuł:") takes the title-like lines after it
(related-post titles, share targets); a label that is a heading takes its whole section.
Calls to action ("Skontaktuj się z nami", "Hubungi kami") are furniture only after the last
good block, and only as a line or a paragraph that opens with them. A heading followed by good
text within ``max_heading_distance`` characters is never removed by context, and nothing good
or neargood is removed by context at all: only cues and shapes remove text, so content kept
stays high on articles the cues never saw.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.denoising.lines import SpanIndex, logical_lines
from pipeline.lang import get as lang_data
from pipeline.textmap import ends_with, view, view_text

Span = tuple[int, int, str]

# English page chrome, used by sites in every language.
SHARED_CUES = ("share this", "share on", "share:", "share article", "related posts", "related articles",
               "you may also like", "you might also like", "read more", "continue reading", "see all posts",
               "view all posts", "latest posts by", "more posts by", "recent posts", "popular posts",
               "leave a comment", "leave a reply", "subscribe to our newsletter", "sign up for our newsletter",
               "tags:", "categories:", "filed under", "posted in", "about the author", "all rights reserved",
               "this website uses cookies", "we use cookies", "this article was originally published",
               "originally published", "skip to content", "back to top", "powered by")
SHARED_NAV = ("home", "about", "about us", "contact", "contact us", "blog", "menu", "search", "login", "log in",
              "sign up", "sign in", "privacy", "privacy policy", "cookie policy", "cookies", "terms",
              "terms of service", "terms and conditions", "sitemap", "rss", "faq")
# "© 2020 Site", "Copyright 2020", "(c) 2020": a copyright line, not a sign inside a sentence
# Share targets: alone on a line they are the buttons of a share box.
SHARE_TARGETS = ("facebook", "twitter", "x", "linkedin", "whatsapp", "pinterest", "telegram", "email", "e-mail",
                 "instagram", "youtube", "tiktok", "reddit", "line", "messenger", "copy link", "print")
_COPYRIGHT = re.compile(r"©\s*(?:\d{4}|[A-Z])|\d{4}\s*©|&copy;|\(c\)\s*\d{4}|^copyright\b\W*(?:©|\d{4})", re.I)
# a URL, an absolute path, a path of three parts or more, or a file name: never a line of text
_PATH = re.compile(r"(?:https?:)?//\S+|/[\w.~%@-]+(?:/[\w.~%@-]*)*|[\w.~%@-]+(?:/[\w.~%@-]+){2,}/?|"
                   r"[\w.~%/-]+\.(?:jpe?g|png|gif|webp|svg|avif|bmp|pdf|xml|rss|atom|js|css)(?:\?\S*)?", re.I)
_NAV_SPLIT = re.compile(r"\s*(?:[|·•›»/]|\s-\s|\s–\s|\s{2,})\s*")
_LEADING_MARKS = re.compile(r"^[\s\-*•·>#|+–—]+")
_END_PUNCT = re.compile(r"[.!?:;\"”»)…]$")


@dataclass(frozen=True)
class Settings:
    length_low: int = 70              # jusText LENGTH_LOW: shorter blocks are judged by context
    stopwords_low: float = 0.30       # jusText STOPWORDS_LOW: running text has at least this density
    max_cue_chars: int = 160          # a cue starts a furniture line, not a paragraph of text
    max_label_chars: int = 80         # a furniture label ("Related posts") opens a run of short lines
    max_heading_distance: int = 200   # jusText MAX_HEADING_DISTANCE
    max_legal_chars: int = 160        # copyright and registration lines are short
    max_run_chars: int = 200          # short lines between two furniture blocks: a box, not a text
    max_label_run: int = 8            # lines a furniture label ("Related posts") can take with it
    max_cta_chars: int = 200          # a call to action is a line, not a closing paragraph...
    cta_lead_chars: int = 40          # ...unless it opens with the call


@dataclass
class Block:
    rows: list[tuple]                 # each line's raw span of visible text, or (start, end, removed spans in it)
    text: str
    heading: bool = False             # a markdown or HTML heading, or a short title-like line
    marked_heading: bool = False      # a markdown or HTML heading
    level: int = 0                    # its level (1-6)
    link_chars: int = 0
    cls: str = "short"                # good | neargood | short | bad (| long: good or neargood, not yet told)
    reason: str | None = None         # why a bad block is bad (the removal rule)
    cta: bool = False
    label: bool = False               # a furniture label that opens a run of short lines
    menu: bool = False                # nothing but navigation words, share targets or link text
    low: str = ""                     # the case-folded text (of a long block, to tell good from neargood)
    raw: str = field(default="", repr=False)   # the document's text (where a line's span is made)

    @property
    def lines(self) -> list[tuple[int, int]]:
        """The raw spans of the visible text of each line (made where asked: only a furniture block's are)."""
        return [row if len(row) == 2 else _visible_span(self.raw, *row) for row in self.rows]


def _visible_span(raw: str, start: int, end: int, removed: list) -> tuple[int, int]:
    """The raw span from the first to the last character of the view of a line (with text)."""
    index = view(raw, start, end, removed).raw_index
    return index[0], index[-1] + 1


@lru_cache(maxsize=None)
def _language(code: str) -> dict:
    import justext

    d = lang_data(code)
    cues = tuple(sorted({c.casefold() for c in (*SHARED_CUES, *d.FURNITURE_CUES)}, key=len,
                        reverse=True))
    stop = d.JUSTEXT_STOPLIST
    regs = "|".join(re.escape(r) for r in d.REGISTRATION_LABELS)
    return {
        "cues": cues,
        "cta": tuple(c.casefold() for c in d.CALL_TO_ACTION_CUES),
        "cta_re": re.compile("|".join(re.escape(c.casefold()) for c in d.CALL_TO_ACTION_CUES) or "(?!)"),
        "cta_len": max((len(c.casefold()) for c in d.CALL_TO_ACTION_CUES), default=0),
        "nav": frozenset(w.casefold() for w in (*SHARED_NAV, *d.NAV_WORDS)),
        "menu": frozenset(w.casefold() for w in (*SHARED_NAV, *SHARE_TARGETS, *d.NAV_WORDS)),
        "stop": frozenset(w.casefold() for w in justext.get_stoplist(stop)) if stop else frozenset(),
        "registration": re.compile(rf"\b(?:{regs})\b\.?\s*(?:nr\.?|no\.?|number|nummer|:)?\s*[A-Z]{{0,2}}[\d][\d .-]{{5,}}")
        if regs else re.compile(r"(?!)"),
    }


def blocks_of(raw: str, spans: list[Span], links: list[tuple[int, int]] = (),
              lines: list[tuple[int, int]] | None = None, seen: dict | None = None) -> list[Block]:
    """The visible lines of ``raw`` as blocks; hard-wrapped lines of one paragraph are joined.
    ``lines`` is ``logical_lines(raw, spans)`` when the caller has it already; ``seen``, when given,
    gets ``(start, end) -> (removed spans in it, view text)`` of every line viewed (for a later view
    of the same line with the same removals)."""
    out: list[Block] = []
    blank = True
    index = SpanIndex([(s, e) for s, e, _ in spans])
    in_link = bytearray(len(raw) + 1)
    for a, b in links:
        in_link[a:b] = b"\x01" * (b - a)
    if lines is None:
        lines = logical_lines(raw, [(s, e, raw[s:e]) for s, e, _ in spans])
    for s, e in lines:
        # (an empty line has no text; nor has a line that one removal covers, unless it is an entity: one that
        # starts the line)
        if e <= s or (index.covers(s, e) and raw[s] != "&"):
            blank = True
            continue
        near = index.overlapping(s, e)
        # the view's raw offsets lie in the line: one with no link character has no link text, and needs only
        # the view's text (its raw span is made where it is asked for: most lines' never are)
        linked = links and in_link.find(1, s, e) >= 0
        v = view(raw, s, e, near) if linked else None
        text = v.text if linked else view_text(raw, s, e, near)
        if seen is not None:
            seen[s, e] = (near, text)
        if not text:
            blank = True
            continue
        if linked:
            first, last = v.raw_index[0], v.raw_index[-1]
            row: tuple = (first, last + 1)
            # (a view's raw offsets grow: a line with no link character between its first and last has none)
            link_chars = sum(map(in_link.__getitem__, v.raw_index)) if in_link.find(1, first, last + 1) >= 0 else 0
        else:
            row, link_chars = (s, e, near), 0
        marked = _MARKED_HEADING.match(raw, s, e)
        heading = bool(marked)
        level = (len(marked.group(1)) if marked.group(1) else int(marked.group(2))) if marked else 0
        prev = out[-1] if out else None
        if (prev and not blank and not prev.heading and not heading and text[:1].islower()
                and not ends_with(_END_PUNCT, prev.text)):
            prev.rows.append(row)
            prev.text += " " + text
            prev.link_chars += link_chars
        else:
            out.append(Block([row], text, heading, heading, level, link_chars, raw=raw))
        blank = False
    for i, b in enumerate(out):   # a short capitalised line without end punctuation reads as a heading
        if not b.heading and len(b.text) <= 100 and b.text[:1].isupper() and not ends_with(_END_PUNCT, b.text):
            b.heading = True
    return out


_MARKED_HEADING = re.compile(r"\s*(?:(#{1,6})\s|<h([1-6])\b)", re.I)
_WORD = re.compile(r"\w+")


def _stop_density(low: str, stop: frozenset[str]) -> float:
    """Share of the words of ``low`` (a case-folded text) that are stopwords."""
    words = _WORD.findall(low)
    return sum(map(stop.__contains__, words)) / len(words) if words else 0.0


def _starts_with_cue(text: str, cues: tuple[str, ...], low: str | None = None) -> str | None:
    """The cue ``text`` opens with; ``low`` is ``text.casefold()`` when the caller has it."""
    t = _LEADING_MARKS.sub("", text.casefold() if low is None else low)
    if not t.startswith(cues):   # (most blocks) no cue at all: one test for all of them
        return None
    return next((c for c in cues if t.startswith(c) and (len(t) == len(c) or not t[len(c)].isalnum()
                                                         or not c[-1].isalnum())), None)


def _nav_words(text: str) -> list[str] | None:
    """The parts of a line split at menu separators, case-folded (None for a line too long to be a menu)."""
    if len(text) > 100:
        return None
    return [p.strip(" .:").casefold() for p in _NAV_SPLIT.split(_LEADING_MARKS.sub("", text)) if p.strip(" .:")]


def _nav_parts(text: str, nav: frozenset[str], parts: list[str] | None = None) -> int:
    """How many navigation or legal link words make up the line (0 when anything else is in it);
    ``parts`` is ``_nav_words(text)`` when the caller has it."""
    if parts is None:
        parts = _nav_words(text)
    return len(parts) if parts and all(p in nav for p in parts) else 0


_ANY_DIGIT = re.compile(r"\d")   # a registration number has digits


def _may_be_copyright(text: str, bare: str) -> bool:
    """Whether ``_COPYRIGHT`` can match ``bare`` (``text`` without its leading marks): each of its
    branches needs a "©", "&copy;", "(c)" or a "copyright" at the start (no other letter folds to c)."""
    return "©" in text or "&" in text or "(" in text or bare[:1] in ("c", "C")


_HASHTAGS = re.compile(r"(?:#[^\W\d_][\w-]*[\s,;]*){2,}")


def classify(blocks: list[Block], lang: str, settings: Settings = Settings()) -> list[Block]:
    """Set ``cls`` and ``reason`` of every block (context-free, then by context)."""
    stop = _language(lang)["stop"]
    for b in _classified(blocks, lang, settings):
        _is_good(b, stop, settings)   # (the blocks the context did not need told apart)
    return blocks


def _is_good(b: Block, stop: frozenset[str], settings: Settings) -> bool:
    """Whether ``b`` is good, told from neargood by its stopwords where that is not known yet (``long``)."""
    if b.cls == "long":
        b.cls = "good" if _stop_density(b.low, stop) >= settings.stopwords_low else "neargood"
    return b.cls == "good"


def _classified(blocks: list[Block], lang: str, settings: Settings = Settings()) -> list[Block]:
    """:func:`classify`, except that a long block (not bad, not short) whose being good or neargood
    decides nothing stays ``long``: only the bad blocks are read from this (counting stopwords is most
    of the work, and only a call to action after the last good block and a heading before good text
    need it)."""
    L = _language(lang)
    cta = L["cta_re"]
    # a call to action in a block longer than max_cta_chars counts only when it starts within the lead: the
    # cues are plain strings, so one starting there ends within the lead plus the longest cue
    cta_end = settings.cta_lead_chars + 1 + L["cta_len"]
    for b in blocks:
        t = b.text
        low = t.casefold()
        bare = _LEADING_MARKS.sub("", t).strip()
        cue = _starts_with_cue(t, L["cues"], low)
        words = _nav_words(t)
        if cue and len(t) <= settings.max_cue_chars:
            b.cls, b.reason = "bad", "furniture_cue"
            # a bare label ("Artikel Terkait", "Udostępnij artykuł:") heads the lines after it;
            # "Baca juga: <title>" is one line of its own
            b.label = not bare.casefold()[len(cue):].strip(" :")
        elif _HASHTAGS.fullmatch(bare):
            b.cls, b.reason = "bad", "furniture_cue"          # a line of hashtags
        elif len(t) <= settings.max_legal_chars and (_may_be_copyright(t, bare) and _COPYRIGHT.search(bare)
                                                      or _ANY_DIGIT.search(t) and L["registration"].search(t)):
            b.cls, b.reason = "bad", "furniture_legal"
        elif not b.marked_heading and words is not None and _nav_parts(t, L["nav"], words) >= 2:
            b.cls, b.reason = "bad", "furniture_nav"        # "Home | Blog | Kontakt"; one word alone is judged by context
        elif _PATH.fullmatch(bare):
            b.cls, b.reason = "bad", "furniture_path"
        elif not any(ch.isalnum() for ch in t):
            b.cls, b.reason = "bad", "furniture_symbols"     # "});", "* * *", "»": no text at all
        elif len(t) < settings.length_low or b.link_chars >= 0.5 * len(t):
            b.cls = "short"       # too short, or mostly link text (related posts): judged by context
        else:
            b.cls, b.low = "long", low      # good or neargood: told when asked (_is_good)
        # (a line too long to be a menu has no menu words: words is None)
        b.menu = (words is not None and _nav_parts(t, L["menu"], words) >= 1) or b.link_chars >= 0.8 * len(t)
        # the leftmost match of all the cues: a cue within the lead exists when the first one found is there
        m = cta.search(low) if len(t) <= settings.max_cta_chars else cta.search(low, 0, cta_end)
        b.cta = m is not None and (len(t) <= settings.max_cta_chars or m.start() <= settings.cta_lead_chars)
    _calls_to_action(blocks, L["stop"], settings)
    _context(blocks, settings, L["stop"])
    return blocks


def _calls_to_action(blocks: list[Block], stop: frozenset[str], settings: Settings) -> None:
    """A call to action after the last good block that is none is the page's, not the article's."""
    last = next((i for i in range(len(blocks) - 1, -1, -1)
                 if not blocks[i].cta and _is_good(blocks[i], stop, settings)), -1)
    for b in blocks[last + 1:]:
        if b.cta and b.cls != "bad":
            b.cls, b.reason = "bad", "call_to_action"


def _protected(blocks: list[Block], i: int, settings: Settings, stop: frozenset[str]) -> bool:
    """A heading with good text close after it (jusText's "good headings")."""
    if not blocks[i].heading:
        return False
    distance = 0
    for b in blocks[i + 1:]:
        if _is_good(b, stop, settings):
            return True
        if b.cls == "bad" or distance > settings.max_heading_distance:
            return False
        distance += len(b.text)
    return False


def _context(blocks: list[Block], settings: Settings, stop: frozenset[str]) -> None:
    decided = [b.cls for b in blocks]
    n = len(blocks)
    # the class of the nearest block that is not short, before and after each block
    before, after = ["edge"] * n, ["edge"] * n
    for i in range(1, n):
        before[i] = decided[i - 1] if decided[i - 1] != "short" else before[i - 1]
    for i in range(n - 2, -1, -1):
        after[i] = decided[i + 1] if decided[i + 1] != "short" else after[i + 1]

    for i, b in enumerate(blocks):
        if b.cls != "short" or _protected(blocks, i, settings, stop):
            continue
        prev, nxt = before[i], after[i]
        if "bad" not in (prev, nxt) or not {prev, nxt} <= {"bad", "edge"}:
            continue
        run = _run(blocks, decided, i)
        # between two furniture blocks a short run goes; next to the document's edge only a menu
        if all(x.menu for x in run) or ((prev, nxt) == ("bad", "bad")
                                        and sum(len(x.text) for x in run) <= settings.max_run_chars):
            b.cls, b.reason = "bad", "furniture_context"
    # a furniture label and the short lines after it, up to the next text; a label that is a heading
    # ("## Related posts", "## O autorze") heads a section that is furniture up to the next heading
    for i, b in enumerate(blocks):
        if not b.label:
            continue
        if b.marked_heading:
            for nb in blocks[i + 1:]:
                if nb.marked_heading and nb.level <= b.level:
                    break
                if nb.cls != "bad":
                    nb.cls, nb.reason = "bad", "furniture_section"
            continue
        for j in range(i + 1, min(n, i + 1 + settings.max_label_run)):
            nb = blocks[j]
            if nb.cls == "bad":
                continue
            # related-post titles and share targets: short, no sentence, no section heading of the text
            if (nb.cls != "short" or nb.marked_heading or _protected(blocks, j, settings, stop)
                    or (ends_with(_END_PUNCT, nb.text) and nb.link_chars < 0.5 * len(nb.text))):
                break
            nb.cls, nb.reason = "bad", "furniture_context"


def _run(blocks: list[Block], decided: list[str], i: int) -> list[Block]:
    """The run of short blocks around block ``i``."""
    a = i
    while a > 0 and decided[a - 1] == "short":
        a -= 1
    b = i
    while b + 1 < len(blocks) and decided[b + 1] == "short":
        b += 1
    return blocks[a:b + 1]


def spans(raw: str, removed: list[Span], lang: str, links: list[tuple[int, int]] = (),
          settings: Settings = Settings(), lines: list[tuple[int, int]] | None = None,
          seen: dict | None = None) -> list[Span]:
    """Raw spans of the furniture blocks of one document (after ``removed``), with their rules.
    ``lines`` and ``seen`` as for :func:`blocks_of`."""
    blocks = _classified(blocks_of(raw, removed, links, lines, seen), lang, settings)
    return [(s, e, b.reason or "furniture") for b in blocks if b.cls == "bad" for s, e in b.lines]


# Class and id words of page furniture in HTML kept inside markdown or text (readability's
# "unlikely candidates", plus subscription and sharing boxes).
_FURNITURE_ATTR = re.compile(
    r"\b(?:[\w-]*(?:subscri|newsletter|signup|share|sharing|social|related|recommend|comment|disqus|cookie|"
    r"consent|gdpr|banner|promo|advert|sponsor|sidebar|widget|breadcrumb|pagination|pager|popup|modal|"
    r"navbar|navigation|menu|author-?(?:box|bio|info)|about-?author|call-?to-?action)[\w-]*|ads?|ad-[\w-]+|cta|nav|"
    r"footer|bio)\b", re.I)
_OPEN_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*)>")


def html_elements(text: str) -> list[Span]:
    """HTML elements inside a text whose class or id names page furniture, with their content."""
    out: list[Span] = []
    pos = 0
    for m in _OPEN_TAG.finditer(text):
        if m.start() < pos or m.group(0).endswith("/>"):
            continue
        attrs = " ".join(re.findall(r"\b(?:class|id)\s*=\s*[\"']([^\"']*)[\"']", m.group(2), re.I))
        if not attrs or not _FURNITURE_ATTR.search(attrs):
            continue
        end = _closing(text, m.group(1), m.end())
        if end is not None:
            out.append((m.start(), end, "html_furniture"))
            pos = end
    return out


def _closing(text: str, tag: str, pos: int) -> int | None:
    """End of the element whose opening tag ends at ``pos`` (nested elements of the same name counted)."""
    depth = 1
    for m in re.finditer(rf"<(/?){tag}\b[^<>]*?(/?)>", text[pos:], re.I):
        if m.group(2):
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return pos + m.end()
    return None
