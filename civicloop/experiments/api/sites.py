"""API of site observations (pilots, before/after, synthetic control)."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Schema, Status

from civicloop.core.http import InputSchema, require_write
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router


class SiteObservationIn(InputSchema):
    site: str = Field(..., min_length=1, max_length=120)
    period: date
    outcome: float
    treated: bool = False


class SiteObservationsRecordedOut(Schema):
    recorded: int = Field(
        ..., description="Rows recorded (a row for a stored site and period replaces it)"
    )


@router.post(
    "/experiments/{experiment_id}/site-observations",
    response={201: SiteObservationsRecordedOut},
    summary="Record site outcomes (pilots, before/after, synthetic control)",
)
def record_site_observations(
    request: HttpRequest, experiment_id: int, payload: list[SiteObservationIn]
):
    """All rows are checked before any is written (all or none). A row for a (site, period)
    already stored replaces it, so sending the same rows again counts nothing twice. Unit staff
    can also upload the rows as CSV on the experiment page (`/experiments/{id}/site-observations/`).
    """
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    count = services.site_observations_record(
        actor=actor, experiment=experiment, rows=[r.dict() for r in payload]
    )
    return Status(201, {"recorded": count})
