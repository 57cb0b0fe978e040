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
