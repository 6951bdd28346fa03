"""How alike two English texts are: sentence embeddings, or TF-IDF when no model is wanted.

Stories, citations, near-duplicate merging and the extractive engine all ask one question,
"how similar are these texts?", of one `Similarity`. Its thresholds belong to the backend
(cosines of embeddings and of TF-IDF vectors live on different scales).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .config import TFIDF, ModelSpec
from .utils import dense, progress_bar

logger = logging.getLogger("summarizer")

Backend = Literal["embeddings", "tfidf"]


@dataclass(frozen=True)
class Thresholds:
    """Cosine similarities that mean: same story, supports a claim, says the same thing."""

    story: float
    evidence: float
    duplicate: float


# Evidence and duplicate levels; the story level comes from models.yaml (stories section).
EMBEDDING_LEVELS = {"evidence": 0.55, "duplicate": 0.85}
TFIDF_LEVELS = {"evidence": 0.25, "duplicate": 0.6}


class Similarity:
    """Cosine similarity of English texts by one backend; vectors are cached per text."""

    def __init__(
        self,
        backend: Backend,
        name: str,
        thresholds: Thresholds,
        encoder: Any = None,
        show_progress: bool = False,
    ) -> None:
        self.backend = backend
        self.name = name  # "tfidf" or the embedding model's source
        self.thresholds = thresholds
        self._encoder = encoder  # a fitted TfidfVectorizer or an Embedder
        self._cache: dict[str, np.ndarray] = {}
        self._show_progress = show_progress

    @classmethod
    def tfidf(cls, corpus: Sequence[str], story_threshold: float) -> Similarity:
        """TF-IDF over English words and word pairs, fitted on the run's own texts."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=True,
            ngram_range=(1, 2),
            strip_accents="unicode",
            dtype=np.float32,
        )
        texts = [t for t in corpus if t.strip()] or ["empty"]
        try:
            vectorizer.fit(texts)
        except ValueError:  # only stopwords: keep every word
            vectorizer = TfidfVectorizer(
                sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32
            )
            vectorizer.fit([*texts, "empty"])
        levels = Thresholds(story_threshold, **TFIDF_LEVELS)
        return cls("tfidf", TFIDF, levels, vectorizer)

    @classmethod
    def embeddings(
        cls, embedder: Embedder, story_threshold: float, show_progress: bool = False
    ) -> Similarity:
        levels = Thresholds(story_threshold, **EMBEDDING_LEVELS)
        return cls("embeddings", embedder.spec.source, levels, embedder, show_progress)

    def local(self, texts: Sequence[str]) -> Similarity:
        """The similarity to use within one article: TF-IDF refitted on its own sentences
        (so a brief never depends on which other articles share the run), else self."""
        if self.backend != "tfidf":
            return self
        return Similarity.tfidf(texts, self.thresholds.story)

    def vectors(self, texts: Sequence[str]) -> Any:
        """Unit-length rows for ``texts`` (zero rows for texts with no known word): a dense
        array for embeddings, a sparse matrix for TF-IDF (its vocabulary-wide rows would
        take gigabytes dense on a large run)."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            if self.backend == "tfidf":  # rows come L2-normalised from the vectorizer
                found = self._encoder.transform(todo)
                for k, text in enumerate(todo):
                    self._cache[text] = found[k]
            else:
                vectors = self._encoder.encode(todo, self._show_progress)
                for text, vector in zip(todo, vectors, strict=True):
                    self._cache[text] = _unit(np.asarray(vector, dtype=np.float32))
        return self._stack([self._cache[t] for t in texts])

    def matrix(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every text of ``a`` with every text of ``b``."""
        if not a or not b:
            return np.zeros((len(a), len(b)), dtype=np.float32)
        return np.clip(dense(self.vectors(a) @ self.vectors(b).T), -1.0, 1.0)

    def documents(self, docs: Sequence[Sequence[str]]) -> Any:
        """One unit row per document (a list of sentences): the mean of its sentences'."""
        rows = []
        for sentences in docs:
            if self.backend == "tfidf":  # one bag of words for the whole document
                rows.append(self.vectors([" ".join(sentences)]))
            else:
                vectors = self.vectors(list(sentences))
                rows.append(_unit(vectors.mean(axis=0)) if len(vectors) else vectors)
        if self.backend == "tfidf":
            return self._stack(rows)
        return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)

    def nearest_to_mean(self, candidates: Sequence[str], vectors: Any) -> int:
        """Which of ``candidates`` is closest to the mean of ``vectors`` (a story's centre);
        the first of those that tie (two articles' centre is as close to each of them)."""
        centre = np.asarray(vectors.mean(axis=0), dtype=np.float32).ravel()
        scores = dense(self.vectors(candidates) @ centre).ravel()
        return int(np.argmax(np.round(scores, 5)))

    def _stack(self, rows: list[Any]) -> Any:
        if self.backend != "tfidf":
            return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
        from scipy.sparse import csr_matrix

        # One CSR built from the rows' arrays: scipy's vstack checks every block, which
        # cost milliseconds a call once a digest compared points with thousands of rows.
        width = len(self._encoder.vocabulary_)
        if not rows:
            return csr_matrix((0, width), dtype=np.float32)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([r.nnz for r in rows], out=indptr[1:])
        data = np.concatenate([r.data for r in rows])
        indices = np.concatenate([r.indices for r in rows])
        return csr_matrix((data, indices, indptr), shape=(len(rows), width))


@dataclass
class Embedder:
    """A loaded sentence-transformers model."""

    spec: ModelSpec
    model: Any
    batch_size: int = 32

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        out = []
        with progress_bar(len(texts), "embedding", show_progress) as bar:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                out.append(
                    self.model.encode(batch, normalize_embeddings=True, show_progress_bar=False)
                )
                bar.update(len(batch))
        return np.concatenate(out) if out else np.zeros((0, 1), dtype=np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
