"""Offline text similarity for needs and vendor matching: TF-IDF vectors, cosine similarity.

No Django. scikit-learn's TfidfVectorizer: tf = raw count, idf = ln((1 + n) / (1 + df)) + 1
(smoothed), rows L2-normalised, so cosine similarity is a dot product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

_WORD = re.compile(r"[^\W\d_]{3,}")
STOPWORDS = frozenset(
    "the and for with that this from are was were has have had not but our their they them "
    "who what when where which will would can could should into than then there these those "
    "its per all any our los las del con por para una que est une des les".split()
)


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall((text or "").lower()) if w not in STOPWORDS]


def tfidf_matrix(texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised TF-IDF row per text (vocabulary from these texts; scikit-learn's)."""
    vectorizer = TfidfVectorizer(analyzer=tokenize, smooth_idf=True, norm="l2")
    try:
        return vectorizer.fit_transform(texts).toarray()
    except ValueError:  # no word in any text
        return np.zeros((len(texts), 0))


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """Pairwise cosine similarity of the texts (1 on the diagonal for non-empty texts)."""
    if not texts:
        return np.zeros((0, 0))
    m = tfidf_matrix(texts)
    return m @ m.T


def similar_pairs(texts: Sequence[str], threshold: float = 0.2) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) whose cosine similarity reaches `threshold`, most similar first."""
    sims = similarity_matrix(texts)
    pairs = [
        (i, j, float(sims[i, j]))
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if sims[i, j] >= threshold
    ]
    return sorted(pairs, key=lambda p: -p[2])


def rank_against(query: str, candidates: Sequence[str]) -> list[float]:
    """Cosine similarity of each candidate to the query, in candidate order."""
    if not candidates:
        return []
    sims = similarity_matrix([query, *candidates])
    return [float(s) for s in sims[0, 1:]]
