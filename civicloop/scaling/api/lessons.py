"""Scaling API: the lessons archive."""

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors, services
from civicloop.scaling.models import LessonOutcome

router = Router(tags=["scaling"])


OutcomeName = Literal["success", "failure", "mixed"]
assert set(OutcomeName.__args__) == set(LessonOutcome.values)  # type: ignore[attr-defined]  # noqa: S101


class LessonIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    what_we_learnt: str = Field(..., min_length=1)
    outcome: OutcomeName
    problem_id: ObjectId | None = None
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
def lessons(request: HttpRequest, q: str = "", outcome: OutcomeName | None = None):
    """Search the archive: every word of `q` must appear in some text field."""
    return selectors.lesson_search(viewer=principal(request), query=q[:200], outcome=outcome)


@router.post("/scaling/lessons", response={201: LessonOut})
def lesson_create(request: HttpRequest, payload: LessonIn):
    actor = require_write(request)
    data = payload.dict()
    problem_id = data.pop("problem_id")
    if problem_id is not None:
        problem = portfolio_selectors.problem_get(
            viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING
        )
        unit = problem.unit
    else:
        problem = None
        units = sorted(actor.units_with(Ability.EDIT_SCALING))
        if not units:
            raise Http404("Not found")
        unit = Organization.objects.get(pk=units[0])
    return Status(201, services.lesson_record(actor=actor, unit=unit, problem=problem, **data))
