"""Themes in free-text comments: clustering, key-phrase labels, quotes, and human edits.

`find_themes(texts, languages, edits)`:

1. embeds the comments (`embed`); languages the multilingual model serves share one vector
   space, so "the bus is late" and "el autobús llega tarde" meet; each other language is
   vectorised with TF-IDF and clustered on its own;
2. applies the people's decisions first (`ThemeEdits`): comments a person reassigned go where
   they were put, the members of accepted/renamed/merged/split themes stay in them, and a new
   comment joins a pinned theme when it is at least as close to the theme's centre as the
   theme's own members are (10th percentile of their similarity);
3. clusters what is left with k-means on unit vectors (a stand-in for spherical k-means), k by the
   silhouette (cosine) on a sample over k = 2..max_k (scikit-learn's `KMeans` and
   `silhouette_score`, seeded so a rerun gives the same themes);
4. labels each theme with its top key phrases by class-based TF-IDF (Grootendorst 2022,
   BERTopic, eq. 1: tf_{t,c} * log(1 + A / f_t)) and picks the quotes nearest its centre.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from civicloop.text.stopwords import label_stopwords
from civicloop.text.theme_data import Theme, ThemeEdits, ThemeResult
from civicloop.text.vectors import backend_for, embed, one_thread, tfidf, tokens

N_QUOTES = 3
N_KEYWORDS = 5
_SILHOUETTE_SAMPLE = 2000
_PAIR_SIMILARITY = 0.5
MODEL_BUDGET = 10_000
# Fewest comments of a language for its mean vector to stand for the language, not a topic.
LANGUAGE_MIN_ROWS = 10


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987) with cosine distance, scikit-learn's `silhouette_score`.

    -1 when there is a single cluster; 0 when every row is its own cluster (both undefined
    for scikit-learn, which raises).
    """
    n_clusters = len(np.unique(labels))
    if n_clusters < 2:
        return -1.0
    if n_clusters >= len(labels):
        return 0.0
    return float(silhouette_score(x, labels, metric="cosine"))


def spherical_kmeans(
    x: np.ndarray, k: int, *, seed: int = 0, n_iter: int = 40, n_init: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and unit centroids: scikit-learn's k-means (k-means++) on L2-normalised rows.

    scikit-learn has no spherical k-means; Euclidean k-means on unit rows is its usual stand-in
    (squared distance 1 - 2 cos + |centre|^2): the centres are means, not unit vectors, so near
    a boundary a row can go to another cluster than spherical k-means would send it. The
    centroids are normalised after the fit.
    """
    rows = normalize(np.asarray(x, dtype=np.float64))
    model = KMeans(
        n_clusters=k, init="k-means++", n_init=n_init, max_iter=n_iter, random_state=seed
    )
    with one_thread():
        labels = model.fit_predict(rows)
    return labels.astype(np.int64), normalize(model.cluster_centers_)


def choose_k(x: np.ndarray, *, max_k: int = 15, seed: int = 0) -> int:
    """k in 2..max_k with the highest silhouette on a sample of distinct rows (1 if < 3 rows)."""
    distinct = np.unique(np.round(x, 5), axis=0)
    if len(distinct) < 3:
        # Too few points for a silhouette: two comments are one theme when they are alike.
        if len(distinct) == 2 and float(distinct[0] @ distinct[1]) < _PAIR_SIMILARITY:
            return 2
        return 1
    rng = np.random.default_rng(seed)
    sample = distinct
    if len(sample) > _SILHOUETTE_SAMPLE:
        sample = sample[rng.choice(len(sample), _SILHOUETTE_SAMPLE, replace=False)]
    sample = sample / np.linalg.norm(sample, axis=1, keepdims=True)
    best_k, best_score = 1, -np.inf
    for k in range(2, min(max_k, len(sample) - 1) + 1):
        labels, _ = spherical_kmeans(sample, k, seed=seed)
        score = silhouette(sample, labels)
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return best_k


def _key_terms(doc: str) -> list[str]:
    stop = label_stopwords()
    words = tokens(doc)
    terms = [w for w in words if w not in stop and len(w) > 2]
    terms += [
        f"{a} {b}"
        for a, b in zip(words, words[1:], strict=False)
        if a not in stop and b not in stop
    ]
    return terms


def class_tfidf(documents: Sequence[Sequence[str]], *, top: int = N_KEYWORDS) -> list[list[str]]:
    """Top key phrases per class: tf_{t,c} / |c| * log(1 + A / f_t) over unigrams and bigrams.

    Terms are counted by scikit-learn's `CountVectorizer` over one document per class (its
    comments joined); the class-based weighting is BERTopic's, which scikit-learn lacks.
    """
    joined = list(documents)
    vectorizer = CountVectorizer(
        analyzer=lambda comments: [t for doc in comments for t in _key_terms(doc)],
        dtype=np.float64,
    )
    try:
        counts = vectorizer.fit_transform(joined).toarray()
    except ValueError:  # no term in any class
        return [[] for _ in documents]
    words_per_class = counts.sum(axis=1, keepdims=True)
    average = max(words_per_class.mean(), 1.0)
    frequency = counts.sum(axis=0)
    weights = counts / np.maximum(words_per_class, 1) * np.log(1 + average / frequency)
    names = vectorizer.get_feature_names_out()
    result = []
    for row in weights:
        order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0]
        picked: list[str] = []
        for j in order:
            term = str(names[j])
            if any(term in p or p in term for p in picked):
                continue
            picked.append(term)
            if len(picked) == top:
                break
        result.append(picked)
    return result


def find_themes(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    edits: ThemeEdits | None = None,
    *,
    ids: Sequence[str] | None = None,
    max_k: int = 15,
    k: int | None = None,
    seed: int = 0,
    vectors: np.ndarray | None = None,
    model_budget: int | None = MODEL_BUDGET,
) -> ThemeResult:
    """Group comments into labelled themes, with people's `edits` winning over the algorithm.

    `ids` are stable comment keys (database ids) that edits refer to; row numbers otherwise.
    `vectors` lets a caller pass embeddings it already computed (rows aligned with texts).
    `model_budget`: at most this many distinct texts go through the sentence encoder (a random
    sample); the other comments join the theme whose TF-IDF centroid they are closest to.
    None embeds everything.
    """
    with one_thread():
        return _find_themes(
            texts,
            languages,
            edits,
            ids=ids,
            max_k=max_k,
            k=k,
            seed=seed,
            vectors=vectors,
            model_budget=model_budget,
        )


def _find_themes(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    edits: ThemeEdits | None = None,
    *,
    ids: Sequence[str] | None = None,
    max_k: int = 15,
    k: int | None = None,
    seed: int = 0,
    vectors: np.ndarray | None = None,
    model_budget: int | None = MODEL_BUDGET,
) -> ThemeResult:
    started = time.perf_counter()
    stats: dict[str, float] = {"embedded": 0, "propagated": 0, "model_texts": 0}
    stats["seconds_model"] = 0.0
    n = len(texts)
    keys = [str(i) for i in (ids if ids is not None else range(n))]
    if len(keys) != n or (languages is not None and len(languages) != n):
        raise ValueError("ids and languages must have one entry per text")
    if len(set(keys)) != n:
        raise ValueError("ids must be unique")
    edits = edits or ThemeEdits()
    clean = [(t or "").strip() for t in texts]
    langs: list[str | None] = list(languages) if languages is not None else [None] * n
    groups, space = _vector_spaces(clean, langs, vectors, model_budget, seed, stats)
    stats["seconds_vectors"] = time.perf_counter() - started
    assignment = _edited_assignment(keys, clean, edits)
    themes_order = _cluster(groups, assignment, space, clean, edits, k, max_k, seed, stats)
    stats["seconds_total"] = time.perf_counter() - started
    themes = _labelled_themes(themes_order, assignment, clean, space, edits)
    _label_per_language(themes, themes_order, assignment, clean, langs, edits)
    return ThemeResult(themes=themes, assignments=assignment, keys=keys, stats=stats)


def _vector_spaces(
    clean: list[str],
    langs: list[str | None],
    vectors: np.ndarray | None,
    model_budget: int | None,
    seed: int,
    stats: dict[str, float],
) -> tuple[dict[str, list[int]], dict[int, tuple[str, np.ndarray]]]:
    """One space for the model's languages, one TF-IDF space per other language."""
    groups: dict[str, list[int]] = {}
    for i in (i for i in range(len(clean)) if clean[i]):
        backend = backend_for([langs[i]])
        group = "use" if backend == "use" else f"tfidf:{langs[i] or ''}"
        groups.setdefault(group, []).append(i)
    space: dict[int, tuple[str, np.ndarray]] = {}
    for group, members in groups.items():
        embedded = members
        if vectors is not None and group == "use":
            group_vectors = np.asarray(vectors, dtype=np.float32)[members]
        elif group == "use":
            embedded = _model_sample(members, clean, model_budget, seed)
            model_started = time.perf_counter()
            group_vectors = embed([clean[i] for i in embedded], backend="use")
            stats["model_texts"] = len({clean[i] for i in embedded})
            stats["seconds_model"] = time.perf_counter() - model_started
        else:
            group_vectors = embed([clean[i] for i in members], backend="tfidf")
        if group == "use":
            group_vectors = centre_languages(group_vectors, [langs[i] for i in embedded])
        for row, i in enumerate(embedded):
            space[i] = (group, group_vectors[row])
        stats["embedded"] += len(embedded)
    return groups, space


def centre_languages(
    vectors: np.ndarray, languages: Sequence[str | None], *, min_rows: int = LANGUAGE_MIN_ROWS
) -> np.ndarray:
    """Rows with their language's mean vector taken away, then L2-normalised again.

    A multilingual encoder puts a sentence's language in its vector as well as its meaning: the
    rows of one language share a mean direction, and k-means splits a topic by language along
    it. Subtracting each language's mean (Libovický, Rosa & Fraser 2020, "On the language
    neutrality of pre-trained multilingual representations") keeps the meaning and drops most
    of the language. Only when at least two languages have `min_rows` rows each: with one
    language, or a handful of rows of another, the mean is the topic, not the language.
    """
    bases = np.array([(lang or "").lower().replace("_", "-").split("-")[0] for lang in languages])
    counts = {b: int((bases == b).sum()) for b in set(bases.tolist()) if b}
    if sum(c >= min_rows for c in counts.values()) < 2:
        return vectors
    centred = np.asarray(vectors, dtype=np.float32).copy()
    for base, count in counts.items():
        if count >= min_rows:
            rows = bases == base
            centred[rows] -= centred[rows].mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norms == 0, 1.0, norms)


def _edited_assignment(keys: list[str], clean: list[str], edits: ThemeEdits) -> list[str | None]:
    """The theme of each comment that people placed (reassigned, or kept in a pinned theme)."""
    assignment: list[str | None] = [None] * len(keys)
    key_index = {key: i for i, key in enumerate(keys)}
    for key, target in edits.reassignments.items():
        if key in key_index and target in edits.pinned and clean[key_index[key]]:
            assignment[key_index[key]] = target
    for pinned in edits.pinned.values():
        for key in pinned.members:
            at = key_index.get(key)
            if at is not None and clean[at] and assignment[at] is None:
                assignment[at] = pinned.id
    return assignment


def _cluster(
    groups: dict[str, list[int]],
    assignment: list[str | None],
    space: dict[int, tuple[str, np.ndarray]],
    clean: list[str],
    edits: ThemeEdits,
    k: int | None,
    max_k: int,
    seed: int,
    stats: dict[str, float],
) -> list[str]:
    """Cluster the comments nobody placed, in each space; the theme ids in order."""
    themes_order: list[str] = list(edits.pinned)
    for members in groups.values():
        _attract(members, assignment, space, edits)
        free = [i for i in members if assignment[i] is None and i in space]
        if not free:
            stats["propagated"] += _propagate(members, assignment, clean)
            continue
        x = np.stack([space[i][1] for i in free])
        chosen_k = min(k, len(free)) if k is not None else choose_k(x, max_k=max_k, seed=seed)
        if chosen_k <= 1:
            labels = np.zeros(len(free), dtype=np.int64)
        else:
            labels, _ = spherical_kmeans(x, chosen_k, seed=seed)
        counts = np.bincount(labels)
        auto_base = len([t for t in themes_order if not t.startswith("h")])
        for rank, c in enumerate(np.argsort(-counts, kind="stable")):
            if counts[c] == 0:
                continue
            theme_id = f"t{auto_base + rank + 1}"
            themes_order.append(theme_id)
            for j in np.flatnonzero(labels == c):
                assignment[free[j]] = theme_id
        stats["propagated"] += _propagate(members, assignment, clean)
    return themes_order


def _labelled_themes(
    themes_order: list[str],
    assignment: list[str | None],
    clean: list[str],
    space: dict[int, tuple[str, np.ndarray]],
    edits: ThemeEdits,
) -> list[Theme]:
    """Each theme with its label (a person's, else its top key phrases) and quotes."""
    members_of: dict[str, list[int]] = {t: [] for t in themes_order}
    for i, assigned in enumerate(assignment):
        if assigned is not None:
            members_of[assigned].append(i)
    keywords = class_tfidf([[clean[i] for i in members_of[t]] for t in themes_order])
    themes = []
    for theme_id, words in zip(themes_order, keywords, strict=True):
        pin = edits.pinned.get(theme_id)
        label = (pin.label if pin else None) or ", ".join(words[:3]) or "(no key phrases)"
        themes.append(
            Theme(
                id=theme_id,
                label=label,
                size=len(members_of[theme_id]),
                quotes=_quotes(members_of[theme_id], clean, space),
                keywords=words,
                pinned=pin is not None,
            )
        )
    return themes


def _label_per_language(
    themes: list[Theme],
    themes_order: list[str],
    assignment: list[str | None],
    clean: list[str],
    langs: list[str | None],
    edits: ThemeEdits,
) -> None:
    """Each theme's label in each language of its comments, from that language's comments.

    A cross-lingual theme's combined label mixes words of its languages ("renewal, cobraron");
    pages show the label in the reader's language when the theme has comments in it, else the
    label of its main language marked as such. A label a person wrote is left as it is.
    """
    for language in sorted({lang for lang in langs if lang}):
        documents = [
            [clean[i] for i, a in enumerate(assignment) if a == t and langs[i] == language]
            for t in themes_order
        ]
        for theme, docs, words in zip(themes, documents, class_tfidf(documents), strict=True):
            pin = edits.pinned.get(theme.id)
            if docs and words and not (pin and pin.label):
                theme.labels.append(
                    {"language": language, "label": ", ".join(words[:3]), "comments": len(docs)}
                )
    for theme in themes:
        theme.labels.sort(key=lambda entry: (-entry["comments"], entry["language"]))


def _model_sample(members: list[int], clean: list[str], budget: int | None, seed: int) -> list[int]:
    """Comments to embed: all of them, or those whose text is in a sample of distinct texts."""
    distinct = list(dict.fromkeys(clean[i] for i in members))
    if budget is None or len(distinct) <= budget:
        return members
    chosen = set(random.Random(seed).sample(distinct, budget))  # noqa: S311 - sampling only
    return [i for i in members if clean[i] in chosen]


def _propagate(members: list[int], assignment: list[str | None], clean: list[str]) -> int:
    """Assign comments without a vector to the theme with the nearest TF-IDF centroid."""
    rest = [i for i in members if assignment[i] is None]
    labelled = [i for i in members if assignment[i] is not None]
    if not rest or not labelled:
        return 0
    matrix = tfidf([clean[i] for i in members]).matrix
    row_of = {i: r for r, i in enumerate(members)}
    theme_ids = sorted({t for i in labelled if (t := assignment[i]) is not None})
    column = {t: j for j, t in enumerate(theme_ids)}
    indicator = sp.csr_matrix(
        (
            np.ones(len(labelled)),
            ([column[assignment[i]] for i in labelled], np.arange(len(labelled))),  # type: ignore[index]
        ),
        shape=(len(theme_ids), len(labelled)),
    )
    centroids = (indicator @ matrix[[row_of[i] for i in labelled]]).toarray()
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids /= np.where(norms == 0, 1.0, norms)
    similarity = matrix[[row_of[i] for i in rest]] @ centroids.T
    best = np.asarray(similarity).argmax(axis=1)
    for row, i in enumerate(rest):
        assignment[i] = theme_ids[int(best[row])]
    return len(rest)


def _attract(
    members: list[int],
    assignment: list[str | None],
    space: dict[int, tuple[str, np.ndarray]],
    edits: ThemeEdits,
) -> None:
    free = [i for i in members if assignment[i] is None and i in space]
    if not free or not edits.pinned:
        return
    centres, thresholds, ids = [], [], []
    member_set = set(members)
    for pinned_id in edits.pinned:
        anchors = [i for i in member_set if assignment[i] == pinned_id and i in space]
        if not anchors:
            continue
        anchor_vectors = np.stack([space[i][1] for i in anchors])
        centre = anchor_vectors.mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        similarity = anchor_vectors @ centre
        centres.append(centre)
        thresholds.append(float(np.quantile(similarity, 0.1)) if len(anchors) > 1 else 0.8)
        ids.append(pinned_id)
    if not centres:
        return
    x = np.stack([space[i][1] for i in free])
    similarity = x @ np.stack(centres).T
    best = similarity.argmax(axis=1)
    for row, i in enumerate(free):
        if similarity[row, best[row]] >= thresholds[best[row]]:
            assignment[i] = ids[best[row]]


def _quotes(
    indices: list[int], clean: list[str], space: dict[int, tuple[str, np.ndarray]]
) -> list[str]:
    if not indices:
        return []
    by_group: dict[str, list[int]] = {}
    for i in indices:
        if i not in space:
            continue
        by_group.setdefault(space[i][0], []).append(i)
    scored: list[tuple[float, int]] = []
    for group_members in by_group.values():
        x = np.stack([space[i][1] for i in group_members])
        centre = x.mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        scored += [(float(s), i) for s, i in zip(x @ centre, group_members, strict=True)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    if not scored:  # no member has a vector (all were propagated): first comments instead
        scored = [(0.0, i) for i in indices]
    quotes: list[str] = []
    for _, i in scored:
        if clean[i] not in quotes:
            quotes.append(clean[i])
        if len(quotes) == N_QUOTES:
            break
    return quotes
