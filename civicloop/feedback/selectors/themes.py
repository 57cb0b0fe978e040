"""Themes: the human-reviewed themes of a survey's comments, their quotes and trends."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from civicloop.feedback.models import Answer, QuestionKind, Survey, Theme, ThemeRun


@dataclass(frozen=True)
class ThemeSummary:
    key: str
    label: str
    size: int
    share: float  # of the comments in the selection
    quotes: list[str]
    pinned: bool
    negative_share: float | None = None
    labels: list[dict[str, Any]] = field(default_factory=list)  # per language (Theme.labels)


def theme_summaries(answers: QuerySet[Answer], limit: int = 5) -> tuple[list[ThemeSummary], int]:
    comments = list(
        answers.filter(question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .values("theme_id", "text", "sentiment_label")
    )
    counts = Counter(c["theme_id"] for c in comments if c["theme_id"] is not None)
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=list(counts))}
    out = []
    for theme_id, size in counts.most_common(limit):
        theme = themes[theme_id]
        texts = [c["text"] for c in comments if c["theme_id"] == theme_id]
        negative = sum(
            1 for c in comments if c["theme_id"] == theme_id and c["sentiment_label"] == "negative"
        )
        preferred = [q for q in theme.quotes if q in texts]
        quotes = (preferred + [t for t in texts if t not in preferred])[:3]
        out.append(
            ThemeSummary(
                theme.key,
                theme.label,
                size,
                size / len(comments),
                quotes,
                theme.pinned,
                negative / size,
                list(theme.labels or []),
            )
        )
    return out, len(comments)


def survey_themes(*, survey: Survey) -> list[Theme]:
    return list(survey.themes.all())


def theme_comments(*, survey: Survey) -> QuerySet[Answer]:
    """The survey's comments (already redacted) with their theme, for the review page (which
    shows them a page at a time, grouped by theme)."""
    return (
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("theme", "response")
        .order_by("theme_id", "pk")
    )


def theme_trends(*, survey: Survey, by: str = "iteration") -> list[dict[str, Any]]:
    """Share of each theme among the comments of each iteration (or variant, or month)."""
    field_name = {
        "iteration": "response__iteration_key",
        "variant": "response__variant",
        "month": "response__submitted_at",
    }[by]
    rows = (
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .values("theme__label", field_name)
    )
    totals: Counter[str] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        group = row[field_name]
        group = group.strftime("%Y-%m") if by == "month" else (group or "(none)")
        totals[group] += 1
        counts[(row["theme__label"] or "(no theme)", group)] += 1
    return [
        {"theme": theme, "group": group, "comments": n, "share": n / totals[group]}
        for (theme, group), n in sorted(counts.items(), key=lambda i: (i[0][1], -i[1]))
    ]


def latest_theme_run(*, survey: Survey) -> ThemeRun | None:
    return survey.theme_runs.order_by("-created_at").first()
