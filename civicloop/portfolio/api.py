"""Portfolio API: problems, target groups, KPIs and measurements."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, acting_unit
from civicloop.core.selectors import agencies_for_unit
from civicloop.portfolio import selectors, services
from civicloop.portfolio.models import Facet, KpiCategory, Stage, TargetGroup
from civicloop.portfolio.notes import note_text

router = Router(tags=["portfolio"])

FacetName = Literal["enhancement", "mission", "adaptive", "anticipatory"]
StageName = Literal[
    "identified",
    "framed",
    "exploring",
    "experimenting",
    "scaling",
    "closed_solved",
    "closed_abandoned",
]
CategoryName = Literal["spending_efficiency", "service_quality", "outcome", "equity"]
TemplateName = Literal[
    "cost_per_transaction", "completion_rate", "digital_take_up", "user_satisfaction"
]
assert set(FacetName.__args__) == set(Facet.values)  # type: ignore[attr-defined]
assert set(StageName.__args__) == set(Stage.values)  # type: ignore[attr-defined]
assert set(CategoryName.__args__) == set(KpiCategory.values)  # type: ignore[attr-defined]


class TargetGroupOut(Schema):
    id: int
    name: str
    estimated_size: int | None
    description: str
    how_reached: str


class TargetGroupIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    estimated_size: int | None = Field(None, ge=0)
    description: str = ""
    how_reached: str = ""
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class ProblemOut(Schema):
    id: int
    title: str
    statement: str
    causes: str
    facet: str
    stage: str
    sdg_target: str
    unit_id: int
    owner_agency_id: int
    owner_agency: str = Field(..., alias="owner_agency.name")
    tags: list[str]
    target_groups: list[TargetGroupOut]
    impact: int
    reach: int
    urgency: int
    effort: int
    priority_score: float | None = None
    off_track: bool | None = None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_target_groups(obj) -> list[TargetGroup]:
        return list(obj.target_groups.all())


class ProblemIn(InputSchema):
    title: str = Field(..., min_length=3, max_length=200)
    statement: str = Field(..., min_length=10)
    causes: str = ""
    facet: FacetName
    owner_agency_id: int
    sdg_target: str = Field("", max_length=10, pattern=r"^(\d{1,2}\.[0-9a-z]{1,2})?$")
    target_group_ids: list[ObjectId] = []
    tags: list[str] = []
    impact: int = Field(3, ge=1, le=5)
    reach: int = Field(3, ge=1, le=5)
    urgency: int = Field(3, ge=1, le=5)
    effort: int = Field(3, ge=1, le=5)
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class ProblemPatch(PatchSchema):
    title: str | None = Field(None, min_length=3, max_length=200)
    statement: str | None = Field(None, min_length=10)
    causes: str | None = None
    facet: FacetName | None = None
    sdg_target: str | None = Field(None, max_length=10, pattern=r"^(\d{1,2}\.[0-9a-z]{1,2})?$")
    target_group_ids: list[ObjectId] | None = None
    tags: list[str] | None = None
    impact: int | None = Field(None, ge=1, le=5)
    reach: int | None = Field(None, ge=1, le=5)
    urgency: int | None = Field(None, ge=1, le=5)
    effort: int | None = Field(None, ge=1, le=5)


class StageMoveIn(InputSchema):
    to_stage: StageName
    rationale: str = ""


class StageTransitionOut(Schema):
    from_stage: str
    to_stage: str
    decided_at: datetime
    decided_by: str = Field(..., alias="decided_by_label")
    rationale: str
    skipped_gates: bool


class KpiOut(Schema):
    id: int
    problem_id: int
    name: str
    category: str
    template_key: str
    definition: str
    unit: str
    currency: str
    direction: str
    baseline_value: Decimal
    baseline_date: date
    baseline_source: str
    target_value: Decimal
    target_date: date
    target_warning: str | None = None

    @staticmethod
    def resolve_target_warning(obj) -> str | None:
        return services.kpi_target_warning(obj)


class KpiIn(InputSchema):
    template: TemplateName | None = Field(None, description="Start from a built-in KPI template.")
    name: str | None = Field(None, min_length=1, max_length=200)
    category: CategoryName | None = None
    definition: str = ""
    unit: str | None = Field(None, max_length=30)
    currency: str = Field("", pattern=r"^([A-Z]{3})?$")
    direction: Literal["higher", "lower"] | None = None
    baseline_value: Decimal = Field(..., max_digits=18, decimal_places=4)
    baseline_date: date
    baseline_source: str = Field(..., min_length=1, max_length=300)
    target_value: Decimal = Field(..., max_digits=18, decimal_places=4)
    target_date: date


class MeasurementOut(Schema):
    id: int
    kpi_id: int
    date: date
    value: Decimal
    source: str
    note: str = Field(
        description="The note, in the request's language when the system wrote it (the "
        "satisfaction feed's sample size and interval); a typed note as typed."
    )

    @staticmethod
    def resolve_note(obj) -> str:
        return note_text(obj.note)


class MeasurementIn(InputSchema):
    date: date
    value: Decimal = Field(..., max_digits=18, decimal_places=4)
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=500)
    replace: bool = False


def _groups(request: HttpRequest, unit: Organization, ids: list[int]) -> list[TargetGroup]:
    groups = selectors.target_groups_by_id(viewer=principal(request), unit=unit, ids=ids)
    if len(groups) != len(set(ids)):
        raise ValidationError(
            {"target_group_ids": _("One or more target groups do not exist in this unit.")}
        )
    return groups


@router.get("/problems", response=list[ProblemOut], summary="List the portfolio's problems")
@paginate(Pagination)
def list_problems(
    request: HttpRequest,
    stage: StageName | None = None,
    facet: FacetName | None = None,
    agency: ObjectId | None = None,
    target_group: ObjectId | None = None,
    tag: str | None = None,
    off_track: bool | None = None,
    sort: Literal["priority", "title", "updated"] = "priority",
):
    """Problems you can see, sorted by prioritisation score unless `sort` says otherwise."""
    filters = selectors.ProblemFilters(
        stage=stage,
        facet=facet,
        agency=agency,
        target_group=target_group,
        tag=tag,
        off_track=off_track,
        sort=sort,
    )
    return selectors.problem_rows(viewer=principal(request), filters=filters)


@router.post("/problems", response={201: ProblemOut}, summary="Frame a new problem")
def create_problem(request: HttpRequest, payload: ProblemIn):
    actor = require_write(request)
    unit = acting_unit(actor, Ability.EDIT_PORTFOLIO, payload.unit_id)
    agency = agencies_for_unit(unit_id=unit.pk).filter(pk=payload.owner_agency_id).first()
    if agency is None:
        raise ValidationError(
            {"owner_agency_id": _("No agency with this id works with your unit.")}
        )
    problem = services.problem_create(
        actor=actor,
        unit=unit,
        owner_agency=agency,
        title=payload.title,
        statement=payload.statement,
        facet=payload.facet,
        causes=payload.causes,
        sdg_target=payload.sdg_target,
        target_groups=_groups(request, unit, payload.target_group_ids),
        tags=payload.tags,
        impact=payload.impact,
        reach=payload.reach,
        urgency=payload.urgency,
        effort=payload.effort,
    )
    return Status(201, selectors.problem_get(viewer=actor, pk=problem.pk))


@router.get("/problems/{problem_id}", response=ProblemOut, summary="One problem")
def get_problem(request: HttpRequest, problem_id: int):
    return selectors.problem_get(viewer=principal(request), pk=problem_id)


@router.patch("/problems/{problem_id}", response=ProblemOut, summary="Change a problem's framing")
def update_problem(request: HttpRequest, problem_id: int, payload: ProblemPatch):
    actor = require_write(request)
    problem = selectors.problem_get(viewer=actor, pk=problem_id)
    data = payload.dict(exclude_unset=True)
    group_ids = data.pop("target_group_ids", None)
    tags = data.pop("tags", None)
    services.problem_update(
        actor=actor,
        problem=problem,
        target_groups=_groups(request, problem.unit, group_ids) if group_ids is not None else None,
        tags=tags,
        **{k: v for k, v in data.items() if v is not None},
    )
    return selectors.problem_get(viewer=actor, pk=problem_id)


@router.post(
    "/problems/{problem_id}/stage",
    response=list[StageTransitionOut],
    summary="Move a problem through a stage gate",
)
def move_problem_stage(request: HttpRequest, problem_id: int, payload: StageMoveIn):
    """Returns the problem's whole stage history. Skipping a gate or closing needs `rationale`."""
    actor = require_write(request)
    problem = selectors.problem_get(viewer=actor, pk=problem_id)
    services.problem_move_stage(
        actor=actor, problem=problem, to_stage=payload.to_stage, rationale=payload.rationale
    )
    return list(selectors.problem_transitions(problem=problem))


@router.get(
    "/problems/{problem_id}/stages",
    response=list[StageTransitionOut],
    summary="A problem's stage-gate history",
)
def list_stage_history(request: HttpRequest, problem_id: int):
    problem = selectors.problem_get(viewer=principal(request), pk=problem_id)
    return list(selectors.problem_transitions(problem=problem))


@router.get("/target-groups", response=list[TargetGroupOut], summary="List target groups")
@paginate(Pagination)
def list_target_groups(request: HttpRequest):
    return selectors.target_group_list(viewer=principal(request)).distinct().order_by("name")


@router.post("/target-groups", response={201: TargetGroupOut}, summary="Describe a target group")
def create_target_group(request: HttpRequest, payload: TargetGroupIn):
    actor = require_write(request)
    unit = acting_unit(actor, Ability.EDIT_PORTFOLIO, payload.unit_id)
    group = services.target_group_create(
        actor=actor,
        unit=unit,
        name=payload.name,
        estimated_size=payload.estimated_size,
        description=payload.description,
        how_reached=payload.how_reached,
    )
    return Status(201, group)


@router.get("/kpis", response=list[KpiOut], summary="List KPIs")
@paginate(Pagination)
def list_kpis(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.kpi_list(viewer=principal(request), problem_id=problem_id)


@router.post("/problems/{problem_id}/kpis", response={201: KpiOut}, summary="Define a KPI")
def create_kpi(request: HttpRequest, problem_id: int, payload: KpiIn):
    """Give `template` to start from a GOV.UK KPI; otherwise name, category, unit and direction."""
    actor = require_write(request)
    problem = selectors.problem_get(viewer=actor, pk=problem_id)
    data = payload.dict()
    template = data.pop("template")
    if not template:
        missing = [f for f in ("name", "category", "unit", "direction") if not data.get(f)]
        if missing:
            raise ValidationError(
                {f: "Required for a custom KPI (or give a template)." for f in missing}
            )
    values = {k: v for k, v in data.items() if v is not None}
    kpi = services.kpi_create(actor=actor, problem=problem, template_key=template, **values)
    return Status(201, kpi)


@router.get("/kpis/{kpi_id}", response=KpiOut, summary="One KPI")
def get_kpi(request: HttpRequest, kpi_id: int):
    return selectors.kpi_get(viewer=principal(request), pk=kpi_id)


@router.get(
    "/kpis/{kpi_id}/measurements", response=list[MeasurementOut], summary="A KPI's measurements"
)
@paginate(Pagination)
def list_measurements(request: HttpRequest, kpi_id: int):
    kpi = selectors.kpi_get(viewer=principal(request), pk=kpi_id)
    return selectors.measurement_list(viewer=principal(request), kpi_id=kpi.pk)


@router.post(
    "/kpis/{kpi_id}/measurements", response={201: MeasurementOut}, summary="Record a measurement"
)
def record_measurement(request: HttpRequest, kpi_id: int, payload: MeasurementIn):
    actor = require_write(request)
    kpi = selectors.kpi_get(viewer=actor, pk=kpi_id)
    measurement = services.measurement_record(
        actor=actor,
        kpi=kpi,
        date=payload.date,
        value=payload.value,
        source=payload.source,
        note=payload.note,
        replace=payload.replace,
    )
    return Status(201, measurement)
