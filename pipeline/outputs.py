"""The output folder: one run at a time (its lock), and the stamp of its last complete run.

The stamp is what makes a run with nothing to do cheap, as make and ninja do: a complete run
records what it saw (the corpus listing with each file's stat identity, its settings, the identity
of every code, schema and data file of the pipeline, the installed packages' folders, the
embedding model's files) and the identity of every file it left (the store, the vector index,
the manifest and the stage shards). A later run that finds all of it unchanged has nothing to do
and stops there, before it imports a stage or opens the manifest or the store. Anything that
differs (a touched article, an edited rule, a deleted stage file, an upgraded package) falls
back to the full run, which plans by skip keys and finds what changed. This module uses the
standard library only: ``kb run`` checks the stamp before it imports the pipeline.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import pathlib
import sys
import time
from typing import Callable, Iterable

from pipeline.discovery import CorpusError, Listing

STAMP = "last-run.json"          # under <out>/stages
_NOT_OUTPUTS = {STAMP, STAMP + ".tmp", "code.json", "code.json.tmp"}   # written after the run, or caches


class RunLocked(Exception):
    pass


# ---------------------------------------------------------------- the output lock

class OutputLock:
    """One run at a time per output folder: an advisory lock on ``<out>/.lock`` (freed if the process dies)."""

    def __init__(self, out: pathlib.Path, wait: bool, log: Callable[[str], None]):
        self.path = out / ".lock"
        self.wait = wait
        self.log = log
        self.fh = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another process"
            if not self.wait:
                self.fh.close()
                raise RunLocked(f"another kb run ({holder}) is writing to {self.path.parent}: wait for it to "
                                f"finish, or pass --wait to queue behind it") from None
            self.log(f"waiting for the kb run ({holder}) writing to {self.path.parent} ...")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self.fh.flush()
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.seek(0)
            self.fh.truncate()
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()



# ---------------------------------------------------------------- the stamp of the last complete run

def settings_key(model: str | None, backend: str | None, embed: bool, aux_model: bool, allow_empty: bool,
                 other: str = "") -> str:
    """The run settings a stamp holds: those ``kb run`` sets, and ``other`` (the rest, when not the defaults)."""
    return json.dumps([model, backend, bool(embed), bool(aux_model), bool(allow_empty), other])


def _identity(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return "dir" if os.path.isdir(path) else f"{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"


def _files(root: pathlib.Path, skip: Iterable[str] = ()) -> dict[str, str]:
    """Every file under ``root`` (or ``root`` itself) with its identity; a missing root is recorded too."""
    if not root.is_dir():
        return {str(root): _identity(str(root))}
    out: dict[str, str] = {}
    skip = set(skip)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        out[dirpath] = "dir"
        for name in filenames:
            if name not in skip and not name.endswith(".pyc"):
                path = os.path.join(dirpath, name)
                out[path] = _identity(path)
    return out


def _code() -> dict[str, str]:
    """The code and data a run reads: the package, the schemas, the interpreter and installed packages."""
    package = pathlib.Path(__file__).resolve().parent
    watched = {**_files(package), **_files(package.parent / "schemas")}
    watched["python"] = sys.version
    for entry in sys.path:   # (installing or removing a distribution changes its folder's mtime)
        watched[f"sys.path:{entry}"] = _identity(entry or ".")
    return watched


def _outputs(out: pathlib.Path) -> dict[str, str]:
    """What a run leaves in ``out``: the store, its WAL, the vector index beside it, the stage files."""
    db = out / "knowledge.duckdb"
    return {**_files(db), **_files(db.with_name(db.name + ".wal")), **_files(db.with_name(db.name + ".index")),
            **_files(out / "stages", _NOT_OUTPUTS)}


def _listing(corpus: pathlib.Path, max_bytes: int, listing: Listing | None = None) -> tuple[str, str]:
    """(the corpus folder resolved, a digest of what discovery finds there: files and stat identities, rejections)."""
    return str(corpus.resolve()), listing_digest(*(listing or Listing(corpus))(max_bytes))


def listing_digest(found: list, rejected: list[dict]) -> str:
    h = hashlib.sha256()
    for f in found:
        h.update(f"{f.rel}\x1f{f.stat}\x1e".encode("utf-8", "surrogateescape"))
    h.update(json.dumps(rejected, sort_keys=True).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _stamp_path(out: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(out) / "stages" / STAMP


def forget(out: pathlib.Path) -> None:
    """Remove the stamp (a run is about to change the folder)."""
    _stamp_path(out).unlink(missing_ok=True)


def snapshot() -> dict[str, str]:
    """The code a run starts with (taken before it reads any: a file edited during the run is not recorded
    as the one the run used)."""
    return _code()


def write(out: pathlib.Path, corpus: pathlib.Path, settings: str, max_bytes: int, listing: str, code: dict[str, str],
          result: dict, watch: Iterable[pathlib.Path] = ()) -> None:
    """Record a complete run: what it saw (``listing``: the digest of the discovery it planned from; ``code``:
    its :func:`snapshot`) and left, and its result (documents, rejected, stages' counts).

    ``watch``: more folders or files its outputs depend on (the embedding model's).
    """
    code = dict(code)
    for extra in watch:
        code.update(_files(pathlib.Path(extra)))
    stamp = {"settings": settings, "max_bytes": max_bytes, "corpus": str(pathlib.Path(corpus).resolve()),
             "listing": listing, "code": code, "outputs": _outputs(pathlib.Path(out)), "result": result}
    path = _stamp_path(out)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass   # only the shortcut is lost


def unchanged(out: pathlib.Path, corpus: pathlib.Path, settings: str, listing: Listing | None = None) -> dict | None:
    """The last run's result when a run now would find what it saw and left (nothing to do), else None.

    ``listing``: the corpus's listing for this command (the run that follows reuses what it lists)."""
    out, corpus = pathlib.Path(out), pathlib.Path(corpus)
    try:
        stamp = json.loads(_stamp_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if stamp["settings"] != settings or stamp["outputs"] != _outputs(out):
            return None
        recorded, now = stamp["code"], _code()
        if any(recorded.get(k) != v for k, v in now.items()):
            return None   # a file of the package or the schemas changed or is new; another interpreter
        if any(k not in now and _identity(k) != v for k, v in recorded.items() if not k.startswith("sys.path:")
               and k != "python"):
            return None   # a file gone, or one of the watched folders beyond the package changed
        if (str(corpus.resolve()), stamp["listing"]) != _listing(corpus, stamp["max_bytes"], listing):
            return None
    except (KeyError, TypeError, AttributeError, CorpusError):
        return None       # (a corpus folder gone: the full run reports it)
    return stamp["result"]


def check(out: pathlib.Path, corpus: pathlib.Path, settings: str, wait: bool = False,
          log: Callable[[str], None] = lambda s: None, listing: Listing | None = None) -> dict | None:
    """:func:`unchanged`, under the output folder's lock (a run in progress is waited for, or reported)."""
    out = pathlib.Path(out)
    if not _stamp_path(out).exists():
        return None
    with OutputLock(out, wait, log):
        return unchanged(out, corpus, settings, listing)
