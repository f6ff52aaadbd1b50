"""The runner: corpus files -> stage Parquet parts -> the DuckDB store.

Each stage is a plain function over Arrow tables (``pipeline/stages/*.run``); the
runner owns everything around it: which documents need work, batching, progress
bars, Parquet parts and timings.

Incremental by construction. Every (stage, document) has a skip key: the hash
of the document's content, the stage's version and settings, and the upstream
key (so a change anywhere reprocesses only what depends on it). Outputs live in
one Parquet part per document: ``outputs/stages/<stage>/<table>/<doc_id>.parquet``,
next to ``_state.json`` (doc_id -> key). A deleted article's parts are removed.
"""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import os
import pathlib
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import schema
from pipeline.stages import cluster, denoise, extract, hubness, ingest, langid, normalise, segment
from pipeline.textmap import stable_hash

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
STAGE_NAMES = ("ingest", "langid", "denoise", "normalise", "segment", "extract", "embed", "hubness", "cluster")
CORPUS_STAGES = ("hubness", "cluster")   # read the whole corpus: any change recomputes them


@dataclass(frozen=True)
class RunSettings:
    """Settings of every stage; each one's hash is part of that stage's skip key."""
    ingest: ingest.Settings = field(default_factory=ingest.Settings)
    langid: langid.Settings = field(default_factory=langid.Settings)
    denoise: denoise.Settings = field(default_factory=denoise.Settings)
    normalise: normalise.Settings = field(default_factory=normalise.Settings)
    segment: segment.Settings = field(default_factory=segment.Settings)
    extract: extract.Settings = field(default_factory=extract.Settings)
    hubness: hubness.Settings = field(default_factory=hubness.Settings)
    cluster: cluster.Settings = field(default_factory=cluster.Settings)
    model: str | None = None          # embedding model: None = the bundled multilingual-e5-small
    embed: bool = True
    allow_empty: bool = False         # an empty corpus may empty an existing store
    aux_model: bool = True            # also embed items with the multilingual USE, fused in search
    batch_docs: int = 16


@dataclass
class StageStats:
    stage: str
    processed: int = 0
    skipped: int = 0
    removed: int = 0
    rows: int = 0
    seconds: float = 0.0


@dataclass
class RunResult:
    store: pathlib.Path
    documents: int
    rejected: int
    stages: list[StageStats]
    seconds: float

    @property
    def processed(self) -> int:
        """Documents that any stage after ingest had to (re)process."""
        return max((s.processed for s in self.stages if s.stage not in ("ingest", "load", *CORPUS_STAGES)),
                   default=0)


class CorpusError(Exception):
    pass


def _settings_hash(settings: object) -> str:
    return stable_hash(json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str))


class StageStore:
    """Per-document Parquet parts and skip keys of one stage."""

    def __init__(self, root: pathlib.Path, stage: str, tables: dict[str, pa.Schema]):
        self.dir = root / "stages" / stage
        self.tables = tables
        self.state_path = self.dir / "_state.json"
        self.state: dict[str, str] = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def part(self, table: str, key: str) -> pathlib.Path:
        return self.dir / table / f"{key}.parquet"

    def write(self, doc_key: str, skip_key: str, outputs: dict[str, pa.Table]) -> None:
        for name, sch in self.tables.items():
            path = self.part(name, doc_key)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            pq.write_table(outputs[name].cast(sch), tmp)
            os.replace(tmp, path)  # a part is complete or absent
        self.state[doc_key] = skip_key

    def drop(self, doc_key: str) -> None:
        for name in self.tables:
            self.part(name, doc_key).unlink(missing_ok=True)
        self.state.pop(doc_key, None)

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=0, sort_keys=True))
        os.replace(tmp, self.state_path)

    def read(self, table: str, keys: Iterable[str], columns: list[str] | None = None) -> pa.Table:
        paths = [str(self.part(table, k)) for k in keys if self.part(table, k).exists()]
        if not paths:
            sch = self.tables[table]
            return sch.empty_table().select(columns) if columns else sch.empty_table()
        return pa.concat_tables([pq.read_table(p, columns=columns) for p in paths])

    def paths(self, table: str, keys: Iterable[str]) -> list[str]:
        return [str(self.part(table, k)) for k in keys if self.part(table, k).exists()]


def _split(table: pa.Table, key_column: str, keys: list[str]) -> dict[str, pa.Table]:
    col = table.column(key_column)
    return {k: table.filter(pc.equal(col, k)) for k in keys}


def discover(corpus: pathlib.Path) -> tuple[list[pathlib.Path], list[dict]]:
    """Article files under ``corpus`` (nested folders too) and rejections for other files."""
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus}")
    files, rejected = [], []
    for p in sorted(corpus.rglob("*")):
        rel = p.relative_to(corpus)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if p.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(p)
        elif p.name.upper() not in ("README", "README.MD", "SOURCES.MD"):
            rejected.append({"doc_id": stable_hash(rel.as_posix()), "source_path": rel.as_posix(), "stage": "discover",
                             "reason": f"unsupported file type {p.suffix or '(none)'!r}; "
                                       f"supported: {', '.join(SUPPORTED_SUFFIXES)}"})
    return files, rejected


class Runner:
    def __init__(self, out: pathlib.Path, settings: RunSettings = RunSettings(), progress: bool = True,
                 log: Callable[[str], None] = lambda s: None):
        self.out = out
        self.settings = settings
        self.progress = progress
        self.log = log
        self.stats: list[StageStats] = []

    # -- helpers ---------------------------------------------------------
    def _bar(self, total: int, desc: str):
        from tqdm import tqdm

        return tqdm(total=total, desc=f"{desc:<9}", unit="doc", disable=not self.progress or total == 0,
                    leave=True, dynamic_ncols=True)

    def _stage(self, name: str, tables: dict[str, pa.Schema], wanted: dict[str, str],
               compute: Callable[[list[str]], dict[str, pa.Table]], key_column: str = "doc_id") -> StageStore:
        """Run ``compute`` on the documents whose skip key changed; drop the ones gone."""
        store = StageStore(self.out, name, tables)
        stats = StageStats(name)
        t0 = time.perf_counter()
        for gone in [k for k in store.state if k not in wanted]:
            store.drop(gone)
            stats.removed += 1
        todo = [k for k, key in wanted.items()
                if store.state.get(k) != key or any(not store.part(t, k).exists() for t in tables)]
        stats.skipped = len(wanted) - len(todo)
        with self._bar(len(todo), name) as bar:
            for i in range(0, len(todo), self.settings.batch_docs):
                batch = todo[i:i + self.settings.batch_docs]
                outputs = compute(batch)
                split = {t: _split(outputs[t], key_column, batch) for t in tables}
                for k in batch:
                    store.write(k, wanted[k], {t: split[t][k] for t in tables})
                    stats.rows += sum(split[t][k].num_rows for t in tables)
                bar.update(len(batch))
                store.save()
        store.save()
        stats.processed = len(todo)
        stats.seconds = time.perf_counter() - t0
        self.stats.append(stats)
        return store

    def _corpus_stage(self, name: str, tables: dict[str, pa.Schema], key: str, documents: int,
                      compute: Callable[[], dict[str, pa.Table]]) -> StageStore:
        """Run ``compute`` over the whole corpus when ``key`` changed; one part, named ``corpus``."""
        store = StageStore(self.out, name, tables)
        stats = StageStats(name)
        t0 = time.perf_counter()
        if store.state.get("corpus") != key or any(not store.part(t, "corpus").exists() for t in tables):
            outputs = compute()
            store.write("corpus", key, outputs)
            store.save()
            stats.processed = documents
            stats.rows = sum(t.num_rows for t in outputs.values())
        else:
            stats.skipped = documents
        stats.seconds = time.perf_counter() - t0
        self.stats.append(stats)
        return store

    def _clusters(self, parts: dict[str, list[str]], embedded: dict[str, list[str]], hub_key: str,
                  documents: int) -> list[str]:
        """The cluster stage (corpus-level, after hubness): recomputed when items, vectors or hubness change."""
        s = self.settings
        key = stable_hash(cluster.VERSION, _settings_hash(s.cluster), hub_key)

        def compute() -> dict[str, pa.Table]:
            items = pa.concat_tables([pq.read_table(p) for p in parts["items"]]) if parts["items"] \
                else schema.ITEMS.empty_table()
            columns = ["key_id", "key_kind", "model_id", "search_vector"]
            vectors = [pa.concat_tables([pq.read_table(p, columns=columns) for p in embedded[t]])
                       for t in embedded if embedded[t]]
            return cluster.run(vectors, pq.read_table(parts["hubness"][0]), items, s.cluster)

        done = self._corpus_stage("cluster", {"clusters": cluster.CLUSTERS}, key, documents, compute)
        return done.paths("clusters", ["corpus"])

    # -- the run ---------------------------------------------------------
    def run(self, corpus: pathlib.Path) -> RunResult:
        t_start = time.perf_counter()
        s = self.settings
        files, rejected = discover(corpus)
        previous = StageStore(self.out, "ingest", {}).state
        if not files and previous and not s.allow_empty:
            raise CorpusError(f"no articles found in {corpus}, but {self.out} holds {len(previous)} processed "
                              f"files: refusing to empty the store (a wrong folder?); pass --allow-empty to do it")
        sources: dict[str, tuple[pathlib.Path, str, str]] = {}   # key -> (path, relative path, sha256)
        first_with_hash: dict[str, str] = {}
        for p in files:
            rel = p.relative_to(corpus).as_posix()
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            if digest in first_with_hash:
                rejected.append({"doc_id": digest[:16], "source_path": rel, "stage": "discover",
                                 "reason": f"exact duplicate of {first_with_hash[digest]}"})
                continue
            first_with_hash[digest] = rel
            sources[stable_hash(rel)] = (p, rel, digest)

        # ingest: keyed by source file
        ingest_key = {k: stable_hash(d, rel, ingest.VERSION, _settings_hash(s.ingest))
                      for k, (_, rel, d) in sources.items()}

        def do_ingest(keys: list[str]) -> dict[str, pa.Table]:
            rows = [{"source_path": sources[k][1], "data": sources[k][0].read_bytes(),
                     "content_hash": sources[k][2]} for k in keys]
            out = ingest.run(schema.table(rows, schema.SOURCES), s.ingest)
            src_of = {sources[k][1]: k for k in keys}
            for t in out:
                paths = out[t].column("source_path").to_pylist()
                out[t] = out[t].append_column("_src", pa.array([src_of[p.split("#L")[0]] for p in paths]))
            return out

        ing = self._stage("ingest", {"documents": schema.DOCUMENTS.append(pa.field("_src", pa.string())),
                                     "rejected": schema.REJECTED.append(pa.field("_src", pa.string()))},
                          ingest_key, do_ingest, key_column="_src")
        rejected += ing.read("rejected", sources).drop_columns(["_src"]).to_pylist()
        spine = ing.read("documents", sources, ["doc_id", "source_path", "line_keys", "_src"]).to_pylist()

        # documents are keyed by doc_id (hash of text); the same text twice is one document
        doc_src: dict[str, str] = {}
        line_keys: dict[str, list[str]] = {}
        for d in sorted(spine, key=lambda r: r["source_path"]):
            if d["doc_id"] in doc_src:
                first = next(r["source_path"] for r in spine if r["doc_id"] == d["doc_id"]
                             and r["_src"] == doc_src[d["doc_id"]])
                rejected.append({"doc_id": d["doc_id"], "source_path": d["source_path"], "stage": "ingest",
                                 "reason": f"same text as {first}"})
                continue
            doc_src[d["doc_id"]] = d["_src"]
            line_keys[d["doc_id"]] = d["line_keys"]

        def documents(doc_ids: list[str], columns: list[str] | None = None) -> pa.Table:
            srcs = sorted({doc_src[d] for d in doc_ids})
            t = ing.read("documents", srcs, columns)
            return t.filter(pc.is_in(t.column("doc_id"), value_set=pa.array(doc_ids, pa.string())))

        # langid
        lang_key = {d: stable_hash(d, langid.VERSION, _settings_hash(s.langid)) for d in doc_src}
        lid = self._stage("langid", {"languages": schema.LANGUAGES, "rejected": schema.REJECTED}, lang_key,
                          lambda ids: langid.run(documents(ids, ["doc_id", "source_path", "raw_text", "meta_spans"]),
                                                 s.langid))
        rejected += lid.read("rejected", doc_src).to_pylist()
        languages = lid.read("languages", doc_src)
        lang_of = dict(zip(languages.column("doc_id").to_pylist(), languages.column("lang").to_pylist()))
        accepted = sorted(lang_of)

        # corpus-level boilerplate: a normalised line in several documents
        counts = collections.Counter(k for d in accepted for k in set(line_keys[d]))
        boiler = frozenset(k for k, c in counts.items() if c >= s.denoise.boilerplate_min_docs)

        def langs(ids: list[str]) -> pa.Table:
            return languages.filter(pc.is_in(languages.column("doc_id"), value_set=pa.array(ids, pa.string())))

        dn_key = {d: stable_hash(lang_key[d], lang_of[d], denoise.VERSION, _settings_hash(s.denoise),
                                 ",".join(sorted(set(line_keys[d]) & boiler))) for d in accepted}
        dn = self._stage("denoise", {"removed_spans": schema.REMOVED_SPANS, "clean": schema.CLEAN}, dn_key,
                         lambda ids: denoise.run(documents(ids, ["doc_id", "raw_text", "meta_spans"]), langs(ids),
                                                 boiler, s.denoise))
        nm_key = {d: stable_hash(dn_key[d], normalise.VERSION, _settings_hash(s.normalise)) for d in accepted}
        nm = self._stage("normalise", {"blocks": schema.BLOCKS}, nm_key,
                         lambda ids: normalise.run(documents(ids, ["doc_id", "raw_text"]),
                                                   dn.read("removed_spans", ids), s.normalise))
        sg_key = {d: stable_hash(nm_key[d], segment.VERSION, _settings_hash(s.segment)) for d in accepted}
        sg = self._stage("segment", {"sentences": schema.SENTENCES}, sg_key,
                         lambda ids: segment.run(documents(ids, ["doc_id", "raw_text"]), langs(ids),
                                                 nm.read("blocks", ids), dn.read("removed_spans", ids), s.segment))
        ex_key = {d: stable_hash(sg_key[d], extract.VERSION, _settings_hash(s.extract)) for d in accepted}
        ex = self._stage("extract", {"items": schema.ITEMS}, ex_key,
                         lambda ids: extract.run(documents(ids, ["doc_id", "title", "raw_text"]), langs(ids),
                                                 nm.read("blocks", ids), sg.read("sentences", ids),
                                                 dn.read("removed_spans", ids), s.extract))
        parts = {
            "documents": ing.paths("documents", sorted(set(doc_src.values()))),
            "languages": lid.paths("languages", accepted),
            "removed_spans": dn.paths("removed_spans", accepted),
            "clean": dn.paths("clean", accepted),
            "blocks": nm.paths("blocks", accepted),
            "sentences": sg.paths("sentences", accepted),
            "items": ex.paths("items", accepted),
        }
        if s.embed:
            from pipeline.stages import embed

            embedded, embed_key = embed.run_incremental(self, accepted, ex_key, ex, nm, s.model, s.aux_model)
            parts.update(embedded)
            hub_key = stable_hash(hubness.VERSION, _settings_hash(s.hubness), *sorted(embed_key.items()))

            def do_hubness() -> dict[str, pa.Table]:
                tables = [hubness.run(pa.concat_tables([pq.read_table(p) for p in embedded[t]]), languages,
                                      s.hubness)["hubness"] for t in embedded if embedded[t]]
                return {"hubness": pa.concat_tables(tables) if tables else hubness.HUBNESS.empty_table()}

            hub = self._corpus_stage("hubness", {"hubness": hubness.HUBNESS}, hub_key, len(accepted), do_hubness)
            parts["hubness"] = hub.paths("hubness", ["corpus"])
            parts["clusters"] = self._clusters(parts, embedded, hub_key, len(accepted))

        from pipeline import store

        t0 = time.perf_counter()
        path = store.load(self.out / "knowledge.duckdb", parts, rejected, accepted, self.stats)
        self.stats.append(StageStats("load", processed=len(accepted), seconds=time.perf_counter() - t0))
        total = time.perf_counter() - t_start
        store.record_timings(path, self.stats)
        return RunResult(path, len(accepted), len(rejected), self.stats, total)


def run(corpus: str | os.PathLike = "corpus", out: str | os.PathLike = "outputs",
        settings: RunSettings = RunSettings(), progress: bool = True) -> RunResult:
    """Run every stage on ``corpus`` and (re)build ``<out>/knowledge.duckdb``."""
    return Runner(pathlib.Path(out), settings, progress).run(pathlib.Path(corpus))
