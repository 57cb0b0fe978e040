"""Phases and weighted criteria: the challenge workspace's set-up forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from civicloop.core.permissions import Principal
from civicloop.market import forms, selectors, services
from civicloop.market.models import Challenge


def set_phase(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    form = forms.PhaseForm(request.POST)
    if form.is_valid():
        services.phase_set(actor=viewer, challenge=challenge, **form.cleaned_data)


def set_criteria(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    form = forms.CriteriaForm(request.POST, phases=selectors.phases_of(challenge=challenge))
    specs = form.specs() if form.is_valid() else None
    if specs is None:
        field = "phase" if "phase" in form.errors else "criteria"
        raise ValidationError({field: form.errors.get(field, [""])[0]})
    kind = form.cleaned_data.get("phase") or ""
    phase = challenge.phases.filter(kind=kind).first() if kind else None
    services.criteria_set(actor=viewer, challenge=challenge, criteria=specs, phase=phase)
