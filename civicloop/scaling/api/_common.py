"""What the scaling API operations share."""

from django.http import Http404

from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability


def jurisdiction_for_edit(actor, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    org = Organization.objects.filter(
        pk=pk,
        kind__in=[OrganizationKind.JURISDICTION, OrganizationKind.AGENCY],
        unit_id__in=actor.units_with(Ability.EDIT_SCALING),
    ).first()
    if org is None:
        raise Http404("Not found")
    return org
