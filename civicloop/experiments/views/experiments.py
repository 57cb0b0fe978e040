"""Pages of experiments: design one, show it (results, plan, power), act on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can, require
from civicloop.experiments import charts, forms, selectors, services
from civicloop.experiments.models import Design, Experiment, ExperimentStatus, IterationStatus
from civicloop.experiments.views.power import power_from_query
from civicloop.web.forms import apply_errors


@login_required
@require_http_methods(["GET", "POST"])
def experiment_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    iteration = selectors.iteration_get(viewer=viewer, pk=pk)
    require(viewer, Ability.MANAGE_EXPERIMENTS, iteration.service.unit_id)
    form = forms.ExperimentForm(request.POST or None, unit=iteration.service.unit)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            experiment = services.experiment_create(
                actor=viewer,
                iteration=iteration,
                key=d["key"],
                title=d["title"],
                design=d["design"],
                analysis_plan=d["analysis_plan"],
                metrics=form.metric_choices(),
                variants=d["variants"],
                control_variant=d["control_variant"] or "control",
                traffic_bp=d["traffic_percent"] * 100,
                alpha=d["alpha"],
                planned_days=d["planned_days"],
                intervention_date=d["intervention_date"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Experiment designed. Start it to lock the plan."))
            return redirect("experiments:experiment", experiment.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Design an experiment"),
            "context_title": str(iteration),
            "form": form,
            "submit": _("Save design"),
            "back": reverse("experiments:iteration", args=[iteration.pk]),
        },
    )


def _experiment_context(
    request: HttpRequest, experiment: Experiment, **forms_and_results: Any
) -> dict[str, Any]:
    snapshot = selectors.snapshot_latest(experiment=experiment)
    payload = snapshot.payload if snapshot and snapshot.ok else {}
    manage = can(
        principal(request), Ability.MANAGE_EXPERIMENTS, unit_id=experiment.iteration.service.unit_id
    )
    plan_form = forms_and_results.get("plan_form")
    if plan_form is None and manage:
        plan_form = forms.PlanEditForm(
            initial={
                "analysis_plan": experiment.analysis_plan,
                "planned_days": experiment.planned_days,
            }
        )
    power_form = forms_and_results.get("power_form")
    if power_form is None and experiment.is_randomised:
        power_form = forms.PowerForm(unit=experiment.iteration.service.unit)
    summary = selectors.results_summary(experiment=experiment, snapshot=snapshot)
    site = selectors.site_summary(experiment=experiment, snapshot=snapshot)
    return {
        "page_title": experiment.title,
        "experiment": experiment,
        "iteration": experiment.iteration,
        "service": experiment.iteration.service,
        "links": list(experiment.metric_links.select_related("metric")),
        "snapshot": snapshot,
        "payload": payload,
        "summary": summary,
        "site": site,
        "placebo_sentence": selectors.placebo_sentence(site) if site else "",
        "charts": charts.result_charts(payload, summary if summary.rows else None, site),
        "deviations": list(experiment.deviations.all()),
        "can_manage": manage,
        "is_draft": experiment.status == ExperimentStatus.DRAFT,
        "is_running": experiment.status == ExperimentStatus.RUNNING,
        "plan_form": plan_form,
        "power_form": power_form,
        "power": forms_and_results.get("power"),
        "design_label": Design(experiment.design).label,
        "decided": experiment.iteration.status == IterationStatus.DECIDED,
        "refresh": selectors.refresh_status(experiment=experiment),
        "site_observations": (
            None if experiment.is_randomised else experiment.site_observations.count()
        ),
    }


@login_required
def experiment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = selectors.experiment_get(viewer=principal(request), pk=pk)
    power, power_form = power_from_query(request, experiment)
    return render(
        request,
        "experiments/experiment.html",
        _experiment_context(request, experiment, power=power, power_form=power_form),
    )


@login_required
@require_POST
def experiment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    viewer = principal(request)
    experiment = selectors.experiment_get(viewer=viewer, pk=pk)
    try:
        if action == "start":
            services.experiment_start(actor=viewer, experiment=experiment)
            messages.success(request, _("Started: the plan is locked and time-stamped."))
        elif action == "stop":
            services.experiment_stop(actor=viewer, experiment=experiment)
            messages.success(request, _("Stopped."))
        elif action == "refresh":
            services.experiment_refresh_enqueue(actor=viewer, experiment=experiment)
            messages.success(
                request,
                _(
                    "Refresh queued: the worker (civicloop worker) recomputes the results "
                    "in the background. Its status is shown under Results."
                ),
            )
        elif action in {"analyse-in-warehouse", "analyse-in-store"}:
            in_warehouse = action == "analyse-in-warehouse"
            services.experiment_update(
                actor=viewer, experiment=experiment, analysed_in_warehouse=in_warehouse
            )
            messages.success(
                request,
                _("The next refresh runs in the warehouse.")
                if in_warehouse
                else _("The next refresh runs in the embedded store."),
            )
        else:
            raise Http404("Not found")
    except ValidationError as error:
        for msgs in error.message_dict.values():
            for msg in msgs:
                messages.error(request, msg)
    return redirect("experiments:experiment", experiment.pk)


@login_required
@require_POST
def experiment_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    experiment = selectors.experiment_get(viewer=viewer, pk=pk)
    form = forms.PlanEditForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.experiment_update(
                actor=viewer,
                experiment=experiment,
                reason=d["reason"],
                analysis_plan=d["analysis_plan"],
                planned_days=d["planned_days"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Plan updated."))
            return redirect("experiments:experiment", experiment.pk)
    return render(
        request,
        "experiments/experiment.html",
        _experiment_context(request, experiment, plan_form=form),
        status=422,
    )
