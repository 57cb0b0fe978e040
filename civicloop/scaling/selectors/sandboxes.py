"""Reads of regulatory sandboxes: the unit's own, and the public registry."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.scaling.models import (
    Sandbox,
    SandboxStatus,
)
from civicloop.scaling.selectors._common import one_or_404

PUBLIC_STATUSES = [SandboxStatus.ACTIVE, SandboxStatus.EXTENDED, SandboxStatus.EXITED]


def sandbox_list(*, viewer: Principal) -> QuerySet[Sandbox]:
    return Sandbox.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")


def sandbox_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> Sandbox:
    qs = Sandbox.objects.filter(
        scope_q(viewer, ability, unit_field="unit_id", agency_field="problem__owner_agency_id")
    )
    return one_or_404(qs.select_related("problem", "unit"), pk)


def sandbox_titles(*, viewer: Principal, ids: list[int]) -> dict[int, str]:
    """Titles of the sandboxes among `ids` that the viewer may see, in one query."""
    return dict(sandbox_list(viewer=viewer).filter(pk__in=ids).values_list("pk", "title"))


def sandbox_public_list() -> QuerySet[Sandbox]:
    """The public registry: published sandboxes that were agreed (no applications, no names)."""
    return (
        Sandbox.objects.filter(published=True, status__in=PUBLIC_STATUSES)
        .select_related("unit")
        .prefetch_related("learnings", "reports")
        .order_by("-starts_on", "title")
    )


def sandbox_public_get(*, slug: str) -> Sandbox:
    sandbox = sandbox_public_list().filter(slug=slug).first()
    if sandbox is None:
        raise Http404("Not found")
    return sandbox
