"""Helpers that build experiments through the services (so every rule applies)."""

from __future__ import annotations

from datetime import date
from typing import Any

from civicloop.analytics import services as analytics_services
from civicloop.analytics.models import Metric
from civicloop.experiments import services
from civicloop.experiments.models import Experiment, Iteration, Service


def metric(actor, unit, key: str = "completed", **kw) -> Metric:
    kw.setdefault("name", key.replace("_", " ").title())
    if kw.get("source") != "sites":
        kw.setdefault("aggregation", "any")
        kw.setdefault("event_name", key)
    return analytics_services.metric_create(actor=actor, unit=unit, key=key, **kw)


def service(actor, unit, agency, name: str = "Licence renewals", **kw) -> Service:
    kw.setdefault("annual_volume", 36500)
    kw.setdefault("cost_per_transaction", "12.50")
    return services.service_create(actor=actor, unit=unit, owner_agency=agency, name=name, **kw)


def iteration(actor, svc: Service, **kw) -> Iteration:
    values: dict[str, Any] = dict(
        title="SMS reminder",
        what_changes="Send an SMS two weeks before expiry",
        hypothesis_change="send an SMS reminder",
        hypothesis_metric="on-time renewal rate",
        hypothesis_group="small shopkeepers",
        hypothesis_effect="10 points",
        hypothesis_because="most lapses are forgotten deadlines",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
        evaluation_plan="A/B test on renewal within 7 days of exposure",
    )
    values.update(kw)
    return services.iteration_create(actor=actor, service=svc, **values)


def ab_experiment(actor, it: Iteration, metrics, key: str = "sms-reminder", **kw) -> Experiment:
    kw.setdefault("variants", [{"key": "control", "weight": 1}, {"key": "sms", "weight": 1}])
    kw.setdefault("analysis_plan", "Welch/proportion test on the primary metric, alpha 0.05")
    return services.experiment_create(
        actor=actor, iteration=it, key=key, title="SMS reminder", design="ab", metrics=metrics, **kw
    )
