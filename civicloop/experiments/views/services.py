"""Pages of public services: the running overview, register a service, one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.models import Role
from civicloop.core.permissions import Ability, can
from civicloop.experiments import forms, selectors, services
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def _visible(request: HttpRequest) -> None:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO)
        or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
        or viewer.organizations([Role.VENDOR])
    ):
        raise Http404("Not found")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Running experiments across the unit: health, days left, decisions due."""
    _visible(request)
    viewer = principal(request)
    page = page_of(request, selectors.running_order(viewer=viewer))
    return render(
        request,
        "experiments/home.html",
        {
            "page_title": _("Experiments"),
            "page": page,
            "rows": selectors.running_rows(viewer=viewer, ids=list(page.object_list)),
            "can_manage": bool(viewer.units_with(Ability.MANAGE_EXPERIMENTS)),
            "services": list(selectors.service_list(viewer=viewer)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.MANAGE_EXPERIMENTS)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_EXPERIMENTS, title=_("Register a service"))
    form = forms.ServiceForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service = services.service_create(
                actor=principal(request),
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
            apply_errors(form, error)
        else:
            messages.success(request, _("Service registered."))
            return redirect("experiments:service", service.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Register a service"),
            "form": form,
            "submit": _("Register service"),
            "back": reverse("experiments:home"),
        },
    )


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    service = selectors.service_get(viewer=viewer, pk=pk)
    return render(
        request,
        "experiments/service.html",
        {
            "page_title": service.name,
            "service": service,
            "iterations": list(service.iterations.order_by("number")),
            "timeline": selectors.service_timeline(service=service),
            "can_manage": can(viewer, Ability.MANAGE_EXPERIMENTS, unit_id=service.unit_id),
        },
    )
