"""The pipeline: every stage's declaration, in the order the runner walks them.

A stage is its module's pure function ``run`` (``pipeline/stages/<name>.py``)
wrapped in a :class:`~pipeline.protocol.Stage`: the tables it reads, in the order
the function takes them, the tables it writes with their schemas, its settings,
and whose language data it reads.

The runner's phases: ingest (per source), langid, then every stage between them and
embed as one chain per chunk of documents (``CHAIN``), embed (the models), and the
corpus stages. Adding a per-document stage is one module and one entry here, between
langid and embed: the runner runs it in the chain, in this order, with its settings
class's defaults (unless ``RunSettings`` has a field of its name), and writes its tables
as shards. The store loads the tables it has a schema for (``schemas/``,
``store.DOC_TABLES``).
"""
from __future__ import annotations

from typing import Any

from pipeline import schema
from pipeline.protocol import Stage
from pipeline.stages import cluster, denoise, embed, extract, hubness, ingest, langid, normalise, segment


def embedders(run_settings: Any) -> dict[str, Any]:
    """The embed stage's models, made once per process or Ray actor (loaded on first use)."""
    from pipeline.embedder import USEEmbedder, make_embedder

    return {"embedders": {"embeddings": make_embedder(run_settings.model, backend=run_settings.backend,
                                                      fallback=False),
                          "embeddings_aux": USEEmbedder() if run_settings.aux_model else None}}


INGEST = Stage("ingest", "pipeline.stages.ingest", ingest.run, ("sources",),
               {"documents": schema.DOCUMENTS, "rejected": schema.REJECTED}, ingest.Settings,
               key="src", language="all")   # before langid, so it may read every language's data
LANGID = Stage("langid", "pipeline.stages.langid", langid.run, ("documents",),
               {"languages": schema.LANGUAGES, "rejected": schema.REJECTED}, langid.Settings, language="all")
DENOISE = Stage("denoise", "pipeline.stages.denoise", denoise.run, ("documents", "languages", "boilerplate"),
                {"removed_spans": schema.REMOVED_SPANS, "clean": schema.CLEAN}, denoise.Settings)
NORMALISE = Stage("normalise", "pipeline.stages.normalise", normalise.run, ("documents", "removed_spans"),
                  {"blocks": schema.BLOCKS}, normalise.Settings)
SEGMENT = Stage("segment", "pipeline.stages.segment", segment.run,
                ("documents", "languages", "blocks", "removed_spans"), {"sentences": schema.SENTENCES},
                segment.Settings)
EXTRACT = Stage("extract", "pipeline.stages.extract", extract.run,
                ("documents", "languages", "blocks", "sentences", "removed_spans"), {"items": schema.ITEMS},
                extract.Settings)
# reads the vectors its documents had before (their own table), as the cache of unchanged texts
EMBED = Stage("embed", "pipeline.stages.embed", embed.run_models, ("items", "blocks", "sentences", "embeddings", "embeddings_aux"),
              {"embeddings": embed.EMBEDDINGS, "embeddings_aux": embed.EMBEDDINGS}, embed.Settings,
              language=None, resources=embedders)
HUBNESS = Stage("hubness", "pipeline.stages.hubness", hubness.run, ("embeddings", "languages"),
                {"hubness": hubness.NEIGHBOURS}, hubness.Settings, key="key_id", language=None, corpus=True)
# the runner hands it one kind's items at a time, with their vectors of each model and their hubness
CLUSTER = Stage("cluster", "pipeline.stages.cluster", cluster.run, ("items", "embeddings", "embeddings_aux", "hubness"),
                {"clusters": cluster.CLUSTERS}, cluster.Settings, key="item_id", language=None, corpus=True)

PIPELINE: tuple[Stage, ...] = (INGEST, LANGID, DENOISE, NORMALISE, SEGMENT, EXTRACT, EMBED, HUBNESS, CLUSTER)
BY_NAME = {s.name: s for s in PIPELINE}


def _chain(pipeline: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """The stages between langid and embed: per-document stages the runner runs one after another on each chunk."""
    names = [s.name for s in pipeline]
    chain = pipeline[names.index("langid") + 1:names.index("embed")]
    for s in chain:
        if s.key != "doc_id" or s.corpus or s.resources is not None:
            raise TypeError(f"stage {s.name!r} lies between langid and embed, which run per document without models: "
                            "a stage keyed by source, reading the whole corpus or loading models has no place there")
    return chain


CHAIN: tuple[Stage, ...] = _chain(PIPELINE)


def producer(table: str) -> Stage:
    """The stage that writes ``table`` (``rejected`` is written by several and read by none)."""
    for stage in PIPELINE:
        if table in stage.outputs:
            return stage
    raise KeyError(f"no stage writes {table!r}")
