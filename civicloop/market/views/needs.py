"""Needs intake: agencies submit needs; the unit sees alike ones and merges them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal
from civicloop.market import forms, selectors, services
from civicloop.market.views._common import flash_refusal
from civicloop.portfolio.models import CLOSED_STAGES
from civicloop.portfolio.selectors import problem_choices, problem_get
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def _submit(viewer: Principal, form: forms.NeedForm, agencies: list[Organization]) -> bool:
    """Submit the need through the service; False (errors on the form) when it refuses."""
    data = form.cleaned_data
    problem = problem_get(viewer=viewer, pk=data["problem"]) if data["problem"] else None
    try:
        services.need_submit(
            actor=viewer,
            agency=next(a for a in agencies if a.pk == data["agency"]),
            title=data["title"],
            what_is_wrong=data["what_is_wrong"],
            who_is_affected=data["who_is_affected"],
            current_cost=data["current_cost"],
            currency=data["currency"],
            constraints=data["constraints"],
            problem=problem,
        )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def need_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    agencies = selectors.need_agencies(viewer=viewer)
    needs = selectors.need_list(viewer=viewer).order_by("-created_at", "-pk")
    if not agencies and not needs.exists() and not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    form = forms.NeedForm(
        request.POST or None,
        agencies=agencies,
        problems=problem_choices(viewer=viewer, exclude_stages=CLOSED_STAGES) if agencies else [],
    )
    if request.method == "POST" and form.is_valid() and _submit(viewer, form, agencies):
        messages.success(request, _("Need submitted to the unit."))
        return redirect("market:needs")
    return render(
        request,
        "market/needs.html",
        {
            "page_title": _("Innovation needs"),
            "page": page_of(request, needs),
            "form": form if agencies else None,
            "pairs": selectors.need_similar_pairs(viewer=viewer),
            "can_merge": bool(viewer.units_with(Ability.MANAGE_MARKET)),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def need_merge(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    ids = [int(i) for i in request.POST.getlist("need") if i.isdigit()]
    needs = list(selectors.need_list(viewer=viewer).filter(pk__in=ids))
    try:
        challenge = services.needs_merge(
            actor=viewer, needs=needs, title=request.POST.get("title") or None
        )
    except ValidationError as error:
        flash_refusal(request, error)
        return redirect("market:needs")
    messages.success(request, _("Needs merged into a draft challenge."))
    return redirect("market:manage", challenge.pk)
