import math
import socket

import numpy as np
import pytest

from civicloop.text import vectors as embed_module
from civicloop.text.vectors import backend_for, embed, model_available, tfidf

PAIRS = [
    ("The bus is always late in the morning", "El autobús siempre llega tarde por la mañana"),
    ("The park is full of rubbish", "El parque está lleno de basura"),
    ("I could not renew my passport online", "No pude renovar mi pasaporte en línea"),
    ("The staff at the office were very kind", "El personal de la oficina fue muy amable"),
]


def test_sockets_are_blocked_in_these_tests():
    with pytest.raises(Exception, match="[Ss]ocket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_model_loads_offline_and_gives_unit_vectors():
    assert model_available()
    vectors = embed(["hello", "hola", "hello"])
    assert vectors.shape == (3, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_translations_are_closer_than_other_topics():
    english = embed([en for en, _ in PAIRS])
    spanish = embed([es for _, es in PAIRS])
    similarity = english @ spanish.T
    for i in range(len(PAIRS)):
        others = np.delete(similarity[i], i)
        assert similarity[i, i] > 0.6
        assert similarity[i, i] > others.max() + 0.2


def test_languages_outside_the_model_use_tfidf():
    assert backend_for(["en", "es", "pt-BR", None]) == "use"
    assert backend_for(["en", "da"]) == "tfidf"


def test_tfidf_matches_the_closed_form():
    # Two documents; smooth idf = ln((1 + n) / (1 + df)) + 1, sublinear tf = 1 + ln(count).
    result = tfidf(["cat dog dog", "cat fish"])
    cat, dog, fish = (result.vocabulary[w] for w in ("cat", "dog", "fish"))
    idf_shared, idf_single = 1.0, math.log(3 / 2) + 1
    row0 = np.array([1.0 * idf_shared, (1 + math.log(2)) * idf_single])
    row0 /= np.linalg.norm(row0)
    dense = result.matrix.toarray()
    assert dense[0, cat] == pytest.approx(row0[0])
    assert dense[0, dog] == pytest.approx(row0[1])
    assert dense[0, fish] == 0
    assert dense[1, fish] == pytest.approx(idf_single / math.hypot(1.0, idf_single))


def test_falls_back_to_tfidf_without_the_model(monkeypatch):
    monkeypatch.setattr(embed_module, "_load_model", lambda: None)
    assert backend_for(["en"]) == "tfidf"
    vectors = embed(["bus late again", "bus late today", "park dirty rubbish"])
    assert vectors.shape[0] == 3
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.parametrize("columns", [400, 4500])  # exact Gram path, randomized path
def test_lsa_keeps_the_leading_singular_values(columns):
    # Against a dense reference for the same low-rank, half-zero matrix.
    import scipy.sparse as sp

    from civicloop.text.vectors import lsa

    rng = np.random.default_rng(4)
    dense = rng.random((300, 5)) @ rng.random((5, columns))
    dense[dense < np.quantile(dense, 0.5)] = 0
    reduced = lsa(sp.csr_matrix(dense), dim=20)
    # Singular values are the square roots of the eigenvalues of A A^T (300 x 300, cheap).
    expected = np.sqrt(np.clip(np.linalg.eigvalsh(dense @ dense.T), 0, None))[::-1][:20]
    got = np.linalg.svd(reduced.astype(np.float64), compute_uv=False)
    np.testing.assert_allclose(got[:5], expected[:5], rtol=1e-3)
