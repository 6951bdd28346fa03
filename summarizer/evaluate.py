"""`summarize eval`: measured quality per translation route on a parallel test set.

A test set in the FLORES-200 layout is a folder of plain-text files, one per language, named
like ``heb_Hebr.txt``, with one sentence per line and the same sentence on the same line of
every file; the references are the target language's file (``eng_Latn.txt`` for English).
Each file whose language models.yaml routes is translated, sentence by sentence, with that
route's model, and scored against the references: BLEU and chrF (sacrebleu, corpus level),
the share of sentences `checks.check_translation` flags, sentences per second (translation
only: the model is loaded first) and the process's peak memory.

The scoring (`score`, `read_testset`, `table`, `to_json`) is pure; `evaluate` runs models.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import regex

from .checks import check_translation
from .config import Config, ConfigError, load_config
from .language import NLLB_CODES
from .models import runtime_tag
from .pipeline import Summarizer
from .translate import TranslationJob, translate_jobs
from .types import ModelLoadError

logger = logging.getLogger("summarizer")

# FLORES-200 file names: a language code (ISO 639-3) and a script ("heb_Hebr.txt").
FLORES_NAME = regex.compile(r"(?P<code>[a-z]{3})_(?P<script>[A-Z][a-z]{3})\.txt")
# ISO 639-3 -> ours (ISO 639-1): NLLB's table turned round (heb -> he, arb -> ar, pes -> fa,
# deu -> de ...), and the macrolanguage codes a test set may use instead.
FLORES_CODES = {code.split("_")[0]: lang for lang, code in NLLB_CODES.items()} | {
    "ara": "ar", "fas": "fa", "zho": "zh", "msa": "ms", "nor": "nb", "lav": "lv",
}  # fmt: skip
LAYOUT = "one sentence per line, files named like heb_Hebr.txt, the same line order in each"


class TestsetError(ConfigError):
    """The test set cannot be evaluated as it is (a usage error: nothing was translated)."""

    __test__ = False  # not a pytest class, whatever its name


@dataclass
class TestSet:
    """A parallel test set: the references, and each source language's sentences."""

    __test__ = False

    folder: Path
    reference: Path
    references: list[str]
    sources: dict[str, list[str]]  # ISO 639-1 code -> sentences, aligned with references
    files: dict[str, Path]  # ISO 639-1 code -> its file
    skipped: list[str] = field(default_factory=list)  # a note for each file left out


@dataclass
class RouteScore:
    """One route's measured quality and speed on a test set."""

    lang: str  # the source language (ISO 639-1)
    route: str  # the routes key of models.yaml that serves it (the language, or "*")
    model: str
    runtime: str  # backend and compute type, e.g. "ctranslate2:int8"
    sentences: int
    bleu: float | None = None
    chrf: float | None = None
    flagged: int = 0  # sentences `check_translation` finds a problem in
    flag_rate: float | None = None
    problems: dict[str, int] = field(default_factory=dict)  # problem kind -> sentences
    failed: int = 0  # sentences the model failed on (scored as empty translations)
    seconds: float | None = None  # translation wall time, model load excluded
    sentences_per_second: float | None = None
    peak_mb: float | None = None  # the process's peak resident memory so far (ru_maxrss)
    error: str | None = None  # why the route has no scores (its model failed)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key, digits in (("bleu", 2), ("chrf", 2), ("flag_rate", 4), ("seconds", 3),
                            ("sentences_per_second", 2), ("peak_mb", 1)):  # fmt: skip
            if out[key] is not None:
                out[key] = round(out[key], digits)
        return out


# --- pure: scores, the test set, the report ------------------------------------------------


def score(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus-level BLEU and chrF (sacrebleu's defaults, 0-100) of aligned sentences."""
    if len(hypotheses) != len(references) or not references:
        raise ValueError(
            f"need as many hypotheses as references, at least one ({len(hypotheses)} and "
            f"{len(references)})"
        )
    from sacrebleu.metrics import BLEU, CHRF

    refs = [list(references)]
    return {
        "bleu": BLEU().corpus_score(list(hypotheses), refs).score,
        "chrf": CHRF().corpus_score(list(hypotheses), refs).score,
    }


def signatures() -> dict[str, str]:
    """sacrebleu's signatures of the two metrics, which make the scores reproducible."""
    from sacrebleu.metrics import BLEU, CHRF

    signed = {}
    for name, metric in (("bleu", BLEU()), ("chrf", CHRF())):
        metric.corpus_score(["a"], [["a"]])  # sacrebleu signs a metric once it has scored
        signed[name] = str(metric.get_signature())
    return signed


def flores_language(path: Path) -> str | None:
    """Our ISO 639-1 code for a FLORES-named file ("heb_Hebr.txt" -> "he"), else None."""
    match = FLORES_NAME.fullmatch(path.name)
    if match is None:
        return None
    return FLORES_CODES.get(match["code"])


def read_testset(folder: str | os.PathLike[str], target: str = "en") -> TestSet:
    """The test set in ``folder``; TestsetError (one line: the file and the fix) when it is
    missing, has no references in ``target``, or its files differ in length."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "no such folder"
        raise TestsetError(f"{root}: {what}; give the folder of a parallel test set ({LAYOUT})")
    wanted = NLLB_CODES.get(target, f"{target}_Xxxx") + ".txt"
    files = sorted(p for p in root.iterdir() if p.suffix == ".txt" and p.is_file())
    reference = next((p for p in files if flores_language(p) == target), None)
    if reference is None:
        raise TestsetError(
            f"{root / wanted}: not found; a test set's references (the '{target}' sentences) "
            f"go in {wanted} ({LAYOUT})"
        )
    references = _lines(reference)
    if not references:
        raise TestsetError(f"{reference}: empty; put the reference sentences in it, one a line")
    sources: dict[str, list[str]] = {}
    found: dict[str, Path] = {}
    skipped: list[str] = []
    for path in files:
        lang = flores_language(path)
        if path == reference:
            continue
        if lang is None:
            named = FLORES_NAME.fullmatch(path.name)
            why = (
                f"no ISO 639-1 code known for '{named['code']}'"
                if named
                else "not named like heb_Hebr.txt"
            )
            skipped.append(f"{path.name}: {why}")
            continue
        if lang in found:
            skipped.append(f"{path.name}: {lang} again (using {found[lang].name})")
            continue
        lines = _lines(path)
        if len(lines) != len(references):
            raise TestsetError(
                f"{path}: {len(lines)} line(s), but {reference.name} has {len(references)}; "
                f"every file of a test set has the same sentences in the same order, one a line"
            )
        sources[lang], found[lang] = lines, path
    return TestSet(root, reference, references, sources, found, skipped)


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TestsetError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise TestsetError(f"{path}: cannot be read ({exc.strerror})") from None
    return text.removeprefix("\ufeff").splitlines()


def table(scores: Sequence[RouteScore]) -> str:
    """The scores as a Markdown table, one row per route."""
    head = (
        "| route | model | runtime | sentences | BLEU | chrF | flagged | sent/s | peak MB |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for s in scores:
        route = s.lang if s.route == s.lang else f"{s.lang} ({s.route})"
        if s.error is not None:
            cells = [route, s.model, s.runtime, str(s.sentences), *["-"] * 5]
        else:
            cells = [
                route, s.model, s.runtime, str(s.sentences), _number(s.bleu, 1),
                _number(s.chrf, 1), f"{(s.flag_rate or 0) * 100:.0f}%",
                _number(s.sentences_per_second, 1), _number(s.peak_mb, 0),
            ]  # fmt: skip
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    return head + "".join(rows)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def to_json(
    scores: Sequence[RouteScore], testset: str | os.PathLike[str], config: Config, limit: int | None
) -> str:
    """The scores as JSON, with what they were measured on."""
    report = {
        "testset": str(testset),
        "config": str(config.path),
        "limit": limit,
        "metrics": signatures(),
        "routes": [s.to_dict() for s in scores],
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def peak_memory_mb() -> float | None:
    """The process's peak resident memory so far in MB (None where the OS does not say)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


# --- the runner ----------------------------------------------------------------------------


def evaluate(
    source: Summarizer | Config | str | os.PathLike[str] | None,
    folder: str | os.PathLike[str],
    routes: Sequence[str] | None = None,
    limit: int | None = None,
    show_progress: bool = False,
    device: str = "auto",
) -> list[RouteScore]:
    """Translate the test set in ``folder`` with each route that covers one of its files
    (only ``routes``, languages, when given; the first ``limit`` sentences when given) and
    score each. ``source``: a Summarizer (its loaded models are used) or a config."""
    if isinstance(source, Summarizer):
        config = source.config
    else:
        config = source if isinstance(source, Config) else load_config(source)
    testset = read_testset(folder, config.target)
    for note in testset.skipped:
        logger.info("skipped %s", note)
    chosen = covered(testset, config, routes)
    summarizer = source if isinstance(source, Summarizer) else Summarizer(config, device=device)
    references = testset.references[:limit]
    return [
        _evaluate_route(summarizer, lang, testset.sources[lang][:limit], references, show_progress)
        for lang in chosen
    ]


def covered(testset: TestSet, config: Config, routes: Sequence[str] | None = None) -> list[str]:
    """The test set's languages to evaluate, in models.yaml's route order (catch-all ones
    after, by code): ``routes`` when given (each must have a file and a route), else every
    language with a route; a file whose language has none is skipped with a note."""
    langs = sorted(testset.sources)
    if routes:
        for lang in routes:
            if lang not in testset.sources:
                raise ConfigError(
                    f"--routes {lang}: {testset.folder} has no file in that language (it has: "
                    f"{', '.join(langs) or 'none'}); name one of those"
                )
            try:
                config.route(lang)
            except ConfigError as exc:
                raise ConfigError(f"--routes {lang}: {exc}") from None
        return list(dict.fromkeys(routes))
    chosen = []
    for lang in langs:
        try:
            config.route(lang)
        except ConfigError:
            logger.info(
                "skipped %s: no route for '%s' in %s", testset.files[lang].name, lang, config.path
            )
            continue
        chosen.append(lang)
    if not chosen:
        raise ConfigError(
            f"{testset.folder}: none of its languages ({', '.join(langs) or 'none'}) has a "
            f"route in {config.path} (routes: {', '.join(sorted(config.routes)) or 'none'}); "
            "add a route for one of them or give another test set"
        )
    order = {lang: i for i, lang in enumerate(config.routes)}
    return sorted(chosen, key=lambda lang: (order.get(lang, len(order)), lang))


def _evaluate_route(
    summarizer: Summarizer,
    lang: str,
    sources: list[str],
    references: list[str],
    show_progress: bool,
) -> RouteScore:
    """Load the route's model, translate ``sources`` (timed), check and score the output."""
    config, pool = summarizer.config, summarizer.pool
    spec = config.route(lang)
    assert spec is not None  # the target language's file holds the references
    route = config.route_name(lang)
    row = RouteScore(lang, route, spec.name, runtime_tag(spec, config, pool.device), len(sources))
    try:
        pool.get(spec.name, f"route '{route}'")  # loaded (converted) before the clock starts
    except ModelLoadError as exc:
        row.error = str(exc)
        return row
    # One sentence untimed first: a backend's first call sets itself up (threads, caches).
    translate_jobs([TranslationJob("warm-up", lang, sources[:1])], pool, config)
    jobs = [TranslationJob((lang, i), lang, [text]) for i, text in enumerate(sources)]
    start = time.perf_counter()
    outcomes = translate_jobs(jobs, pool, config, show_progress)
    row.seconds = time.perf_counter() - start
    hypotheses: list[str] = []
    errors: list[str] = []
    for job in jobs:
        outcome = outcomes[job.key]
        if outcome.translations is None:
            errors.append(outcome.error or "translation failed")
            hypotheses.append("")
        else:
            hypotheses.append(outcome.translations[0])
    row.failed = len(errors)
    if row.failed == len(jobs):
        row.error = errors[0]
        row.seconds = None
        return row
    if errors:
        logger.warning(
            "route '%s' (%s): %d of %d sentence(s) failed and count as empty (first: %s)",
            route, lang, row.failed, len(jobs), errors[0],
        )  # fmt: skip
    kinds: Counter[str] = Counter()
    for text, output in zip(sources, hypotheses, strict=True):
        found = {p.kind for p in check_translation(text, output, lang, config.target)}
        kinds.update(found)
        row.flagged += bool(found)
    row.problems = dict(sorted(kinds.items()))
    row.flag_rate = row.flagged / len(sources)
    scores = score(hypotheses, references)
    row.bleu, row.chrf = scores["bleu"], scores["chrf"]
    row.sentences_per_second = len(sources) / row.seconds if row.seconds > 0 else None
    row.peak_mb = peak_memory_mb()
    logger.info(
        "%s with %s: BLEU %.1f, chrF %.1f, %d of %d flagged, %.1f sentences/s",
        lang, spec.name, row.bleu, row.chrf, row.flagged, len(sources),
        row.sentences_per_second or 0.0,
    )  # fmt: skip
    return row
