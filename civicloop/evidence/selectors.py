"""Reads of the evidence app, scoped by `core.permissions` through the portfolio's selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.evidence.inputs import impact_inputs_gather
from civicloop.evidence.models import EffectEstimate, SharedLinkView, SharedReportLink
from civicloop.evidence.report import ImpactReport, impact_report_build
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem


def impact_report_get(
    *, viewer: Principal, problem_id: int, service: str | None = None
) -> ImpactReport:
    """The impact report of a problem the viewer may see (404 otherwise)."""
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=problem_id)
    return impact_report_for_problem(problem=problem, service=service, viewer=viewer)


def impact_report_for_problem(
    *, problem: Problem, service: str | None = None, viewer: Principal | None = None
) -> ImpactReport:
    """The report without an access check on the problem: for shared links, which carry their
    own right (no viewer), and for `impact_report_get`, which checked it (its viewer)."""
    inputs = impact_inputs_gather(problem=problem, viewer=viewer)
    if service is not None:
        if service not in {s.name for s in inputs.services}:
            raise Http404("Not found")
        inputs = inputs.for_service(service)
    return impact_report_build(inputs)


def effect_estimate_list(
    *, viewer: Principal, problem_id: int | None = None
) -> QuerySet[EffectEstimate]:

    qs = EffectEstimate.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="problem__unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs


def shared_link_list(*, viewer: Principal, problem: Problem) -> QuerySet[SharedReportLink]:
    if problem.unit_id not in viewer.units_with(Ability.SHARE_REPORT):
        return SharedReportLink.objects.none()
    return SharedReportLink.objects.filter(problem=problem).order_by("-created_at")


def shared_link_get(*, viewer: Principal, pk: int) -> SharedReportLink:
    link = (
        SharedReportLink.objects.select_related("problem")
        .filter(pk=pk, problem__unit_id__in=viewer.units_with(Ability.SHARE_REPORT))
        .first()
    )
    if link is None:
        raise Http404("Not found")
    return link


def shared_link_views(
    *, viewer: Principal, link_id: int
) -> tuple[SharedReportLink, QuerySet[SharedLinkView]]:
    """A link the viewer may share (404 otherwise) and its views, newest first."""
    link = shared_link_get(viewer=viewer, pk=link_id)
    return link, SharedLinkView.objects.filter(link=link).order_by("-viewed_at", "-pk")
