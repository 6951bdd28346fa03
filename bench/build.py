"""Seeded random-weight seq2seq and embedding checkpoints, built offline, tiny or real-size.

The real translation / summarisation checkpoints (opus-mt, NLLB, M2M100, BART,
MiniLM) are hundreds of megabytes and need the Hugging Face Hub.  The builders
below write *complete* Hugging Face folders with the same file layout, tokenizer
classes and special-token conventions as the real ones, with tokenizers trained
on the fly on a small corpus and a randomly initialised (seeded) model whose
sizes come from an :class:`Arch` preset: ``TINY`` (a few hundred kilobytes, for
the test suite) or the real architectures of the default models (for timing and
memory benchmarks).  Every folder loads back with ``AutoTokenizer`` and
``AutoModelForSeq2SeqLM.from_pretrained(path, use_safetensors=True)`` (or
``SentenceTransformer``) without network access or ``trust_remote_code``, and
converts with CTranslate2.

The outputs of the models are gibberish; they exercise the plumbing and the
cost of real-size models (tokenisation of Hebrew/Arabic/Persian/German text,
language codes, ``generate``, decoding), not translation quality.
"""

from __future__ import annotations

import io
import json
import logging
import re
import struct
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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

logger = logging.getLogger("summarizer")

#: The 100 language codes of facebook/m2m100 ("af" ... "zu"), in id order.
M2M100_LANGUAGE_CODES: list[str] = list(FAIRSEQ_LANGUAGE_CODES["m2m100"])

__all__ = [
    "DISTILBART_CNN_12_6",
    "M2M100_418M",
    "MINILM_L6",
    "NLLB_600M",
    "OPUS_MT",
    "REAL_SIZES",
    "TINY",
    "TINY_BERT",
    "Arch",
    "build_bart",
    "build_m2m100",
    "build_marian",
    "build_nllb",
    "build_sentence_transformer",
]

#: Longest input/output any tiny model accepts (positions and tokenizer limit).
MAX_LENGTH = 256
#: Seed used for every random initialisation so outputs are reproducible.
SEED = 0
#: Hard cap on generated length stored in every ``generation_config.json``.
GEN_MAX_LENGTH = 32
#: sentence-transformers' max_seq_length cap (all-MiniLM-L6-v2 uses 256 of 512 positions).
ST_MAX_SEQ_LENGTH = 256


@dataclass(frozen=True)
class Arch:
    """Sizes of a model; ``vocab_size=None`` keeps the trained vocabulary as it is.

    A set ``vocab_size`` is the number of embedding rows: the tokenizer vocabulary
    is padded with word-like dummy pieces up to exactly that many entries, since
    CTranslate2 requires tokenizer vocabulary == model vocabulary.  BERT reads
    ``d_model``/``encoder_layers``/``ffn_dim`` as hidden/layers/intermediate size.
    """

    d_model: int
    encoder_layers: int
    decoder_layers: int
    attention_heads: int
    ffn_dim: int
    max_positions: int
    vocab_size: int | None = None

    def seq2seq(self) -> dict[str, Any]:
        """BART-family config keywords (dropout off: the models only ever run inference)."""
        return {
            "d_model": self.d_model,
            "encoder_layers": self.encoder_layers,
            "decoder_layers": self.decoder_layers,
            "encoder_attention_heads": self.attention_heads,
            "decoder_attention_heads": self.attention_heads,
            "encoder_ffn_dim": self.ffn_dim,
            "decoder_ffn_dim": self.ffn_dim,
            "max_position_embeddings": self.max_positions,
            "dropout": 0.0,
            "attention_dropout": 0.0,
            "activation_dropout": 0.0,
            "encoder_layerdrop": 0.0,
            "decoder_layerdrop": 0.0,
        }


#: The test suite's seq2seq models: built and run in milliseconds.
TINY = Arch(32, 2, 2, 2, 64, MAX_LENGTH)
#: The test suite's sentence-transformers model (half the positions, as it always had).
TINY_BERT = Arch(32, 2, 0, 2, 64, MAX_LENGTH // 2)
#: Helsinki-NLP/opus-mt-*-en (MarianMT).
OPUS_MT = Arch(512, 6, 6, 8, 2048, 512, 62000)
#: facebook/nllb-200-distilled-600M.
NLLB_600M = Arch(1024, 12, 12, 16, 4096, 1024, 256206)
#: facebook/m2m100_418M.
M2M100_418M = Arch(1024, 12, 12, 16, 4096, 1024, 128112)
#: sshleifer/distilbart-cnn-12-6.
DISTILBART_CNN_12_6 = Arch(1024, 12, 6, 16, 4096, 1024, 50264)
#: sentence-transformers/all-MiniLM-L6-v2.
MINILM_L6 = Arch(384, 6, 0, 12, 1536, 512, 30522)

# SentencePiece control pieces: ids 0-2 as in the real opus-mt / fairseq models.
_SPM_SPECIALS = ("<unk>", "<s>", "</s>")
# Dummy words are strings of consonant-vowel syllables: "bako", "tiremu", ...
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
# SentencePiece piece type UNUSED: kept in the vocabulary, never produced by encoding.
_SPM_UNUSED = 5


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


def _padding(arch: Arch, size: int) -> int:
    """How many dummy pieces take a vocabulary of ``size`` entries to ``arch.vocab_size``."""
    if arch.vocab_size is None:
        return 0
    if arch.vocab_size < size:
        raise ValueError(f"vocab_size {arch.vocab_size} is below the {size} entries needed")
    return arch.vocab_size - size


def _dummy_pieces(count: int, prefix: str, taken: Iterable[str], corpus: list[str]) -> list[str]:
    """``count`` word-like pieces (``prefix`` + "bako", "tiremu", ...) for vocabulary padding.

    Random weights generate these ids most of the time, so they should decode to
    English-looking words.  None is already in ``taken``, and none is the start of
    a (lowercased, accent-stripped) word of the corpus, so that WordPiece's greedy
    longest-prefix match cannot pick one up either.
    """
    taken = set(taken)
    text = unicodedata.normalize("NFKD", " ".join(corpus).lower())
    plain = "".join(c for c in text if not unicodedata.combining(c))
    starts = {w[:k] for w in re.findall(r"[a-z]+", plain) for k in range(1, len(w) + 1)}
    pieces: list[str] = []
    index = 0
    while len(pieces) < count:
        word, n = "", index
        while True:  # bijective base-len(_SYLLABLES) numeral of index
            n, digit = divmod(n, len(_SYLLABLES))
            word = _SYLLABLES[digit] + word
            if n == 0:
                break
            n -= 1
        index += 1
        if word not in starts and prefix + word not in taken:
            pieces.append(prefix + word)
    return pieces


def _pad_spm(proto: bytes, pieces: list[str]) -> bytes:
    """Append ``pieces`` to a serialized SentencePiece model as UNUSED pieces.

    UNUSED pieces are never produced when encoding (so text encodes exactly as
    before) but decode like ordinary ones ("▁bako" -> " bako"); a piece missing
    from the model would come back verbatim, "▁" and all.  Appending is enough:
    protobuf concatenates repeated fields (``ModelProto.pieces`` = 1).
    """

    def varint(n: int) -> bytes:
        out = b""
        while n > 0x7F:
            out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
        return out + bytes([n])

    chunks = [proto]
    for piece in pieces:
        text = piece.encode("utf-8")
        body = b"\x0a" + varint(len(text)) + text  # piece = 1
        body += b"\x15" + struct.pack("<f", -1e6) + b"\x18" + varint(_SPM_UNUSED)  # score, type
        chunks.append(b"\x0a" + varint(len(body)) + body)
    return b"".join(chunks)


def _check_same(
    before: Callable[[str], Any], after: Callable[[str], Any], lines: list[str]
) -> None:
    """Fail unless vocabulary padding left the tokenization of every corpus line alone."""
    changed = [line for line in lines if before(line) != after(line)]
    if changed:
        raise RuntimeError(f"padding changed how {len(changed)} lines encode: {changed[0]!r}")


def _write_json(path: Path, data: object) -> None:
    """Write UTF-8 JSON the way the Hub files look (non-ASCII pieces kept readable)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _bpe_vocab_merges(bpe: Tokenizer) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Return vocab and merges of a trained ``tokenizers`` BPE (the v5 tokenizer init args)."""
    model_json = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model_json["merges"]]
    return dict(model_json["vocab"]), merges


def _padded(vocab: dict[str, int], pieces: list[str]) -> dict[str, int]:
    """``vocab`` with ``pieces`` appended at the next ids (no merges: BPE never reaches them)."""
    return {**vocab, **{piece: len(vocab) + i for i, piece in enumerate(pieces)}}


def _save_model(
    model: PreTrainedModel,
    generation_config: GenerationConfig,
    out_dir: Path,
    arch: Arch,
    tokenizer: Any,
    corpus: list[str],
) -> None:
    """Attach the conservative generation config and save as float32 safetensors.

    At a real size (``arch.vocab_size`` set) the tied embedding rows of every token
    that our texts never encode to are zeroed: special tokens, language codes,
    M2M100's madeup words and the vocabulary padding. A random model otherwise
    echoes its current input token forever (after the forced language code, a
    token decoding drops, leaving an empty "translation"), or writes padding
    words that re-tokenize into several pieces each, so that a summary of a
    summary grows instead of shrinking as real ones do. With those logits at 0,
    it writes pieces of real text, which re-tokenize about one to one.
    """
    if arch.vocab_size is not None:
        if model.config.vocab_size != arch.vocab_size:
            raise RuntimeError(f"built {model.config.vocab_size} rows, not {arch.vocab_size}")
        used = {i for ids in tokenizer(_clean_corpus(corpus))["input_ids"] for i in ids}
        used -= set(tokenizer.all_special_ids)
        rows = [i for i in range(arch.vocab_size) if i not in used]
        with torch.no_grad():
            model.get_input_embeddings().weight[rows] = 0.0
        if model.get_output_embeddings().weight[rows].any():
            raise RuntimeError("expected the output projection tied to the embeddings")
    model.generation_config = generation_config
    model.save_pretrained(out_dir, safe_serialization=True)
    if not (out_dir / "model.safetensors").is_file() or (out_dir / "pytorch_model.bin").exists():
        raise RuntimeError(f"expected model.safetensors (and no pytorch_model.bin) in {out_dir}")
    logger.info("wrote %s: %s parameters", out_dir, f"{model.num_parameters():,}")


def _greedy(**token_ids: int | list[list[int]] | None) -> GenerationConfig:
    """Greedy, bounded generation so random weights can never run away."""
    return GenerationConfig(
        num_beams=1,
        do_sample=False,
        max_length=GEN_MAX_LENGTH,
        min_length=0,
        **token_ids,
    )


def build_marian(
    out_dir: Path, corpus: list[str], arch: Arch = TINY, vocab_size: int = 400
) -> Path:
    """Write an opus-mt style MarianMTModel + MarianTokenizer folder.

    Layout matches Helsinki-NLP checkpoints: ``source.spm``/``target.spm``
    (one shared unigram SentencePiece model of about ``vocab_size`` pieces),
    ``vocab.json`` with ``</s>`` = 0, ``<unk>`` = 1, the pieces, the padding
    and ``<pad>`` as the last id, which is also the decoder start token (Marian
    has no BOS).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _clean_corpus(corpus)
    proto = _train_spm(lines, vocab_size, "unigram")

    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in _spm_pieces(proto):
        vocab.setdefault(piece, len(vocab))
    if extra := _padding(arch, len(vocab) + 1):
        dummies = _dummy_pieces(extra, "▁", vocab, lines)
        padded = _pad_spm(proto, dummies)
        old, new = (spm.SentencePieceProcessor(model_proto=p) for p in (proto, padded))
        _check_same(old.encode, new.encode, lines)
        proto, vocab = padded, _padded(vocab, dummies)
    vocab["<pad>"] = len(vocab)
    pad_id, eos_id = vocab["<pad>"], vocab["</s>"]

    (out_dir / "source.spm").write_bytes(proto)
    (out_dir / "target.spm").write_bytes(proto)
    _write_json(out_dir / "vocab.json", vocab)

    tokenizer = MarianTokenizer(
        source_spm=str(out_dir / "source.spm"),
        target_spm=str(out_dir / "target.spm"),
        vocab=str(out_dir / "vocab.json"),
        model_max_length=arch.max_positions,
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
        **arch.seq2seq(),
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
        arch,
        tokenizer,
        corpus,
    )
    return out_dir


def build_nllb(out_dir: Path, corpus: list[str], arch: Arch = TINY, vocab_size: int = 400) -> Path:
    """Write an NLLB-200 style folder: M2M100ForConditionalGeneration + NllbTokenizer.

    transformers 5 keeps NLLB only as a ``tokenizers`` BPE with a Metaspace
    pre-tokenizer, so the BPE is trained directly with ``tokenizers`` (turning a
    ``sentencepiece.bpe.model`` into one would need ``protobuf``).  Ids match
    the real checkpoint for ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3; then
    come the pieces, the padding, ``<mask>`` and all 202 default NLLB language
    codes, so ``tok.src_lang = "heb_Hebr"`` and
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

    def make(vocab: dict[str, int]) -> NllbTokenizer:
        return NllbTokenizer(
            vocab=vocab, merges=merges, src_lang="eng_Latn", model_max_length=arch.max_positions
        )

    tokenizer = make(vocab)
    if extra := _padding(arch, len(tokenizer)):
        padded = make(_padded(vocab, _dummy_pieces(extra, "▁", vocab, lines)))
        _check_same(tokenizer.tokenize, padded.tokenize, lines)
        tokenizer = padded
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
        **arch.seq2seq(),
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
        arch,
        tokenizer,
        corpus,
    )
    return out_dir


def build_m2m100(
    out_dir: Path, corpus: list[str], arch: Arch = TINY, vocab_size: int = 400
) -> Path:
    """Write a facebook/m2m100 style folder: M2M100ForConditionalGeneration + M2M100Tokenizer.

    ``vocab.json`` holds ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3, the
    SentencePiece pieces and the padding; the tokenizer appends the 100
    ``__xx__`` language tokens, and the model keeps 8 extra "madeup word" rows
    like the original (so ``len(tokenizer)`` is 8 short of the model's vocabulary).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _clean_corpus(corpus)
    proto = _train_spm(lines, vocab_size, "bpe")
    n_madeup = 8

    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(proto):
        vocab.setdefault(piece, len(vocab))
    if extra := _padding(arch, len(vocab) + len(M2M100_LANGUAGE_CODES) + n_madeup):
        dummies = _dummy_pieces(extra, "▁", vocab, lines)
        padded = _pad_spm(proto, dummies)
        old, new = (spm.SentencePieceProcessor(model_proto=p) for p in (proto, padded))
        _check_same(old.encode, new.encode, lines)
        proto, vocab = padded, _padded(vocab, dummies)
    (out_dir / "sentencepiece.bpe.model").write_bytes(proto)
    _write_json(out_dir / "vocab.json", vocab)

    tokenizer = M2M100Tokenizer(
        vocab_file=str(out_dir / "vocab.json"),
        spm_file=str(out_dir / "sentencepiece.bpe.model"),
        src_lang="en",
        model_max_length=arch.max_positions,
        num_madeup_words=n_madeup,
        # Listed explicitly, like the real tokenizer_config.json: in transformers 5.23
        # M2M100Tokenizer's own default list comes out empty, and then
        # decode(skip_special_tokens=True) would keep "__en__".
        additional_special_tokens=[f"__{code}__" for code in M2M100_LANGUAGE_CODES],
    )
    tokenizer.save_pretrained(out_dir)

    config = M2M100Config(
        # vocab.json + 100 language tokens + 8 madeup words, like the real 128112.
        vocab_size=len(vocab) + len(M2M100_LANGUAGE_CODES) + n_madeup,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        scale_embedding=True,
        activation_function="relu",
        **arch.seq2seq(),
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
        arch,
        tokenizer,
        corpus,
    )
    return out_dir


def build_bart(out_dir: Path, corpus: list[str], arch: Arch = TINY, vocab_size: int = 500) -> Path:
    """Write a facebook/bart style summarizer: BartForConditionalGeneration + byte-level BPE.

    The BPE is trained with ``tokenizers`` (``<s>``=0, ``<pad>``=1, ``</s>``=2,
    ``<unk>``=3, ``<mask>``=4, then the 256 byte symbols, so any text encodes,
    the merged pieces and the "Ġbako"-style padding).  In transformers 5
    ``BartTokenizer`` is an alias of ``RobertaTokenizer``, which is what
    ``AutoTokenizer`` returns for ``model_type="bart"``.
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

    def make(vocab: dict[str, int]) -> BartTokenizer:
        return BartTokenizer(vocab=vocab, merges=merges, model_max_length=arch.max_positions)

    tokenizer = make(vocab)
    if extra := _padding(arch, len(tokenizer)):
        padded = make(_padded(vocab, _dummy_pieces(extra, "Ġ", vocab, lines)))
        _check_same(tokenizer.tokenize, padded.tokenize, lines)
        tokenizer = padded
    tokenizer.save_pretrained(out_dir)

    config = BartConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
        # As in facebook/bart-* and distilbart config.json; CTranslate2 reads them.
        normalize_before=False,
        normalize_embedding=True,
        add_final_layer_norm=False,
        **arch.seq2seq(),
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
        arch,
        tokenizer,
        corpus,
    )
    return out_dir


def build_sentence_transformer(
    out_dir: Path, corpus: list[str], arch: Arch = TINY_BERT, vocab_size: int = 600
) -> Path:
    """Write a sentence-transformers model: BertModel + WordPiece + mean pooling.

    The same layout as sentence-transformers/all-MiniLM-L6-v2 (modules.json, a
    1_Pooling folder, model.safetensors at the top), loadable by ``SentenceTransformer``.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import normalizers, processors
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lines = _clean_corpus(corpus)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    wordpiece.train_from_iterator(lines, trainer=trainer)
    cls_id, sep_id = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    if extra := _padding(arch, wordpiece.get_vocab_size()):
        spec = json.loads(wordpiece.to_str())
        vocab = spec["model"]["vocab"]
        spec["model"]["vocab"] = _padded(vocab, _dummy_pieces(extra, "", vocab, lines))
        padded = Tokenizer.from_str(json.dumps(spec))
        _check_same(lambda s: wordpiece.encode(s).tokens, lambda s: padded.encode(s).tokens, lines)
        wordpiece = padded
    tokenizer = BertTokenizerFast(
        tokenizer_object=wordpiece,
        model_max_length=arch.max_positions,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=arch.d_model,
        num_hidden_layers=arch.encoder_layers,
        num_attention_heads=arch.attention_heads,
        intermediate_size=arch.ffn_dim,
        max_position_embeddings=arch.max_positions,
        position_embedding_type="absolute",  # as in all-MiniLM-L6-v2; CTranslate2 reads it
    )
    if arch.vocab_size is not None and config.vocab_size != arch.vocab_size:
        raise RuntimeError(f"built {config.vocab_size} vocabulary rows, not {arch.vocab_size}")
    max_seq_length = min(arch.max_positions, ST_MAX_SEQ_LENGTH)
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as raw:
        torch.manual_seed(SEED)
        BertModel(config).eval().save_pretrained(raw, safe_serialization=True)
        tokenizer.save_pretrained(raw)
        transformer = Transformer(raw, max_seq_length=max_seq_length)
        pooling = Pooling(transformer.get_embedding_dimension(), "mean")
        SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(out_dir))
    logger.info("wrote %s: vocabulary %d", out_dir, len(tokenizer))
    return out_dir


#: The default models at their real sizes: name -> (builder, architecture).
REAL_SIZES: dict[str, tuple[Callable[..., Path], Arch]] = {
    "opus-mt": (build_marian, OPUS_MT),
    "nllb-600m": (build_nllb, NLLB_600M),
    "m2m100-418m": (build_m2m100, M2M100_418M),
    "distilbart-cnn-12-6": (build_bart, DISTILBART_CNN_12_6),
    "minilm-l6": (build_sentence_transformer, MINILM_L6),
}
