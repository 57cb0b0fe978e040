"""Partner organisations of a unit: agencies, companies, jurisdictions, research bodies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.models import (
    Organization,
    OrganizationKind,
)
from civicloop.core.permissions import (
    SYSTEM,
    Principal,
    is_operator,
    require_manages,
    require_people_manager,
)
from civicloop.core.services import (
    organization_create,
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def partner_organization_create(
    *,
    actor: Principal,
    kind: str,
    name: str,
    unit: Organization | None = None,
    country: str = "",
    population: int | None = None,
    sme_size: str = "",
) -> Organization:
    """Create an agency, company, jurisdiction or research body of a unit (units: operators)."""
    require_people_manager(actor)
    if not name.strip():
        raise ValidationError({"name": _("Enter the organisation's name.")})
    if kind == OrganizationKind.UNIT:
        if not (actor is SYSTEM or is_operator(actor)):
            raise ValidationError({"kind": _("Only operators can create a transformation unit.")})
        unit = None
    elif kind in OrganizationKind.values:
        if unit is None:
            raise ValidationError({"unit": _("Choose the unit this organisation works with.")})
        require_manages(actor, unit)
        if unit.kind != OrganizationKind.UNIT:
            raise ValidationError({"unit": _("Choose a transformation unit.")})
    else:
        raise ValidationError({"kind": _("Choose what kind of organisation this is.")})
    if population is not None and kind != OrganizationKind.JURISDICTION:
        raise ValidationError({"population": _("Only a jurisdiction has a population.")})
    if sme_size and kind != OrganizationKind.COMPANY:
        raise ValidationError({"sme_size": _("Only a company has a size.")})
    return organization_create(
        actor=actor,
        kind=kind,
        name=name,
        slug=_unique_slug(name),
        unit=unit,
        population=population,
        sme_size=sme_size,
        country=country.strip().upper(),
    )
