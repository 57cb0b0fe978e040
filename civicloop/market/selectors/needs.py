"""Needs intake: the needs a viewer may see, and alike needs of different agencies."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal
from civicloop.market import similarity
from civicloop.market.models import Need, NeedStatus


def need_list(*, viewer: Principal) -> QuerySet[Need]:
    """Needs of the viewer's units, or of the viewer's own agency for officials."""
    condition = Q(unit_id__in=sorted(viewer.units_with(Ability.VIEW_MARKET)))
    agencies = viewer.agencies_with(Ability.SUBMIT_NEED)
    if agencies:
        condition |= Q(agency_id__in=sorted(agencies))
    return Need.objects.filter(condition).select_related("agency", "problem", "challenge")


@dataclass(frozen=True)
class SimilarNeeds:
    first: Need
    second: Need
    similarity: float


def need_similar_pairs(*, viewer: Principal, threshold: float = 0.2) -> list[SimilarNeeds]:
    """Open needs of different agencies that read alike (TF-IDF cosine), most similar first."""
    needs = list(
        Need.objects.filter(
            unit_id__in=sorted(viewer.units_with(Ability.MANAGE_MARKET)),
            status=NeedStatus.OPEN,
        )
        .select_related("agency")
        .order_by("pk")
    )
    texts = [f"{n.title} {n.what_is_wrong} {n.who_is_affected}" for n in needs]
    return [
        SimilarNeeds(needs[i], needs[j], round(s, 3))
        for i, j, s in similarity.similar_pairs(texts, threshold)
        if needs[i].agency_id != needs[j].agency_id and needs[i].unit_id == needs[j].unit_id
    ]


def need_agencies(*, viewer: Principal) -> list[Organization]:
    """The agencies the viewer may submit needs for: their own (officials) and those working
    with the units whose market they manage."""
    return list(
        Organization.objects.filter(pk__in=viewer.agencies_with(Ability.SUBMIT_NEED))
        | Organization.objects.filter(
            unit_id__in=viewer.units_with(Ability.MANAGE_MARKET), kind=OrganizationKind.AGENCY
        )
    )
