"""API of iterations: list a service's, plan one, read and change one."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Schema, Status

from civicloop.core.http import InputSchema, PatchSchema, principal, require_write
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router


class IterationIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    what_changes: str = Field(..., min_length=1)
    hypothesis_change: str = Field(..., description="If we …")
    hypothesis_metric: str = Field(..., description="then <metric> …")
    hypothesis_group: str = Field(..., description="for <target group> …")
    hypothesis_effect: str = Field(..., description="improves by …")
    hypothesis_because: str = Field(..., description="because …")
    starts_on: date
    ends_on: date
    evaluation_plan: str = Field(..., min_length=1)


class IterationOut(Schema):
    id: int
    service_id: int
    number: int
    title: str
    what_changes: str
    hypothesis: str
    starts_on: date
    ends_on: date
    evaluation_plan: str
    status: str


class IterationPatch(PatchSchema):
    reason: str = Field("", description="Required to change a pre-registered hypothesis")
    title: str | None = None
    what_changes: str | None = None
    hypothesis_change: str | None = None
    hypothesis_metric: str | None = None
    hypothesis_group: str | None = None
    hypothesis_effect: str | None = None
    hypothesis_because: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    evaluation_plan: str | None = None


@router.get(
    "/services/{service_id}/iterations",
    response=list[IterationOut],
    summary="A service's iterations",
)
def list_iterations(request: HttpRequest, service_id: int):
    service = selectors.service_get(viewer=principal(request), pk=service_id)
    return list(service.iterations.order_by("number"))


@router.post(
    "/services/{service_id}/iterations", response={201: IterationOut}, summary="Plan an iteration"
)
def create_iteration(request: HttpRequest, service_id: int, payload: IterationIn):
    actor = require_write(request)
    service = selectors.service_get(viewer=actor, pk=service_id)
    return Status(201, services.iteration_create(actor=actor, service=service, **payload.dict()))


@router.get("/iterations/{iteration_id}", response=IterationOut, summary="One iteration")
def get_iteration(request: HttpRequest, iteration_id: int):
    return selectors.iteration_get(viewer=principal(request), pk=iteration_id)


@router.patch(
    "/iterations/{iteration_id}",
    response=IterationOut,
    summary="Change an iteration (hypothesis changes after a start are deviations)",
)
def update_iteration(request: HttpRequest, iteration_id: int, payload: IterationPatch):
    actor = require_write(request)
    iteration = selectors.iteration_get(viewer=actor, pk=iteration_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    return services.iteration_update(
        actor=actor,
        iteration=iteration,
        reason=reason,
        **{k: v for k, v in data.items() if v is not None},
    )
