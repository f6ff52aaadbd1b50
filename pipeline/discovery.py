"""Finding the article files of a corpus folder: the standard library only, so a run with nothing to do
can list its corpus and stop before it imports the pipeline's stages (pipeline/outputs.py).

Each file found carries its stat identity (resolved path, size, mtime, ctime, inode): the runner
re-reads and re-hashes a source only when that changed, as git's index and make do.
"""
from __future__ import annotations

import errno
import hashlib
import os
import pathlib
import stat as stat_mod
from dataclasses import dataclass

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
IGNORED_NAMES = ("README", "README.MD", "SOURCES.MD")


class CorpusError(Exception):
    pass


@dataclass
class Found:
    path: pathlib.Path
    rel: str             # relative path as text (undecodable bytes escaped)
    size: int
    stat: str            # what says "unchanged": path, size, mtime, ctime, inode


def _display_text(rel: str) -> str:
    """A path as text: bytes that are not UTF-8 are kept, escaped (``caf\\xe9.txt``)."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _display(rel: pathlib.PurePath) -> str:
    return _display_text(rel.as_posix())


def path_id(rel: str) -> str:
    """The id of a path (a rejection's doc_id): ``textmap.stable_hash(rel)``, without textmap's numpy import."""
    return hashlib.sha256(f"{rel}\x1f".encode("utf-8")).hexdigest()[:16]


def _reject(rel: str, reason: str, stage: str = "discover") -> dict:
    return {"doc_id": path_id(rel), "source_path": rel, "stage": stage, "reason": reason}


def _suffix(name: str) -> str:
    """``pathlib.PurePath(name).suffix``, without making a path object per file."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


class Listing:
    """A corpus folder's listing, taken once per command: the no-op check and the run each need it (at
    100,000 articles a listing takes seconds). Each call hands out its own lists (a run adds to them)."""

    def __init__(self, corpus: pathlib.Path):
        self.corpus = pathlib.Path(corpus)
        self._by_limit: dict[int, tuple[list[Found], list[dict]]] = {}

    def __call__(self, max_bytes: int) -> tuple[list[Found], list[dict]]:
        if max_bytes not in self._by_limit:
            self._by_limit[max_bytes] = discover(self.corpus, max_bytes)
        found, rejected = self._by_limit[max_bytes]
        return list(found), [dict(r) for r in rejected]


def discover(corpus: pathlib.Path, max_bytes: int) -> tuple[list[Found], list[dict]]:
    """Article files under ``corpus`` (nested folders too) and rejections for the other entries.

    Files are checked by size before anything reads them. Links are followed only to
    files inside the corpus folder; a link out of it, a dangling link or a link loop
    is rejected with the reason. One ``lstat`` per entry and one ``realpath`` per
    folder (a file that is no link resolves to its folder's real path and its name).
    """
    corpus = pathlib.Path(corpus)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus}")
    root = corpus.resolve()
    found: list[Found] = []
    rejected: list[dict] = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = pathlib.Path(dirpath)
        real_here = os.path.realpath(dirpath)
        sub = here.relative_to(corpus).as_posix()
        prefix = "" if sub == "." else sub + "/"
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = _display_text(prefix + name)
            try:
                lst = os.lstat(full)
            except OSError:
                lst = None
            link = lst is not None and stat_mod.S_ISLNK(lst.st_mode)
            if link:
                p = here / name
                try:
                    target = p.resolve(strict=True)
                except FileNotFoundError:
                    rejected.append(_reject(rel, "broken link: its target does not exist"))
                    continue
                except (RuntimeError, OSError) as exc:
                    reason = "link loop" if isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP \
                        else f"unreadable link ({exc})"
                    rejected.append(_reject(rel, reason))
                    continue
                if root != target and root not in target.parents:
                    rejected.append(_reject(rel, "link to a file outside the corpus folder: not followed"))
                    continue
                if target.is_dir():
                    rejected.append(_reject(rel, "link to a folder: not followed (its files are read where they are)"))
                    continue
            suffix = _suffix(name)
            if suffix.lower() not in SUPPORTED_SUFFIXES:
                if name.upper() not in IGNORED_NAMES:
                    rejected.append(_reject(rel, f"unsupported file type {suffix or '(none)'!r}; "
                                                 f"supported: {', '.join(SUPPORTED_SUFFIXES)}"))
                continue
            try:
                st = os.stat(full) if link or lst is None else lst
            except OSError as exc:
                rejected.append(_reject(rel, f"unreadable file: {exc.strerror or exc}"))
                continue
            if not stat_mod.S_ISREG(st.st_mode):
                rejected.append(_reject(rel, "not a regular file"))
                continue
            if st.st_size > max_bytes and suffix.lower() != ".jsonl":
                rejected.append(_reject(rel, f"file too large ({st.st_size / 1e6:.1f} MB > "
                                             f"{max_bytes / 1e6:.0f} MB limit)", "ingest"))
                continue
            resolved = os.fsencode(os.path.realpath(full) if link else os.path.join(real_here, name))
            key = f"{resolved!r}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
            found.append(Found(here / name, rel, st.st_size, key))
    found.sort(key=lambda f: f.rel)
    return found, rejected
