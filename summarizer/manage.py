"""The `summarize models` commands: list, pull, convert, and check what runs where.

`check` is the self-check that catches a broken model before it writes a digest: every
translation model translates our probe sentences in the languages routed to it, every
summarizer summarizes our probe paragraph, and `checks` looks at what came back (empty,
not English, numbers lost, looping, ...). `pull` and `convert` end with it. Each result is
kept in the lock (see `hub`), and `list` shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .checks import Problem, check_summary, check_translation
from .config import Config, ConfigError
from .hub import (
    HubError,
    HubUnreachable,
    check_status,
    is_cached,
    pull,
    read_lock,
    record_check,
    with_lock,
)
from .language import language_name
from .models import Seq2Seq, compute_type, runtime_tag
from .pool import ModelPool
from .probes import PROBE_LANGUAGES, PROBE_PARAGRAPH, probe_sentences
from .translate import TranslationJob, translate_group
from .types import ModelLoadError, one_line

logger = logging.getLogger("summarizer")

Say = Callable[[str], None]
Found = tuple[int, str, Problem, str]  # input index, its language, a problem, the output
# Languages a catch-all ("*") model is probed in, besides those routed to it by name.
CATCH_ALL_PROBES = 3
PROBE_SUMMARY_WORDS = 60


@dataclass
class CheckResult:
    """One model's self-check: where it ran, what it was fed, and one line per reason."""

    name: str
    runtime: str
    probed: str  # e.g. "German, Hebrew: 8 probes"
    reasons: list[str] = field(default_factory=list)
    fix: str = ""

    @property
    def ok(self) -> bool:
        return not self.reasons

    def lines(self) -> list[str]:
        head = f"{self.name}: {'ok' if self.ok else 'FAILED'} ({self.runtime}; {self.probed})"
        return [
            head,
            *(f"  - {r}" for r in self.reasons),
            *([f"  fix: {self.fix}"] if self.fix else []),
        ]


def used_models(config: Config) -> list[str]:
    """Models a route, a stage or the stories use, each once, in that order."""
    used = [
        *config.routes.values(),
        *(stage.model for stage in config.stages.values() if stage.model),
        *([config.stories.model] if config.stories.model in config.models else []),
    ]
    return list(dict.fromkeys(used))


def known(config: Config, names: Sequence[str]) -> None:
    """Refuse names that are not models of ``config``, naming the valid ones."""
    unknown = [n for n in names if n not in config.models]
    if unknown:
        raise ConfigError(
            f"unknown model(s) {', '.join(unknown)} (models: {', '.join(config.models)})"
        )


def list_models(config: Config, say: Say) -> int:
    """One row per model: task, family, on this machine, self-check, uses, and source."""
    config = with_lock(config)
    entries = read_lock()
    uses: dict[str, list[str]] = {name: [] for name in config.models}
    for lang, name in sorted(config.routes.items()):
        uses[name].append(f"translate {lang}")
    for stage, spec in config.stages.items():
        if spec.model:
            uses[spec.model].append(f"{stage} ({spec.engine})")
    if config.stories.model in uses:
        uses[config.stories.model].append("stories, citations")
    rows = [("NAME", "TASK", "FAMILY", "CACHED", "CHECK", "USED FOR", "SOURCE")]
    for name, spec in config.models.items():
        where = spec.source + (f"@{spec.load_revision[:12]}" if spec.load_revision else "")
        cached = "yes" if is_cached(spec) else "no"
        check = check_status(spec, entries) if spec.task != "embedding" else "n/a"
        rows.append((name, spec.task, spec.family, cached, check, ", ".join(uses[name]) or "-",
                     where))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    say(f"config: {config.path}")
    for row in rows:
        say("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def pull_models(config: Config, names: Sequence[str], device: str, check: bool, say: Say) -> int:
    """Fetch each model (all used ones by default), then self-check what was fetched."""
    known(config, names)
    wanted = list(names) or used_models(config)
    pulled: list[str] = []
    unreachable: HubUnreachable | None = None
    for name in wanted:
        spec = config.models[name]
        if spec.local_path is not None:
            say(f"{name}: local folder {spec.local_path}, nothing to fetch")
            pulled.append(name)
            continue
        if unreachable is not None:  # no answer for one model: none for the next either
            say(f"summarize: error: {name}: not tried, the hub cannot be reached")
            continue
        try:
            folder, resolved = pull(spec)
        except HubUnreachable as exc:  # one short line; the fix once, in the summary
            unreachable = exc
            say(f"summarize: error: {name}: cannot reach the hub ({exc.cause})")
            continue
        except HubError as exc:
            say(f"summarize: error: {exc}")
            continue
        if resolved.note:
            say(resolved.note)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
        say(f"{name}: {spec.id} at {resolved.ref} (commit {resolved.commit[:12]}), "
            f"{size:,.0f} MB -> {folder}")  # fmt: skip
        pulled.append(name)
    missing = len(wanted) - len(pulled)
    checkable = [n for n in pulled if config.models[n].task != "embedding"]
    failed = 0
    if check and checkable:  # (an empty list would mean every model to check_models)
        failed = check_models(config, checkable, device, say, count=True)
    line = f"{len(pulled)} of {len(wanted)} model(s) pulled; {missing} failed"
    if failed:
        line += f"; {failed} pulled model(s) failed the self-check"
    if unreachable is not None:
        line += (
            f" (the hub at {unreachable.endpoint} cannot be reached: check the network, or "
            "HF_ENDPOINT, then pull again)"
        )
    elif missing or failed:
        line += " (see above)"
    say(f"summarize: {line}" if missing or failed else line)
    return 1 if missing or failed else 0


def convert_models(
    config: Config, names: Sequence[str], device: str, asked: str | None, force: bool,
    check: bool, say: Say,
) -> int:  # fmt: skip
    """Convert to CTranslate2 now (else on first use), then self-check the conversions."""
    from .backends import BackendError, converted_folder, find_converted
    from .hub import model_folder
    from .pool import pick_device

    config = with_lock(config)
    names = list(names) or [n for n in used_models(config) if config.models[n].task != "embedding"]
    wrong = [n for n in names if n not in config.models or config.models[n].task == "embedding"]
    if wrong:
        choices = [n for n, m in config.models.items() if m.task != "embedding"]
        raise ConfigError(
            f"cannot convert {', '.join(wrong)} (translation and summarization models: "
            f"{', '.join(choices)})"
        )
    device = pick_device(device)
    status, done = 0, []
    for name in names:
        spec = config.models[name]
        compute = compute_type(spec, config, device, asked)
        try:
            folder = model_folder(spec, f"`models convert {name}`")
            target = None if force else find_converted(spec, folder, compute)
            what = "already converted"
            if target is None:
                target, what = converted_folder(spec, folder, compute, force), "converted"
        except (BackendError, ModelLoadError) as exc:
            say(f"summarize: error: {one_line(exc)}")
            status = 1
            continue
        say(f"{name}: {what} ({compute}): {target}")
        done.append(replace(spec, backend="ctranslate2", compute_type=compute))
    if check and done:
        models = {**config.models, **{s.name: s for s in done}}
        status |= check_models(replace(config, models=models), [s.name for s in done], device,
                               say)  # fmt: skip
    return status


def check_models(
    config: Config,
    names: Sequence[str],
    device: str,
    say: Say,
    lang: str | None = None,
    count: bool = False,
) -> int:
    """Self-check each model (every used translation and summarization model by default);
    1 when any fails (with ``count``: how many failed). Results are kept in the lock."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its per-model "Loading weights" bars
    config = with_lock(config)
    names = list(names) or [n for n in used_models(config) if config.models[n].task != "embedding"]
    known(config, names)
    pool = ModelPool(config, device)
    failed = 0
    for name in names:
        spec = config.models[name]
        if spec.task == "embedding":
            say(f"{name}: not checked (the self-check covers translation and summarization)")
            continue
        try:
            result = check_model(pool, config, name, lang)
        except ModelLoadError as exc:
            say(f"summarize: error: {exc}")
            failed += 1
            continue
        try:
            record_check(spec, result.runtime, result.reasons)
        except HubError as exc:  # the check ran; only `models list` will not show it
            say(f"summarize: warning: {exc}; the check's result is not kept")
        for line in result.lines():
            say(line)
        failed += not result.ok
    return failed if count else int(bool(failed))


def check_model(pool: ModelPool, config: Config, name: str, lang: str | None = None) -> CheckResult:
    """Feed model ``name`` its probes and check what comes back."""
    spec = config.models[name]
    model = pool.get(name, "`models check`")
    runtime = runtime_tag(spec, config, pool.device).replace(":", " ")
    if spec.task == "summarization":
        return _check_summarizer(model, name, runtime)
    langs = probe_languages(config, name, model, lang)
    if not langs:
        return CheckResult(name, runtime, "no probes", [
            "no language is routed to it and none of the probe languages "
            f"({', '.join(PROBE_LANGUAGES)}) is one of its languages; pass --lang CODE"
        ])  # fmt: skip
    sources = [(code, text) for code in langs for text in probe_sentences(code)]
    # The pipeline's own path: long probes split to fit, one job per probe.
    jobs = [TranslationJob(i, code, [text]) for i, (code, text) in enumerate(sources)]
    outcomes = translate_group(model, jobs, show_progress=False)
    found: list[Found] = []
    for i, (code, text) in enumerate(sources):
        outcome = outcomes[i]
        if outcome.translations is None:
            found.append((i, code, Problem("empty", f"the model failed: {outcome.error}"), ""))
            continue
        output = outcome.translations[0]
        found += [(i, code, p, output) for p in check_translation(text, output, code)]
    probed = f"{', '.join(language_name(c) for c in langs)}: {len(sources)} probes"
    result = CheckResult(name, runtime, probed, _reasons(found, len(sources), "probes"))
    if not result.ok:
        routed = ", ".join(sorted(r for r, n in config.routes.items() if n == name)) or "-"
        result.fix = (
            "the checkpoint or its conversion is broken: pull a revision known to work "
            "(`revision:` in models.yaml), try --backend transformers, or route "
            f"{routed} to another translation model"
        )
    return result


def _check_summarizer(model: Seq2Seq, name: str, runtime: str) -> CheckResult:
    """The probe paragraph, in chunks that fit the model, each summarized and checked (the
    model's own output: no map-reduce or trimming in between)."""
    from .segment import pack, sentence_texts
    from .summarize import summary_tokens

    sentences = sentence_texts(PROBE_PARAGRAPH)
    chunks = pack(sentences, model.max_input_tokens, model.counter())
    longest, shortest = summary_tokens(PROBE_SUMMARY_WORDS, model.max_input_tokens)
    failures: dict[int, str] = {}
    outputs = model.generate(chunks, max_new_tokens=longest, min_new_tokens=shortest,
                             failures=failures)  # fmt: skip
    found: list[Found] = []
    for i, (chunk, output) in enumerate(zip(chunks, outputs, strict=True)):
        if i in failures:
            found.append((i, "", Problem("empty", f"the model failed: {failures[i]}"), ""))
        else:
            found += [(i, "", p, output) for p in check_summary(chunk, output)]
    what = "1 English paragraph" + (f" in {len(chunks)} chunks" if len(chunks) > 1 else "")
    result = CheckResult(name, runtime, what, _reasons(found, len(chunks), "chunks"))
    if not result.ok:
        result.fix = (
            "the checkpoint or its conversion is broken: pull a revision known to work "
            "(`revision:` in models.yaml), try --backend transformers, or use another "
            "summarization model (or --engine extractive)"
        )
    return result


def _reasons(found: list[Found], total: int, what: str) -> list[str]:
    """One line per kind of problem: how many inputs had it, and the first example."""
    lines = []
    for kind in dict.fromkeys(p.kind for _, _, p, _ in found):
        hits = [f for f in found if f[2].kind == kind]
        _, label, first, output = hits[0]
        where = f"{label}: " if label else ""
        lines.append(
            f"{kind.replace('_', ' ')} in {len({f[0] for f in hits})} of {total} {what} "
            f"(e.g. {where}{first.detail}; output: {_quote(output)})"
        )
    return lines


def probe_languages(config: Config, name: str, model: Seq2Seq, lang: str | None) -> list[str]:
    """The languages to probe model ``name`` in: --lang, else those routed to it (and a
    few more for the catch-all), else its own source language or the probe languages it
    takes."""
    if lang:
        return [lang]
    routed = [code for code, n in config.routes.items() if n == name and code != "*"]
    langs = [c for c in routed if probe_sentences(c)]
    catch_all = config.routes.get("*") == name
    if model.spec.family == "marian":  # no language codes: one source language, or a group
        own = str(getattr(model.tokenizer, "source_lang", "") or "")
        if not routed and probe_sentences(own):
            langs = [own]
        return langs
    if catch_all or not routed:
        others = [c for c in PROBE_LANGUAGES if c not in config.routes and c != config.target]
        extra = [c for c in others if model.supports(c)]
        langs += extra[:CATCH_ALL_PROBES] if catch_all else extra
    return [c for c in dict.fromkeys(langs) if model.supports(c)]


def _quote(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return '""' if not text else repr(text[:width] + ("..." if len(text) > width else ""))
