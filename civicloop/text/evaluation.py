"""Quality of themes and sentiment on labelled English and Spanish service comments.

The labelled set (`tests/data/service_comments.tsv`, 160 comments: 80 English, each with a
Spanish line that says the same) carries a topic and a sentiment per comment, labelled by
reading. A second set (`service_comments_heldout.tsv`, 40 comments) was written before the
sentiment lexicon was extended and not looked at while extending it. `measure()` scores the
library against a set with scikit-learn's metrics:

- sentiment: accuracy and macro-F1 over negative / neutral / positive;
- themes: adjusted Rand index (Hubert & Arabie 1985) of the themes against the topics, and the
  share of English/Spanish pairs that land in the same theme.

Rerun: `python -m civicloop.text.evaluation` (prints the figures as JSON).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from importlib import resources

from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score

from civicloop.text.sentiment import sentiment
from civicloop.text.themes import find_themes


@dataclass(frozen=True)
class LabelledComment:
    pair: int
    language: str
    topic: str
    sentiment: str
    text: str


@dataclass(frozen=True)
class Quality:
    comments: int
    sentiment_accuracy: float
    sentiment_macro_f1: float
    themes: int
    themes_ari: float
    pairs_together: float


def labelled_comments(name: str = "service_comments.tsv") -> list[LabelledComment]:
    """A labelled set shipped with the package's tests (`service_comments_heldout.tsv` too)."""
    path = resources.files("civicloop.text").joinpath("tests", "data", name)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return [
        LabelledComment(
            int(row["pair"]), row["language"], row["topic"], row["sentiment"], row["text"]
        )
        for row in csv.DictReader(lines, delimiter="\t")
    ]


def measure(comments: list[LabelledComment] | None = None, *, seed: int = 0) -> Quality:
    """Sentiment accuracy and macro-F1, and the themes' agreement with the topics."""
    comments = comments if comments is not None else labelled_comments()
    truth = [c.sentiment for c in comments]
    predicted = [sentiment(c.text, c.language).label for c in comments]
    result = find_themes([c.text for c in comments], [c.language for c in comments], seed=seed)
    theme_of: dict[int, set[str | None]] = {}
    for comment, theme in zip(comments, result.assignments, strict=True):
        theme_of.setdefault(comment.pair, set()).add(theme)
    pairs = [themes for themes in theme_of.values()]
    return Quality(
        comments=len(comments),
        sentiment_accuracy=round(float(accuracy_score(truth, predicted)), 3),
        sentiment_macro_f1=round(float(f1_score(truth, predicted, average="macro")), 3),
        themes=len(result.themes),
        themes_ari=round(
            float(adjusted_rand_score([c.topic for c in comments], result.assignments)), 3
        ),
        pairs_together=round(sum(len(t) == 1 for t in pairs) / max(len(pairs), 1), 3),
    )


if __name__ == "__main__":
    for name in ("service_comments.tsv", "service_comments_heldout.tsv"):
        print(name, json.dumps(asdict(measure(labelled_comments(name))), indent=2))
