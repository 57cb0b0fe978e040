"""Surveys a viewer may read, and the open survey a citizen answers by its public address."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.feedback.models import Response, Survey, SurveyStatus
from civicloop.portfolio.models import Problem


def visible_surveys(
    viewer: Principal, ability: Ability = Ability.VIEW_FEEDBACK
) -> QuerySet[Survey]:
    """The surveys on which `viewer` holds `ability` (their unit's, or their agency's)."""
    return Survey.objects.filter(
        scope_q(viewer, ability, unit_field="unit_id", agency_field="agency_id")
    )


def survey_list(*, viewer: Principal, counts: bool = True) -> QuerySet[Survey]:
    """Surveys a viewer may read, with their response counts (`n_responses`) unless `counts`
    is False (the feedback page reads the counts stored with each survey's figures)."""
    surveys = visible_surveys(viewer).select_related("problem").order_by("-created_at")
    if not counts:
        return surveys
    # A correlated count per survey (on the survey_id index), not a join and GROUP BY over
    # every response: a page then counts only its own surveys' responses.
    per_survey = (
        Response.objects.filter(survey_id=OuterRef("pk"))
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return surveys.annotate(
        n_responses=Coalesce(Subquery(per_survey, output_field=IntegerField()), Value(0))
    )


def problem_surveys(*, viewer: Principal | None, problem: Problem) -> QuerySet[Survey]:
    """The surveys of a problem in the problem's own unit; with a viewer, those they may read.

    Without a viewer: the holder of a report share link, a right staff granted on this one
    problem's report (evidence.selectors.impact_report_for_problem).
    """
    surveys = Survey.objects.filter(problem=problem, unit_id=problem.unit_id)
    if viewer is not None:
        surveys = surveys.filter(pk__in=visible_surveys(viewer).values("pk"))
    return surveys


def survey_get(*, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_FEEDBACK) -> Survey:
    survey = (
        visible_surveys(viewer, ability)
        .select_related("unit", "problem", "feeds_kpi")
        .filter(pk=pk)
        .first()
    )
    if survey is None:
        raise Http404("Not found")
    return survey


def survey_public(*, slug: str) -> Survey:
    """An open survey by its public address (no login)."""
    survey = Survey.objects.filter(slug=slug, status=SurveyStatus.OPEN).first()
    if survey is None:
        raise Http404("Not found")
    return survey


def respondent_count(*, survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()


def survey_problem_choices(*, viewer: Principal, unit: Organization) -> QuerySet[Problem]:
    """The problems of `unit` a new survey may be about (the unit's own, by title)."""
    if unit.pk not in viewer.units_with(Ability.MANAGE_FEEDBACK):
        return Problem.objects.none()
    return Problem.objects.filter(unit=unit).order_by("title")


def survey_for_collection(*, viewer: Principal, pk: int) -> Survey | None:
    """The survey `viewer` may collect responses for (an app's or kiosk's key), or None."""
    return (
        Survey.objects.filter(pk=pk)
        .filter(scope_q(viewer, Ability.COLLECT_FEEDBACK, unit_field="unit_id"))
        .first()
    )
