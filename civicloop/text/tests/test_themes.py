import json

import numpy as np
import pytest

from civicloop.text import vectors as embed_module
from civicloop.text.corpus import synthetic_comments
from civicloop.text.themes import (
    ThemeEdits,
    class_tfidf,
    find_themes,
    silhouette,
    spherical_kmeans,
)

PARAPHRASES = {
    "bus": [
        "The bus is always late in the morning",
        "El autobús siempre llega tarde por la mañana",
        "Buses never arrive on time",
        "Los autobuses nunca llegan a su hora",
    ],
    "trash": [
        "The park is full of rubbish and litter",
        "El parque está lleno de basura",
        "The bins in the park are overflowing with trash",
        "Los contenedores del parque rebosan de basura",
    ],
    "passport": [
        "I could not renew my passport online",
        "No pude renovar mi pasaporte en línea",
        "Renewing my passport on the website was impossible",
        "Renovar el pasaporte en la web fue imposible",
    ],
}


def test_silhouette_by_hand():
    # Cosine distances: d12 = 0.4, d13 = 1, d23 = 0.2. s1 = (1 - .4)/1 = .6,
    # s2 = (.2 - .4)/.4 = -.5, s3 = 0 (singleton); mean = 0.1 / 3.
    x = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    assert silhouette(x, np.array([0, 0, 1])) == pytest.approx(0.1 / 3)
    separated = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert silhouette(separated, np.array([0, 0, 1, 1])) == pytest.approx(1.0)


def test_kmeans_recovers_well_separated_groups():
    rng = np.random.default_rng(1)
    centres = np.eye(4)[:3]
    x = np.repeat(centres, 30, axis=0) + rng.normal(0, 0.05, (90, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels, _ = spherical_kmeans(x, 3, seed=0)
    for block in range(3):
        assert len(set(labels[block * 30 : (block + 1) * 30])) == 1
    assert len(set(labels)) == 3


def test_class_tfidf_prefers_words_distinctive_to_a_theme():
    keywords = class_tfidf(
        [["bus late", "bus late again", "bus stop"], ["park rubbish", "park late litter"]]
    )
    assert keywords[0][0] == "bus"
    assert keywords[1][0] == "park"
    assert "late" not in keywords[1][:2]


def test_english_and_spanish_comments_on_one_topic_share_a_theme():
    texts = [t for group in PARAPHRASES.values() for t in group]
    result = find_themes(texts, ["en", "es", "en", "es"] * 3)
    by_topic = [set(result.assignments[i * 4 : i * 4 + 4]) for i in range(3)]
    for ids in by_topic:
        assert len(ids) == 1
    assert len(set.union(*by_topic)) == 3
    bus_id = next(iter(by_topic[0]))
    assert bus_id is not None  # paraphrases are themed, not left as noise
    bus = result.theme(bus_id)
    assert bus.size == 4
    assert len(bus.quotes) == 3
    assert any(word in bus.keywords for word in ("bus", "autobús", "buses", "autobuses"))


def test_empty_comments_get_no_theme():
    result = find_themes(["The bus is late", "", None, "El autobús llega tarde", "  "])
    assert result.assignments[1] is None
    assert result.assignments[2] is None
    assert result.assignments[4] is None
    assert result.assignments[0] == result.assignments[3]


def test_human_edits_survive_a_rerun():
    texts, languages, _ = synthetic_comments(150, seed=5, pii_rate=0)
    ids = [f"c{i}" for i in range(len(texts))]
    first = find_themes(texts, languages, ids=ids)
    auto = [t.id for t in first.themes]
    assert len(auto) >= 4
    edits = ThemeEdits()
    renamed = edits.rename(first, auto[0], "Buses late")
    merged = edits.merge(first, [auto[1], auto[2]], label="Merged by staff")
    merged_members = set(first.members(auto[1])) | set(first.members(auto[2]))
    moved = first.members(auto[3])[0]
    edits.reassign(first, moved, renamed)
    stored = json.loads(json.dumps(edits.to_dict()))

    # Re-run on the same comments plus new ones, with a different seed and the stored edits.
    more, more_languages, _ = synthetic_comments(40, seed=99, pii_rate=0)
    second = find_themes(
        texts + more,
        languages + more_languages,
        ThemeEdits.from_dict(stored),
        ids=ids + [f"n{i}" for i in range(len(more))],
        seed=3,
    )
    assert second.theme(renamed).label == "Buses late"
    assert second.theme(renamed).pinned
    assert second.theme(merged).label == "Merged by staff"
    assert merged_members <= set(second.members(merged))
    assert moved in second.members(renamed)
    renamed_before = set(first.members(auto[0])) | {moved}
    assert renamed_before <= set(second.members(renamed))
    # New comments like the renamed theme's members join it.
    new_in_renamed = [k for k in second.members(renamed) if k.startswith("n")]
    assert new_in_renamed
    assert not {t.id for t in second.themes if not t.pinned} & {renamed, merged}


def test_split_makes_two_pinned_themes():
    texts = [t for group in PARAPHRASES.values() for t in group]
    first = find_themes(texts, k=1)
    assert len(first.themes) == 1
    edits = ThemeEdits()
    english, spanish = ["0", "2", "4"], ["1", "3", "5"]
    a, b = edits.split(first, first.themes[0].id, [english, spanish], ["English", "Spanish"])
    second = find_themes(texts, edits=edits, k=1)
    assert set(second.members(a)) >= set(english)
    assert set(second.members(b)) >= set(spanish)
    assert second.theme(a).label == "English"


def test_themes_without_the_model_still_work(monkeypatch):
    monkeypatch.setattr(embed_module, "_load_model", lambda: None)
    texts = ["bus late again", "bus late morning", "park rubbish litter", "park rubbish bins"]
    result = find_themes(texts, k=2)
    assert result.assignments[0] == result.assignments[1]
    assert result.assignments[2] == result.assignments[3]
    assert result.assignments[0] != result.assignments[2]


def test_rejects_misaligned_inputs():
    with pytest.raises(ValueError, match="languages"):
        find_themes(["a", "b"], ["en"])
    with pytest.raises(ValueError, match="unique"):
        find_themes(["a", "b"], ids=["x", "x"])


def test_comments_beyond_the_model_budget_join_by_tfidf():
    texts = [t for group in PARAPHRASES.values() for t in group]
    extra = [
        "The bus was late again today",
        "El autobús llegó tarde otra vez",
        "More rubbish in the park this week",
        "Basura en el parque otra vez",
        "Passport renewal online failed again",
        "El pasaporte en línea no funciona",
    ]
    result = find_themes(texts + extra, model_budget=12, seed=1)
    assert result.stats["embedded"] == 12
    assert result.stats["propagated"] == 6
    topic_of: dict[str, set[str | None]] = {}
    for index, topic in enumerate(t for t in PARAPHRASES for _ in range(4)):
        topic_of.setdefault(topic, set()).add(result.assignments[index])
    by_topic = {topic: ids for topic, ids in topic_of.items()}
    expected = ["bus", "bus", "trash", "trash", "passport", "passport"]
    # Most propagated comments reach the theme holding their topic's embedded members.
    hits = sum(result.assignments[12 + j] in by_topic[topic] for j, topic in enumerate(expected))
    assert hits >= 5


def test_edits_survive_when_most_comments_skip_the_model():
    texts, languages, _ = synthetic_comments(150, seed=6, pii_rate=0)
    ids = [f"c{i}" for i in range(len(texts))]
    first = find_themes(texts, languages, ids=ids, model_budget=40)
    assert first.stats["propagated"] > 50
    edits = ThemeEdits()
    target = first.themes[0].id
    renamed = edits.rename(first, target, "Kept by staff")
    second = find_themes(texts, languages, edits, ids=ids, model_budget=40, seed=8)
    assert second.theme(renamed).label == "Kept by staff"
    assert set(first.members(target)) <= set(second.members(renamed))
    assert second.theme(renamed).quotes


def test_a_rerun_with_the_same_seed_gives_the_same_themes():
    texts, languages, _ = synthetic_comments(400, seed=5)
    first = find_themes(texts, languages, seed=3)
    second = find_themes(texts, languages, seed=3)
    assert first.assignments == second.assignments
    assert [t.label for t in first.themes] == [t.label for t in second.themes]
    assert [t.quotes for t in first.themes] == [t.quotes for t in second.themes]


def test_kmeans_and_silhouette_match_written_out_versions_on_separated_groups():
    # Spherical Lloyd iterations on the cosine, started from scikit-learn's centres, keep its
    # partition when the groups are separated (near boundaries the two may differ).
    rng = np.random.default_rng(7)
    centres = np.eye(6)[:4] + 0.3
    x = np.repeat(centres, 25, axis=0) + rng.normal(0, 0.15, (100, 6))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels, centroids = spherical_kmeans(x, 4, seed=0)
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0)
    reference = (x @ centroids.T).argmax(axis=1)
    for _ in range(20):
        sums = np.stack([x[reference == c].sum(axis=0) for c in range(4)])
        ref_centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        reference = (x @ ref_centroids.T).argmax(axis=1)
    assert (labels[:, None] == labels[None, :]).tolist() == (
        reference[:, None] == reference[None, :]
    ).tolist()
    # Silhouette written out (Rousseeuw 1987) on cosine distance.
    d = 1 - x @ x.T
    s = []
    for i in range(len(x)):
        own = labels == labels[i]
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == c].mean() for c in set(labels.tolist()) - {labels[i]})
        s.append((b - a) / max(a, b))
    assert silhouette(x, labels) == pytest.approx(np.mean(s), rel=1e-9)
