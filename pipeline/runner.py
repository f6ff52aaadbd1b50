"""The runner: corpus files -> stage shards -> the DuckDB store, incrementally.

It walks :data:`pipeline.registry.PIPELINE` in phases, each a chain of stages over
documents, and owns everything around the stages' pure functions:

* **planning with skip keys.** Every (stage, document) has a skip key: the hash of
  what the stage reads (the document row, or the upstream stage's key), its
  settings, and the fingerprint of its code and of the language data it reads for
  the document's language (:mod:`pipeline.fingerprint`). A document is computed by
  a stage when its key changed or it has none; a change anywhere reprocesses only
  what depends on it, and a new rule or cue word needs no version bump.
* **sharded outputs** (:mod:`pipeline.shards`): a phase's computed rows are merged
  into the shard files of their stage, the manifest switched in one transaction.
* **executors**: the work of a phase runs in chunks of documents in this process,
  a process pool (``workers``), or on Ray Data (``executor="ray"``).
* **the store** (:mod:`pipeline.store`): updated in place, in one transaction, for
  the documents whose rows changed; a run that changes nothing does not open it.

Phases: sources -> ingest (per source file); langid; then, once every accepted
document is known, the corpus-level boilerplate (a normalised line in several
documents); denoise -> normalise -> segment -> extract; embed; hubness and cluster (the
corpus stages: a change of any embedded document recomputes them); load.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import pathlib
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import fingerprint
from pipeline import outputs
from pipeline.discovery import SUPPORTED_SUFFIXES, CorpusError, Found, Listing, _reject, discover  # noqa: F401
from pipeline.outputs import OutputLock, RunLocked  # noqa: F401  (runner.* for callers)
from pipeline import pool as worker_pool
from pipeline.executors import (Chunk, ChunkResult, Handoff, LocalExecutor, MergeTask, ShardAppender, chunk_size,
                                small_phase)
from pipeline.lang import SUPPORTED
from pipeline.protocol import ERROR, Stage, StageStats, settings_hash, status_column
from pipeline.registry import BY_NAME, CHAIN, PIPELINE, producer
from pipeline.shards import DEAD_FRACTION, DELTA, Entry, ShardStore, iter_batches, pause_point
from pipeline.stages import cluster, denoise, embed, extract, hubness, ingest, langid, normalise, segment
from pipeline.textmap import stable_hash

CORPUS_STAGES = ("hubness", "cluster")   # read the whole corpus: any change recomputes them
JSONL_CHUNK_LINES = 256        # a JSONL file is read in runs of this many lines (bounded memory)
JSONL_CHUNK_BYTES = 4_000_000


@dataclass(frozen=True)
class RunSettings:
    """Settings of every stage (each one's hash is part of that stage's skip key) and of the run."""
    ingest: ingest.Settings = field(default_factory=ingest.Settings)
    langid: langid.Settings = field(default_factory=langid.Settings)
    denoise: denoise.Settings = field(default_factory=denoise.Settings)
    normalise: normalise.Settings = field(default_factory=normalise.Settings)
    segment: segment.Settings = field(default_factory=segment.Settings)
    extract: extract.Settings = field(default_factory=extract.Settings)
    embed_stage: embed.Settings = field(default_factory=embed.Settings)
    hubness: hubness.Settings = field(default_factory=hubness.Settings)
    cluster: cluster.Settings = field(default_factory=cluster.Settings)
    model: str | None = None          # embedding model: None = the bundled multilingual-e5-small
    backend: str | None = None        # torch | onnx | onnx-int8; None: the default for the model
    embed: bool = True
    allow_empty: bool = False         # an empty corpus may empty an existing store
    aux_model: bool = True            # also embed items with the multilingual USE, fused in search
    workers: int | None = None        # processes for the per-document stages; None: one per core
    executor: str = "local"           # local | ray
    ray_address: str | None = None    # a Ray cluster; None starts a local Ray
    wait: bool = False                # another run holds the output folder: wait for it (else fail)
    shard_docs: int = 4096            # sources (JSONL: lines) per shard
    shard_bytes: int = 128_000_000    # source bytes per shard
    chunk_docs: int = 64              # documents per unit of work

    def stage(self, name: str) -> Any:
        if name == "embed":
            return self.embed_stage
        # (a stage added to the pipeline without a field here runs with its settings class's defaults)
        settings = getattr(self, name, None)
        return settings if isinstance(settings, BY_NAME[name].settings) else BY_NAME[name].settings()

    @property
    def worker_count(self) -> int:
        if self.workers:
            return self.workers
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class RunResult:
    store: pathlib.Path
    documents: int
    rejected: int
    stages: list[StageStats]
    seconds: float
    load: Any = None                  # store.LoadResult: what changed in the store (None: untouched)
    accounting: dict | None = None    # the local executor's CPU accounting (executors.Accounting.summary)

    @property
    def processed(self) -> int:
        """Documents that any stage after ingest had to (re)process."""
        return max((s.processed for s in self.stages if s.stage not in ("ingest", "load", *CORPUS_STAGES)),
                   default=0)


# ---------------------------------------------------------------- discovering sources

@dataclass
class Unit:
    """A unit of ingest: a source file, or a run of lines of a JSONL file."""
    src: str
    rel: str
    chunk: int
    first_line: int
    byte_start: int
    byte_end: int
    sha256: str
    stat: str
    weight: int
    shard: int
    path: bytes = b""


def _sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _jsonl_runs(path: pathlib.Path) -> list[tuple[int, int, int, str, int]]:
    """(first line, byte start, byte end, sha256, lines) of each run of lines of a JSONL file."""
    runs = []
    with open(path, "rb") as fh:
        start, first, n, h, pos = 0, 1, 0, hashlib.sha256(), 0
        for line in fh:
            h.update(line)
            n += 1
            pos += len(line)
            if n >= JSONL_CHUNK_LINES or pos - start >= JSONL_CHUNK_BYTES:
                runs.append((first, start, pos, h.hexdigest(), n))
                start, first, n, h = pos, first + n, 0, hashlib.sha256()
        if n:
            runs.append((first, start, pos, h.hexdigest(), n))
    return runs


# ---------------------------------------------------------------- the runner

@dataclass(frozen=True)
class Want:
    shard: int
    skip_key: str
    src: str


class Runner:
    def __init__(self, out: pathlib.Path, settings: RunSettings = RunSettings(), progress: bool = True,
                 log: Callable[[str], None] | None = None, started: Any = None):
        """``started``: the executor's workers, or Ray, already starting (``pipeline.pool``)."""
        self.out = pathlib.Path(out)
        self.started = started
        self.settings = settings
        self.progress = progress
        self.log = log or (lambda s: print(s, file=sys.stderr))
        self.stats: dict[str, StageStats] = {}
        self._fingerprints: dict[tuple[str, str], str] = {}
        self._fp_by_lang: dict[tuple[str, str | None], str] = {}

    # -- helpers ---------------------------------------------------------------
    def _bar(self, total: int, desc: str):
        from tqdm import tqdm

        return tqdm(total=total, desc=f"{desc:<9}", unit="doc", disable=not self.progress or total == 0,
                    leave=True, dynamic_ncols=True)

    def _stat(self, name: str) -> StageStats:
        return self.stats.setdefault(name, StageStats(name))

    def _fp(self, st: Stage, lang: str | None = None) -> str:
        """The stage's fingerprint for a document in ``lang``."""
        found = self._fp_by_lang.get((st.name, lang))   # (asked per document and stage: ~60,000 times at 10k)
        if found is not None:
            return found
        scope = {"document": lang or "", "all": ",".join(SUPPORTED)}.get(st.language or "", "")
        key = (st.name, scope)
        if key not in self._fingerprints:
            langs = [c for c in scope.split(",") if c]
            self._fingerprints[key] = stable_hash(fingerprint.stage_fingerprint(st.module, langs),
                                                  settings_hash(self.settings.stage(st.name)))
        self._fp_by_lang[(st.name, lang)] = self._fingerprints[key]
        return self._fingerprints[key]

    # -- the run ---------------------------------------------------------------
    def run(self, corpus: pathlib.Path, listing: Listing | None = None) -> RunResult:
        """``listing``: the corpus's listing for this command (``kb run``'s no-op check took it already)."""
        self._corpus_listing = listing if listing is not None else Listing(pathlib.Path(corpus))
        gc_thresholds = gc.get_threshold()
        gc.set_threshold(max(gc_thresholds[0], worker_pool.GC_YOUNG_THRESHOLD), *gc_thresholds[1:])
        try:
            return self._run_locked(corpus)
        finally:
            gc.set_threshold(*gc_thresholds)
            if self.started is not None:   # a run that had no use for them (nothing to do, or failed early)
                worker_pool.release(self.started)
                self.started = None

    def _run_locked(self, corpus: pathlib.Path) -> RunResult:
        t_start, cpu_start = time.perf_counter(), time.process_time()
        self.out.mkdir(parents=True, exist_ok=True)
        with OutputLock(self.out, self.settings.wait, self.log):
            key = self._settings_key()
            last = outputs.unchanged(self.out, pathlib.Path(corpus), key, self._corpus_listing)
            if last is not None:   # what the last complete run saw and left, unchanged: nothing to do
                return self._unchanged(last, time.perf_counter() - t_start)
            outputs.forget(self.out)
            self._code_at_start = outputs.snapshot()
            self.shards = ShardStore(self.out / "stages", self.log)
            code_cache = self.out / "stages" / "code.json"
            fingerprint.load_cache(code_cache)
            self.executor = self._executor()
            try:
                result = self._run(pathlib.Path(corpus))
            finally:
                self.executor.close()
                self.shards.close()
                fingerprint.save_cache(code_cache)
            self._stamp(pathlib.Path(corpus), key, result)
        result.seconds = time.perf_counter() - t_start
        accounting = getattr(self.executor, "accounting", None)
        if accounting is not None:
            result.accounting = accounting.summary(result.seconds, time.process_time() - cpu_start)
        return result

    # -- the stamp of a complete run (pipeline/outputs.py) ------------------------------
    def _settings_key(self) -> str:
        s = self.settings
        cli = RunSettings(model=s.model, backend=s.backend, embed=s.embed, aux_model=s.aux_model,
                          allow_empty=s.allow_empty, workers=s.workers, executor=s.executor,
                          ray_address=s.ray_address, wait=s.wait, chunk_docs=s.chunk_docs)
        # stage settings other than the defaults (a caller of the API): part of the key as they are
        return outputs.settings_key(s.model, s.backend, s.embed, s.aux_model, s.allow_empty,
                                    "" if s == cli else repr(dataclasses.replace(s, workers=None, wait=False)))

    def _stamp(self, corpus: pathlib.Path, key: str, result: RunResult) -> None:
        watch = []
        if self.settings.embed:
            from pipeline.model import resolve_model

            try:
                model = pathlib.Path(resolve_model(self.settings.model))
            except Exception:
                return
            if not model.is_dir():
                return   # a model by name (a hub cache): no shortcut, every run plans
            watch.append(model)
        held = [[st.stage, st.processed + st.skipped] for st in result.stages]
        outputs.write(self.out, corpus, key, self.settings.ingest.max_bytes, self._listing, self._code_at_start,
                      {"documents": result.documents, "rejected": result.rejected, "stages": held}, watch)

    def _unchanged(self, last: dict, seconds: float) -> RunResult:
        stages = [StageStats(name, skipped=held) for name, held in last["stages"]]
        return RunResult(self.out / "knowledge.duckdb", last["documents"], last["rejected"], stages, seconds)

    def _executor(self):
        if self.settings.executor == "ray":
            from pipeline.ray_executor import RayExecutor

            started, self.started = self.started, None   # (the executor's from now on)
            return RayExecutor(self.settings, self.shards, starting=started)
        if self.settings.executor != "local":
            raise ValueError(f"unknown executor {self.settings.executor!r}: local or ray")
        started, self.started = self.started, None
        return LocalExecutor(self.settings.worker_count, self.settings, started=started)

    def _run(self, corpus: pathlib.Path) -> RunResult:
        s = self.settings
        self.shards.check_files()
        self.shards.sweep()
        self._langid_ready: list[tuple[pa.Table, StageStats | None]] = []   # langid rows made after ingest
        self._fold_delta()
        found, rejected = self._corpus_listing(s.ingest.max_bytes)
        self._listing = outputs.listing_digest(found, rejected)   # what the stamp records: what this run saw
        # a first build of many sources starts the pool before hashing them (it needs no hash to know)
        early = not self.shards.units() and self._enough(len(found))
        if early and hasattr(self.executor, "start"):
            self.executor.start()
        units, dup_rejected = self._units(found)
        rejected += dup_rejected

        # ingest: per source unit
        ingest_fp = self._fp(BY_NAME["ingest"])
        want_ingest = {u.src: Want(u.shard, stable_hash(u.sha256, u.rel, u.first_line, ingest_fp),
                                   u.src) for u in units.values()}
        changed = self._to_ingest(want_ingest)
        prefetch = None
        if (early or self._enough(changed)) and hasattr(self.executor, "start"):
            # a real workload: the pool's workers start (imports) while this process plans, and the later
            # stages' fingerprints are computed while the workers ingest, off the serial path
            self.executor.start()
            prefetch = threading.Thread(target=self._prefetch_fingerprints, name="fingerprints", daemon=True)
            prefetch.start()
        elif changed and hasattr(self.executor, "start_standby"):
            self.executor.start_standby()   # (an edit: one worker loads spaCy while this process plans)
        reader = {u.src: u for u in units.values()}
        self._phase(["ingest"], {"ingest": want_ingest}, drop=False, reader=reader)
        self._commit_units(units)
        if prefetch is not None:
            prefetch.join()

        # the documents of the current sources; the same text twice is one document
        current = [(src, d, path, dig) for src, d, path, dig in self.shards.docs() if src in units]
        owner: dict[str, tuple[str, str, str]] = {}   # doc_id -> (src, source_path, digest)
        for src, d, path, dig in sorted(current, key=lambda r: r[2]):
            if d in owner:
                rejected.append({"doc_id": d, "source_path": path, "stage": "ingest",
                                 "reason": f"same text as {owner[d][1]}"})
                continue
            owner[d] = (src, path, dig)

        want_lang = {d: Want(units[src].shard, stable_hash(dig, self._fp(BY_NAME["langid"])), src)
                     for d, (src, _, dig) in owner.items()}
        self._phase(["langid"], {"langid": want_lang}, drop=False)
        lang_entries = self.shards.entries("langid")
        lang_of = {d: e.info for d, e in lang_entries.items()
                   if d in want_lang and e.status == "ok" and e.info and e.skip_key == want_lang[d].skip_key}
        accepted = sorted(lang_of)
        self._guard(corpus, found, rejected, accepted, units, owner)
        # only now may what left the corpus leave the shards (a wrong folder must not empty them)
        self._phase(["ingest"], {"ingest": want_ingest}, drop=True, reader=reader, compute=False)
        self._phase(["langid"], {"langid": want_lang}, drop=True, compute=False)
        self._drop_units(units)

        # corpus-level boilerplate: a normalised line seen in several accepted documents
        boiler = self._boilerplate(accepted)
        chain = [st.name for st in CHAIN]   # (denoise, normalise, segment, extract)
        wants: dict[str, dict[str, Want]] = {n: {} for n in chain}
        for d in accepted:
            src, lang = owner[d][0], lang_of[d]
            common = boiler.get(d)
            key = stable_hash(want_lang[d].skip_key, lang, self._fp(BY_NAME[chain[0]], lang),
                              stable_hash(*(common.split(" ") if common else ())))
            wants[chain[0]][d] = Want(units[src].shard, key, src)
            for name in chain[1:]:
                key = stable_hash(key, self._fp(BY_NAME[name], lang))
                wants[name][d] = Want(units[src].shard, key, src)
        moved = self._to_delta(chain, wants, units) if self._delta_ok else set()
        if moved:
            for ws in wants.values():
                for d, w in ws.items():
                    if w.src in moved:
                        ws[d] = Want(DELTA, w.skip_key, w.src)
        # (each document's keys as one string, split a chunk at a time: executors.build_rows)
        self._phase(chain, wants, extra={"boilerplate": {d: boiler.get(d, "") for d in accepted}},
                    affinity=lang_of)
        del boiler
        final = chain[-1]
        if s.embed:
            ids = self._model_ids()
            want_embed = {d: Want(w.shard, stable_hash(w.skip_key, self._fp(BY_NAME["embed"]), ids), w.src)
                          for d, w in self._ok(final, wants[final]).items()}
            self._phase(["embed"], {"embed": want_embed})
            final = "embed"
            wants["embed"] = want_embed
        # (without embedding, the vectors stay in their shards for the next run that embeds)
        done = self._ok(final, wants[final])
        # a document a stage failed on leaves the store, with the reason
        for name in ["langid", *chain] + (["embed"] if s.embed else []):
            entries = self.shards.entries(name)
            for d, e in entries.items():
                if e.status == "failed" and d in owner and (name == "langid" or d in wants.get(name, {})):
                    rejected.append({"doc_id": d, "source_path": owner[d][1], "stage": name, "reason": e.info})
        for src, e in self.shards.entries("ingest").items():
            if e.status == "failed" and src in units:
                rejected.append({"doc_id": stable_hash(units[src].rel), "source_path": units[src].rel,
                                 "stage": "ingest", "reason": e.info})
        if hasattr(self.executor, "release"):
            self.executor.release()   # no more chunks: the workers exit while the store loads
        hub_key = self._hubness(done, lang_of) if s.embed else None
        cluster_key = self._clusters(done, hub_key) if s.embed else None

        del want_ingest, want_lang, reader, lang_entries, current   # (what the load does not need, let go first)
        return self._load(done, owner, lang_of, units, rejected, hub_key, cluster_key)

    def _to_delta(self, chain: list[str], wants: dict[str, dict[str, Want]], units: dict[str, Unit]) -> set[str]:
        """Move the sources of the few documents the chain must recompute in the other shards (their corpus
        boilerplate changed, say) to the delta shard, their rows copied as they are; the sources moved.

        Their shards then keep the old rows, dead, instead of being rewritten for a few documents. The rows the
        chain computes again are not copied (their entries are dropped: the chain computes them into the delta
        shard as new), only those it keeps."""
        redo = set()
        again: set[str] = set()                 # documents the chain computes again, from its first such stage on
        recomputed: dict[str, set[str]] = {}    # per chain stage, those documents
        for name in chain:
            entries = self.shards.entries(name)
            for d, w in wants[name].items():
                e = entries.get(d)
                if w.shard != DELTA and (e is None or e.skip_key != w.skip_key or e.shard != w.shard):
                    redo.add(w.src)
                if e is None or e.skip_key != w.skip_key:
                    again.add(d)
            recomputed[name] = set(again)
        if not redo or sum(units[src].weight for src in redo) > self._delta_room:
            return set()
        self._delta_room -= sum(units[src].weight for src in redo)
        tasks, entries_up = [], {}
        for st in PIPELINE:
            if st.name in CORPUS_STAGES:
                continue
            current = self.shards.entries(st.name)
            files = self.shards.files(st.name)
            moved = [(k, e) for k, e in current.items() if e.src in redo and e.shard != DELTA]
            if not moved:
                continue
            computed = recomputed.get(st.name, set())
            gone = sorted(k for k, _ in moved if k in computed)
            moved = [(k, e) for k, e in moved if k not in computed]
            copy: dict[int, list[str]] = {}
            for k, e in moved:
                if e.status == "ok" and e.shard in files:
                    copy.setdefault(e.shard, []).append(k)
            if copy:   # (nothing to copy, as when the chain computes every moved row again: the file stays)
                old = files.get(DELTA)
                tasks.append(MergeTask(st.name, DELTA, str(old) if old else None, [], [],
                                       str(self.shards.new_file(st.name, DELTA)),
                                       keep=[k for k, e in current.items() if e.shard == DELTA and e.status == "ok"],
                                       adds=[(str(files[sh]), keys) for sh, keys in sorted(copy.items())]))
            entries_up[st.name] = (_entry_table(moved, DELTA) if moved else None, gone)
        results = self.executor.merge(tasks) if tasks else []
        files_up: dict[str, dict[int, tuple[pathlib.Path, int] | None]] = {}
        for r in results:
            files_up.setdefault(r.stage, {})[r.shard] = (pathlib.Path(r.new), r.rows) if r.new else None
        for src in redo:
            units[src].shard = DELTA
        cols = _UNIT_SCHEMA.names
        table = pa.table({c: [getattr(units[src], c) for src in sorted(redo)] for c in cols}, schema=_UNIT_SCHEMA)
        pause_point("commit:to_delta")
        self.shards.commit(units=table, entries=entries_up, files=files_up)
        self.shards.sweep()
        return redo

    def _fold_delta(self) -> None:
        """Fold the delta shard back into the others once it is three quarters full: its sources fill the last
        shard (then new ones) as new sources would, their rows copied as they are, the shards they go to
        rewritten without their dead rows, all switched in one manifest transaction."""
        known = self.shards.units()
        moving = sorted((r for r in known if r["shard"] == DELTA), key=lambda r: (r["rel"], r["chunk"]))
        if sum(r["weight"] for r in moving) * 4 <= self._delta_limit() * 3:
            return
        fill: dict[int, list[int]] = {}
        for r in known:
            if r["shard"] != DELTA:
                w = fill.setdefault(r["shard"], [0, 0])
                w[0] += r["weight"]
                w[1] += r["byte_end"] - r["byte_start"]
        shard = max([*fill, 0])
        used = fill.setdefault(shard, [0, 0])
        home: dict[str, int] = {}
        for r in moving:
            size = r["byte_end"] - r["byte_start"]
            if used[0] and (used[0] + r["weight"] > self.settings.shard_docs
                            or used[1] + size > self.settings.shard_bytes):
                shard += 1
                used = fill.setdefault(shard, [0, 0])
            home[r["src"]] = shard
            used[0] += r["weight"]
            used[1] += size
        tasks, entries = [], {}
        written_rows = {(st, sh): n for st, sh, _, n in self.shards.file_rows()}
        for st in PIPELINE:
            if st.name in CORPUS_STAGES:
                continue
            files = self.shards.files(st.name)
            current = self.shards.entries(st.name)
            live: dict[int, list[str]] = {}
            adds: dict[int, list[str]] = {}
            moved = []
            for k, e in current.items():
                if e.shard == DELTA and e.src in home:
                    moved.append((k, e))
                    if e.status == "ok":
                        adds.setdefault(home[e.src], []).append(k)
                elif e.status == "ok":
                    live.setdefault(e.shard, []).append(k)
            delta_file = files.get(DELTA)
            for sh in files:
                # and the shards an eighth dead or more (the sources that moved to the delta shard left them)
                written = written_rows.get((st.name, sh), 0)
                if sh != DELTA and sh not in adds and (written - len(live.get(sh, ()))) * DEAD_FRACTION > written:
                    adds[sh] = []
            for target, keys in sorted(adds.items()):
                old = files.get(target)
                tasks.append(MergeTask(st.name, target, str(old) if old else None, [], [],
                                       str(self.shards.new_file(st.name, target)), keep=live.get(target, []),
                                       adds=[(str(delta_file), keys)] if delta_file and keys else []))
            if moved:
                entries[st.name] = (_entry_table(moved, [home[e.src] for _, e in moved]), [])
        results = self.executor.merge(tasks) if tasks else []
        files: dict[str, dict[int, tuple[pathlib.Path, int] | None]] = {}
        for r in results:
            files.setdefault(r.stage, {})[r.shard] = (pathlib.Path(r.new), r.rows) if r.new else None
        for st in PIPELINE:
            if st.name not in CORPUS_STAGES and self.shards.files(st.name).get(DELTA) is not None:
                files.setdefault(st.name, {})[DELTA] = None
        cols = _UNIT_SCHEMA.names
        table = pa.table({c: [home[r["src"]] if c == "shard" else r[c] for r in moving] for c in cols},
                         schema=_UNIT_SCHEMA)
        pause_point("commit:fold")
        self.shards.commit(units=table, entries=entries, files=files)
        self.shards.sweep()

    def _enough(self, sources: int) -> bool:
        """Whether ``sources`` new sources keep a pool busy (not a small edit, which this process runs alone)."""
        return self.settings.worker_count > 1 and sources >= 2 * self.settings.worker_count * self.settings.chunk_docs

    def _to_ingest(self, want: dict[str, Want]) -> int:
        """How many sources ingest will compute: new or changed ones (or all: its code or settings changed),
        by the rule of :meth:`_phase`."""
        known = self.shards.entries("ingest")
        return sum(1 for src, w in want.items()
                   if (e := known.get(src)) is None or e.skip_key != w.skip_key or e.shard != w.shard)

    def _prefetch_fingerprints(self) -> None:
        """Compute every stage's fingerprints ahead of need (a thread: the parent is idle during a phase)."""
        try:
            for st in PIPELINE:
                for lang in (SUPPORTED if st.language == "document" else (None,)):
                    self._fp(st, lang)
        except Exception:   # computed again, and any error raised, where it is needed
            pass

    # -- sources ---------------------------------------------------------------
    def _units(self, found: list[Found]) -> tuple[dict[str, Unit], list[dict]]:
        """The ingest units of the files found: hashed only when their stat changed; shards assigned."""
        known = self.shards.units()
        by_rel: dict[str, list[dict]] = {}
        for row in known:
            by_rel.setdefault(row["rel"], []).append(row)
        fill: dict[int, list[int]] = {}   # shard -> [weight, bytes] of the units it keeps
        units: dict[str, Unit] = {}
        rejected: list[dict] = []
        fresh: list[Unit] = []
        changed: list[Unit] = []   # known sources whose text changed
        in_delta = 0               # sources' weight in the delta shard
        first_with_hash: dict[str, str] = {}
        for f in found:
            rows = by_rel.get(f.rel, [])
            if rows and all(r["stat"] == f.stat for r in rows):
                file_units = [Unit(r["src"], r["rel"], r["chunk"], r["first_line"], r["byte_start"], r["byte_end"],
                                   r["sha256"], r["stat"], r["weight"], r["shard"]) for r in rows]
            else:
                try:
                    file_units = self._hash_file(f)
                except OSError as exc:
                    rejected.append(_reject(f.rel, f"unreadable file: {exc.strerror or exc}"))
                    continue
                old = {r["src"]: r for r in rows}
                for u in file_units:
                    u.shard = old[u.src]["shard"] if u.src in old else -1
                    if u.src in old and old[u.src]["sha256"] != u.sha256 and u.shard != DELTA:
                        changed.append(u)
            if len(file_units) == 1 and file_units[0].chunk == 0 and not f.rel.lower().endswith(".jsonl"):
                digest = file_units[0].sha256
                if digest in first_with_hash:
                    rejected.append({"doc_id": digest[:16], "source_path": f.rel, "stage": "discover",
                                     "reason": f"exact duplicate of {first_with_hash[digest]}"})
                    continue
                first_with_hash[digest] = f.rel
            for u in file_units:
                u.path = os.fsencode(f.path)
                units[u.src] = u
                if u.shard == DELTA:
                    in_delta += u.weight
                elif u.shard >= 0:
                    w = fill.setdefault(u.shard, [0, 0])
                    w[0] += u.weight
                    w[1] += u.byte_end - u.byte_start
                else:
                    fresh.append(u)
        # a small change goes to the delta shard: its shards are not rewritten for it
        moving = fresh + changed
        self._delta_room = self._delta_limit() - in_delta
        self._delta_ok = self._delta_run(known)
        if moving and self._delta_ok and sum(u.weight for u in moving) <= self._delta_room:
            for u in moving:
                u.shard = DELTA
            self._delta_room -= sum(u.weight for u in moving)
            return units, rejected
        # new sources fill the last shard, then new ones: files grow with N / shard size
        shard = max([*fill, *(r["shard"] for r in known if r["shard"] != DELTA), 0])
        used = fill.setdefault(shard, [0, 0])
        for u in sorted(fresh, key=lambda u: (u.rel, u.chunk)):
            size = u.byte_end - u.byte_start
            if used[0] and (used[0] + u.weight > self.settings.shard_docs
                            or used[1] + size > self.settings.shard_bytes):
                shard += 1
                used = fill.setdefault(shard, [0, 0])
            u.shard = shard
            used[0] += u.weight
            used[1] += size
        return units, rejected

    def _delta_limit(self) -> int:
        """Sources (JSONL: lines) the delta shard may hold: an eighth of a shard."""
        return max(8, self.settings.shard_docs // 8)

    def _delta_run(self, known: list[dict]) -> bool:
        """Whether this run may write its changes to the delta shard: a store exists (a first build fills the
        shards) and nothing is embedded (the embed stage reuses the vectors a source had in its own shard)."""
        return bool(known) and not self.settings.embed

    def _hash_file(self, f: Found) -> list[Unit]:
        if f.rel.lower().endswith(".jsonl"):
            return [Unit(stable_hash(f.rel, "#", n), f.rel, n, first, start, end, sha, f.stat, lines, -1)
                    for n, (first, start, end, sha, lines) in enumerate(_jsonl_runs(f.path))]
        return [Unit(stable_hash(f.rel), f.rel, 0, 1, 0, f.size, _sha256(f.path), f.stat, 1, -1)]

    def _commit_units(self, units: dict[str, Unit]) -> None:
        cols = _UNIT_SCHEMA.names
        old = {r["src"]: r for r in self.shards.units()}
        changed = [u for u in units.values() if old.get(u.src) != {c: getattr(u, c) for c in cols}]
        if not changed:
            return   # (building a table costs a pandas import: not on a run with nothing to do)
        table = pa.table({c: [getattr(u, c) for u in changed] for c in cols}, schema=_UNIT_SCHEMA)
        self.shards.commit(units=table)

    def _drop_units(self, units: dict[str, Unit]) -> None:
        gone = [r["src"] for r in self.shards.units() if r["src"] not in units]
        if gone:
            self.shards.commit(drop_units=gone, drop_doc_srcs=gone)

    def _guard(self, corpus: pathlib.Path, found: list[Found], rejected: list[dict], accepted: list[str],
               units: dict[str, Unit], owner: dict[str, tuple[str, str, str]]) -> None:
        """Refuse to empty a store from a folder with no accepted article (a wrong folder?)."""
        if accepted or self.settings.allow_empty:
            return
        db = self.out / "knowledge.duckdb"
        held = _store_documents(db)
        if not held:
            return
        why = [f"{r['source_path']}: {r['reason']}" for r in (rejected + self._stage_rejections(units, owner))[:3]]
        detail = f"{len(found)} article files found" + (f"; {'; '.join(why)}" if why else "")
        raise CorpusError(f"no article in {corpus} was accepted ({detail}): refusing to empty the store "
                          f"{db}, which holds {held} documents (a wrong folder?); pass --allow-empty to empty it")

    # -- phases ----------------------------------------------------------------
    @staticmethod
    def _ok_entries(entries: dict[str, Entry]) -> dict[str, Entry]:
        return {k: e for k, e in entries.items() if e.status == "ok"}

    def _ok(self, name: str, wants: dict[str, Want]) -> dict[str, Want]:
        """The documents stage ``name`` holds current, successful rows for."""
        entries = self.shards.entries(name)
        return {k: w for k, w in wants.items()
                if (e := entries.get(k)) is not None and e.status == "ok" and e.skip_key == w.skip_key}

    def _phase(self, names: list[str], wants: dict[str, dict[str, Want]], drop: bool = True, compute: bool = True,
               extra: dict[str, dict[str, Any]] | None = None, reader: dict[str, Unit] | None = None,
               affinity: dict[str, str] | None = None) -> None:
        """Bring the stages ``names`` (a chain) to ``wants``: compute what changed, merge, commit.

        ``affinity``: each document's language, where the stages load per-language data: a chunk holds
        one language's documents (a pool keeps a worker to the languages it has loaded)."""
        key = BY_NAME[names[0]].key
        todo: dict[str, set[str]] = {}
        drops: dict[str, dict[int, set[str]]] = {}
        current: dict[str, dict[str, Entry]] = {}
        blocked: set[str] = set()   # an earlier stage failed on them: later ones have nothing to work on
        for name in names:
            want = {k: w for k, w in wants[name].items() if k not in blocked}
            wants = {**wants, name: want}
            entries = self.shards.entries(name)
            current[name] = entries
            t = set()
            if compute:
                for k, w in want.items():
                    e = entries.get(k)
                    if e is None or e.skip_key != w.skip_key or e.shard != w.shard:
                        t.add(k)
            todo[name] = t
            blocked |= {k for k, w in want.items() if k not in t and (e := entries.get(k)) is not None
                        and e.status == "failed"}
            st = self._stat(name)
            if compute:
                st.skipped += len(want) - len(t)
            dr: dict[int, set[str]] = {}
            for k, e in entries.items():
                w = want.get(k)
                if w is None and not drop:
                    continue
                if w is None or w.shard != e.shard or k in t:
                    dr.setdefault(e.shard, set()).add(k)
                    if w is None or w.shard != e.shard:
                        st.removed += 1
            drops[name] = dr
        # a row computed by one stage of the chain is computed by every later one
        rows: dict[str, Want] = {}
        for i, name in enumerate(names):
            for k in sorted(todo[name]):
                rows.setdefault(k, wants[name][k])
                for later in names[i + 1:]:
                    if k in wants[later]:
                        todo[later].add(k)
                        e = current[later].get(k)
                        if e is not None:
                            drops[later].setdefault(e.shard, set()).add(k)
        chunk_outs: dict[tuple[str, int], list[str]] = {}
        # a shard with no file and nothing to drop (a first build's) is written as its chunks arrive
        appenders: dict[tuple[str, int], ShardAppender | None] = {}
        if rows:
            work = self.shards.work_dir()
            ready = self._langid_ready if names == ["langid"] else []
            # the documents whose langid rows the ingest chunks made: merged as they are, not computed again
            made = self._take_langid_ready(rows, ready, work, chunk_outs) if ready else set()
            chunks = self._chunks(names, key, {k: w for k, w in rows.items() if k not in made}, todo, work,
                                  extra or {}, reader, affinity)
            stream = getattr(self.executor, "streams_merges", False)
            old_files = {name: self.shards.files(name) for name in names}

            def streamed(name: str, shard: int) -> bool:
                return (stream and (name, shard) not in chunk_outs and old_files[name].get(shard) is None
                        and not drops[name].get(shard))

            def appender(name: str, shard: int) -> ShardAppender | None:
                if (name, shard) not in appenders:
                    appenders[(name, shard)] = (ShardAppender(name, shard, str(self.shards.new_file(name, shard)))
                                                if streamed(name, shard) else None)
                return appenders[(name, shard)]

            for chunk in chunks:
                chunk.in_memory = all(streamed(name, chunk.shard) for name in names if any(chunk.run[name]))

            with self._bar(len(rows), names[0] if len(names) == 1 else f"{names[0]}..") as bar:
                bar.update(len(made))

                def keep(result: ChunkResult, chunk: Chunk) -> None:
                    for name in names:
                        if any(chunk.run[name]):
                            if (a := appender(name, chunk.shard)) is not None:
                                a.add(result.rows if result.rows is not None else result.out)
                            else:
                                chunk_outs.setdefault((name, chunk.shard), []).append(result.written())
                    if result.facts is not None:
                        self.shards.stage_facts(result.facts)

                def done(result: ChunkResult, chunk: Chunk) -> None:
                    for name, st in result.stats.items():
                        self._stat(name).add(st)
                    handoff.submit(keep, result, chunk)
                    if result.langid is not None:
                        self._langid_ready.append((result.langid, result.langid_stats))
                    bar.update(len(chunk))

                if chunks:
                    # a chunk's rows are written out (its shard files, the manifest's facts) by a thread of
                    # their own, in the order the chunks finish: beside the next chunk, which one worker runs
                    # in this process (~0.7 s of a 1,000-article run, the second core otherwise idle)
                    handoff = Handoff("chunk-rows")
                    try:
                        self.executor.run_chunks(chunks, done)
                        handoff.close()
                    except BaseException:
                        handoff.abort()
                        for a in appenders.values():
                            if a is not None:
                                a.abort()
                        raise
        streamed = {k: a for k, a in appenders.items() if a is not None}
        tasks = []
        entries: dict[str, tuple[pa.Table | None, list[str]]] = {}
        file_rows = {(st, sh): n for st, sh, _, n in self.shards.file_rows()}
        for name in names:
            files = self.shards.files(name)
            shards = set(drops[name]) | {sh for (n, sh) in chunk_outs if n == name}   # (not those streamed)
            live: dict[int, list[str]] = {}   # per shard, the keys of its file's live rows
            for k, e in current[name].items():
                if e.status == "ok":
                    live.setdefault(e.shard, []).append(k)
            for shard in sorted(shards):
                old = files.get(shard)
                gone = drops[name].get(shard, set())
                keep = [k for k in live.get(shard, ()) if k not in gone]
                if (name, shard) not in chunk_outs and old is not None and shard != DELTA:
                    # only rows to drop: they stay in the file, dead, until an eighth of it is
                    written = file_rows.get((name, shard), 0)
                    if (written - len(keep)) * DEAD_FRACTION <= written:
                        up, dels = entries.get(name, (None, []))
                        entries[name] = (up, dels + sorted(gone))
                        continue
                tasks.append(MergeTask(name, shard, str(old) if old else None, sorted(gone),
                                       chunk_outs.get((name, shard), []), str(self.shards.new_file(name, shard)),
                                       keep=keep))
        if not tasks and not entries and not streamed:
            return
        pending = list(streamed.values())   # (a failed merge or close leaves no half-written shard file)
        try:
            results = self.executor.merge(tasks) if tasks else []
            while pending:
                results.append(pending[0].close())
                pending.pop(0)
        except BaseException:
            for a in pending:
                try:
                    a.abort()
                except Exception:
                    pass
            raise
        files: dict[str, dict[int, tuple[pathlib.Path, int] | None]] = {}
        for r in results:
            want = wants[r.stage]
            ups = r.entries
            if ups.num_rows:
                keys = ups.column("key").to_pylist()
                ups = ups.append_column("skip_key", pa.array([want[k].skip_key for k in keys], pa.string()))
                ups = ups.append_column("shard", pa.array([r.shard] * len(keys), pa.int32()))
            up, dels = entries.get(r.stage, (None, []))
            entries[r.stage] = (pa.concat_tables([up, ups]) if up is not None and ups.num_rows else
                                (ups if ups.num_rows else up),
                                dels + [k for k in drops[r.stage].get(r.shard, ())])
            files.setdefault(r.stage, {})[r.shard] = (pathlib.Path(r.new), r.rows) if r.new else None
        staged = "ingest" in names and compute and bool(rows)
        pause_point(f"commit:{names[0]}")
        self.shards.commit(entries=entries, files=files, staged_docs=staged,
                           drop_doc_srcs=sorted(rows) if staged else ())
        self.shards.sweep()

    def _take_langid_ready(self, rows: dict[str, Want], ready: list[tuple[pa.Table, StageStats | None]],
                           work: pathlib.Path, chunk_outs: dict[tuple[str, int], list[str]]) -> set[str]:
        """The langid rows ingest's chunks made (``ChunkResult.langid``) of documents this phase must compute,
        under the source that owns each: written per shard as chunk files of the phase; their doc_ids."""
        tables = [t for t, _ in ready if t.num_rows]
        made = pa.concat_tables(tables).combine_chunks() if tables else None
        self._langid_ready = []
        if made is None:
            return set()
        keys, srcs = made.column("doc_id").to_pylist(), made.column("src").to_pylist()
        picked: dict[str, int] = {}
        for i, (k, src) in enumerate(zip(keys, srcs)):
            w = rows.get(k)
            if w is not None and w.src == src and k not in picked:
                picked[k] = i
        if not picked:
            return set()
        by_shard: dict[int, list[int]] = {}
        for k, i in picked.items():
            by_shard.setdefault(rows[k].shard, []).append(i)
        for shard, idx in sorted(by_shard.items()):
            part = made.take(pa.array(idx, pa.int64()))
            out = work / f"langid-{shard:05d}-after-ingest.parquet"
            pq.write_table(part, out, compression="zstd")
            chunk_outs.setdefault(("langid", shard), []).append(str(out))
        # the stats of what is used: documents, rows written, failures (seconds: the used share)
        st = self._stat("langid")
        used = made.take(pa.array(sorted(picked.values()), pa.int64()))
        status = used.column(status_column("langid")).to_pylist()
        errors = used.column(ERROR).to_pylist()
        st.processed += used.num_rows
        st.rows += sum(pc.sum(pc.list_value_length(used.column(t)).fill_null(0)).as_py() or 0
                       for t in BY_NAME["langid"].outputs)
        for state, error in zip(status, errors):
            if state == "failed":
                st.failed += 1
                reason = (error or "").removeprefix("langid: ")
                st.failures[reason] = st.failures.get(reason, 0) + 1
        seconds = sum(s.seconds for _, s in ready if s is not None)
        st.seconds += seconds * used.num_rows / max(1, made.num_rows)
        return set(picked)

    def _chunks(self, names: list[str], key: str, rows: dict[str, Want], todo: dict[str, set[str]],
                work: pathlib.Path, extra: dict[str, dict[str, Any]], reader: dict[str, Unit] | None,
                affinity: dict[str, str] | None = None) -> list[Chunk]:
        by_shard: dict[tuple[int, str | None], list[tuple[str, str]]] = {}
        size = max(1, self.settings.chunk_docs)
        # (a phase this process runs alone is cut into full chunks: fewer reads of the shard files)
        workers = 1 if small_phase(len(rows), self.settings) else self.settings.worker_count
        # with a pool, a chunk holds one language's documents (affinity), each language cut as if it
        # were a whole phase (its tail small): the workers end a phase in whichever language is left
        lang_of = affinity if affinity is not None and workers > 1 else {}
        remaining: dict[str | None, int] = {}
        for k, w in rows.items():
            lang = lang_of.get(k)
            by_shard.setdefault((w.shard, lang), []).append((w.src, k))
            remaining[lang] = remaining.get(lang, 0) + 1
        spread = len(remaining)
        chunks = []
        for (shard, lang), members in sorted(by_shard.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            members.sort()
            inputs = {}
            for stage in PIPELINE:
                f = self.shards.files(stage.name).get(shard)
                if f is not None:
                    inputs[stage.name] = str(f)
            i = 0
            while i < len(members):
                part = members[i:i + chunk_size(remaining[lang] * spread, size, workers)]
                remaining[lang] -= len(part)
                keys = [k for _, k in part]
                cols = {c: [values.get(k) for k in keys] for c, values in extra.items()}
                if reader is not None:
                    us = [reader[k] for k in keys]
                    cols.update({"_path": [u.path for u in us], "_rel": [u.rel for u in us],
                                 "_start": [u.byte_start for u in us], "_end": [u.byte_end for u in us],
                                 "_first_line": [u.first_line for u in us], "_sha256": [u.sha256 for u in us]})
                chunks.append(Chunk(tuple(names), shard, key, keys, [s for s, _ in part],
                                    {n: [k in todo[n] for k in keys] for n in names}, cols, inputs,
                                    str(work / f"{names[0]}-{shard:05d}-{lang or ''}{i:07d}.parquet"), lang,
                                    langid_after=names == ["ingest"]))
                i += len(part)
        return chunks

    # -- boilerplate -------------------------------------------------------------
    def _boilerplate(self, accepted: list[str]) -> dict[str, str]:
        """Per accepted document, its lines' keys that occur in ``boilerplate_min_docs`` documents or more
        (sorted, joined by spaces).

        The manifest keeps the counts per line (under the code that made the line keys): a run counts
        only the documents that came and went since the last one (:meth:`ShardStore.boilerplate`).
        """
        common = self.shards.boilerplate(self._fp(BY_NAME["ingest"]), accepted,
                                         self.settings.denoise.boilerplate_min_docs)
        self.shards.shrink_cache()   # (the lines it read are no use to the phases that follow)
        return common

    # -- embedding and hubness -------------------------------------------------
    def _model_ids(self) -> str:
        from pipeline.embedder import USEEmbedder, make_embedder

        ids = [make_embedder(self.settings.model, backend=self.settings.backend, fallback=False).model_id]
        if self.settings.aux_model:
            ids.append(USEEmbedder().model_id)
        return ",".join(ids)

    def _hubness(self, done: dict[str, Want], lang_of: dict[str, str]) -> str:
        """Recompute the corpus stage when any embedded document changed; its key."""
        st = BY_NAME["hubness"]
        embed_entries = self.shards.entries("embed")
        key = stable_hash(self._fp(st), *sorted(f"{d}:{embed_entries[d].skip_key}" for d in done if d in embed_entries))
        stat = self._stat("hubness")
        if self._corpus_stage_current("hubness", key):
            stat.skipped = len(done)
            return key
        t0 = time.perf_counter()
        files = self.shards.files("embed")
        previous_file = self.shards.files("hubness").get(0)
        new = self.shards.new_file("hubness", 0)
        from pipeline.shards import ShardWriter

        languages = pa.table({"doc_id": pa.array(list(lang_of), pa.string()),
                              "lang": pa.array(list(lang_of.values()), pa.string())})
        writer = ShardWriter(new, hubness.NEIGHBOURS)
        with self._bar(len(done), "hubness") as bar:
            for table in ("embeddings", "embeddings_aux"):
                # every row's neighbours among all references, no sample: the stage holds one model's
                # vectors at a time; the last run's neighbour lists let it recompute only what changed
                parts = [_flatten_column(_live(b, "doc_id", embed_entries, shard).column(table))
                         for shard, f in files.items() for b in iter_batches(f, ["src", "doc_id", table])]
                parts = [p for p in parts if p.num_rows]
                if not parts:
                    continue
                rows = pa.concat_tables(parts)
                model_id = rows.column("model_id")[0].as_py()
                previous = _previous_neighbours(previous_file, model_id)
                writer.write(hubness.run(rows, languages, self.settings.hubness, previous)["neighbours"])
            bar.update(len(done))
        self._commit_corpus_stage("hubness", key, new, writer.close(), stat, len(done), t0)
        return key

    def _corpus_stage_current(self, name: str, key: str) -> bool:
        """Whether a corpus-level stage's published file is the one of ``key`` (nothing to recompute)."""
        current = self.shards.entries(name).get("corpus")
        return current is not None and current.skip_key == key and bool(self.shards.files(name).get(0))

    def _commit_corpus_stage(self, name: str, key: str, file, rows: int, stat, documents: int, t0: float) -> None:
        """Publish a corpus-level stage's one file under its key (the manifest's 'corpus' entry)."""
        entry = pa.table({"key": ["corpus"], "src": [""], "status": ["ok"], "info": [None], "rows": [rows],
                          "skip_key": [key], "shard": [0]}, schema=_CORPUS_ENTRY)
        self.shards.commit(entries={name: (entry, [])}, files={name: {0: (file, rows)}})
        self.shards.sweep()
        stat.processed = documents
        stat.rows = rows
        stat.seconds += time.perf_counter() - t0

    def _clusters(self, done: dict[str, Want], hub_key: str) -> str:
        """The cluster stage (corpus-level, after hubness), recomputed only when its key changed; its key.

        The key covers what the stage reads: the hubness key (every embedded document's embed key, so
        its items and vectors, and the hubness code) and the cluster stage's own code and settings.
        Clusters never cross kinds, so the stage runs a kind at a time: memory holds one kind's items
        and item vectors, never the passages or the other kinds.
        """
        st = BY_NAME["cluster"]
        key = stable_hash(self._fp(st), hub_key)
        stat = self._stat("cluster")
        if self._corpus_stage_current("cluster", key):
            stat.skipped = len(done)
            return key
        t0 = time.perf_counter()
        from pipeline.shards import ShardWriter

        settings = self.settings.cluster
        docs = pa.array(sorted(done), pa.string())
        items = _read_nested(self.shards.files("extract"), "items", docs, cluster.ITEM_COLUMNS,
                             self.shards.entries("extract"))
        new = self.shards.new_file("cluster", 0)
        writer = ShardWriter(new, cluster.CLUSTERS)
        try:
            with self._bar(len(settings.kinds), "cluster") as bar:
                for kind in settings.kinds:
                    of_kind = items.filter(pc.equal(items.column("kind"), kind))
                    if of_kind.num_rows > 1:
                        ids = of_kind.column("item_id")
                        vectors = [_item_vectors(self.shards.files("embed"), table, ids, self.shards.entries("embed"))
                                   for table in ("embeddings", "embeddings_aux")]
                        hub = _hubness_rows(self.shards.files("hubness").get(0), ids)
                        writer.write(st.call([of_kind, *vectors, hub], settings)["clusters"])
                    bar.update(1)
        except BaseException:
            writer.abort()
            raise
        self._commit_corpus_stage("cluster", key, new, writer.close(), stat, len(done), t0)
        return key

    # -- the store ---------------------------------------------------------------
    def _load(self, done: dict[str, Want], owner: dict[str, tuple[str, str, str]], lang_of: dict[str, str],
              units: dict[str, Unit], rejected: list[dict], hub_key: str | None,
              cluster_key: str | None = None) -> RunResult:
        from pipeline import store

        rejected = rejected + self._stage_rejections(units, owner)
        docs = {d: store.LoadDoc(d, w.src, w.shard, owner[d][1],
                                 stable_hash(w.skip_key, owner[d][1], w.src, self._fp(BY_NAME["ingest"])))
                for d, w in done.items()}
        files = {st.name: {sh: str(p) for sh, p in self.shards.files(st.name).items()} for st in PIPELINE}
        plan = store.LoadPlan(docs=docs, files=files, rejected=rejected, hubness_key=hub_key,
                              embed=self.settings.embed, clusters_key=cluster_key)
        t0 = time.perf_counter()
        stats = [self.stats[n] for n in [s.name for s in PIPELINE] if n in self.stats]
        self.shards.release_memory()   # (the manifest's cache is no use to the load, here or in its own process)
        load = store.update(self.out / "knowledge.duckdb", plan, stats, progress=self.progress)
        load_stat = StageStats("load", processed=load.inserted if load else 0, skipped=len(docs) - (load.inserted if load else 0),
                               removed=load.deleted if load else 0, seconds=time.perf_counter() - t0)
        return RunResult(self.out / "knowledge.duckdb", len(done), len(rejected), stats + [load_stat], 0.0, load)

    def _stage_rejections(self, units: dict[str, Unit], owner: dict[str, tuple[str, str, str]]) -> list[dict]:
        """The rejected rows ingest and langid wrote (files that are no article, foreign languages)."""
        out = []
        for name in ("ingest", "langid"):
            entries = self.shards.entries(name)
            for shard, path in self.shards.files(name).items():
                # (ParquetFile, not read_table: that imports pandas, a second of a run with nothing to do)
                t = pq.ParquetFile(path).read(columns=[BY_NAME[name].key, "rejected"] if name != "ingest"
                                              else ["src", "rejected"])
                keys = t.column(BY_NAME[name].key).to_pylist()
                for k, rows in zip(keys, t.column("rejected").to_pylist()):
                    if not rows:
                        continue
                    if name == "ingest" and k not in units:
                        continue
                    if name == "langid" and (k not in owner or entries.get(k) is None):
                        continue
                    if (e := entries.get(k)) is not None and e.shard != shard:
                        continue   # a dead row: the live one is in another shard's file
                    out.extend(rows)
        return out


def _previous_neighbours(path, model_id: str) -> pa.Table | None:
    """The last hubness run's neighbour lists of one model (None: none, or unreadable: recompute all)."""
    if path is None:
        return None
    try:
        t = pq.ParquetFile(path).read()
    except (OSError, pa.ArrowException):
        return None
    if set(hubness.NEIGHBOURS.names) - set(t.column_names):
        return None      # an older stage file without neighbour lists
    return t.filter(pc.equal(t.column("model_id"), model_id)).select(hubness.NEIGHBOURS.names)


_UNIT_SCHEMA = pa.schema([("src", pa.string()), ("rel", pa.string()), ("chunk", pa.int32()),
                          ("first_line", pa.int32()), ("byte_start", pa.int64()), ("byte_end", pa.int64()),
                          ("sha256", pa.string()), ("stat", pa.string()), ("weight", pa.int32()), ("shard", pa.int32())])


def _entry_table(entries: list[tuple[str, Entry]], shard: int | list[int]) -> pa.Table:
    """Manifest entries, as they are but for their shard, for :meth:`ShardStore.commit`."""
    shards = shard if isinstance(shard, list) else [shard] * len(entries)
    return pa.table({"key": [k for k, _ in entries], "src": [e.src for _, e in entries],
                     "shard": pa.array(shards, pa.int32()), "skip_key": [e.skip_key for _, e in entries],
                     "status": [e.status for _, e in entries], "info": pa.array([e.info for _, e in entries], pa.string()),
                     "rows": pa.array([e.rows for _, e in entries], pa.int64())})


_CORPUS_ENTRY = pa.schema([("key", pa.string()), ("src", pa.string()), ("status", pa.string()), ("info", pa.string()),
                           ("rows", pa.int64()), ("skip_key", pa.string()), ("shard", pa.int32())])


def _live(batch: pa.Table, key: str, entries: dict[str, Entry], shard: int) -> pa.Table:
    """The rows of ``batch`` (of ``shard``'s file) that are live: their entry names this shard (the others are
    dead, superseded by a row in the delta shard or dropped, see ``shards.DELTA``)."""
    keep = [(e := entries.get(k)) is not None and e.shard == shard for k in batch.column(key).to_pylist()]
    return batch if all(keep) else batch.filter(pa.array(keep, pa.bool_()))


def _read_nested(files: dict[int, pathlib.Path], table: str, docs: pa.Array, columns: list[str],
                 entries: dict[str, Entry]) -> pa.Table:
    """The live rows of a per-document stage output of the documents ``docs``, a row group at a time."""
    parts = []
    for shard, f in files.items():
        for b in iter_batches(f, ["doc_id", table]):
            b = _live(b, "doc_id", entries, shard)
            flat = _flatten_column(b.filter(pc.is_in(b.column("doc_id"), value_set=docs)).column(table))
            if flat.num_rows:
                parts.append(flat.select(columns))
    return pa.concat_tables(parts) if parts else producer(table).outputs[table].empty_table().select(columns)


def _item_vectors(files: dict[int, pathlib.Path], table: str, ids: pa.ChunkedArray | pa.Array,
                  entries: dict[str, Entry]) -> pa.Table:
    """The item rows of one model's embeddings for the items ``ids`` (passages left out), a row group at a time
    (live rows only)."""
    wanted = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    columns = list(cluster.VECTOR_COLUMNS)
    parts = []
    for shard, f in files.items():
        for b in iter_batches(f, ["doc_id", table]):
            flat = _flatten_column(_live(b, "doc_id", entries, shard).column(table))
            if flat.num_rows:
                flat = flat.filter(pc.is_in(flat.column("key_id"), value_set=wanted))
                if flat.num_rows:
                    parts.append(flat.select(columns))
    if not parts:
        return pa.schema([f for f in embed.EMBEDDINGS if f.name in columns]).empty_table().select(columns)
    return pa.concat_tables(parts)


def _hubness_rows(path: pathlib.Path | None, ids: pa.ChunkedArray | pa.Array) -> pa.Table:
    """The hubness of the items ``ids`` under every model."""
    columns = ["key_id", "model_id", "hubness"]
    wanted = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    parts = [b.filter(pc.is_in(b.column("key_id"), value_set=wanted)) for b in iter_batches(path, columns)] \
        if path is not None else []
    return pa.concat_tables(parts) if parts else hubness.HUBNESS.empty_table()


def _flatten_column(column) -> pa.Table:
    from pipeline.protocol import flatten

    return flatten(column)


def _store_documents(db: pathlib.Path) -> int:
    """How many documents the store at ``db`` holds (0 if there is none or it cannot be read)."""
    if not db.exists():
        return 0
    import duckdb

    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return int(con.execute("SELECT count(*) FROM doc_source").fetchone()[0])
    except duckdb.Error:
        return 0


def run(corpus: str | os.PathLike = "corpus", out: str | os.PathLike = "outputs",
        settings: RunSettings = RunSettings(), progress: bool = True) -> RunResult:
    """Run every stage on ``corpus`` and bring ``<out>/knowledge.duckdb`` up to date."""
    return Runner(pathlib.Path(out), settings, progress).run(pathlib.Path(corpus))
