"""cluster: items that say the same thing, across documents and languages.

A corpus-level stage like hubness: a pure function of the item table, the
embeddings and the hubness prior, recomputed whenever one of them changes.

Two items may join when they are of the same kind, come from different
documents and, for statistics, state the same value in the same unit (for
cited examples: name the same entity). Their similarity is CSLS over the search
vectors (item + context, what search ranks by): ``cos(a, b) - (r(a) + r(b)) / 2``
with ``r`` the hubness of each (its mean similarity to its nearest items in the
other languages). A generic item close to everything has a large ``r``, so it
needs a closer partner than a specific one: without the correction such items
join every cluster. With several models (the main and the auxiliary encoder)
the score is the mean of their CSLS scores.

Grouping is average linkage over the candidate graph: every item's nearest
partners of each language above the threshold are candidate edges; edges are
taken best first and two clusters merge only when the mean score over all
pairs across them stays above the threshold. The mean comes from the clusters'
vector sums (``sum_a . sum_b / (|A| |B|)``), so a merge costs one dot product
however large the clusters are, and single linkage's chains (A like B, B like
C, A nothing like C) do not form.

The threshold is chosen by ``tools/cluster_threshold.py`` on hand-labelled
pairs (``tests/fixtures/cluster_pairs.jsonl``); README.md gives its precision.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.textmap import stable_hash

NAME = "cluster"

# what the stage reads of the items and of each model's embeddings
ITEM_COLUMNS = ["item_id", "doc_id", "kind", "lang", "text", "value", "unit", "currency", "entity"]
VECTOR_COLUMNS = ("key_id", "key_kind", "model_id", "vector", "search_vector")

CLUSTERS = pa.schema([
    ("cluster_id", pa.string()),
    ("item_id", pa.string()),
    ("similarity", pa.float32()),   # the item's mean score to the other members
])


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.18          # on the mean CSLS score of both models; tools/cluster_threshold.py
    neighbours: int = 5              # candidate partners per item and language
    kinds: tuple[str, ...] = ("myth", "tip", "statistic", "example")
    chunk: int = 2048                # rows per matrix product: bounds memory


def _matrix(column: pa.ChunkedArray) -> np.ndarray:
    values = column.combine_chunks()
    if len(values) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return values.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(values), -1)


def agreement_key(row: dict) -> str | None:
    """What must be equal besides meaning: a statistic's value and unit, an example's entity.

    None: the item cannot be clustered (a statistic without a value).
    """
    if row["kind"] == "statistic":
        if row.get("value") is None or not row.get("unit"):
            return None
        return f"{float(row['value']):.6g} {row['unit']} {row.get('currency') or ''}"
    if row["kind"] == "example":
        return (row.get("entity") or "").casefold().strip() or None
    return ""


class _Space:
    """One model's unit search vectors and hubness, rows aligned with the items."""

    def __init__(self, embeddings: pa.Table, hubness: pa.Table, item_ids: list[str]):
        model = embeddings.filter(pc.equal(embeddings.column("key_kind"), "item"))
        at = {k: n for n, k in enumerate(model.column("key_id").to_pylist())}
        missing = [i for i in item_ids if i not in at]
        if missing:
            raise ValueError(f"{len(missing)} items have no embedding (e.g. {missing[0]})")
        rows = np.array([at[i] for i in item_ids], dtype=np.int64)
        vectors = _matrix(model.column("search_vector"))[rows] if len(rows) else np.zeros((0, 1), np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = vectors / np.maximum(norms, 1e-12)
        model_ids = set(model.column("model_id").to_pylist())
        hub = hubness.filter(pc.is_in(hubness.column("model_id"), value_set=pa.array(sorted(model_ids))))
        hub_of = dict(zip(hub.column("key_id").to_pylist(), hub.column("hubness").to_pylist()))
        self.hubness = np.array([hub_of.get(i, 0.0) for i in item_ids], dtype=np.float32)


def _scores(spaces: list[_Space], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Mean over models of CSLS between every row and every column (a len(rows) x len(cols) block)."""
    out = np.zeros((len(rows), len(cols)), dtype=np.float32)
    for s in spaces:
        out += s.vectors[rows] @ s.vectors[cols].T - (s.hubness[rows, None] + s.hubness[None, cols]) / 2
    return out / len(spaces)


def candidate_edges(spaces: list[_Space], group: np.ndarray, doc: np.ndarray, lang: np.ndarray,
                    settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, score) with i < j: each item's best partners per language within its group, above the threshold."""
    src, dst, val = [], [], []
    for g in np.unique(group[group >= 0]):
        members = np.flatnonzero(group == g)
        if len(members) < 2:
            continue
        for start in range(0, len(members), settings.chunk):
            rows = members[start:start + settings.chunk]
            block = _scores(spaces, rows, members)
            block[doc[rows][:, None] == doc[members][None, :]] = -np.inf   # across documents only
            for code in np.unique(lang[members]):
                cols = np.flatnonzero(lang[members] == code)
                sub = block[:, cols]
                k = min(settings.neighbours, len(cols))
                best = np.argpartition(-sub, k - 1, axis=1)[:, :k]
                score = np.take_along_axis(sub, best, axis=1)
                keep = score >= settings.threshold
                r, c = np.nonzero(keep)
                src.append(rows[r])
                dst.append(members[cols[best[r, c]]])
                val.append(score[r, c])
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    i, j, s = np.concatenate(src), np.concatenate(dst), np.concatenate(val)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    _, first = np.unique(lo * (len(group) + 1) + hi, return_index=True)
    return lo[first], hi[first], s[first]


def average_linkage(spaces: list[_Space], edges: tuple[np.ndarray, np.ndarray, np.ndarray], n: int,
                    threshold: float) -> np.ndarray:
    """Cluster label per item (-1: alone), merging along edges best first while the mean pair score holds."""
    parent = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    sums = [s.vectors.astype(np.float64).copy() for s in spaces]
    hub_sums = [s.hubness.astype(np.float64).copy() for s in spaces]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    i, j, score = edges
    for e in np.lexsort((j, i, -score)):   # best first; ties in a fixed order
        a, b = find(int(i[e])), find(int(j[e]))
        if a == b:
            continue
        pairs = size[a] * size[b]
        mean = sum(float(v[a] @ v[b]) / pairs - (h[a] / size[a] + h[b] / size[b]) / 2
                   for v, h in zip(sums, hub_sums)) / len(spaces)
        if mean < threshold:
            continue
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
        for v, h in zip(sums, hub_sums):
            v[a] += v[b]
            h[a] += h[b]
    roots = np.array([find(x) for x in range(n)])
    counts = np.bincount(roots, minlength=n)
    return np.where(counts[roots] > 1, roots, -1)


def run(items: pa.Table, embeddings: pa.Table, embeddings_aux: pa.Table | None, hubness: pa.Table,
        settings: Settings = Settings()) -> dict[str, pa.Table]:
    """items + their embeddings (the main and the auxiliary model's) + hubness -> {clusters}: a row per clustered item."""
    tables = [t for t in (embeddings, embeddings_aux) if t is not None and t.num_rows]
    rows = [r for r in items.select([c for c in ("item_id", "doc_id", "kind", "lang", "value", "unit", "currency",
                                                 "entity") if c in items.column_names]).to_pylist()
            if r["kind"] in settings.kinds]
    if not rows or not tables:
        return {"clusters": CLUSTERS.empty_table()}
    item_ids = [r["item_id"] for r in rows]
    spaces = [_Space(t, hubness, item_ids) for t in tables]
    keys = [(r["kind"], agreement_key(r)) for r in rows]
    group_of: dict[tuple, int] = {}
    group = np.array([-1 if k[1] is None else group_of.setdefault(k, len(group_of)) for k in keys])
    doc = np.array([r["doc_id"] for r in rows])
    lang = np.array([r["lang"] for r in rows])
    edges = candidate_edges(spaces, group, doc, lang, settings)
    label = average_linkage(spaces, edges, len(rows), settings.threshold)
    out_cluster, out_item, out_sim = [], [], []
    for root in np.unique(label[label >= 0]):
        members = np.flatnonzero(label == root)
        block = _scores(spaces, members, members)
        np.fill_diagonal(block, 0.0)
        cohesion = block.sum(axis=1) / (len(members) - 1)
        ids = sorted(item_ids[m] for m in members)
        cluster_id = "c" + stable_hash(*ids, length=15)
        out_cluster += [cluster_id] * len(members)
        out_item += [item_ids[m] for m in members]
        out_sim += cohesion.tolist()
    return {"clusters": pa.table({"cluster_id": out_cluster, "item_id": out_item,
                                  "similarity": pa.array(out_sim, pa.float32())}, schema=CLUSTERS)}
