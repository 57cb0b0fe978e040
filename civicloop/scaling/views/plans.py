"""Scaling pages: replication plans, candidates and projections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.evidence import labels as evidence_labels
from civicloop.evidence.selectors import effect_estimate_list
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import charts, forms, selectors, services
from civicloop.scaling.views._common import visible_experiments
from civicloop.web.exports import json_document
from civicloop.web.forms import apply_errors


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, problem_id: int) -> HttpResponse:
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(
        viewer=viewer, pk=problem_id, ability=Ability.EDIT_SCALING
    )
    effects = list(effect_estimate_list(viewer=viewer, problem_id=problem.pk))
    measured = selectors.measured_effect_list(viewer=viewer, unit_id=problem.unit_id)
    form = forms.PlanForm(request.POST or None, effects=effects, measured=measured)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _sep, choice = data["effect"].partition(":")
        effect = next((e for e in effects if kind == "e" and str(e.pk) == choice), None)
        picked = next((m for m in measured if kind == "x" and m.choice == choice), None)
        try:
            plan = services.replication_plan_create(
                actor=viewer,
                problem=problem,
                title=data["title"],
                effect=effect,
                measured=picked,
                outcome_scale=data["outcome_scale"],
                tau=data["tau"],
                horizon_years=data["horizon_years"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("scaling:plan", plan.pk)
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Plan a replication"),
            "form": form,
            "submit": _("Create plan"),
            "back": "/scaling/",
            "context_title": problem.title,
        },
        status=422 if form.errors else 200,
    )


def plan_page(request, plan, form, status=200, replication_form=None):
    viewer = principal(request)
    projection = selectors.plan_projection(viewer=viewer, plan=plan)
    replications = [
        (r, selectors.replication_verdict(r))
        for r in selectors.replication_list(viewer=viewer, problem_id=plan.problem_id)
    ]
    return render(
        request,
        "scaling/plan.html",
        {
            "page_title": plan.title,
            "plan": plan,
            "projection": projection,
            "candidates": list(plan.candidates.select_related("organization")),
            "projection_spec": charts.projection_chart(projection, plan.currency)
            if projection
            else None,
            "chart_rows": charts.projection_rows(projection),
            "replications": replications,
            "source_text": evidence_labels.source_text,
            "form": form,
            "replication_form": replication_form
            or forms.ReplicationForm(experiments=visible_experiments(viewer)),
            "can_edit": can(viewer, Ability.EDIT_SCALING, unit_id=plan.problem.unit_id),
        },
        status=status,
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk)
    if request.GET.get("format") == "json":
        projection = selectors.plan_projection(viewer=viewer, plan=plan)
        return json_document(
            f"replication-plan-{pk}.json",
            {"plan": plan.title, "projection": projection.to_dict() if projection else None},
        )
    return plan_page(request, plan, forms.CandidateForm())


@login_required
@require_POST
def candidate_add(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.CandidateForm(request.POST)
    if form.is_valid():
        try:
            services.replication_candidate_add(actor=viewer, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Candidate added."))
            return redirect("scaling:plan", pk)
    return plan_page(request, plan, form, status=422)
