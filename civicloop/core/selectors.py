"""Reads of core data for views and the API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicloop.core.models import ApiKey, AuditEvent, Organization, OrganizationKind, Person
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


def audit_event_list(
    *,
    viewer: Principal,
    actor_id: int | None = None,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit events of the viewer's units, newest first, narrowed by the filters given.

    ``since`` and ``until`` are whole days (both included) in the viewer's time zone.
    """
    qs = AuditEvent.objects.filter(organization_id__in=viewer.units_with(Ability.VIEW_AUDIT))
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    zone = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(occurred_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        qs = qs.filter(occurred_at__lte=datetime.combine(until, time.max, tzinfo=zone))
    return qs.select_related("actor").order_by("-sequence")


def audit_event_get(*, viewer: Principal, sequence: int) -> AuditEvent | None:
    """One audit event of the viewer's units (None outside them)."""
    return audit_event_list(viewer=viewer).filter(sequence=sequence).first()


def audit_filter_choices(*, viewer: Principal) -> dict[str, list[Any]]:
    """The actors, actions and object types that occur in the viewer's audit log."""
    qs = AuditEvent.objects.filter(organization_id__in=viewer.units_with(Ability.VIEW_AUDIT))
    people = (
        Person.objects.filter(pk__in=qs.exclude(actor=None).values("actor_id"))
        .order_by("full_name", "email")
        .distinct()
    )
    return {
        "actors": list(people),
        "actions": sorted(set(qs.values_list("action", flat=True).distinct())),
        "object_types": sorted(
            set(qs.exclude(object_type="").values_list("object_type", flat=True).distinct())
        ),
    }
