"""`summarize eval`: the scores are what they claim (identical text 100, shuffled low), the
command reports one row per covered route on the tiny models, and every refusal is one line
with the right exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from summarizer.cli import main
from summarizer.evaluate import (
    RouteScore,
    TestsetError,
    evaluate,
    flores_language,
    read_testset,
    score,
    table,
)

FLORES = ROOT.parent / "shared" / "testsets" / "flores200-devtest"
COVERED = ["de", "he", "ar", "fa"]  # TINY_YAML's route order
MODELS = {"de": "tiny-marian", "he": "tiny-marian", "ar": "tiny-nllb", "fa": "tiny-m2m100"}
OURS = [
    "The city council approved a new budget for public transport on Tuesday.",
    "Heavy rain flooded several streets in the old town overnight.",
    "The company said it would hire 300 workers at its new plant next year.",
    "Scientists reported that the glacier lost a tenth of its ice in a decade.",
    "Voters will choose a new mayor in the second round on Sunday.",
    "The museum reopened after two years of repairs to its roof.",
    "Farmers warned that the drought could halve this year's wheat harvest.",
    "The final was postponed because of a storm over the stadium.",
]
# A hub id, never fetched in these tests (refused before, or offline when tried).
HUB_ONLY = {
    "models": {"tr": {"id": "example-org/translator", "task": "translation", "family": "marian"}},
    "translation": {"target": "en", "routes": {"de": "tr"}},
    "summarization": {"engine": "extractive"},
}


def flores() -> Path:
    if not FLORES.is_dir():
        pytest.skip("FLORES-200 devtest not found at ../shared/testsets")
    return FLORES


@pytest.fixture
def flores_dir() -> Path:
    """The FLORES devtest folder; as a test's first fixture, skips before models are built."""
    return flores()


def english(source: str) -> list[str]:
    if source == "ours":
        return list(OURS)
    return (flores() / "eng_Latn.txt").read_text(encoding="utf-8").splitlines()[:200]


def write_set(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return folder


def hub_only_config(folder: Path) -> Path:
    path = folder / "models.yaml"
    path.write_text(yaml.safe_dump(HUB_ONLY), encoding="utf-8")
    return path


def rows(markdown: str) -> list[list[str]]:
    """The table's body rows, as cells."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert lines[0].split("|")[1].strip() == "route" and set(lines[1]) <= set("|-:")
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


# --- the scores -----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["ours", "flores"])
def test_hypotheses_equal_to_the_references_score_100(source: str) -> None:
    refs = english(source)
    got = score(refs, refs)
    assert got["bleu"] == pytest.approx(100) and got["chrf"] == pytest.approx(100)


@pytest.mark.parametrize("source", ["ours", "flores"])
def test_shuffled_hypotheses_score_low(source: str) -> None:
    refs = english(source)
    shuffled = refs[1:] + refs[:1]  # every sentence against another one
    assert all(h != r for h, r in zip(shuffled, refs, strict=True))
    got = score(shuffled, refs)
    assert got["bleu"] < 5 and got["chrf"] < 30


def test_a_few_wrong_words_score_between() -> None:
    hyps = [s.replace("the", "a", 1) for s in OURS]
    got = score(hyps, OURS)
    assert 30 < got["bleu"] < 100 and 60 < got["chrf"] < 100


@pytest.mark.parametrize(("hyps", "refs"), [([], []), (["a"], ["a", "b"])])
def test_score_needs_aligned_sentences(hyps: list[str], refs: list[str]) -> None:
    with pytest.raises(ValueError, match="as many hypotheses as references"):
        score(hyps, refs)


# --- the test set and the table ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        ("heb_Hebr.txt", "he"),
        ("arb_Arab.txt", "ar"),
        ("pes_Arab.txt", "fa"),
        ("deu_Latn.txt", "de"),
        ("eng_Latn.txt", "en"),
        ("fra_Latn.txt", "fr"),
        ("zho_Hant.txt", "zh"),
        ("xyz_Latn.txt", None),
        ("metadata.tsv", None),
        ("notes.txt", None),
    ],
)
def test_flores_file_names_map_to_our_codes(name: str, lang: str | None) -> None:
    assert flores_language(Path(name)) == lang


def test_the_test_set_is_read_with_notes_for_what_is_left_out(tmp_path: Path) -> None:
    folder = write_set(
        tmp_path / "set",
        {"eng_Latn.txt": OURS[:3], "deu_Latn.txt": ["a", "b", "c"], "notes.txt": ["x"],
         "xyz_Latn.txt": ["1", "2", "3"]},
    )  # fmt: skip
    found = read_testset(folder)
    assert found.references == OURS[:3]
    assert found.sources == {"de": ["a", "b", "c"]}
    assert found.skipped == [
        "notes.txt: not named like heb_Hebr.txt",
        "xyz_Latn.txt: no ISO 639-1 code known for 'xyz'",
    ]


def test_the_flores_devtest_is_read_whole(flores_dir: Path) -> None:
    found = read_testset(flores_dir)
    assert sorted(found.sources) == sorted(COVERED)
    assert all(len(lines) == len(found.references) == 1012 for lines in found.sources.values())


def test_the_table_has_one_row_per_route() -> None:
    scores = [
        RouteScore("de", "de", "m1", "ctranslate2:int8", 10, 12.34, 45.6, 3, 0.3,
                   seconds=0.5, sentences_per_second=20.0, peak_mb=512.4),
        RouteScore("sw", "*", "m2", "transformers", 10, error="model 'm2' failed"),
    ]  # fmt: skip
    got = rows(table(scores))
    assert got == [
        ["de", "m1", "ctranslate2:int8", "10", "12.3", "45.6", "30%", "20.0", "512"],
        ["sw (*)", "m2", "transformers", "10", "-", "-", "-", "-", "-"],
    ]
    scores[0].model = "a|b"  # a cell never breaks the table
    assert "| a\\|b |" in table(scores)


# --- the command on the tiny models -----------------------------------------------------------


def test_eval_reports_every_covered_route(
    flores_dir: Path, tiny_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    argv = ["eval", str(flores_dir), "--config", str(tiny_config), "--limit", "8", "--device",
            "cpu", "-q", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    got = rows(printed.out)
    assert [r[0] for r in got] == COVERED
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["limit"] == 8 and report["testset"] == str(FLORES)
    assert report["metrics"]["bleu"].startswith("nrefs:1|")
    assert [r["lang"] for r in report["routes"]] == COVERED
    for cells, entry in zip(got, report["routes"], strict=True):
        lang, model, runtime, sentences, bleu, chrf, flagged, speed, peak = cells
        assert model == entry["model"] == MODELS[lang]
        assert runtime == entry["runtime"]
        assert int(sentences) == entry["sentences"] == 8
        # random-weight models: no real translation, and the checks see it
        assert float(bleu) == pytest.approx(entry["bleu"], abs=0.06) and entry["bleu"] < 5
        assert float(chrf) == pytest.approx(entry["chrf"], abs=0.06) and entry["chrf"] < 30
        assert flagged.endswith("%") and int(flagged[:-1]) == round(entry["flag_rate"] * 100)
        assert entry["flag_rate"] >= 0.75 and entry["flagged"] == round(entry["flag_rate"] * 8)
        assert sum(entry["problems"].values()) >= entry["flagged"]
        assert entry["failed"] == 0 and entry["error"] is None
        assert float(speed) > 0 and entry["sentences_per_second"] > 0 and entry["seconds"] > 0
        assert float(peak) > 0 and entry["peak_mb"] > 0
    assert "Traceback" not in printed.err


def test_evaluate_uses_a_summarizers_loaded_models(flores_dir: Path, summarizer) -> None:
    scores = evaluate(summarizer, flores_dir, routes=["fa", "he"], limit=3)
    assert [(s.lang, s.route, s.model, s.sentences) for s in scores] == [
        ("fa", "fa", "tiny-m2m100", 3),
        ("he", "he", "tiny-marian", 3),
    ]
    assert all(s.bleu is not None and s.error is None for s in scores)


# --- refusals: one line naming the file and the fix --------------------------------------------


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("summarize: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return rc, lines[0]


def test_a_missing_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = hub_only_config(tmp_path)
    rc, line = refusal(["eval", str(tmp_path / "nowhere"), "--config", str(config)], capsys)
    assert rc == 2 and f"{tmp_path / 'nowhere'}: no such folder" in line


def test_a_set_without_references_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_set(tmp_path / "set", {"deu_Latn.txt": ["Guten Tag."]})
    rc, line = refusal(["eval", str(folder), "--config", str(hub_only_config(tmp_path))], capsys)
    assert rc == 2 and str(folder / "eng_Latn.txt") in line and "not found" in line


def test_files_of_different_lengths_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_set(
        tmp_path / "set", {"eng_Latn.txt": ["Good day.", "Hello."], "deu_Latn.txt": ["Tag."]}
    )
    rc, line = refusal(["eval", str(folder), "--config", str(hub_only_config(tmp_path))], capsys)
    assert rc == 2 and f"{folder / 'deu_Latn.txt'}: 1 line(s), but eng_Latn.txt has 2" in line
    with pytest.raises(TestsetError):
        read_testset(folder)


def test_a_set_with_no_routed_language_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_set(tmp_path / "set", {"eng_Latn.txt": ["Hello."], "heb_Hebr.txt": ["שלום."]})
    rc, line = refusal(["eval", str(folder), "--config", str(hub_only_config(tmp_path))], capsys)
    assert rc == 2 and str(folder) in line and "(he) has a route" in line


def test_routes_naming_no_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_set(tmp_path / "set", {"eng_Latn.txt": ["Hello."], "deu_Latn.txt": ["Hallo."]})
    config = str(hub_only_config(tmp_path))
    rc, line = refusal(["eval", str(folder), "--config", config, "--routes", "sw"], capsys)
    assert rc == 2 and "--routes sw" in line and "(it has: de)" in line


def test_a_model_that_cannot_load_fails_its_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1 and a row without scores; the file with no route is skipped with a note."""
    folder = write_set(
        tmp_path / "set",
        {"eng_Latn.txt": ["Hello."], "deu_Latn.txt": ["Hallo."], "heb_Hebr.txt": ["שלום."]},
    )
    config = str(hub_only_config(tmp_path))
    assert main(["eval", str(folder), "--config", config, "--device", "cpu"]) == 1
    printed = capsys.readouterr()
    assert rows(printed.out) == [["de", "tr", "ctranslate2:int8", "1", *["-"] * 5]]
    assert "Traceback" not in printed.err
    assert "skipped heb_Hebr.txt: no route for 'he'" in printed.err
    failed = [line for line in printed.err.splitlines() if line.startswith("summarize: failed:")]
    assert len(failed) == 1 and "route 'de'" in failed[0] and "models pull tr" in failed[0]
