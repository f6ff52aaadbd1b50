"""Code-aware skip keys: what a stage's output depends on besides its input.

In the manner of joblib's ``Memory`` (which hashes a function's source) and Bazel
(which keys an action by its tools too), a stage's fingerprint covers

* the code of its module and of every ``pipeline`` module it imports, directly or
  not, at module level or inside a function (found by reading the source, so it
  needs no import and nothing can be missed by lazy imports); comments and
  formatting do not count (the syntax tree is hashed);
* the versions of the third-party distributions that code imports (spaCy's
  tokeniser, trafilatura's extraction, py3langid's model ...);
* the language data it reads, per language: the values of those fields of
  ``pipeline/lang/<code>.py`` whose names its code mentions. So a new Polish tip
  cue word changes the fingerprint of the stages that read tip cues, for Polish
  documents only, and an edited comment in a language module changes nothing.

No version number has to be remembered. Editing the runner, the protocol or the
store does not reprocess anything: they move data, they do not make it.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import json
import os
import pathlib
import re
import sys
from types import ModuleType
from typing import Iterable

from pipeline.textmap import stable_hash

PACKAGE = "pipeline"
LANG_PACKAGE = "pipeline.lang"
# Modules that move data rather than make it: changing them reprocesses nothing.
INFRASTRUCTURE = frozenset({
    "pipeline", "pipeline.fingerprint", "pipeline.protocol", "pipeline.runner", "pipeline.shards",
    "pipeline.executors", "pipeline.pool", "pipeline.ray_executor", "pipeline.store", "pipeline.cli", "pipeline.api",
    "pipeline.search", "pipeline.benchcorpus", "pipeline.evaluate",
})


_ROOT = pathlib.Path(__file__).resolve().parent


def _path(module: str) -> pathlib.Path | None:
    """The source file of a ``pipeline`` module, found without importing it (imports can be slow)."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    base = _ROOT.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_package(module: str) -> bool:
    p = _path(module)
    return p is not None and p.name == "__init__.py"


def _source(module: str) -> str | None:
    p = _path(module)
    return p.read_text(encoding="utf-8") if p else None


@functools.lru_cache(maxsize=None)
def _is_language_data(module: str) -> bool:
    """``pipeline.lang.<code>`` (and ``shared``, which they reuse): constants only, fingerprinted by value, per
    language. Not ``pipeline.lang.data``, which defines functions (the contract that loads them): it is code."""
    if not (module.startswith(LANG_PACKAGE + ".") and module.count(".") == 2):
        return False
    tree = ast.parse(_source(module) or "")
    return not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)


def _resolve(name: str, current: str, level: int, is_package: bool) -> str:
    if level == 0:
        return name
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(tree: ast.AST, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """(pipeline modules, top-level third-party packages) imported anywhere in ``tree``."""
    own, third = set(), set()

    def add(name: str) -> None:
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            if _path(name) is not None:
                own.add(name)
        else:
            top = name.split(".")[0]
            if top and top not in sys.stdlib_module_names and top != "__future__":
                third.add(top)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", module, node.level, is_package)
            add(base)
            if base == PACKAGE or base.startswith(PACKAGE + "."):
                for alias in node.names:   # "from pipeline.x import y": y may be a module
                    if _path(f"{base}.{alias.name}") is not None:
                        own.add(f"{base}.{alias.name}")
    return own, third


_DATA_HANDLES = ("lang", "data", "mod")


def _reads_fields_dynamically(node: ast.Call) -> bool:
    """``getattr(<language data>, <not a constant>)``: which fields it reads cannot be told.

    Language data is recognised by how it is reached: a call (``data(lang)``) or a
    name such as ``lang_data`` / ``mod``; other getattr calls (on library objects)
    do not matter.
    """
    if not (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2):
        return False
    if isinstance(node.args[1], ast.Constant):
        return False
    target = node.args[0]
    if isinstance(target, ast.Call):
        return True
    text = ast.unparse(target).casefold()
    return any(h in text for h in _DATA_HANDLES)


@dataclasses.dataclass(frozen=True)
class Closure:
    modules: tuple[str, ...]          # pipeline modules whose code counts
    third_party: tuple[str, ...]      # top-level third-party packages they import
    names: frozenset[str]             # every identifier and string constant, case-folded
    dynamic_getattr: bool             # getattr(obj, <non-constant>): cannot tell which fields it reads
    reads_language_data: bool


@dataclasses.dataclass(frozen=True)
class _Parsed:
    digest: str                  # of the syntax tree: comments and formatting change nothing
    imports: frozenset[str]      # pipeline modules
    third_party: frozenset[str]
    names: frozenset[str]
    dynamic_getattr: bool


# parsed modules by file identity (path, size, mtime, inode): parsing is most of a no-op run's time otherwise
_DISK_CACHE: dict[str, dict] = {}
# the same, kept across output folders beside this package's compiled modules, per interpreter (a first
# run in a new folder would otherwise parse every module and scan every installed distribution: ~1.3 CPU s,
# the ingest stage's part of it before any work can start); an entry counts only where its file identity
# (or, for versions, the environment) still matches, as in the folder's own
_SHARED_CACHE: dict[str, dict] = {}


def shared_cache_path() -> pathlib.Path:
    """This interpreter's cache file in the package's ``__pycache__`` (where Python caches what it derives
    from the same sources; a copy of the package has its own)."""
    return _ROOT / "__pycache__" / f"fingerprint-{stable_hash(sys.prefix, sys.version)}.json"


def _read(path: pathlib.Path) -> dict:
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cached if isinstance(cached, dict) else {}   # a damaged file is only a cache lost


def load_cache(path: pathlib.Path) -> None:
    """Reuse what earlier runs learnt from the source files that did not change since."""
    _DISK_CACHE.update(_read(path))
    _SHARED_CACHE.clear()
    _SHARED_CACHE.update(_read(shared_cache_path()))


def _write(path: pathlib.Path, data: dict, tmp: pathlib.Path) -> None:
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def save_cache(path: pathlib.Path) -> None:
    _write(path, _DISK_CACHE, path.with_name(path.name + ".tmp"))
    shared = {**_SHARED_CACHE, **_DISK_CACHE}
    if shared != _SHARED_CACHE:
        target = shared_cache_path()
        try:
            target.parent.mkdir(exist_ok=True)
        except OSError:
            return
        # (a run in another folder may write it at the same time: each its own temporary file)
        _write(target, shared, target.with_name(f"{target.name}.{os.getpid()}.tmp"))
        _SHARED_CACHE.update(shared)


def _cached(key: str, field: str, value: str) -> dict | None:
    """The folder's or else the shared cache's entry ``key`` whose ``field`` is ``value`` (None: neither)."""
    for cache in (_DISK_CACHE, _SHARED_CACHE):
        hit = cache.get(key)
        if isinstance(hit, dict) and hit.get(field) == value:
            _DISK_CACHE[key] = hit
            return hit
    return None


def _identity(p: pathlib.Path) -> str:
    st = p.stat()
    return f"{p}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"


@functools.lru_cache(maxsize=None)
def _parse(module: str) -> _Parsed | None:
    path = _path(module)
    if path is None:
        return None
    ident = _identity(path)
    hit = _cached(module, "identity", ident)
    if hit is not None:
        return _Parsed(hit["digest"], frozenset(hit["imports"]), frozenset(hit["third_party"]),
                       frozenset(hit["names"]), hit["dynamic"])
    parsed = _parse_source(module, path.read_text(encoding="utf-8"))
    _DISK_CACHE[module] = {"identity": ident, "digest": parsed.digest, "imports": sorted(parsed.imports),
                           "third_party": sorted(parsed.third_party), "names": sorted(parsed.names),
                           "dynamic": parsed.dynamic_getattr}
    return parsed


def _parse_source(module: str, src: str) -> _Parsed:
    tree = ast.parse(src)
    own, third = _imports(tree, module, _is_package(module))
    names: set[str] = set()
    dynamic = False
    # the language package is plumbing between consumers and data: its getattr calls
    # build the data, they do not select what a stage reads
    consumer = not module.startswith(LANG_PACKAGE)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id.casefold())
        elif isinstance(node, ast.Attribute):
            names.add(node.attr.casefold())
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 80:
            names.add(node.value.casefold())
        elif consumer and isinstance(node, ast.Call) and _reads_fields_dynamically(node):
            dynamic = True
    return _Parsed(stable_hash(ast.dump(tree, include_attributes=False), length=32), frozenset(own),
                   frozenset(third), frozenset(names), dynamic)


@functools.lru_cache(maxsize=None)
def closure(root: str) -> Closure:
    """The modules ``root`` depends on (transitively), language data modules excluded; the names they mention
    (the language package's own left out)."""
    seen: set[str] = set()
    third: set[str] = set()
    names: set[str] = set()
    dynamic = False
    todo = [root]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        parsed = _parse(mod)
        if parsed is None:
            continue
        third |= parsed.third_party
        if not (mod == LANG_PACKAGE or mod.startswith(LANG_PACKAGE + ".")):
            # (the language package defines the fields and the functions reading them all: its names say
            # nothing of what a stage reads; those functions' reads count for every language,
            # shared_language_fingerprint)
            names |= parsed.names
        dynamic = dynamic or parsed.dynamic_getattr
        todo.extend(o for o in parsed.imports if not _is_language_data(o) and o not in INFRASTRUCTURE)
    return Closure(tuple(sorted(seen)), tuple(sorted(third)), frozenset(names), dynamic,
                   any(m == LANG_PACKAGE or m.startswith(LANG_PACKAGE + ".") for m in seen))


def _module_digest(module: str) -> str:
    parsed = _parse(module)
    return parsed.digest if parsed else "-"


@functools.lru_cache(maxsize=None)
def _packages_distributions() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    return packages_distributions()   # ~0.7 s: only asked when a module's name is not its distribution's


def _environment() -> str:
    """What says the installed packages are the ones of an earlier run: the interpreter, and each import
    folder's mtime (installing, upgrading or removing a distribution adds or removes its folders there)."""
    parts = [sys.version]
    # (not sys.path[0]: the script's folder or the working directory, where nothing is installed, and whose
    # mtime moves with any file made there: `kb`, `python -m` and a test each saw another environment)
    for entry in sys.path[1:]:
        try:
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return stable_hash(*parts, length=32)


@functools.lru_cache(maxsize=None)
def _version(top: str) -> str:
    """Installed version of the distribution providing import name ``top`` (kept in the disk cache while the
    environment is unchanged: finding a distribution by import name scans every installed one)."""
    env = _environment()
    known: dict[str, str] = {}
    for cache in (_SHARED_CACHE, _DISK_CACHE):
        hit = cache.get(_VERSIONS)
        if isinstance(hit, dict) and hit.get("environment") == env and isinstance(hit.get("versions"), dict):
            known.update(hit["versions"])
    # (a new dict: what is added here must show as new against the shared cache, to be saved there)
    cached = _DISK_CACHE[_VERSIONS] = {"environment": env, "versions": known}
    if top not in cached["versions"]:
        cached["versions"][top] = _find_version(top)
    return cached["versions"][top]


_VERSIONS = "~versions"   # the disk cache's entry of distribution versions (no module has this name)


def _find_version(top: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(top)
    except PackageNotFoundError:
        pass
    dists = sorted(set(_packages_distributions().get(top, [])))
    out = []
    for d in dists:
        try:
            out.append(f"{d}=={version(d)}")
        except PackageNotFoundError:
            out.append(d)
    return ",".join(out) or "?"


@functools.lru_cache(maxsize=None)
def code_fingerprint(root: str) -> str:
    """Hash of the code ``root`` runs: its module closure and third-party versions."""
    c = closure(root)
    parts = [f"{m}:{_module_digest(m)}" for m in c.modules]
    parts += [f"{t}:{_version(t)}" for t in c.third_party]
    return stable_hash(*parts, length=32)


def canonical(value: object) -> str:
    """A stable text form of language data (sets sorted, patterns by source and flags)."""
    if isinstance(value, re.Pattern):
        return f"re({value.pattern!r},{value.flags})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{canonical(k)}:{canonical(v)}"
                              for k, v in sorted(value.items(), key=lambda kv: canonical(kv[0]))) + "}"
    if isinstance(value, (set, frozenset)):
        return "set(" + ",".join(sorted(canonical(v) for v in value)) + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__ + canonical({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return repr(value)


def language_fields(module: ModuleType) -> dict[str, object]:
    """The data fields of a language module, by case-folded name (a dataclass instance's fields too)."""
    out: dict[str, object] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, ModuleType) or callable(value) and not isinstance(value, re.Pattern):
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                out[f.name.casefold()] = getattr(value, f.name)
        out[name.casefold()] = value
    return out


def language_module(code: str) -> ModuleType:
    return importlib.import_module(f"{LANG_PACKAGE}.{code}")


def language_fingerprint(root: str, code: str) -> str:
    """Hash of the fields of language ``code`` that the code of ``root`` mentions."""
    c = closure(root)
    if not c.reads_language_data:
        return "-"
    fields = language_fields(language_module(code))
    read = sorted(fields) if c.dynamic_getattr else sorted(n for n in fields if n in c.names)
    return stable_hash(*(f"{n}={canonical(fields[n])}" for n in read), length=32)


@functools.lru_cache(maxsize=None)
def cross_language_fields() -> dict[str, frozenset[str]]:
    """The functions of the language package that read a field of every supported language (``letters()``,
    ``month_names()``: they loop over ``SUPPORTED``), by case-folded name, each with the case-folded fields
    it reads. Code that calls one depends on those fields of every language, whatever its documents' language:
    a letter added to Polish changes how a Dutch document's lines are joined."""
    out: dict[str, frozenset[str]] = {}
    for node in ast.parse(_source(LANG_PACKAGE) or "").body:
        if not isinstance(node, ast.FunctionDef):
            continue
        inner = list(ast.walk(node))
        if not any(isinstance(n, ast.Name) and n.id == "SUPPORTED" for n in inner):
            continue
        fields = frozenset(n.attr.casefold() for n in inner if isinstance(n, ast.Attribute) and n.attr.isupper())
        if fields:
            out[node.name.casefold()] = fields
    return out


def shared_language_fingerprint(root: str) -> str | None:
    """Hash of the fields of every supported language that the code of ``root`` reads for all languages at
    once: those its calls of the language package's cross-language functions read
    (:func:`cross_language_fields`), and those of ``pipeline.lang.ALL_LANGUAGES_FIELDS`` it names. None: none."""
    c = closure(root)
    if not c.reads_language_data:
        return None
    from pipeline.lang import ALL_LANGUAGES_FIELDS, SUPPORTED

    fields = sorted({f for name, read in cross_language_fields().items() if name in c.names for f in read}
                    | {f.casefold() for f in ALL_LANGUAGES_FIELDS if f.casefold() in c.names})
    if not fields:
        return None

    parts = []
    for code in SUPPORTED:
        values = language_fields(language_module(code))
        parts += [f"{code}:{n}={canonical(values[n])}" for n in fields if n in values]
    return stable_hash(*parts, length=32)


def stage_fingerprint(root: str, languages: Iterable[str] = ()) -> str:
    """Code fingerprint of ``root`` plus the language data it reads: for ``languages``, and of every language
    where it calls a function of the language package that reads them all."""
    shared = shared_language_fingerprint(root)
    return stable_hash(code_fingerprint(root), *([f"all:{shared}"] if shared else []),
                       *(f"{c}:{language_fingerprint(root, c)}" for c in languages), length=32)


def clear_caches() -> None:
    """Forget every fingerprint (tests that edit code in place)."""
    for f in (closure, _parse, code_fingerprint, _version, cross_language_fields, _is_language_data):
        f.cache_clear()
