"""Scaling pages: the obstacle register."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.models import OrganizationKind
from civicloop.core.permissions import Ability
from civicloop.core.selectors import organization_list_for
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import charts, forms, selectors, services
from civicloop.scaling.models import (
    ObstacleKind,
    ObstacleStatus,
)
from civicloop.scaling.views._common import editable_problems, need_view
from civicloop.web.exports import csv_response, json_response
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def obstacle_list(request: HttpRequest) -> HttpResponseBase:
    viewer = principal(request)
    need_view(viewer)
    g = request.GET
    filters = selectors.ObstacleFilters(
        problem=int(g["problem"]) if g.get("problem", "").isdigit() else None,
        kind=g.get("kind") or None,
        status=g.get("status") or None,
        overdue_only=g.get("overdue") == "1",
    )
    obstacles = selectors.obstacle_list(viewer=viewer, filters=filters)
    today = timezone.localdate()
    fmt = g.get("format")
    if fmt in ("csv", "json"):
        rows = services.obstacle_export(
            actor=viewer, obstacles=list(obstacles), fmt=fmt, today=today
        )
        if fmt == "json":
            return json_response("obstacles.json", {"obstacles": rows})
        headers = list(rows[0]) if rows else ["id", "title"]
        return csv_response("obstacles.csv", headers, (list(r.values()) for r in rows))
    # The heat map counts every matching obstacle (three columns each); the table pages.
    cells = selectors.obstacle_heatmap(
        obstacles.select_related(None).only("status", "severity", "likelihood")
    )
    return render(
        request,
        "scaling/obstacles.html",
        {
            "page_title": _("Obstacle register"),
            "page": page_of(
                request, obstacles.order_by("-severity", "-likelihood", "due_date", "pk")
            ),
            "filters": filters,
            "heatmap": charts.heatmap_chart(cells),
            "heat_rows": charts.heatmap_rows(cells),
            "kinds": ObstacleKind.choices,
            "statuses": ObstacleStatus.choices,
            "today": today,
            "kind_labels": dict(ObstacleKind.choices),
            "status_labels": dict(ObstacleStatus.choices),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
            "status_form": forms.ObstacleStatusForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def obstacle_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    problems = editable_problems(viewer)
    if not problems:
        raise Http404("Not found")
    jurisdictions = organization_list_for(viewer=viewer, kind=OrganizationKind.JURISDICTION).filter(
        unit_id__in=viewer.units_with(Ability.EDIT_SCALING)
    )
    form = forms.ObstacleForm(
        request.POST or None,
        problems=problems,
        jurisdictions=jurisdictions,
        initial={"problem": request.GET.get("problem")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=data.pop("problem"), ability=Ability.EDIT_SCALING
        )
        jurisdiction_id = data.pop("jurisdiction")
        try:
            services.obstacle_create(
                actor=viewer,
                problem=problem,
                jurisdiction=jurisdictions.filter(pk=jurisdiction_id).first()
                if jurisdiction_id
                else None,
                **data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Obstacle registered."))
            return redirect("scaling:obstacles")
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Register an obstacle"),
            "form": form,
            "submit": _("Register obstacle"),
            "back": "/scaling/obstacles/",
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def obstacle_status(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    obstacle = selectors.obstacle_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.ObstacleStatusForm(request.POST)
    if form.is_valid():
        services.obstacle_update(
            actor=viewer, obstacle=obstacle, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Obstacle updated."))
    return redirect("scaling:obstacles")
