"""The default models in their real hub layouts (tests/replicas.py) through the project's own
loader, on both backends, and the whole pipeline on them.

The replicas have random weights: these tests check structure, never wording.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA, EXAMPLES, ROOT, our_texts
from replicas import BOT, BOT_TITLE, DEFAULTS, Replica, build_replicas, minilm_pooling

from summarizer.config import load_config
from summarizer.pool import ModelPool

#: What the project pulls (summarizer.hub.HUB_PATTERNS, as the brief states it).
PULLED = ["*.json", "*.safetensors", "*.model", "*.spm", "*.txt", "*.tiktoken"]
OPUS_2020 = ["config.json", "generation_config.json", "pytorch_model.bin", "rust_model.ot",
             "source.spm", "target.spm", "tf_model.h5", "tokenizer_config.json",
             "vocab.json"]  # fmt: skip
TC_BIG = [".gitattributes", "README.md", "benchmark_results.txt", "benchmark_translations.zip",
          "config.json", "generation_config.json", "model.safetensors", "pytorch_model.bin",
          "source.spm", "special_tokens_map.json", "target.spm", "tf_model.h5",
          "tokenizer_config.json", "vocab.json"]  # fmt: skip
#: The files hub-facts lists at each pinned revision (the FACTS.md "Files" tables).
REAL_FILES: dict[str, list[str]] = {
    "opus-de-en": [".gitattributes", "README.md", "model.safetensors", *OPUS_2020],
    "opus-ar-en": ["model.safetensors", *OPUS_2020],
    "opus-he-en": TC_BIG,
    "opus-ar-en-big": TC_BIG,
    "m2m100": [".gitattributes", "README.md", "config.json", "generation_config.json",
               "model.safetensors", "pytorch_model.bin", "rust_model.ot",
               "sentencepiece.bpe.model", "special_tokens_map.json", "tokenizer_config.json",
               "vocab.json"],
    "nllb": [".gitattributes", "README.md", "config.json", "generation_config.json",
             "model.safetensors", "pytorch_model.bin", "sentencepiece.bpe.model",
             "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"],
    "distilbart": [".gitattributes", "README.md", "config.json", "flax_model.msgpack",
                   "merges.txt", "model.safetensors", "pytorch_model.bin", "rust_model.ot",
                   "tokenizer_config.json", "vocab.json"],
    "minilm": ["1_Pooling/config.json", ".gitattributes", "README.md", "config.json",
               "config_sentence_transformers.json", "data_config.json", "model.safetensors",
               "modules.json", "pytorch_model.bin", "rust_model.ot", "sentence_bert_config.json",
               "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"],
}  # fmt: skip
SEQ2SEQ = {"opus-de-en": "de", "opus-ar-en": "ar", "opus-he-en": "he", "opus-ar-en-big": "ar",
           "m2m100": "fa", "nllb": "fa", "distilbart": None}  # fmt: skip
#: models.yaml entries for models the shipped registry may lack (its own entries win).
ENTRIES: dict[str, dict[str, Any]] = {
    name: {"task": "translation", "family": "marian"}
    for name in ("opus-de-en", "opus-ar-en", "opus-he-en", "opus-ar-en-big")
} | {
    "m2m100": {"task": "translation", "family": "m2m100"},
    "nllb": {"task": "translation", "family": "nllb"},
    "distilbart": {"task": "summarization", "family": "bart"},
    "minilm": {"task": "embedding", "family": "sentence-transformers"},
}
FILES = {"de": "de_wasserkonferenz.txt", "ar": "ar_desalination.txt", "he": "he_solar.txt",
         "fa": "fa_solar.txt", None: "en_desalination.txt"}  # fmt: skip


def _lines(lang: str | None) -> list[str]:
    text = (EXAMPLES / FILES[lang]).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()][:2]


def _pulled(paths: list[str]) -> set[str]:
    from huggingface_hub.utils import filter_repo_objects

    return set(filter_repo_objects(paths, allow_patterns=PULLED))


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Replica]:
    corpus = [line for text in our_texts() for line in text.splitlines() if line.strip()]
    return build_replicas(tmp_path_factory.mktemp("replicas"), corpus)


@pytest.fixture(scope="module")
def pinned(replicas: dict[str, Replica], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every default model (and opus-ar-en-big) at its pinned revision, as pulled."""
    root = tmp_path_factory.mktemp("pinned")
    for name in REAL_FILES:
        replica = replicas[name]
        replica.materialize(replica.pinned, root / name, PULLED)
    return root


def _registry(root: Path, backend: str, name: str = "models.yaml", **overrides: Any) -> Path:
    """The shipped summarizer/models.yaml with every model a folder under ``root``."""
    raw = yaml.safe_load((ROOT / "summarizer" / "models.yaml").read_text(encoding="utf-8"))
    shipped = raw["models"]
    raw["models"] = {m: copy.deepcopy(shipped.get(m, entry)) for m, entry in ENTRIES.items()}
    for model, entry in raw["models"].items():
        entry.pop("revision", None)
        entry["id"] = f"./{model}"
        entry.update(overrides.get(model, {}))
    raw.setdefault("runtime", {})["backend"] = backend
    path = root / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_project_pulls_these_patterns() -> None:
    from summarizer.hub import HUB_PATTERNS

    assert sorted(HUB_PATTERNS) == sorted(PULLED)


def test_histories_and_pull_requests(replicas: dict[str, Replica]) -> None:
    """main lacks safetensors where hub-facts says so; the PR transformers' rule would pick
    (open, bot title and author, parent == main head) is the one hub-facts names."""
    fresh = {name: [p.num for p in r.bot_prs()] for name, r in replicas.items()}
    assert fresh == {
        "opus-de-en": [6], "opus-ar-en": [], "opus-he-en": [], "opus-ar-en-big": [6],
        "m2m100": [19], "nllb": [39], "distilbart": [13, 18], "minilm": [],
        "pickle-only": [], "impostor": [], "stale-bot": [],
    }  # fmt: skip
    for name, replica in replicas.items():
        shas = [c.sha for c in replica.commits] + [p.sha for p in replica.prs]
        assert all(re.fullmatch(r"[0-9a-f]{40}", s) for s in shas) and len(set(shas)) == len(shas)
        on_main = "model.safetensors" in replica.snapshot("main")
        assert on_main == (name in ("opus-he-en", "minilm")), name
        if replica.pinned:
            assert "model.safetensors" in replica.snapshot(replica.pinned)
    assert replicas["opus-de-en"].resolve("refs/pr/6").startswith("6f6b23ef")
    assert replicas["m2m100"].resolve("791dc1c") == replicas["m2m100"].pinned
    assert replicas["opus-ar-en-big"].pr(7).author == "ArthurZ"
    impostor = replicas["impostor"].prs[0]
    assert (impostor.title, impostor.author) == (BOT_TITLE, "Jona6tc")
    assert replicas["stale-bot"].prs[0].author == BOT
    assert set(replicas["pickle-only"].snapshot()) >= {"pytorch_model.bin", "config.json"}
    assert not any(p.endswith(".safetensors") for p in replicas["pickle-only"].snapshot())


def test_stale_bot_prs_carry_the_old_files(replicas: dict[str, Replica]) -> None:
    m2m, de_en = replicas["m2m100"], replicas["opus-de-en"]
    assert "model_max_length" not in _text(m2m.snapshot("refs/pr/8")["tokenizer_config.json"])
    assert "model_max_length" in _text(m2m.snapshot("refs/pr/19")["tokenizer_config.json"])
    assert "_from_model_config" in _text(de_en.snapshot("refs/pr/4")["generation_config.json"])
    assert "renormalize_logits" in _text(de_en.snapshot("refs/pr/6")["generation_config.json"])
    assert "onnx/model.onnx" not in replicas["minilm"].snapshot()


def _text(blob: bytes | Path) -> str:
    return (blob.read_bytes() if isinstance(blob, Path) else blob).decode("utf-8")


@pytest.mark.parametrize("name", list(REAL_FILES))
def test_pinned_file_set_is_the_real_one(name: str, pinned: Path) -> None:
    folder = pinned / name
    got = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    got = {p for p in got if not p.startswith("ctranslate2-")}  # conversions by other tests
    assert got == _pulled(REAL_FILES[name])


def test_known_files_are_verbatim(pinned: Path) -> None:
    """The files hub-facts saw, byte for byte (the pooling dimension shrinks with the model),
    and the byte counts the hub shows for the ones it did not."""
    facts = ROOT.parent / "shared" / "hub-facts"
    if not facts.is_dir():
        pytest.skip("../shared/hub-facts is not present")
    he, ar = "Helsinki-NLP__opus-mt-tc-big-he-en", "Helsinki-NLP__opus-mt-tc-big-ar-en"
    minilm = "sentence-transformers__all-MiniLM-L6-v2"
    for name, theirs in [
        ("opus-he-en/tokenizer_config.json", f"{he}/tokenizer_config.json"),
        ("opus-he-en/special_tokens_map.json", f"{he}/special_tokens_map.json"),
        ("opus-ar-en-big/tokenizer_config.json", f"{ar}/tokenizer_config.json"),
        ("opus-ar-en-big/special_tokens_map.json", f"{he}/special_tokens_map.json"),
        ("m2m100/tokenizer_config.json", "facebook__m2m100_418M/tokenizer_config.json"),
        ("minilm/sentence_bert_config.json", f"{minilm}/sentence_bert_config.json"),
        ("minilm/modules.json", f"{minilm}/reference/modules.json.from-allan56-duplicate"),
    ]:
        assert (pinned / name).read_bytes() == (facts / theirs).read_bytes(), name
    assert (facts / minilm / "1_Pooling" / "config.json").read_text() == minilm_pooling(384)
    assert (pinned / "minilm" / "1_Pooling" / "config.json").read_text() == minilm_pooling(32)
    real = json.loads((facts / ar / "generation_config.json").read_text())
    ours = json.loads((pinned / "opus-ar-en-big" / "generation_config.json").read_text())
    vocab = json.loads((pinned / "opus-ar-en-big" / "vocab.json").read_text())
    ids = {61108: vocab["<pad>"], 25894: vocab["</s>"]}
    assert ours == json.loads(re.sub(r"\b(61108|25894)\b", lambda m: str(ids[int(m[0])]),
                                     json.dumps(real)))  # fmt: skip
    assert 0 < vocab["</s>"] < vocab["<pad>"] == len(vocab) - 1
    sizes = {"opus-de-en/tokenizer_config.json": 42, "opus-ar-en/tokenizer_config.json": 42,
             "distilbart/tokenizer_config.json": 26, "m2m100/special_tokens_map.json": 1140,
             "nllb/special_tokens_map.json": 3548, "minilm/special_tokens_map.json": 112,
             "minilm/config_sentence_transformers.json": 116}  # fmt: skip
    assert {f: (pinned / f).stat().st_size for f in sizes} == sizes


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_every_default_loads_and_generates(backend: str, pinned: Path) -> None:
    config = load_config(_registry(pinned, backend, f"models-{backend}.yaml"))
    pool = ModelPool(config, device="cpu")
    for name, lang in SEQ2SEQ.items():
        model = pool.get(name, "test")
        assert model.backend == backend, name
        texts = _lines(lang)
        out = model.generate(texts, [lang] * len(texts), max_new_tokens=12)
        assert len(out) == len(texts) and all(isinstance(t, str) for t in out), name
    vectors = pool.embedder("minilm", "test").encode(_lines(None))
    assert vectors.shape[0] == 2 and abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4


@pytest.mark.slow
def test_the_pipeline_runs_on_the_replicas(pinned: Path) -> None:
    from summarizer import Summarizer

    sources = sorted(DATA.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
    result = Summarizer(_registry(pinned, "ctranslate2"), device="cpu").run(sources)
    assert result.failed == []
    assert [a.source for a in result.articles] == [str(s) for s in sources]
    assert {a.language for a in result.articles} == {"ar", "de", "en", "fa", "he"}
    ids = {a.id for a in result.articles}
    for article in result.articles:
        assert article.segments and all(isinstance(s.translation, str) for s in article.segments)
        assert article.brief
    assert result.digest.text and result.digest.points
    assert all(set(p.sources) <= ids for p in result.digest.points)
    assert set(result.models) >= {"brief", "digest", "translation.ar", "translation.fa"}


class _Recorder:
    """Wraps a CTranslate2 Translator and keeps the keyword arguments of each call."""

    def __init__(self, translator: Any) -> None:
        self.translator, self.calls = translator, []

    def translate_batch(self, source: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.translator.translate_batch(source, **kwargs)


def _distilbart_decoding(pinned: Path) -> dict[str, Any]:
    """What reaches translate_batch for the replica with no generation block in models.yaml,
    given an input long enough (200+ tokens) that no length heuristic caps the 142."""
    path = _registry(pinned, "ctranslate2", "models-bare.yaml", distilbart={"generation": {}})
    model = ModelPool(load_config(path), device="cpu").get("distilbart", "test")
    recorder = _Recorder(model.runner.translator)
    model.runner.translator = recorder
    text = " ".join((EXAMPLES / "en_desalination.txt").read_text(encoding="utf-8").split())
    model.generate([" ".join(text.split()[:200])])
    (call,) = recorder.calls
    return call


@pytest.mark.slow
def test_distilbart_legacy_generation_reaches_ctranslate2(pinned: Path) -> None:
    call = _distilbart_decoding(pinned)
    assert call["beam_size"] == 4
    assert call["length_penalty"] == 2.0
    assert call["no_repeat_ngram_size"] == 3
    # max_length 142 / min_length 56 count the decoder's start token; the last slot is
    # kept for the forced </s>.
    assert call["min_decoding_length"] in (55, 56)
    assert call["max_decoding_length"] in (140, 141, 142)


def test_old_tc_big_checkpoint_loads_untied(replicas: dict[str, Replica], tmp_path: Path) -> None:
    """The bot's tc-big-ar-en conversion stores an output projection apart from the tied
    embeddings (as the replica reconstructs the 603 MB checkpoint). transformers < 4.30 let
    it win for both; 4.30+ tied it away (#26216);
    5.24 sees two different values and does NOT tie (a warning): the output projection is
    the stored lm_head, the input embeddings the other matrix. Either way, not the model
    refs/pr/7's re-conversion holds."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSeq2SeqLM

    big = replicas["opus-ar-en-big"]
    loaded, stored = {}, {}
    for ref in ("refs/pr/6", "refs/pr/7"):
        folder = big.materialize(ref, tmp_path / ref.replace("/", "-"), PULLED)
        loaded[ref] = AutoModelForSeq2SeqLM.from_pretrained(folder, use_safetensors=True)
        stored[ref] = load_file(folder / "model.safetensors")
    old, fixed = loaded["refs/pr/6"], loaded["refs/pr/7"]
    assert "lm_head.weight" in stored["refs/pr/6"] and "lm_head.weight" not in stored["refs/pr/7"]
    out_old, in_old = old.get_output_embeddings().weight, old.get_input_embeddings().weight
    assert torch.equal(out_old.float(), stored["refs/pr/6"]["lm_head.weight"].float())
    assert not torch.equal(out_old, in_old)  # untied
    assert torch.equal(out_old, fixed.get_output_embeddings().weight)
    assert not torch.equal(in_old, fixed.get_input_embeddings().weight)


def test_publish_to_the_local_hub(replicas: dict[str, Replica]) -> None:
    import localhub

    hub = localhub.LocalHub()
    for replica in replicas.values():
        refs = replica.publish(hub)
        repo = hub.repo(replica.repo_id)
        assert repo.head() == replica.head == refs["main"]
        for ref in refs:
            tree = replica.snapshot(ref)
            files = repo.resolve(ref).files
            assert set(files) == set(tree)
            assert all(files[p] == (b.read_bytes() if isinstance(b, Path) else b)
                       for p, b in tree.items())  # fmt: skip


def test_defaults_are_all_replicated() -> None:
    assert set(DEFAULTS) <= set(REAL_FILES)


#: What `pull` resolves each repo to with no revision pinned (the bot-PR rule), or the
#: words its refusal must contain.
UNPINNED = {
    "opus-de-en": "refs/pr/6", "opus-ar-en": "older main", "opus-he-en": "main",
    "opus-ar-en-big": "refs/pr/6",  # the OLD checkpoint: why models.yaml pins refs/pr/7
    "m2m100": "refs/pr/19", "nllb": "refs/pr/39", "distilbart": "refs/pr/18", "minilm": "main",
    "pickle-only": "no open pull request", "impostor": "Jona6tc", "stale-bot": "older main",
}  # fmt: skip


@pytest.mark.slow
def test_pull_the_shipped_registry_then_run(replicas: dict[str, Replica], tmp_path: Path) -> None:
    """`models pull` of summarizer/models.yaml from a hub holding the replicas, then the whole
    pipeline on what was pulled, from the cache."""
    from dataclasses import replace

    import localhub

    import summarizer.hub as hub_module
    from summarizer import Summarizer

    config = load_config(ROOT / "summarizer" / "models.yaml")
    base = config.models["opus-de-en"]
    specs = {n: replace(config.models.get(n, base), name=n, id=r.repo_id, revision=None)
             for n, r in replicas.items()}  # fmt: skip
    with localhub.LocalHub() as hub, hub.patched(tmp_path / "hf"):
        for replica in replicas.values():
            replica.publish(hub)
        for name, expected in UNPINNED.items():
            try:
                assert hub_module.resolve(specs[name]).ref == expected, name
            except hub_module.HubError as exc:
                assert expected in str(exc), name
        for name in DEFAULTS:
            spec, replica = config.models[name], replicas[name]
            folder, resolved = hub_module.pull(spec)
            assert resolved.commit == replica.resolve(spec.revision), name
            got = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
            assert got == _pulled(list(replica.snapshot(spec.revision))), name
        sources = sorted(EXAMPLES.glob("*.txt"))
        result = Summarizer(ROOT / "summarizer" / "models.yaml", device="cpu").run(sources)
    assert result.failed == []
    assert {a.language for a in result.articles} == {"ar", "de", "en", "fa", "he"}
    assert all(a.brief for a in result.articles) and result.digest.text


def test_pickle_only_is_refused_unless_allowed(
    replicas: dict[str, Replica], tmp_path: Path
) -> None:
    from summarizer.models import ModelLoadError

    replicas["pickle-only"].materialize("main", tmp_path / "pickle-only")
    for allow in (False, True):
        path = tmp_path / f"pickle-{allow}.yaml"
        path.write_text(
            "models:\n  p: {id: ./pickle-only, task: translation, family: marian, "
            f"allow_pickle: {str(allow).lower()}, backend: transformers}}\n"
            "translation: {routes: {de: p}}\nsummarization: {engine: extractive}\n",
            encoding="utf-8",
        )
        pool = ModelPool(load_config(path), device="cpu")
        if not allow:
            with pytest.raises(ModelLoadError, match="allow_pickle"):
                pool.get("p", "test")
            continue
        assert len(pool.get("p", "test").generate(["Wien"], ["de"], max_new_tokens=4)) == 1


@pytest.mark.slow
def test_transformers_backend_runs_fp16_checkpoints_in_float32_on_cpu(pinned: Path) -> None:
    import torch

    pool = ModelPool(load_config(_registry(pinned, "transformers", "fp16.yaml")), device="cpu")
    model = pool.get("opus-he-en", "test")
    assert next(model.runner.model.parameters()).dtype == torch.float32


@pytest.mark.slow
def test_article_text_cannot_name_special_tokens(pinned: Path) -> None:
    """'</s>' in an article must not end the input early, and '<mask>' (id 50264, a row
    distilbart-cnn's embedding lacks, transformers #3126) must not crash the transformers
    backend: article text is tokenized with split_special_tokens."""
    pool = ModelPool(load_config(_registry(pinned, "transformers", "mask.yaml")), device="cpu")
    model = pool.get("distilbart", "test")
    text = "Officials said <mask> would follow </s> soon."
    ids = model.encode(text)
    assert ids.count(model.tokenizer.eos_token_id) == 1
    assert len(model.generate([text], max_new_tokens=8)) == 1


@pytest.mark.slow
def test_the_readme_first_command_against_the_replicas(
    replicas: dict[str, Replica], tmp_path: Path
) -> None:
    """`summarize models pull`, then `summarize examples/`, as a new user runs them: fresh
    processes, the packaged models.yaml, a hub holding the replicas; then offline."""
    import os
    import subprocess
    import sys

    import localhub

    from summarizer.manage import used_models

    cli = [sys.executable, "-m", "summarizer.cli"]
    with localhub.LocalHub() as hub:
        for replica in replicas.values():
            replica.publish(hub)
        env = {**os.environ, **hub.environ(tmp_path / "hf")}
        env["SUMMARIZER_LOCK"] = str(tmp_path / "models.lock.json")
        env.pop("SUMMARIZER_CONFIG", None)
        pulled = subprocess.run([*cli, "models", "pull"], env=env, capture_output=True,
                                text=True, timeout=900)  # fmt: skip
    said = pulled.stdout + pulled.stderr
    assert "summarize: error:" not in said and "Traceback" not in said, said
    config = load_config(ROOT / "summarizer" / "models.yaml")
    assert set(used_models(config)) == set(DEFAULTS) - {"nllb"}  # nllb is opt-in
    for name in used_models(config):
        spec = config.models[name]
        line = next(ln for ln in pulled.stdout.splitlines() if ln.startswith(f"{name}: {spec.id}"))
        assert f"(commit {replicas[name].resolve(spec.revision)[:12]})" in line, line
    # Random weights: every translation model and the summarizer fail their self-check,
    # each with its reasons and the fix (exit status 1), and nothing else goes wrong.
    checked = [ln for ln in pulled.stdout.splitlines() if re.match(r"^\S+: (ok|FAILED) \(", ln)]
    assert len(checked) == 5 and all(": FAILED (" in ln for ln in checked), pulled.stdout
    assert pulled.stdout.count("  fix: ") == 5 and pulled.returncode == 1
    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    out = tmp_path / "digest.json"
    run = subprocess.run([*cli, "examples/", "-o", str(out), "-q"], env=offline, cwd=ROOT,
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {a["language"] for a in result["articles"]} == {"ar", "de", "en", "fa", "he"}
    assert all(p["text"].strip() for p in result["digest"]["points"])
    listed = subprocess.run([*cli, "models", "list"], env=offline, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    for name in ("opus-de-en", "opus-ar-en", "opus-he-en", "m2m100", "distilbart"):
        row = next(ln for ln in listed.stdout.splitlines() if ln.startswith(f"{name} "))
        assert " yes " in row and " FAILED " in row, row
