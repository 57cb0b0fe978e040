"""Function words kept out of theme labels, English and Spanish.

English: scikit-learn's `ENGLISH_STOP_WORDS` (the Glasgow Information Retrieval Group's list),
less four words that name public services ("bill", "call", "fire", "system"). Spanish: the
list of the PyPI package `stop-words` (BSD-3-Clause, docs/adr/0015-stop-word-lists.md), which
has verb forms such as "hizo" and numbers such as "tres" that a hand-made list missed. Both
with the project's own lists (data/stopwords_*.txt), each word also without its accents.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from stop_words import get_stop_words

from civicloop.text.redact import stopwords

# Words of scikit-learn's list that name a service or its problems in public-service comments.
SERVICE_WORDS = frozenset({"bill", "call", "fire", "system"})


def _without_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=1)
def label_stopwords() -> frozenset[str]:
    """Words a theme label never starts, ends or consists of (lower case)."""
    words = set(stopwords()) | (set(ENGLISH_STOP_WORDS) - SERVICE_WORDS)
    words |= {w.lower() for w in get_stop_words("es")}
    return frozenset(words | {_without_accents(w) for w in words})
