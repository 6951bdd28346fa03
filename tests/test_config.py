"""models.yaml: the packaged default, overrides, local folders, and every error path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from summarizer.config import ENV_VAR, ConfigError, load_config

BASE: dict[str, Any] = {
    "models": {
        "tr": {"id": "example-org/translator", "task": "translation", "family": "marian"},
        "sm": {"id": "example-org/summarizer", "task": "summarization", "family": "bart"},
    },
    "translation": {"target": "en", "routes": {"de": "tr", "*": "tr"}},
    "summarization": {"brief": {"model": "sm", "words": 40}, "digest": {"model": "sm"}},
}


def write_config(folder: Path, data: dict[str, Any], name: str = "models.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def variant() -> dict[str, Any]:
    return copy.deepcopy(BASE)


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# --- the packaged default -------------------------------------------------------------


def test_default_config_loads() -> None:
    config = load_config()
    assert config.path.name == "models.yaml"
    assert config.target == "en"
    assert set(config.stages) == {"brief", "digest"}


@pytest.mark.parametrize("lang", ["de", "ar", "he", "fa"])
def test_default_routes_known_languages(lang: str) -> None:
    spec = load_config().route(lang)
    assert spec is not None
    assert spec.task == "translation"


def test_default_catch_all_route() -> None:
    config = load_config()
    assert "*" in config.routes
    spec = config.route("sw")
    assert spec is not None and spec.name == config.routes["*"]
    assert config.route_name("sw") == "*"


def test_default_english_needs_no_translation() -> None:
    assert load_config().route("en") is None


def test_default_stages_use_summarization_models() -> None:
    config = load_config()
    for stage in ("brief", "digest"):
        assert config.stage(stage).task == "summarization"


# --- choosing a file -------------------------------------------------------------------


def test_env_var_selects_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, BASE, "mine.yaml")
    monkeypatch.setenv(ENV_VAR, str(path))
    config = load_config()
    assert config.path == path
    assert set(config.models) == {"tr", "sm"}
    assert config.stages["brief"].words == 40


def test_explicit_path_loads(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, BASE))
    assert config.route("de") is not None and config.route("de").name == "tr"
    assert config.stages["digest"].words == 160  # the default digest length


def test_relative_local_id_resolves_against_yaml_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf_dir = tmp_path / "conf"
    (conf_dir / "weights" / "my-model").mkdir(parents=True)
    data = variant()
    data["models"]["tr"]["id"] = "./weights/my-model"
    path = write_config(conf_dir, data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_config(path).models["tr"]
    assert spec.local_path == (conf_dir / "weights" / "my-model").resolve()
    assert spec.source == str(spec.local_path)


def test_hub_id_has_no_local_path(tmp_path: Path) -> None:
    spec = load_config(write_config(tmp_path, BASE)).models["sm"]
    assert spec.local_path is None
    assert spec.source == "example-org/summarizer"


# --- errors ----------------------------------------------------------------------------


def load_variant(tmp_path: Path, data: dict[str, Any]):
    return load_config(write_config(tmp_path, data))


def test_route_to_unknown_model(tmp_path: Path) -> None:
    data = variant()
    data["translation"]["routes"]["de"] = "ghost"
    with pytest.raises(ConfigError, match=r"unknown model 'ghost' \(models: sm, tr\)"):
        load_variant(tmp_path, data)


def test_route_to_summarization_model(tmp_path: Path) -> None:
    data = variant()
    data["translation"]["routes"]["de"] = "sm"
    with pytest.raises(ConfigError, match=r"a summarization model \(translation models: tr\)"):
        load_variant(tmp_path, data)


def test_bad_family(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["family"] = "gpt"
    with pytest.raises(ConfigError, match=r"family 'gpt' is not one of marian, nllb, m2m100"):
        load_variant(tmp_path, data)


def test_summarization_family_on_translation_model(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["family"] = "bart"
    with pytest.raises(ConfigError, match=r"family 'bart' is not one of marian, nllb, m2m100"):
        load_variant(tmp_path, data)


def test_bad_task(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["task"] = "summarisation"
    with pytest.raises(
        ConfigError, match=r"task 'summarisation' is not one of translation, summarization"
    ):
        load_variant(tmp_path, data)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = variant()
    data["modles"] = {}
    with pytest.raises(
        ConfigError,
        match=r"unknown key\(s\) modles \(valid: limits, models, runtime, stories, summ",
    ):
        load_variant(tmp_path, data)


def test_unknown_model_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["beams"] = 4
    with pytest.raises(ConfigError, match=r"model 'tr': unknown key\(s\) beams \(valid: .*family"):
        load_variant(tmp_path, data)


def test_unknown_generation_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"beam_count": 4}
    with pytest.raises(
        ConfigError, match=r"generation key 'beam_count' is not one of num_beams, max_new_tokens"
    ):
        load_variant(tmp_path, data)


def test_non_number_generation_value(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"num_beams": "four"}
    with pytest.raises(
        ConfigError, match=r"model 'sm': generation\.num_beams must be a whole number"
    ):
        load_variant(tmp_path, data)


def test_boolean_generation_value_is_not_a_number(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"max_new_tokens": True}
    with pytest.raises(ConfigError, match=r"generation\.max_new_tokens"):
        load_variant(tmp_path, data)


def test_fractional_value_for_integer_generation_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"num_beams": 2.5}
    with pytest.raises(ConfigError, match=r"generation\.num_beams"):
        load_variant(tmp_path, data)


@pytest.mark.parametrize(
    "generation",
    [{"num_beams": 0}, {"max_new_tokens": -5}, {"repetition_penalty": 0}],
)
def test_out_of_range_generation_values(tmp_path: Path, generation: dict) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = generation
    with pytest.raises(ConfigError, match=r"must be at least"):
        load_variant(tmp_path, data)


def test_stage_naming_translation_model(tmp_path: Path) -> None:
    data = variant()
    data["summarization"]["digest"]["model"] = "tr"
    with pytest.raises(
        ConfigError,
        match=r"summarization\.digest names 'tr', not a summarization model "
        r"\(summarization models: sm\)",
    ):
        load_variant(tmp_path, data)


def test_missing_local_folder(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["id"] = "./nope"
    with pytest.raises(ConfigError, match=r"model 'tr': folder '\./nope' does not exist"):
        load_variant(tmp_path, data)


def test_id_neither_folder_nor_hub_id(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["id"] = "just-a-name"
    with pytest.raises(
        ConfigError, match=r"id 'just-a-name' is neither an existing folder nor a hub id"
    ):
        load_variant(tmp_path, data)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("models: {tr: [unclosed\ntranslation: :\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML"):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=rf"config file not found; .*{ENV_VAR}"):
        load_config(tmp_path / "absent.yaml")


def test_env_var_pointing_at_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent.yaml"))
    with pytest.raises(ConfigError, match=r"absent\.yaml: config file not found"):
        load_config()


# --- engines and stories ----------------------------------------------------------------


def test_default_stories_use_an_embedding_model() -> None:
    config = load_config()
    assert config.models[config.stories.model].task == "embedding"
    assert config.models[config.stories.model].family == "sentence-transformers"
    assert 0 < config.stories.tfidf_threshold < config.stories.threshold <= 1
    assert {s.engine for s in config.stages.values()} == {"abstractive"}


def test_stories_default_to_tfidf_when_absent(tmp_path: Path) -> None:
    stories = load_config(write_config(tmp_path, BASE)).stories
    assert stories.model == "tfidf" and stories.window_days == 30


def test_extractive_stage_needs_no_model(tmp_path: Path) -> None:
    data = variant()
    data["summarization"] = {"engine": "extractive", "brief": {"words": 50}}
    config = load_config(write_config(tmp_path, data))
    assert config.stages["brief"] == config.stages["brief"].__class__(None, 50, "extractive")
    assert config.stage("digest") is None


def test_per_stage_engine_overrides_the_run_wide_one(tmp_path: Path) -> None:
    data = variant()
    data["summarization"]["brief"]["engine"] = "extractive"
    config = load_config(write_config(tmp_path, data))
    assert config.stages["brief"].engine == "extractive"
    assert config.stages["digest"].engine == "abstractive"


@pytest.mark.parametrize(
    ("summarization", "message"),
    [
        (
            {"engine": "magic"},
            r"summarization.engine 'magic' is not one of abstractive, extractive",
        ),
        ({"brief": {"engine": "magic"}}, r"brief.engine 'magic' is not one of abstractive"),
        (
            {"brief": {"words": 40}},
            r"summarization.brief needs 'model: NAME' .* 'engine: extractive'",
        ),
    ],
)
def test_bad_engine_settings(tmp_path: Path, summarization: dict, message: str) -> None:
    data = variant()
    data["summarization"] = {"digest": {"model": "sm"}, "brief": {"model": "sm"}}
    for key, value in summarization.items():
        data["summarization"][key] = value
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, data))


@pytest.mark.parametrize(
    ("stories", "message"),
    [
        ({"model": "sm"}, r"stories.model 'sm' is not an embedding model \(choices: emb, tfidf\)"),
        ({"model": "ghost"}, r"stories.model 'ghost' is not an embedding model"),
        ({"threshold": 0}, r"stories.threshold must be a number above 0 and at most 1"),
        ({"tfidf_threshold": 1.5}, r"stories.tfidf_threshold must be a number above 0"),
        ({"window_days": -1}, r"stories.window_days must be a whole number of days"),
        ({"treshold": 0.5}, r"unknown key\(s\) treshold \(valid: model, tfidf_threshold, "),
    ],
)
def test_bad_stories_settings(tmp_path: Path, stories: dict, message: str) -> None:
    data = variant()
    data["models"]["emb"] = {"id": "example-org/embedder", "task": "embedding"}
    data["stories"] = stories
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, data))
