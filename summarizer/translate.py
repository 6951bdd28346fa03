"""Translate the sentences of many articles, batching every sentence that shares a model.

Each sentence longer than the model's input limit is split into parts that fit; the parts'
translations are joined back, so every source sentence has exactly one translation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

import regex

from .config import Config
from .language import language_name
from .models import Seq2Seq
from .pool import ModelPool
from .segment import split_long
from .types import ModelLoadError, one_line
from .utils import progress_bar

logger = logging.getLogger("summarizer")

# Bidi controls, zero-width space, word joiner, BOM and soft hyphen: invisible, and unknown
# to the models' vocabularies. Not ZWNJ/ZWJ (U+200C/D), which Persian words and emoji need.
INVISIBLE = regex.compile(
    r"[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]"
)


@dataclass
class TranslationJob:
    """The texts of one article (title first, then sentences) in one language."""

    key: Hashable
    lang: str
    texts: list[str]
    has_title: bool = False


@dataclass
class TranslationOutcome:
    """Translations aligned with a job's texts, the model used, and any error."""

    translations: list[str] | None
    model: str | None
    error: str | None = None
    split: int = 0  # how many texts were too long and split into parts
    # Per text, the model's mean token log-probability of its translation (of a split
    # text, the lowest of its parts'); None where it could not be had.
    scores: list[float | None] | None = None


def translate_jobs(
    jobs: list[TranslationJob], pool: ModelPool, config: Config, show_progress: bool = False
) -> dict[Hashable, TranslationOutcome]:
    """Translate every job; jobs that share a model share its batches."""
    results: dict[Hashable, TranslationOutcome] = {}
    groups: dict[str, list[TranslationJob]] = defaultdict(list)
    for job in jobs:
        spec = config.route(job.lang)
        if spec is None:  # already in the target language
            results[job.key] = TranslationOutcome(list(job.texts), None)
        else:
            groups[spec.name].append(job)
    for name, group in groups.items():
        needed_by = " and ".join(sorted({f"route '{config.route_name(j.lang)}'" for j in group}))
        try:
            model = pool.get(name, needed_by)
        except ModelLoadError as exc:
            for job in group:
                results[job.key] = TranslationOutcome(None, name, str(exc))
            continue
        runnable = []
        for job in group:
            if model.supports(job.lang):
                runnable.append(job)
            else:
                results[job.key] = TranslationOutcome(
                    None,
                    name,
                    f"{language_name(job.lang)} ('{job.lang}') is not a language of model "
                    f"'{name}' (route '{config.route_name(job.lang)}'); add a route for "
                    f"'{job.lang}' to a model that covers it in models.yaml",
                )
        results.update(translate_group(model, runnable, show_progress))
    return results


def translate_group(
    model: Seq2Seq, jobs: list[TranslationJob], show_progress: bool
) -> dict[Hashable, TranslationOutcome]:
    """One model, many articles: split what is too long, translate all parts together."""
    limit = model.max_input_tokens
    units: list[tuple[int, int]] = []  # (job index, text index) for each part
    parts: list[str] = []
    langs: list[str] = []
    split_counts = [0] * len(jobs)
    for j, job in enumerate(jobs):
        counter = model.counter(job.lang)
        for t, text in enumerate(job.texts):
            pieces = split_long(text, limit, counter)
            split_counts[j] += len(pieces) > 1
            for piece in pieces:
                units.append((j, t))
                parts.append(INVISIBLE.sub("", piece))
                langs.append(job.lang)
    results: dict[Hashable, TranslationOutcome] = {}
    failures: dict[int, str] = {}  # part index -> why the model failed on it alone
    with progress_bar(len(parts), f"translating ({model.spec.name})", show_progress) as bar:
        try:
            scored: dict[int, float] = {}
            outputs = model.generate(
                parts, langs, on_batch=bar.update, failures=failures, scores=scored
            )
        except Exception as exc:  # the model itself is unusable: its articles fail, not the run
            logger.debug("model '%s' failed", model.spec.name, exc_info=True)
            why = f"translation failed with model '{model.spec.name}' ({one_line(exc)})"
            return {job.key: TranslationOutcome(None, model.spec.name, why) for job in jobs}
    for i, why in sorted(failures.items()):
        j, t = units[i]
        if jobs[j].key not in results:  # one failed sentence fails its article alone
            n = t + 1 - jobs[j].has_title
            where = "the title" if n == 0 else f"sentence {n}"
            results[jobs[j].key] = TranslationOutcome(
                None, model.spec.name,
                f"translation failed on {where} with model '{model.spec.name}' ({why})",
            )  # fmt: skip
    joined: list[list[list[str]]] = [[[] for _ in job.texts] for job in jobs]
    confidence: list[list[float | None]] = [[None for _ in job.texts] for job in jobs]
    for n, ((j, t), out) in enumerate(zip(units, outputs, strict=True)):
        joined[j][t].append(out)
        if n in scored:
            have = confidence[j][t]
            confidence[j][t] = scored[n] if have is None else min(have, scored[n])
    for j, job in enumerate(jobs):
        if job.key not in results:
            results[job.key] = TranslationOutcome(
                [" ".join(p) for p in joined[j]], model.spec.name, split=split_counts[j],
                scores=confidence[j],
            )  # fmt: skip
    return results
