"""Scaling API: regulatory sandboxes and their public registry."""

from datetime import date

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
from civicloop.core.permissions import Ability
from civicloop.scaling import selectors, services
from civicloop.scaling.api._common import problem_and_unit

router = Router()


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
    unit_id: ObjectId | None = Field(
        None,
        description="The unit you act for: needed only when you can edit scaling in several "
        "units and name no problem (a problem's unit is used otherwise).",
    )
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


class SandboxRecordOut(Schema):
    id: int = Field(..., description="The new monitoring report or learning.")


@router.get("/scaling/registry", response=list[PublicSandboxOut], auth=None)
@paginate(Pagination)
def list_public_sandboxes(request: HttpRequest):
    """The public registry of regulatory sandboxes (no sign-in; no personal data)."""
    return selectors.sandbox_public_list()


@router.get("/scaling/registry/{slug}", response=PublicSandboxOut, auth=None)
def get_public_sandbox(request: HttpRequest, slug: str):
    return selectors.sandbox_public_get(slug=slug)


@router.get("/scaling/sandboxes", response=list[SandboxOut])
@paginate(Pagination)
def list_sandboxes(request: HttpRequest):
    return (
        selectors.sandbox_list(viewer=principal(request))
        .select_related("unit")
        .prefetch_related("learnings")
    )


@router.post("/scaling/sandboxes", response={201: SandboxOut})
def apply_for_sandbox(request: HttpRequest, payload: SandboxIn):
    actor = require_write(request)
    data = payload.dict()
    problem, unit = problem_and_unit(actor, data.pop("problem_id"), data.pop("unit_id"))
    return Status(201, services.sandbox_apply(actor=actor, unit=unit, problem=problem, **data))


def _sandbox_for_edit(request: HttpRequest, pk: int):
    actor = require_write(request)
    return actor, selectors.sandbox_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)


@router.post("/scaling/sandboxes/{pk}/eligibility", response=SandboxOut)
def decide_sandbox_eligibility(request: HttpRequest, pk: int, payload: EligibilityIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    notes = data.pop("notes")
    return services.sandbox_decide_eligibility(
        actor=actor, sandbox=sandbox, answers=data, notes=notes
    )


@router.post("/scaling/sandboxes/{pk}/start", response=SandboxOut)
def start_sandbox(request: HttpRequest, pk: int, payload: StartIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_start(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/extend", response=SandboxOut)
def extend_sandbox(request: HttpRequest, pk: int, payload: ExtendIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_extend(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/reports", response={201: SandboxRecordOut})
def add_sandbox_report(request: HttpRequest, pk: int, payload: ReportIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    row = services.sandbox_report_add(actor=actor, sandbox=sandbox, **payload.dict())
    return Status(201, {"id": row.pk})


@router.post("/scaling/sandboxes/{pk}/exit", response=SandboxOut)
def exit_sandbox(request: HttpRequest, pk: int, payload: ExitIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_exit(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/learnings", response={201: SandboxRecordOut})
def add_sandbox_learning(request: HttpRequest, pk: int, payload: LearningIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    ids = data.pop("obstacle_ids")
    found = list(selectors.obstacle_list(viewer=actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404("Not found")
    row = services.sandbox_learning_add(actor=actor, sandbox=sandbox, obstacles=found, **data)
    return Status(201, {"id": row.pk})
