"""Shared fixtures: tiny real-class models built offline once per session, and our texts."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bench import demo

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
TINY_YAML = demo.TINY_YAML  # the tiny models' models.yaml, shared with `python -m bench.demo`
our_texts = demo.our_texts  # the project's own sample articles (never the third-party seeds)

# Debian's chromium, driven by Playwright (whose own browser download does not work here).
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny Marian, NLLB, M2M100, BART and sentence-transformers models, and their yaml."""
    from bench.demo import build_tiny

    root = tmp_path_factory.mktemp("tiny-models")
    build_tiny(root)
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
