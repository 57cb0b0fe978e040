"""What the market's pages share: which company a page acts for, and how refusals are shown."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, NoActingUnit, acting_unit
from civicloop.market.models import ChallengeStatus

# A challenge's statement can be edited until its deadline.
EDITABLE_STATUSES = (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN)


def page_company(request: HttpRequest) -> Organization | None:
    """The company this page acts for (the gate's rule, as `web.acting.page_unit` for units):
    the one named by the `unit` field, or the person's only company; None when the person acts
    for several and must choose (`choose_company`); 404 for a person who acts for none."""
    chosen = request.POST.get("unit") or request.GET.get("unit")
    if chosen and not chosen.isdigit():
        raise Http404("Not found")
    try:
        return acting_unit(
            principal(request),
            Ability.ACT_FOR_COMPANY,
            int(chosen) if chosen else None,
            field="unit",
        )
    except NoActingUnit:
        raise Http404("Not found") from None
    except ValidationError:
        return None


def shown_company(request: HttpRequest) -> Organization | None:
    """The company a page shows its own things for, if the person acts for exactly one (or
    named it); None for everyone else."""
    if not principal(request).units_with(Ability.ACT_FOR_COMPANY):
        return None
    try:
        return page_company(request)
    except Http404:
        return None


def choose_company(request: HttpRequest, *, title: str) -> HttpResponse:
    """A page asking which company the person acts for; it comes back with `unit`."""
    companies = Organization.objects.filter(
        pk__in=sorted(principal(request).units_with(Ability.ACT_FOR_COMPANY))
    ).order_by("name", "pk")
    return render(
        request,
        "choose_unit.html",
        {
            "page_title": title,
            "question": _("Which company are you acting for?"),
            "units": companies,
        },
    )


def flash_refusal(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal as one error message on the next page."""
    messages.error(request, "; ".join(error.messages))
