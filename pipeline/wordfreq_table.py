"""wordfreq's Zipf value of a one-token word, read from a sorted table on disk instead of wordfreq's dict.

``wordfreq.zipf_frequency`` builds a dict of its whole list the first time a language is asked (0.1-0.4 CPU s
a language, plus 0.13 to import wordfreq), in every process. For a word that wordfreq provably looks up as
itself, one token unchanged, its answer depends only on the frequency that dict holds for the word, or is its
value of a word not in the list. :func:`table` keeps, per language, the dict's words sorted, each with its
frequency's rank, in an Arrow file in ``pipeline.model_cache``'s folder (built once from wordfreq's own dict,
each frequency's value what ``zipf_frequency`` returns for one of its words), memory-mapped in a few ms;
:meth:`WordTable.zipf` answers None for any other word, and the caller asks wordfreq.

A word is looked up as itself (``wordfreq.tokens.lossy_tokenize``, a regex-tokenised language) where it is
already in the language's normal form and case-folded, and every character is a letter of Unicode word-break
class ALetter outside the scripts wordfreq keeps unsplit, and a token of itself: no word break falls between
two such letters, none is an apostrophe, "@", a digit or a quote, so the token is the whole word, unchanged,
and no digit is smashed.
"""
from __future__ import annotations

import hashlib
import json
import pathlib
import re
import sys
import unicodedata
from bisect import bisect_left
from functools import lru_cache
from importlib.util import find_spec
from itertools import accumulate
from typing import BinaryIO

FORMAT = "1"
# wordfreq's per-language handling (``get_language_info``) under which its tokens are the word's own letters
_PLAIN = {"tokenizer": "regex", "remove_marks": False, "dotless_i": False, "diacritics_under": None,
          "transliteration": None, "lookup_transliteration": None}


class WordTable:
    """One language's table: wordfreq's words (UTF-8, sorted), each with its frequency's rank ("bucket"), and
    the Zipf value wordfreq gives a one-token word of each frequency."""

    def __init__(self, words: memoryview, offsets: memoryview, buckets: memoryview, meta: dict):
        self._data = words
        self._offsets = offsets           # word i is data[offsets[i]:offsets[i + 1]]
        self._buckets = buckets
        self._values: list[float | None] = meta["values"]
        self._missing: float = meta["missing"]
        self._empty: float = meta["empty"]
        self._normal_form: str = meta["normal_form"]
        self._letters = re.compile("[%s]+" % meta["letters"])
        self._count = len(buckets)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> bytes:
        return bytes(self._data[self._offsets[i]:self._offsets[i + 1]])

    def one_token(self, word: str) -> bool:
        """Whether wordfreq looks ``word`` up as itself, one token unchanged (the module's docstring)."""
        return (self._letters.fullmatch(word) is not None and word.casefold() == word
                and unicodedata.is_normalized(self._normal_form, word))

    def zipf(self, word: str) -> float | None:
        """``wordfreq.zipf_frequency(word, lang)``, or None where wordfreq may not look ``word`` up as itself."""
        if not word:
            return self._empty
        if not self.one_token(word):
            return None
        key = word.encode()
        i = bisect_left(self, key)
        if i < self._count and self[i] == key:
            return self._values[self._buckets[i]]
        return self._missing


@lru_cache(maxsize=None)
def table(lang: str) -> WordTable | None:
    """The table of ``lang``; None where wordfreq has no list of that exact code, its tokens are not the word's
    letters, or no table can be kept in (or read from) the cache folder: then wordfreq answers, as before."""
    try:
        packed = _list_file(lang)
        if packed is None:
            return None
        from pipeline.model_cache import unpacked

        path = unpacked(packed, "wordfreq", lambda src, out: _write_table(lang, packed, out),
                        f".zipf-{lang}-{_builder_key()}.arrow")
        return None if path is None else _read_table(path)
    except Exception:   # a damaged or foreign file, an unexpected list: wordfreq itself answers
        return None


def _list_file(lang: str) -> pathlib.Path | None:
    """The list ``zipf_frequency(word, lang)`` reads ('best': the large list, else the small one), without
    importing wordfreq; None for a code with no list of its own (wordfreq matches it to another)."""
    spec = find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = pathlib.Path(next(iter(spec.submodule_search_locations))) / "data"
    for size in ("large", "small"):
        path = data / f"{size}_{lang}.msgpack.gz"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def _builder_key() -> str:
    """What the table depends on besides wordfreq's version and list: this code, the regex module's Unicode
    tables (the word-break classes), ftfy's quotes, langcodes' language data and Python's Unicode tables
    (normal forms, case folding, letter categories)."""
    from importlib.metadata import version

    h = hashlib.sha256(pathlib.Path(__file__).read_bytes())
    h.update(f"{FORMAT} {version('regex')} {version('ftfy')} {version('langcodes')} {unicodedata.unidata_version} "
             f"{sys.version_info[:2]}".encode())
    return h.hexdigest()[:16]


def _read_table(path: pathlib.Path) -> WordTable | None:
    import pyarrow as pa

    reader = pa.ipc.open_file(pa.memory_map(str(path)))
    meta = json.loads(reader.schema.metadata[b"zipf"])
    if meta.get("format") != FORMAT or not meta["plain"]:
        return None
    if reader.num_record_batches != 1:
        raise ValueError(f"{path}: {reader.num_record_batches} record batches")
    batch = reader.get_batch(0)
    words, buckets = batch.column(0), batch.column(1)
    if words.offset or buckets.offset or words.type != pa.binary() or buckets.type != pa.uint16():
        raise ValueError(f"{path}: unexpected layout")
    _, offsets, data = words.buffers()
    return WordTable(memoryview(data), memoryview(offsets).cast("i"),
                     memoryview(buckets.buffers()[1]).cast("H")[:len(buckets)], meta)


def _write_table(lang: str, packed: pathlib.Path, out: BinaryIO) -> None:
    """``unpack`` for ``model_cache.unpacked``: the table of ``lang`` from wordfreq's own list and answers."""
    import numpy as np
    import pyarrow as pa
    import wordfreq
    from wordfreq.language_info import get_language_info

    import langcodes

    info = get_language_info(lang)
    available = wordfreq.available_languages()
    plain = (all(info[k] == v for k, v in _PLAIN.items()) and pathlib.Path(available.get(lang, "")) == packed
             and langcodes.closest_match(lang, list(available), max_distance=60)[0] == lang)   # (as wordfreq picks)
    meta: dict = {"format": FORMAT, "plain": plain, "normal_form": info["normal_form"], "letters": "",
                  "values": [], "missing": 0.0, "empty": 0.0}
    words: list[bytes] = []
    buckets: list[int] = []
    if plain:
        meta["letters"] = _one_token_letters(lang)
        table = WordTable(memoryview(b""), memoryview(b""), memoryview(b""), meta)   # (its gate, as read back)
        freqs = wordfreq.get_frequency_dict(lang)     # the dict zipf_frequency looks a token up in
        level_of = {f: i for i, f in enumerate(sorted(set(freqs.values()), reverse=True))}
        in_order = sorted(freqs)            # (code point order: their UTF-8 bytes' order too)
        words = [w.encode() for w in in_order]
        buckets = [level_of[freqs[w]] for w in in_order]
        # each frequency's value as wordfreq gives it, asked of one of its words that the gate lets through
        # (a frequency none of whose words passes is never read)
        values: list[float | None] = [None] * len(level_of)
        for bucket in wordfreq.get_frequency_list(lang):
            for word in bucket:
                level = level_of[freqs[word]]
                if values[level] is None and table.one_token(word):
                    values[level] = wordfreq.zipf_frequency(word, lang)
                    break
        absent = next("q" * n for n in range(8, 64) if "q" * n not in freqs)
        if not table.one_token(absent):
            raise ValueError(f"{absent!r} is not one token of {lang!r} to wordfreq")
        meta.update(values=values, missing=wordfreq.zipf_frequency(absent, lang),
                    empty=wordfreq.zipf_frequency("", lang))
    schema = pa.schema([("word", pa.binary()), ("bucket", pa.uint16())], metadata={"zipf": json.dumps(meta)})
    # (the binary array from its two buffers: pa.array over the list of bytes takes 3 times as long)
    offsets = np.fromiter(accumulate(map(len, words), initial=0), np.int32, len(words) + 1)
    word_array = pa.Array.from_buffers(pa.binary(), len(words), [None, pa.py_buffer(offsets),
                                                                pa.py_buffer(b"".join(words))])
    batch = pa.record_batch([word_array, pa.array(np.array(buckets, np.uint16))], schema=schema)
    with pa.ipc.new_file(out, schema) as writer:
        writer.write_batch(batch)


def _one_token_letters(lang: str) -> str:
    """The characters (a ``re`` class body of ranges) that wordfreq's tokenizer keeps as they are and never
    splits between: letters (Python's categories) of word-break class ALetter (the regex module's, as wordfreq's
    TOKEN_RE uses), outside the scripts it matches as unspaced runs, case-folded and normalised already, and
    each one a token of itself to wordfreq (not so U+02BC, an apostrophe to ftfy's ``uncurl_quotes``)."""
    from ftfy.fixes import uncurl_quotes
    from wordfreq.tokens import lossy_tokenize

    chars = [c for c in _joining_letters() if uncurl_quotes(c) == c]
    # each a token of itself: asked of all of them at once, space-separated, and one by one if any is not
    if lossy_tokenize(" ".join(chars), lang) != chars:
        chars = [c for c in chars if lossy_tokenize(c, lang) == [c]]
    ranges: list[list[int]] = []
    for code in map(ord, chars):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)


@lru_cache(maxsize=1)
def _joining_letters() -> list[str]:
    """The letters of word-break class ALetter outside wordfreq's unspaced scripts, case-folded and NFC already."""
    import regex
    from wordfreq.tokens import SPACELESS_EXPR

    aletter = regex.compile(r"[\p{Word_Break=ALetter}--[%s]]" % SPACELESS_EXPR, regex.V1)
    every_character = "".join(map(chr, range(0x110000)))
    return [c for c in aletter.findall(every_character)
            if unicodedata.category(c)[0] == "L" and c.casefold() == c and unicodedata.is_normalized("NFC", c)]
