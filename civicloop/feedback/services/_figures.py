"""What the writes of this app tell the stored figures (ADR 0019): a survey's inputs changed."""

from __future__ import annotations

from collections.abc import Iterable

from civicloop.core.aggregates import aggregate_invalidate, aggregate_invalidate_prefix
from civicloop.feedback.selectors.summary import SURVEY_KIND, WEEKLY_KIND


def survey_figures_invalidate(survey_ids: Iterable[int]) -> None:
    """Call inside the write's transaction; one recompute per survey is enqueued after commit."""
    for pk in sorted(set(survey_ids)):
        aggregate_invalidate(SURVEY_KIND, pk)
        aggregate_invalidate_prefix(WEEKLY_KIND, f"{pk}@")
