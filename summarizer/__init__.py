"""Cross-lingual news summarizer: foreign-language articles in; English translations,
per-article briefs and one merged, cited digest out."""

from __future__ import annotations

import logging

from .config import Config, ConfigError, load_config
from .pipeline import Summarizer
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

logging.getLogger("summarizer").addHandler(logging.NullHandler())
