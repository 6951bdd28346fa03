"""The model registry (models.yaml): load, validate, and route languages to models.

The default file ships inside the package; a user's file (``--config`` or the
``SUMMARIZER_CONFIG`` environment variable) replaces it. Everything is checked before any
model loads: the pydantic schema below states each key's type, range and default once, and
every mistake in a file is reported at once, each by its dotted path with the valid choices.
"""

from __future__ import annotations

import os
import re
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.dataclasses import dataclass as checked_dataclass
from pydantic_core import ErrorDetails

from .types import Engine, SummarizerError

Task = Literal["translation", "summarization", "embedding"]
Family = Literal[
    "marian", "nllb", "m2m100", "bart", "pegasus", "t5", "seq2seq", "sentence-transformers"
]
Backend = Literal["ctranslate2", "transformers"]
# CTranslate2 compute types; auto is int8 on the CPU and float16 on a GPU.
ComputeType = Literal[
    "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
    "bfloat16", "float32",
]  # fmt: skip

TASKS: tuple[str, ...] = get_args(Task)
TRANSLATION_FAMILIES: tuple[str, ...] = ("marian", "nllb", "m2m100")
SUMMARY_FAMILIES: tuple[str, ...] = ("bart", "pegasus", "t5", "seq2seq")
EMBEDDING_FAMILIES: tuple[str, ...] = ("sentence-transformers",)
FAMILIES: tuple[str, ...] = get_args(Family)
ENGINES: tuple[str, ...] = get_args(Engine)
BACKENDS: tuple[str, ...] = get_args(Backend)
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)
STAGES: tuple[str, ...] = ("brief", "digest")
TFIDF = "tfidf"  # the stories model that needs no download
ENV_VAR = "SUMMARIZER_CONFIG"
MAX_CONFIG_BYTES = 1_000_000  # a models.yaml is a few kilobytes
CORES = os.cpu_count() or 1
DEFAULT_CONFIG = Path(__file__).with_name("models.yaml")

# Each task's families, and the family a model of that task gets when it names none.
TASK_FAMILIES = {
    "translation": TRANSLATION_FAMILIES,
    "summarization": SUMMARY_FAMILIES,
    "embedding": EMBEDDING_FAMILIES,
}
DEFAULT_FAMILY = {"summarization": "seq2seq", "embedding": "sentence-transformers"}

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Model names become parts of cache paths and revisions go to the hub: plain names only.
MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REVISION = re.compile(r"^[A-Za-z0-9][\w.-]{0,99}(?:/[\w.-]{1,100}){0,3}$")
LANG_CODE = re.compile(r"^[a-z]{2,3}$")
ROUTE_KEY = re.compile(rf"^\*$|{LANG_CODE.pattern}")


class ConfigError(SummarizerError, ValueError):
    """models.yaml is unreadable or inconsistent; the message says where and how to fix it."""


# --- value types: YAML's values as written (no "3" for 3, no true for 1) ----------------

Whole = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # a whole number is a number too
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]
BatchTokens = Annotated[Whole, Field(ge=64)]
WORDS = (5, 2000)  # the range of a brief or digest length, here and on the command line
Words = Annotated[Whole, Field(ge=WORDS[0], le=WORDS[1])]
_T = TypeVar("_T")
# A section left empty (`runtime:`) is the same as one left out: all its defaults.
Section = Annotated[_T, BeforeValidator(lambda value: {} if value is None else value)]


def _bare(kind: Any, constraints: list[Any] | None = None) -> Any:
    """``int`` from ``Annotated[int, Field(ge=64)] | None`` (and Ge(ge=64) into ``constraints``)."""
    while get_origin(kind) in (Annotated, Union, types.UnionType):
        if get_origin(kind) is Annotated and constraints is not None:
            constraints += [c for m in kind.__metadata__ for c in getattr(m, "metadata", [m])]
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return kind


def _matching(pattern: re.Pattern[str], problem: str) -> AfterValidator:
    """Text that matches ``pattern`` (and holds no '..'), else ``problem``."""

    def check(value: str) -> str:
        if not pattern.match(value) or ".." in value:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _names_model(task: str, *also: str) -> AfterValidator:
    """The name of a model of ``task`` (or one of ``also``), by the tasks as written: a route
    is checked even when the model it names has a mistake of its own."""

    def check(name: str | None, info: ValidationInfo) -> str | None:
        tasks = (info.context or {}).get("tasks")
        if tasks is None or name is None or name in also:
            return name
        fits = ", ".join([*sorted(n for n, t in tasks.items() if t == task), *also]) or "none"
        if name not in tasks:
            raise ValueError(f"names unknown model '{name}' ({task} models: {fits})")
        if tasks[name] != task:
            raise ValueError(f"names '{name}', a {tasks[name]} model ({task} models: {fits})")
        return name

    return AfterValidator(check)


_NAME_RULE = "a model's name may hold only letters, digits, '_', '.' and '-' (at most 64)"
Name = Annotated[str, BeforeValidator(str), _matching(MODEL_NAME, f"is not valid: {_NAME_RULE}")]
Revision = Annotated[
    Text,
    _matching(REVISION, "must be a branch, tag or commit hash (letters, digits, '_.-/')"),
]
RouteKey = Annotated[
    str, BeforeValidator(str), _matching(ROUTE_KEY, "must be an ISO 639 code such as 'de', or '*'")
]


# --- the loaded registry ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """One model entry of models.yaml (built by parse_config; the defaults are _Model's)."""

    name: str
    id: str
    task: Task
    family: Family
    local_path: Path | None
    revision: str | None
    max_input_tokens: int | None
    batch_size: int
    prefix: str
    allow_pickle: bool
    generation: dict[str, Any]
    backend: Backend | None  # None: runtime.backend
    compute_type: str | None  # None: runtime.compute_type
    max_batch_tokens: int | None  # None: runtime.max_batch_tokens
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


# StoriesSpec, Limits and Runtime are the file's sections as they are: pydantic dataclasses,
# so their fields state the defaults and ranges (dataclasses.replace checks them too).
@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class StoriesSpec:
    """How articles are grouped into stories and claims matched to sentences.

    ``model`` names a sentence-transformers model, or is "tfidf" (no model). Articles join
    a story when their similarity reaches the threshold for the backend in use and, when
    both are dated, they were published at most ``window_days`` apart (0: no limit).
    """

    model: Annotated[Text, _names_model("embedding", TFIDF)] = TFIDF
    threshold: Number = Field(0.6, gt=0, le=1)
    tfidf_threshold: Number = Field(0.2, gt=0, le=1)
    window_days: Whole = Field(30, ge=0, description="a whole number of days (0: no limit)")


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Limits:
    """What one web UI run accepts: uploaded megabytes per file (and per fetched page),
    articles, and characters of article text in all."""

    max_upload_mb: Whole = Field(20, ge=1, le=20)
    max_articles: Whole = Field(100, ge=1, le=10_000)
    max_chars: Whole = Field(1_000_000, ge=1, le=10**8)


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Runtime:
    """How models run: the backend, CTranslate2's compute type, padded tokens per batch,
    megabytes of weights kept loaded (None: auto), and CPU threads per model (0: auto)."""

    backend: Backend = "ctranslate2"
    compute_type: ComputeType = "auto"
    max_batch_tokens: BatchTokens = 4096
    model_memory_mb: Annotated[
        Whole | None, BeforeValidator(lambda value: None if value == "auto" else value)
    ] = Field(None, ge=1, description="a whole number of megabytes or auto")
    intra_threads: Whole = Field(
        0, ge=0, le=CORES, description=f"a whole number up to the {CORES} cores (0: one per core)"
    )


@dataclass(frozen=True)
class Config:
    """The validated registry."""

    path: Path
    models: dict[str, ModelSpec]
    target: str
    routes: dict[str, str]
    stages: dict[str, StageSpec]
    stories: StoriesSpec = field(default_factory=StoriesSpec)
    second_opinion: str | None = None  # translation.second_opinion: a translation model
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


# --- the file's schema: what StoriesSpec, Limits and Runtime do not already state --------


class _Schema(BaseModel):
    # validate_default: an absent section or family still gets its defaults and checks.
    model_config = ConfigDict(extra="forbid", validate_default=True)


class _Generation(_Schema):
    """Generation settings a user may set (plain numbers or booleans)."""

    num_beams: Whole | None = Field(None, ge=1)
    max_new_tokens: Whole | None = Field(None, ge=1)
    min_new_tokens: Whole | None = Field(None, ge=0)
    length_penalty: Number | None = None
    no_repeat_ngram_size: Whole | None = Field(None, ge=0)
    repetition_penalty: Number | None = Field(None, ge=0.01)
    early_stopping: Flag | None = None


class _Model(_Schema):
    id: Text = Field(min_length=1)  # a hub id, or a folder relative to the yaml's folder
    task: Task
    family: Text | None = None  # by task: DEFAULT_FAMILY, one of TASK_FAMILIES
    revision: Revision | None = None
    max_input_tokens: Whole | None = Field(None, ge=8)
    batch_size: Whole = Field(16, ge=1)
    prefix: Text | None = None  # None: "summarize: " for T5, else ""
    allow_pickle: Flag = False
    generation: Section[_Generation] = {}
    backend: Backend | None = None
    compute_type: ComputeType | None = None
    max_batch_tokens: BatchTokens | None = None

    @field_validator("id")
    @classmethod
    def _folder_or_hub_id(cls, model_id: str, info: ValidationInfo) -> str:
        folder = info.context["base"] / Path(model_id).expanduser()
        if folder.is_dir() or HUB_ID.match(model_id):
            return model_id
        if model_id.startswith((".", "/", "~")):
            raise ValueError(
                f"names folder '{model_id}', which does not exist (looked in {folder}); "
                "fix the path or use a hub id"
            )
        raise ValueError(f"'{model_id}' is neither an existing folder nor a hub id like 'org/name'")

    @field_validator("family")
    @classmethod
    def _family_of_task(cls, family: str | None, info: ValidationInfo) -> str | None:
        task = info.data.get("task")  # absent when the task itself is wrong
        family = family or DEFAULT_FAMILY.get(task)
        valid = TASK_FAMILIES.get(task, FAMILIES)
        if family is None and task is not None:
            raise ValueError(f"is required for a {task} model (one of {', '.join(valid)})")
        if family is not None and family not in valid:
            raise ValueError(f"'{family}' is not one of {', '.join(valid)}")
        return family

    @field_validator("prefix")
    @classmethod
    def _t5_prefix(cls, prefix: str | None, info: ValidationInfo) -> str:
        if prefix is not None:
            return prefix
        return "summarize: " if info.data.get("family") == "t5" else ""

    @field_validator("generation", mode="wrap")
    @classmethod
    def _as_written(cls, generation: Any, check: Any) -> dict[str, Any]:
        """Checked by _Generation, kept as written (order, and 2 not turned into 2.0)."""
        check(generation)
        return dict(generation or {})


class _Translation(_Schema):
    target: Annotated[Text, _matching(LANG_CODE, "must be an ISO 639 code such as 'en'")] = "en"
    routes: Section[dict[RouteKey, Annotated[Text, _names_model("translation")]]] = {}
    # A translation model that translates again the sentences the checks find doubtful.
    second_opinion: Annotated[Text | None, _names_model("translation")] = None


class _Stage(_Schema):
    model: Annotated[Text | None, _names_model("summarization")] = None
    engine: Engine | None = None  # None: summarization.engine


class _Brief(_Stage):
    words: Words = 80


class _Digest(_Stage):
    words: Words = 160


class _Summarization(_Schema):
    engine: Engine = "abstractive"
    brief: Section[_Brief] = {}
    digest: Section[_Digest] = {}

    @field_validator("brief", "digest")
    @classmethod
    def _model_unless_extractive(cls, stage: _Stage, info: ValidationInfo) -> _Stage:
        if stage.model is None and (stage.engine or info.data.get("engine")) == "abstractive":
            summarizers = [n for n, t in info.context["tasks"].items() if t == "summarization"]
            raise ValueError(
                f"needs 'model: NAME' (summarization models: "
                f"{', '.join(sorted(summarizers)) or 'none'}) or 'engine: extractive'"
            )
        return stage


class _File(_Schema):
    models: dict[Name, _Model] = Field(min_length=1)
    translation: Section[_Translation] = {}
    summarization: Section[_Summarization] = {}
    stories: Section[StoriesSpec] = {}
    limits: Section[Limits] = {}
    runtime: Section[Runtime] = {}


# The generation keys and the type of each: int, float or bool.
GENERATION_KEYS: dict[str, type] = {
    key: _bare(info.annotation) for key, info in _Generation.model_fields.items()
}


# --- loading ------------------------------------------------------------------------------


def resolve_config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The file to use: an explicit path, then $SUMMARIZER_CONFIG, then the packaged default."""
    chosen = path or os.environ.get(ENV_VAR) or DEFAULT_CONFIG
    return Path(chosen).expanduser()


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate models.yaml; raises ConfigError naming every problem and its fix."""
    file = resolve_config_path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found; pass --config PATH or set {ENV_VAR}")
    if file.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{file}: {file.stat().st_size:,} bytes is more than a models.yaml should be "
            f"(at most {MAX_CONFIG_BYTES:,}); check that --config names the right file"
        )
    try:
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=_NoAliasLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid YAML ({' '.join(str(exc).split())})") from None
    return parse_config(raw, file)


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases: a models.yaml needs none, and an
    alias bomb (a few lines that expand to billions of nodes) must fail at once."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in models.yaml; write values out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def parse_config(raw: Any, file: Path) -> Config:
    """Validate the parsed YAML document of ``file``."""
    entries = raw.get("models") if isinstance(raw, dict) else None
    tasks = {
        str(name): entry.get("task") if isinstance(entry, dict) else None
        for name, entry in (entries.items() if isinstance(entries, dict) else ())
    }
    try:
        checked = _File.model_validate(raw, context={"base": file.parent, "tasks": tasks})
    except ValidationError as exc:
        problems = [_problem(error) for error in exc.errors()]
        head = f"{file}: " if len(problems) == 1 else f"{file}: {len(problems)} problems:\n  "
        raise ConfigError(head + "\n  ".join(problems)) from None
    summarization = checked.summarization
    return Config(
        path=file,
        models={
            name: ModelSpec(name=name, local_path=_folder(m.id, file.parent), **dict(m))
            for name, m in checked.models.items()
        },
        target=checked.translation.target,
        routes=checked.translation.routes,
        second_opinion=checked.translation.second_opinion,
        stages={
            name: StageSpec(s.model, s.words, s.engine or summarization.engine)
            for name, s in (("brief", summarization.brief), ("digest", summarization.digest))
        },
        stories=checked.stories,
        limits=checked.limits,
        runtime=checked.runtime,
    )


def _folder(model_id: str, base: Path) -> Path | None:
    """The folder a model's id names (relative to the yaml's folder), or None for a hub id."""
    candidate = base / Path(model_id).expanduser()
    return candidate.resolve() if candidate.is_dir() else None


# --- one line per problem, from pydantic's errors -----------------------------------------


def _problem(error: ErrorDetails) -> str:
    """``models.tr.family 'gpt' is not one of marian, nllb, m2m100``, and the like."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx", {})
    if loc and loc[-1] == "[key]":  # a mapping's key: a model's name, a route's language
        where = f"{_dotted(loc[:-2])} key '{error['input']}'"
    else:
        where = _dotted(loc) or "the top level"
    if kind == "value_error":
        return f"{where} {ctx['error']}"
    if kind == "missing":
        return f"{where} is required"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        valid = ", ".join(sorted(_fields(_schema_at(loc[:-1])[0])))
        return f"{where} is an unknown key (valid: {valid})"
    if kind == "literal_error":
        choices = ", ".join(re.findall(r"'([^']*)'", ctx["expected"]))
        return f"{where} '{error['input']}' is not one of {choices}"
    if kind.endswith("too_short"):
        return f"{where} must not be empty"
    expected = _expected(*_schema_at(loc))
    return f"{where} must be {expected}" if expected else f"{where}: {error['msg']}"


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc))


def _schema_at(loc: tuple[int | str, ...]) -> tuple[Any, Any]:
    """The type at ``loc`` in the file's schema, and its pydantic FieldInfo (if a field)."""
    kind, info = _File, None
    for part in loc:
        info = _fields(kind).get(part)  # None: ``part`` is a key of a mapping, the value's type
        kind = info.annotation if info else (get_args(_bare(kind)) or [None])[-1]
    return kind, info


def _fields(kind: Any) -> dict[str, Any]:
    return getattr(_bare(kind), "__pydantic_fields__", {})


def _expected(kind: Any, info: Any) -> str:
    """What a value must be, from its type and the field's bounds."""
    meta = list(info.metadata) if info is not None else []
    kind = _bare(kind, meta)
    if kind not in (int, float):
        mapping = "a mapping" if _fields(kind) or get_origin(kind) is dict else None
        return {bool: "true or false", str: "text"}.get(kind, mapping)
    if info is not None and info.description:
        return info.description
    ge, gt, le = (
        next((getattr(m, b) for m in meta if hasattr(m, b)), None) for b in ("ge", "gt", "le")
    )
    what = "a whole number" if kind is int else "a number"
    if le is not None:
        return f"{what} from {ge} to {le}" if gt is None else f"{what} above {gt} and at most {le}"
    if gt is not None:
        return f"{what} above {gt}"
    if ge is not None and not (kind is int and ge == 0):  # whole numbers start at 0
        return f"{what} of at least {ge}"
    return what
