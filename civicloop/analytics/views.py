"""Analytics pages: the unit's reusable metrics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.analytics import selectors, services
from civicloop.analytics.forms import MetricForm
from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_PORTFOLIO):
        raise Http404("Not found")
    return render(
        request,
        "analytics/metrics.html",
        {
            "page_title": _("Metrics"),
            "metrics": (page := page_of(request, selectors.metric_list(viewer=viewer))),
            "page": page,
            "can_edit": bool(viewer.units_with(Ability.MANAGE_EXPERIMENTS)),
            "can_set_warehouse": bool(viewer.units_with(Ability.MANAGE_SETTINGS)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.MANAGE_EXPERIMENTS)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_EXPERIMENTS, title=_("Define a metric"))
    form = MetricForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.metric_create(
                actor=principal(request),
                unit=unit,
                key=data["key"],
                name=data["name"],
                description=data["description"],
                source=data["source"],
                aggregation=data["aggregation"] or "",
                event_name=data["event_name"],
                custom_sql=data["custom_sql"],
                window_hours=data["window_hours"],
                pre_window_hours=data["pre_window_hours"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                higher_is_better=data["higher_is_better"],
                unit_label=data["unit_label"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Metric defined."))
            return redirect("analytics:home")
    return render(
        request,
        "analytics/metric_form.html",
        {
            "page_title": _("Define a metric"),
            "form": form,
            "submit": _("Save metric"),
        },
    )
