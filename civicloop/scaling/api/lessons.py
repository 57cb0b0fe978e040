"""Scaling API: the lessons archive."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.scaling import selectors, services
from civicloop.scaling.api._common import problem_and_unit
from civicloop.scaling.models import LessonOutcome

router = Router()


OutcomeName = Literal["success", "failure", "mixed"]
assert set(OutcomeName.__args__) == set(LessonOutcome.values)  # type: ignore[attr-defined]  # noqa: S101


class LessonIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    what_we_learnt: str = Field(..., min_length=1)
    outcome: OutcomeName
    problem_id: ObjectId | None = None
    unit_id: ObjectId | None = Field(
        None,
        description="The unit you act for: needed only when you can edit scaling in several "
        "units and name no problem (a problem's unit is used otherwise).",
    )
    iteration_label: str = ""
    context: str = ""
    tags: str = ""


class LessonOut(Schema):
    id: int
    problem_id: int | None
    problem: str | None = None
    iteration_label: str
    title: str
    context: str
    what_we_learnt: str
    outcome: str
    tags: str
    created_at: datetime

    @staticmethod
    def resolve_problem(obj) -> str | None:
        return obj.problem.title if obj.problem_id else None


@router.get("/scaling/lessons", response=list[LessonOut])
@paginate(Pagination)
def search_lessons(request: HttpRequest, q: str = "", outcome: OutcomeName | None = None):
    """Search the archive: every word of `q` must appear in some text field."""
    return selectors.lesson_search(viewer=principal(request), query=q[:200], outcome=outcome)


@router.post("/scaling/lessons", response={201: LessonOut})
def record_lesson(request: HttpRequest, payload: LessonIn):
    actor = require_write(request)
    data = payload.dict()
    problem, unit = problem_and_unit(actor, data.pop("problem_id"), data.pop("unit_id"))
    return Status(201, services.lesson_record(actor=actor, unit=unit, problem=problem, **data))
