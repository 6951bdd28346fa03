"""Open the models named in models.yaml and run batched generation (the pool in pool.py
keeps them loaded within a memory bound).

One wrapper serves every family: MarianMT, NLLB-200 and M2M100 translators (each text is
encoded with its own source-language code, so one batch can mix languages) and seq2seq
summarizers (BART, PEGASUS, T5 with its prefix). Weights load from safetensors only,
never with remote code.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .backends import (
    BackendError,
    CT2Runner,
    Decoding,
    TorchRunner,
    converted_folder,
    cpu_threads,
    resolve_compute_type,
)
from .config import Config, ModelSpec
from .hub import load_errors, model_folder
from .language import m2m100_code, nllb_code
from .similarity import Embedder
from .types import ModelLoadError, SummarizerError, one_line

logger = logging.getLogger("summarizer")

# How every model is opened once its folder is here: from that folder only, no remote code.
LOCAL: dict[str, Any] = {"revision": None, "local_files_only": True, "trust_remote_code": False}
TRANSLATION_INPUT_CAP = 512  # tokens; longer sentences are split before translation
LENGTH_CACHE = 65536  # token counts a model keeps (pack() asks about every growing prefix)


class UnsupportedLanguage(SummarizerError, ValueError):
    """The routed model has no code for the article's language."""


class Holder(Protocol):
    """What keeps a model's weights loaded while it generates: the model pool."""

    def hold(self, model: Seq2Seq) -> contextlib.AbstractContextManager[None]: ...


@dataclass
class Seq2Seq:
    """A tokenizer, a backend that runs the weights, and the settings models.yaml gave it.

    Texts are tokenized here for both backends; ``generate`` packs them into batches of
    similar length and asks the pool to have the weights loaded while it runs.
    """

    spec: ModelSpec
    tokenizer: Any
    runner: TorchRunner | CT2Runner
    device: str
    target: str = "en"
    max_positions: int | None = None
    defaults: dict[str, Any] = field(default_factory=dict)  # the checkpoint's generation config
    max_batch_tokens: int = 4096
    pool: Holder | None = None  # the pool that loaded it (see pool.ModelPool.hold)

    def __post_init__(self) -> None:
        self._lengths: OrderedDict[tuple[str, str | None], int] = OrderedDict()
        self._lengths_lock = threading.Lock()
        self.runner.pad_id = self.tokenizer.pad_token_id or 0  # type: ignore[union-attr]
        self.runner.tokenizer = self.tokenizer  # type: ignore[union-attr]

    @property
    def backend(self) -> str:
        return self.runner.name

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, from models.yaml or the model's own config."""
        if self.spec.max_input_tokens:
            return self.spec.max_input_tokens
        limits = [self.max_positions]
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
        # verbose=False: a sentence over the limit is split before generation, so the
        # tokenizer's "indexing errors" warning would only alarm. split_special_tokens: an
        # article's "</s>" or "<mask>" is text, not a token (it ended inputs early, and
        # crashed distilbart-cnn, whose embedding has no <mask> row).
        encoded = self.tokenizer(self.spec.prefix + text, verbose=False, split_special_tokens=True)
        return list(encoded["input_ids"])

    def count_tokens(self, text: str, src_lang: str | None = None) -> int:
        """Tokens in ``text``; the last LENGTH_CACHE answers are kept (splitting asks about
        the same pieces again and again), the oldest dropped first."""
        key = (text, src_lang)
        with self._lengths_lock:
            if key in self._lengths:
                self._lengths.move_to_end(key)
                return self._lengths[key]
        count = len(self.encode(text, src_lang))
        with self._lengths_lock:
            self._lengths[key] = count
            if len(self._lengths) > LENGTH_CACHE:
                self._lengths.popitem(last=False)
        return count

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
        failures: dict[int, str] | None = None,
        scores: dict[int, float] | None = None,
    ) -> list[str]:
        """One output per input, in input order; inputs of similar length share a batch.
        Given ``scores``, each output's mean token log-probability (the model's confidence
        in it) is recorded there by input index.

        A batch that fails (a model error, out of memory) is retried in halves, down to
        single inputs; out of memory also lowers ``max_batch_tokens`` for later batches.
        An input that fails alone raises, or, given ``failures``, is recorded there (index
        -> one-line reason) with "" as its output, so the others still get theirs.
        """
        langs = list(src_langs) if src_langs is not None else [None] * len(texts)
        encoded = [self.encode(t, lang) for t, lang in zip(texts, langs, strict=True)]
        for ids in encoded:
            if len(ids) > self.max_input_tokens:
                raise ValueError(
                    f"input of {len(ids)} tokens is over model '{self.spec.name}''s limit of "
                    f"{self.max_input_tokens}; it must be split first"
                )
        outputs: list[str] = [""] * len(texts)
        batches = token_batches(
            [len(ids) for ids in encoded], self.max_batch_tokens, self.spec.batch_size
        )
        run = functools.partial(
            self._run_rows, encoded=encoded, outputs=outputs, max_new=max_new_tokens,
            min_new=min_new_tokens, on_batch=on_batch, failures=failures, scores=scores,
        )  # fmt: skip
        with self.pool.hold(self) if self.pool else contextlib.nullcontext():
            for batch in batches:
                run(batch)
        return outputs

    def _run_rows(
        self,
        rows: list[int],
        *,
        encoded: list[list[int]],
        outputs: list[str],
        max_new: int | None,
        min_new: int | None,
        on_batch: Callable[[int], None] | None,
        failures: dict[int, str] | None,
        scores: dict[int, float] | None = None,
    ) -> None:
        """Generate for ``rows`` of ``encoded`` into ``outputs``; on failure, in halves."""
        longest = max(len(encoded[i]) for i in rows)
        decoding = self.decoding(longest, max_new, min_new)
        try:
            generated = self.runner.generate([encoded[i] for i in rows], decoding)
        except ModelLoadError:
            raise
        except Exception as exc:  # MemoryError and torch's OutOfMemoryError included
            if is_out_of_memory(exc):
                self._after_out_of_memory(len(rows) * longest)
            if len(rows) == 1:
                if failures is None:
                    raise
                failures[rows[0]] = one_line(exc) or type(exc).__name__
                logger.warning("model '%s' failed on one input: %s", self.spec.name,
                               failures[rows[0]])  # fmt: skip
                if on_batch:
                    on_batch(1)
                return
            logger.warning(
                "model '%s': a batch of %d inputs failed (%s); retrying it in halves",
                self.spec.name, len(rows), one_line(exc) or type(exc).__name__,
            )  # fmt: skip
            half = len(rows) // 2
            for part in (rows[:half], rows[half:]):
                self._run_rows(
                    part, encoded=encoded, outputs=outputs, max_new=max_new, min_new=min_new,
                    on_batch=on_batch, failures=failures, scores=scores,
                )  # fmt: skip
            return
        if scores is not None:
            try:
                found = self.runner.score([encoded[i] for i in rows], generated)
                scores.update(zip(rows, found, strict=True))
            except Exception as exc:  # a confidence is a bonus: never lose the outputs for it
                logger.warning("model '%s' could not score its outputs: %s", self.spec.name,
                               one_line(exc))  # fmt: skip
        decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
        for i, text in zip(rows, decoded, strict=True):
            outputs[i] = " ".join(text.split())
        if on_batch:
            on_batch(len(rows))

    def _after_out_of_memory(self, padded: int) -> None:
        """Free what the failed batch held and keep later batches under half its size."""
        gc.collect()
        if self.device == "cuda":
            import torch

            torch.cuda.empty_cache()
        smaller = max(1, padded // 2)
        if smaller < self.max_batch_tokens:
            logger.warning(
                "model '%s' ran out of memory on a batch of %d tokens; batches are now at "
                "most %d tokens (max_batch_tokens in models.yaml)",
                self.spec.name, padded, smaller,
            )  # fmt: skip
            self.max_batch_tokens = smaller

    def decoding(self, longest: int, max_new: int | None, min_new: int | None) -> Decoding:
        """The checkpoint's generation settings, then models.yaml's, then the lengths asked
        for here (a models.yaml minimum is kept as a floor)."""
        values: dict[str, Any] = {
            k: self.defaults[k] for k in DECODING_KEYS if self.defaults.get(k) is not None
        }
        if self.spec.task == "translation":
            values["num_beams"] = 4
        gen = self.spec.generation
        values.update({k: v for k, v in gen.items() if k in DECODING_KEYS})
        cap = gen.get("max_new_tokens")  # models.yaml's length is used as it is
        own = self.defaults.get("max_new_tokens")  # the checkpoint's is an upper bound
        if max_new is not None:
            values["max_new_tokens"] = min(max_new, cap or own or max_new)
        else:
            values["max_new_tokens"] = cap or min(own or 512, int(longest * 1.6) + 10)
        floor = max(min_new or 0, gen.get("min_new_tokens", self.defaults.get("min_new_tokens", 0)))
        values["min_new_tokens"] = min(floor, values["max_new_tokens"])
        if self.spec.family == "nllb":
            values["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(
                nllb_code(self.target)
            )
        elif self.spec.family == "m2m100":
            values["forced_bos_token_id"] = self._lang_id(m2m100_code(self.target))
        else:
            values["forced_bos_token_id"] = self.defaults.get("forced_bos_token_id")
        values["forced_eos"] = self.defaults.get("forced_eos_token_id") is not None
        return Decoding(**values)

    def _token_id(self, token: str) -> int | None:
        found = self.tokenizer.convert_tokens_to_ids(token)
        return None if found in (None, self.tokenizer.unk_token_id) else found

    def _lang_id(self, code: str) -> int | None:
        try:
            return self.tokenizer.get_lang_id(code)
        except (KeyError, AttributeError):
            return None


DECODING_KEYS = (
    "num_beams", "length_penalty", "no_repeat_ngram_size", "repetition_penalty",
    "early_stopping",
)  # fmt: skip
CHECKPOINT_KEYS = (*DECODING_KEYS, "min_length", "max_length", "forced_bos_token_id",
                   "forced_eos_token_id")  # fmt: skip


def checkpoint_generation(folder: Path, task: str) -> dict[str, Any]:
    """The checkpoint's own generation settings, lengths as new tokens.

    From generation_config.json; a checkpoint without one (distilbart-cnn, older BARTs)
    keeps them in config.json, under ``task_specific_params`` for its task or at the top,
    where transformers 5 no longer applies them and CTranslate2 never looks.
    """
    own = folder / "generation_config.json"
    try:
        raw = json.loads((own if own.is_file() else folder / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    found = {k: raw[k] for k in CHECKPOINT_KEYS if raw.get(k) is not None}
    if not own.is_file():
        specific = (raw.get("task_specific_params") or {}).get(task)
        if isinstance(specific, dict):
            found.update({k: specific[k] for k in CHECKPOINT_KEYS if specific.get(k) is not None})
        if found:
            logger.info("%s has no generation_config.json; using the generation settings in its "
                        "config.json: %s", folder, found)  # fmt: skip
    # Lengths count the decoder's start token; new tokens do not.
    if isinstance(found.get("max_length"), int):
        found["max_new_tokens"] = max(1, found.pop("max_length") - 1)
    if isinstance(found.get("min_length"), int):
        found["min_new_tokens"] = max(0, found.pop("min_length") - 1)
    return found


def token_batches(lengths: Sequence[int], max_tokens: int, max_size: int) -> list[list[int]]:
    """Indices packed into batches of similar length, longest first: a batch grows while
    its padded size (rows x longest) stays within ``max_tokens`` and it has at most
    ``max_size`` rows. An input longer than ``max_tokens`` gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches:
            batch = batches[-1]
            longest = lengths[batch[0]]  # sorted: the first row is the longest
            if len(batch) < max_size and (len(batch) + 1) * longest <= max_tokens:
                batch.append(i)
                continue
        batches.append([i])
    return batches


def load_model(spec: ModelSpec, device: str, needed_by: str, config: Config) -> Seq2Seq:
    """The tokenizer and a backend for the weights (loaded later, by the pool); every
    failure becomes one ModelLoadError line. A model that CTranslate2 cannot take runs on
    transformers, with a warning that says why."""
    from transformers import AutoConfig, AutoTokenizer

    logger.info("opening %s model '%s' from %s", spec.task, spec.name, spec.source)
    folder = model_folder(spec, needed_by)
    with load_errors(spec, needed_by):
        tokenizer = AutoTokenizer.from_pretrained(folder, **LOCAL)
        hf_config = AutoConfig.from_pretrained(folder, **LOCAL)
        defaults = checkpoint_generation(folder, spec.task)
        runner: TorchRunner | CT2Runner | None = None
        if config.backend(spec) == "ctranslate2":
            compute = compute_type(spec, config, device)
            try:
                ct2_folder = converted_folder(spec, folder, compute)
                runner = CT2Runner(
                    spec, ct2_folder, device, compute, cpu_threads(config.runtime.intra_threads)
                )
            except BackendError as exc:
                logger.warning("model '%s' runs on transformers instead: %s", spec.name, exc)
        if runner is None:
            _set_torch_threads(config.runtime.intra_threads, device)
            runner = TorchRunner(spec, str(folder), device, dict(LOCAL))
        return Seq2Seq(
            spec=spec,
            tokenizer=tokenizer,
            runner=runner,
            device=device,
            target=config.target,
            max_positions=getattr(hf_config, "max_position_embeddings", None),
            defaults=defaults,
            max_batch_tokens=spec.max_batch_tokens or config.runtime.max_batch_tokens,
        )


def runtime_tag(spec: ModelSpec, config: Config, device: str) -> str:
    """What besides the weights decides a model's output: backend and compute type."""
    if config.backend(spec) == "transformers":
        return "transformers"
    return "ctranslate2:" + compute_type(spec, config, device)


def compute_type(spec: ModelSpec, config: Config, device: str, asked: str | None = None) -> str:
    """The CTranslate2 compute type of ``spec``: ``asked``, its own, else the runtime's."""
    return resolve_compute_type(asked or spec.compute_type or config.runtime.compute_type, device)


def _set_torch_threads(requested: int, device: str) -> None:
    if device == "cpu" and requested > 0:
        import torch

        torch.set_num_threads(requested)


def load_embedder(spec: ModelSpec, device: str, needed_by: str, target: str = "en") -> Embedder:
    """Load a sentence-transformers model (safetensors, no remote code)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a dependency, but say what to do
        raise ModelLoadError(
            f"model '{spec.name}' needs sentence-transformers: pip install sentence-transformers"
        ) from exc

    folder = model_folder(spec, needed_by)
    with load_errors(spec, needed_by):
        logger.info("loading embedding model '%s' from %s on %s", spec.name, spec.source, device)
        model = SentenceTransformer(
            str(folder),
            device=device,
            model_kwargs={"use_safetensors": None if spec.allow_pickle else True},
            trust_remote_code=False,
            local_files_only=True,
        )
        model.eval()
        return Embedder(spec=spec, model=model, batch_size=spec.batch_size)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says the device (or the machine) ran out of memory."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    return "out of memory" in str(exc).lower()
