"""Try the whole pipeline offline, before downloading any model: ``python -m bench.demo``.

Builds the test suite's tiny random-weight models (the real model classes and tokenizers,
a few hundred kilobytes each; once, into the user cache) and runs ``summarize`` on
``examples/`` with them: reading, language detection, translation, briefs, stories, cited
points and the three report formats. The models are random, so every translation and
summary is gibberish; what the demo shows is the shape of the result and that the install
works. Run it from the repository root of a clone (it reads ``examples/``).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

logger = logging.getLogger("summarizer")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TEXTS = [ROOT / "tests" / "data", EXAMPLES]  # the project's own articles (tokenizer corpus)

# Limits small enough that our own articles exercise splitting and map-reduce (the test
# suite uses the same file).
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

GIBBERISH = (
    "the demo's models have random weights: every translation and summary above is "
    "gibberish. It shows the shape of the result and that the install works; for real "
    "output run `summarize models pull` (4.4 GB) and `summarize examples/ -o digest.html`"
)


def our_texts() -> list[str]:
    """The project's own sample articles (never third-party text)."""
    files = [f for folder in TEXTS for f in sorted(folder.glob("*.txt"))]
    return [f.read_text(encoding="utf-8") for f in files]


def build_tiny(root: Path) -> Path:
    """The five tiny models and their models.yaml in ``root`` (kept: built once)."""
    config = root / "models.yaml"
    if config.is_file():
        return config
    from .build import (
        build_bart,
        build_m2m100,
        build_marian,
        build_nllb,
        build_sentence_transformer,
    )

    logger.info("building the tiny demo models into %s (once, about a minute) ...", root)
    corpus = [line for text in our_texts() for line in text.splitlines() if line.strip()]
    build_marian(root / "marian", corpus)
    build_nllb(root / "nllb", corpus)
    build_m2m100(root / "m2m100", corpus)
    build_bart(root / "bart", corpus)
    build_sentence_transformer(root / "st", corpus)
    config.write_text(TINY_YAML, encoding="utf-8")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__)
    parser.add_argument("--out", default="demo", metavar="NAME",
                        help="write NAME.html, NAME.md and NAME.json (default: demo)")  # fmt: skip
    parser.add_argument("--models", metavar="DIR", help="where the tiny models are kept")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="demo: %(message)s")
    from platformdirs import user_cache_dir

    models = Path(args.models or Path(user_cache_dir("summarizer")) / "demo-models")
    models.mkdir(parents=True, exist_ok=True)
    config = build_tiny(models)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("SUMMARIZER_CONFIG", None)
    status = 0
    store = tempfile.TemporaryDirectory(prefix="summarizer-demo-")  # shared by the 3 runs
    for suffix in ("html", "md", "json"):
        out = f"{args.out}.{suffix}"
        reuse = str(Path(store.name) / "store.sqlite")
        command = [sys.executable, "-m", "summarizer.cli", "--config", str(config),
                   "--store", reuse, str(EXAMPLES), "-o", out]  # fmt: skip
        if suffix != "html":
            command.append("-q")  # the first run shows progress; the others reuse its store
        status = subprocess.run(command, env=env, check=False).returncode or status
    store.cleanup()
    logger.info("wrote %s.html, %s.md and %s.json", args.out, args.out, args.out)
    logger.warning(GIBBERISH)
    return status


if __name__ == "__main__":
    sys.exit(main())
