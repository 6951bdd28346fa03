"""The model registry (models.yaml): load, validate, and route languages to models.

The default file ships inside the package; a user's file (``--config`` or the
``SUMMARIZER_CONFIG`` environment variable) replaces it. Everything is checked before any
model loads, and every error names the valid choices.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

Task = Literal["translation", "summarization", "embedding"]
Family = Literal[
    "marian", "nllb", "m2m100", "bart", "pegasus", "t5", "seq2seq", "sentence-transformers"
]
Engine = Literal["abstractive", "extractive"]
Backend = Literal["ctranslate2", "transformers"]

TASKS: tuple[str, ...] = ("translation", "summarization", "embedding")
TRANSLATION_FAMILIES: tuple[str, ...] = ("marian", "nllb", "m2m100")
SUMMARY_FAMILIES: tuple[str, ...] = ("bart", "pegasus", "t5", "seq2seq")
EMBEDDING_FAMILIES: tuple[str, ...] = ("sentence-transformers",)
FAMILIES: tuple[str, ...] = TRANSLATION_FAMILIES + SUMMARY_FAMILIES + EMBEDDING_FAMILIES
ENGINES: tuple[str, ...] = ("abstractive", "extractive")
BACKENDS: tuple[str, ...] = ("ctranslate2", "transformers")
# CTranslate2 compute types; auto is int8 on the CPU and float16 on a GPU.
COMPUTE_TYPES: tuple[str, ...] = (
    "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
    "bfloat16", "float32",
)  # fmt: skip
STAGES: tuple[str, ...] = ("brief", "digest")
TFIDF = "tfidf"  # the stories model that needs no download
ENV_VAR = "SUMMARIZER_CONFIG"
DEFAULT_CONFIG = Path(__file__).with_name("models.yaml")

# Generation settings a user may set; values must be plain numbers or booleans.
GENERATION_KEYS = {
    "num_beams": int,
    "max_new_tokens": int,
    "min_new_tokens": int,
    "length_penalty": float,
    "no_repeat_ngram_size": int,
    "repetition_penalty": float,
    "early_stopping": bool,
}
GENERATION_MINIMUM = {
    "num_beams": 1,
    "max_new_tokens": 1,
    "min_new_tokens": 0,
    "no_repeat_ngram_size": 0,
    "repetition_penalty": 0.01,
}
MODEL_KEYS = {
    "id",
    "task",
    "family",
    "revision",
    "max_input_tokens",
    "batch_size",
    "prefix",
    "allow_pickle",
    "generation",
    "backend",
    "compute_type",
    "max_batch_tokens",
}
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Model names become parts of cache paths and revisions go to the hub: plain names only.
MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REVISION = re.compile(r"^[A-Za-z0-9][\w.-]{0,99}(?:/[\w.-]{1,100}){0,3}$")
LANG_CODE = re.compile(r"^[a-z]{2,3}$")


class ConfigError(ValueError):
    """models.yaml is unreadable or inconsistent; the message says where and how to fix it."""


@dataclass(frozen=True)
class ModelSpec:
    """One model entry of models.yaml."""

    name: str
    id: str
    task: Task
    family: Family
    local_path: Path | None = None
    revision: str | None = None
    max_input_tokens: int | None = None
    batch_size: int = 16
    prefix: str = ""
    allow_pickle: bool = False
    generation: dict[str, Any] = field(default_factory=dict)
    backend: Backend | None = None  # None: runtime.backend
    compute_type: str | None = None  # None: runtime.compute_type
    max_batch_tokens: int | None = None  # None: runtime.max_batch_tokens
    commit: str | None = None  # the commit `models pull` fetched (from the lock), if any

    @property
    def source(self) -> str:
        """Where the weights come from: the local folder or the hub id."""
        return str(self.local_path) if self.local_path else self.id

    @property
    def load_revision(self) -> str | None:
        """The revision to load: the pulled commit, else the one models.yaml pins."""
        return self.commit or self.revision


@dataclass(frozen=True)
class StageSpec:
    """A summarization stage (brief or digest): its engine, model and length in words.

    The extractive engine needs no model, so ``model`` may be None for it.
    """

    model: str | None
    words: int
    engine: Engine = "abstractive"


@dataclass(frozen=True)
class StoriesSpec:
    """How articles are grouped into stories and claims matched to sentences.

    ``model`` names a sentence-transformers model, or is "tfidf" (no model). Articles join
    a story when their similarity reaches the threshold for the backend in use and, when
    both are dated, they were published at most ``window_days`` apart (0: no limit).
    """

    model: str = TFIDF
    threshold: float = 0.6
    tfidf_threshold: float = 0.2
    window_days: int = 30


@dataclass(frozen=True)
class Limits:
    """What one web UI run accepts: uploaded megabytes per file (and per fetched page),
    articles, and characters of article text in all."""

    max_upload_mb: int = 20
    max_articles: int = 100
    max_chars: int = 1_000_000


@dataclass(frozen=True)
class Runtime:
    """How models run: the backend, CTranslate2's compute type, padded tokens per batch,
    megabytes of weights kept loaded (None: auto), and CPU threads per model (0: auto)."""

    backend: Backend = "ctranslate2"
    compute_type: str = "auto"
    max_batch_tokens: int = 4096
    model_memory_mb: int | None = None
    intra_threads: int = 0


@dataclass(frozen=True)
class Config:
    """The validated registry."""

    path: Path
    models: dict[str, ModelSpec]
    target: str
    routes: dict[str, str]
    stages: dict[str, StageSpec]
    stories: StoriesSpec = field(default_factory=StoriesSpec)
    limits: Limits = field(default_factory=Limits)
    runtime: Runtime = field(default_factory=Runtime)

    def backend(self, spec: ModelSpec) -> Backend:
        """The backend that runs ``spec``: its own setting, else the runtime's.
        Embedding models always run on transformers (sentence-transformers)."""
        if spec.task == "embedding":
            return "transformers"
        return spec.backend or self.runtime.backend

    def with_backend(self, backend: Backend) -> Config:
        """This config with every model on ``backend`` (a per-run override)."""
        if backend not in BACKENDS:
            raise ConfigError(f"backend '{backend}' is not one of {', '.join(BACKENDS)}")
        models = {n: replace(m, backend=None) for n, m in self.models.items()}
        return replace(self, models=models, runtime=replace(self.runtime, backend=backend))

    def route(self, lang: str) -> ModelSpec | None:
        """The translation model for ``lang``, the catch-all ``*`` otherwise; None if English."""
        if lang == self.target:
            return None
        name = self.routes.get(lang, self.routes.get("*"))
        if name is None:
            known = ", ".join(sorted(self.routes))
            raise ConfigError(
                f"{self.path}: no translation route for language '{lang}' "
                f"(routes: {known}); add '{lang}: MODEL' or a '\"*\": MODEL' catch-all"
            )
        return self.models[name]

    def route_name(self, lang: str) -> str:
        """The routes key that serves ``lang`` (the language itself or ``*``)."""
        return lang if lang in self.routes else "*"

    def stage(self, stage: str) -> ModelSpec | None:
        """The model of a summarization stage; None when the stage is extractive."""
        name = self.stages[stage].model
        return self.models[name] if name and self.stages[stage].engine == "abstractive" else None


def resolve_config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The file to use: an explicit path, then $SUMMARIZER_CONFIG, then the packaged default."""
    chosen = path or os.environ.get(ENV_VAR) or DEFAULT_CONFIG
    return Path(chosen).expanduser()


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate models.yaml; raises ConfigError with a one-line fix."""
    file = resolve_config_path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found; pass --config PATH or set {ENV_VAR}")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid YAML ({_one_line(exc)})") from None
    return parse_config(raw, file)


def parse_config(raw: Any, file: Path) -> Config:
    """Validate the parsed YAML document of ``file``."""
    where = str(file)
    _expect(isinstance(raw, dict), f"{where}: top level must be a mapping")
    _only_keys(
        raw, {"models", "translation", "summarization", "stories", "limits", "runtime"}, where
    )
    models_raw = raw.get("models")
    _expect(
        isinstance(models_raw, dict) and models_raw,
        f"{where}: 'models' must map names to entries",
    )
    models = {str(name): _parse_model(str(name), entry, file) for name, entry in models_raw.items()}

    tr = raw.get("translation") or {}
    _expect(isinstance(tr, dict), f"{where}: 'translation' must be a mapping")
    _only_keys(tr, {"target", "routes"}, f"{where}: translation")
    target = str(tr.get("target", "en"))
    _expect(bool(LANG_CODE.match(target)), f"{where}: translation.target '{target}' is not a code")
    routes_raw = tr.get("routes") or {}
    _expect(isinstance(routes_raw, dict), f"{where}: translation.routes must be a mapping")
    routes: dict[str, str] = {}
    translators = sorted(n for n, m in models.items() if m.task == "translation")
    for lang, name in routes_raw.items():
        lang, name = str(lang), str(name)
        _expect(
            lang == "*" or bool(LANG_CODE.match(lang)),
            f"{where}: route key '{lang}' must be an ISO 639 code such as 'de', or '*'",
        )
        _expect(
            name in models,
            f"{where}: route '{lang}' names unknown model '{name}' "
            f"(models: {', '.join(sorted(models))})",
        )
        _expect(
            models[name].task == "translation",
            f"{where}: route '{lang}' names '{name}', a {models[name].task} model "
            f"(translation models: {', '.join(translators) or 'none'})",
        )
        routes[lang] = name

    stages = _parse_stages(raw.get("summarization") or {}, models, where)
    stories = _parse_stories(raw.get("stories") or {}, models, where)
    limits = _parse_limits(raw.get("limits") or {}, where)
    runtime = _parse_runtime(raw.get("runtime") or {}, where)
    return Config(
        path=file,
        models=models,
        target=target,
        routes=routes,
        stages=stages,
        stories=stories,
        limits=limits,
        runtime=runtime,
    )


def _parse_runtime(raw: Any, where: str) -> Runtime:
    """runtime: backend, compute_type, max_batch_tokens, model_memory_mb, intra_threads."""
    _expect(isinstance(raw, dict), f"{where}: 'runtime' must be a mapping")
    keys = {"backend", "compute_type", "max_batch_tokens", "model_memory_mb", "intra_threads"}
    _only_keys(raw, keys, f"{where}: runtime")
    default = Runtime()
    backend = raw.get("backend", default.backend)
    _check_backend(backend, f"{where}: runtime")
    compute = raw.get("compute_type", default.compute_type)
    _check_compute_type(compute, f"{where}: runtime")
    tokens = raw.get("max_batch_tokens", default.max_batch_tokens)
    _check_batch_tokens(tokens, f"{where}: runtime")
    memory = raw.get("model_memory_mb", "auto")
    _expect(
        memory == "auto" or (_whole(memory) and memory >= 1),
        f"{where}: runtime.model_memory_mb must be a whole number of megabytes or auto",
    )
    threads = raw.get("intra_threads", default.intra_threads)
    _expect(
        _whole(threads) and threads >= 0,
        f"{where}: runtime.intra_threads must be a whole number (0: one per core)",
    )
    return Runtime(
        backend=backend,
        compute_type=compute,
        max_batch_tokens=tokens,
        model_memory_mb=None if memory == "auto" else memory,
        intra_threads=threads,
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_backend(value: Any, where: str) -> None:
    _expect(value in BACKENDS, f"{where}: backend '{value}' is not one of {', '.join(BACKENDS)}")


def _check_compute_type(value: Any, where: str) -> None:
    _expect(
        value in COMPUTE_TYPES,
        f"{where}: compute_type '{value}' is not one of {', '.join(COMPUTE_TYPES)}",
    )


def _check_batch_tokens(value: Any, where: str) -> None:
    _expect(
        _whole(value) and value >= 64,
        f"{where}: max_batch_tokens must be a whole number of at least 64",
    )


def _parse_limits(raw: Any, where: str) -> Limits:
    _expect(isinstance(raw, dict), f"{where}: 'limits' must be a mapping")
    _only_keys(raw, {"max_upload_mb", "max_articles", "max_chars"}, f"{where}: limits")
    values = {}
    for key, top in (("max_upload_mb", 20), ("max_articles", 10_000), ("max_chars", 10**8)):
        value = raw.get(key, getattr(Limits(), key))
        _expect(
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top,
            f"{where}: limits.{key} must be a whole number from 1 to {top}",
        )
        values[key] = value
    return Limits(**values)


def _parse_stages(sm: Any, models: dict[str, ModelSpec], where: str) -> dict[str, StageSpec]:
    """summarization: an optional run-wide engine, then brief and digest stages."""
    _expect(isinstance(sm, dict), f"{where}: 'summarization' must be a mapping")
    _only_keys(sm, {*STAGES, "engine"}, f"{where}: summarization")
    default_engine = sm.get("engine", "abstractive")
    _expect(
        default_engine in ENGINES,
        f"{where}: summarization.engine '{default_engine}' is not one of {', '.join(ENGINES)}",
    )
    summarizers = sorted(n for n, m in models.items() if m.task == "summarization")
    stages: dict[str, StageSpec] = {}
    for stage in STAGES:
        entry = sm.get(stage) or {}
        _expect(isinstance(entry, dict), f"{where}: summarization.{stage} must be a mapping")
        _only_keys(entry, {"model", "words", "engine"}, f"{where}: summarization.{stage}")
        engine = entry.get("engine", default_engine)
        _expect(
            engine in ENGINES,
            f"{where}: summarization.{stage}.engine '{engine}' is not one of {', '.join(ENGINES)}",
        )
        name = entry.get("model")
        _expect(
            name is not None or engine == "extractive",
            f"{where}: summarization.{stage} needs 'model: NAME' "
            f"(summarization models: {', '.join(summarizers) or 'none'}) or 'engine: extractive'",
        )
        _expect(
            name is None or (str(name) in models and models[str(name)].task == "summarization"),
            f"{where}: summarization.{stage} names '{name}', not a summarization model "
            f"(summarization models: {', '.join(summarizers) or 'none'})",
        )
        words = entry.get("words", 80 if stage == "brief" else 160)
        _expect(
            isinstance(words, int) and not isinstance(words, bool) and 5 <= words <= 2000,
            f"{where}: summarization.{stage}.words must be a whole number from 5 to 2000",
        )
        stages[stage] = StageSpec(
            model=None if name is None else str(name), words=words, engine=engine
        )
    return stages


def _parse_stories(raw: Any, models: dict[str, ModelSpec], where: str) -> StoriesSpec:
    """stories: the embedding model (or tfidf), thresholds and the date window."""
    _expect(isinstance(raw, dict), f"{where}: 'stories' must be a mapping")
    keys = {"model", "threshold", "tfidf_threshold", "window_days"}
    _only_keys(raw, keys, f"{where}: stories")
    default = StoriesSpec()
    model = str(raw.get("model", default.model))
    embedders = sorted(n for n, m in models.items() if m.task == "embedding")
    _expect(
        model == TFIDF or (model in models and models[model].task == "embedding"),
        f"{where}: stories.model '{model}' is not an embedding model "
        f"(choices: {', '.join([*embedders, TFIDF])})",
    )
    values: dict[str, Any] = {"model": model}
    for key in ("threshold", "tfidf_threshold"):
        value = raw.get(key, getattr(default, key))
        _expect(
            isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1,
            f"{where}: stories.{key} must be a number above 0 and at most 1",
        )
        values[key] = float(value)
    window = raw.get("window_days", default.window_days)
    _expect(
        isinstance(window, int) and not isinstance(window, bool) and window >= 0,
        f"{where}: stories.window_days must be a whole number of days (0: no limit)",
    )
    values["window_days"] = window
    return StoriesSpec(**values)


def _parse_model(name: str, entry: Any, file: Path) -> ModelSpec:
    where = f"{file}: model '{name}'"
    _expect(
        bool(MODEL_NAME.match(name)) and ".." not in name,
        f"{where}: a model's name may hold only letters, digits, '_', '.' and '-' (at most 64)",
    )
    _expect(isinstance(entry, dict), f"{where} must be a mapping with id, task, family")
    _only_keys(entry, MODEL_KEYS, where)
    model_id = entry.get("id")
    _expect(isinstance(model_id, str) and model_id.strip(), f"{where} needs an 'id'")
    task = entry.get("task")
    _expect(task in TASKS, f"{where}: task '{task}' is not one of {', '.join(TASKS)}")
    valid = {
        "translation": TRANSLATION_FAMILIES,
        "summarization": SUMMARY_FAMILIES,
        "embedding": EMBEDDING_FAMILIES,
    }[task]
    family = entry.get(
        "family", {"summarization": "seq2seq", "embedding": "sentence-transformers"}.get(task)
    )
    _expect(family in valid, f"{where}: family '{family}' is not one of {', '.join(valid)}")

    local = _local_path(model_id, file.parent, where)
    _expect(
        local is not None or bool(HUB_ID.match(model_id)),
        f"{where}: id '{model_id}' is neither an existing folder nor a hub id like 'org/name'",
    )
    generation = entry.get("generation") or {}
    _expect(isinstance(generation, dict), f"{where}: generation must be a mapping")
    for key, value in generation.items():
        kind = GENERATION_KEYS.get(key)
        _expect(
            kind is not None,
            f"{where}: generation key '{key}' is not one of {', '.join(GENERATION_KEYS)}",
        )
        _check_generation_value(key, value, kind, where)
    max_in = entry.get("max_input_tokens")
    _expect(
        max_in is None or (isinstance(max_in, int) and max_in >= 8),
        f"{where}: max_input_tokens must be a whole number of at least 8",
    )
    batch = entry.get("batch_size", 16)
    _expect(isinstance(batch, int) and batch >= 1, f"{where}: batch_size must be at least 1")
    prefix = entry.get("prefix", "summarize: " if family == "t5" else "")
    _expect(isinstance(prefix, str), f"{where}: prefix must be text")
    revision = entry.get("revision")
    _expect(
        revision is None
        or (isinstance(revision, str) and bool(REVISION.match(revision)) and ".." not in revision),
        f"{where}: revision must be a branch, tag or commit hash (letters, digits, '_.-/')",
    )
    allow_pickle = entry.get("allow_pickle", False)
    _expect(isinstance(allow_pickle, bool), f"{where}: allow_pickle must be true or false")
    backend = entry.get("backend")
    if backend is not None:
        _check_backend(backend, where)
    compute = entry.get("compute_type")
    if compute is not None:
        _check_compute_type(compute, where)
    tokens = entry.get("max_batch_tokens")
    if tokens is not None:
        _check_batch_tokens(tokens, where)
    return ModelSpec(
        name=name,
        id=model_id,
        task=task,
        family=family,
        local_path=local,
        revision=revision,
        max_input_tokens=max_in,
        batch_size=batch,
        prefix=prefix,
        allow_pickle=allow_pickle,
        generation=dict(generation),
        backend=backend,
        compute_type=compute,
        max_batch_tokens=tokens,
    )


def _check_generation_value(key: str, value: Any, kind: type, where: str) -> None:
    """Types and ranges of generation settings, so a typo fails here, not mid-run."""
    if kind is bool:
        _expect(isinstance(value, bool), f"{where}: generation.{key} must be true or false")
        return
    if kind is int:
        _expect(
            isinstance(value, int) and not isinstance(value, bool),
            f"{where}: generation.{key} must be a whole number",
        )
    else:
        _expect(
            isinstance(value, (int, float)) and not isinstance(value, bool),
            f"{where}: generation.{key} must be a number",
        )
    low = GENERATION_MINIMUM.get(key)
    _expect(low is None or value >= low, f"{where}: generation.{key} must be at least {low}")


def _local_path(model_id: str, base: Path, where: str) -> Path | None:
    """A folder the id points to (relative to the yaml's folder), or None for a hub id."""
    candidate = Path(model_id).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    if candidate.is_dir():
        return candidate.resolve()
    if model_id.startswith((".", "/", "~")):
        raise ConfigError(
            f"{where}: folder '{model_id}' does not exist (looked in {candidate}); "
            "fix the path or use a hub id"
        )
    return None


def _only_keys(mapping: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, mapping)) - allowed)
    _expect(
        not unknown,
        f"{where}: unknown key(s) {', '.join(unknown)} (valid: {', '.join(sorted(allowed))})",
    )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
