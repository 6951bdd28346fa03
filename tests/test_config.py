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
    with pytest.raises(
        ConfigError,
        match=r"translation\.routes\.de names unknown model 'ghost' \(translation models: tr\)",
    ):
        load_variant(tmp_path, data)


def test_route_to_summarization_model(tmp_path: Path) -> None:
    data = variant()
    data["translation"]["routes"]["de"] = "sm"
    with pytest.raises(
        ConfigError,
        match=r"translation\.routes\.de names 'sm', a summarization model "
        r"\(translation models: tr\)",
    ):
        load_variant(tmp_path, data)


def test_bad_family(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["family"] = "gpt"
    with pytest.raises(
        ConfigError, match=r"models\.tr\.family 'gpt' is not one of marian, nllb, m2m100$"
    ):
        load_variant(tmp_path, data)


def test_summarization_family_on_translation_model(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["family"] = "bart"
    with pytest.raises(
        ConfigError, match=r"models\.tr\.family 'bart' is not one of marian, nllb, m2m100$"
    ):
        load_variant(tmp_path, data)


def test_bad_task(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["task"] = "summarisation"
    with pytest.raises(
        ConfigError,
        match=r"models\.sm\.task 'summarisation' is not one of translation, summarization, embed",
    ):
        load_variant(tmp_path, data)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = variant()
    data["modles"] = {}
    with pytest.raises(
        ConfigError,
        match=r"models\.yaml: modles is an unknown key \(valid: limits, models, runtime, stories, ",
    ):
        load_variant(tmp_path, data)


def test_unknown_model_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["beams"] = 4
    with pytest.raises(
        ConfigError, match=r"models\.tr\.beams is an unknown key \(valid: allow_pickle, .*family"
    ):
        load_variant(tmp_path, data)


def test_unknown_generation_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"beam_count": 4}
    with pytest.raises(
        ConfigError,
        match=r"models\.sm\.generation\.beam_count is an unknown key \(valid: early_stopping, ",
    ):
        load_variant(tmp_path, data)


def test_non_number_generation_value(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"num_beams": "four"}
    with pytest.raises(
        ConfigError, match=r"models\.sm\.generation\.num_beams must be a whole number of at least 1"
    ):
        load_variant(tmp_path, data)


def test_boolean_generation_value_is_not_a_number(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"max_new_tokens": True}
    with pytest.raises(
        ConfigError, match=r"models\.sm\.generation\.max_new_tokens must be a whole number of at"
    ):
        load_variant(tmp_path, data)


def test_fractional_value_for_integer_generation_key(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = {"num_beams": 2.5}
    with pytest.raises(ConfigError, match=r"models\.sm\.generation\.num_beams must be a whole"):
        load_variant(tmp_path, data)


@pytest.mark.parametrize(
    ("generation", "message"),
    [
        ({"num_beams": 0}, r"generation\.num_beams must be a whole number of at least 1"),
        (
            {"max_new_tokens": -5},
            r"generation\.max_new_tokens must be a whole number of at least 1",
        ),
        (
            {"repetition_penalty": 0},
            r"generation\.repetition_penalty must be a number of at least 0\.01",
        ),
    ],
)
def test_out_of_range_generation_values(tmp_path: Path, generation: dict, message: str) -> None:
    data = variant()
    data["models"]["sm"]["generation"] = generation
    with pytest.raises(ConfigError, match=r"models\.sm\." + message):
        load_variant(tmp_path, data)


def test_stage_naming_translation_model(tmp_path: Path) -> None:
    data = variant()
    data["summarization"]["digest"]["model"] = "tr"
    with pytest.raises(
        ConfigError,
        match=r"summarization\.digest\.model names 'tr', a translation model "
        r"\(summarization models: sm\)",
    ):
        load_variant(tmp_path, data)


def test_missing_local_folder(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["id"] = "./nope"
    with pytest.raises(
        ConfigError,
        match=r"models\.tr\.id names folder '\./nope', which does not exist \(looked in .*nope\); "
        r"fix the path or use a hub id",
    ):
        load_variant(tmp_path, data)


def test_id_neither_folder_nor_hub_id(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["id"] = "just-a-name"
    with pytest.raises(
        ConfigError,
        match=r"models\.tr\.id 'just-a-name' is neither an existing folder nor a hub id like",
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
            r"summarization\.engine 'magic' is not one of abstractive, extractive",
        ),
        (
            {"brief": {"engine": "magic"}},
            r"summarization\.brief\.engine 'magic' is not one of abstractive, extractive",
        ),
        (
            {"brief": {"words": 40}},
            r"summarization\.brief needs 'model: NAME' \(summarization models: sm\) "
            r"or 'engine: extractive'",
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
        (
            {"model": "sm"},
            r"stories\.model names 'sm', a summarization model \(embedding models: emb, tfidf\)",
        ),
        (
            {"model": "ghost"},
            r"stories\.model names unknown model 'ghost' \(embedding models: emb, tfidf\)",
        ),
        ({"threshold": 0}, r"stories\.threshold must be a number above 0 and at most 1"),
        ({"tfidf_threshold": 1.5}, r"stories\.tfidf_threshold must be a number above 0 and at"),
        ({"window_days": -1}, r"stories\.window_days must be a whole number of days \(0: no"),
        ({"window_days": True}, r"stories\.window_days must be a whole number of days"),
        (
            {"treshold": 0.5},
            r"stories\.treshold is an unknown key \(valid: model, tfidf_threshold, threshold, ",
        ),
    ],
)
def test_bad_stories_settings(tmp_path: Path, stories: dict, message: str) -> None:
    data = variant()
    data["models"]["emb"] = {"id": "example-org/embedder", "task": "embedding"}
    data["stories"] = stories
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, data))


# --- every problem at once, by its dotted path ------------------------------------------


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    data = variant()
    data["models"]["tr"]["family"] = "gpt"
    data["models"]["sm"]["generation"] = {"num_beams": 0}
    data["limits"] = {"max_upload_mb": 50}
    path = write_config(tmp_path, data)  # (safe_dump writes the models sorted)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).splitlines() == [
        f"{path}: 3 problems:",
        "  models.sm.generation.num_beams must be a whole number of at least 1",
        "  models.tr.family 'gpt' is not one of marian, nllb, m2m100",
        "  limits.max_upload_mb must be a whole number from 1 to 20",
    ]


def test_messages_carry_no_pydantic_boilerplate(tmp_path: Path) -> None:
    data = variant()
    data["models"]["sm"].update(batch_size="big", allow_pickle="yes", backend="onnx")
    data["runtime"] = {"threads": 2, "model_memory_mb": "lots"}
    with pytest.raises(ConfigError) as caught:
        load_variant(tmp_path, data)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'models.yaml'}: 5 problems:\n")
    for noise in ("pydantic", "type=", "Input should", "validation error", "input_value"):
        assert noise not in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"models": {"../up": {"id": "a/b", "task": "embedding"}}},
            r"models key '\.\./up' is not valid: a model's name may hold only letters, digits",
        ),
        ({"models": {}}, r"models must not be empty"),
        ({"models": {"tr": "a/b"}}, r"models\.tr must be a mapping"),
        ({"models": {"tr": {"task": "translation"}}}, r"models\.tr\.id is required"),
        (
            {"models": {"tr": {"id": "a/b", "task": "translation"}}},
            r"models\.tr\.family is required for a translation model \(one of marian, nllb, ",
        ),
        (
            {
                "models": {
                    "tr": {
                        "id": "a/b",
                        "task": "translation",
                        "family": "marian",
                        "revision": "a b",
                    }
                }
            },
            r"models\.tr\.revision must be a branch, tag or commit hash",
        ),
        ({"translation": {"target": "english"}}, r"translation\.target must be an ISO 639 code"),
        (
            {"translation": {"routes": {"deu1": "tr"}}},
            r"translation\.routes key 'deu1' must be an ISO 639 code such as 'de', or '\*'",
        ),
        ({"translation": []}, r"translation must be a mapping"),
        ({"limits": {"max_articles": 0}}, r"limits\.max_articles must be a whole number from 1 to"),
        ({"limits": {"max_chars": "many"}}, r"limits\.max_chars must be a whole number from 1 to"),
        (
            {"summarization": {"brief": {"model": "sm", "words": 4}}},
            r"brief\.words must be a whole",
        ),
    ],
)
def test_bad_values_name_their_place_and_fix(tmp_path: Path, change: dict, message: str) -> None:
    data = variant()
    for section, value in change.items():
        if section == "models" and value:
            data["models"].update(value)
        else:
            data[section] = value
    with pytest.raises(ConfigError, match=message):
        load_variant(tmp_path, data)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"models\.yaml: the top level must be a mapping$"):
        load_config(path)


def test_empty_sections_and_defaults(tmp_path: Path) -> None:
    data = variant()
    data["models"]["t5"] = {"id": "example-org/t5", "task": "summarization", "family": "t5"}
    data["models"]["plain"] = {"id": "example-org/plain", "task": "summarization"}
    data["models"]["sm"]["generation"] = {"length_penalty": 2, "num_beams": 4}
    data.update(stories=None, limits=None, runtime={"model_memory_mb": "auto"})
    config = load_variant(tmp_path, data)
    assert config.models["t5"].prefix == "summarize: " and config.models["sm"].prefix == ""
    assert config.models["plain"].family == "seq2seq" and config.models["plain"].batch_size == 16
    generation = config.models["sm"].generation
    assert list(generation) == ["length_penalty", "num_beams"]  # as written
    assert type(generation["length_penalty"]) is int  # not turned into 2.0
    assert config.runtime.model_memory_mb is None and config.limits.max_upload_mb == 20
    assert config.stories.threshold == 0.6


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    """A few lines of YAML aliases that expand to billions of nodes: refused before they are
    built (a models.yaml needs no aliases)."""
    import time

    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for name, prev in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    bomb = tmp_path / "models.yaml"
    bomb.write_text("\n".join([*lines, "translation:", "  routes:", "    de: *h", ""]))
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"aliases \(\*name\) are not allowed in models\.yaml"):
        load_config(bomb)
    assert time.monotonic() - start < 5


def test_threads_are_bounded_by_the_cores_and_the_file_by_its_size(tmp_path: Path) -> None:
    from summarizer.config import CORES, MAX_CONFIG_BYTES

    path = tmp_path / "models.yaml"
    path.write_text("runtime:\n  intra_threads: 100000\n")
    with pytest.raises(
        ConfigError, match=rf"runtime\.intra_threads must be a whole number up to the {CORES} cores"
    ):
        load_config(path)
    path.write_text("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    with pytest.raises(ConfigError, match=r"is more than a models\.yaml should be"):
        load_config(path)
