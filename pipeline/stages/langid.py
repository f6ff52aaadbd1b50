"""langid: documents -> language of each document; unsupported languages are rejected.

py3langid (offline, 4.5 MB model), block by block: the text without its metadata lines is
cut into paragraphs (hard-wrapped lines joined), each paragraph with enough letters is
identified, and the language holding most of their letters is the document's. Its score is
the mean probability of that language over the paragraphs long enough to be judged alone,
weighted by their letters: a Polish article with English paragraphs is Polish, but less
surely so than a Polish-only one. The denoise stage removes those foreign
blocks (rule ``foreign_language``) with :func:`foreign_blocks`.

py3langid keeps Malay apart from Indonesian; where an alias of a supported language wins
(``LANGID_ALIASES`` in the language data: Malay for Indonesian) and the supported language
comes close, we take the supported one, since the two are near-identical in writing; within
a document, a block in an alias of the document's language is never foreign.
"""
from __future__ import annotations

import hashlib
import pathlib
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import pyarrow as pa

from pipeline import schema
from pipeline.lang import SUPPORTED, get as lang_data
from pipeline.textmap import ends_with

NAME = "langid"


@dataclass(frozen=True)
class Settings:
    accepted: tuple[str, ...] = field(default_factory=lambda: SUPPORTED)
    sample_chars: int = 20_000       # enough for a stable decision, bounded cost
    alias_min_prob: float = 0.2      # take "id" over its alias "ms" when "id" has at least this probability
    vote_min_letters: int = 20       # a paragraph with fewer letters has no vote on the document's language
    vote_max_chars: int = 200_000    # paragraphs read for the vote (a foreign part may come last)
    # A paragraph is judged alone only with this many letters: headings, list items, names,
    # numbers and English jargon ("Call to action") are too short to tell a language by.
    block_min_letters: int = 80
    block_min_letter_share: float = 0.6   # letters among its non-space characters (not code or a table)
    foreign_min_prob: float = 0.9    # another language this sure ...
    foreign_max_doc_prob: float = 0.05   # ... and the document's language this unlikely: foreign
    heading_max_chars: int = 100     # a short line without final punctuation opens the section after it


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's identifier (``norm_probs``) on :func:`_model`'s arrays, the values its own loader gives: the
    automaton's tables as memoryviews of them (indexed to Python ints, as fast as py3langid's ``array``s, and
    not copied), its feature of each state as a list (as py3langid's: quicker to index)."""
    from py3langid.langid import LanguageIdentifier

    model = _model()
    return LanguageIdentifier(model["ptc"], model["pc"], model["classes"].tolist(), memoryview(model["nextmove"]),
                              model["out_feat"].tolist(), norm_probs=True, tk_row=memoryview(model["nextmove_row"]))


_MODEL_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


@lru_cache(maxsize=1)
def _model() -> dict[str, np.ndarray]:
    """py3langid's model as arrays (``_MODEL_ARRAYS``: ``modelio.load_model``'s values, as its packed file holds
    them), memory-mapped read-only from their copy in the cache (``pipeline.model_cache``: unpacking the
    LZMA-packed file takes ~0.8 CPU s, and reading an unpacked ``.npz`` copied ~100 MB in every process);
    unpacked in memory where no copy can be kept."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from pipeline.model_cache import kept_arrays, package_key

    packed = MODEL_DIR / MODEL_FILE
    return kept_arrays(f"{package_key(packed, 'py3langid')}.model", lambda: _loaded_model(packed), _is_model)


def _loaded_model(packed: pathlib.Path) -> dict[str, np.ndarray]:
    """:func:`_model`'s arrays as py3langid's own loader reads them from its packed file."""
    from py3langid import modelio

    ptc, pc, classes, nextmove, row, output = modelio.load_model(packed)
    return {"ptc": np.asarray(ptc), "pc": np.asarray(pc), "classes": np.array(classes),
            "nextmove": np.frombuffer(nextmove, dtype=nextmove.typecode),
            "nextmove_row": np.frombuffer(row, dtype=row.typecode), "out_feat": np.array(output, dtype=np.int64)}


def _is_model(arrays: dict[str, np.ndarray]) -> bool:
    """Whether kept arrays are a model :func:`_identifier` can use (not a damaged or other copy)."""
    if sorted(arrays) != sorted(_MODEL_ARRAYS):
        return False
    ptc, pc, classes = arrays["ptc"], arrays["pc"], arrays["classes"]
    nextmove, row, output = arrays["nextmove"], arrays["nextmove_row"], arrays["out_feat"]
    return (ptc.ndim == 2 and ptc.shape[1] == len(pc) == len(classes) and classes.dtype.kind == "U"
            and nextmove.ndim == row.ndim == output.ndim == 1 and len(row) == len(output)
            and nextmove.dtype.kind == row.dtype.kind == "u" and output.dtype.kind == "i")


def _kept(what: str, make: Callable[[], dict[str, np.ndarray]], valid: Callable[[dict[str, np.ndarray]], bool]
          ) -> dict[str, np.ndarray]:
    """Tables this module makes from py3langid's model, kept in the cache (``pipeline.model_cache``), named by
    the model and a digest of what else makes them (:func:`_maker_digest`); those an older langid.py made are
    removed (a few kept: ~100 MB each version)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from pipeline.model_cache import kept_arrays, package_key

    versions = f"{package_key(MODEL_DIR / MODEL_FILE, 'py3langid')}.{what}-"
    return kept_arrays(f"{versions}{_maker_digest()}", make, valid, versions_of=versions)


@lru_cache(maxsize=1)
def _maker_digest() -> str:
    """A digest of what makes :func:`_kept`'s tables besides the model: this module's code, the language data it
    reads (the supported languages and their aliases) and numpy's version."""
    digest = hashlib.sha256(pathlib.Path(__file__).read_bytes())
    digest.update(repr((SUPPORTED, sorted(_alias_of(SUPPORTED).items()), np.__version__)).encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=None)
def _alias_of(codes: tuple[str, ...]) -> dict[str, str]:
    """Identifier code -> supported language it stands for ("ms" -> "id")."""
    return {alias: code for code in codes for alias in lang_data(code).LANGID_ALIASES}


def detect(text: str, settings: Settings = Settings()) -> tuple[str, float]:
    """(language code, probability) of a text."""
    ranked = _identifier().rank(text[: settings.sample_chars])
    lang, prob = ranked[0]
    if lang in _alias_of(SUPPORTED):
        target = _alias_of(SUPPORTED)[lang]
        p_target = next((float(p) for code, p in ranked if code == target), 0.0)
        if p_target >= settings.alias_min_prob:
            return target, p_target
    return lang, float(prob)


def detect_among(text: str, codes: tuple[str, ...]) -> str | None:
    """The likeliest of ``codes`` for a short text such as a query (an alias counts as its language)."""
    aliases = _alias_of(tuple(c for c in codes if c in SUPPORTED))
    for code, _ in _identifier().rank(text):
        code = aliases.get(code, code)
        if code in codes:
            return code
    return None


# ------------------------------------------------------------------ blocks

_OPEN_END = re.compile(r"[^.!?:;\"”»)…]$")       # a line that stops mid-sentence
_STOPS = ".!?:;\"”»)…"                            # the characters it does not match (a test checks them)
_MARKUP = re.compile(r"<[^<>\n]*>|\]\([^()\s]*\)|https?://\S+|&#?\w{1,31};|\{\{.*?\}\}|\{%.*?%\}")


_NOT_LETTER_ASCII = bytes(c for c in range(128) if not chr(c).isalpha())
_NOT_LETTER_CHAR = re.compile(r"[\W\d_]")


def letters(text: str) -> int:
    """How many letters (word characters other than digits and "_") ``text`` holds."""
    if text.isascii():   # (most paragraphs in Indonesian and Dutch) deleting bytes is C speed
        return len(text.encode("ascii").translate(None, _NOT_LETTER_ASCII))
    # the ASCII characters so, the others (a few in Polish) by the pattern
    other = "".join(_NON_ASCII.findall(text))
    return (len(text.encode("ascii", "ignore").translate(None, _NOT_LETTER_ASCII))
            + len(other) - len(_NOT_LETTER_CHAR.findall(other)))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def paragraph_groups(lines: Sequence[str]) -> list[list[str]]:
    """The non-empty ``lines``, stripped (once each), grouped into paragraphs: a line that stops without
    punctuation and is followed by one that starts in lower case continues there (hard wraps)."""
    groups: list[list[str]] = []
    open_end = False
    for line in lines:
        text = line.strip()
        if not text:
            open_end = False
            continue
        if groups and open_end and text[0].islower():
            groups[-1].append(text)
        else:
            groups.append([text])
        open_end = text[-1] not in _STOPS    # (ends_with(_OPEN_END, text): a stripped text ends in no break)
    return groups


def _probabilities(text: str) -> np.ndarray:
    """py3langid's probability of each of its classes (``nb_classes`` order): what ``rank`` sorts."""
    return _probabilities_of([text])[0]


# py3langid finds its byte n-gram features with an Aho-Corasick automaton: its state after a text is
# the longest suffix of the text that is a node of the pattern trie, so it depends on the text's
# last SCAN_WINDOW bytes only (the trie's depth; a test checks it against the model).
SCAN_WINDOW = 6


@lru_cache(maxsize=1)
def _scanner() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """py3langid's automaton as arrays: next-state table, each state's row offset in it, its feature (or -1)."""
    model = _model()
    return (model["nextmove"], model["nextmove_row"].astype(np.int64) << 8,   # (py3langid's _rowbase)
            model["out_feat"].astype(np.int64))


@lru_cache(maxsize=1)
def _row_offsets32() -> np.ndarray:
    """:func:`_scanner`'s row offsets as uint32, for a scan in 32 bits (half the bytes of int64 to move)."""
    nextmove, rowbase, _ = _scanner()
    assert len(nextmove) < 2**32 and np.can_cast(nextmove.dtype, np.uint32)
    return rowbase.astype(np.uint32)


@lru_cache(maxsize=1)
def _outputs32() -> np.ndarray:
    """:func:`_scanner`'s feature of each state (or -1) as int32: half the bytes of int64 to gather per byte
    scanned (py3langid has ~100,000 features)."""
    _, _, output = _scanner()
    assert output.max() < 2**31
    return output.astype(np.int32)


@lru_cache(maxsize=1)
def _feature_table() -> np.ndarray:
    """py3langid's feature weights (float16) as float32 (57 MB): the product py3langid takes casts the rows
    it gathers to float32 on every call, which took half of its time; the same values, so the same sums.
    Kept in the cache (:func:`_kept`): made, it cost every process a copy and 0.06 CPU s."""
    weights = _model()["ptc"]
    return _kept("features", lambda: {"table": weights.astype(np.float32)},
                 lambda kept: list(kept) == ["table"] and kept["table"].dtype == np.float32
                 and kept["table"].shape == weights.shape)["table"]


@lru_cache(maxsize=1)
def _reset_byte() -> int:
    """A byte that takes every state of the automaton back to its start, where no feature ends (a byte no
    UTF-8 text holds, 0xFF, is one): put between two texts, each is scanned as if alone."""
    nextmove, rowbase, output = _scanner()
    for byte in range(255, -1, -1):
        if output[0] < 0 and not nextmove[rowbase + byte].any():
            return byte
    raise RuntimeError("py3langid's automaton has no byte that resets it")


def _states(stream: np.ndarray) -> np.ndarray:
    """The automaton's state after each byte of ``stream`` (uint8), scanned from its start state.

    The stream is cut into lanes of ``width`` bytes, all scanned together a byte at a time. A lane starts
    ``SCAN_WINDOW - 1`` bytes early, from the start state: the state after a byte depends on the last
    ``SCAN_WINDOW`` bytes only, so from its first own byte on, each lane is in the state a scan of the
    whole stream would be in. (Per byte, one step and a fraction, where scanning the window again for
    every byte took ``SCAN_WINDOW``.)"""
    nextmove, _, _ = _scanner()
    row_offsets = _row_offsets32()
    warm = SCAN_WINDOW - 1
    n = len(stream)
    width = max(8, min(64, n >> 12))     # more lanes, fewer numpy calls; wider, fewer bytes scanned twice
    lanes = -(-n // width)
    padded = np.full(warm + lanes * width, _reset_byte(), dtype=np.uint8)
    padded[warm:warm + n] = stream
    # the bytes of each lane by step: lane k reads padded[k * width:(k + 1) * width + warm]
    steps = np.ascontiguousarray(np.lib.stride_tricks.as_strided(padded, shape=(width + warm, lanes),
                                                                 strides=(1, width)))
    states = np.empty((width + warm, lanes), dtype=np.uint32)
    state = np.zeros(lanes, dtype=np.uint32)
    row = np.empty(lanes, dtype=np.uint32)
    move = np.empty(lanes, dtype=np.intp)
    for step in range(width + warm):
        np.take(row_offsets, state, out=row)
        np.add(row, steps[step], out=move)
        state = states[step]
        np.take(nextmove, move, out=state)
    return states[warm:].T.ravel()[:n]


@lru_cache(maxsize=1)
def _feature_high_range() -> int:
    """How many values a feature's bits above its lowest 16 take (2 for py3langid's 100,053 features)."""
    return ((_identifier().nb_ptc.shape[0] - 1) >> 16) + 1


def _max_texts() -> int:
    """The most texts :func:`_identified` takes at once: a text's index and a feature's high bits share 16 bits."""
    return (1 << 16) // _feature_high_range()


def scan_depth() -> int:
    """The most bytes the automaton's state depends on: the longest shortest path from its start state."""
    nextmove, rowbase, _ = _scanner()
    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    frontier, depth = np.array([0]), 0
    while True:
        reached = nextmove[(rowbase[frontier][:, None] + np.arange(256)).ravel()]
        reached = reached[~seen[reached]]
        if not reached.size:
            return depth
        seen[reached] = True
        frontier, depth = np.unique(reached), depth + 1


def _probabilities_of(texts: Sequence[str]) -> list[np.ndarray]:
    """What py3langid's ``_decide`` returns for each text, a text given twice identified once.

    (No cache across calls: the benchmark corpus repeats its paragraphs hundreds of times, real
    articles do not, and a cache would measure the first.)"""
    return list(_probability_rows(texts))


def _probability_rows(texts: Sequence[str]) -> np.ndarray:
    """:func:`_probabilities_of` as one array, a row per text (a text given twice identified once)."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == len(texts):
        return _identified_rows(texts)
    rows = _identified_rows(distinct)
    row_of = {t: i for i, t in enumerate(distinct)}
    return rows[[row_of[t] for t in texts]]


def _identified(texts: Sequence[str]) -> list[np.ndarray]:
    """What py3langid's ``_decide`` returns for each text: :func:`_identified_rows`, a row per text."""
    return list(_identified_rows(texts))


def _identified_rows(texts: Sequence[str]) -> np.ndarray:
    """What py3langid's ``_decide`` returns for each text (the version is pinned; ``rank`` only sorts it),
    with its byte loop done in numpy for all the texts at once (:func:`_states`). The features are summed
    in the order py3langid counts them (first occurrence), one product per text as py3langid takes it,
    so the scores are the same floats; the steps around the products run on all the texts' rows at once."""
    from py3langid.langid import RAW_FLOOR

    if len(texts) > _max_texts():
        cut = _max_texts()
        return np.concatenate([_identified_rows(texts[:cut]), _identified_rows(texts[cut:])])
    ident = _identifier()
    pair_features, counts, bounds, lengths = _text_features(texts)
    n_texts = len(texts)
    weights = np.log1p(counts.astype(np.float32))
    scores = np.empty((n_texts, len(ident.nb_classes)), dtype=np.float32)
    _weighted_sums(_feature_table(), pair_features, weights, bounds, scores)
    scores += ident.nb_pc
    featureless = np.diff(bounds) == 0     # as py3langid: no features, no evidence
    scores[featureless] = 0.0 if ident._norm_probs else RAW_FLOOR
    if ident._norm_probs:
        # py3langid's steps per text, on every row at once: the same float32 operations
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
    for i, j in ident._alias_pairs:
        if ident._norm_probs:
            scores[:, i] += scores[:, j]
            scores[:, j] = 0.0
        else:
            np.maximum(scores[:, i], scores[:, j], out=scores[:, i])
            scores[:, j] = RAW_FLOOR
    return scores


_SLICE_BYTES = 1 << 20     # rows of the model gathered at a time: they stay in the CPU's cache for the products


def _weighted_sums(table: np.ndarray, pair_features: np.ndarray, weights: np.ndarray, bounds: list[int],
                   out: np.ndarray) -> None:
    """``out[t] = weights[a:b] @ table[pair_features[a:b]]`` for each text ``t`` with features (``a, b = bounds[t],
    bounds[t + 1]``): one product per text, as py3langid takes it (the same floats). The rows are gathered for a
    run of texts at a time, about ``_SLICE_BYTES`` of them (gathered all at once for many texts, they made an
    array larger than the caches, read back from memory for the products)."""
    limit = max(1, _SLICE_BYTES // (table.shape[1] * table.itemsize))   # rows in a slice
    n_texts = len(bounds) - 1
    t = 0
    while t < n_texts:
        base = bounds[t]
        # the texts whose rows fit in the slice (one at least)
        u = min(max(bisect_right(bounds, base + limit) - 1, t + 1), n_texts)
        rows = np.take(table, pair_features[base:bounds[u]], axis=0)   # (take: quicker than indexing)
        for k in range(t, u):
            a, b = bounds[k], bounds[k + 1]
            if b > a:
                np.matmul(weights[a:b], rows[a - base:b - base], out=out[k])
        t = u


def _text_features(texts: Sequence[str], in_text_order: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
    """The features py3langid counts in each text (at most :func:`_max_texts` texts): every text's distinct
    features with their counts, in the order of their first occurrence (else by feature), the texts one
    after another (text ``t``'s are ``[bounds[t]:bounds[t + 1]]``), and each text's length in bytes."""
    ident = _identifier()
    output = _outputs32()
    data = [ident._encode(t) for t in texts]
    n_texts = len(data)
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=n_texts)
    # the texts one after another, a byte that takes every state back to the start between two
    stream = np.frombuffer(bytes([_reset_byte()]).join(data), dtype=np.uint8)
    features = output[_states(stream)]          # -1 where no feature ends (the reset bytes among them)
    found = np.flatnonzero(features >= 0)
    feature_of = features[found]
    text_of = np.repeat(np.arange(n_texts, dtype=np.uint16), lengths + 1)[found]
    # each text's distinct features with their counts, in the order of their first occurrence (the order
    # of py3langid's Counter): the occurrences ordered by (text, feature), each pair's first one first,
    # by two stable sorts of 16-bit keys (radix sorts: a sort of the 64-bit keys took several times longer)
    order = np.argsort(feature_of.astype(np.uint16), kind="stable")
    high = text_of * np.uint16(_feature_high_range()) + (feature_of >> 16).astype(np.uint16)
    order = order[np.argsort(high[order], kind="stable")]
    new = np.empty(len(order), dtype=bool)
    new[:1] = True
    ordered_features, ordered_texts = feature_of[order], text_of[order]
    np.not_equal(ordered_features[1:], ordered_features[:-1], out=new[1:])
    new[1:] |= ordered_texts[1:] != ordered_texts[:-1]
    group_starts = np.flatnonzero(new)
    if not in_text_order:
        counts = np.diff(np.append(group_starts, len(order)))
        bounds = np.searchsorted(ordered_texts[group_starts], np.arange(n_texts + 1)).tolist()
        return ordered_features[group_starts], counts, bounds, lengths
    first = order[group_starts]          # each pair's first occurrence (an index into ``found``) ...
    count_at = np.zeros(len(found), dtype=np.int32)
    count_at[first] = np.diff(np.append(group_starts, len(order)))
    is_first = np.zeros(len(found), dtype=bool)
    is_first[first] = True
    first = np.flatnonzero(is_first)     # ... in the order of the text (texts one after another)
    pair_features, counts = feature_of[first], count_at[first]
    bounds = np.searchsorted(text_of[first], np.arange(n_texts + 1)).tolist()
    return pair_features, counts, bounds, lengths


@lru_cache(maxsize=None)
def _columns(lang: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the identifier's classes that stand for ``lang`` (itself and its aliases: "ms" for "id"),
    and of the others, in class order."""
    aliases = _alias_of(SUPPORTED)
    mask = np.array([code == lang or aliases.get(code) == lang for code in _identifier().nb_classes])
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def _split(probs: np.ndarray, lang: str) -> tuple[float, float]:
    """(probability of ``lang`` with its aliases, best probability of any other language)."""
    own, others = _columns(lang)
    return float(probs[own].sum()), float(probs[others].max())


# The bound that spares identifying most paragraphs in foreign_blocks (see _may_be_foreign): the classes
# likeliest to compete with a language each get a column of their own; the others share a few columns.
_BOUND_OWN_COLUMNS = 24
_BOUND_SHARED_COLUMNS = 8
_BOUND_MARGIN = 0.01     # kept below the limit, on top of the float32 rounding bounded per text
_FLOAT32_UNIT = 2.0 ** -24
_BOUND_MAX_THRESHOLD = 0.999    # (at 0.9, the margin keeps a bound probability 0.0009 below the threshold)
_CHUNK = 2048


@lru_cache(maxsize=None)
def _bound_table(lang: str) -> tuple[np.ndarray, np.ndarray, float, int]:
    """For :func:`_may_be_foreign` in ``lang``: per feature, an upper bound of (weight of class ``c`` - weight of
    ``lang``) over each group of the other classes and, last, the largest magnitude of its weights (float32,
    rounded up); per group the largest difference of the class priors; the largest prior magnitude; and the
    most classes one label has (py3langid adds up the columns of a label: "sr" has two).

    The two arrays are kept in the cache (:func:`_kept`): making them reads the whole model, ~0.1 CPU s a
    language in every process."""
    ident = _identifier()
    prior = ident.nb_pc.astype(np.float64)
    most = max(Counter(ident.nb_classes).values())
    kept = _kept_bound_table(lang)
    return kept["bound"], kept["prior_gain"], float(np.abs(prior).max()), most


def _kept_bound_table(lang: str) -> dict[str, np.ndarray]:
    """:func:`_made_bound_table` as arrays "bound" and "prior_gain", from the cache (made on first use)."""
    def made() -> dict[str, np.ndarray]:
        bound, prior_gain = _made_bound_table(lang)
        return {"bound": bound, "prior_gain": prior_gain}

    def valid(kept: dict[str, np.ndarray]) -> bool:
        return (sorted(kept) == ["bound", "prior_gain"] and kept["bound"].dtype == np.float32
                and kept["bound"].shape == (len(_model()["ptc"]), len(kept["prior_gain"]) + 1))

    return _kept(f"bound-{lang}", made, valid)


def _made_bound_table(lang: str) -> tuple[np.ndarray, np.ndarray]:
    """The per-feature bounds and per-group prior gains of :func:`_bound_table`, computed."""
    ident = _identifier()
    table = _feature_table()
    own, others = _columns(lang)
    li = next(i for i in own if ident.nb_classes[i] == lang)
    # the others by how much they gain over ``lang`` on a typical text of ``lang`` (its features weighted by
    # their probability in it): the most dangerous get their own columns (any grouping gives a true bound)
    typical = np.exp(table[:, li] - table[:, li].max())
    gain = (typical / typical.sum()) @ table
    ranked = others[np.argsort(-gain[others], kind="stable")]
    singles = min(_BOUND_OWN_COLUMNS, len(ranked))
    groups = [(i, i + 1) for i in range(singles)]
    groups += [(singles + g[0], singles + g[-1] + 1)
               for g in np.array_split(np.arange(len(ranked) - singles), _BOUND_SHARED_COLUMNS) if len(g)]
    magnitudes = _weight_magnitudes()
    bound = np.empty((len(table), len(groups) + 1), dtype=np.float32)
    part = np.empty((len(groups) + 1, _CHUNK), dtype=np.float32)
    up = np.float32(np.inf)
    for a in range(0, len(table), _CHUNK):    # (a few thousand features at a time: they stay in the CPU's cache)
        chunk = table[a:a + _CHUNK]
        rivals = np.take(chunk.T, ranked, axis=0)     # a class a row: its groups' maxima are row operations
        lang_weights = chunk[:, li]
        out = part[:, :len(chunk)]
        # per group, the largest weight of a rival less the language's, one float32 step up (whichever way
        # the subtraction rounded, still a bound); last, the largest magnitude of any weight
        np.subtract(rivals[:singles], lang_weights, out=out[:singles])
        for k, (x, y) in enumerate(groups[singles:], singles):
            np.subtract(rivals[x:y].max(axis=0), lang_weights, out=out[k])
        np.nextafter(out[:-1], up, out=out[:-1])
        out[-1] = magnitudes[a:a + _CHUNK]
        bound[a:a + len(chunk)] = out.T
    prior = ident.nb_pc.astype(np.float64)
    return bound, np.array([prior[ranked[x:y]].max() - prior[li] for x, y in groups])


@lru_cache(maxsize=1)
def _weight_magnitudes() -> np.ndarray:
    """Per feature, the largest magnitude of its weights over the classes."""
    table = _feature_table()
    return np.maximum(table.max(axis=1), -table.min(axis=1))


def _may_be_foreign(texts: Sequence[str], lang: str, settings: Settings) -> np.ndarray:
    """Which texts a bound cannot prove to be not foreign (``p_other < foreign_min_prob``, as
    :func:`foreign_blocks` decides it on the identifier's probabilities); the others need not be identified.

    py3langid's probability of class ``c`` is ``exp(s_c) / sum(exp(s))`` with ``s_c = (sum over the text's
    features f of w_f * weight(f, c) + prior_c) / sqrt(bytes)`` and ``w_f = log1p(count) > 0``. For every
    other label (``m`` classes at most) ``p <= m e / (m e + exp(s_lang))`` with ``e`` the largest
    ``exp(s_c)`` among the others, which is below the threshold ``q`` when ``max(s_c - s_lang) <
    ln(q / (m (1 - q)))``. Per group of classes, ``sum w_f * max over the group of (weight(f, c) -
    weight(f, lang))`` bounds that from above (:func:`_bound_table`); float32 rounding (of the products'
    sums and the steps after them) is bounded per text and the bound kept that far and a margin below."""
    q = settings.foreign_min_prob
    if len(texts) > _max_texts():
        cut = _max_texts()
        return np.concatenate([_may_be_foreign(texts[:cut], lang, settings),
                               _may_be_foreign(texts[cut:], lang, settings)])
    # (a threshold within a thousandth of 1 leaves the margin too little room over float32 rounding, and a
    # language the identifier has no class for no column to bound from: those texts are all identified)
    if not texts or not 0.0 < q <= _BOUND_MAX_THRESHOLD or lang not in _identifier().nb_classes:
        return np.ones(len(texts), dtype=bool)
    table, prior_gain, prior_max, most = _bound_table(lang)
    limit = np.log(q / (most * (1.0 - q))) - _BOUND_MARGIN
    pair_features, counts, bounds, lengths = _text_features(texts, in_text_order=False)
    weights = np.log1p(counts.astype(np.float32))    # the weights py3langid takes
    sums = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    _weighted_sums(table, pair_features, weights, bounds, sums)
    sums = sums.astype(np.float64)
    gain = (sums[:, :-1] + prior_gain).max(axis=1)       # max over the others of s_c - s_lang, unscaled, ...
    magnitude = sums[:, -1] + prior_max                   # ... and sum |w_f weight(f, c)| + |prior_c|, any c
    # float32 rounding, bounded generously: of these sums (``size`` products each, every term at most twice
    # the magnitude's), of the identifier's scores (the same sums, then the prior) and of its steps after them
    # (scaling, subtracting the largest, exp, the sum)
    error = 4.0 * (np.diff(bounds) + 8) * _FLOAT32_UNIT * magnitude * 1.02 + 1e-4
    scale = (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32).astype(np.float64)
    out = (gain + error) * scale * (1 + 1e-5) >= limit
    out[np.diff(bounds) == 0] = True     # (a text without features: identified)
    return out


def _lang_probability(probs: np.ndarray, lang: str) -> float:
    """``_split(probs, lang)[0]``."""
    return float(probs[_columns(lang)[0]].sum())


def _top(probs: np.ndarray, settings: Settings) -> str:
    """The likeliest language, an alias taken for its language when that comes close (as :func:`detect`)."""
    classes, targets = _alias_targets()
    best = int(probs.argmax())
    target = targets[best]
    if target >= 0 and float(probs[target]) >= settings.alias_min_prob:
        return classes[target]
    return classes[best]


@lru_cache(maxsize=1)
def _alias_targets() -> tuple[list[str], list[int]]:
    """The identifier's classes, and for each the class index of the supported language it is an alias of
    (its first), -1 for none."""
    classes = _identifier().nb_classes
    aliases = _alias_of(SUPPORTED)
    return classes, [classes.index(aliases[c]) if aliases.get(c) in classes else -1 for c in classes]


def _judged(text: str, settings: Settings, n: int | None = None) -> bool:
    """Whether a paragraph (with ``n`` letters, when known) is long enough, and prose enough, to be
    identified alone."""
    n = letters(text) if n is None else n
    visible = len(text) - text.count(" ") - text.count("\t") - text.count("\n")
    return n >= settings.block_min_letters and n >= settings.block_min_letter_share * visible


def _is_heading(text: str, settings: Settings) -> bool:
    return len(text) <= settings.heading_max_chars and ends_with(_OPEN_END, text.strip())


def judged_foreign(texts: Sequence[str], lang: str, settings: Settings = Settings(),
                   maybe: np.ndarray | None = None) -> np.ndarray:
    """Which of ``texts``, paragraphs long enough to be judged alone (:func:`_judged`), are in another language
    than ``lang``: another language near-certain and ``lang`` (or its alias) near-impossible. ``maybe`` is
    :func:`_may_be_foreign` of ``texts`` when the caller has it."""
    out = np.zeros(len(texts), dtype=bool)
    if not len(texts):
        return out
    # a cheap bound proves most paragraphs not foreign; only the others are identified
    maybe = np.flatnonzero(_may_be_foreign(texts, lang, settings) if maybe is None else maybe)
    if not len(maybe):
        return out
    p_lang, p_other = _split_rows(_probability_rows([texts[i] for i in maybe.tolist()]), lang)
    out[maybe] = (p_other >= settings.foreign_min_prob) & (p_lang <= settings.foreign_max_doc_prob)
    return out


def foreign_blocks(blocks: Sequence[str], lang: str, settings: Settings = Settings(),
                   judged: Sequence[int] | None = None, foreign: np.ndarray | None = None) -> list[bool]:
    """Which paragraphs of a document in ``lang`` are in another language.

    Paragraphs with enough letters are judged alone: foreign when another language is
    near-certain and ``lang`` (or its alias) near-impossible. A shorter paragraph is never
    judged alone; it is foreign only by its context, when it does not read as ``lang``
    itself: a heading right before a foreign paragraph, or a line inside a run of them.
    ``judged`` (the indices of the paragraphs judged alone) and ``foreign`` (their
    :func:`judged_foreign`) when the caller has them.
    """
    def scores(i: int) -> tuple[float, float]:
        return _split(_probabilities(blocks[i]), lang)

    if judged is None:
        # (a block shorter than block_min_letters characters has fewer letters: not judged, no letters counted)
        judged = [i for i, text in enumerate(blocks)
                  if len(text) >= settings.block_min_letters and _judged(text, settings)]
    if not len(judged):
        return [False] * len(blocks)
    if foreign is None:
        foreign = judged_foreign([blocks[i] for i in judged], lang, settings)
    if not foreign.any():   # (most documents) no judged block is foreign: nor is any other
        return [False] * len(blocks)
    state: list[bool | None] = [None] * len(blocks)
    for i, is_foreign in zip(judged, foreign.tolist()):
        state[i] = is_foreign
    out = [bool(s) for s in state]
    decided = [i for i, s in enumerate(state) if s is not None]
    for i, text in enumerate(blocks):
        if state[i] is not None or not letters(text):
            continue
        before = next((state[j] for j in reversed(decided) if j < i), None)
        after = next((state[j] for j in decided if j > i), None)
        in_run = (before or after) and before is not False and after is not False
        if not (in_run or (after and _is_heading(text, settings))):
            continue
        p_lang, p_other = scores(i)
        out[i] = p_lang <= settings.foreign_max_doc_prob and p_other > p_lang
    return out


def _split_rows(probs: np.ndarray, lang: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_split` of each row of ``probs``, as float64 arrays of the same values."""
    own, others = _columns(lang)
    return _own_sums(probs, own).astype(np.float64), probs[:, others].max(axis=1).astype(np.float64)


def _own_sums(probs: np.ndarray, own: np.ndarray) -> np.ndarray:
    """``row[own].sum()`` of each row: one column or two (a language and its alias) added at once, the same
    float; more (numpy's order of adding them is its own) row by row."""
    if len(own) == 1:
        return probs[:, own[0]].copy()
    if len(own) == 2:
        return probs[:, own[0]] + probs[:, own[1]]
    return np.array([row[own].sum() for row in probs], dtype=probs.dtype)


def document_language(text: str, settings: Settings = Settings(),
                      known: tuple[list[str], list[int], list[bool], np.ndarray | None] | None = None
                      ) -> tuple[str, float]:
    """(language, score) of a document: the language of most of its paragraphs' letters.

    The score is the mean probability of that language over the paragraphs long enough to be
    judged alone, weighted by their letters: about 1.0 for a text in one language, lower by
    the share of paragraphs in another. Without such paragraphs, the whole text decides.
    ``known``: its paragraphs that vote (:func:`_voters`) and the identifier's rows of those judged
    alone (None for none), where the caller made them with other documents' (:func:`documents_languages`).
    """
    if known is None:
        return documents_languages([text], settings)[0]
    voting, counts, is_judged, rows = known
    return detect(text, settings) if rows is None else _vote(list(zip(voting, counts)), is_judged, rows, settings)


def documents_languages(texts: Sequence[str], settings: Settings = Settings()) -> list[tuple[str, float]]:
    """:func:`document_language` of each text, the judged paragraphs of many identified in one call (fewer,
    longer scans of the model; a paragraph's row is the same whatever paragraphs come with it). A paragraph
    repeated within a document is identified once for it; none is for another document."""
    voters = [_voters(text, settings) for text in texts]
    distinct = [list(dict.fromkeys(b for b, j in zip(voting, is_judged) if j)) for voting, _, is_judged in voters]
    found = _rows_in_batches(distinct)
    out: list[tuple[str, float]] = []
    for text, (voting, counts, is_judged), d, own in zip(texts, voters, distinct, found):
        if d:
            judged = [b for b, j in zip(voting, is_judged) if j]
            if len(d) < len(judged):    # (a paragraph given twice: its row twice)
                row_of = {b: i for i, b in enumerate(d)}
                own = own[[row_of[b] for b in judged]]
        # (each document's language decided by document_language: a failure there is that document's)
        out.append(document_language(text, settings, (voting, counts, is_judged, own)))
    return out


_BATCH_CHARS = 2_000_000   # the paragraphs' characters identified in one call (its arrays bounded in memory)


def _rows_in_batches(texts_of: list[list[str]]) -> list[np.ndarray | None]:
    """:func:`_identified_rows` of each list of texts (None for an empty one), the lists' texts identified
    together, about ``_BATCH_CHARS`` characters a call."""
    out: list[np.ndarray | None] = [None] * len(texts_of)
    batch: list[int] = []
    size = 0
    for i, texts in enumerate(texts_of):
        if texts:
            batch.append(i)
            size += sum(map(len, texts))
        if batch and (size >= _BATCH_CHARS or i == len(texts_of) - 1):
            rows = _identified_rows([t for k in batch for t in texts_of[k]])
            pos = 0
            for k in batch:
                out[k] = rows[pos:pos + len(texts_of[k])]
                pos += len(texts_of[k])
            batch, size = [], 0
    return out


def _voters(text: str, settings: Settings) -> tuple[list[str], list[int], list[bool]]:
    """The paragraphs of ``text`` that vote on its language, their letters, and which are judged alone (three
    lists, no tuple a paragraph: they are held for a chunk's documents, and tuples make the garbage collector run)."""
    blocks = [" ".join(g) for g in paragraph_groups(_unmarked_lines(text[: settings.vote_max_chars]))]
    least = settings.vote_min_letters
    texts: list[str] = []
    counts: list[int] = []
    # (a paragraph shorter than vote_min_letters characters has fewer letters: not counted)
    for b in blocks:
        if len(b) >= least and (n := letters(b)) >= least:
            texts.append(b)
            counts.append(n)
    return texts, counts, [_judged(b, settings, n) for b, n in zip(texts, counts)]


def _vote(voting: list[tuple[str, int]], is_judged: list[bool], judged_rows: np.ndarray, settings: Settings
          ) -> tuple[str, float]:
    """:func:`document_language` given the paragraphs that vote (:func:`_voters`) and the identifier's row of each
    one judged alone, in their order."""
    judged = [(b, n) for (b, n), j in zip(voting, is_judged) if j]
    judged_probs = list(judged_rows)
    votes: Counter[str] = Counter()
    for (_, n), probs in zip(judged, judged_probs):
        votes[_top(probs, settings)] += n
    # the shorter paragraphs vote too, but need not be identified where all their letters cannot change
    # the winner (most documents): else every paragraph votes in its order (a tie goes to the first)
    ranked = votes.most_common(2)
    lead = ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0)
    if lead > sum(n for (_, n), j in zip(voting, is_judged) if not j):
        lang = ranked[0][0]
    else:
        shorter = iter(_probabilities_of([b for (b, _), j in zip(voting, is_judged) if not j]))
        longer = iter(judged_probs)
        votes = Counter()
        for (_, n), j in zip(voting, is_judged):
            votes[_top(next(longer) if j else next(shorter), settings)] += n
        lang = votes.most_common(1)[0][0]
    # (_lang_probability of every row at once: the same floats)
    scored = list(zip((n for _, n in judged), _own_sums(judged_rows, _columns(lang)[0]).tolist()))
    return lang, sum(n * p for n, p in scored) / sum(n for n, _ in scored)


# what str.splitlines() breaks at besides "\n"; a markup match can run over these, never over "\n"
_OTHER_BREAKS = re.compile("[\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _unmarked_lines(text: str) -> list[str]:
    """The lines of ``text`` with their markup blanked: one pass over the text where "\n" is its only
    line break (no match of ``_MARKUP`` spans one), else line by line."""
    if _OTHER_BREAKS.search(text):
        return [_MARKUP.sub(" ", line) for line in text.splitlines()]
    lines = _MARKUP.sub(" ", text).split("\n")
    if not text or text.endswith("\n"):
        lines.pop()     # splitlines() gives no empty line after a final break (nor for "")
    return lines


def _body(raw: str, meta_spans: list[dict]) -> str:
    parts, pos = [], 0
    for m in sorted(meta_spans or [], key=lambda m: m["start"]):
        parts.append(raw[pos:m["start"]])
        pos = max(pos, m["end"])
    parts.append(raw[pos:])
    return "".join(parts)


def run(documents: pa.Table, settings: Settings = Settings()) -> dict[str, pa.Table]:
    """documents -> {languages, rejected}."""
    langs, rejected = [], []
    docs = documents.select(["doc_id", "source_path", "raw_text", "meta_spans"]).to_pylist()
    found = documents_languages([_body(doc["raw_text"], doc["meta_spans"]) for doc in docs], settings)
    for doc, (lang, prob) in zip(docs, found):
        if lang in settings.accepted:
            langs.append({"doc_id": doc["doc_id"], "lang": lang, "lang_score": prob})
        else:
            rejected.append({"doc_id": doc["doc_id"], "source_path": doc["source_path"], "stage": NAME,
                             "reason": f"unsupported language {lang!r} (p={prob:.2f}); "
                                       f"supported: {', '.join(settings.accepted)}",
                             "detected_lang": lang})
    return {"languages": schema.table(langs, schema.LANGUAGES),
            "rejected": schema.table(rejected, schema.REJECTED)}
