"""The model pool: each model of models.yaml loaded once per process, on first use, shared
by every caller (thread-safe), its weights kept loaded within a memory bound.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, Literal

from .config import Config, ModelSpec
from .models import Seq2Seq, load_embedder, load_model
from .similarity import Embedder
from .types import ModelLoadError, one_line

logger = logging.getLogger("summarizer")

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")


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


class ModelPool:
    """Models load lazily and are shared by every caller (thread-safe). Their weights stay
    loaded within a memory bound; the least recently used are unloaded to make room and
    load again when next used."""

    def __init__(self, config: Config, device: Device = "auto") -> None:
        if device not in DEVICES:
            raise ValueError(f"device '{device}' is not one of {', '.join(DEVICES)}")
        self.config = config
        self.requested = device
        self._models: dict[str, Any] = {}
        self._failed: dict[str, ModelLoadError] = {}
        self._lock = threading.RLock()
        self._recent: OrderedDict[str, Seq2Seq] = OrderedDict()  # loaded, oldest first
        self._in_use: dict[str, int] = {}
        self.loads = 0  # weight loads, reloads included

    @functools.cached_property
    def device(self) -> str:
        """Where the models run, worked out on first need: that imports torch, which a run
        that loads no model (extractive, English) never has to."""
        return pick_device(self.requested)

    @functools.cached_property
    def budget(self) -> int:
        """Bytes of weights that may stay loaded (runtime.model_memory_mb, else a default)."""
        mb = self.config.runtime.model_memory_mb
        return mb * 2**20 if mb else default_budget(self.device)

    def get(self, name: str, needed_by: str) -> Seq2Seq:
        """The seq2seq model ``name`` with its weights loaded; ``needed_by`` (e.g. "route
        'ar'") goes into errors."""
        model = self._load(name, needed_by, self._open)
        with self.hold(model):
            pass
        return model

    def embedder(self, name: str, needed_by: str) -> Embedder:
        """The loaded sentence-transformers model ``name``."""
        return self._load(name, needed_by, load_embedder)

    def loaded(self) -> list[str]:
        """Names of the models whose weights are loaded now, least recently used first."""
        with self._lock:
            return list(self._recent)

    @contextlib.contextmanager
    def hold(self, model: Seq2Seq) -> Iterator[None]:
        """Keep ``model``'s weights loaded (loading them, and making room, if needed)."""
        name = model.spec.name
        with self._lock:
            if not model.runner.loaded:
                self._make_room(model.runner.estimate, name)
                try:
                    model.runner.load()
                except Exception as exc:
                    raise ModelLoadError(
                        f"model '{name}' ({model.spec.source}) could not be loaded: "
                        f"{one_line(exc)}; its files may be damaged: `summarize models pull "
                        f"{name}` again, or replace its folder"
                    ) from exc
                self.loads += 1
                logger.info("loaded model '%s' (%s, %.0f MB)", name, model.backend,
                            model.runner.estimate / 2**20)  # fmt: skip
            self._recent[name] = model
            self._recent.move_to_end(name)
            self._in_use[name] = self._in_use.get(name, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._in_use[name] -= 1

    def _make_room(self, need: int, name: str) -> None:
        used = sum(m.runner.estimate for m in self._recent.values())
        for other, model in list(self._recent.items()):
            if used + need <= self.budget:
                return
            if other == name or self._in_use.get(other, 0):
                continue
            model.runner.unload()
            del self._recent[other]
            used -= model.runner.estimate
            gc.collect()
            logger.info("unloaded model '%s' to make room for '%s'", other, name)
        if used + need > self.budget:
            logger.warning(
                "model '%s' needs %.0f MB; with the models in use that is over the %.0f MB "
                "set by runtime.model_memory_mb", name, need / 2**20, self.budget / 2**20,
            )  # fmt: skip

    def _open(self, spec: ModelSpec, device: str, needed_by: str, target: str) -> Seq2Seq:
        model = load_model(spec, device, needed_by, self.config)
        model.pool = self
        return model

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


def default_budget(device: str) -> int:
    """Half the memory free now (of the GPU when models run there), at least 1 GB."""
    free = 0
    if device == "cuda":
        import torch

        free = torch.cuda.mem_get_info()[0]
    else:
        try:
            with open("/proc/meminfo", encoding="ascii") as info:
                for line in info:
                    if line.startswith("MemAvailable:"):
                        free = int(line.split()[1]) * 1024
        except OSError:
            pass
        if not free and hasattr(os, "sysconf"):
            free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    return max(2**30, free // 2)
