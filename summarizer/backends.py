"""The two ways a seq2seq model runs: CTranslate2 (fast, the default) and transformers (the
reference and fallback). Both take token ids and return token ids, so tokenizing, batching
and decoding stay in one place (models.Seq2Seq) and both backends share them.

A Hugging Face folder is converted to CTranslate2 once per compute type, into a folder
beside the weights (``<model>/ctranslate2-int8``), or into the user cache when the model's
folder is read-only; a marker file records what it was converted from, so replaced weights
are converted again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ModelSpec
from .types import SummarizerError
from .utils import weights_fingerprint

logger = logging.getLogger("summarizer")

CONVERSION_MARKER = "summarizer-conversion.json"
# Keys that older checkpoints' config.json carry and CTranslate2's converter reads, but that
# a config saved by transformers 5 may lack: the values those checkpoints have.
_LEGACY_CONFIG = {
    "bart": {"normalize_before": False},
    "mbart": {"normalize_before": True},
    "pegasus": {"normalize_before": True, "normalize_embedding": False},
}


class BackendError(SummarizerError, RuntimeError):
    """A backend cannot run a model (missing package, failed conversion); says why."""


@dataclass(frozen=True)
class Decoding:
    """Everything a backend needs to decode a batch, explicit so both backends agree."""

    num_beams: int = 4
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    forced_bos_token_id: int | None = None  # NLLB/M2M100 target language, BART's <s>
    early_stopping: bool | str = False  # transformers only
    forced_eos: bool = False  # the last slot holds </s> (Marian, BART), as transformers does


def cpu_threads(requested: int = 0) -> int:
    """Threads for one model: ``requested``, else the cores this process may use."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto`` becomes int8 on the CPU and float16 on a GPU."""
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def import_ctranslate2() -> Any:
    try:
        import ctranslate2
    except ImportError as exc:
        raise BackendError(
            "the ctranslate2 backend needs the ctranslate2 package: pip install ctranslate2 "
            "(or set backend: transformers in models.yaml)"
        ) from exc
    return ctranslate2


def weights_bytes(folder: Path) -> int:
    """Size of a folder's weight files: a fair estimate of the memory they take loaded."""
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) or sum(
        p.stat().st_size for p in folder.glob("*.bin")
    )


class TorchRunner:
    """A transformers model; loads on demand, unloads to free memory."""

    name = "transformers"

    def __init__(self, spec: ModelSpec, folder: str, device: str, common: dict[str, Any]):
        self.spec, self.folder, self.device, self.common = spec, folder, device, common
        self.model: Any = None
        self.pad_id = 0
        local = Path(folder)
        self.estimate = weights_bytes(local) if local.is_dir() else 0

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def load(self) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        # float32 on the CPU: transformers 5 keeps a float16 checkpoint (tc-big) in float16,
        # whose matrix products are about 100x slower on a CPU.
        dtype = torch.float32 if self.device == "cpu" else "auto"
        model = AutoModelForSeq2SeqLM.from_pretrained(
            self.folder,
            use_safetensors=None if self.spec.allow_pickle else True,
            dtype=dtype,
            **self.common,
        )
        # Lengths come from Decoding every call; the checkpoint's would fight them.
        model.generation_config.max_length = None
        model.generation_config.min_length = None
        self.model = model.eval().to(self.device)
        self.estimate = sum(p.numel() * p.element_size() for p in model.parameters())

    def unload(self) -> None:
        self.model = None

    def generate(self, batch: list[list[int]], decoding: Decoding) -> list[list[int]]:
        import torch

        ids, mask = self._padded(batch)
        kwargs: dict[str, Any] = {
            "num_beams": decoding.num_beams,
            "max_new_tokens": decoding.max_new_tokens,
            "length_penalty": decoding.length_penalty,
            "no_repeat_ngram_size": decoding.no_repeat_ngram_size,
            "repetition_penalty": decoding.repetition_penalty,
        }
        if decoding.min_new_tokens:
            kwargs["min_new_tokens"] = decoding.min_new_tokens
        if decoding.forced_bos_token_id is not None:
            kwargs["forced_bos_token_id"] = decoding.forced_bos_token_id
        if decoding.num_beams > 1:
            kwargs["early_stopping"] = decoding.early_stopping
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids.to(self.device), attention_mask=mask.to(self.device), **kwargs
            )
        return [row.tolist() for row in out]

    def score(self, batch: list[list[int]], outputs: list[list[int]]) -> list[float]:
        """Each output's mean token log-probability given its input (teacher-forced; the
        decoder start token is not scored, padding neither)."""
        import torch

        ids, mask = self._padded(batch)
        longest = max(len(o) for o in outputs)
        out = torch.full((len(outputs), longest), self.pad_id, dtype=torch.long)
        for row, seq in enumerate(outputs):
            out[row, : len(seq)] = torch.tensor(seq)
        labels = out[:, 1:]
        keep = torch.zeros_like(labels, dtype=torch.bool)
        for row, seq in enumerate(outputs):
            keep[row, : max(len(seq) - 1, 0)] = True
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                decoder_input_ids=out[:, :-1].to(self.device),
            ).logits.float()  # fmt: skip
            logp = torch.log_softmax(logits, dim=-1).gather(-1, labels.to(self.device)[..., None])
        logp = logp[..., 0].cpu() * keep
        counts = keep.sum(dim=1).clamp(min=1)
        return [round(float(v), 4) for v in logp.sum(dim=1) / counts]

    def _padded(self, batch: list[list[int]]) -> tuple[Any, Any]:
        import torch

        longest = max(len(ids) for ids in batch)
        ids = torch.full((len(batch), longest), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, seq in enumerate(batch):  # right padding, as the tokenizers do
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        return ids, mask


class CT2Runner:
    """A CTranslate2 Translator over the model's converted folder."""

    name = "ctranslate2"

    def __init__(
        self, spec: ModelSpec, folder: Path, device: str, compute_type: str, threads: int
    ) -> None:
        self.spec, self.folder, self.device = spec, folder, device
        self.compute_type, self.threads = compute_type, threads
        self.translator: Any = None
        self.tokenizer: Any = None  # set by the owner: ids <-> tokens
        self.estimate = (folder / "model.bin").stat().st_size

    @property
    def loaded(self) -> bool:
        return self.translator is not None

    def load(self) -> None:
        ct2 = import_ctranslate2()
        self.translator = ct2.Translator(
            str(self.folder),
            device=self.device,
            compute_type=self.compute_type,
            inter_threads=1,
            intra_threads=self.threads if self.device == "cpu" else 0,
        )

    def unload(self) -> None:
        self.translator = None

    def generate(self, batch: list[list[int]], decoding: Decoding) -> list[list[int]]:
        tok = self.tokenizer
        source = [tok.convert_ids_to_tokens(ids) for ids in batch]
        longest = max(1, decoding.max_new_tokens - decoding.forced_eos)
        prefix = None
        if decoding.forced_bos_token_id is not None:
            prefix = [[tok.convert_ids_to_tokens(decoding.forced_bos_token_id)]] * len(batch)
        results = self.translator.translate_batch(
            source,
            target_prefix=prefix,
            beam_size=decoding.num_beams,
            length_penalty=decoding.length_penalty,
            no_repeat_ngram_size=decoding.no_repeat_ngram_size,
            repetition_penalty=decoding.repetition_penalty,
            max_decoding_length=longest,
            min_decoding_length=min(decoding.min_new_tokens, longest),
            max_input_length=0,  # inputs are split to fit first; never truncate here
        )
        return [tok.convert_tokens_to_ids(r.hypotheses[0]) for r in results]

    def score(self, batch: list[list[int]], outputs: list[list[int]]) -> list[float]:
        """Each output's mean token log-probability given its input (CTranslate2's scorer;
        the output's end token included)."""
        tok = self.tokenizer
        source = [tok.convert_ids_to_tokens(ids) for ids in batch]
        target = [tok.convert_ids_to_tokens(ids) for ids in outputs]  # as generate gave them
        results = self.translator.score_batch(source, target, max_input_length=0)
        return [
            round(sum(r.log_probs) / len(r.log_probs), 4) if r.log_probs else 0.0 for r in results
        ]


def find_converted(spec: ModelSpec, folder: Path, compute_type: str) -> Path | None:
    """The CTranslate2 folder already made from these weights for ``compute_type``."""
    marker = _expected_marker(folder, compute_type)
    for target in _candidates(spec, folder, compute_type):
        if _marker(target) == marker:
            return target
    return None


def converted_folder(spec: ModelSpec, folder: Path, compute_type: str, force: bool = False) -> Path:
    """The CTranslate2 folder of a Hugging Face model folder, converting it when missing or
    made from other weights. Raises BackendError when the model cannot be converted."""
    found = None if force else find_converted(spec, folder, compute_type)
    if found is not None:
        return found
    marker = _expected_marker(folder, compute_type)
    last: Exception | None = None
    for target in _candidates(spec, folder, compute_type):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
        except OSError as exc:  # read-only model folder: try the user cache
            last = exc
            continue
        try:
            logger.info("converting model '%s' to CTranslate2 (%s) in %s", spec.name,
                        compute_type, target)  # fmt: skip
            _convert(spec, folder, tmp, compute_type)
            (tmp / CONVERSION_MARKER).write_text(json.dumps(marker), encoding="utf-8")
            if _marker(target) == marker:  # another process converted it meanwhile: use that
                return target
            if target.exists():  # made from other weights
                shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
            return target
        except OSError as exc:
            last = exc
            if _marker(target) == marker:  # another process converted it meanwhile
                return target
        except Exception as exc:
            raise BackendError(
                f"model '{spec.name}' could not be converted to CTranslate2: {_line(exc)}; "
                f"set backend: transformers for it in models.yaml"
            ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    raise BackendError(
        f"model '{spec.name}': nowhere to write its CTranslate2 conversion ({_line(last)}); "
        "make the model folder or the cache folder writable"
    )


def _convert(spec: ModelSpec, folder: Path, out: Path, compute_type: str) -> None:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):  # safetensors only, legacy config keys filled
        def load_model(self, model_class: Any, path: str, **kwargs: Any) -> Any:
            kwargs["use_safetensors"] = None if spec.allow_pickle else True
            model = model_class.from_pretrained(path, **kwargs)
            for key, value in _LEGACY_CONFIG.get(model.config.model_type, {}).items():
                if not hasattr(model.config, key):
                    setattr(model.config, key, value)
            return model

    quantization = None if compute_type == "float32" else compute_type
    Converter(str(folder), trust_remote_code=False).convert(
        str(out), quantization=quantization, force=True
    )


def _expected_marker(folder: Path, compute_type: str) -> dict[str, Any]:
    ct2 = import_ctranslate2()
    return {
        "source": str(folder),
        "weights": weights_fingerprint(folder),
        "compute_type": compute_type,
        "ctranslate2": ct2.__version__.split(".")[0],
    }


def _candidates(spec: ModelSpec, folder: Path, compute_type: str) -> list[Path]:
    """Beside the model first, then the user cache (for read-only model folders)."""
    from platformdirs import user_cache_dir

    from .store import digest_of

    name = f"ctranslate2-{compute_type}"
    cache = Path(user_cache_dir("summarizer")) / "ctranslate2"
    return [folder / name, cache / f"{spec.name}-{digest_of(str(folder))[:12]}" / name]


def _marker(target: Path) -> dict[str, Any] | None:
    try:
        found = json.loads((target / CONVERSION_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if (target / "model.bin").is_file() else None


def _line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")
