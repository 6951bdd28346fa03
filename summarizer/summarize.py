"""Abstractive summaries of any length of text: chunk, summarize, and summarize again.

A text longer than the summarizer's input limit is split on sentence boundaries into
chunks that fit; each chunk is summarized and the partial summaries are summarized in
turn (map-reduce) until one summary remains. Many texts share each round's batches.
The result is trimmed to whole sentences within the requested number of words.
"""

from __future__ import annotations

import logging
import math

from .models import Seq2Seq
from .segment import pack, sentence_texts
from .utils import progress_bar

logger = logging.getLogger("summarizer")

TOKENS_PER_WORD = 1.5
MAX_ROUNDS = 12


def summarize_many(
    model: Seq2Seq,
    texts: list[str],
    words: int,
    desc: str = "summarizing",
    show_progress: bool = False,
    failures: dict[int, str] | None = None,
    labels: list[str] | None = None,
) -> list[str]:
    """One summary of at most ``words`` words (whole sentences) per text, in input order.

    Given ``failures``, a text the model fails on (alone, after its batch was retried in
    halves) gets "" and its index there with the reason; without it, the error is raised.
    ``labels`` name the texts in log lines (an article's source), else "``desc`` text N".
    """

    def name(i: int) -> str:
        return labels[i] if labels else f"{desc} text {i + 1} of {len(texts)}"

    limit = model.max_input_tokens
    max_new, min_new = summary_tokens(words, limit)
    counter = model.counter()
    pending = {i: t for i, t in enumerate(texts) if t.strip()}
    results = {i: "" for i in range(len(texts))}
    chunks: dict[int, int] = {}  # text -> its chunk count last round
    for round_no in range(1, MAX_ROUNDS + 1):
        if not pending:
            break
        jobs: list[tuple[int, str]] = []
        for i, text in list(pending.items()):
            sentences = sentence_texts(text) or [text]
            packed = pack(sentences, limit, counter)
            if len(packed) >= chunks.get(i, len(packed) + 1):
                # Partial summaries that re-tokenize longer than the model wrote them (a
                # model emitting broken bytes) would loop: keep their first sentences.
                logger.warning(
                    "the summary of %s stopped shrinking; kept its first sentences", name(i)
                )
                results[i] = fit_words(text, words)
                del pending[i]
                continue
            chunks[i] = len(packed)
            jobs.extend((i, chunk) for chunk in packed)
        if not jobs:
            break
        label = desc if round_no == 1 else f"{desc} (round {round_no})"
        failed: dict[int, str] = {}  # job index -> why; filled only when failures is given
        with progress_bar(len(jobs), label, show_progress) as bar:
            outputs = model.generate(
                [chunk for _, chunk in jobs],
                max_new_tokens=max_new,
                min_new_tokens=min_new,
                on_batch=bar.update,
                failures=None if failures is None else failed,
            )
        if failures is not None:
            for k, why in failed.items():
                failures.setdefault(jobs[k][0], why)
        partial: dict[int, list[str]] = {}
        for (i, _), out in zip(jobs, outputs, strict=True):
            if failures is None or i not in failures:
                partial.setdefault(i, []).append(out)
        pending = {}
        for i, outs in partial.items():
            if len(outs) == 1:
                results[i] = fit_words(outs[0], words)
            else:
                pending[i] = "\n\n".join(outs)
    for i, text in pending.items():  # still over after MAX_ROUNDS: same rule as above
        logger.warning("the summary of %s did not converge in %d rounds", name(i), MAX_ROUNDS)
        results[i] = fit_words(text, words)
    return [results[i] for i in range(len(texts))]


def summary_tokens(words: int, limit: int) -> tuple[int, int]:
    """New tokens (at most, at least) for a summary of ``words`` words by a model that reads
    ``limit`` tokens: partial summaries stay well under the limit, so map-reduce converges."""
    max_new = max(8, min(math.ceil(words * TOKENS_PER_WORD) + 8, limit // 3))
    return max_new, min(max_new // 2, max(1, int(words * 0.6)))


def fit_words(text: str, words: int) -> str:
    """Whole sentences of ``text`` within ``words`` words (at least the first sentence).

    A trailing fragment without end punctuation is dropped when a complete sentence
    precedes it; text with no sentence end at all is cut to ``words`` words.
    """
    sentences = sentence_texts(text)
    if not sentences:
        return ""
    complete = [s for s in sentences if s.rstrip("\"')”’»").endswith((".", "!", "?"))]
    if not complete:
        return " ".join(text.split()[:words])
    if not sentences[-1].rstrip("\"')”’»").endswith((".", "!", "?")):
        sentences = sentences[:-1]
    kept: list[str] = []
    count = 0
    for sentence in sentences:
        n = len(sentence.split())
        if kept and count + n > words:
            break
        kept.append(sentence)
        count += n
    return " ".join(kept)
