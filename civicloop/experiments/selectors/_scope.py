"""Which services a viewer may see: the one scope every experiments read starts from."""

from __future__ import annotations

from django.db.models import Q

from civicloop.core.models import Role
from civicloop.core.permissions import Ability, Principal, scope_q


def service_scope(viewer: Principal, prefix: str = "") -> Q:
    condition = scope_q(
        viewer,
        Ability.VIEW_PORTFOLIO,
        unit_field=f"{prefix}unit_id",
        agency_field=f"{prefix}owner_agency_id",
    )
    vendors = viewer.organizations([Role.VENDOR])
    if vendors:
        condition |= Q(**{f"{prefix}shared_with__in": sorted(vendors)})
    return condition
