"""Phases and weighted criteria: the challenge workspace's set-up forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from civicloop.core.permissions import Principal
from civicloop.market import forms, services
from civicloop.market.models import Challenge


def set_phase(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    form = forms.PhaseForm(request.POST)
    if form.is_valid():
        services.phase_set(actor=viewer, challenge=challenge, **form.cleaned_data)


def set_criteria(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    form = forms.CriteriaForm(request.POST)
    specs = form.specs() if form.is_valid() else None
    if specs is None:
        raise ValidationError({"criteria": form.errors.get("criteria", [""])[0]})
    services.criteria_set(actor=viewer, challenge=challenge, criteria=specs)
