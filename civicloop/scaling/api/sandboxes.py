"""Scaling API: regulatory sandboxes and their public registry."""

from datetime import date
from typing import Any

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

router = Router(tags=["scaling"])


class PublicSandboxOut(Schema):
    slug: str
    title: str
    run_by: str = Field(..., alias="unit.name")
    public_summary: str
    regulator: str
    status: str
    rule_waived: str
    relaxation: str
    safeguards: str
    participants: str
    participant_limit: int | None
    exit_criteria: str
    starts_on: date | None
    ends_on: date | None
    extended_until: date | None
    exit_report: str
    learnings: list[str]

    @staticmethod
    def resolve_learnings(obj) -> list[str]:
        return [x.learning for x in obj.learnings.all()]


class SandboxIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    public_summary: str = Field(..., min_length=1)
    regulator: str = Field(..., min_length=1, max_length=200)
    problem_id: ObjectId | None = None
    published: bool = True


class SandboxOut(PublicSandboxOut):
    id: int
    problem_id: int | None
    in_scope: bool | None
    genuine_innovation: bool | None
    citizen_benefit: bool | None
    readiness: bool | None
    need: bool | None
    eligibility_notes: dict[str, str]
    published: bool


class EligibilityIn(InputSchema):
    in_scope: bool
    genuine_innovation: bool
    citizen_benefit: bool
    readiness: bool
    need: bool
    notes: dict[str, str]


class StartIn(InputSchema):
    rule_waived: str
    relaxation: str = ""
    safeguards: str
    participants: str
    exit_criteria: str
    starts_on: date
    ends_on: date
    participant_limit: int | None = Field(None, ge=1)


class ExtendIn(InputSchema):
    until: date
    reason: str


class ReportIn(InputSchema):
    period_end: date
    participants: int = Field(..., ge=0)
    incidents: int = Field(0, ge=0)
    safeguards_held: bool = True
    summary: str


class ExitIn(InputSchema):
    exit_report: str
    exited_on: date


class LearningIn(InputSchema):
    learning: str
    recommendation: str = ""
    obstacle_ids: list[ObjectId] = []


@router.get("/scaling/registry", response=list[PublicSandboxOut], auth=None)
@paginate(Pagination)
def registry(request: HttpRequest):
    """The public registry of regulatory sandboxes (no sign-in; no personal data)."""
    return selectors.sandbox_public_list()


@router.get("/scaling/registry/{slug}", response=PublicSandboxOut, auth=None)
def registry_detail(request: HttpRequest, slug: str):
    return selectors.sandbox_public_get(slug=slug)


@router.get("/scaling/sandboxes", response=list[SandboxOut])
@paginate(Pagination)
def sandboxes(request: HttpRequest):
    return (
        selectors.sandbox_list(viewer=principal(request))
        .select_related("unit")
        .prefetch_related("learnings")
    )


@router.post("/scaling/sandboxes", response={201: SandboxOut})
def sandbox_apply(request: HttpRequest, payload: SandboxIn):
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
    return Status(201, services.sandbox_apply(actor=actor, unit=unit, problem=problem, **data))


def _sandbox_for_edit(request: HttpRequest, pk: int):
    actor = require_write(request)
    return actor, selectors.sandbox_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)


@router.post("/scaling/sandboxes/{pk}/eligibility", response=SandboxOut)
def sandbox_eligibility(request: HttpRequest, pk: int, payload: EligibilityIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    notes = data.pop("notes")
    return services.sandbox_decide_eligibility(
        actor=actor, sandbox=sandbox, answers=data, notes=notes
    )


@router.post("/scaling/sandboxes/{pk}/start", response=SandboxOut)
def sandbox_start(request: HttpRequest, pk: int, payload: StartIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_start(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/extend", response=SandboxOut)
def sandbox_extend(request: HttpRequest, pk: int, payload: ExtendIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_extend(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/reports", response={201: dict[str, Any]})
def sandbox_report(request: HttpRequest, pk: int, payload: ReportIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    row = services.sandbox_report_add(actor=actor, sandbox=sandbox, **payload.dict())
    return Status(201, {"id": row.pk})


@router.post("/scaling/sandboxes/{pk}/exit", response=SandboxOut)
def sandbox_exit(request: HttpRequest, pk: int, payload: ExitIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_exit(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/learnings", response={201: dict[str, Any]})
def sandbox_learning(request: HttpRequest, pk: int, payload: LearningIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    ids = data.pop("obstacle_ids")
    found = list(selectors.obstacle_list(viewer=actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404("Not found")
    row = services.sandbox_learning_add(actor=actor, sandbox=sandbox, obstacles=found, **data)
    return Status(201, {"id": row.pk})
