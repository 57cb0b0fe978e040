"""Pages that create something for a unit ask which unit when the person belongs to several.

The one rule is `core.permissions.acting_unit`; this module is its face on pages: the unit comes
from the `unit` query or form field, a person with one unit never has to say, and a person with
several is shown a choice (`choose_unit`) instead of silently acting for the first.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, NoActingUnit, acting_unit, units_for


def page_unit(request: HttpRequest, ability: Ability) -> Organization | None:
    """The unit this page acts for, or None when the person must choose (see `choose_unit`).

    A unit outside the person's scope, or a person with no unit holding `ability`, is answered
    404, as pages answer for anything outside scope.
    """
    viewer = principal(request)
    chosen = request.POST.get("unit") or request.GET.get("unit")
    try:
        if chosen:
            if not chosen.isdigit():
                raise Http404("Not found")
            return acting_unit(viewer, ability, int(chosen))
        units = units_for(viewer, ability)
        if len(units) > 1:
            return None
        return acting_unit(viewer, ability)
    except NoActingUnit:
        raise Http404("Not found") from None


def choose_unit(request: HttpRequest, ability: Ability, *, title: str) -> HttpResponse:
    """A page asking which unit the person acts for; it comes back to the same URL with `unit`."""
    return render(
        request,
        "choose_unit.html",
        {
            "page_title": title,
            "question": _("Which unit are you acting for?"),
            "units": units_for(principal(request), ability),
        },
    )
