"""Pages of iterations: plan one, show one (with its decision form)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can, require
from civicloop.experiments import forms, selectors, services
from civicloop.experiments.models import Iteration
from civicloop.web.forms import apply_errors


@login_required
@require_http_methods(["GET", "POST"])
def iteration_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    service = selectors.service_get(viewer=viewer, pk=pk)
    require(viewer, Ability.MANAGE_EXPERIMENTS, service.unit_id)
    form = forms.IterationForm(request.POST or None)
    del form.fields["reason"]
    if request.method == "POST" and form.is_valid():
        try:
            iteration = services.iteration_create(
                actor=viewer, service=service, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Iteration planned."))
            return redirect("experiments:iteration", iteration.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Plan an iteration"),
            "context_title": service.name,
            "form": form,
            "submit": _("Plan iteration"),
            "back": reverse("experiments:service", args=[service.pk]),
        },
    )


def decision_snapshots(iteration: Iteration) -> list[Any]:
    """The results a decision may cite: the last three computed ones of each experiment."""
    return [
        s for e in iteration.experiments.order_by("pk") for s in e.snapshots.filter(ok=True)[:3]
    ]


def iteration_context(
    request: HttpRequest, iteration: Iteration, decision_form: django_forms.Form | None = None
) -> dict[str, Any]:
    viewer = principal(request)
    experiments = list(iteration.experiments.order_by("pk"))
    decision = selectors.decision_for(iteration=iteration)
    manage = can(viewer, Ability.MANAGE_EXPERIMENTS, unit_id=iteration.service.unit_id)
    if decision_form is None and manage and decision is None:
        decision_form = forms.DecisionForm(snapshots=decision_snapshots(iteration))
    if decision is not None:
        evidence = [
            selectors.result_evidence(s)
            for s in decision.cited_results.select_related("experiment").order_by("pk")
        ]
    else:
        evidence = selectors.iteration_evidence(iteration=iteration)
    return {
        "page_title": f"{_('Iteration')} {iteration.number}: {iteration.title}",
        "evidence": evidence,
        "iteration": iteration,
        "service": iteration.service,
        "experiments": experiments,
        "decision": decision,
        "can_manage": manage,
        "feedback": selectors.iteration_feedback(viewer=viewer, iteration=iteration, stored=True),
        "decision_form": decision_form,
    }


@login_required
def iteration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    iteration = selectors.iteration_get(viewer=principal(request), pk=pk)
    return render(request, "experiments/iteration.html", iteration_context(request, iteration))
