"""Load models named in models.yaml once per process and run batched generation.

One wrapper serves every family: MarianMT, NLLB-200 and M2M100 translators (each text is
encoded with its own source-language code, so one batch can mix languages) and seq2seq
summarizers (BART, PEGASUS, T5 with its prefix). Weights load from safetensors only,
never with remote code.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from .config import Config, ModelSpec
from .language import m2m100_code, nllb_code
from .similarity import Embedder

logger = logging.getLogger("summarizer")

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
TRANSLATION_INPUT_CAP = 512  # tokens; longer sentences are split before translation


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message names it and says how to fix it."""


class UnsupportedLanguage(ValueError):
    """The routed model has no code for the article's language."""


def pick_device(requested: Device = "auto") -> str:
    """'cuda' when asked for (or auto) and present, else 'cpu' (warning if cuda was asked)."""
    if requested not in DEVICES:
        raise ValueError(f"device '{requested}' is not one of {', '.join(DEVICES)}")
    import torch

    if requested == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        logger.warning("CUDA was requested but no GPU is available; running on the CPU")
    return "cpu"


@dataclass
class Seq2Seq:
    """A loaded tokenizer + model pair and the settings models.yaml gave it."""

    spec: ModelSpec
    tokenizer: Any
    model: Any
    device: str
    target: str = "en"

    def __post_init__(self) -> None:
        self._lengths: dict[tuple[str, str | None], int] = {}

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, from models.yaml or the model's own config."""
        if self.spec.max_input_tokens:
            return self.spec.max_input_tokens
        limits = [getattr(self.model.config, "max_position_embeddings", None)]
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_max, int) and tok_max < 100_000:
            limits.append(tok_max)
        limit = min(v for v in limits if v) if any(limits) else 512
        return min(limit, TRANSLATION_INPUT_CAP) if self.spec.task == "translation" else limit

    def encode(self, text: str, src_lang: str | None = None) -> list[int]:
        """Token ids of one input, special and language tokens included."""
        if self.spec.family == "nllb":
            code = nllb_code(src_lang or "")
            if code is None or self._token_id(code) is None:
                raise UnsupportedLanguage(
                    f"language '{src_lang}' has no NLLB code in model '{self.spec.name}'"
                )
            self.tokenizer.src_lang = code
        elif self.spec.family == "m2m100":
            code = m2m100_code(src_lang or "")
            if self._lang_id(code) is None:
                raise UnsupportedLanguage(
                    f"language '{src_lang}' is not one of model '{self.spec.name}''s languages"
                )
            self.tokenizer.src_lang = code
        return list(self.tokenizer(self.spec.prefix + text)["input_ids"])

    def count_tokens(self, text: str, src_lang: str | None = None) -> int:
        key = (text, src_lang)
        if key not in self._lengths:
            self._lengths[key] = len(self.encode(text, src_lang))
        return self._lengths[key]

    def counter(self, src_lang: str | None = None) -> Callable[[str], int]:
        return lambda text: self.count_tokens(text, src_lang)

    def supports(self, src_lang: str) -> bool:
        try:
            self.encode("a", src_lang)
        except UnsupportedLanguage:
            return False
        return True

    def generate(
        self,
        texts: Sequence[str],
        src_langs: Sequence[str | None] | None = None,
        *,
        max_new_tokens: int | None = None,
        min_new_tokens: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[str]:
        """Generate one output per input, longest inputs first in batches, in input order."""
        import torch

        langs = list(src_langs) if src_langs is not None else [None] * len(texts)
        encoded = [self.encode(t, lang) for t, lang in zip(texts, langs, strict=True)]
        for ids in encoded:
            if len(ids) > self.max_input_tokens:
                raise ValueError(
                    f"input of {len(ids)} tokens is over model '{self.spec.name}''s limit of "
                    f"{self.max_input_tokens}; it must be split first"
                )
        order = sorted(range(len(texts)), key=lambda i: -len(encoded[i]))
        outputs: list[str] = [""] * len(texts)
        size = self.spec.batch_size
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            features = self.tokenizer.pad(
                {"input_ids": [encoded[i] for i in batch]}, return_tensors="pt"
            ).to(self.device)
            longest = max(len(encoded[i]) for i in batch)
            kwargs = self._generation_kwargs(longest, max_new_tokens, min_new_tokens)
            with torch.inference_mode():
                generated = self.model.generate(**features, **kwargs)
            decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            for i, text in zip(batch, decoded, strict=True):
                outputs[i] = " ".join(text.split())
            if on_batch:
                on_batch(len(batch))
        return outputs

    def _generation_kwargs(
        self, longest: int, max_new: int | None, min_new: int | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"num_beams": 4} if self.spec.task == "translation" else {}
        kwargs.update(self.spec.generation)
        if max_new is not None:
            kwargs["max_new_tokens"] = min(max_new, kwargs.get("max_new_tokens", max_new))
        elif "max_new_tokens" not in kwargs:
            kwargs["max_new_tokens"] = min(512, int(longest * 1.6) + 10)
        if min_new is not None:
            kwargs["min_new_tokens"] = min(min_new, kwargs["max_new_tokens"])
        kwargs.setdefault("min_new_tokens", 0)
        # The checkpoint's own length limits would fight the ones set here.
        own = self.model.generation_config
        if getattr(own, "min_length", 0):
            kwargs["min_length"] = 0
        if kwargs.get("min_new_tokens") == 0:
            del kwargs["min_new_tokens"]
        if self.spec.family == "nllb":
            kwargs["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(
                nllb_code(self.target)
            )
        elif self.spec.family == "m2m100":
            kwargs["forced_bos_token_id"] = self._lang_id(m2m100_code(self.target))
        return kwargs

    def _token_id(self, token: str) -> int | None:
        found = self.tokenizer.convert_tokens_to_ids(token)
        return None if found in (None, self.tokenizer.unk_token_id) else found

    def _lang_id(self, code: str) -> int | None:
        try:
            return self.tokenizer.get_lang_id(code)
        except (KeyError, AttributeError):
            return None


class ModelPool:
    """Models load lazily, once per process, and are shared by every caller (thread-safe)."""

    def __init__(self, config: Config, device: Device = "auto") -> None:
        self.config = config
        self.device = pick_device(device)
        self._models: dict[str, Any] = {}
        self._failed: dict[str, ModelLoadError] = {}
        self._lock = threading.Lock()

    def get(self, name: str, needed_by: str) -> Seq2Seq:
        """The loaded seq2seq model ``name``; ``needed_by`` (e.g. "route 'ar'") goes into errors."""
        return self._load(name, needed_by, load_model)

    def embedder(self, name: str, needed_by: str) -> Embedder:
        """The loaded sentence-transformers model ``name``."""
        return self._load(name, needed_by, load_embedder)

    def _load(self, name: str, needed_by: str, loader: Callable[..., Any]) -> Any:
        with self._lock:
            if name in self._failed:
                raise self._failed[name]
            if name not in self._models:
                try:
                    self._models[name] = loader(
                        self.config.models[name], self.device, needed_by, self.config.target
                    )
                except ModelLoadError as exc:
                    self._failed[name] = exc
                    raise
            return self._models[name]


def is_cached(spec: ModelSpec) -> bool:
    """Whether the model's files are on this machine (a local folder or the hub cache)."""
    if spec.local_path is not None:
        return True
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.id, "config.json", revision=spec.revision)
    return isinstance(found, str)


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """One quick TCP probe of the hub per process, so an offline run fails in seconds
    instead of waiting through huggingface_hub's retries for every model."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def load_model(spec: ModelSpec, device: str, needed_by: str, target: str = "en") -> Seq2Seq:
    """Load tokenizer and model; every failure becomes one ModelLoadError line."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    def load(source: str, common: dict[str, Any]) -> Seq2Seq:
        tokenizer = AutoTokenizer.from_pretrained(source, **common)
        model = AutoModelForSeq2SeqLM.from_pretrained(
            source, use_safetensors=None if spec.allow_pickle else True, **common
        )
        model.eval().to(device)
        return Seq2Seq(spec=spec, tokenizer=tokenizer, model=model, device=device, target=target)

    return _guarded_load(spec, device, needed_by, load)


def load_embedder(spec: ModelSpec, device: str, needed_by: str, target: str = "en") -> Embedder:
    """Load a sentence-transformers model (safetensors, no remote code)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a dependency, but say what to do
        raise ModelLoadError(
            f"model '{spec.name}' needs sentence-transformers: pip install sentence-transformers"
        ) from exc

    def load(source: str, common: dict[str, Any]) -> Embedder:
        model = SentenceTransformer(
            source,
            device=device,
            model_kwargs={"use_safetensors": None if spec.allow_pickle else True},
            **common,
        )
        model.eval()
        return Embedder(spec=spec, model=model, batch_size=spec.batch_size)

    return _guarded_load(spec, device, needed_by, load)


def _guarded_load(
    spec: ModelSpec, device: str, needed_by: str, load: Callable[[str, dict[str, Any]], Any]
) -> Any:
    """Run ``load`` with the offline, safety and error-message rules every model shares."""
    source = spec.source
    cached = is_cached(spec)
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    if not cached and (offline or not hub_reachable()):
        raise ModelLoadError(_missing_message(spec, needed_by))
    common: dict[str, Any] = {
        "revision": spec.revision,
        "trust_remote_code": False,
        "local_files_only": cached,
    }
    if spec.local_path is not None:
        _check_weights(spec)
    logger.info("loading %s model '%s' from %s on %s", spec.task, spec.name, source, device)
    try:
        return load(source, common)
    except OSError as exc:
        if not cached:
            raise ModelLoadError(_missing_message(spec, needed_by)) from exc
        raise ModelLoadError(
            f"model '{spec.name}' ({source}), needed by {needed_by}, could not be loaded: "
            f"{one_line(exc)}; re-download it with `summarize models pull {spec.name}`"
        ) from exc
    except Exception as exc:
        raise ModelLoadError(
            f"model '{spec.name}' ({source}), needed by {needed_by}, could not be loaded: "
            f"{one_line(exc)}"
        ) from exc


def _check_weights(spec: ModelSpec) -> None:
    folder = spec.local_path
    assert folder is not None
    if any(folder.glob("*.safetensors")):
        return
    if any(folder.glob("*.bin")) or any(folder.glob("*.pt")):
        if spec.allow_pickle:
            return
        raise ModelLoadError(
            f"model '{spec.name}' ({folder}) has only pickle weights (.bin), which can run code "
            "when loaded; convert them to safetensors, or set allow_pickle: true for it in "
            "models.yaml if you trust the folder"
        )
    raise ModelLoadError(
        f"model '{spec.name}' ({folder}) has no weights file (*.safetensors); "
        "point its id at a complete model folder"
    )


def _missing_message(spec: ModelSpec, needed_by: str) -> str:
    return (
        f"model '{spec.name}' ({spec.id}), needed by {needed_by}, is not in the local cache and "
        f"the hub cannot be reached: run `summarize models pull {spec.name}` on a connected "
        f"machine, or set its id in models.yaml to a local folder"
    )


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")
