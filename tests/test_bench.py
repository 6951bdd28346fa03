"""The benchmark driver end to end, on the tiny models (its figures mean nothing here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import METHODS, STAGES, main


@pytest.mark.slow
def test_bench_quick_writes_every_figure(tiny_dir: Path, tmp_path: Path, capsys) -> None:
    models = tmp_path / "models"
    models.mkdir()
    for name, tiny in {
        "opus-mt": "marian",
        "nllb-600m": "nllb",
        "distilbart-cnn-12-6": "bart",
        "minilm-l6": "st",
    }.items():
        (models / name).symlink_to(tiny_dir / tiny)  # present: nothing is built
    out = tmp_path / "bench.json"
    assert main(["--quick", "--models", str(models), "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    for stage in STAGES:
        assert {"speedup_vs_naive", "speedup_vs_transformers", "peak_rss_mb"} <= set(figures[stage])
        for method in METHODS:
            run = figures[stage][method]
            assert run["seconds"] > 0 and run["items"] > 0 and run["peak_rss_mb"] > 0
    assert figures["translation"]["ctranslate2"]["tokens_per_s"] > 0
    assert "translating" in figures["pipeline"]["ctranslate2"]["stages_s"]
    table = capsys.readouterr().out
    assert "| pipeline | ctranslate2 |" in table and "x the naive loop" in table


@pytest.mark.slow
def test_bench_scale_runs_a_batch_and_reports_its_figures(tmp_path: Path, capsys) -> None:
    from bench.scale import main as scale

    out = tmp_path / "scale.json"
    assert scale(["--articles", "60", "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["articles"] == 60 and figures["seconds"] > 0 and figures["peak_rss_mb"] > 0
    assert figures["stories"] >= 2 and figures["points"] >= figures["stories"]
    assert "60 articles: " in capsys.readouterr().out


@pytest.mark.slow
def test_bench_demo_runs_the_pipeline_on_the_examples(
    tiny_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bench.demo import main as demo

    out = tmp_path / "demo"
    assert demo(["--out", str(out), "--models", str(tiny_dir)]) == 0
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert {a["language"] for a in data["articles"]} >= {"de", "he", "ar", "fa", "en"}
    assert data["digest"]["stories"] and not data["failed"]
    assert out.with_suffix(".html").stat().st_size and out.with_suffix(".md").stat().st_size
    assert "gibberish" in caplog.text
