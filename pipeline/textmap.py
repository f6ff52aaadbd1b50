"""Text views with an offset map back to the raw text.

Every derived text in the store (clean text, block text, item text) is built by
one function here, so an offset in a derived text can always be mapped back to
``raw_text``: ``view.raw_index[i]`` is the raw position of derived char ``i``.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from bisect import bisect_left
from typing import Iterable, Sequence

import numpy as np

# Zero-width and soft characters that scraping leaves behind; dropped from views.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_BREAK_ESCAPES = ("\\n", "\\r", "\\t")


class TextView:
    """A normalised view of part of a raw text.

    ``text`` is NFC, with whitespace runs collapsed to one space and invisible
    characters dropped; ``raw_index[i]`` is the raw offset of ``text[i]``: a tuple, or a
    ``range`` where the text is a slice of the raw text as it is (most lines: no tuple of
    offsets to build). Two views are equal when their texts and offsets are, whatever holds them.
    Immutable. (A class with slots, not a frozen dataclass: the stages make a view per line and per
    block, and a frozen dataclass's ``__init__`` sets its fields through ``object.__setattr__``.)
    """

    __slots__ = ("text", "raw_index")
    text: str
    raw_index: Sequence[int]

    def __init__(self, text: str, raw_index: Sequence[int]) -> None:
        _set_text(self, text)
        _set_raw_index(self, raw_index)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a TextView is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a TextView is immutable: cannot delete {name!r}")

    def __reduce__(self):
        return (TextView, (self.text, self.raw_index))

    def __repr__(self) -> str:
        return f"TextView(text={self.text!r}, raw_index={self.raw_index!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextView):
            return NotImplemented
        return self.text == other.text and (self.raw_index == other.raw_index
                                             or tuple(self.raw_index) == tuple(other.raw_index))

    def __hash__(self) -> int:
        return hash((self.text, tuple(self.raw_index)))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the smallest raw span covering it."""
        if not self.raw_index:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.raw_index[start], self.raw_index[end - 1] + 1


_set_text = TextView.text.__set__   # type: ignore[attr-defined]  # (the slots' own setters)
_set_raw_index = TextView.raw_index.__set__   # type: ignore[attr-defined]


def view(raw: str, start: int = 0, end: int | None = None,
         removed: Sequence[tuple[int, int]] = ()) -> TextView:
    """Normalised view of ``raw[start:end]`` without the ``removed`` raw spans.

    ``removed`` holds (start, end) raw spans, sorted or not; they may overlap. A removed
    span that is exactly one HTML entity ("&eacute;", "&#8220;") is decoded instead, its
    characters mapped to the entity's first raw offset; a removed ``\\n`` escape of a code
    string separates words as a line break would.
    """
    end = len(raw) if end is None else end
    if end <= start:
        return _EMPTY
    near = [(s, e) for s, e in removed if e > start and s < end] if removed else ()   # (the removals looked at)
    if not near:
        text = raw[start:end]
        # (an ASCII text holds no invisible character: str.isascii is a flag, not a scan)
        if text.isascii() or not INVISIBLE_RE.search(text):
            return _plain_view(raw, start, end, text)   # (most lines) nothing removed: no per-piece work
    elif _cut_whole(raw, near, start, end):
        return _EMPTY
    index: list[int] = []
    if near and _no_entity_nor_invisible(raw, start, end, near):
        return _finish(_kept_runs(raw, start, end, near, index), index)   # (most lines with removals)
    return _finish(_view_chars(raw, start, end, near, index), index)


def view_text(raw: str, start: int = 0, end: int | None = None,
              removed: Sequence[tuple[int, int]] = ()) -> str:
    """``view(raw, start, end, removed).text`` without building its offset map (for callers that read
    the text only)."""
    end = len(raw) if end is None else end
    if end <= start or _cut_whole(raw, removed, start, end):
        return ""
    if not _touches(removed, start, end) and ((text := raw[start:end]).isascii() or not INVISIBLE_RE.search(text)):
        text = " ".join(text.split())   # str.split()'s whitespace is str.isspace(), as in _chars
    else:
        text = "".join(_view_chars(raw, start, end, removed, _NO_INDEX))
    if not unicodedata.is_normalized("NFC", text):
        return view(raw, start, end, removed).text   # (rare) NFC needs the map
    return text


def _touches(removed: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Does any removed span overlap ``[start, end)``?"""
    for s, e in removed:
        if e > start and s < end:
            return True
    return False


def _cut_whole(raw: str, removed: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Does one removed span cover all of ``[start, end)`` (a wholly removed line)? Not one that is a
    single entity: that one is decoded, not cut."""
    for s, e in removed:
        if s <= start and e >= end and not (s == start and raw.startswith("&", s) and _ENTITY.fullmatch(raw, s, e)):
            return True
    return False


def _plain_view(raw: str, start: int, end: int, text: str) -> TextView:
    """The view of ``text``, ``raw[start:end]``, with nothing removed and no invisible characters: whitespace
    runs collapsed. Slices and ranges between the runs to collapse, not a character at a time."""
    if raw[start] != " " and raw[end - 1] != " " and _single_spaced(text):
        # (most lines) single spaces between words: the view is the raw text
        if unicodedata.is_normalized("NFC", text):
            return TextView(text, range(start, end))
        index: Sequence[int] = range(start, end)
    elif end - start >= _ARRAY_MIN and "  " in text:   # a long text with runs of blanks to collapse: arrays
        chars: list[str] = []
        index = []
        _array(text, start, chars, index, False)
        return _finish(chars, index)
    else:
        a = len(text) - len(text.lstrip())
        b = len(text.rstrip())
        if a >= b:
            return _EMPTY
        inner = text[a:b]
        if _single_spaced(inner):   # (most of these lines) blanks at its ends only: the text between them
            if unicodedata.is_normalized("NFC", inner):
                return TextView(inner, range(start + a, start + b))
            text, index = _nfc_with_map(inner, list(range(start + a, start + b)))
            return TextView(text, tuple(index))
        if "  " not in inner and len(words := " ".join(inner.split())) == b - a:   # (a double space: a run of two)
            # (wrapped lines, a tab between words) every whitespace run between the words is one character:
            # a space at its own offset, so each character of the view is at its own raw offset
            if unicodedata.is_normalized("NFC", words):
                return TextView(words, range(start + a, start + b))
            text, index = words, range(start + a, start + b)
        elif end - start >= _ARRAY_MIN:   # a long text with many runs to collapse: array operations
            chars = []
            index = []
            _array(text, start, chars, index, False)
            return _finish(chars, index)
        else:
            pieces: list[str] = []
            index = []
            pos = a
            # inside [a, b) every whitespace run lies between two words: one space, mapped to the
            # raw position before the next word
            for m in _COLLAPSE.finditer(text, a, b):
                ms, me = m.span()
                pieces.append(text[pos:ms])
                index.extend(range(start + pos, start + ms))
                index.append(start + me - 1)
                pos = me
            pieces.append(text[pos:b])
            index.extend(range(start + pos, start + b))
            text = " ".join(pieces)
    if not unicodedata.is_normalized("NFC", text):
        text, index = _nfc_with_map(text, list(index))
    return TextView(text, tuple(index))


# a whitespace run that is not one space (runs of one space stay as they are)
_COLLAPSE = re.compile(r"\s{2,}|[^\S ]")


class _Discard(list):
    """An offset map that keeps nothing: what :func:`view_text` passes where :func:`view` builds one."""
    __slots__ = ()

    def append(self, _item) -> None:
        pass

    def extend(self, _items) -> None:
        pass


_NO_INDEX = _Discard()


_EMPTY = TextView("", ())


def _view_chars(raw: str, start: int, end: int | None, removed: Sequence[tuple[int, int]], index: list[int]
                ) -> list[str]:
    """The pieces of a view's text, its raw offsets appended to ``index``."""
    end = len(raw) if end is None else end
    near = [(s, e) for s, e in removed if e > start and s < end]
    if not near:   # (most lines) the text as it is, whitespace collapsed
        chars: list[str] = []
        if end > start:
            _run(raw, start, end, chars, index, False)
        return chars
    if _no_entity_nor_invisible(raw, start, end, near):
        return _kept_runs(raw, start, end, near, index)
    subs = {s: (e, html.unescape(raw[s:e])) for s, e in near if s >= start and raw[s:s + 1] == "&"
            and _ENTITY.fullmatch(raw, s, e)}
    cut = _merge([(s, e) for s, e in near if subs.get(s, (None,))[0] != e])
    subs = {s: v for s, v in subs.items() if not any(a <= s < b for a, b in cut)}
    sub_at = sorted(subs)
    chars = []
    pos = start
    pending_space: bool | str = False
    for s, e in cut + [(end, end)]:
        i, stop = pos, max(pos, min(s, end))
        while i < stop:
            k = bisect_left(sub_at, i)
            at = sub_at[k] if k < len(sub_at) and sub_at[k] < stop else stop   # the next decoded entity
            if at > i:
                pending_space = _run(raw, i, at, chars, index, pending_space)
            if at < stop:
                i, piece = subs[at]
                pending_space = _chars(piece, 0, len(piece), chars, index, pending_space, at)
            else:
                i = stop
        if s < end and e > s and chars:
            if raw[s] == "<":
                pending_space = "tag"  # a removed tag separates words ("a<br>b" -> "a b"), not "a</b>,"
            elif raw.startswith(_BREAK_ESCAPES, s):
                pending_space = True  # "\\n" inside a code string is a line break
        pos = max(pos, e)
    return chars


def _no_entity_nor_invisible(raw: str, start: int, end: int, near: list[tuple[int, int]]) -> bool:
    """Is no removal ``near`` ``[start, end)`` an entity to decode (none starts with an "&": with no "&" in the
    line, most lines, none can), and no invisible character in it to drop?"""
    return ((raw.find("&", start, end) < 0 or not any(s >= start and raw.startswith("&", s) for s, _ in near))
            and not INVISIBLE_RE.search(raw, start, end))


def _kept_runs(raw: str, start: int, end: int, near: list[tuple[int, int]], index: list[int]) -> list[str]:
    """:func:`_view_chars` where no removed span is an entity to decode and no invisible character is
    to be dropped (most lines with removals): the runs between the cuts, whitespace collapsed."""
    chars: list[str] = []
    pos = start
    pending_space: bool | str = False
    for s, e in (near if len(near) == 1 else _merge(near)):   # (one removal: nothing to sort nor merge)
        stop = min(s, end)
        if stop > pos:
            if stop - pos < _ARRAY_MIN:
                pending_space = _words(raw, pos, stop, chars, index, pending_space)
            else:
                pending_space = _array(raw[pos:stop], pos, chars, index, pending_space)
        if e > s and chars:
            if raw[s] == "<":
                pending_space = "tag"  # a removed tag separates words ("a<br>b" -> "a b"), not "a</b>,"
            elif raw.startswith(_BREAK_ESCAPES, s):
                pending_space = True  # "\\n" inside a code string is a line break
        pos = max(pos, e)
    if end > pos:
        if end - pos < _ARRAY_MIN:
            _words(raw, pos, end, chars, index, pending_space)
        else:
            _array(raw[pos:end], pos, chars, index, pending_space)
    return chars


def _finish(chars: list[str], index: list[int]) -> TextView:
    text = "".join(chars)
    if not unicodedata.is_normalized("NFC", text):
        text, index = _nfc_with_map(text, index)
    return TextView(text, tuple(index))


def _run(raw: str, pos: int, stop: int, chars: list[str], index: list[int], pending_space: bool | str
         ) -> bool | str:
    """Append ``raw[pos:stop]``: whole runs of non-space characters at a time (the regex engine's speed),
    char by char only where the run is short or invisible characters must be dropped from it."""
    if INVISIBLE_RE.search(raw, pos, stop):
        return _chars(raw, pos, stop, chars, index, pending_space)
    if stop - pos < _ARRAY_MIN:
        return _words(raw, pos, stop, chars, index, pending_space)
    return _array(raw[pos:stop], pos, chars, index, pending_space)


INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
_ARRAY_MIN = 600  # shorter runs of text (most lines) are quicker a word at a time than with arrays
# whitespace that a view changes (with a space at either end): other than one space between two words
_IRREGULAR_SPACE = re.compile(r"[^\S ]|  ")


def _single_spaced(text: str) -> bool:
    """Whether ``text`` holds no whitespace but single spaces (``_IRREGULAR_SPACE`` finds nothing in it).
    Every whitespace character but the space is unprintable: a printable text without a double space has
    none (most lines; the regex tries every position of the text, ``isprintable`` is a table look-up a
    character); an unprintable one may (a tab, a no-break space) or may not (a zero-width space)."""
    return ("  " not in text and text.isprintable()) or not _IRREGULAR_SPACE.search(text)


def _words(text: str, pos: int, stop: int, chars: list[str], index: list[int], pending_space: bool | str
           ) -> bool | str:
    """The same as :func:`_chars` (tested against it) without invisible characters to drop, a whole
    word at a time; all at once where the whitespace is single spaces between words (most lines)."""
    if stop > pos and text[pos] != " " and text[stop - 1] != " " and _single_spaced(piece := text[pos:stop]):
        if pending_space:
            if not (pending_space == "tag" and text[pos] in _PUNCT_AFTER_TAG):
                chars.append(" ")
                index.append(pos - 1 if pos > 0 else pos)
        chars.append(piece)
        index.extend(range(pos, stop))
        return False
    segment = text[pos:stop]
    a = pos + len(segment) - len(segment.lstrip())
    if a == stop:   # whitespace only
        return pending_space or bool(chars) if stop > pos else pending_space
    b = pos + len(segment.rstrip())
    if a > pos:
        pending_space = pending_space or bool(chars)
    if pending_space and not (pending_space == "tag" and text[a] in _PUNCT_AFTER_TAG):
        chars.append(" ")
        index.append(a - 1 if a > 0 else a)
    if _single_spaced(inner := text[a:b]):   # (most pieces) blanks at the ends only: the text between them
        chars.append(inner)
        index.extend(range(a, b))
        return b < stop
    # between the first and the last word: slices between the whitespace runs to collapse, each run
    # one space mapped to the raw position before the next word
    p = a
    for m in _COLLAPSE.finditer(text, a, b):
        ms, me = m.span()
        chars.append(text[p:ms])
        chars.append(" ")
        index.extend(range(p, ms))
        index.append(me - 1)
        p = me
    chars.append(text[p:b])
    index.extend(range(p, b))
    return b < stop     # whitespace at the end: a space if anything follows
_SPACE = np.array([chr(c).isspace() for c in range(0x3002)])   # str.isspace(); none past U+3000
_PUNCT_AFTER_TAG = ",.;:!?)"


def _array(segment: str, offset: int, chars: list[str], index: list[int], pending_space: bool | str
           ) -> bool | str:
    """Append ``segment`` (raw offset ``offset``) to the view with array operations; return the pending space.

    The same as :func:`_chars` (tested against it): whitespace runs become one space, mapped to the raw
    position before the next character, none at the start of the view, none between a removed tag and
    punctuation.
    """
    codes = np.frombuffer(segment.encode("utf-32-le"), dtype=np.uint32)
    keep = ~_SPACE[np.minimum(codes, len(_SPACE) - 1)]
    pos = np.flatnonzero(keep)
    if len(pos) == 0:
        return pending_space or bool(chars)
    run_start = np.flatnonzero(np.diff(pos) > 1) + 1          # indices into pos where a later run starts
    first = int(pos[0])
    if first > 0:
        pending_space = pending_space or bool(chars)
    if pending_space and not (pending_space == "tag" and segment[first] in _PUNCT_AFTER_TAG):
        i = offset + first
        chars.append(" ")
        index.append(i - 1 if i > 0 else i)
    out_codes = np.insert(codes[pos], run_start, 32)
    out_index = np.insert(pos + offset, run_start, pos[run_start] + offset - 1)
    chars.append(out_codes.tobytes().decode("utf-32-le"))
    index.extend(out_index.tolist())
    return int(pos[-1]) < len(segment) - 1     # whitespace at the end: a space if anything follows


def _chars(text: str, pos: int, stop: int, chars: list[str], index: list[int], pending_space: bool | str,
           at: int | None = None) -> bool | str:
    """The same, one character at a time (for text with invisible characters to drop); with ``at``, every
    character of ``text`` maps to raw offset ``at`` (a decoded entity)."""
    for i in range(pos, stop):
        ch = text[i]
        if ch in _INVISIBLE:
            continue
        if ch.isspace():
            pending_space = pending_space or bool(chars)
            continue
        raw_i = i if at is None else at
        if pending_space:
            if not (pending_space == "tag" and ch in _PUNCT_AFTER_TAG):
                chars.append(" ")
                index.append(raw_i - 1 if raw_i > 0 else raw_i)
            pending_space = False
        chars.append(ch)
        index.append(raw_i)
    return pending_space


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _nfc_with_map(text: str, index: list[int]) -> tuple[str, list[int]]:
    """NFC per cluster (base char + combining marks) so the map stays exact."""
    out_chars: list[str] = []
    out_index: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", text[i:j])
        out_chars.append(cluster)
        out_index.extend([index[i]] * len(cluster))
        i = j
    return "".join(out_chars), out_index


def line_spans(raw: str) -> list[tuple[int, int]]:
    """(start, end) of every line of ``raw``, without its line break."""
    if "\r" not in raw:   # (most texts) "\n" is the only break: split, and add up the lengths
        spans = []
        pos = 0
        for n in map(len, raw.split("\n")):
            spans.append((pos, pos + n))
            pos += n + 1
    else:
        spans = [m.span(1) for m in _LINE.finditer(raw)]
    if spans and spans[-1][0] == len(raw):   # the empty match at the end is no line
        spans.pop()
    return spans


_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|$)")


def squash(text: str) -> str:
    """Lower-case letters and digits only: the comparison key of the scorers."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def stable_hash(*parts: object, length: int = 16) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


def ends_with(pattern: re.Pattern, text: str) -> bool:
    """``pattern.search(text)`` for a pattern of one character then ``$``, looked for only where it can
    match: at the last two characters (``$`` also matches before a final line break). Searching the whole
    text tried every position: quadratic over a paragraph built up line by line."""
    return pattern.search(text, max(len(text) - 2, 0)) is not None


def line_key(line: str) -> str | None:
    """CCNet-style line key: case folded, digits to 0, whitespace collapsed."""
    norm = " ".join(_DIGIT.sub("0", line.casefold()).split())   # str.split()'s whitespace is re's \s
    # stable_hash(norm, length=12), inline: one call per line of every document
    return hashlib.sha256(norm.encode("utf-8") + b"\x1f").hexdigest()[:12] if norm else None


_DIGIT = re.compile(r"\d")


def line_keys(lines: Iterable[str]) -> set[str]:
    """The distinct :func:`line_key` of ``lines`` (None left out). Case folding and digits are per character
    (``str.casefold`` has no context), so they are done once over all the lines joined, and each distinct
    normalised line is hashed once."""
    folded = _DIGIT.sub("0", "\n".join(lines).casefold())
    norms = {" ".join(line.split()) for line in set(folded.split("\n"))}
    norms.discard("")
    return {hashlib.sha256(norm.encode("utf-8") + b"\x1f").hexdigest()[:12] for norm in norms}
