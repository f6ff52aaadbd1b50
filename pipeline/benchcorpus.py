"""A deterministic benchmark corpus recombined from real articles (``kb bench corpus``).

Every generated article is made of real material of one language: the header of a
real article (front matter, title, author and date lines, as they were scraped),
then sections (a heading and the lines under it) drawn from several real
articles of that language, with numbers and names varied and sentences of long
paragraphs reordered, so that lines do not repeat across the corpus more than in
real sites; and real scraping artefacts (markup, template errors, comment
counters, photo credits, advertising calls) harvested from the same articles,
sprinkled in. So every stage does real work on it.

Article ``i`` depends only on ``(seed, i)``: the first 1,000 articles of a
10,000-article corpus are the 1,000-article corpus, and ``--docs N+10`` adds ten.
The sources are the sample corpus and copies of the extra and development
articles kept under ``tests/fixtures/holdout-corpus`` and ``dev-corpus`` (their SOURCES.md says where they are from).
"""
from __future__ import annotations

import pathlib
import random
import re
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = (ROOT / "corpus", ROOT / "tests" / "fixtures" / "holdout-corpus", ROOT / "tests" / "fixtures" / "dev-corpus")
LANGS = ("id", "pl", "nl")
TARGET_CHARS = (7_000, 13_000)   # article length range, about the size of the real ones

_HEADING = re.compile(r"^\s*(#{1,6}\s|\d{1,2}\s*[.:)]\s|\*\*[^*]{3,120}\*\*\s*$|[A-ZÀ-Ž][^.!?]{2,90}$)")
_ARTEFACT = re.compile(r"<[a-zA-Z/!?][^>]*>|\{[{%][^}]*[}%]\}|\$\w+\[[^\]]*\]|\[/?(?:caption|embed|video)\b|"
                       r"^\s*\d+\s+\w+\s*[▼▾]|shutterstock|istock|getty|KLIKNIJ|ZAPISZ|DAFTAR|KLIK DI|"
                       r"!\[[^\]]*\]\(|^\s*(?:[-*_=]\s*){3,}$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ž0-9\"“„])")
_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"(?<=[a-ząćęłńóśźż,;:] )[A-ZĄĆĘŁŃÓŚŹŻ][a-ząćęłńóśźż]{2,}")


@dataclass
class Source:
    lang: str
    header: list[str]                     # lines before the first section
    sections: list[list[str]]             # heading + body lines
    artefacts: list[str]


@dataclass
class Pool:
    sources: dict[str, list[Source]] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)
    artefacts: dict[str, list[str]] = field(default_factory=dict)


def _language(path: pathlib.Path, text: str) -> str | None:
    for part in path.parts:
        if part in LANGS:
            return part
    from pipeline.stages.langid import detect

    lang, _ = detect(text)
    return lang if lang in LANGS else None


def _split(text: str) -> tuple[list[str], list[list[str]], list[str]]:
    lines = text.splitlines()
    artefacts = [ln for ln in lines if ln.strip() and _ARTEFACT.search(ln) and len(ln) < 400]
    header: list[str] = []
    sections: list[list[str]] = []
    current: list[str] | None = None
    for i, line in enumerate(lines):
        is_heading = bool(line.strip()) and bool(_HEADING.match(line)) and len(line) < 140 and i > 2
        if is_heading and current is None and len(header) < 3:
            is_heading = False
        if is_heading:
            current = [line]
            sections.append(current)
        elif current is None:
            header.append(line)
        else:
            current.append(line)
    sections = [s for s in sections if sum(len(x) for x in s[1:]) >= 120]
    return header[:40], sections, artefacts


def load_pool(sources: tuple[pathlib.Path, ...] = DEFAULT_SOURCES) -> Pool:
    pool = Pool({c: [] for c in LANGS}, {c: [] for c in LANGS}, {c: [] for c in LANGS})
    for root in sources:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if not path.is_file() or path.suffix.lower() not in (".txt", ".md", ".html", ".htm") \
                    or path.name.upper() in ("README.MD", "SOURCES.MD"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            lang = _language(path.relative_to(root), text)
            if lang is None:
                continue
            header, sections, artefacts = _split(text)
            if not sections:
                continue
            pool.sources[lang].append(Source(lang, header, sections, artefacts))
            pool.artefacts[lang].extend(artefacts)
            pool.names[lang].extend(_NAME.findall(text))
    for lang in LANGS:
        pool.names[lang] = sorted(set(pool.names[lang]))
        if not pool.sources[lang]:
            raise ValueError(f"no {lang} articles among the sources {[str(s) for s in sources]}")
    return pool


def _vary(line: str, rng: random.Random, names: list[str]) -> str:
    def number(m: re.Match) -> str:
        digits = m.group()
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(rng.randint(2008, 2025))
        lo = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
        return str(rng.randint(lo, 10 ** len(digits) - 1))

    line = _NUMBER.sub(number, line)
    if names:
        line = _NAME.sub(lambda m: rng.choice(names) if rng.random() < 0.35 else m.group(), line)
    if len(line) > 200:
        sentences = _SENTENCE.split(line)
        if len(sentences) > 2:
            head, rest = sentences[0], sentences[1:]
            rng.shuffle(rest)
            line = " ".join([head, *rest[: max(1, len(rest) - rng.randint(0, 1))]])
    return line


def article(pool: Pool, seed: int, i: int) -> tuple[str, str]:
    """(language, text) of article ``i``."""
    rng = random.Random(f"{seed}:{i}")
    lang = LANGS[rng.randrange(len(LANGS))]
    sources = pool.sources[lang]
    names = pool.names[lang]
    base = rng.choice(sources)
    out = [_vary(line, rng, names) for line in base.header]
    target = rng.randint(*TARGET_CHARS)
    size = sum(len(x) for x in out)
    artefacts = pool.artefacts[lang]
    while size < target:
        section = rng.choice(rng.choice(sources).sections)
        for line in section:
            out.append(_vary(line, rng, names))
            size += len(line) + 1
        if artefacts and rng.random() < 0.3:
            out.append("")
            out.append(rng.choice(artefacts))
            out.append("")
    return lang, "\n".join(out).strip() + "\n"


def write_corpus(out: pathlib.Path, docs: int, seed: int = 0,
                 sources: tuple[pathlib.Path, ...] = DEFAULT_SOURCES) -> dict[str, int]:
    """Write ``docs`` articles under ``out/<lang>/``; return articles per language. Existing files are rewritten
    only when their text differs (so a rerun of the generator changes nothing)."""
    pool = load_pool(sources)
    counts = {c: 0 for c in LANGS}
    for i in range(docs):
        lang, text = article(pool, seed, i)
        ext = ".md" if i % 10 == 7 else ".txt"
        path = out / lang / f"{i:06d}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        counts[lang] += 1
    return counts
