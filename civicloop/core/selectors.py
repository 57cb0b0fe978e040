"""Reads of core data for views and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from civicloop.core.models import ApiKey, AuditEvent, Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal


def organization_list_for(*, viewer: Principal, kind: str | None = None) -> QuerySet[Organization]:
    """Organisations the viewer belongs to, plus agencies and jurisdictions of their units."""
    own = viewer.organizations()
    qs = Organization.objects.filter(pk__in=own) | Organization.objects.filter(unit_id__in=own)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.distinct().order_by("name")


def agencies_for_unit(*, unit_id: int) -> QuerySet[Organization]:
    return Organization.objects.filter(unit_id=unit_id, kind=OrganizationKind.AGENCY).order_by(
        "name"
    )


def apikey_list(*, viewer: Principal) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(
        organization_id__in=viewer.units_with(Ability.MANAGE_API_KEYS)
    ).select_related("organization", "created_by")


def audit_event_list(*, viewer: Principal) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(organization_id__in=viewer.units_with(Ability.VIEW_AUDIT))
        .select_related("actor")
        .order_by("-sequence")
    )
