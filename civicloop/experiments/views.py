"""Experiments pages. Views parse, call one service or selector, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, can
from civicloop.experiments import charts, forms, selectors, services
from civicloop.experiments.models import Design, ExperimentStatus, IterationStatus
from civicloop.web.exports import csv_response


def _apply_errors(form, error: ValidationError) -> None:
    for name, msgs in error.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)


def _can_manage(request: HttpRequest, unit_id: int) -> bool:
    return can(principal(request), Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)


def _visible(request: HttpRequest) -> None:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO)
        or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
        or viewer.organizations(["vendor"])
    ):
        raise Http404("Not found")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Running experiments across the unit: health, days left, decisions due."""
    _visible(request)
    viewer = principal(request)
    return render(
        request,
        "experiments/home.html",
        {
            "page_title": _("Experiments"),
            "rows": selectors.running_overview(viewer=viewer),
            "can_manage": bool(viewer.units_with(Ability.MANAGE_EXPERIMENTS)),
            "services": list(selectors.service_list(viewer=viewer)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = sorted(viewer.units_with(Ability.MANAGE_EXPERIMENTS))
    if not units:
        raise Http404("Not found")
    unit = Organization.objects.get(pk=units[0])
    form = forms.ServiceForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service = services.service_create(
                actor=viewer,
                unit=unit,
                owner_agency=d["owner_agency"],
                name=d["name"],
                description=d["description"],
                channels=d["channels"],
                annual_volume=d["annual_volume"],
                cost_per_transaction=d["cost_per_transaction"],
                currency=d["currency"],
                problems=list(d["problems"]),
                kpis=list(d["kpis"]),
                shared_with=list(d["shared_with"]),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Service registered."))
            return redirect("experiments:service", service.pk)
    return render(
        request,
        "experiments/form.html",
        {
            "page_title": _("Register a service"),
            "form": form,
            "submit": _("Register service"),
            "back": "experiments:home",
            "back_args": [],
        },
    )


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.service_get(viewer=principal(request), pk=pk)
    return render(
        request,
        "experiments/service.html",
        {
            "page_title": service.name,
            "service": service,
            "iterations": list(service.iterations.order_by("number")),
            "timeline": selectors.service_timeline(service=service),
            "can_manage": _can_manage(request, service.unit_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def iteration_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    service = selectors.service_get(viewer=viewer, pk=pk)
    if not _can_manage(request, service.unit_id):
        raise Http404("Not found")
    form = forms.IterationForm(request.POST or None)
    del form.fields["reason"]
    if request.method == "POST" and form.is_valid():
        try:
            iteration = services.iteration_create(
                actor=viewer, service=service, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Iteration planned."))
            return redirect("experiments:iteration", iteration.pk)
    return render(
        request,
        "experiments/form.html",
        {
            "page_title": _("Plan an iteration"),
            "context_title": service.name,
            "form": form,
            "submit": _("Plan iteration"),
            "back": "experiments:service",
            "back_args": [service.pk],
        },
    )


def _iteration_context(request: HttpRequest, iteration, decision_form=None) -> dict[str, Any]:
    experiments = list(iteration.experiments.order_by("pk"))
    snapshots = [s for e in experiments for s in e.snapshots.filter(ok=True)[:3]]
    decision = selectors.decision_for(iteration=iteration)
    manage = _can_manage(request, iteration.service.unit_id)
    return {
        "page_title": f"{_('Iteration')} {iteration.number}: {iteration.title}",
        "iteration": iteration,
        "service": iteration.service,
        "experiments": experiments,
        "decision": decision,
        "can_manage": manage,
        "feedback": selectors.iteration_feedback(viewer=principal(request), iteration=iteration),
        "decision_form": decision_form
        or (forms.DecisionForm(snapshots=snapshots) if manage and decision is None else None),
    }


@login_required
def iteration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    iteration = selectors.iteration_get(viewer=principal(request), pk=pk)
    return render(request, "experiments/iteration.html", _iteration_context(request, iteration))


@login_required
@require_POST
def iteration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    iteration = selectors.iteration_get(viewer=viewer, pk=pk)
    if not _can_manage(request, iteration.service.unit_id):
        raise Http404("Not found")
    snapshots = [s for e in iteration.experiments.all() for s in e.snapshots.filter(ok=True)[:3]]
    form = forms.DecisionForm(request.POST, snapshots=snapshots)
    if form.is_valid():
        d = form.cleaned_data
        cited = selectors.snapshot_list(viewer=viewer, ids=[int(i) for i in d["cited_results"]])
        try:
            services.decision_record(
                actor=viewer,
                iteration=iteration,
                kind=d["kind"],
                rationale=d["rationale"],
                cited_results=cited,
                stop_reason=d["stop_reason"] or "",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("experiments:iteration", iteration.pk)
    return render(
        request,
        "experiments/iteration.html",
        _iteration_context(request, iteration, decision_form=form),
        status=422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def experiment_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    iteration = selectors.iteration_get(viewer=viewer, pk=pk)
    if not _can_manage(request, iteration.service.unit_id):
        raise Http404("Not found")
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
            _apply_errors(form, error)
        else:
            messages.success(request, _("Experiment designed. Start it to lock the plan."))
            return redirect("experiments:experiment", experiment.pk)
    return render(
        request,
        "experiments/form.html",
        {
            "page_title": _("Design an experiment"),
            "context_title": str(iteration),
            "form": form,
            "submit": _("Save design"),
            "back": "experiments:iteration",
            "back_args": [iteration.pk],
        },
    )


def _chart_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = []
    if payload.get("cumulative"):
        pts = payload["cumulative"]
        blocks.append(
            {
                "id": "cumulative",
                "caption": _("Cumulative effect on the primary metric"),
                "spec": charts.cumulative_chart(
                    title=_("Cumulative effect on the primary metric"), points=pts
                ),
                "headers": [
                    _("Date"),
                    _("Variant"),
                    _("Effect"),
                    _("Interval low"),
                    _("Interval high"),
                    _("Units"),
                ],
                "rows": [
                    [
                        p["date"],
                        p["variant"],
                        _num(p["estimate"]),
                        _num(p["ci_low"]),
                        _num(p["ci_high"]),
                        p["n"],
                    ]
                    for p in pts
                ],
            }
        )
    if payload.get("trends"):
        rows = payload["trends"]
        blocks.append(
            {
                "id": "trends",
                "caption": _("Parallel trends: pilot and comparison sites"),
                "spec": charts.lines_chart(
                    title=_("Parallel trends: pilot and comparison sites"),
                    rows=rows,
                    x="period",
                    y="outcome",
                    series="group",
                    y_title=_("Mean outcome"),
                ),
                "headers": [_("Period"), _("Group"), _("Mean outcome")],
                "rows": [[r["period"], r["group"], _num(r["outcome"])] for r in rows],
            }
        )
    if payload.get("fit"):
        rows = [
            {"period": r["period"], "series": s, "outcome": r[k]}
            for r in payload["fit"]
            for s, k in (("Treated site", "treated"), ("Synthetic control", "synthetic"))
        ]
        blocks.append(
            {
                "id": "synth",
                "caption": _("Synthetic control fit"),
                "spec": charts.lines_chart(
                    title=_("Synthetic control fit"),
                    rows=rows,
                    x="period",
                    y="outcome",
                    series="series",
                    y_title=_("Outcome"),
                ),
                "headers": [_("Period"), _("Treated site"), _("Synthetic control")],
                "rows": [
                    [r["period"], _num(r["treated"]), _num(r["synthetic"])] for r in payload["fit"]
                ],
            }
        )
    if payload.get("series"):
        rows = payload["series"]
        blocks.append(
            {
                "id": "its",
                "caption": _("Before and after the change"),
                "spec": charts.lines_chart(
                    title=_("Before and after the change"),
                    rows=rows,
                    x="period",
                    y="outcome",
                    series="phase",
                    y_title=_("Outcome"),
                ),
                "headers": [_("Period"), _("Phase"), _("Outcome")],
                "rows": [[r["period"], r["phase"], _num(r["outcome"])] for r in rows],
            }
        )
    return blocks


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.4g}"


def _experiment_context(
    request: HttpRequest, experiment, plan_form=None, power=None, power_form=None
) -> dict[str, Any]:
    snapshot = selectors.snapshot_latest(experiment=experiment)
    payload = snapshot.payload if snapshot and snapshot.ok else {}
    manage = _can_manage(request, experiment.iteration.service.unit_id)
    unit = experiment.iteration.service.unit
    refresh = selectors.refresh_status(experiment=experiment)
    return {
        "page_title": experiment.title,
        "experiment": experiment,
        "iteration": experiment.iteration,
        "service": experiment.iteration.service,
        "links": list(experiment.metric_links.select_related("metric")),
        "snapshot": snapshot,
        "payload": payload,
        "result_rows": selectors.results_view(snapshot)["rows"],
        "charts": _chart_blocks(payload),
        "deviations": list(experiment.deviations.all()),
        "can_manage": manage,
        "is_draft": experiment.status == ExperimentStatus.DRAFT,
        "is_running": experiment.status == ExperimentStatus.RUNNING,
        "plan_form": plan_form
        or (
            forms.PlanEditForm(
                initial={
                    "analysis_plan": experiment.analysis_plan,
                    "planned_days": experiment.planned_days,
                }
            )
            if manage
            else None
        ),
        "power_form": power_form
        or (forms.PowerForm(unit=unit) if experiment.is_randomised else None),
        "power": power,
        "design_label": Design(experiment.design).label,
        "decided": experiment.iteration.status == IterationStatus.DECIDED,
        "refresh": refresh,
        "site_observations": (
            None if experiment.is_randomised else experiment.site_observations.count()
        ),
    }


@login_required
def experiment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = selectors.experiment_get(viewer=principal(request), pk=pk)
    power = power_form = None
    if "baseline" in request.GET and experiment.is_randomised:
        power_form = forms.PowerForm(request.GET, unit=experiment.iteration.service.unit)
        if power_form.is_valid():
            d = power_form.cleaned_data
            try:
                power = services.power_proposal(
                    service=experiment.iteration.service,
                    metric=d["metric"],
                    baseline=d["baseline"],
                    sd=d["sd"],
                    mde_rel=d["mde_percent"] / 100,
                    variants=max(2, len(experiment.variants)),
                    traffic_share=experiment.traffic_bp / 10_000,
                )
            except ValidationError as error:
                _apply_errors(power_form, error)
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
            _apply_errors(form, error)
        else:
            messages.success(request, _("Plan updated."))
            return redirect("experiments:experiment", experiment.pk)
    return render(
        request,
        "experiments/experiment.html",
        _experiment_context(request, experiment, plan_form=form),
        status=422,
    )


def _site_experiment_to_manage(request: HttpRequest, pk: int):
    experiment = selectors.experiment_get(viewer=principal(request), pk=pk)
    if experiment.is_randomised or not _can_manage(request, experiment.iteration.service.unit_id):
        raise Http404("Not found")
    return experiment


@login_required
@require_http_methods(["GET", "POST"])
def experiment_sites_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV of site observations (non-randomised designs): all rows or none."""
    experiment = _site_experiment_to_manage(request, pk)
    bound = (request.POST, request.FILES) if request.method == "POST" else ()
    form = forms.SiteObservationsUploadForm(*bound, max_bytes=services.SITE_CSV_MAX_BYTES)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.site_observations_import_csv(
                actor=principal(request),
                experiment=experiment,
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if report.ok:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s site observation recorded.",
                        "%(n)s site observations recorded.",
                        report.recorded,
                    )
                    % {"n": report.recorded}
                    + " "
                    + _("Refresh the results to analyse them."),
                )
                return redirect("experiments:experiment", experiment.pk)
            form.add_error(
                "file",
                ngettext(
                    "%(n)s row was rejected, so nothing was recorded: fix the rows listed "
                    "under Rejected rows and upload the file again.",
                    "%(n)s rows were rejected, so nothing was recorded: fix the rows listed "
                    "under Rejected rows and upload the file again.",
                    report.rejected_rows,
                )
                % {"n": report.rejected_rows},
            )
    stored = experiment.site_observations
    return render(
        request,
        "experiments/sites_upload.html",
        {
            "page_title": _("Upload site observations"),
            "experiment": experiment,
            "form": form,
            "report": report,
            "shown_errors": report.rejected[:200] if report else [],
            "stored": stored.count(),
            "stored_sites": stored.values("site").distinct().count(),
            "max_site_length": services.SITE_MAX_LENGTH,
            "max_rows": services.SITE_CSV_MAX_ROWS,
            "max_mb": services.SITE_CSV_MAX_BYTES // (1024 * 1024),
            "metric": experiment.metric_links.select_related("metric")
            .filter(role="primary")
            .first(),
        },
        status=422 if form.errors else 200,
    )


@login_required
def experiment_sites_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The CSV to fill in: the header row of the site-observations upload."""
    experiment = _site_experiment_to_manage(request, pk)
    return csv_response(
        f"site-observations-{experiment.key}.csv", list(services.SITE_CSV_COLUMNS), []
    )


@login_required
def experiment_refresh_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status of the last refresh, as a fragment the results page polls (htmx)."""
    experiment = selectors.experiment_get(viewer=principal(request), pk=pk)
    refresh = selectors.refresh_status(experiment=experiment)
    response = render(
        request,
        "experiments/_refresh_status.html",
        {"experiment": experiment, "refresh": refresh},
    )
    if request.headers.get("HX-Request") and (refresh is None or not refresh.active):
        # The poll has seen the refresh end: the results region reloads itself on this event.
        response["HX-Trigger"] = "experiment-refreshed"
    return response
