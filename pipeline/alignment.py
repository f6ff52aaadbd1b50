"""Token alignment: how much of one text another says, word by word, across languages.

Pooled sentence vectors tell "same topic" well and "says the same thing" badly: two tips
about social media land close whatever they advise. BERTScore (Zhang et al. 2020) and
SimAlign (Jalili Sabet et al. 2020) compare the texts token by token instead: every token
of one text is matched to its most similar token of the other by their contextual
embeddings (one layer of a multilingual encoder, where translations of a word lie close),
and the matches are averaged, weighted by each token's rarity (IDF), so that the words that
carry the advice count and "Anda", "the" and punctuation do not:

    R(a, b) = sum_i idf(a_i) max_j cos(a_i, b_j) / sum_i idf(a_i)     (how much of a b covers)
    F(a, b) = 2 R(a, b) R(b, a) / (R(a, b) + R(b, a))

:class:`TokenEncoder` runs the project's e5 encoder (the converted sentence-transformers
directory, torch) and keeps one hidden layer's token vectors per text; :func:`token_f1`
scores pairs of texts from them. The scores are computed for candidate pairs only (each
item's nearest partners by the pooled vectors), so the cost grows with the items, not with
their pairs.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

PREFIX = "passage: "
# a token that is only punctuation, digits' separators or the word-start mark carries no meaning
_NO_MEANING = re.compile(r"^[\W_]*$")


@dataclass
class TokenVectors:
    """One text's content tokens: their ids and unit vectors (one layer)."""

    ids: np.ndarray       # [n] int64
    vectors: np.ndarray   # [n, dim] float32, rows of unit length


@functools.lru_cache(maxsize=2)
def _load(path: str):
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, add_pooling_layer=False)
    model.eval()
    torch.set_grad_enabled(False)
    return tokenizer, model


class TokenEncoder:
    """Contextual token vectors of one hidden layer of the e5 encoder (torch backend).

    ``layer`` counts from the embeddings (0) to the last layer (12 for e5-small); SimAlign found
    middle layers of multilingual encoders to align words across languages best.
    """

    def __init__(self, layer: int = 8, model: str | None = None, batch_size: int = 32, max_tokens: int = 128):
        from pipeline.model import resolve_model

        self.path = resolve_model(model)
        self.layer = layer
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    def encode(self, texts: Sequence[str], layers: Sequence[int] | None = None) -> dict[int, list[TokenVectors]]:
        """layer -> per text, its content tokens (not the prefix, special tokens or bare punctuation)."""
        import torch

        tokenizer, model = _load(self.path)
        layers = list(layers or [self.layer])
        out: dict[int, list[TokenVectors]] = {lay: [] for lay in layers}
        for start in range(0, len(texts), self.batch_size):
            batch = [PREFIX + (t or "") for t in texts[start:start + self.batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, max_length=self.max_tokens,
                            return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            special = enc.pop("special_tokens_mask").numpy().astype(bool)
            hidden = model(**enc, output_hidden_states=True).hidden_states
            ids = enc["input_ids"].numpy()
            mask = enc["attention_mask"].numpy().astype(bool)
            for n, text in enumerate(batch):
                keep = mask[n] & ~special[n] & (offsets[n][:, 1] > len(PREFIX))
                pieces = tokenizer.convert_ids_to_tokens(ids[n].tolist())
                keep &= np.array([not _NO_MEANING.match(p.replace("\u2581", "")) for p in pieces])
                # the prefix's tokens end at or before len(PREFIX); a piece straddling it cannot occur
                for lay in layers:
                    v = hidden[lay][n].numpy()[keep].astype(np.float32)
                    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
                    out[lay].append(TokenVectors(ids[n][keep].astype(np.int64), v))
        return out


def idf_weights(tokens: Sequence[TokenVectors]) -> dict[int, float]:
    """Token id -> log((N + 1) / (df + 1)) over the given texts (BERTScore's IDF, smoothed)."""
    df: dict[int, int] = {}
    for t in tokens:
        for i in set(t.ids.tolist()):
            df[i] = df.get(i, 0) + 1
    n = len(tokens)
    return {i: math.log((n + 1) / (d + 1)) for i, d in df.items()}


def _weights(t: TokenVectors, idf: dict[int, float] | None) -> np.ndarray:
    if idf is None:
        return np.ones(len(t.ids), np.float32)
    top = max(idf.values(), default=1.0)   # a token no text had is as rare as the rarest
    return np.array([idf.get(i, top) for i in t.ids.tolist()], np.float32)


def token_f1(a: TokenVectors, b: TokenVectors, idf: dict[int, float] | None = None) -> float:
    """BERTScore F1 of two texts: IDF-weighted greedy matching of their token vectors."""
    if not len(a.ids) or not len(b.ids):
        return 0.0
    sim = a.vectors @ b.vectors.T
    wa, wb = _weights(a, idf), _weights(b, idf)
    recall = float(wa @ sim.max(axis=1) / max(wa.sum(), 1e-12))
    precision = float(wb @ sim.max(axis=0) / max(wb.sum(), 1e-12))
    return 2 * recall * precision / max(recall + precision, 1e-12)


def mutual_share(a: TokenVectors, b: TokenVectors, idf: dict[int, float] | None = None) -> float:
    """SimAlign's ArgMax: the (IDF-weighted) share of tokens aligned both ways (each the other's best)."""
    if not len(a.ids) or not len(b.ids):
        return 0.0
    sim = a.vectors @ b.vectors.T
    best_b = sim.argmax(axis=1)
    best_a = sim.argmax(axis=0)
    aligned = best_a[best_b] == np.arange(len(a.ids))
    wa, wb = _weights(a, idf), _weights(b, idf)
    hit_a = float(wa[aligned].sum())
    hit_b = float(wb[best_b[aligned]].sum())
    return (hit_a + hit_b) / max(float(wa.sum() + wb.sum()), 1e-12)


def recall_matrix(tokens: Sequence[TokenVectors], idf: dict[int, float] | None = None,
                  rows: Sequence[int] | None = None) -> np.ndarray:
    """R[i, j] for every row i (default: all texts) and every text j, by one matrix product per row."""
    rows = range(len(tokens)) if rows is None else rows
    sizes = np.array([len(t.ids) for t in tokens])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    dim = next((t.vectors.shape[1] for t in tokens if len(t.ids)), 1)
    allv = np.concatenate([t.vectors for t in tokens]) if sizes.sum() else np.zeros((0, dim), np.float32)
    out = np.zeros((len(rows), len(tokens)), np.float32)
    nonempty = sizes > 0
    for n, i in enumerate(rows):
        t = tokens[i]
        if not len(t.ids):
            continue
        sim = t.vectors @ allv.T
        best = np.maximum.reduceat(sim, starts[nonempty], axis=1)   # [n_i, texts with tokens]
        w = _weights(t, idf)
        out[n, nonempty] = w @ best / max(float(w.sum()), 1e-12)
    return out


def f1_matrix(tokens: Sequence[TokenVectors], idf: dict[int, float] | None = None) -> np.ndarray:
    """BERTScore F1 between every two texts."""
    r = recall_matrix(tokens, idf)
    return 2 * r * r.T / np.maximum(r + r.T, 1e-12)
