"""Portfolio pages. Views parse, call one service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.portfolio import forms, selectors, services
from civicloop.portfolio.models import Facet, Problem, Stage
from civicloop.portfolio.notes import note_text
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.charts import trend_chart
from civicloop.web.exports import csv_response, json_response
from civicloop.web.forms import apply_errors
from civicloop.web.jinja import datefmt, number
from civicloop.web.pagination import page_of


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _filters(g: QueryDict) -> selectors.ProblemFilters:
    return selectors.ProblemFilters(
        stage=g.get("stage") or None,
        facet=g.get("facet") or None,
        agency=_int_or_none(g.get("agency", "")),
        target_group=_int_or_none(g.get("target_group", "")),
        tag=g.get("tag") or None,
        search=g.get("q") or None,
        off_track={"yes": True, "no": False}.get(g.get("off_track", "")),
        sort=g.get("sort") or "priority",
    )


def _export(request: HttpRequest, problems: list[Problem], fmt: str) -> HttpResponseBase:
    rows = services.portfolio_export(actor=principal(request), problems=problems, fmt=fmt)
    if fmt == "json":
        return json_response("portfolio.json", {"problems": rows})
    headers = list(rows[0].keys()) if rows else ["id", "title"]
    return csv_response("portfolio.csv", headers, (list(r.values()) for r in rows))


@login_required
def problem_list(request: HttpRequest) -> HttpResponseBase:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO) or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    ):
        raise Http404("Not found")
    filters = _filters(request.GET)
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        return _export(request, selectors.problem_list(viewer=viewer, filters=filters), fmt)
    return render(
        request,
        "portfolio/list.html",
        {
            "page_title": _("Portfolio"),
            "page": page_of(request, selectors.problem_rows(viewer=viewer, filters=filters)),
            "filters": filters,
            "stages": Stage.choices,
            "facets": Facet.choices,
            "agencies": selectors.agency_filter_choices(viewer=viewer),
            "target_groups": selectors.target_group_list(viewer=viewer).distinct().order_by("name"),
            "can_edit": bool(viewer.units_with(Ability.EDIT_PORTFOLIO)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.EDIT_PORTFOLIO)
    if unit is None:
        return choose_unit(request, Ability.EDIT_PORTFOLIO, title=_("Frame a problem"))
    form = forms.ProblemForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_create(
                actor=principal(request), unit=unit, **form.problem_fields()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Problem framed."))
            return redirect("portfolio:detail", problem.pk)
    return render(
        request,
        "portfolio/problem_form.html",
        {
            "page_title": _("Frame a problem"),
            "form": form,
            "unit": unit,
            "problem": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    problem = selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.EDIT_PORTFOLIO)
    initial = forms.ProblemForm.initial_for(problem)
    form = forms.ProblemForm(request.POST or None, unit=problem.unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_update(actor=viewer, problem=problem, **form.problem_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Problem updated."))
            return redirect("portfolio:detail", problem.pk)
    return render(
        request,
        "portfolio/problem_form.html",
        {
            "page_title": _("Edit problem"),
            "form": form,
            "unit": problem.unit,
            "problem": problem,
        },
    )


def _detail_page(request: HttpRequest, problem, stage_form, status: int = 200) -> HttpResponse:
    """The problem page; also re-rendered with the stage form's errors."""
    viewer = principal(request)
    kpis = list(
        selectors.kpi_list(viewer=viewer, problem_id=problem.pk).prefetch_related("measurements")
    )
    return render(
        request,
        "portfolio/detail.html",
        {
            "page_title": problem.title,
            "problem": problem,
            "kpis": kpis,
            "statuses": {k.pk: selectors.kpi_status(k) for k in kpis},
            "transitions": selectors.problem_transitions(problem=problem),
            "stage_form": stage_form,
            "can_edit": can(viewer, Ability.EDIT_PORTFOLIO, unit_id=problem.unit_id),
            "can_move": can(viewer, Ability.MOVE_STAGE, unit_id=problem.unit_id),
            "stage_labels": dict(Stage.choices),
            "facet_labels": dict(Facet.choices),
        },
        status=status,
    )


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(viewer=principal(request), pk=pk)
    return _detail_page(request, problem, forms.StageMoveForm(initial={"to_stage": problem.stage}))


@login_required
@require_POST
def problem_move_stage(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    problem = selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.MOVE_STAGE)
    form = forms.StageMoveForm(request.POST)
    if form.is_valid():
        try:
            services.problem_move_stage(
                actor=viewer,
                problem=problem,
                to_stage=form.cleaned_data["to_stage"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Stage changed."))
            return redirect("portfolio:detail", problem.pk)
    return _detail_page(request, problem, form, status=422)


@login_required
@require_POST
def problem_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the problem on the public portal, or stop showing it (the form's `published`)."""
    viewer = principal(request)
    problem = selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.EDIT_PORTFOLIO)
    published = request.POST.get("published") == "1"
    services.problem_publish(actor=viewer, problem=problem, published=published)
    if published:
        messages.success(request, _("The problem is now on the public portal."))
    else:
        messages.success(request, _("The problem is no longer on the public portal."))
    return redirect("portfolio:detail", problem.pk)


@login_required
@require_http_methods(["GET", "POST"])
def target_group_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.EDIT_PORTFOLIO)
    if unit is None:
        return choose_unit(request, Ability.EDIT_PORTFOLIO, title=_("Describe a target group"))
    form = forms.TargetGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_group_create(actor=principal(request), unit=unit, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Target group added."))
            next_url = request.GET.get("next") or ""
            return redirect(next_url if next_url.startswith("/portfolio/") else "portfolio:list")
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Describe a target group"),
            "form": form,
            "submit": _("Add target group"),
            "back": "/portfolio/",
            "existing": selectors.target_group_list(viewer=principal(request))
            .filter(unit=unit)
            .distinct(),
            "unit": unit,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def kpi_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    problem = selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.EDIT_PORTFOLIO)
    form = forms.KpiForm(request.POST or None)
    warning = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        template = data.pop("template") or None
        values = {k: v for k, v in data.items() if v not in (None, "")}
        try:
            kpi = services.kpi_create(
                actor=viewer, problem=problem, template_key=template, **values
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            warning = services.kpi_target_warning(kpi)
            messages.success(request, _("KPI added.") + (f" {warning}" if warning else ""))
            return redirect("portfolio:kpi", kpi.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Add a KPI"),
            "form": form,
            "submit": _("Add KPI"),
            "back": f"/portfolio/{problem.pk}/",
            "context_title": problem.title,
        },
    )


def _kpi_page(request: HttpRequest, kpi, form, status: int = 200) -> HttpResponse:
    viewer = principal(request)
    measurements = list(selectors.measurement_list(viewer=viewer, kpi_id=kpi.pk))
    spec = trend_chart(
        title=kpi.display_name,
        points=[(m.date, m.value) for m in measurements],
        unit=kpi.unit,
        baseline=kpi.baseline_value,
        target=kpi.target_value,
        target_date=kpi.target_date,
        baseline_date=kpi.baseline_date,
    )
    kpi_with = (
        selectors.kpi_list(viewer=viewer, problem_id=kpi.problem_id)
        .prefetch_related("measurements")
        .get(pk=kpi.pk)
    )
    return render(
        request,
        "portfolio/kpi.html",
        {
            "page_title": kpi.display_name,
            "kpi": kpi,
            "spec": spec,
            "table_rows": [
                (datefmt(m.date), number(m.value), m.source, note_text(m.note))
                for m in measurements
            ],
            "status": selectors.kpi_status(kpi_with),
            "form": form,
            "warning": services.kpi_target_warning(kpi),
            "can_record": can(
                viewer,
                Ability.RECORD_MEASUREMENT,
                unit_id=kpi.problem.unit_id,
                agency_id=kpi.problem.owner_agency_id,
            ),
        },
        status=status,
    )


@login_required
def kpi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = selectors.kpi_get(viewer=principal(request), pk=pk)
    return _kpi_page(request, kpi, forms.MeasurementForm())


@login_required
@require_POST
def measurement_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    kpi = selectors.kpi_get(viewer=viewer, pk=pk, ability=Ability.RECORD_MEASUREMENT)
    form = forms.MeasurementForm(request.POST)
    if form.is_valid():
        try:
            services.measurement_record(actor=viewer, kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Measurement recorded."))
            return redirect("portfolio:kpi", kpi.pk)
    return _kpi_page(request, kpi, form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def measurement_import(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.RECORD_MEASUREMENT)
        or viewer.agencies_with(Ability.RECORD_MEASUREMENT)
    ):
        raise Http404("Not found")
    form = forms.MeasurementImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.measurements_import_csv(
            actor=viewer, content=form.cleaned_data["file"].read()
        )
        if report.ok:
            messages.success(request, _("%(n)s measurements imported.") % {"n": report.imported})
            return redirect("portfolio:list")
    return render(
        request,
        "portfolio/import.html",
        {
            "page_title": _("Import measurements"),
            "form": form,
            "report": report,
        },
        status=422 if report and not report.ok else 200,
    )
