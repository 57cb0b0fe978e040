"""What the scaling selectors share: the problem scope filter and 404 outside it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal, scope_q


def problem_scope(
    viewer: Principal, ability: Ability = Ability.VIEW_PORTFOLIO, prefix: str = "problem__"
) -> Q:
    return scope_q(
        viewer, ability, unit_field=f"{prefix}unit_id", agency_field=f"{prefix}owner_agency_id"
    )


def one_or_404(qs: QuerySet, pk: int):
    row = qs.filter(pk=pk).first()
    if row is None:
        raise Http404("Not found")
    return row
