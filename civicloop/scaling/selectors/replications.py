"""Reads of replications and their comparison with the original effect."""

from __future__ import annotations

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
    return qs


def replication_compare(replication: Replication) -> ReplicationComparison:
    o = replication.original
    return compare_replication(
        original=o.estimate,
        original_se=o.std_error,
        replication=replication.estimate,
        replication_se=replication.std_error,
    )
