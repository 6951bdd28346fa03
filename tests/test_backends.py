"""The CTranslate2 and transformers backends, conversion caching, token batches, the LRU."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLES, TINY_YAML

from summarizer import backends
from summarizer.cli import main
from summarizer.config import ConfigError, load_config
from summarizer.models import token_batches
from summarizer.pool import ModelPool


def _texts() -> list[str]:
    lines = [
        line.strip()
        for f in sorted(DATA.glob("*.txt"))
        for line in f.read_text(encoding="utf-8").splitlines()
    ]
    return [line for line in lines if 20 < len(line) < 200][:10]


def _paths(value: object, path: str = "$") -> set[str]:
    """Every key path of a JSON value; list items are all ``[]``."""
    found = {path}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= _paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{path}[]")
    return found


def _unexplained(ours: set[str], theirs: set[str]) -> set[str]:
    """Paths of ``ours`` missing from ``theirs`` other than under a list that ``theirs``
    has but never filled (a warnings list that stayed empty, say)."""
    missing = set()
    for path in ours - theirs:
        lists = [path[: i + 2] for i in range(len(path)) if path.startswith("[]", i)]
        if not any(q[:-2] in theirs and q not in theirs for q in lists):
            missing.add(path)
    return missing


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory: pytest.TempPathFactory, tiny_dir: Path) -> Path:
    """A private copy of the tiny models, so conversions here can be counted."""
    root = tmp_path_factory.mktemp("ct2-models")
    for name in ("marian", "nllb", "m2m100", "bart", "st"):
        shutil.copytree(tiny_dir / name, root / name, ignore=shutil.ignore_patterns("ctrans*"))
    (root / "models.yaml").write_text(TINY_YAML, encoding="utf-8")
    return root


@pytest.mark.slow
def test_both_backends_give_the_same_json_structure(tiny_config: Path) -> None:
    from summarizer import Summarizer

    config = load_config(tiny_config)
    sources = sorted(DATA.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
    results = {}
    for backend in ("transformers", "ctranslate2"):
        summarizer = Summarizer(config.with_backend(backend), device="cpu")
        results[backend] = summarizer.run(sources).to_dict()
        models = [summarizer.pool._models[n].backend for n in summarizer.pool.loaded()]
        assert set(models) == {backend}
    ours, reference = results["ctranslate2"], results["transformers"]
    a, b = _paths(ours), _paths(reference)
    assert not _unexplained(a, b) and not _unexplained(b, a)
    assert not ours["failed"] and not reference["failed"]
    assert [len(a["segments"]) for a in ours["articles"]] == [
        len(a["segments"]) for a in reference["articles"]
    ]
    assert all(a["brief"] for a in ours["articles"]) and ours["digest"]["text"]


@pytest.mark.parametrize(
    ("name", "lang"),
    [("tiny-marian", "de"), ("tiny-nllb", "ar"), ("tiny-m2m100", "fa"), ("tiny-bart", None)],
)
def test_ctranslate2_float32_decodes_like_transformers(tiny_config: Path, name, lang) -> None:
    """Greedy float32 decoding of the converted model matches the reference: the conversion
    and the id/token mapping (language prefixes, Marian's missing <pad>) are right."""
    config = load_config(tiny_config)
    exact = dataclasses.replace(
        config, runtime=dataclasses.replace(config.runtime, compute_type="float32")
    )
    reference = ModelPool(config.with_backend("transformers"), "cpu").get(name, "test")
    fast = ModelPool(exact, "cpu").get(name, "test")
    assert (reference.backend, fast.backend) == ("transformers", "ctranslate2")
    encoded = [reference.encode(t, lang)[: reference.max_input_tokens] for t in _texts()]
    greedy = dataclasses.replace(
        reference.decoding(32, 12, None), num_beams=1, no_repeat_ngram_size=0
    )
    decode = reference.tokenizer.batch_decode
    a = decode(reference.runner.generate(encoded, greedy), skip_special_tokens=True)
    b = decode(fast.runner.generate(encoded, greedy), skip_special_tokens=True)
    same = sum(x == y for x, y in zip(a, b, strict=True))
    assert same >= 0.8 * len(a), list(zip(a, b, strict=True))


def test_conversion_is_cached_and_redone_for_new_weights(ct2_dir: Path, monkeypatch) -> None:
    calls: list[str] = []
    real = backends._convert

    def counting(spec, folder, out, compute_type):
        calls.append(spec.name)
        real(spec, folder, out, compute_type)

    monkeypatch.setattr(backends, "_convert", counting)
    config = load_config(ct2_dir / "models.yaml")
    first = ModelPool(config, "cpu").get("tiny-marian", "test")
    assert calls == ["tiny-marian"]
    assert first.runner.folder == ct2_dir / "marian" / "ctranslate2-int8"
    again = ModelPool(config, "cpu").get("tiny-marian", "test")  # a new process, in effect
    assert calls == ["tiny-marian"] and again.backend == "ctranslate2"
    assert again.generate(["Guten Morgen."], ["de"]) == first.generate(["Guten Morgen."], ["de"])

    weights = ct2_dir / "marian" / "model.safetensors"
    weights.write_bytes(weights.read_bytes())  # same bytes, new mtime: treated as replaced
    ModelPool(config, "cpu").get("tiny-marian", "test")
    assert calls == ["tiny-marian", "tiny-marian"]


def test_models_convert_command(ct2_dir: Path, capsys) -> None:
    args = ["models", "convert", "--config", str(ct2_dir / "models.yaml"), "tiny-bart"]
    assert main([*args, "--no-check"]) == 0
    assert main([*args, "--no-check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tiny-bart: converted (int8): ")
    assert out[1].startswith("tiny-bart: already converted (int8): ")
    assert main(args) == 1  # then the self-check, which the random weights fail
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("tiny-bart: FAILED (ctranslate2 int8; "), out
    assert (ct2_dir / "bart" / "ctranslate2-int8" / "model.bin").is_file()
    assert main([*args[:-1], "nope"]) == 2
    assert "cannot convert nope (translation and summarization models: " in (
        capsys.readouterr().err
    )


def test_read_only_model_folder_converts_into_the_cache(ct2_dir: Path, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    cache = tmp_path / "cache" / "ctranslate2-int8"
    monkeypatch.setattr(backends, "_candidates", lambda spec, folder, ct: [blocked / "x", cache])
    model = ModelPool(load_config(ct2_dir / "models.yaml"), "cpu").get("tiny-nllb", "test")
    assert model.runner.folder == cache and (cache / "model.bin").is_file()


def test_a_model_ctranslate2_cannot_take_runs_on_transformers(
    ct2_dir: Path, monkeypatch, caplog
) -> None:
    def refuse(spec, folder, out, compute_type):
        raise ValueError("No conversion is registered for the model configuration X")

    monkeypatch.setattr(backends, "_convert", refuse)
    monkeypatch.setattr(backends, "find_converted", lambda *a: None)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        model = ModelPool(load_config(ct2_dir / "models.yaml"), "cpu").get("tiny-bart", "test")
    assert model.backend == "transformers"
    assert "model 'tiny-bart' runs on transformers instead: model 'tiny-bart' could not be " in (
        caplog.text
    )
    assert model.generate(["A short text to summarize."], max_new_tokens=8)[0]


def test_lru_unloads_under_a_small_bound_and_reloads(ct2_dir: Path, caplog) -> None:
    pool = ModelPool(load_config(ct2_dir / "models.yaml"), "cpu")
    pool.budget = 1  # byte: every load must unload the others
    marian = pool.get("tiny-marian", "test")
    before = marian.generate(["Guten Morgen, Welt.", "Die Sonne scheint."], ["de", "de"])
    nllb = pool.get("tiny-nllb", "test")
    assert pool.loaded() == ["tiny-nllb"] and not marian.runner.loaded
    assert marian.generate(["Guten Morgen, Welt.", "Die Sonne scheint."], ["de", "de"]) == before
    assert pool.loaded() == ["tiny-marian"] and not nllb.runner.loaded
    assert pool.loads == 3
    with pool.hold(marian), caplog.at_level(logging.WARNING, logger="summarizer"):
        pool.get("tiny-bart", "test")  # marian is in use: kept, and the bound is exceeded
    assert set(pool.loaded()) == {"tiny-marian", "tiny-bart"}
    assert "over the 0 MB set by runtime.model_memory_mb" in caplog.text


def test_lru_keeps_everything_within_a_roomy_bound(ct2_dir: Path) -> None:
    pool = ModelPool(load_config(ct2_dir / "models.yaml"), "cpu")
    for name in ("tiny-marian", "tiny-nllb", "tiny-bart", "tiny-marian"):
        pool.get(name, "test")
    assert pool.loaded() == ["tiny-nllb", "tiny-bart", "tiny-marian"] and pool.loads == 3


@pytest.mark.parametrize(
    ("lengths", "max_tokens", "max_size"),
    [
        ([5, 40, 3, 3, 12, 40, 7, 1, 90, 2], 64, 16),
        ([10] * 50, 100, 4),
        ([300, 1, 2], 64, 8),  # longer than the budget: a batch of its own
        ([], 64, 8),
    ],
)
def test_token_batches(lengths: list[int], max_tokens: int, max_size: int) -> None:
    batches = token_batches(lengths, max_tokens, max_size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= max_tokens
        assert len(batch) <= max_size
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)


def test_runtime_settings_are_checked(tmp_path: Path) -> None:
    base = TINY_YAML.replace("./", str(tmp_path) + "/")
    for folder in ("marian", "nllb", "m2m100", "bart", "st"):
        (tmp_path / folder).mkdir()
    cases = {
        "runtime: {backend: onnx}": r"runtime\.backend 'onnx' is not one of ctranslate2, "
        r"transformers",
        "runtime: {compute_type: int4}": r"compute_type 'int4' is not one of auto, int8, ",
        "runtime: {max_batch_tokens: 10}": r"max_batch_tokens must be a whole number of at",
        "runtime: {model_memory_mb: lots}": r"model_memory_mb must be a whole number of mega",
        "runtime: {intra_threads: -1}": r"intra_threads must be a whole number up to the \d+ cores",
        "runtime: {threads: 2}": r"runtime\.threads is an unknown key \(valid: backend, compute_",
    }
    for extra, message in cases.items():
        path = tmp_path / "models.yaml"
        path.write_text(base + extra + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(path)
    path.write_text(
        base.replace("family: bart", "family: bart\n    backend: transformers"), encoding="utf-8"
    )
    config = load_config(path)
    assert config.backend(config.models["tiny-bart"]) == "transformers"
    assert config.backend(config.models["tiny-marian"]) == "ctranslate2"
    assert config.backend(config.models["tiny-st"]) == "transformers"
    every = config.with_backend("ctranslate2")
    assert every.backend(every.models["tiny-bart"]) == "ctranslate2"
