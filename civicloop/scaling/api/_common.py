"""What the scaling API operations share."""

from django.http import Http404

from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, acting_unit
from civicloop.core.selectors import organization_list_for
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem


def jurisdiction_for_edit(actor: Principal, pk: int | None) -> Organization | None:
    """A jurisdiction or agency of a unit where the actor edits scaling (404 otherwise)."""
    if pk is None:
        return None
    org = (
        organization_list_for(viewer=actor)
        .filter(
            pk=pk,
            kind__in=[OrganizationKind.JURISDICTION, OrganizationKind.AGENCY],
            unit_id__in=actor.units_with(Ability.EDIT_SCALING),
        )
        .first()
    )
    if org is None:
        raise Http404("Not found")
    return org


def problem_and_unit(
    actor: Principal, problem_id: int | None, unit_id: int | None
) -> tuple[Problem | None, Organization]:
    """The problem named (editable by the actor) and the unit the actor acts for.

    The unit is the one named, else the problem's, else the actor's only unit where it edits
    scaling (`core.permissions.acting_unit`: never silently the first of several).
    """
    problem = (
        portfolio_selectors.problem_get(viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING)
        if problem_id is not None
        else None
    )
    requested = unit_id if unit_id is not None else (problem.unit_id if problem else None)
    return problem, acting_unit(actor, Ability.EDIT_SCALING, requested)
