"""API of decisions: decide an iteration (iterate, pivot, scale, stop) and read the decision."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from pydantic import create_model

from civicloop.core.http import InputSchema, ObjectId, principal, require_write
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router


class IterationDecisionIn(InputSchema):
    kind: Literal["iterate", "pivot", "scale", "stop"]
    rationale: str = ""
    cited_result_ids: list[ObjectId] = Field(
        ..., description="Result snapshot ids the decision cites"
    )
    stop_reason: Literal["", "harm", "futility"] = ""


class CitedResultOut(Schema):
    snapshot: int
    experiment: str
    computed_at: str
    maryland_sms: int | None
    nesta_level: int | None
    headline: str


# A problem moved by the decision: {"problem": id, "from": stage, "to": stage}. "from" is a
# Python keyword, so the schema is built rather than written as a class.
ProblemStageMoveOut = create_model(  # type: ignore[call-overload]
    "ProblemStageMoveOut",
    __base__=Schema,
    problem=(int, ...),
    **{"from": (str, ...)},
    to=(str, ...),
)


class IterationDecisionOut(Schema):
    id: int
    iteration_id: int
    kind: str
    stop_reason: str
    rationale: str
    decided_at: datetime
    decided_by: str = Field(..., alias="decided_by_label")
    evidence_summary: list[CitedResultOut]
    feedback_summary: Any = None
    problem_stage_moves: list[ProblemStageMoveOut]  # type: ignore[valid-type]


@router.post(
    "/iterations/{iteration_id}/decision",
    response={201: IterationDecisionOut},
    summary="Decide an iteration: iterate, pivot, scale or stop",
)
def decide_iteration(request: HttpRequest, iteration_id: int, payload: IterationDecisionIn):
    actor = require_write(request)
    iteration = selectors.iteration_get(viewer=actor, pk=iteration_id)
    cited = selectors.snapshot_list(viewer=actor, ids=payload.cited_result_ids)
    if len(cited) != len(set(payload.cited_result_ids)):
        raise ValidationError({"cited_result_ids": _("One or more results do not exist.")})
    return Status(
        201,
        services.decision_record(
            actor=actor,
            iteration=iteration,
            kind=payload.kind,
            rationale=payload.rationale,
            cited_results=cited,
            stop_reason=payload.stop_reason,
        ),
    )


@router.get(
    "/iterations/{iteration_id}/decision",
    response=IterationDecisionOut,
    summary="An iteration's decision",
)
def get_iteration_decision(request: HttpRequest, iteration_id: int):
    iteration = selectors.iteration_get(viewer=principal(request), pk=iteration_id)
    decision = selectors.decision_for(iteration=iteration)
    if decision is None:
        raise Http404("Not decided yet")
    return decision
