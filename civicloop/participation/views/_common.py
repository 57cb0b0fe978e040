"""What the participation pages share: the citizen of the request, the client hash, refusals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.participation import selectors
from civicloop.participation.models import Citizen


def request_citizen(request: HttpRequest) -> Citizen | None:
    user = request.user if request.user.is_authenticated else None
    return selectors.citizen_for(user)  # type: ignore[arg-type]


def refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """A page saying why a citizen's action was refused (not verified: 403; too many: 429)."""
    return render(
        request,
        "participation/refused.html",
        {"page_title": _("Not sent"), "message": message},
        status=status,
    )
