"""API of results: recompute them in the background, read the latest snapshot."""

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Schema, Status

from civicloop.core.http import principal, require_write
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router
from civicloop.experiments.models import Experiment, ResultSnapshot


class DeviationOut(Schema):
    field: str
    before: Any
    after: Any
    reason: str
    recorded_at: datetime
    recorded_by: str = Field(..., alias="recorded_by_label")


class ResultEffectOut(Schema):
    metric_key: str
    metric: str
    role: str
    variant: str
    unit: str = Field(
        ..., description='Unit of the absolute effect: "pp" for rates, else the metric\'s unit'
    )
    n_control: int
    n_treatment: int
    estimate: float | None = Field(..., description="Absolute effect in `unit`")
    ci_low: float | None
    ci_high: float | None
    relative: float | None = Field(..., description="Relative effect in % of control")
    relative_low: float | None
    relative_high: float | None
    p_value: float | None = Field(..., description="Unadjusted (always-valid while running)")
    p_holm: float | None = Field(
        ..., description="Holm-adjusted over every metric and variant of the experiment"
    )
    p_bh: float | None = Field(..., description="Benjamini-Hochberg-adjusted over the same family")
    chance_to_beat_control: float | None
    verdict: str | None = Field(
        ...,
        description="Guardrails only: breached, worse, not_shown, no_margin or within",
    )
    effect_text: str = Field(..., description='As the page writes it: "+7.0 pp (+28.7%)"')
    interval_text: str
    relative_interval_text: str
    disagreement: str = Field(
        ...,
        description="Why a high chance to beat control sits beside an interval including zero",
    )
    error: str
    p_value_text: str = Field(..., description='As the page writes it: "0.0123", "< 0.0001"')
    p_holm_text: str
    p_bh_text: str


class SiteResultOut(Schema):
    design: str
    unit: str
    effect_text: str
    interval_text: str
    p_value: float | None
    pretrend_p: float | None = Field(..., description="Pilots: the pre-trend test's p-value")
    donors: list[dict[str, Any]] = Field(
        ..., description="Synthetic control: donor sites and weights, largest first"
    )
    placebo: list[dict[str, Any]] = Field(
        ..., description="Synthetic control: post/pre RMSPE ratio per site (placebo in space)"
    )
    placebo_rank: int | None
    placebo_total: int
    intervention: str | None


class ResultsOut(Schema):
    experiment_id: int
    snapshot_id: int
    computed_at: datetime
    ok: bool
    error: str
    warnings: list[str]
    maryland_sms: int | None
    nesta_level: int | None
    analysed_in: str = Field(
        ...,
        description='Where the statistics were computed: "embedded store" or the warehouse '
        "(engine and URL, never a password); empty for snapshots older than this field",
    )
    queries: list[dict[str, str]] = Field(
        ..., description='The SQL sent to the warehouse, one {"metric", "sql"} per metric'
    )
    payload: dict[str, Any] = Field(
        ...,
        description="Per metric and variant: effect, interval, chance to beat control; SRM; "
        "the cumulative effect; the evidence grade (see docs/experiments)",
    )
    deviations: list[DeviationOut]
    effects: list[ResultEffectOut] = Field(
        ..., description="Randomised designs: every effect in people's terms (see docs)"
    )
    multiple_testing_family: int = Field(
        ..., description="How many comparisons the Holm and BH adjustments cover"
    )
    guardrail_verdict: str | None = Field(
        ..., description="The worst verdict of the experiment's guardrails"
    )
    site: SiteResultOut | None = Field(
        ..., description="Site designs: the effect with its unit, pre-trend, donors, placebo"
    )


class RefreshQueuedOut(Schema):
    status: Literal["queued"]


@router.post(
    "/experiments/{experiment_id}/refresh",
    response={202: RefreshQueuedOut},
    summary="Recompute results in the background",
)
def refresh_experiment_results(request: HttpRequest, experiment_id: int):
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    services.experiment_refresh_enqueue(actor=actor, experiment=experiment)
    return Status(202, {"status": "queued"})


def _results(experiment: Experiment, snapshot: ResultSnapshot) -> dict[str, Any]:
    summary = selectors.results_summary(experiment=experiment, snapshot=snapshot)
    return {
        "experiment_id": experiment.pk,
        "snapshot_id": snapshot.pk,
        "computed_at": snapshot.computed_at,
        "ok": snapshot.ok,
        "error": snapshot.error,
        "warnings": snapshot.warnings,
        "maryland_sms": snapshot.maryland_sms,
        "nesta_level": snapshot.nesta_level,
        "analysed_in": snapshot.analysed_in,
        "queries": snapshot.queries,
        "payload": snapshot.payload,
        "deviations": list(experiment.deviations.all()),
        "effects": summary.rows,
        "multiple_testing_family": summary.family_size,
        "guardrail_verdict": summary.guardrail_verdict,
        "site": selectors.site_summary(experiment=experiment, snapshot=snapshot),
    }


@router.get(
    "/experiments/{experiment_id}/results",
    response=ResultsOut,
    summary="The latest results snapshot",
)
def get_experiment_results(request: HttpRequest, experiment_id: int):
    """Per metric and variant: effect, interval (always-valid while running), chance to beat
    control; SRM and health warnings; the cumulative effect over time; the evidence level."""
    experiment = selectors.experiment_get(viewer=principal(request), pk=experiment_id)
    snapshot = selectors.snapshot_latest(experiment=experiment)
    if snapshot is None:
        raise Http404("No results yet")
    return _results(experiment, snapshot)
