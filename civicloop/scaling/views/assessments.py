"""Scaling pages: scalability assessments (ISAT)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import charts, forms, labels, selectors, services
from civicloop.scaling.models import (
    Domain,
)
from civicloop.scaling.views._common import editable_problems
from civicloop.web.forms import apply_errors

VERDICTS = {
    "incomplete": gettext_noop("Incomplete: at least two assessors must rate all ten domains"),
    "not_ready": gettext_noop("Not ready to scale: address the weak domains first"),
    "conditional": gettext_noop(
        "Ready with conditions: scale in stages while working on the weaker domains"
    ),
    "ready": gettext_noop("Ready to scale"),
}


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    problems = editable_problems(viewer)
    if not problems:
        raise Http404("Not found")
    form = forms.AssessmentForm(
        request.POST or None, problems=problems, initial={"problem": request.GET.get("problem")}
    )
    if request.method == "POST" and form.is_valid():
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=form.cleaned_data["problem"], ability=Ability.EDIT_SCALING
        )
        try:
            row = services.assessment_create(
                actor=viewer,
                problem=problem,
                title=form.cleaned_data["title"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("scaling:assessment", row.pk)
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Start a scalability assessment"),
            "form": form,
            "submit": _("Start assessment"),
            "back": "/scaling/",
        },
        status=422 if form.errors else 200,
    )


def _assessment_page(request, assessment, form, status=200):
    viewer = principal(request)
    result = selectors.assessment_result(viewer=viewer, assessment=assessment)
    domain_labels = dict(Domain.choices)
    return render(
        request,
        "scaling/assessment.html",
        {
            "page_title": assessment.title,
            "assessment": assessment,
            "result": result,
            "labels": domain_labels,
            "radar": charts.radar_chart(result.summaries, domain_labels),
            "radar_rows": charts.radar_rows(result.summaries, domain_labels),
            "verdict": _(VERDICTS[result.readiness.verdict]),
            "reasons": labels.readiness_texts(result.readiness),
            "form": form,
            "can_score": can(
                viewer, Ability.ASSESS_SCALABILITY, unit_id=assessment.problem.unit_id
            ),
            "part_a": [
                Domain.PROBLEM,
                Domain.INTERVENTION,
                Domain.CONTEXT,
                Domain.EFFECTIVENESS,
                Domain.COSTS,
            ],
        },
        status=status,
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(viewer=principal(request), pk=pk)
    return _assessment_page(request, assessment, forms.ScoreForm())


@login_required
@require_POST
def assessment_score(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    assessment = selectors.assessment_get(viewer=viewer, pk=pk, ability=Ability.ASSESS_SCALABILITY)
    form = forms.ScoreForm(request.POST)
    if form.is_valid() and viewer.person is not None:
        try:
            services.assessment_score(
                actor=viewer, assessment=assessment, assessor=viewer.person, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Rating recorded."))
            return redirect("scaling:assessment", pk)
    return _assessment_page(request, assessment, form, status=422)
