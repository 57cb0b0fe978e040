"""The power calculator on an experiment's page (a GET form: nothing is stored)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from civicloop.experiments import forms, services
from civicloop.experiments.models import Experiment
from civicloop.web.forms import apply_errors


def power_from_query(
    request: HttpRequest, experiment: Experiment
) -> tuple[dict[str, Any] | None, forms.PowerForm | None]:
    """The power proposal the query asks for, and its bound form (None, None when not asked)."""
    if "baseline" not in request.GET or not experiment.is_randomised:
        return None, None
    form = forms.PowerForm(request.GET, unit=experiment.iteration.service.unit)
    if not form.is_valid():
        return None, form
    d = form.cleaned_data
    try:
        power = services.power_proposal(
            service=experiment.iteration.service,
            metric=d["metric"],
            baseline=d["baseline"],
            sd=d["sd"],
            mde_rel=d["mde_percent"] / 100,
            variants=max(2, len(experiment.variants)),
            traffic_share=experiment.traffic_bp / 10_000,
        )
    except ValidationError as error:
        apply_errors(form, error)
        return None, form
    return power, form
