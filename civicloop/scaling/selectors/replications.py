"""Reads of replications and their comparison with the original effect."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from civicloop.core.permissions import Principal
from civicloop.scaling.models import (
    Replication,
)
from civicloop.scaling.projection import (
    ReplicationComparison,
    compare_replication,
)
from civicloop.scaling.selectors._common import problem_scope


def replication_list(*, viewer: Principal, problem_id: int | None = None) -> QuerySet[Replication]:
    qs = Replication.objects.filter(problem_scope(viewer)).select_related(
        "original", "jurisdiction", "experiment"
    )
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs.order_by("problem_id", "completed_on", "pk")


@dataclass(frozen=True)
class ReplicationVerdict:
    """Whether a replication confirms the original: the one answer the page, the API and the
    count on the effect (Nesta level 4) all read."""

    comparison: ReplicationComparison
    independent: bool

    @property
    def consistent(self) -> bool:
        """Same sign, significant on its own and not significantly different from the original."""
        return self.comparison.consistent

    @property
    def confirms(self) -> bool:
        """Counts towards the evidence level: consistent and run by an independent team."""
        return self.independent and self.comparison.consistent


def replication_verdict(replication: Replication) -> ReplicationVerdict:
    return ReplicationVerdict(replication_compare(replication), replication.independent)


def replication_compare(replication: Replication) -> ReplicationComparison:
    o = replication.original
    return compare_replication(
        original=o.estimate,
        original_se=o.std_error,
        replication=replication.estimate,
        replication_se=replication.std_error,
    )
