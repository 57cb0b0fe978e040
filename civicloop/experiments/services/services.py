"""Writes on public services: register one, share it with vendors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    Channel,
    Service,
)
from civicloop.experiments.services._common import validated
from civicloop.portfolio.models import Kpi, Problem

SERVICE_FIELDS = [
    "name",
    "description",
    "channels",
    "annual_volume",
    "cost_per_transaction",
    "currency",
    "owner_agency",
]


def _money(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"cost_per_transaction": _("Write the cost as a number, e.g. 12.50.")}
        ) from None
    if value < 0:
        raise ValidationError({"cost_per_transaction": _("The cost cannot be negative.")})
    return value.quantize(Decimal("0.01"))


def _check_service_links(
    service: Service, problems: list[Problem], kpis: list[Kpi], shared_with: list[Organization]
) -> None:
    if any(p.unit_id != service.unit_id for p in problems):
        raise ValidationError({"problems": _("Problems must be in the same unit's portfolio.")})
    if any(k.problem.unit_id != service.unit_id for k in kpis):
        raise ValidationError({"kpis": _("KPIs must belong to problems of the same unit.")})
    if any(o.kind != OrganizationKind.COMPANY for o in shared_with):
        raise ValidationError({"shared_with": _("Services are shared with vendors (companies).")})


@transaction.atomic
def service_create(
    *,
    actor: Principal,
    unit: Organization,
    owner_agency: Organization,
    name: str,
    annual_volume: int,
    cost_per_transaction: Decimal | str | float,
    currency: str = "EUR",
    channels: list[str] | None = None,
    description: str = "",
    problems: list[Problem] | None = None,
    kpis: list[Kpi] | None = None,
    shared_with: list[Organization] | None = None,
) -> Service:
    """Register a public service the unit is improving."""
    require(actor, Ability.MANAGE_EXPERIMENTS, unit.pk)
    if owner_agency.kind != OrganizationKind.AGENCY or owner_agency.unit_id != unit.pk:
        raise ValidationError(
            {"owner_agency": _("The owning agency must be an agency this unit works with.")}
        )
    channels = list(dict.fromkeys(channels or []))
    bad = [c for c in channels if c not in Channel.values]
    if bad:
        raise ValidationError(
            {
                "channels": _("Unknown channel %(bad)s; choose from %(value)s.")
                % {"bad": repr(bad[0]), "value": ", ".join(Channel.values)}
            }
        )
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"currency": _("Use a three-letter ISO 4217 code such as EUR.")})
    service = Service(
        unit=unit,
        owner_agency=owner_agency,
        name=name.strip(),
        description=description.strip(),
        channels=channels,
        annual_volume=annual_volume,
        cost_per_transaction=_money(cost_per_transaction),
        currency=currency,
    )
    validated(service)
    service.save()
    _check_service_links(service, problems or [], kpis or [], shared_with or [])
    service.problems.set(problems or [])
    service.kpis.set(kpis or [])
    service.shared_with.set(shared_with or [])
    audit_record(
        actor=actor,
        action=ExperimentsEvent.SERVICE_CREATED,
        obj=service,
        organization=unit,
        after=model_snapshot(service, SERVICE_FIELDS),
    )
    return service


@transaction.atomic
def service_share(
    *, actor: Principal, service: Service, organizations: list[Organization]
) -> Service:
    """Set the vendors who may see the service, its iterations and results."""
    require(actor, Ability.MANAGE_EXPERIMENTS, service.unit_id)
    _check_service_links(service, [], [], organizations)
    before = sorted(service.shared_with.values_list("pk", flat=True))
    service.shared_with.set(organizations)
    audit_record(
        actor=actor,
        action=ExperimentsEvent.SERVICE_SHARED,
        obj=service,
        organization=service.unit_id,
        before={"shared_with": before},
        after={"shared_with": sorted(o.pk for o in organizations)},
    )
    return service
