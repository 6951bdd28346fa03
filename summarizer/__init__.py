"""Cross-lingual news summarizer: foreign-language articles in; English translations,
per-article briefs and one merged, cited digest out."""

from __future__ import annotations

import logging

from .config import Config, ConfigError, load_config
from .digest import Digest, DigestPoint
from .ingest import Document, IngestError
from .models import ModelLoadError
from .pipeline import Article, Failure, Options, Result, Segment, Summarizer

__version__ = "0.1.0"
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
    "load_config",
]

logging.getLogger("summarizer").addHandler(logging.NullHandler())
