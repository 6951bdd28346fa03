"""Hostile inputs and faults: every case has a defined outcome, and the others go on.

The matrix of the README's "Limits and failures". Inputs run together with good articles
through the real pipeline on the tiny models; an outcome is either the article in
`failed` with a one-line reason naming the file, or the article processed (with a warning
where reading it changed or guessed something). Faults are injected into the real
backends. Batch faults (signals, a shared store, a full disk) are in test_batch_faults.py,
the web UI and fetching in test_app.py and test_fetch.py, fuzzing in test_fuzz.py.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLES, TINY_YAML

from summarizer import Document, Summarizer
from summarizer.config import ConfigError, load_config
from summarizer.inputs import read_source
from summarizer.types import MAX_BYTES, IngestError

GERMAN = (EXAMPLES / "de_wasserkonferenz.txt").read_text(encoding="utf-8")
HEBREW = (EXAMPLES / "he_solar.txt").read_text(encoding="utf-8")
ARABIC = (EXAMPLES / "ar_desalination.txt").read_text(encoding="utf-8")
ENGLISH = (EXAMPLES / "en_desalination.txt").read_text(encoding="utf-8")
LEGACY = {"ar_1256.txt": (ARABIC, "windows-1256", "ar"),
          "he_1255.txt": (HEBREW, "windows-1255", "he"),
          "de_1252.txt": (GERMAN, "windows-1252", "de")}  # fmt: skip
ENGLISH_QUOTES = (
    '"We will finish the solar field before the summer," the project manager told '
    'reporters in English. "The grid is ready for it, and so are we."'
)
FRENCH = (
    "Le ministre a déclaré que la nouvelle usine de dessalement fournira de l'eau potable à "
    "deux millions d'habitants d'ici à la fin de l'année prochaine."
)
INVISIBLES = "\u200b\u200d\u200e\u200f\u202a\u202b\u202e\u202c\u2066\u2067\u2069\ufeff"


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", ENGLISH)
    return buffer.getvalue()


def _broken_utf8() -> bytes:
    data = HEBREW.encode("utf-8")
    cut = data.index(b" ", len(data) // 2)
    return data[: cut - 1] + data[cut:]  # half of a two-byte Hebrew letter removed


def _long_sentence() -> str:
    words = GERMAN.replace(".", " ").replace(",", " ").split()
    return " ".join(words[i % len(words)] for i in range(5000))


def _mixed(text: str, extra: str, at: int) -> str:
    paragraphs = _paragraphs(text)
    paragraphs.insert(at, extra)
    return "\n\n".join(paragraphs)


def _html() -> str:
    body = "".join(f"<p>{p}</p>" for p in _paragraphs(GERMAN)[1:])
    return (
        "<!DOCTYPE html><html><head><title>Wasserkonferenz</title></head><body>"
        "<nav><a href='/'>Start</a> | <a href='/politik'>Politik</a></nav>"
        f"<article><h1>Wasserkonferenz in Wien</h1>{body}</article>"
        "<footer>© 2026 Beispielverlag</footer></body></html>"
    )


def _invisible() -> str:
    out = []
    for k, paragraph in enumerate(_paragraphs(GERMAN)):
        words = paragraph.split(" ")
        words[1] = INVISIBLES[k % len(INVISIBLES)] + words[1] + " 🎉👍🏽"
        words[3] = "\u202e" + words[3] + "\u202c\u200b"
        out.append(" ".join(words))
    return "\n\n".join(out)


# name -> (bytes of the file, or a callable that makes the path; expected outcome).
# An outcome is ("failed", pattern in the one-line reason) or ("done", pattern in a
# warning, or None for none expected).
Case = tuple[bytes | Callable[[Path], Path], tuple[str, str | None]]
CASES: dict[str, Case] = {
    "empty.txt": (b"", ("failed", r"empty")),
    "whitespace.txt": (b" \n\t\r\n  \n", ("failed", r"empty")),
    "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ("failed", r"PNG image, not text")),
    "archive.txt": (_zip(), ("failed", r"zip archive")),
    "broken_utf8.txt": (_broken_utf8(), ("done", r"invalid UTF-8 byte sequence")),
    "utf16.txt": (codecs.BOM_UTF16_LE + GERMAN.encode("utf-16-le"), ("done", None)),
    **{
        name: (text.encode(codec), ("done", r"not UTF-8; read as \S+ \(detected, a guess\)"))
        for name, (text, codec, _) in LEGACY.items()
    },
    "huge.txt": (
        lambda d: _sparse(d / "huge.txt", MAX_BYTES + 1),
        ("failed", r"over the 20 MB limit for one article; split the file"),
    ),
    "long_sentence.txt": (_long_sentence().encode(), ("done", r"split into parts")),
    "boilerplate.txt": (
        b"Share this article\nComments (0)\nPhoto: Reuters\nRead more:\n"
        b"Follow us on Twitter\nAll rights reserved.\n",
        ("failed", r"no article text left after removing boilerplate"),
    ),
    "numbers.txt": (b"12 345 678\n\n2026 - 2027: 3.5 %\n\n1,000,000", ("failed", r"no words")),
    "urls.txt": (
        b"https://example.org/a?id=1\nhttps://example.org/b\n\nwww.example.com/c",
        ("failed", r"no words in it, only numbers, links or symbols"),
    ),
    "he_english_quotes.txt": (
        _mixed(HEBREW, ENGLISH_QUOTES, 2).encode(),
        ("done", r"sentence\(s\) in English, not Hebrew: kept as written"),
    ),
    "ar_french.txt": (
        _mixed(ARABIC, FRENCH, 2).encode(),
        ("done", r"sentence\(s\) in French, not Arabic: translated with model 'tiny-m2m100'"),
    ),
    "he_latin_quote.txt": (
        _mixed(
            HEBREW, "Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae.", 2
        ).encode(),
        ("done", r"look like Latin, which its route cannot translate: translated as Hebrew"),
    ),
    "latin.txt": (
        ("Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae. " * 6).encode(),
        ("failed", r"not a language of model 'tiny-m2m100'.*add a route"),
    ),
    "cherokee.txt": (
        ("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫᏯ ᏗᎦᏘᎲ ᎤᏍᏗ ᎦᏙᎯ ᎠᏓᏅᏙ. " * 8).encode(),
        ("failed", r"written in Cherokee script.*pass --lang CODE"),
    ),
    "invisible.txt": (_invisible().encode(), ("done", None)),
    "page.txt": (_html().encode(), ("done", r"holds a web page \(HTML\).*extracted")),
    "folder.txt": (lambda d: _mkdir(d / "folder.txt"), ("failed", r"is a folder")),
    "dangling.txt": (lambda d: _dangling(d / "dangling.txt"), ("failed", r"broken symbolic link")),
}
GOOD = ("good_de.txt", "good_en.txt")


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: a 20 MB file without writing 20 MB
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _dangling(path: Path) -> Path:
    path.symlink_to(path.parent / "gone.txt")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, summarizer: Summarizer):
    """One full run (briefs and digest too) over every hostile case and two good articles."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = []
    for name, (content, _) in CASES.items():
        if callable(content):
            paths.append(content(folder))
        else:
            (folder / name).write_bytes(content)
            paths.append(folder / name)
    (folder / GOOD[0]).write_text(GERMAN, encoding="utf-8")
    (folder / GOOD[1]).write_text(ENGLISH, encoding="utf-8")
    paths[3:3] = [folder / GOOD[0]]
    paths.append(folder / GOOD[1])
    result = summarizer.run(paths)
    return {Path(a.source).name: a for a in result.articles}, result


@pytest.mark.parametrize("name", list(CASES))
def test_each_input_has_its_outcome(hostile, name: str) -> None:
    articles, result = hostile
    kind, pattern = CASES[name][1]
    failures = [f for f in result.failed if Path(f.source).name == name]
    if kind == "failed":
        assert name not in articles
        (failure,) = failures
        assert "\n" not in failure.error and name in failure.error
        assert re.search(pattern, failure.error), failure.error
        return
    assert not failures, failures
    article = articles[name]
    assert article.segments and all(s.translation for s in article.segments)
    assert article.brief
    for seg in article.segments:  # offsets still map into the text as read
        assert article.original[seg.start : seg.end] == seg.source
    # The tiny random models loop, and say so: that is about the model, not the input.
    about_input = [
        w for w in article.warnings if "models check" not in w and "look doubtful" not in w
    ]
    if pattern is None:
        assert not [w for w in about_input if "split into parts" not in w], article.warnings
    else:
        assert any(re.search(pattern, w) for w in article.warnings), article.warnings


def test_good_articles_and_the_digest_survive_the_bad_ones(hostile) -> None:
    articles, result = hostile
    assert set(GOOD) <= set(articles)
    assert result.digest.text and result.digest.points
    ids = {a.id for a in articles.values()}
    assert all(set(p.sources) <= ids for p in result.digest.points)
    assert len(result.failed) == sum(1 for _, (kind, _) in CASES.values() if kind == "failed")


@pytest.mark.parametrize("name", list(LEGACY))
def test_legacy_encodings_are_decoded_and_identified(hostile, name: str) -> None:
    articles, _ = hostile
    text, _, lang = LEGACY[name]
    article = articles[name]
    assert article.language == lang
    assert all(seg.source in text for seg in article.segments)


def test_broken_utf8_keeps_every_good_character(hostile) -> None:
    article = hostile[0]["broken_utf8.txt"]
    assert article.language == "he"
    assert article.original.count("\ufffd") == 1
    expected = _broken_utf8().decode("utf-8", errors="replace")  # one letter lost, no more
    assert "".join(article.original.split()) in "".join(expected.split())


def test_one_long_sentence_is_one_segment_translated_in_full(hostile) -> None:
    article = hostile[0]["long_sentence.txt"]
    (segment,) = article.segments
    assert len(segment.source.split()) == 5000
    assert len(segment.translation.split()) > 100  # every part was translated, not the first


def test_mixed_language_sentences_go_to_their_own_language(hostile) -> None:
    articles, _ = hostile
    hebrew = articles["he_english_quotes.txt"]
    quoted = [s for s in hebrew.segments if s.source.startswith('"We will')]
    assert quoted and all(s.translation == s.source for s in quoted)  # English: kept
    others = [s for s in hebrew.segments if s not in quoted and "The grid" not in s.source]
    assert all(s.translation != s.source for s in others)
    arabic = articles["ar_french.txt"]
    french = [s for s in arabic.segments if s.source.startswith("Le ministre")]
    assert len(french) == 1 and french[0].translation
    assert arabic.translation_model and arabic.translation_model.endswith("nllb")  # its own


def test_invisible_characters_are_kept_in_the_original_and_not_fed_to_models(hostile) -> None:
    article = hostile[0]["invisible.txt"]
    assert "\u202e" in article.original and "🎉" in article.original
    assert len(article.segments) >= len(_paragraphs(GERMAN))


def test_html_given_as_txt_is_its_main_text(hostile) -> None:
    article = hostile[0]["page.txt"]
    assert "<" not in article.original and "Politik" not in article.original
    assert article.title  # from the page's <title> or <h1>


def test_stdin_over_the_limit_is_refused(monkeypatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b"a" * (MAX_BYTES + 10))

    monkeypatch.setattr(sys, "stdin", Stdin)
    with pytest.raises(IngestError, match=r"^stdin: over the 20 MB limit"):
        read_source("-")


def test_broken_link_inside_a_folder_is_reported_not_skipped(tmp_path, summarizer) -> None:
    from summarizer.inputs import expand_inputs

    (tmp_path / "a.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "b.txt").symlink_to(tmp_path / "missing.txt")
    sources, problems = expand_inputs([str(tmp_path)])
    assert problems == [] and [Path(s).name for s in sources] == ["a.txt", "b.txt"]
    result = summarizer.translate(sources)
    assert [Path(a.source).name for a in result.articles] == ["a.txt"]
    assert "broken symbolic link" in result.failed[0].error


def test_duplicate_ids_are_made_unique_with_a_warning(summarizer) -> None:
    docs = [
        Document(source="feed:1", text=GERMAN, id="story-1"),
        Document(source="feed:2", text=ENGLISH, id="story-1"),
    ]
    result = summarizer.translate(docs)
    first, second = result.articles
    assert first.id == "story-1" and second.id != "story-1"
    assert any("id 'story-1' is taken" in w for w in second.warnings)


def test_manifest_line_that_is_not_json_fails_alone(tmp_path) -> None:
    from summarizer.fetch import Fetcher
    from summarizer.inputs import documents, plan
    from summarizer.pipeline import Failure

    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        '{"text": "Erster Artikel über Wasser.", "id": "a"}\n{not json\n'
        '{"text": "Zweiter Artikel über Wasser.", "id": "a"}\n',
        encoding="utf-8",
    )
    with Fetcher() as fetcher:
        got = list(documents(plan([str(manifest)], None, None, fetcher), None, fetcher))
    assert [type(g).__name__ for g in got] == ["Document", "Failure", "Document"]
    assert isinstance(got[1], Failure)
    assert re.fullmatch(rf"{re.escape(str(manifest))}:2: not valid JSON \(.*\); fix or remove "
                        "the line", got[1].error)  # fmt: skip


# --- faults --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own(tiny_config: Path) -> Summarizer:
    """A Summarizer of its own, so faults injected into its models stay here."""
    return Summarizer(tiny_config, device="cpu")


def _docs(*texts: str) -> list[Document]:
    return [Document(source=f"art{i}.txt", text=t) for i, t in enumerate(texts)]


POISON = "Der Prüfsatz bringt das Modell jedes Mal zum Absturz."


def test_a_model_failing_mid_batch_fails_only_that_article(own, monkeypatch, caplog) -> None:
    model = own.pool.get("tiny-marian", "test")
    poison = model.encode(POISON, "de")
    real = model.runner.generate
    sizes: list[int] = []

    def flaky(batch, decoding):
        sizes.append(len(batch))
        if poison in batch:
            raise RuntimeError("CUDA error: device-side assert triggered")
        return real(batch, decoding)

    monkeypatch.setattr(model.runner, "generate", flaky)
    bad = _mixed(GERMAN, POISON, 1)
    other = "\n\n".join(_paragraphs(GERMAN)[::-1])
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        result = own.translate(_docs(GERMAN, bad, other))
    assert [a.source for a in result.articles] == ["art0.txt", "art2.txt"]
    (failure,) = result.failed
    assert failure.source == "art1.txt" and "\n" not in failure.error
    assert re.search(r"^art1\.txt: translation failed on sentence \d+ .*device-side", failure.error)
    assert "retrying it in halves" in caplog.text
    assert max(sizes) > 1 and sizes.count(1) >= 1  # the batch was split down to the culprit
    for article in result.articles:
        assert all(s.translation for s in article.segments)


@pytest.mark.slow
def test_out_of_memory_halves_the_batch_and_loses_nothing(own, monkeypatch, caplog) -> None:
    import torch

    model = own.pool.get("tiny-marian", "test")
    monkeypatch.setattr(model, "max_batch_tokens", model.max_batch_tokens)  # restored after
    real = model.runner.generate

    def small_memory(batch, decoding):
        if len(batch) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(batch, decoding)

    monkeypatch.setattr(model.runner, "generate", small_memory)
    before = model.max_batch_tokens
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        result = own.translate(_docs(GERMAN, HEBREW))
    assert result.failed == []
    assert all(s.translation for a in result.articles for s in a.segments)
    assert "ran out of memory" in caplog.text and model.max_batch_tokens < before


def test_a_brief_the_model_fails_on_falls_back_to_key_sentences(own, monkeypatch) -> None:
    model = own.pool.get("tiny-bart", "test")
    real = model.runner.generate

    def flaky(batch, decoding):
        if any("Quokka" in t for t in model.tokenizer.batch_decode(batch)):
            raise RuntimeError("illegal memory access")
        return real(batch, decoding)

    monkeypatch.setattr(model.runner, "generate", flaky)
    odd = ENGLISH.replace("\n\n", "\n\nA Quokka council met on the pier. ", 1)
    other = (EXAMPLES / "en_solar_negev.txt").read_text(encoding="utf-8")
    result = own.run(_docs(odd, other))
    assert result.failed == []
    first, second = result.articles
    assert first.brief and first.brief_segments  # its own key sentences
    assert any("brief model failed on this article" in w for w in first.warnings)
    assert second.brief and not any("failed" in w for w in second.warnings)


def _yaml_with(tmp_path: Path, tiny_dir: Path, **changes: str) -> Path:
    """The tiny models.yaml with absolute ids, and some models' ids replaced."""
    text = TINY_YAML
    for name in ("marian", "nllb", "m2m100", "bart", "st"):
        text = text.replace(f"id: ./{name}\n", f"id: {tiny_dir / name}\n")
    for model, new_id in changes.items():
        text = re.sub(rf"(  {model}:\n    id: )\S+", rf"\g<1>{new_id}", text)
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_offline_with_some_models_cached(tmp_path, tiny_dir, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = _yaml_with(tmp_path, tiny_dir, **{"tiny-nllb": "example-org/never-downloaded"})
    started = time.monotonic()
    result = Summarizer(config, device="cpu").translate(_docs(GERMAN, ARABIC))
    assert time.monotonic() - started < 60
    assert [a.source for a in result.articles] == ["art0.txt"]
    (failure,) = result.failed
    assert failure.error.startswith("art1.txt: model 'tiny-nllb' (example-org/never-downloaded)")
    assert "summarize models pull tiny-nllb" in failure.error


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_corrupt_model_folder(tmp_path, tiny_dir, backend) -> None:
    broken = tmp_path / "marian"
    shutil.copytree(tiny_dir / "marian", broken, ignore=shutil.ignore_patterns("ctrans*"))
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    config = load_config(_yaml_with(tmp_path, tiny_dir, **{"tiny-marian": str(broken)}))
    result = Summarizer(config.with_backend(backend), device="cpu").translate(
        _docs(GERMAN, ENGLISH)
    )
    assert [a.source for a in result.articles] == ["art1.txt"]
    (failure,) = result.failed
    assert "\n" not in failure.error
    assert re.search(r"^art0\.txt: model 'tiny-marian' \(.*\) could not be loaded", failure.error)
    assert "summarize models pull tiny-marian" in failure.error
    assert not list(broken.glob("ctranslate2-*"))  # no half-made conversion left behind


def test_cuda_asked_but_absent_runs_on_the_cpu(monkeypatch, caplog, tiny_config) -> None:
    import torch

    from summarizer.pool import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        assert pick_device("cuda") == "cpu"
    assert "CUDA was requested but no GPU is available; running on the CPU" in caplog.text
    result = Summarizer(tiny_config, device="cuda").translate(_docs(GERMAN))
    assert result.failed == [] and result.articles


# --- security of model loading and models.yaml -----------------------------------------


def test_no_remote_code_anywhere_in_the_package() -> None:
    package = Path(__file__).resolve().parent.parent / "summarizer"
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"trust_remote_code\s*[=:]\s*True", text), path


def test_a_model_asking_for_remote_code_never_runs_it(tmp_path, tiny_dir) -> None:
    evil = tmp_path / "evil"
    shutil.copytree(tiny_dir / "marian", evil, ignore=shutil.ignore_patterns("ctrans*"))
    sentinel = tmp_path / "code-ran"
    (evil / "configuration_evil.py").write_text(
        f"open({str(sentinel)!r}, 'w').write('pwned')\n"
        "from transformers import PretrainedConfig\n"
        "class EvilConfig(PretrainedConfig):\n    model_type = 'evil'\n",
        encoding="utf-8",
    )
    config_json = evil / "config.json"
    config_json.write_text(
        config_json.read_text(encoding="utf-8").replace(
            '"model_type": "marian"',
            '"model_type": "evil", "auto_map": {"AutoConfig": "configuration_evil.EvilConfig",'
            ' "AutoModelForSeq2SeqLM": "configuration_evil.EvilConfig"}',
        ),
        encoding="utf-8",
    )
    assert '"evil"' in config_json.read_text(encoding="utf-8")
    config = _yaml_with(tmp_path, tiny_dir, **{"tiny-marian": str(evil)})
    for backend in ("ctranslate2", "transformers"):
        summarizer = Summarizer(load_config(config).with_backend(backend), device="cpu")
        result = summarizer.translate(_docs(GERMAN, ENGLISH))
        assert [a.source for a in result.articles] == ["art1.txt"]
        (failure,) = result.failed
        assert "could not be loaded" in failure.error and "\n" not in failure.error
    assert not sentinel.exists()


def test_pickle_weights_are_refused_unless_allowed(tmp_path, tiny_dir) -> None:
    import torch
    from safetensors.torch import load_file

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_dir / "marian", pickled, ignore=shutil.ignore_patterns("ctrans*"))
    state = load_file(pickled / "model.safetensors")
    (pickled / "model.safetensors").unlink()
    torch.save(state, pickled / "pytorch_model.bin")
    config = _yaml_with(tmp_path, tiny_dir, **{"tiny-marian": str(pickled)})
    result = Summarizer(config, device="cpu").translate(_docs(GERMAN))
    (failure,) = result.failed
    assert "only pickle weights (.bin), which can run code" in failure.error
    assert "allow_pickle: true" in failure.error
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("family: marian\n", "family: marian\n    allow_pickle: true\n"))
    result = Summarizer(config, device="cpu").translate(_docs(GERMAN))
    assert result.failed == [] and result.articles[0].segments


@pytest.mark.parametrize(
    "models, error",
    [
        ("  m: {id: '$(touch /tmp/x)', task: translation, family: marian}",
         r"neither an existing folder nor a hub id"),
        ("  m: {id: 'org/name; rm -rf ~', task: translation, family: marian}",
         r"neither an existing folder nor a hub id"),
        ("  ../../escape: {id: org/name, task: translation, family: marian}",
         r"a model's name may hold only"),
        ("  m: {id: org/name, task: translation, family: marian, revision: 'main; ls'}",
         r"revision must be a branch, tag or commit hash"),
        ("  m: {id: org/name, task: translation, family: 'marian && ls'}",
         r"family 'marian && ls' is not one of"),
        ("  m: {id: org/name, task: translation, family: marian, allow_pickle: 'yes'}",
         r"allow_pickle must be true or false"),
    ],
)  # fmt: skip
def test_models_yaml_values_are_validated(tmp_path, models: str, error: str) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(f"models:\n{models}\ntranslation: {{routes: {{}}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_config(path)


def test_models_yaml_cannot_run_code(tmp_path) -> None:
    sentinel = tmp_path / "code-ran"
    path = tmp_path / "models.yaml"
    path.write_text(
        f"models: !!python/object/apply:os.system ['touch {sentinel}']\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"not valid YAML|must be"):
        load_config(path)
    assert not sentinel.exists()


def test_single_run_refuses_private_addresses_when_asked(capsys, tiny_config) -> None:
    from summarizer.cli import main

    url = "http://127.0.0.1:9/article.html"  # refused before any connection is tried
    code = main([url, "--no-private-urls", "--config", str(tiny_config), "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"summarize: failed: {url}: 127.0.0.1 is a private/loopback/link-local" in err


def test_web_ui_upload_of_html_as_txt_keeps_the_reading_warning(summarizer, tmp_path) -> None:
    pytest.importorskip("gradio")
    from summarizer.webui import WebApp

    page = tmp_path / "page.txt"
    page.write_text(_html(), encoding="utf-8")
    articles, _, status, *_ = WebApp(summarizer=summarizer).add("", "", [str(page)], [])
    (entry,) = articles
    assert "1 article(s) added" in status and "<" not in entry.doc.text
    result = summarizer.translate([entry.doc])
    (article,) = result.articles
    assert any("holds a web page (HTML)" in w for w in article.warnings)


# --- round two: special files and names (issue 17) ---------------------------------------

GOOD_FILE = EXAMPLES / "en_solar_negev.txt"


def _cli(args: list[str], tmp_path: Path) -> tuple[int, dict, str]:
    """`summarize` in a fresh process (a FIFO would block this one forever if read), with a
    deadline: its exit status, its JSON output and its stderr."""
    import json
    import subprocess

    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "summarizer.cli", "--engine", "extractive", *args,
         "-f", "json", "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return done.returncode, data, done.stderr


def test_special_files_are_refused_by_their_type_and_the_good_article_kept(tmp_path) -> None:
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    rc, data, err = _cli(["/dev/zero", str(fifo), str(zero), str(GOOD_FILE)], tmp_path)
    assert rc == 1 and "Traceback" not in err
    assert [a["source"] for a in data["articles"]] == [str(GOOD_FILE)]
    reasons = {f["source"]: f["error"] for f in data["failed"]}
    assert "is a device or socket, not a file" in reasons["/dev/zero"]
    assert "is a FIFO, not a file" in reasons[str(fifo)]
    assert "is a device or socket, not a file" in reasons[str(zero)]


def test_special_files_inside_a_folder_are_reported_not_skipped(tmp_path) -> None:
    import os

    folder = _mkdir(tmp_path / "in")
    shutil.copy(GOOD_FILE, folder / "good.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.md").symlink_to("/dev/zero")
    rc, data, _ = _cli([str(folder)], tmp_path)
    assert rc == 1 and len(data["articles"]) == 1
    assert sorted(Path(f["source"]).name for f in data["failed"]) == ["pipe.txt", "zero.md"]


def test_a_file_name_too_long_fails_that_input_alone(tmp_path) -> None:
    long_name = str(tmp_path / ("x" * 300 + ".txt"))
    rc, data, err = _cli([long_name, str(GOOD_FILE)], tmp_path)
    assert rc == 1 and len(data["articles"]) == 1 and "Traceback" not in err
    (failure,) = data["failed"]
    assert "cannot be read (File name too long); check the path" in failure["error"]


@pytest.mark.slow
def test_a_file_name_too_long_fails_alone_in_a_batch(tiny_config, tmp_path) -> None:
    import subprocess

    long_name = str(tmp_path / ("y" * 300 + ".txt"))
    done = subprocess.run(
        [sys.executable, "-m", "summarizer.cli", "batch", "--config", str(tiny_config),
         "--engine", "extractive", "-q", long_name, str(GOOD_FILE), "--out", str(tmp_path / "out"),
         "--store", str(tmp_path / "s.sqlite")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot be read (File name too long); check the path" in done.stderr
    import json

    summary = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))["summary"]
    assert (summary["done"], summary["failed"]) == (1, 1)


def test_a_read_is_capped_by_the_bytes_read_not_the_size_claimed(tmp_path, monkeypatch) -> None:
    """A file may claim a small size and hold more (a growing file, /proc): the read stops
    at the limit."""
    from summarizer import inputs

    big = tmp_path / "big.txt"
    big.write_bytes(b"a " * 64)
    real_open = Path.open

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: io.BufferedReader(Endless())
                        if self == big else real_open(self, *a, **k))  # fmt: skip
    with pytest.raises(IngestError, match="over the 20 MB limit for one article; split the file"):
        inputs.read_source(str(big))


def _read_all(inputs: list[str], allow_private: bool, store=None) -> list:
    from summarizer.fetch import Fetcher, FetchSettings
    from summarizer.inputs import documents, plan

    with Fetcher(FetchSettings(allow_private=allow_private, retries=0)) as fetcher:
        return list(documents(plan(inputs, None, None, fetcher), store, fetcher))


def test_serving_others_a_manifest_names_only_files_inside_its_folder(tmp_path) -> None:
    import json

    from summarizer.types import Failure

    secret = tmp_path / "secret.txt"
    secret.write_text("The secret text of another user.", encoding="utf-8")
    folder = _mkdir(tmp_path / "drop")
    (folder / "ok.txt").write_text("An article inside the folder, with words.", encoding="utf-8")
    (folder / "sneaky.txt").symlink_to(secret)
    lines = ["ok.txt", "../secret.txt", str(secret), "~/secret.txt", "sneaky.txt"]
    manifest = folder / "m.jsonl"
    manifest.write_text("".join(json.dumps({"path": p}) + "\n" for p in lines), encoding="utf-8")
    got = _read_all([str(manifest)], allow_private=False)
    assert not isinstance(got[0], Failure) and got[0].text.startswith("An article inside")
    for failure, path in zip(got[1:], lines[1:], strict=True):
        assert isinstance(failure, Failure), path
        assert f"path '{path}' is outside the manifest's folder" in failure.error
    assert all("secret text" not in getattr(d, "text", "") for d in got)
    # local use (private addresses allowed) reads what the user's own manifest names
    assert not isinstance(_read_all([str(manifest)], allow_private=True)[2], Failure)


def test_a_cached_page_must_pass_the_same_address_policy(tmp_path) -> None:
    """A 127.0.0.1 page that a local run fetched into the store is not served to a run that
    refuses private addresses: it is fetched again under that policy, and refused."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from summarizer.store import Store
    from summarizer.types import Document, Failure

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"An internal memo that only this machine's network can read, in words."
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/memo"
    try:
        with Store(tmp_path / "s.sqlite") as store:
            (local,) = _read_all([url], allow_private=True, store=store)
            assert isinstance(local, Document) and "internal memo" in local.text
            (refused,) = _read_all([url], allow_private=False, store=store)
            assert isinstance(refused, Failure)
            assert "private/loopback/link-local address" in refused.error
            (again,) = _read_all([url], allow_private=True, store=store)  # local use: cached
            assert isinstance(again, Document) and again.text == local.text
    finally:
        server.shutdown()
