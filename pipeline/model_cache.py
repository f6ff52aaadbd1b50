"""Installed models kept on disk in the form a process uses them, not made again at every start.

Some installed models ship compressed: py3langid's model is an LZMA-packed ``.npz`` whose
unpacking takes ~0.8 CPU s, paid by every process that identifies a language (the one process
that runs a small edit, each pool worker). What is kept is named by the package version and the
digest of the installed file, so an upgraded or replaced model is another name.

:func:`unpacked` keeps a file's unpacked bytes (the packed file's content exactly). :func:`kept_arrays`
keeps numpy arrays (py3langid's model, and tables made from it) as plain ``.npy`` files, opened
memory-mapped and read-only: a process reads or copies nothing until it uses a page, and the pages
are the page cache's, shared by every process (each pool worker copied ~150 MB of them, 0.2-0.4 CPU s).
Where the folder cannot be written, the caller's data is made as before, in memory.

The folder: ``$KB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kb``, else ``~/.cache/kb``.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import re
import shutil
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import BinaryIO, Callable, Mapping

import numpy as np


def cache_root() -> pathlib.Path:
    explicit = os.environ.get("KB_CACHE_DIR")
    if explicit:
        return pathlib.Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "kb"


def _digest(path: pathlib.Path) -> str:
    """The digest of the file at ``path``, remembered in the cache folder under the file's identity (device,
    inode, size, modification and change times): reading a packed model of several MB again took ~5 CPU ms
    in every process. A replaced or rewritten file has another inode or change time: another memo."""
    stat = os.stat(path)
    memo = cache_root() / "digests" / "-".join(map(str, (stat.st_dev, stat.st_ino, stat.st_size,
                                                        stat.st_mtime_ns, stat.st_ctime_ns)))
    try:
        known = memo.read_text(encoding="ascii")
        if _DIGEST.fullmatch(known):
            return known
    except (OSError, ValueError):    # (none yet, or damaged: the file is read)
        pass
    digest = _read_digest(path)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f".{memo.name}.{os.getpid()}.tmp")
        tmp.write_text(digest, encoding="ascii")
        os.replace(tmp, memo)
    except OSError:
        pass
    return digest


_DIGEST = re.compile(r"[0-9a-f]{24}")


def _read_digest(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:24]


@lru_cache(maxsize=None)
def package_key(packed: pathlib.Path, package: str) -> str:
    """``package-release-digest``: what a name in the cache starts with for what is kept of the installed file
    ``packed`` (of ``package``): an upgraded or replaced file is another name. (Once a process: the digest
    reads the whole file.)"""
    try:
        release = version(package)
    except PackageNotFoundError:
        release = "0"
    return f"{package}-{release}-{_digest(packed)}"


def unpacked(packed: pathlib.Path, package: str, unpack: Callable[[BinaryIO, BinaryIO], None],
             suffix: str = "") -> pathlib.Path | None:
    """The unpacked copy of the installed file ``packed`` (of ``package``), written on first use by
    ``unpack(packed_file, out_file)``; None where it cannot be kept (no writable cache folder)."""
    try:
        target = cache_root() / f"{package_key(packed, package)}{suffix}"
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


Arrays = dict[str, np.ndarray]


def kept_arrays(name: str, make: Callable[[], Mapping[str, np.ndarray]],
                valid: Callable[[Arrays], bool] = lambda arrays: True, versions_of: str | None = None) -> Arrays:
    """The arrays ``make()`` returns (by name), kept in the cache folder ``name`` as plain ``.npy`` files and
    opened memory-mapped, read-only. ``name`` must say everything the arrays are made from (a package key,
    a digest of the code that makes them): kept arrays are never made again. Made and written on first use,
    and again where the kept ones are damaged (a file that does not read whole, or ``valid`` says no); where
    they cannot be kept (no writable folder), the arrays made, in memory, read-only as well (the same
    behaviour either way). ``versions_of``: the start of the names of other versions of these arrays (made by
    other code): when one is written, all but the newest ``OTHER_VERSIONS_KEPT`` of them are removed."""
    try:
        folder = cache_root() / name
        kept = _opened(folder)
    except OSError:
        folder, kept = None, None
    if kept is not None and valid(kept):
        return kept
    made = {key: np.asarray(value) for key, value in make().items()}
    for array in made.values():
        array.flags.writeable = False
    if folder is not None:
        try:
            _write(folder, made, replace=kept is not None)
            if versions_of is not None:
                _remove_old_versions(folder, versions_of)
            kept = _opened(folder)
            if kept is not None and valid(kept):
                return kept
        except (OSError, ValueError):   # (ValueError: an array np.save cannot write without pickle)
            pass
    return made


OTHER_VERSIONS_KEPT = 2   # (worktrees with other code, used in turn, do not remake theirs every time)


def _remove_old_versions(folder: pathlib.Path, versions_of: str) -> None:
    """All but the newest ``OTHER_VERSIONS_KEPT`` folders beside ``folder`` whose names start with ``versions_of``
    (a process that has one open keeps its pages: a removed file's pages stay while they are mapped)."""
    others = [p for p in folder.parent.iterdir()
              if p.name.startswith(versions_of) and p.name != folder.name and p.is_dir()]
    others.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in others[OTHER_VERSIONS_KEPT:]:
        shutil.rmtree(old, ignore_errors=True)


def _opened(folder: pathlib.Path) -> Arrays | None:
    """The arrays in ``folder`` memory-mapped read-only; None where there is no folder; {} where it is damaged."""
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return None
    arrays: Arrays = {}
    for file in names:
        if not file.endswith(".npy"):
            return {}
        try:
            array = _mapped(folder / file)
        except (OSError, ValueError):
            return {}
        arrays[file[:-len(".npy")]] = array
    return arrays


def _mapped(path: pathlib.Path) -> np.ndarray:
    """The array of an ``.npy`` file, memory-mapped read-only, as a plain ndarray (not np.memmap: its results
    would be memmaps too); ValueError where the file is not whole (its header's size and no more)."""
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    if not isinstance(mapped, np.memmap) or os.path.getsize(path) != mapped.offset + mapped.nbytes:
        raise ValueError(f"{path}: not the size its header says")
    return mapped.view(np.ndarray)


def _write(folder: pathlib.Path, arrays: Arrays, replace: bool) -> None:
    """``arrays`` into ``folder``, written whole into a folder of this process's and renamed into place (pool
    workers start together: the first one's is kept); ``replace``: a damaged folder there is moved aside first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        for key, array in arrays.items():
            np.save(tmp / f"{key}.npy", array, allow_pickle=False)
        if replace:
            try:
                os.rename(folder, old)
            except FileNotFoundError:
                pass
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.is_dir():   # (else another process's is there: that one is kept)
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
