"""Reads of the portal: public summaries (staff's, scoped; the public's, published only) and
the public home page's sections, each one query shape so pages run a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Decision
from civicloop.market import selectors as market_selectors
from civicloop.portal.models import PublicSummary, SummaryStatus
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors as scaling_selectors

HOME_ITEMS = 5


def summary_list(*, viewer: Principal) -> QuerySet[PublicSummary]:
    """Summaries (drafts and published) of the units where the viewer runs experiments."""
    units = sorted(viewer.units_with(Ability.MANAGE_EXPERIMENTS))
    return PublicSummary.objects.filter(unit_id__in=units).order_by("-updated_at", "-pk")


def summary_get(*, viewer: Principal, pk: int) -> PublicSummary:
    """One summary of the viewer's units; 404 for anyone else (another unit's included)."""
    summary = summary_list(viewer=viewer).filter(pk=pk).first()
    if summary is None:
        raise Http404("Not found")
    return summary


def decisions_to_summarise(*, viewer: Principal) -> QuerySet[Decision]:
    """Decided iterations of the viewer's units that have no public summary yet, newest first
    (a queryset, so pages read one slice and count in SQL)."""
    return experiments_selectors.decision_list_managed(viewer=viewer).filter(
        iteration__public_summary__isnull=True
    )


def decision_get_managed(*, viewer: Principal, pk: int) -> Decision:
    decision = experiments_selectors.decision_list_managed(viewer=viewer).filter(pk=pk).first()
    if decision is None:
        raise Http404("Not found")
    return decision


# --- public reads: no viewer, published only ----------------------------------------------


def summary_list_public() -> QuerySet[PublicSummary]:
    return PublicSummary.objects.filter(status=SummaryStatus.PUBLISHED).select_related("unit")


def summary_get_public(*, pk: int) -> PublicSummary:
    summary = summary_list_public().filter(pk=pk).first()
    if summary is None:
        raise Http404("Not found")
    return summary


@dataclass(frozen=True)
class PortalHome:
    challenges: list[Any]
    problems: list[Any]
    summaries: list[PublicSummary]
    awards: list[Any]
    sandboxes: list[Any]


def portal_home() -> PortalHome:
    """The first few public objects of each kind, for the portal's home page."""
    return PortalHome(
        challenges=list(market_selectors.challenge_list_open_public()[:HOME_ITEMS]),
        problems=list(portfolio_selectors.problem_list_public()[:HOME_ITEMS]),
        summaries=list(summary_list_public()[:HOME_ITEMS]),
        awards=list(market_selectors.award_list_published()[:HOME_ITEMS]),
        sandboxes=list(scaling_selectors.sandbox_public_list()[:HOME_ITEMS]),
    )
