"""Empty or looping model output never passes silently, and `models check` catches it.

The broken models here are real tiny checkpoints whose output layer was biased so that
they really emit only special tokens (mute) or one word forever (looping), run by the real
backends; nothing fakes their output.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLES, TINY_YAML

from summarizer import Summarizer
from summarizer.cli import main

GERMAN = DATA / "de_scraped.txt"


def biased(source: Path, target: Path, tokens: list[str]) -> Path:
    """A copy of the tiny model at ``source`` that always prefers ``tokens``."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    shutil.copytree(source, target)
    tokenizer = AutoTokenizer.from_pretrained(target)
    model = AutoModelForSeq2SeqLM.from_pretrained(target, use_safetensors=True)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    model.final_logits_bias[0, ids] = 1e4
    model.save_pretrained(target, safe_serialization=True)
    return target


@pytest.fixture(scope="module")
def broken(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_dir's models plus a mute and a looping Marian and a mute BART, and a yaml."""
    root = tmp_path_factory.mktemp("broken-models")
    for name in ("marian", "bart", "st", "nllb", "m2m100"):
        (root / name).symlink_to(tiny_dir / name)
    biased(tiny_dir / "marian", root / "mute-marian", ["</s>"])
    word = next(t for t in json.loads((tiny_dir / "marian" / "vocab.json").read_text()) if
                t.startswith("▁") and len(t) > 3)  # fmt: skip
    biased(tiny_dir / "marian", root / "loop-marian", [word])
    biased(tiny_dir / "bart", root / "mute-bart", ["</s>", "<s>", "<pad>"])
    text = TINY_YAML.replace(
        "  tiny-st:",
        "  mute-marian: {id: ./mute-marian, task: translation, family: marian}\n"
        "  loop-marian: {id: ./loop-marian, task: translation, family: marian}\n"
        "  mute-bart: {id: ./mute-bart, task: summarization, family: bart,"
        " max_input_tokens: 96}\n  tiny-st:",
    )
    (root / "models.yaml").write_text(text, encoding="utf-8")
    return root / "models.yaml"


def with_routes(config: Path, folder: Path, changes: dict[str, str]) -> Path:
    """``config`` with some text replaced, in ``folder`` beside links to its models."""
    text = config.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = folder / "models.yaml"
    for item in config.parent.iterdir():
        if item.name != "models.yaml" and not (folder / item.name).exists():
            (folder / item.name).symlink_to(item.resolve())
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_an_empty_translation_is_flagged_and_no_empty_point_is_rendered(
    broken: Path, tmp_path: Path, backend: str
) -> None:
    config = with_routes(broken, tmp_path, {"de: tiny-marian": "de: mute-marian"})
    out = tmp_path / "digest.json"
    args = ["--config", str(config), "--backend", backend, "--engine", "extractive", "-q"]
    status = main([*args, str(GERMAN), str(EXAMPLES / "en_solar_negev.txt"), "-o", str(out)])
    assert status == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    german = next(a for a in result["articles"] if a["language"] == "de")
    assert all(s["translation"] == "" for s in german["segments"])  # never filled in
    assert german["output_flags"]["translations"] == len(german["segments"])
    assert any("came back empty" in w and "models check" in w for w in german["warnings"])
    assert all(p["text"].strip() for p in result["digest"]["points"])
    assert german["brief"] == ""  # nothing to brief: said, not faked
    assert "no brief: the article's translation has no text to brief" in german["warnings"]
    markdown = main([*args, str(GERMAN), "-o", str(tmp_path / "d.md")])
    assert markdown == 0
    assert "- \n" not in (tmp_path / "d.md").read_text(encoding="utf-8")


def test_the_summary_line_counts_flagged_outputs(broken: Path, tmp_path: Path, capsys) -> None:
    config = with_routes(broken, tmp_path, {"de: tiny-marian": "de: loop-marian"})
    main(["--config", str(config), "--engine", "extractive", str(GERMAN),
          "-o", str(tmp_path / "d.json")])  # fmt: skip
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if "article(s) processed" in ln)
    assert "empty or looping model output" in line and "sentence translation" in line
    german = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["articles"][0]
    assert any(" loop (sentence " in w for w in german["warnings"])


def test_an_empty_brief_falls_back_to_key_sentences(broken: Path, tmp_path: Path) -> None:
    config = with_routes(broken, tmp_path, {"brief: {model: tiny-bart": "brief: {model: mute-bart"})
    result = Summarizer(config, device="cpu").run(sorted(EXAMPLES.glob("en_*.txt")))
    assert result.articles
    for article in result.articles:
        assert article.brief.strip() and article.brief_segments  # the article's own sentences
        assert article.output_flags["brief"] == 1
        assert any("brief model's output was unusable" in w for w in article.warnings)
    assert result.flagged_outputs()["briefs"] == len(result.articles)


def test_models_check_fails_the_tiny_random_models_naming_reasons(
    tiny_config: Path, capsys
) -> None:
    status = main(["models", "check", "--config", str(tiny_config)])
    out = capsys.readouterr().out
    assert status == 1
    for name in ("tiny-marian", "tiny-nllb", "tiny-m2m100", "tiny-bart"):
        head = next(line for line in out.splitlines() if line.startswith(f"{name}: "))
        assert "FAILED" in head, out
    reasons = [line for line in out.splitlines() if line.startswith("  - ")]
    kinds = {line[4:].split(" in ")[0].split(":")[0] for line in reasons}
    assert kinds & {"not english", "number", "repetition", "empty", "untranslated", "length"}
    assert out.count("  fix: ") == 4
    main(["models", "list", "--config", str(tiny_config)])
    listed = capsys.readouterr().out
    row = next(line for line in listed.splitlines() if line.startswith("tiny-bart "))
    assert " FAILED " in row


def test_a_story_left_without_points_says_why(broken: Path, tmp_path: Path) -> None:
    from summarizer.types import NO_POINTS

    config = with_routes(broken, tmp_path, {"de: tiny-marian": "de: loop-marian"})
    for fmt in ("md", "html"):
        out = tmp_path / f"digest.{fmt}"
        main(["--config", str(config), "--engine", "extractive", "-q", str(GERMAN), "-o", str(out)])
        text = out.read_text(encoding="utf-8")
        assert NO_POINTS in text and "loop (sentence " in text
