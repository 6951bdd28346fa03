"""Cross-lingual news summarizer: foreign-language articles in; English translations,
per-article briefs and one merged, cited digest out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .types import (
    VERSION,
    Article,
    Digest,
    DigestPoint,
    Document,
    Failure,
    IngestError,
    ModelLoadError,
    Options,
    Result,
    Segment,
    SummarizerError,
)

if TYPE_CHECKING:
    from .config import Config, ConfigError, load_config
    from .pipeline import Summarizer

__version__ = VERSION
__all__ = [
    "Article",
    "Config",
    "ConfigError",
    "Digest",
    "DigestPoint",
    "Document",
    "Failure",
    "IngestError",
    "ModelLoadError",
    "Options",
    "Result",
    "Segment",
    "Summarizer",
    "SummarizerError",
    "load_config",
]

# Imported on first use, so `summarize --help` and the other shells do not pay for the
# pipeline (numpy, requests, pydantic) before they need it.
_LAZY = {"Summarizer": "pipeline", "Config": "config", "ConfigError": "config",
         "load_config": "config"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'summarizer' has no attribute '{name}'")


logging.getLogger("summarizer").addHandler(logging.NullHandler())
