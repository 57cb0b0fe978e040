"""Reads of decisions."""

from __future__ import annotations

from civicloop.experiments.models import (
    Decision,
    Iteration,
)


def decision_for(*, iteration: Iteration) -> Decision | None:
    return Decision.objects.filter(iteration=iteration).prefetch_related("cited_results").first()
