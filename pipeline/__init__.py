"""Turn multilingual advice articles into a queryable DuckDB knowledge store."""
from __future__ import annotations

__all__ = ["KnowledgeStore", "run"]


def __getattr__(name: str):
    # lazy, so `import pipeline` (and the CLI) start fast
    if name == "KnowledgeStore":
        from pipeline.api import KnowledgeStore

        return KnowledgeStore
    if name == "run":
        from pipeline.runner import run

        return run
    raise AttributeError(name)
