"""Template and code wrappers around article text, recognised by their syntax.

Scraped "articles" often arrive inside the source files that held them. The article text
is kept; the wrapper comes back as raw spans with the rule that recognised it:

- **code files** (``wrapper:php``, ``wrapper:js``): a PHP language array
  (``'key' => '...'``), a JS/TS module exporting a data array or a template literal
  (``export const post = `...```). The file is read with a small lexer for C-family
  string literals; literals that hold text are kept (their escapes removed, ``\\n`` as
  a line break), everything else goes: keys, identifiers, paths, comments, literals
  that are no text, and values repeated in every record of a collection ("Read article").
  A file counts as code when it opens with a code statement and most of its letters sit
  inside string literals (MDX, whose prose is outside literals, does not).
- **code metadata** (``meta:code_field``): in a file holding one record, the values of
  ``title``/``description``-like keys move to columns as front matter would.
- **template lines** in any text: Blade and other ``@directive(...)`` lines
  (``wrapper:directive``), line comments ``// ...`` and ``{/* ... */}``
  (``wrapper:comment``), ES ``import``/``export`` lines of MDX (``wrapper:code_line``),
  Nuxt MDC and admonition fences ``::name{...}`` / ``:::`` with their slot lines and
  props (``wrapper:component``).

Inline template syntax (``{{ ... }}``, ``{% ... %}``, kramdown ``{: ...}``) is left to
the denoise stage's markup rules: it never decides what a line is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pipeline.textmap import line_spans

Span = tuple[int, int, str]

# A code file opens with one of these statements (after blank lines and comments).
_CODE_START = re.compile(
    r"(?:<\?php\b|(?:import|export)\s|(?:const|let|var)\s+[\w$\[{]|module\.exports\b|exports\.\w+\s*=|"
    r"return\s*[\[{(]|function\s*[\w$]*\s*\(|['\"]use strict['\"]|define\s*\(|\(function\b|"
    r"\{\s*[\"'\w$]|\[\s*[\[{\"'])")      # a JSON object or array: a data file
_MIN_TEXT_SHARE = 0.6          # letters inside kept literals / all letters, for a file to count as code
_TITLE_KEY = re.compile(r"(?:page|post|meta|og|seo|article)?[-_]?(?:title|headline|heading|header|h1)"
                        r"(?:[-_]?(?:text|title))?(?:[-_]?0*1)?", re.I)
# Keys whose text values are metadata of the record, not its body (front matter in code).
_META_TEXT_KEYS = frozenset("""description excerpt summary subtitle metadesc metadescription meta_description
seo_description og_description keywords alt image_alt imagealt twitter_description""".split())
# Keys whose values are attributes, never article text, whatever they hold.
_ATTRIBUTE_KEYS = frozenset("""src href url link path slug id key class classname style icon img image
date datetime time type layout lang locale width height format filepath fspath collection component
template variant color colour target rel""".split())


@dataclass
class Literal:
    """A string literal: ``text[open]`` is the quote, ``text[close]`` the closing one."""
    open: int
    close: int
    quote: str
    record: int = -1                      # offset of the innermost enclosing bracket
    key: str | None = None                # the key or variable it is the value of
    is_key: bool = False                  # it is itself a key ('key' => ..., "key": ...)
    exprs: list[tuple[int, int]] = field(default_factory=list)   # ${...} inside a template literal

    def content(self, text: str) -> str:
        return text[self.open + 1:self.close]


@dataclass
class Wrapped:
    spans: list[Span]
    fields: dict[str, str]               # title, author, published ... found in code metadata
    is_code: bool = False
    collection: bool = False              # the file holds several records (no single title)


# ------------------------------------------------------------------ the lexer

def _string_end(text: str, i: int, end: int, quote: str, multiline: bool, exprs: list) -> int | None:
    """Offset of the closing quote of the literal opened at ``i``; None when unterminated. The regex engine
    finds the next character that matters (a backslash, the quote, a line break, a "$")."""
    special = _STRING_SPECIAL[quote, multiline or quote == "`"]
    j = i + 1
    while j < end:
        m = special.search(text, j, end)
        if m is None:
            return None
        j = m.start()
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == quote:
            return j
        if c == "\n":
            return None
        if not text.startswith("${", j):   # (a "$" in a template literal that opens no expression)
            j += 1
            continue
        depth, k = 0, j + 1
        while (b := _BRACE.search(text, k, end)) is not None:
            k = b.start()
            if text[k] == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    break
            k += 1
        else:
            k = max(k, end)   # (no closing brace: the loop above ran to the end)
        exprs.append((j, min(k + 1, end)))
        j = k + 1
    return None


# what a literal's scan stops at, by (quote, whether a line break is allowed in it)
_STRING_SPECIAL = {(q, multi): re.compile("[\\\\" + q + ("$" if q == "`" else "") + ("" if multi else "\n") + "]")
                   for q in "'\"`" for multi in (False, True)}
_BRACE = re.compile(r"[{}]")
_BLANKS = re.compile(r"\s+")
_NAME_REST = re.compile(r"[\w$]*")   # re's \w is str.isalnum() or "_"


def lex(text: str, start: int = 0, end: int | None = None, php: bool = False) -> list[Literal]:
    """String literals of C-family code in ``text[start:end]`` with the keys they belong to.

    Comments are skipped; single- and double-quoted literals end at a line break except in
    PHP, template literals may span lines. Regular-expression literals are not recognised
    (data files and language arrays do not use them).
    """
    end = len(text) if end is None else end
    tokens: list[tuple[str, object]] = []      # ("str", Literal) | ("ident", name) | ("punct", text)
    stack: list[int] = []
    i = start
    while i < end:
        c = text[i]
        if c.isspace():
            i = _BLANKS.match(text, i, end).end()   # the whole run (re's \s is str.isspace)
            continue
        if c in "/#?":    # (comments and PHP's closing tag open with one of these: most tokens need no look)
            if text.startswith("//", i) or (php and c == "#" and not text.startswith("#[", i)):
                nl = text.find("\n", i, end)
                i = end if nl < 0 else nl
                continue
            if text.startswith("/*", i):
                close = text.find("*/", i + 2, end)
                i = end if close < 0 else close + 2
                continue
            if php and text.startswith("?>", i):
                break
        if c in "'\"`":
            exprs: list[tuple[int, int]] = []
            j = _string_end(text, i, end, c, php, exprs)
            if j is None:
                tokens.append(("punct", c))
                i += 1
                continue
            tokens.append(("str", Literal(i, j, c, stack[-1] if stack else -1, exprs=exprs)))
            i = j + 1
            continue
        if c.isalpha() or c in "_$":
            j = _NAME_REST.match(text, i + 1, end).end()
            tokens.append(("ident", text[i:j]))
            i = j
            continue
        if c in "{[(":
            stack.append(i)
        elif c in "}])" and stack:
            stack.pop()
        if text.startswith("=>", i):
            tokens.append(("punct", "=>"))
            i += 2
            continue
        tokens.append(("punct", c))
        i += 1
    literals = []
    for k, (kind, tok) in enumerate(tokens):
        if kind != "str":
            continue
        lit: Literal = tok  # type: ignore[assignment]
        nxt = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
        if nxt in (("punct", ":"), ("punct", "=>")):
            lit.is_key = True
        elif k >= 2 and tokens[k - 1] in (("punct", ":"), ("punct", "=>"), ("punct", "=")):
            kind2, prev = tokens[k - 2]
            if kind2 == "ident":
                lit.key = str(prev).lstrip("$")      # PHP variables: "$title = '...'"
            elif kind2 == "str":
                lit.key = prev.content(text)  # type: ignore[union-attr]
        literals.append(lit)
    return literals


# ------------------------------------------------------------------ literal contents

_ESCAPE = re.compile(r"\\(?:u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)


def _plain(s: str) -> str:
    s = re.sub(r"<[^>]*>", " ", s)
    s = re.sub(r"\\[nrt]", " ", s)
    return re.sub(r"\\(.)", r"\1", s)


def is_text(s: str) -> bool:
    """Does a literal hold text (two words or more, mostly letters) rather than a name, path or URL?"""
    plain = _plain(s).strip()
    if not plain or not re.search(r"\s", plain) or re.match(r"(?:https?:|www\.|/|\./|\.\./)\S*$", plain):
        return False
    words = re.findall(r"[^\W\d_]{2,}", plain)
    letters = sum(ch.isalpha() for ch in plain)
    visible = sum(not ch.isspace() for ch in plain)
    return len(words) >= 2 and letters >= 0.5 * visible


def _escape_spans(text: str, lit: Literal) -> list[Span]:
    """Escapes inside a kept literal: ``\\n`` goes whole (a line break), else only the backslash."""
    out: list[Span] = []
    base = lit.open + 1
    for m in _ESCAPE.finditer(lit.content(text)):
        s = base + m.start()
        if any(a <= s < b for a, b in lit.exprs):
            continue
        if m.group() in ("\\n", "\\r", "\\t") or m.group().startswith(("\\u", "\\x")):
            out.append((s, base + m.end(), "wrapper:escape"))
        else:
            out.append((s, s + 1, "wrapper:escape"))
    return out


def _code_spans(text: str, start: int, end: int, keep: list[Literal], rule: str) -> list[Span]:
    """Everything in ``text[start:end]`` outside the kept literals' contents."""
    out: list[Span] = []
    pos = start
    for lit in sorted(keep, key=lambda x: x.open):
        if lit.open + 1 > pos:
            out.append((pos, lit.open + 1, rule))
        out.extend((a, b, rule) for a, b in lit.exprs)
        pos = lit.close
    if end > pos:
        out.append((pos, end, rule))
    return [(a, b, r) for a, b, r in out if b > a]


# ------------------------------------------------------------------ code files

_SKIPPED = re.compile(r"\s+|//[^\n]*|/\*.*?\*/", re.S)   # blanks and comments before a file's first statement


def _first_statement(text: str) -> int | None:
    """Offset of the first code statement, when the text opens with one."""
    i = 0
    while i < len(text):
        m = _SKIPPED.match(text, i)
        if m and m.end() > i:
            i = m.end()
            continue
        break
    return i if _CODE_START.match(text, i) else None


def code_file(text: str) -> Wrapped | None:
    """Read ``text`` as a PHP or JS/TS file holding article text in string literals."""
    start = _first_statement(text)
    if start is None:
        return None
    php = text.startswith("<?php", start)
    literals = lex(text, start + (5 if php else 0), php=php)
    values = [lit for lit in literals if not lit.is_key]
    texts = [lit for lit in values if is_text(lit.content(text)) and (lit.key or "").casefold() not in _ATTRIBUTE_KEYS]
    inside = sum(sum(map(str.isalpha, _plain(lit.content(text)))) for lit in texts)
    # a PHP file is code by its opening tag; a JS-looking start needs most letters inside literals
    if not texts or (not php and inside < _MIN_TEXT_SHARE * sum(map(str.isalpha, text))):
        return None
    # records: a key that names values in several brackets makes the file a collection
    records_of: dict[str, set[int]] = {}
    for lit in values:
        if lit.key:
            records_of.setdefault(lit.key.casefold(), set()).add(lit.record)
    collection = any(len(r) >= 2 for r in records_of.values())
    constant = {k for k, recs in records_of.items() if len(recs) >= 2
                and len({lit.content(text) for lit in values if (lit.key or "").casefold() == k}) == 1}
    fields: dict[str, str] = {}
    spans: list[Span] = []
    keep: list[Literal] = []
    moved: list[Literal] = []                 # values moved to columns
    for lit in texts:
        key = (lit.key or "").casefold()
        value = re.sub(r"\s+", " ", _plain(lit.content(text))).strip()
        if key in constant:
            continue                          # "Read article" in every record: a label
        if not collection and _TITLE_KEY.fullmatch(key) and "title" not in fields:
            fields["title"] = value
            if "title" in key:               # a title key is metadata; a header key is also the page's heading
                moved.append(lit)
                continue
        if key in _META_TEXT_KEYS:
            moved.append(lit)
            continue
        keep.append(lit)
    rule = "wrapper:php" if php else "wrapper:js"
    spans += _code_spans(text, 0, len(text), keep + [replace(m, exprs=[]) for m in moved], rule)
    spans += [(m.open + 1, m.close, "meta:code_field") for m in moved]
    for lit in keep:
        spans += _escape_spans(text, lit)
    if php:   # HTML after the closing ?> is the page itself, not code
        close = _php_close(text, literals, start)
        if close is not None:
            spans = [(a, min(b, close), r) for a, b, r in spans if a < close]
    return Wrapped(_merge(spans), fields, is_code=True, collection=collection)


def _php_close(text: str, literals: list[Literal], start: int) -> int | None:
    pos = start
    for lit in sorted(literals, key=lambda x: x.open):
        hit = text.find("?>", pos, lit.open)
        if hit >= 0:
            return hit + 2
        pos = lit.close + 1
    hit = text.find("?>", pos)
    return hit + 2 if hit >= 0 and text[hit + 2:].strip() else None


def _merge(spans: list[Span]) -> list[Span]:
    """Sorted, adjacent spans of the same rule joined (escapes stay separate)."""
    out: list[Span] = []
    for s, e, r in sorted(spans):
        if out and r == out[-1][2] and r != "wrapper:escape" and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]), r)
        elif out and s < out[-1][1]:
            if e > out[-1][1]:
                out.append((out[-1][1], e, r))
        else:
            out.append((s, e, r))
    return out


# ------------------------------------------------------------------ template lines

# "@extends('layouts.app')", "@section('content')", "@endsection": Blade and similar directives,
# alone on their line. A bare "@name" counts only when it is a known argument-less directive,
# so a Twitter handle on its own line stays.
_DIRECTIVE = re.compile(r"^[ \t]*@(?:[a-z][\w]*[ \t]*\(.*\)|end\w+|else|csrf|parent|show|stop|append|overwrite|php|"
                        r"verbatim|once|break|default|auth|guest|production)[ \t]*;?[ \t]*\r?$", re.M)
_BLADE_TITLE = re.compile(r"@section\(\s*(['\"])(?:page[-_]?)?title\1\s*,\s*(['\"])(.+?)\2\s*\)", re.I)
# "// a commented-out line" and JSX "{/* ... */}" comments on their own lines
_COMMENT_LINE = re.compile(r"^[ \t]*(?://.*|\{/\*.*?\*/\}|/\*.*?\*/)[ \t]*$", re.M)
# ES module lines in MDX and similar: import ... from '...'; export const x = ...; (one line)
_IMPORT_LINE = re.compile(r"^[ \t]*(?:import\s+(?:[\w$*{}\s,]+\s+from\s+)?['\"][^'\"\n]+['\"]|"
                          r"export\s+(?:default\s+)?(?:const|let|var|function|class|async)\b[^\n]*|"
                          r"export\s*\{[^}\n]*\}(?:\s*from\s*['\"][^'\"\n]+['\"])?)[ \t]*;?[ \t]*\r?$", re.M)
# JSX and script fragments left around markup: "return (", ");", "} else {"
_CODE_FRAGMENT = re.compile(r"^[ \t]*(?:return[ \t]*[(\[{]?|[)}\]]+[ \t]*;?|[)}\]]?[ \t]*else[ \t]*\{)[ \t]*;?[ \t]*\r?$", re.M)
# Nuxt MDC and admonition fences: "::page-section{...}", ":::", ":::tip"
_COMPONENT_FENCE = re.compile(r"^[ \t]*:{2,}(?:[A-Za-z][\w-]*)?(?:\{[^}\n]*\})?[ \t]*$", re.M)
_SLOT_LINE = re.compile(r"^[ \t]*#[a-z][\w-]*[ \t]*$")      # "#title", "#default" inside a component


def _line_forms(pattern: re.Pattern, opening: str) -> tuple[re.Pattern, re.Pattern]:
    """A ``^[ \\t]*``-anchored re.M pattern as one matched at the text's start and one found after each "\\n"
    (the regex engine jumps from "\\n" to "\\n" instead of trying ``^`` at every position), tried only where
    the line's first character other than blanks is in ``opening`` (every match's is)."""
    body = pattern.pattern.removeprefix("^")
    return re.compile(body, pattern.flags), re.compile(rf"\n(?=[ \t]*[{opening}])({body})", pattern.flags)


def _line_matches(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    """The spans of ``pattern.finditer(text)`` for a pattern of ``_LINE_FORMS`` (each match ends before a
    line break, never after one, so the "\\n" the later form takes is never part of an earlier match)."""
    first, later = _LINE_FORMS[pattern]
    out = []
    pos = 0
    if (m := first.match(text)) is not None:
        out.append(m.span())
        pos = m.end()
    out += [m.span(1) for m in later.finditer(text, pos)]
    return out


_LINE_FORMS = {p: _line_forms(p, opening) for p, opening in ((_DIRECTIVE, "@"), (_COMMENT_LINE, "/{"),
                                                             (_IMPORT_LINE, "ie"), (_CODE_FRAGMENT, r")}\]re"))}


def template_lines(text: str) -> list[Span]:
    """Directive, comment, module and component lines of a (non-code) text."""
    spans: list[Span] = []
    for pattern, rule, needs in ((_DIRECTIVE, "wrapper:directive", ("@",)),
                                 (_COMMENT_LINE, "wrapper:comment", ("//", "/*")),
                                 (_IMPORT_LINE, "wrapper:code_line", ("import", "export")),
                                 (_CODE_FRAGMENT, "wrapper:code_line", ("return", ")", "}", "]", "else"))):
        if any(n in text for n in needs):   # a line of the pattern holds one of these (skip the scan)
            spans += [(a, b, rule) for a, b in _line_matches(pattern, text) if text[a:b].strip()]
    if "export" in text:
        spans += _export_blocks(text)
    spans += _components(text)
    return _merge(spans)


def _export_blocks(text: str) -> list[Span]:
    """``export const meta = {`` ... ``}`` spread over several lines (MDX metadata)."""
    out: list[Span] = []
    for m in re.finditer(r"^[ \t]*export\s+(?:default\s+)?(?:const\s+[\w$]+\s*=\s*)?([{\[(])[ \t]*\r?$", text, re.M):
        close = {"{": "}", "[": "]", "(": ")"}[m.group(1)]
        depth, i = 0, m.start(1)
        while i < len(text):
            if text[i] == m.group(1):
                depth += 1
            elif text[i] == close:
                depth -= 1
                if depth == 0:
                    break
            i += 1
        nl = text.find("\n", i)
        out.append((m.start(), len(text) if nl < 0 else nl, "wrapper:code_line"))
    return out


def _components(text: str) -> list[Span]:
    """MDC fences, the slot lines and the YAML props block right after an opening fence."""
    out: list[Span] = []
    if "::" not in text:   # every span here needs an opening fence first: a line with "::"
        return out
    depth = 0
    lines = line_spans(text)
    i = 0
    while i < len(lines):
        s, e = lines[i]
        line = text[s:e]
        if _COMPONENT_FENCE.fullmatch(line):
            out.append((s, e, "wrapper:component"))
            opens = bool(re.search(r":{2,}[A-Za-z]", line))
            depth = depth + 1 if opens else max(depth - 1, 0)
            if opens and i + 1 < len(lines) and text[lines[i + 1][0]:lines[i + 1][1]].strip() == "---":
                j = i + 2   # props: "---" ... "---" right after the opening fence
                while j < len(lines) and text[lines[j][0]:lines[j][1]].strip() != "---":
                    j += 1
                if j < len(lines):
                    out.append((lines[i + 1][0], lines[j][1], "wrapper:component"))
                    i = j
        elif depth and _SLOT_LINE.match(line):
            out.append((s, e, "wrapper:component"))
        i += 1
    return out


def blade_title(text: str) -> str | None:
    m = _BLADE_TITLE.search(text)
    return m.group(3).strip() if m else None


def find(text: str) -> Wrapped:
    """Wrapper spans of ``text`` (front matter already blanked out by the caller)."""
    wrapped = code_file(text)
    if wrapped is None:
        wrapped = Wrapped([], {})
        if title := blade_title(text):
            wrapped.fields["title"] = title
    covered = [(s, e) for s, e, r in wrapped.spans if not r.startswith("wrapper:escape")]
    blanked = _blank(text, covered)
    wrapped.spans = _merge(wrapped.spans + template_lines(blanked))
    return wrapped


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the spans (sorted or not, overlapping or not) replaced by spaces, its "\\n" kept."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for s, e in _merged(spans):
        parts.append(text[pos:s])
        parts.append(_NOT_NEWLINE.sub(" ", text[s:e]))
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of the spans, sorted, empty ones left out."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out
