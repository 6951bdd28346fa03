"""Tiny, offline, seeded seq2seq checkpoints for the test suite.

The real translation / summarisation checkpoints (opus-mt, NLLB, M2M100, BART)
are hundreds of megabytes and need the Hugging Face Hub.  The builders below
write *complete* Hugging Face folders with the same file layout, tokenizer
classes and special-token conventions as the real ones, but with tokenizers
trained on the fly on a small corpus and a randomly initialised (seeded) model
of a few hundred kilobytes.  Every folder loads back with ``AutoTokenizer`` and
``AutoModelForSeq2SeqLM.from_pretrained(path, use_safetensors=True)`` without
network access or ``trust_remote_code``.

The outputs of the models are gibberish; they exist to exercise the plumbing
(tokenisation of Hebrew/Arabic/Persian/German text, language codes,
``generate``, decoding), not translation quality.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BartTokenizer,
    GenerationConfig,
    M2M100Config,
    M2M100ForConditionalGeneration,
    M2M100Tokenizer,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    NllbTokenizer,
    PreTrainedModel,
)
from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

#: The 100 language codes of facebook/m2m100 ("af" ... "zu"), in id order.
M2M100_LANGUAGE_CODES: list[str] = list(FAIRSEQ_LANGUAGE_CODES["m2m100"])

__all__ = ["build_bart", "build_m2m100", "build_marian", "build_nllb", "build_sentence_transformer"]

#: Longest input/output any tiny model accepts (positions and tokenizer limit).
MAX_LENGTH = 256
#: Seed used for every random initialisation so outputs are reproducible.
SEED = 0
#: Hard cap on generated length stored in every ``generation_config.json``.
GEN_MAX_LENGTH = 32

# Shared architecture: small enough to build and run in milliseconds.
_ARCH: dict[str, Any] = {
    "d_model": 32,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 64,
    "decoder_ffn_dim": 64,
    "max_position_embeddings": MAX_LENGTH,
    "dropout": 0.0,
    "attention_dropout": 0.0,
    "activation_dropout": 0.0,
    "encoder_layerdrop": 0.0,
    "decoder_layerdrop": 0.0,
}

# SentencePiece control pieces: ids 0-2 as in the real opus-mt / fairseq models.
_SPM_SPECIALS = ("<unk>", "<s>", "</s>")


def _clean_corpus(corpus: Iterable[str]) -> list[str]:
    """Drop blank lines; SentencePiece and tokenizers refuse an empty corpus."""
    lines = [line.strip() for line in corpus if line and line.strip()]
    if not lines:
        raise ValueError("corpus must contain at least one non-blank sentence")
    return lines


def _train_spm(corpus: list[str], vocab_size: int, model_type: str) -> bytes:
    """Train a SentencePiece model in memory and return its serialized proto.

    ``character_coverage=1.0`` keeps every Hebrew/Arabic/Persian/German letter
    of the corpus as a piece; characters never seen map to ``<unk>`` (id 0).
    ``hard_vocab_limit=False`` lets a tiny corpus yield fewer pieces than
    asked, and the size is raised to at least the alphabet size because
    SentencePiece refuses a vocabulary smaller than its required characters.
    """
    n_chars = len(set("".join(corpus)) - {" "})
    size = max(vocab_size, n_chars + len(_SPM_SPECIALS) + 8)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=buffer,
        vocab_size=size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        byte_fallback=False,
        split_digits=True,
        num_threads=1,
        minloglevel=2,
    )
    return buffer.getvalue()


def _spm_pieces(proto: bytes) -> list[str]:
    """Return the ordinary (non-control, non-unk) pieces of an SPM model, in id order."""
    processor = spm.SentencePieceProcessor(model_proto=proto)
    return [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_control(i) or processor.is_unknown(i))
    ]


def _write_json(path: Path, data: object) -> None:
    """Write UTF-8 JSON the way the Hub files look (non-ASCII pieces kept readable)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _bpe_vocab_merges(bpe: Tokenizer) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Return vocab and merges of a trained ``tokenizers`` BPE (the v5 tokenizer init args)."""
    model_json = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model_json["merges"]]
    return dict(model_json["vocab"]), merges


def _save_model(model: PreTrainedModel, generation_config: GenerationConfig, out_dir: Path) -> None:
    """Attach the conservative generation config and save as safetensors."""
    model.generation_config = generation_config
    model.save_pretrained(out_dir, safe_serialization=True)
    if not (out_dir / "model.safetensors").is_file() or (out_dir / "pytorch_model.bin").exists():
        raise RuntimeError(f"expected model.safetensors (and no pytorch_model.bin) in {out_dir}")


def _greedy(**token_ids: int | list[list[int]] | None) -> GenerationConfig:
    """Greedy, bounded generation so random weights can never run away."""
    return GenerationConfig(
        num_beams=1,
        do_sample=False,
        max_length=GEN_MAX_LENGTH,
        min_length=0,
        **token_ids,
    )


def build_marian(out_dir: Path, corpus: list[str], vocab_size: int = 400) -> Path:
    """Write a tiny opus-mt style MarianMTModel + MarianTokenizer folder.

    Layout matches Helsinki-NLP checkpoints: ``source.spm``/``target.spm``
    (one shared unigram SentencePiece model), ``vocab.json`` with ``</s>`` = 0,
    ``<unk>`` = 1 and ``<pad>`` as the last id, which is also the decoder start
    token (Marian has no BOS).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    proto = _train_spm(_clean_corpus(corpus), vocab_size, "unigram")

    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in _spm_pieces(proto):
        vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    pad_id, eos_id = vocab["<pad>"], vocab["</s>"]

    (out_dir / "source.spm").write_bytes(proto)
    (out_dir / "target.spm").write_bytes(proto)
    _write_json(out_dir / "vocab.json", vocab)

    tokenizer = MarianTokenizer(
        source_spm=str(out_dir / "source.spm"),
        target_spm=str(out_dir / "target.spm"),
        vocab=str(out_dir / "vocab.json"),
        model_max_length=MAX_LENGTH,
    )
    tokenizer.save_pretrained(out_dir)

    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id,
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        **_ARCH,
    )
    torch.manual_seed(SEED)
    model = MarianMTModel(config).eval()
    _save_model(
        model,
        _greedy(
            pad_token_id=pad_id,
            eos_token_id=eos_id,
            decoder_start_token_id=pad_id,
            forced_eos_token_id=eos_id,
            bad_words_ids=[[pad_id]],
        ),
        out_dir,
    )
    return out_dir


def build_nllb(out_dir: Path, corpus: list[str], vocab_size: int = 400) -> Path:
    """Write a tiny NLLB-200 style folder: M2M100ForConditionalGeneration + NllbTokenizer.

    transformers 5 keeps NLLB only as a ``tokenizers`` BPE with a Metaspace
    pre-tokenizer, so the BPE is trained directly with ``tokenizers`` (turning a
    ``sentencepiece.bpe.model`` into one would need ``protobuf``).  Ids match
    the real checkpoint for ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3; then
    come the pieces, ``<mask>`` and all 202 default NLLB language codes, so
    ``tok.src_lang = "heb_Hebr"`` and
    ``forced_bos_token_id=tok.convert_tokens_to_ids("eng_Latn")`` work.
    Characters never seen in the corpus encode as ``<unk>``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _clean_corpus(corpus)
    specials = ["<s>", "<pad>", "</s>", "<unk>"]

    bpe = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    bpe.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always", split=True
    )
    n_chars = len(set("".join(lines)))
    trainer = trainers.BpeTrainer(
        vocab_size=max(vocab_size, len(specials) + n_chars + 2),
        min_frequency=1,
        special_tokens=specials,
        limit_alphabet=n_chars + 1,
        show_progress=False,
    )
    bpe.train_from_iterator(lines, trainer=trainer)
    vocab, merges = _bpe_vocab_merges(bpe)

    tokenizer = NllbTokenizer(
        vocab=vocab, merges=merges, src_lang="eng_Latn", model_max_length=MAX_LENGTH
    )
    tokenizer.save_pretrained(out_dir)

    config = M2M100Config(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        scale_embedding=True,
        activation_function="relu",
        tokenizer_class="NllbTokenizer",
        **_ARCH,
    )
    torch.manual_seed(SEED)
    model = M2M100ForConditionalGeneration(config).eval()
    _save_model(
        model,
        _greedy(
            pad_token_id=config.pad_token_id,
            bos_token_id=config.bos_token_id,
            eos_token_id=config.eos_token_id,
            decoder_start_token_id=config.eos_token_id,
        ),
        out_dir,
    )
    return out_dir


def build_m2m100(out_dir: Path, corpus: list[str], vocab_size: int = 400) -> Path:
    """Write a tiny facebook/m2m100 style folder: M2M100ForConditionalGeneration + M2M100Tokenizer.

    ``vocab.json`` holds ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3 and the
    SentencePiece pieces; the tokenizer appends the 100 ``__xx__`` language
    tokens, and the model keeps 8 extra "madeup word" rows like the original.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    proto = _train_spm(_clean_corpus(corpus), vocab_size, "bpe")

    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(proto):
        vocab.setdefault(piece, len(vocab))
    (out_dir / "sentencepiece.bpe.model").write_bytes(proto)
    _write_json(out_dir / "vocab.json", vocab)

    tokenizer = M2M100Tokenizer(
        vocab_file=str(out_dir / "vocab.json"),
        spm_file=str(out_dir / "sentencepiece.bpe.model"),
        src_lang="en",
        model_max_length=MAX_LENGTH,
        # Listed explicitly, like the real tokenizer_config.json: in transformers 5.23
        # M2M100Tokenizer's own default list comes out empty, and then
        # decode(skip_special_tokens=True) would keep "__en__".
        additional_special_tokens=[f"__{code}__" for code in M2M100_LANGUAGE_CODES],
    )
    tokenizer.save_pretrained(out_dir)

    config = M2M100Config(
        # vocab.json + 100 language tokens + 8 madeup words, like the real 128112.
        vocab_size=len(vocab) + len(M2M100_LANGUAGE_CODES) + tokenizer.num_madeup_words,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        scale_embedding=True,
        activation_function="relu",
        **_ARCH,
    )
    torch.manual_seed(SEED)
    model = M2M100ForConditionalGeneration(config).eval()
    _save_model(
        model,
        _greedy(
            pad_token_id=config.pad_token_id,
            bos_token_id=config.bos_token_id,
            eos_token_id=config.eos_token_id,
            decoder_start_token_id=config.eos_token_id,
        ),
        out_dir,
    )
    return out_dir


def build_bart(out_dir: Path, corpus: list[str], vocab_size: int = 500) -> Path:
    """Write a tiny facebook/bart style summarizer: BartForConditionalGeneration + byte-level BPE.

    The BPE is trained with ``tokenizers`` (``<s>``=0, ``<pad>``=1, ``</s>``=2,
    ``<unk>``=3, ``<mask>``=4, then the 256 byte symbols, so any text encodes).
    In transformers 5 ``BartTokenizer`` is an alias of ``RobertaTokenizer``,
    which is what ``AutoTokenizer`` returns for ``model_type="bart"``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _clean_corpus(corpus)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=max(vocab_size, len(specials) + 256 + 1),
        min_frequency=1,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(lines, trainer=trainer)
    vocab, merges = _bpe_vocab_merges(bpe)

    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_LENGTH)
    tokenizer.save_pretrained(out_dir)

    config = BartConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
        **_ARCH,
    )
    torch.manual_seed(SEED)
    model = BartForConditionalGeneration(config).eval()
    _save_model(
        model,
        _greedy(
            pad_token_id=config.pad_token_id,
            bos_token_id=config.bos_token_id,
            eos_token_id=config.eos_token_id,
            decoder_start_token_id=config.eos_token_id,
            forced_bos_token_id=config.bos_token_id,
            forced_eos_token_id=config.eos_token_id,
        ),
        out_dir,
    )
    return out_dir


def build_sentence_transformer(out_dir: Path, corpus: list[str], vocab_size: int = 600) -> Path:
    """Write a tiny sentence-transformers model: BertModel + WordPiece + mean pooling.

    The same layout as sentence-transformers/all-MiniLM-L6-v2 (modules.json, a
    1_Pooling folder, model.safetensors at the top), loadable by ``SentenceTransformer``.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import normalizers, processors
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out_dir = Path(out_dir)
    raw = out_dir.with_name(out_dir.name + "-bert")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    wordpiece.train_from_iterator(_clean_corpus(corpus), trainer=trainer)
    cls_id, sep_id = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer = BertTokenizerFast(
        tokenizer_object=wordpiece,
        model_max_length=MAX_LENGTH // 2,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_LENGTH // 2,
    )
    torch.manual_seed(SEED)
    BertModel(config).eval().save_pretrained(raw, safe_serialization=True)
    tokenizer.save_pretrained(raw)
    transformer = Transformer(str(raw), max_seq_length=MAX_LENGTH // 2)
    pooling = Pooling(transformer.get_embedding_dimension(), "mean")
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(out_dir))
    return out_dir
