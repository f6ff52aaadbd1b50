"""Model files kept unpacked on disk, so a process does not unpack them again at every start.

Some installed models ship compressed: py3langid's model is an LZMA-packed ``.npz`` whose
unpacking takes ~0.8 CPU s, paid by every process that identifies a language (the one process
that runs a small edit, each pool worker). :func:`unpacked` keeps the unpacked bytes in a user
cache folder, named by the package version and the digest of the packed file, so an upgraded
or replaced model is a different file; the bytes are the packed file's content exactly, so what
is read from them is the same. Where the folder cannot be written, the caller unpacks as before.

The folder: ``$KB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kb``, else ``~/.cache/kb``.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
from importlib.metadata import PackageNotFoundError, version
from typing import BinaryIO, Callable


def cache_root() -> pathlib.Path:
    explicit = os.environ.get("KB_CACHE_DIR")
    if explicit:
        return pathlib.Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "kb"


def _digest(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:24]


def unpacked(packed: pathlib.Path, package: str, unpack: Callable[[BinaryIO, BinaryIO], None],
             suffix: str = "") -> pathlib.Path | None:
    """The unpacked copy of the installed file ``packed`` (of ``package``), written on first use by
    ``unpack(packed_file, out_file)``; None where it cannot be kept (no writable cache folder)."""
    try:
        release = version(package)
    except PackageNotFoundError:
        release = "0"
    try:
        target = cache_root() / f"{package}-{release}-{_digest(packed)}{suffix}"
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        # each writer its own temporary file, renamed into place complete (pool workers start together)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            with open(packed, "rb") as src, open(tmp, "wb") as out:
                unpack(src, out)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target
    except OSError:
        return None


def copy_lzma(src: BinaryIO, out: BinaryIO) -> None:
    """``unpack`` for an LZMA (``.xz``) file."""
    import lzma

    with lzma.open(src) as unpacked_src:
        shutil.copyfileobj(unpacked_src, out, length=1 << 20)
