"""Shared fixtures: tiny real-class models built offline once per session, and our texts."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# `models pull` and `models check` record into a lock file: never the user's own.
os.environ.setdefault(
    "SUMMARIZER_LOCK", os.path.join(tempfile.mkdtemp(prefix="summarizer-lock-"), "models.lock.json")
)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"
ARTIFACTS = ROOT / "test-artifacts"

# Debian's chromium, driven by Playwright (whose own browser download does not work here).
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

# Limits small enough that our own articles exercise splitting and map-reduce.
TINY_YAML = """
models:
  tiny-marian:
    id: ./marian
    task: translation
    family: marian
    max_input_tokens: 48
    generation: {num_beams: 2, max_new_tokens: 10}
  tiny-nllb:
    id: ./nllb
    task: translation
    family: nllb
    generation: {num_beams: 1, max_new_tokens: 10}
  tiny-m2m100:
    id: ./m2m100
    task: translation
    family: m2m100
    batch_size: 4
    generation: {num_beams: 1, max_new_tokens: 10}
  tiny-bart:
    id: ./bart
    task: summarization
    family: bart
    max_input_tokens: 96
    generation: {num_beams: 2, no_repeat_ngram_size: 3}
  tiny-st:
    id: ./st
    task: embedding
    family: sentence-transformers
translation:
  target: en
  routes:
    de: tiny-marian
    he: tiny-marian
    ar: tiny-nllb
    fa: tiny-m2m100
    "*": tiny-m2m100
summarization:
  brief: {model: tiny-bart, words: 20}
  digest: {model: tiny-bart, words: 30}
stories:
  model: tiny-st
"""


def our_texts() -> list[str]:
    """The project's own sample articles (never the third-party seeds)."""
    files = sorted(DATA.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny Marian, NLLB, M2M100, BART and sentence-transformers models, and their yaml."""
    from bench.build import (
        build_bart,
        build_m2m100,
        build_marian,
        build_nllb,
        build_sentence_transformer,
    )

    root = tmp_path_factory.mktemp("tiny-models")
    corpus = [line for text in our_texts() for line in text.splitlines() if line.strip()]
    build_marian(root / "marian", corpus)
    build_nllb(root / "nllb", corpus)
    build_m2m100(root / "m2m100", corpus)
    build_bart(root / "bart", corpus)
    build_sentence_transformer(root / "st", corpus)
    (root / "models.yaml").write_text(TINY_YAML, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_config(tiny_dir: Path) -> Path:
    return tiny_dir / "models.yaml"


@pytest.fixture(scope="session")
def summarizer(tiny_config: Path):
    """One Summarizer (and so one set of loaded models) for the whole session."""
    from summarizer import Summarizer

    return Summarizer(tiny_config, device="cpu")


@pytest.fixture(scope="session")
def sample_run(summarizer):
    """The full pipeline over our scraped test articles and the examples."""
    sources = sorted(DATA.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
    return sources, summarizer.run(sources)
