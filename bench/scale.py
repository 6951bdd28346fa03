"""The digest at scale: one batch of many short articles, extractive, no models.

    python -m bench.scale [--articles 10000] [--alike] [--json PATH]    (from the repository root)

Writes N one-line English articles to a temporary folder - sentences built from the words of
the project's own English examples, in stories of about 20 articles, dated across a year
(``--alike``: every article from one set of words, the worst case for story grouping) - and
runs `summarize batch --engine extractive` on it in a child process, the way a user would
(language detection included, one digest for all), then reports its wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

logger = logging.getLogger("summarizer")

ROOT = Path(__file__).resolve().parents[1]
STORY_SIZE = 20  # articles per story, on average


def vocabulary() -> list[str]:
    """The distinct words (4+ letters) of the project's own English example articles."""
    words: set[str] = set()
    for path in sorted((ROOT / "examples").glob("en_*.txt")):
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", path.read_text("utf-8")))
    return sorted(words)


def write_corpus(folder: Path, count: int, alike: bool = False, seed: int = 7) -> None:
    """``count`` articles of one sentence each, with a `published:` line, into ``folder``."""
    rng = random.Random(seed)
    words = vocabulary()
    topics = [rng.sample(words, 6) for _ in range(1 if alike else count // STORY_SIZE + 1)]
    for i in range(count):
        w = rng.choice(topics)[:4] + rng.sample(words, 4)
        rng.shuffle(w)
        text = (
            f"The {w[0]} {w[1]} said on Tuesday that {w[2]} {w[3]} would {w[4]} the {w[5]} "
            f"near {w[6].title()} and {w[7]}."
        )
        published = f"2025-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        (folder / f"a{i:05d}.txt").write_text(f"published: {published}\n\n{text}\n", "utf-8")


def run(count: int, alike: bool) -> dict[str, object]:
    """Time one `summarize batch` over a fresh corpus and store; the child's peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        write_corpus(folder, count, alike)
        command = [
            sys.executable, "-m", "summarizer.cli", "batch", "-q", "--engine", "extractive",
            str(folder), "--out", str(Path(tmp) / "out"), "--store", str(Path(tmp) / "s.db"),
        ]  # fmt: skip
        logger.info("%d articles%s: summarize batch ...", count, " (alike)" if alike else "")
        start = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's summarizer
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"bench.scale: batch failed:\n{proc.stderr[-3000:]}")
        digest = json.loads((Path(tmp) / "out" / "all-articles.json").read_text("utf-8"))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "articles": count,
        "alike": alike,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_kb / 1024),
        "stories": len(digest["digest"]["stories"]),
        "points": len(digest["digest"]["points"]),
        "warnings": digest["digest"]["warnings"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--articles", type=int, default=10000, metavar="N")
    parser.add_argument("--alike", action="store_true", help="every article on one subject")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s")
    result = run(args.articles, args.alike)
    sys.stdout.write(
        f"{result['articles']:,} articles{' (alike)' if args.alike else ''}: "
        f"{result['seconds']} s, peak RSS {result['peak_rss_mb']} MB, "
        f"{result['stories']} stories, {result['points']} points\n"
    )
    for warning in result["warnings"]:
        sys.stdout.write(f"  digest warning: {warning}\n")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
