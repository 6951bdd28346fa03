"""Replicas of the default models' real hub repos, with tiny random weights, for tests.

Each :class:`Replica` is a repo's history as the stored hub pages show it (see
``../shared/hub-facts``): the commits on ``main`` in order, and the pull-request refs that
matter (SFconvertbot's safetensors PRs, stale or not, and ArthurZ's tc-big fix), each commit
adding or changing files on top of its parent. The files have the real names, tokenizer
kinds, config keys and generation values (ids remapped to the tiny vocabularies), and the
real quirks: legacy ``tokenizer_config.json`` files, no ``generation_config.json`` for
distilbart, ``</s>`` in the middle of a tc-big vocabulary, fp16 tc-big weights, the old
untied tc-big checkpoint, pickle and other-framework weights as small dummies that must never
be downloaded. Dimensions shrink (d_model 32, 2+2 layers) but position tables keep their real
length, so the real length limits hold. What the pages did not show is reconstructed in the
same era's format and says so in ``Replica.notes``.

``build_replicas(root, corpus)`` builds every replica's files once under ``root``;
``Replica.materialize(revision, folder, allow_patterns)`` writes a revision's tree as
``snapshot_download`` would, and ``Replica.publish(hub)`` commits the history to a stand-in
hub (``hub.repo(id).commit(...)`` / ``.open_pr(...)``).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import torch
from safetensors.torch import load_file
from safetensors.torch import save as save_safetensors

from bench.build import (
    M2M100_LANGUAGE_CODES,
    SEED,
    Arch,
    build_bart,
    build_m2m100,
    build_marian,
    build_sentence_transformer,
)

BOT = "SFconvertbot"  # transformers' safetensors_conversion.py checks this author
BOT_TITLE = "Adding `safetensors` variant of this model"
DEFAULTS = ("opus-de-en", "opus-ar-en", "opus-he-en", "m2m100", "nllb", "distilbart", "minilm")
#: The tiny sizes; position tables keep each model's real length.
D, LAYERS, HEADS, FFN = 32, 2, 2, 64

Blob = bytes | Path
LEGACY_LABELS = {
    "_num_labels": 3,
    "id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"},
    "label2id": {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2},
}
_LFS = " filter=lfs diff=lfs merge=lfs -text\n"
# HF's 2020 default .gitattributes: exactly the 345 B opus-mt main shows (399 B with the
# line the hub adds for model.safetensors, as in the bot PRs).
_ATTRS_2020 = ("*.bin.*", "*.lfs.*", "*.bin", "*.h5", "*.tflite", "*.tar.gz", "*.ot", "*.onnx")
_ATTRS_2021 = (
    "*.7z", "*.arrow", "*.bin", "*.bin.*", "*.bz2", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.model", "*.msgpack", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pt", "*.pth",
    "*.rar", "saved_model/**/*", "*.tar.*", "*.tflite", "*.tgz", "*.xz", "*.zip", "*.zstandard",
    "*tfevents*",
)  # fmt: skip


def fake_sha(prefix: str, label: str) -> str:
    """A deterministic full sha that starts with ``prefix`` (a known short sha, or "")."""
    return (prefix + hashlib.sha1(label.encode()).hexdigest())[:40]


def dummy(name: str) -> bytes:
    """Bytes standing in for pickle / TF / Rust / Flax / ONNX weights: never to be fetched."""
    return f"replica placeholder for {name}: must never be downloaded or loaded\n".encode()


def hf_json(data: object) -> str:
    """The format transformers writes configs in (and the hub files we saw use)."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# The small files hub-facts holds verbatim, written the way they were (byte for byte; the
# tests compare them with ../shared/hub-facts when it is there).
def tc_big_tokenizer_config(src: str, date: str) -> str:
    return json.dumps({
        "source_lang": src, "target_lang": "en", "unk_token": "<unk>", "eos_token": "</s>",
        "pad_token": "<pad>", "model_max_length": 512, "sp_model_kwargs": {},
        "separate_vocabs": False, "special_tokens_map_file": None,
        "name_or_path": f"marian-models/opusTCv20210807+bt_transformer-big_{date}/{src}-en",
        "tokenizer_class": "MarianTokenizer",
    })  # fmt: skip


TC_BIG_SPECIAL_TOKENS = json.dumps(
    {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
)
M2M100_TOKENIZER_CONFIG = json.dumps({
    "src_lang": None, "tgt_lang": None, "bos_token": "<s>", "eos_token": "</s>",
    "sep_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
    "special_tokens_map_file": "m2m_100_1.2B_v2/special_tokens_map.json", "tokenizer_file": None,
    "name_or_path": "m2m_100_1.2B_v2/", "model_max_length": 1024,
})  # fmt: skip
MINILM_SENTENCE_BERT_CONFIG = json.dumps({"max_seq_length": 256, "do_lower_case": False}, indent=2)
MINILM_MODULES = json.dumps([
    {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
    for i, (path, kind) in enumerate(
        [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    )
], indent=2)  # fmt: skip


def minilm_pooling(dimension: int = 384) -> str:
    return json.dumps({
        "word_embedding_dimension": dimension, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=2)  # fmt: skip


@dataclass(frozen=True)
class Commit:
    """A commit on main: files added or changed (bytes or a file), paths deleted."""

    sha: str
    message: str
    files: Mapping[str, Blob]
    delete: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullRequest:
    """A pull-request ref ``refs/pr/<num>``: one commit on top of the main commit ``parent``."""

    num: int
    title: str
    author: str
    sha: str
    parent: str
    files: Mapping[str, Blob]
    status: str = "open"

    @property
    def ref(self) -> str:
        return f"refs/pr/{self.num}"


class HubLike(Protocol):
    def repo(self, repo_id: str, gated: bool = False) -> Any: ...


@dataclass
class Replica:
    """One repo's history: ``commits`` on main (oldest first) and ``prs``; ``pinned`` is the
    full sha a registry should pin (the safetensors-bearing revision)."""

    repo_id: str
    commits: list[Commit]
    prs: list[PullRequest] = field(default_factory=list)
    pinned: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def head(self) -> str:
        return self.commits[-1].sha

    def pr(self, num: int) -> PullRequest:
        return next(p for p in self.prs if p.num == num)

    def resolve(self, revision: str | None = None) -> str:
        """The full sha of ``main`` (None), ``refs/pr/N``, a sha or a unique sha prefix."""
        if revision in (None, "main"):
            return self.head
        for pr in self.prs:
            if revision == pr.ref:
                return pr.sha
        assert revision is not None
        shas = [c.sha for c in self.commits] + [p.sha for p in self.prs]
        found = [s for s in shas if len(revision) >= 7 and s.startswith(revision)]
        if len(found) != 1:
            raise KeyError(f"{self.repo_id} has no revision {revision!r}")
        return found[0]

    def snapshot(self, revision: str | None = None) -> dict[str, Blob]:
        """Every file of the tree at ``revision``: path -> bytes or a file holding them."""
        sha = self.resolve(revision)
        pr = next((p for p in self.prs if p.sha == sha), None)
        upto = pr.parent if pr else sha
        tree: dict[str, Blob] = {}
        for commit in self.commits:
            tree.update(commit.files)
            for path in commit.delete:
                tree.pop(path, None)
            if commit.sha == upto:
                break
        else:
            raise KeyError(f"{self.repo_id}: parent {upto} is not on main")
        return {**tree, **(pr.files if pr else {})}

    def materialize(
        self,
        revision: str | None,
        folder: Path,
        allow_patterns: Sequence[str] | None = None,
    ) -> Path:
        """Write the tree at ``revision`` into ``folder`` (only ``allow_patterns``, matched
        as ``snapshot_download`` matches them)."""
        from huggingface_hub.utils import filter_repo_objects

        tree = self.snapshot(revision)
        folder.mkdir(parents=True, exist_ok=True)
        for path in filter_repo_objects(sorted(tree), allow_patterns=allow_patterns):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = tree[path]
            if isinstance(blob, Path):
                shutil.copyfile(blob, target)
            else:
                target.write_bytes(blob)
        return folder

    def bot_prs(self) -> list[PullRequest]:
        """The PRs transformers' auto-conversion would accept: open, the bot's title and
        author, parent == main head (in PR order)."""
        return [
            p for p in self.prs
            if p.status == "open" and p.title == BOT_TITLE and p.author == BOT
            and p.parent == self.head
        ]  # fmt: skip

    def publish(self, hub: HubLike) -> dict[str, str]:
        """Commit main's history, then open every PR on its parent; returns ref -> sha."""
        repo = hub.repo(self.repo_id)
        refs: dict[str, str] = {}
        for commit in self.commits:
            refs["main"] = repo.commit(
                commit.files, branch="main", message=commit.message, sha=commit.sha,
                delete=commit.delete,
            )  # fmt: skip
        for pr in sorted(self.prs, key=lambda p: p.num):
            repo.open_pr(
                pr.files, title=pr.title, author=pr.author, num=pr.num, sha=pr.sha,
                parent=pr.parent, status=pr.status,
            )  # fmt: skip
            refs[pr.ref] = pr.sha
        return refs


class _Store:
    """Content-addressed files under one folder, so each version is written once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, path: str, data: bytes | str) -> Path:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        target = self.folder / hashlib.sha256(raw).hexdigest()[:16] / Path(path).name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
        return target

    def files(self, items: Mapping[str, bytes | str]) -> dict[str, Blob]:
        return {path: self.put(path, data) for path, data in items.items()}


def _attributes(patterns: Sequence[str], extra: Sequence[str] = ()) -> str:
    return "".join(p + _LFS for p in (*patterns, *extra))


def _bot_pr(num: int, sha: str, parent: str, weights: Path, attrs: Sequence[str]) -> PullRequest:
    """SFconvertbot's PR: model.safetensors, and the .gitattributes line the hub adds."""
    files = {"model.safetensors": weights}
    files[".gitattributes"] = _attributes(attrs, ["model.safetensors"]).encode()
    return PullRequest(num, BOT_TITLE, BOT, sha, parent, files)


def _readme(repo_id: str, license_: str) -> str:
    return (
        f"---\nlicense: {license_}\n---\n\n# {repo_id} (test replica)\n\n"
        "Tiny random weights in the real repo's layout, for tests. Not a usable model.\n"
    )


def _model(model_cls: type, config: dict[str, Any]) -> Any:
    """A seeded random model built the way the loader will read ``config`` (config.json)."""
    from transformers import AutoConfig

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "config.json").write_text(hf_json(config), encoding="utf-8")
        cfg = AutoConfig.from_pretrained(tmp)
    torch.manual_seed(SEED)
    return model_cls(cfg).eval()


def _safetensors(
    model: Any,
    dtype: torch.dtype = torch.float32,
    keep: Sequence[str] = (),
    extra: Mapping[str, torch.Tensor] | None = None,
) -> bytes:
    """The checkpoint transformers saves (tied copies dropped), plus state-dict entries
    ``keep`` that older checkpoints stored, plus ``extra`` tensors, in ``dtype``."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tensors = load_file(Path(tmp) / "model.safetensors")
    state = model.state_dict()
    tensors.update({k: state[k].detach().clone() for k in keep})
    tensors.update(extra or {})
    out = {
        k: (v.to(dtype) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()
    }
    return save_safetensors(out, metadata={"format": "pt"})


def _marian_config(vocab: dict[str, int], positions: int, **extra: Any) -> dict[str, Any]:
    pad, eos = vocab["<pad>"], vocab["</s>"]
    return {
        "activation_dropout": 0.0, "architectures": ["MarianMTModel"], "attention_dropout": 0.0,
        "bad_words_ids": [[pad]], "bos_token_id": 0, "d_model": D,
        "decoder_attention_heads": HEADS, "decoder_ffn_dim": FFN, "decoder_layerdrop": 0.0,
        "decoder_layers": LAYERS, "decoder_start_token_id": pad, "dropout": 0.1,
        "encoder_attention_heads": HEADS, "encoder_ffn_dim": FFN, "encoder_layerdrop": 0.0,
        "encoder_layers": LAYERS, "eos_token_id": eos, "init_std": 0.02,
        "is_encoder_decoder": True, "max_length": 512, "max_position_embeddings": positions,
        "model_type": "marian", "normalize_embedding": False, "num_beams": 4,
        "num_hidden_layers": LAYERS, "pad_token_id": pad, "scale_embedding": True,
        "static_position_embeddings": True, "vocab_size": len(vocab), **extra,
    }  # fmt: skip


def _marian_generation(vocab: dict[str, int], renormalize: bool) -> str:
    """generation_config.json of opus-mt: "Adding generation config file(s)" (Jan 2023),
    or joaogante's Aug 2023 version, which swaps _from_model_config for renormalize_logits."""
    pad, eos = vocab["<pad>"], vocab["</s>"]
    flag = "renormalize_logits" if renormalize else "_from_model_config"
    return hf_json({
        flag: True, "bad_words_ids": [[pad]], "bos_token_id": 0, "decoder_start_token_id": pad,
        "eos_token_id": eos, "forced_eos_token_id": eos, "max_length": 512, "num_beams": 4,
        "pad_token_id": pad,
        "transformers_version": "4.32.0.dev0" if renormalize else "4.27.0.dev0",
    })  # fmt: skip


def _opus_base(
    store: _Store, built: Path, repo_id: str, src: str, shas: dict[str, str], pr_stale: dict
) -> Replica:
    """A 2020 opus-mt repo: slow MarianTokenizer, legacy config, no safetensors on main."""
    from transformers import MarianMTModel

    vocab = json.loads((built / "vocab.json").read_text(encoding="utf-8"))
    config = _marian_config(vocab, 512, **LEGACY_LABELS, **{
        "activation_function": "swish", "add_bias_logits": False, "add_final_layer_norm": False,
        "classif_dropout": 0.0, "normalize_before": False,
    })  # fmt: skip
    model = _model(MarianMTModel, config)
    positions = ["model.encoder.embed_positions.weight", "model.decoder.embed_positions.weight"]
    weights = store.put("model.safetensors", _safetensors(model, keep=positions))
    first = store.files({
        ".gitattributes": _attributes(_ATTRS_2020), "README.md": _readme(repo_id, "apache-2.0"),
        "config.json": hf_json(config), "source.spm": (built / "source.spm").read_bytes(),
        "target.spm": (built / "target.spm").read_bytes(),
        "vocab.json": json.dumps(vocab, indent=2),  # the 2020 converter's json.dump, ASCII
        "tokenizer_config.json": json.dumps({"target_lang": "en", "source_lang": src}),
        "pytorch_model.bin": dummy("pytorch_model.bin"), "tf_model.h5": dummy("tf_model.h5"),
        "rust_model.ot": dummy("rust_model.ot"),
    })  # fmt: skip
    gen_old = store.files({"generation_config.json": _marian_generation(vocab, False)})
    gen_new = store.files({"generation_config.json": _marian_generation(vocab, True)})
    commits = [
        Commit(shas["config"], "Update config.json", first),
        Commit(shas["generation"], "Adding generation config file(s)", gen_old),
        Commit(shas["renormalize"], "set `renormalize_logits=True`", gen_new),
    ]
    prs = [
        _bot_pr(num, sha, shas["generation"] if stale else shas["renormalize"], weights,
                _ATTRS_2020)
        for num, (sha, stale) in pr_stale.items()
    ]  # fmt: skip
    return Replica(repo_id, commits, prs)


def _shuffled_vocab(vocab: dict[str, int], eos_at: float, seed: int) -> dict[str, int]:
    """A tc-big style vocabulary: the same pieces in another order, ``</s>`` at ``eos_at``
    of the way through (25894 of 61109 in ar-en), ``<pad>`` still last."""
    tokens = [t for t in vocab if t not in ("<pad>", "</s>")]
    random.Random(seed).shuffle(tokens)
    tokens.insert(round(eos_at * len(tokens)), "</s>")
    return {t: i for i, t in enumerate([*tokens, "<pad>"])}


class _TcBig(NamedTuple):
    files: dict[str, Blob]  # the Initial commit's
    generation: dict[bool, str]  # renormalize_logits? -> generation_config.json
    old: Path  # the old conversion's model.safetensors (what the bot converted)
    fixed: dict[str, Blob]  # ArthurZ's "Update checkpoint for transformers>=4.29"


def _tc_big(store: _Store, built: Path, repo_id: str, src: str, date: str) -> _TcBig:
    """Files shared by the tc-big repos (fp16 weights, </s> mid-vocabulary)."""
    from transformers import MarianMTModel

    vocab = _shuffled_vocab(json.loads((built / "vocab.json").read_text("utf-8")), 0.4237, 7)
    config = _marian_config(vocab, 1024, **{
        "activation_function": "relu", "classifier_dropout": 0.0,
        "decoder_vocab_size": len(vocab), "forced_eos_token_id": vocab["</s>"],
        "share_encoder_decoder_embeddings": True, "torch_dtype": "float16", "use_cache": True,
    })  # fmt: skip
    fixed_model = _model(MarianMTModel, config)
    right = fixed_model.get_output_embeddings().weight.detach().clone()
    torch.manual_seed(SEED + 1)
    wrong = torch.randn_like(right) * right.std()
    # The old conversion (603 MB, not 478 MB): one more vocab x d matrix. lm_head holds the
    # right output projection, the tied embeddings another matrix; transformers < 4.30 let
    # lm_head win, later versions tie it to the embeddings (transformers #26216, #26271).
    old = _safetensors(
        fixed_model, torch.float16, extra={"model.shared.weight": wrong, "lm_head.weight": right}
    )
    generation = {
        "bad_words_ids": [[vocab["<pad>"]]], "bos_token_id": 0,
        "decoder_start_token_id": vocab["<pad>"], "eos_token_id": vocab["</s>"],
        "forced_eos_token_id": vocab["</s>"], "max_length": 512, "num_beams": 4,
        "pad_token_id": vocab["<pad>"],
    }  # fmt: skip
    files = {
        ".gitattributes": _attributes(_ATTRS_2021), "README.md": _readme(repo_id, "cc-by-4.0"),
        "benchmark_results.txt": f"flores101-devtest\t{src}-en\t0.0\t0.0\n",
        "benchmark_translations.zip": dummy("benchmark_translations.zip"),
        "source.spm": (built / "source.spm").read_bytes(),
        "target.spm": (built / "target.spm").read_bytes(),
        "vocab.json": json.dumps(vocab, indent=2),
        "tokenizer_config.json": tc_big_tokenizer_config(src, date),
        "special_tokens_map.json": TC_BIG_SPECIAL_TOKENS,
        "pytorch_model.bin": dummy("pytorch_model.bin (old checkpoint)"),
        "tf_model.h5": dummy("tf_model.h5 (old conversion)"),
        "config.json": hf_json({**config, "transformers_version": "4.22.0.dev0"}),
    }  # fmt: skip
    fixed = {
        "config.json": hf_json({**config, "transformers_version": "4.34.0.dev0"}),
        "model.safetensors": _safetensors(fixed_model, torch.float16),
        "pytorch_model.bin": dummy("pytorch_model.bin (fixed checkpoint)"),
    }
    return _TcBig(
        store.files(files),
        {
            flag: hf_json({
                **generation, ("renormalize_logits" if flag else "_from_model_config"): True,
                "transformers_version": "4.32.0.dev0" if flag else "4.27.0.dev0",
            })
            for flag in (False, True)
        },
        store.put("model.safetensors", old),
        store.files(fixed),
    )  # fmt: skip


def _tc_big_commits(store: _Store, repo: str, big: _TcBig, prefix: str, base: str, head: str):
    return [
        Commit(fake_sha(prefix, repo + ":initial"), "Initial commit", big.files),
        Commit(base, "Adding generation config file(s)",
               store.files({"generation_config.json": big.generation[False]})),
        Commit(head, "set `renormalize_logits=True`",
               store.files({"generation_config.json": big.generation[True]})),
    ]  # fmt: skip


def _tc_big_he(store: _Store, built: Path) -> Replica:
    repo = "Helsinki-NLP/opus-mt-tc-big-he-en"
    big = _tc_big(store, built, repo, "he", "2022-03-13")
    commits = _tc_big_commits(
        store, repo, big, "d81c257", fake_sha("", repo + ":gen"), fake_sha("", repo + ":renorm")
    )
    commits.append(
        Commit("134c5a850dcaa763eec85bd1f4eb25112fecedbb",
               "Update checkpoint for transformers>=4.29 (#5)", big.fixed)
    )  # fmt: skip
    return Replica(repo, commits, pinned=commits[-1].sha)


def _tc_big_ar(store: _Store, built: Path) -> Replica:
    repo = "Helsinki-NLP/opus-mt-tc-big-ar-en"
    big = _tc_big(store, built, repo, "ar", "2022-03-09")
    base = "d290aaebf6287778635236bc726e9c94fd0bcfd3"
    head = fake_sha("bcb4acd", repo + ":renorm")
    commits = _tc_big_commits(store, repo, big, "787d2ad", base, head)
    fixed = PullRequest(
        7, "Update checkpoint for transformers>=4.29", "ArthurZ",
        fake_sha("", repo + ":pr7"), head, big.fixed,
    )  # fmt: skip
    prs = [
        _bot_pr(3, "633b76a46252ccfe8a18920198e06bca8a7d7c17", base, big.old, _ATTRS_2021),
        _bot_pr(6, fake_sha("35a2dc3", repo + ":pr6"), head, big.old, _ATTRS_2021),
        fixed,
    ]
    return Replica(repo, commits, prs, pinned=fixed.sha)


def _m2m100(store: _Store, built: Path) -> Replica:
    from transformers import M2M100ForConditionalGeneration

    repo = "facebook/m2m100_418M"
    vocab = json.loads((built / "vocab.json").read_text(encoding="utf-8"))
    config = _m2m_config(len(vocab) + len(M2M100_LANGUAGE_CODES) + 8, **{
        "_name_or_path": "hf_models/m2m100_418M", "decoder_layerdrop": 0.05,
        "early_stopping": True, "encoder_layerdrop": 0.05, "gradient_checkpointing": False,
        "num_beams": 5, "transformers_version": "4.4.0.dev0",
    })  # fmt: skip
    weights = _safetensors(_model(M2M100ForConditionalGeneration, config))
    tok_config = M2M100_TOKENIZER_CONFIG
    codes = [f"__{c}__" for c in M2M100_LANGUAGE_CODES]
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
               "pad_token": "<pad>", "additional_special_tokens": codes}  # fmt: skip
    first = store.files({
        ".gitattributes": _attributes(_ATTRS_2021), "README.md": _readme(repo, "mit"),
        "config.json": hf_json(config), "vocab.json": (built / "vocab.json").read_bytes(),
        "sentencepiece.bpe.model": (built / "sentencepiece.bpe.model").read_bytes(),
        "special_tokens_map.json": json.dumps(special),  # 1140 B, as on the hub (1.14 kB)
        "tokenizer_config.json": tok_config.replace(', "model_max_length": 1024', ""),  # 272 B
        "pytorch_model.bin": dummy("pytorch_model.bin"), "rust_model.ot": dummy("rust_model.ot"),
    })  # fmt: skip
    generation = {
        "_from_model_config": True, "bos_token_id": 0, "decoder_start_token_id": 2,
        "early_stopping": True, "eos_token_id": 2, "max_length": 200, "num_beams": 5,
        "pad_token_id": 1, "transformers_version": "4.27.0.dev0",
    }  # fmt: skip
    base, head = fake_sha("", repo + ":gen"), fake_sha("55c2e61", repo + ":16")
    commits = [
        Commit(fake_sha("6a6112b", repo + ":add"), "add files", first),
        Commit(base, "Adding generation config file(s)",
               store.files({"generation_config.json": hf_json(generation)})),
        Commit(head, "Updates incorrect tokenizer configuration file (#16)",
               store.files({"tokenizer_config.json": tok_config})),
    ]  # fmt: skip
    blob = store.put("model.safetensors", weights)
    prs = [
        _bot_pr(8, "17ef199e3a3479ca5d572350066761c5e926ac03", base, blob, _ATTRS_2021),
        _bot_pr(19, fake_sha("791dc1c", repo + ":pr19"), head, blob, _ATTRS_2021),
    ]
    return Replica(repo, commits, prs, pinned=prs[1].sha)


def _m2m_config(vocab_size: int, **extra: Any) -> dict[str, Any]:
    return {
        "activation_dropout": 0.0, "activation_function": "relu",
        "architectures": ["M2M100ForConditionalGeneration"], "attention_dropout": 0.1,
        "bos_token_id": 0, "d_model": D, "decoder_attention_heads": HEADS,
        "decoder_ffn_dim": FFN, "decoder_layers": LAYERS, "decoder_start_token_id": 2,
        "dropout": 0.1, "encoder_attention_heads": HEADS, "encoder_ffn_dim": FFN,
        "encoder_layers": LAYERS, "eos_token_id": 2, "init_std": 0.02, "is_encoder_decoder": True,
        "max_length": 200, "max_position_embeddings": 1024, "model_type": "m2m_100",
        "num_hidden_layers": LAYERS, "pad_token_id": 1, "scale_embedding": True,
        "use_cache": True, "vocab_size": vocab_size, **extra,
    }  # fmt: skip


def _nllb(store: _Store, spm_model: Path) -> Replica:
    """NLLB: sentencepiece.bpe.model and the tokenizer.json converted from it (so both agree),
    the 202 language codes as added special tokens, 2 spare embedding rows like the real
    256206-row model."""
    from transformers import AutoTokenizer, M2M100ForConditionalGeneration
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    repo = "facebook/nllb-200-distilled-600M"
    mask = {"content": "<mask>", "lstrip": True, "normalized": True, "rstrip": False,
            "single_word": False}  # fmt: skip
    special = {"additional_special_tokens": list(FAIRSEQ_LANGUAGE_CODES), "bos_token": "<s>",
               "cls_token": "<s>", "eos_token": "</s>", "mask_token": mask, "pad_token": "<pad>",
               "sep_token": "</s>", "unk_token": "<unk>"}  # fmt: skip
    tok_config = {
        "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>",
        "mask_token": {"__type": "AddedToken", **mask}, "model_max_length": 1024,
        "name_or_path": repo, "pad_token": "<pad>", "sep_token": "</s>", "sp_model_kwargs": {},
        "special_tokens_map_file": None, "src_lang": None, "tgt_lang": None,
        "tokenizer_class": "NllbTokenizer", "tokenizer_file": None, "unk_token": "<unk>",
    }  # fmt: skip
    small = {
        "sentencepiece.bpe.model": spm_model.read_bytes(),
        "special_tokens_map.json": json.dumps(special, indent=2) + "\n",  # 3548 B: hub 3.55 kB
        "tokenizer_config.json": json.dumps(tok_config, indent=2) + "\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in small.items():
            Path(tmp, name).write_bytes(data if isinstance(data, bytes) else data.encode())
        tokenizer = AutoTokenizer.from_pretrained(tmp)  # converted from the spm model
        tokenizer.add_special_tokens({"additional_special_tokens": list(FAIRSEQ_LANGUAGE_CODES)})
        tokenizer.save_pretrained(Path(tmp, "saved"))
        tokenizer_json = Path(tmp, "saved", "tokenizer.json").read_bytes()
    config = _m2m_config(len(tokenizer) + 2, **{
        "decoder_layerdrop": 0, "encoder_layerdrop": 0, "tokenizer_class": "NllbTokenizer",
        "torch_dtype": "float32", "transformers_version": "4.21.0.dev0",
    })  # fmt: skip
    weights = store.put(
        "model.safetensors", _safetensors(_model(M2M100ForConditionalGeneration, config))
    )
    first = store.files({
        ".gitattributes": _attributes(_ATTRS_2021), "README.md": _readme(repo, "cc-by-nc-4.0"),
        "config.json": hf_json(config), "tokenizer.json": tokenizer_json, **small,
        "pytorch_model.bin": dummy("pytorch_model.bin"),
    })  # fmt: skip
    generation = {
        "_from_model_config": True, "bos_token_id": 0, "decoder_start_token_id": 2,
        "eos_token_id": 2, "max_length": 200, "pad_token_id": 1,
        "transformers_version": "4.27.0.dev0",
    }  # fmt: skip
    base, head = fake_sha("", repo + ":gen"), fake_sha("f8d333a", repo + ":tag")
    commits = [
        Commit(fake_sha("", repo + ":initial"), "Upload", first),
        Commit(base, "Adding generation config file(s)",
               store.files({"generation_config.json": hf_json(generation)})),
        Commit(head, "pipeline_tag: translation",
               store.files({"README.md": _readme(repo, "cc-by-nc-4.0") + "\n<!-- tag -->\n"})),
    ]  # fmt: skip
    prs = [
        _bot_pr(29, fake_sha("38bd1c6", repo + ":pr29"), base, weights, _ATTRS_2021),
        _bot_pr(39, fake_sha("ba634f8", repo + ":pr39"), head, weights, _ATTRS_2021),
    ]
    return Replica(repo, commits, prs, pinned=prs[1].sha)


def _distilbart(store: _Store, built: Path) -> Replica:
    """distilbart-cnn-12-6: vocab.json + merges.txt only, a 2020 config.json that carries the
    generation settings, no generation_config.json, 50264 rows for a 50265-token vocab
    (``<mask>``, the last id, has no row)."""
    from transformers import BartForConditionalGeneration

    repo = "sshleifer/distilbart-cnn-12-6"
    model_json = json.loads((built / "tokenizer.json").read_text(encoding="utf-8"))["model"]
    order = sorted(model_json["vocab"], key=model_json["vocab"].get)
    order = [t for t in order if t != "<mask>"] + ["<mask>"]
    vocab = {t: i for i, t in enumerate(order)}
    merges = [m if isinstance(m, str) else " ".join(m) for m in model_json["merges"]]
    summarization = {"early_stopping": True, "length_penalty": 2.0, "max_length": 142,
                     "min_length": 56, "no_repeat_ngram_size": 3, "num_beams": 4}  # fmt: skip
    config = {
        **LEGACY_LABELS, **summarization,
        "activation_dropout": 0.0, "activation_function": "gelu", "add_bias_logits": False,
        "add_final_layer_norm": False, "architectures": ["BartForConditionalGeneration"],
        "attention_dropout": 0.0, "bos_token_id": 0, "classif_dropout": 0.0,
        "classifier_dropout": 0.0, "d_model": D, "decoder_attention_heads": HEADS,
        "decoder_ffn_dim": FFN, "decoder_layerdrop": 0.0, "decoder_layers": LAYERS,
        "decoder_start_token_id": 2, "dropout": 0.1, "encoder_attention_heads": HEADS,
        "encoder_ffn_dim": FFN, "encoder_layerdrop": 0.0, "encoder_layers": LAYERS,
        "eos_token_id": 2, "extra_pos_embeddings": 2, "force_bos_token_to_be_generated": True,
        "forced_bos_token_id": 0, "forced_eos_token_id": 2, "gradient_checkpointing": False,
        "init_std": 0.02, "is_encoder_decoder": True, "max_position_embeddings": 1024,
        "model_type": "bart", "normalize_before": False, "normalize_embedding": True,
        "num_hidden_layers": LAYERS, "output_past": True, "pad_token_id": 1, "prefix": " ",
        "replacing_rate": 0, "scale_embedding": False, "static_position_embeddings": False,
        "student_decoder_layers": None, "student_encoder_layers": None,
        "task_specific_params": {"summarization": summarization},
        "transformers_version": "4.7.0.dev0", "use_cache": True, "vocab_size": len(vocab) - 1,
    }  # fmt: skip
    weights = store.put(
        "model.safetensors", _safetensors(_model(BartForConditionalGeneration, config))
    )
    attrs = (*_ATTRS_2020, "*.msgpack")  # 391 B; 445 B in the bot PR, as on the hub
    first = store.files({
        ".gitattributes": _attributes(_ATTRS_2020), "README.md": _readme(repo, "apache-2.0"),
        "config.json": hf_json({k: v for k, v in config.items() if "forced_" not in k}),
        "vocab.json": json.dumps(vocab),  # one line, ASCII escapes, as GPT-2/RoBERTa's
        "merges.txt": "#version: 0.2\n" + "".join(m + "\n" for m in merges),
        "tokenizer_config.json": json.dumps({"model_max_length": 1024}),  # 26 B
        "pytorch_model.bin": dummy("pytorch_model.bin"), "rust_model.ot": dummy("rust_model.ot"),
    })  # fmt: skip
    head = fake_sha("a4f8f3e", repo + ":flax")
    commits = [
        Commit(fake_sha("", repo + ":initial"), "Update config.json", first),
        Commit(head, "add flax model", store.files({
            "config.json": hf_json(config), "flax_model.msgpack": dummy("flax_model.msgpack"),
            ".gitattributes": _attributes(attrs),
        })),
    ]  # fmt: skip
    prs = [
        _bot_pr(13, fake_sha("7535a1ac", repo + ":pr13"), head, weights, attrs),
        _bot_pr(18, fake_sha("6c1a5ba", repo + ":pr18"), head, weights, attrs),
    ]
    return Replica(repo, commits, prs, pinned=prs[1].sha)


def _minilm(store: _Store, built: Path) -> Replica:
    from transformers import BertModel

    repo = "sentence-transformers/all-MiniLM-L6-v2"
    tokenizer_json = json.loads((built / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tokenizer_json["model"]["vocab"]
    config = {
        "_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": False,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": D,
        "initializer_range": 0.02, "intermediate_size": FFN, "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS, "pad_token_id": 0, "position_embedding_type": "absolute",
        "transformers_version": "4.8.2", "type_vocab_size": 2, "use_cache": True,
        "vocab_size": len(vocab),
    }  # fmt: skip
    # Checkpoints of that era stored the position_ids buffer; transformers 5 does not.
    position_ids = {"embeddings.position_ids": torch.arange(512).unsqueeze(0)}
    weights = _safetensors(_model(BertModel, config), extra=position_ids)
    tok_config = {
        "do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": True,
        "strip_accents": None, "name_or_path": "nreimers/MiniLM-L6-H384-uncased",
        "do_basic_tokenize": True, "never_split": None, "tokenizer_class": "BertTokenizer",
        "model_max_length": 512,
    }  # fmt: skip
    special = {k: tok_config[k] for k in ("unk_token", "sep_token", "pad_token", "cls_token",
                                          "mask_token")}  # fmt: skip
    versions = {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"}
    data = [{"name": f"dataset_{i}.jsonl.gz", "lines": 1000 * (i + 1), "weight": i + 1}
            for i in range(8)]  # fmt: skip
    first = store.files({
        ".gitattributes": _attributes(_ATTRS_2021), "README.md": _readme(repo, "apache-2.0"),
        "1_Pooling/config.json": minilm_pooling(D),
        "config.json": hf_json(config),
        "config_sentence_transformers.json": json.dumps({"__version__": versions}, indent=2),
        "data_config.json": json.dumps(data, indent=2),
        "modules.json": MINILM_MODULES,
        "sentence_bert_config.json": MINILM_SENTENCE_BERT_CONFIG,
        "special_tokens_map.json": json.dumps(special),  # 112 B
        "tokenizer.json": json.dumps(tokenizer_json, ensure_ascii=False),
        "tokenizer_config.json": json.dumps(tok_config),
        "vocab.txt": "".join(t + "\n" for t in sorted(vocab, key=vocab.get)),
        "pytorch_model.bin": dummy("pytorch_model.bin"), "rust_model.ot": dummy("rust_model.ot"),
    })  # fmt: skip
    exports = {
        "onnx/model.onnx": dummy("onnx/model.onnx"),
        "onnx/model_O1.onnx": dummy("onnx/model_O1.onnx"),
        "onnx/model_qint8_avx512.onnx": dummy("onnx/model_qint8_avx512.onnx"),
        "openvino/openvino_model.xml": dummy("openvino/openvino_model.xml"),
        "openvino/openvino_model.bin": dummy("openvino/openvino_model.bin"),
    }
    commits = [
        Commit(fake_sha("2cfdf1a", repo + ":up"), "up", first),
        Commit(fake_sha("", repo + ":53"), BOT_TITLE + " (#53)", store.files({
            "model.safetensors": weights,
            ".gitattributes": _attributes(_ATTRS_2021, ["model.safetensors"]),
        })),
        Commit(fake_sha("", repo + ":exports"), "Add ONNX and OpenVINO exports",
               store.files(exports)),
        Commit("ce0dbbfefc15629ec53a6bf960220076679cef83", "Delete onnx/model.onnx", {},
               delete=("onnx/model.onnx",)),
    ]  # fmt: skip
    return Replica(repo, commits, pinned=commits[-1].sha)


def _bad_repos(store: _Store, built: Path) -> dict[str, Replica]:
    """Repos the project must refuse: pickle weights only, a PR with the bot's title by
    someone else, a bot PR on a stale base. Their .bin is a real (tiny) pickle, loadable
    with allow_pickle."""
    import io

    state = load_file(built / "model.safetensors")
    pickled = io.BytesIO()
    torch.save(state, pickled)
    names = ("config.json", "generation_config.json", "source.spm", "target.spm", "vocab.json",
             "tokenizer_config.json")  # fmt: skip
    base = {n: store.put(n, (built / n).read_bytes()) for n in names}
    base["pytorch_model.bin"] = store.put("pytorch_model.bin", pickled.getvalue())
    weights = store.put("model.safetensors", (built / "model.safetensors").read_bytes())
    repos = {}
    for name in ("pickle-only", "impostor", "stale-bot"):
        repo = f"test-org/{name}"
        repos[name] = Replica(repo, [Commit(fake_sha("", repo + ":0"), "Upload model", base)])
    impostor = repos["impostor"]
    impostor.prs.append(PullRequest(
        1, BOT_TITLE, "Jona6tc", fake_sha("", "impostor:pr1"), impostor.head,
        {"model.safetensors": weights},
    ))  # fmt: skip
    stale = repos["stale-bot"]
    stale.prs.append(PullRequest(
        1, BOT_TITLE, BOT, fake_sha("", "stale:pr1"), stale.head, {"model.safetensors": weights}
    ))  # fmt: skip
    stale.commits.append(
        Commit(
            fake_sha("", "stale:readme"),
            "Update README.md",
            store.files({"README.md": _readme(stale.repo_id, "mit")}),
        )
    )
    return repos


def build_replicas(root: Path, corpus: list[str]) -> dict[str, Replica]:
    """Every replica, keyed by its models.yaml name (the bad repos by their own), with its
    files written once under ``root``."""
    root = Path(root)
    arch = Arch(D, LAYERS, LAYERS, HEADS, FFN, 512)
    built = root / "built"
    marian = build_marian(built / "marian", corpus, arch)
    m2m = build_m2m100(built / "m2m100", corpus, arch)
    bart = build_bart(built / "bart", corpus, arch)
    st = build_sentence_transformer(built / "st", corpus, Arch(D, LAYERS, 0, HEADS, FFN, 512))
    store = _Store(root / "blobs")
    replicas = {
        "opus-de-en": _opus_base(
            store, marian, "Helsinki-NLP/opus-mt-de-en", "de",
            {"config": fake_sha("35f7b1b", "de-en:config"),
             "generation": fake_sha("aa4414d", "de-en:gen"),
             "renormalize": fake_sha("1a922f3", "de-en:renorm")},
            {4: ("8be33f00bcaf451dc5ed05fdd94282649696b8e7", True),
             6: ("6f6b23ef5ef8a586414ad9d2b7dda64ca5352935", False)},
        ),
        # refs/pr/1 (Mar 17 2023, 31 commits) is dated and counted like de-en's stale
        # refs/pr/4: it is taken to sit on the commit before the renormalize one.
        "opus-ar-en": _opus_base(
            store, marian, "Helsinki-NLP/opus-mt-ar-en", "ar",
            {"config": fake_sha("", "ar-en:config"), "generation": fake_sha("", "ar-en:gen"),
             "renormalize": fake_sha("", "ar-en:renorm")},
            {1: (fake_sha("0a22ca0f", "ar-en:pr1"), True)},
        ),
        "opus-he-en": _tc_big_he(store, marian),
        "opus-ar-en-big": _tc_big_ar(store, marian),
        "m2m100": _m2m100(store, m2m),
        "nllb": _nllb(store, m2m / "sentencepiece.bpe.model"),
        "distilbart": _distilbart(store, bart),
        "minilm": _minilm(store, st),
        **_bad_repos(store, marian),
    }  # fmt: skip
    for name in ("opus-de-en", "opus-ar-en"):
        replica = replicas[name]
        replica.pinned = replica.prs[-1].sha
    for name, notes in NOTES.items():
        replicas[name].notes.extend([*notes, *NOTES_ALL])
    return replicas


#: What each replica reconstructs rather than copies (hub-facts did not see it).
NOTES_ALL = [
    "config.json and generation_config.json: the era's keys and values (from fine-tunes of "
    "the model, and the sibling repos), not the original text; dropout and layerdrop kept",
    "main's history is shortened to the commits that matter; unknown full shas are "
    "fake_sha(known prefix)",
]
NOTES = {
    "opus-de-en": ["tokenizer_config.json is the 42 B guess {target_lang, source_lang}"],
    "opus-ar-en": [
        "refs/pr/1 sits on the commit before the renormalize one (dated and counted like "
        "de-en's stale refs/pr/4); its generation_config lacks renormalize_logits",
    ],
    "opus-he-en": ["vocabulary order is a seeded shuffle with </s> at 42% (eos 25894 of 61109)"],
    "opus-ar-en-big": [
        "special_tokens_map.json (65 B) is he-en's; the old checkpoint's tied embeddings hold "
        "a random matrix and lm_head the right one (how transformers < 4.30 read it)",
    ],
    "m2m100": ["special_tokens_map.json is json.dumps of the specials + 100 codes (1140 B)"],
    "nllb": [
        "tokenizer.json is converted from sentencepiece.bpe.model, with the 202 codes added "
        "after <mask> (the real order is codes, then <mask>); 2 spare rows as in 256206",
        "tokenizer_config.json is reconstructed (553 B, not 564 B)",
    ],
    "distilbart": [
        "both bot PRs sit on main's head a4f8f3e (main has not moved since Jun 2021)",
        "vocab_size 50264 rows for 50265 tokens: <mask> (the last id) has no row",
    ],
    "minilm": [
        "onnx/ and openvino/ file names, data_config.json and tokenizer_config.json are "
        "stand-ins; the checkpoint keeps the old embeddings.position_ids buffer",
    ],
}
