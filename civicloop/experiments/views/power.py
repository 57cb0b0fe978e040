"""The power calculator on an experiment's page (a GET form: nothing is stored)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from civicloop.analytics.models import Metric
from civicloop.experiments import forms, selectors, services
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
            alpha=experiment.alpha,
            traffic_share=experiment.traffic_bp / 10_000,
            planned_days=experiment.planned_days,
        )
    except ValidationError as error:
        apply_errors(form, error)
        return None, form
    power["mde_text"] = _effect_size(d["metric"], power.get("mde_abs"), power.get("mde_rel"))
    power["plan_mde_text"] = _effect_size(
        d["metric"], power.get("plan_mde_abs"), power.get("plan_mde_rel")
    )
    return power, form


def _effect_size(metric: Metric, absolute: float | None, relative: float | None) -> str:
    """An effect the calculator speaks of, with its unit: "+4.2 pp (+16.0%)"."""
    if absolute is None:
        return ""
    return selectors.effect_size_text(
        kind=metric.stats_type, label=metric.unit_label, absolute=absolute, relative=relative
    )
