"""The title of a document from its structure, never from a directive or a line of code.

In order: the metadata header or the code metadata (``headers``, ``wrappers``); for HTML
the page's one ``<h1>`` (or the ``<h1>`` that shares most words with ``<title>``), else
``<title>``/``og:title`` without the site name; for text the first ``<h1>`` of an HTML
fragment, else the first line when it reads as a title (a markdown heading, or a short
line that is no sentence, code, directive, URL or image). None when there is none.
"""
from __future__ import annotations

import re

MAX_TITLE_CHARS = 200
MAX_TITLE_WORDS = 30
# " | Site", " - Site", " – Site": the separators sites put between a title and their name
_SITE_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»]|::)\s+")
MAX_SITE_WORDS = 3
_CODE_LIKE = re.compile(r"[;{}]\s*$|^\s*[\]\[{}()<>]|=>|\w\(.*\)\s*;?\s*$|^\s*(?:import|export|const|let|var|return)\s"
                        r"|^\s*[@$]\w|^\s*(?://|/\*|#!|<\?)")


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def is_title_line(line: str, max_chars: int = MAX_TITLE_CHARS) -> bool:
    """Does the first line of a text read as its title?"""
    line = _norm(line)
    heading = line.startswith("#")
    text = line.lstrip("#").strip()
    if not text or len(text) > max_chars or len(text.split()) > MAX_TITLE_WORDS:
        return False
    if line.startswith(("<", "!", "[", "|", ">", "```", "---", "{", ":::")) or _CODE_LIKE.search(line):
        return False
    if re.match(r"(?:https?://|www\.|/)\S*$", text) or re.search(r"\.(?:jpe?g|png|gif|webp|svg|pdf)\b", text, re.I):
        return False
    if not heading and re.search(r"[^.]\.$", text):   # a sentence, not a title ("..." aside)
        return False
    return sum(ch.isalpha() for ch in text) >= 0.5 * len(text.replace(" ", ""))


def first_h1(text: str) -> str | None:
    """The first ``<h1>`` of an HTML fragment inside a text (a Blade or PHP view)."""
    m = re.search(r"<h1\b[^>]*>(.*?)</h1\s*>", text, re.I | re.S)
    if not m:
        return None
    title = _norm(re.sub(r"<[^>]*>", " ", m.group(1)))
    return title if title and is_title_line(title) else None


def from_html(html: str, text: str | None = None) -> str | None:
    """The page's title: its one ``<h1>``, or ``<title>``/``og:title`` without the site name
    (when it shares a word with the page's main ``text``, if given)."""
    from lxml import html as lhtml

    try:
        root = lhtml.fromstring(html)
    except Exception:   # lxml raises several types on broken markup; no title then
        return None
    page_title = _norm(" ".join(root.xpath("//head/title//text()"))) or None
    og = root.xpath("//meta[@property='og:title' or @name='og:title' or @name='twitter:title']/@content")
    og_title = _norm(og[0]) if og else None
    reference = og_title or page_title
    h1s = []
    for h in root.xpath("//body//h1"):
        where = " ".join(a.get("class", "") + " " + a.get("id", "") for a in [h, *h.iterancestors()])
        if re.search(r"logo|brand|site-?title|site-?name|navbar", where, re.I):
            continue   # a site logo set as <h1>
        text = _norm(h.text_content())
        if text and len(text) <= MAX_TITLE_CHARS:
            h1s.append(text)
    names = root.xpath("//meta[@property='og:site_name' or @name='application-name']/@content")
    site = _norm(names[0]) if names else _site_name(reference)
    h1s = [h for h in h1s if not site or h.casefold() != site.casefold()]
    if len(h1s) == 1:
        return h1s[0]
    if h1s and reference:
        ref = set(re.findall(r"\w+", reference.casefold()))
        best = max(h1s, key=lambda h: len(ref & set(re.findall(r"\w+", h.casefold()))))
        if ref & set(re.findall(r"\w+", best.casefold())):
            return best
    if reference:
        title = _without_site_name(reference, site)
        return title if text is None else about(title, text)
    return h1s[0] if h1s else None


def about(title: str | None, text: str) -> str | None:
    """``title`` when a third of its words occur in the text: a page's <title> that names only the
    site and its slogan ("1980media | Online Performance Marketing Agency") is no article title."""
    if not title:
        return None
    words = set(re.findall(r"[^\W_]{3,}", title.casefold()))
    body = set(re.findall(r"[^\W_]{3,}", text.casefold()))
    return title if not words or len(words & body) >= len(words) / 3 else None


def _site_name(title: str | None) -> str | None:
    """The last part of "Title | Site" when it is short enough to be a site's name."""
    parts = [p.strip() for p in _SITE_SEPARATOR.split(title or "") if p.strip()]
    if len(parts) > 1 and len(parts[-1].split()) <= MAX_SITE_WORDS and len(parts[-1]) < len(" ".join(parts[:-1])):
        return parts[-1]
    return None


def _without_site_name(title: str, site: str | None) -> str:
    """"Ranking factors - SEO" -> "Ranking factors"."""
    parts = [p.strip() for p in _SITE_SEPARATOR.split(title) if p.strip()]
    if site and len(parts) > 1 and parts[-1].casefold() == site.casefold():
        return title[:title.rfind(parts[-1])].rstrip(" |-–—·•»:")
    if site and len(parts) > 1 and parts[0].casefold() == site.casefold():
        return title[title.find(parts[1]):]
    return title
