"""Evidence API: impact reports, hand-recorded effects and figures, shared summary links."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal, require_write
from civicloop.core.permissions import Ability
from civicloop.evidence import selectors, services
from civicloop.evidence.models import EffectRole
from civicloop.evidence.schemas import ImpactReportOut, ImpactSummaryOut
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.stats.evidence import Design as DesignName

router = Router(tags=["evidence"])

RoleName = Literal["primary", "satisfaction", "completion", "waiting_time", "other"]
assert set(RoleName.__args__) == set(EffectRole.values)  # type: ignore[attr-defined]  # noqa: S101


class EffectIn(InputSchema):
    outcome: str = Field(..., min_length=1, max_length=200)
    unit: str = Field(..., max_length=30)
    estimate: float
    std_error: float = Field(..., gt=0)
    design: DesignName
    source: str = Field(..., min_length=1, max_length=300)
    role: RoleName = "primary"
    lower_is_better: bool = False
    group: str = ""
    service_name: str = ""
    srm_p_value: float | None = Field(None, ge=0, le=1)
    balance_smd: float | None = None
    attrition: float | None = Field(None, ge=0, le=1)
    pretrend_p_value: float | None = Field(None, ge=0, le=1)
    comparison_group_justified: bool = True
    sample_size: int | None = Field(None, ge=0)


class EffectOut(Schema):
    id: int
    problem_id: int
    outcome: str
    unit: str
    role: str
    group: str
    service_name: str
    estimate: float
    std_error: float
    design: str
    lower_is_better: bool
    independent_replications: int
    replication_system: bool
    source: str
    created_at: datetime


class ServiceFiguresIn(InputSchema):
    service_name: str = Field(..., min_length=1, max_length=200)
    annual_volume: int = Field(..., ge=0)
    cost_per_transaction: Decimal = Field(..., ge=0)
    value_per_outcome_unit: Decimal | None = Field(
        None,
        ge=0,
        description="Money (in `currency`) saved per unit of outcome; leave out if unknown: "
        "the report then names it as missing and shows no savings.",
    )
    outcome_scale: float = Field(
        1.0, gt=0, description="Multiply the effect by this to get outcome units (0.01 for pp)."
    )
    volume_std_error: float = Field(0.0, ge=0)
    one_off_cost: Decimal | None = Field(
        None, ge=0, description="In `currency`; leave out if unknown (no payback is shown)."
    )
    annual_running_cost: Decimal | None = Field(
        None, ge=0, description="In `currency` per year; leave out if unknown (no net savings)."
    )
    currency: str = Field("EUR", min_length=3, max_length=3)
    source: str = Field(..., min_length=1, max_length=300)


class ThemeIn(InputSchema):
    label: str = Field(..., min_length=1, max_length=200)
    mentions: int = Field(0, ge=0)
    sentiment: float = Field(0.0, ge=-1, le=1)
    summary: str = ""
    source: str = Field(..., min_length=1, max_length=300)


class LinkIn(InputSchema):
    days: int = Field(30, ge=1, le=services.MAX_LINK_DAYS)
    language: Literal["en", "es"] = "en"
    label: str = Field("", max_length=200)


class LinkOut(Schema):
    id: int
    prefix: str
    language: str
    label: str
    expires_at: datetime
    revoked_at: datetime | None
    view_count: int


class ServiceFiguresSavedOut(Schema):
    id: int
    service_name: str


class CitizenThemeRecordedOut(Schema):
    id: int
    label: str


class NewLinkOut(Schema):
    link: LinkOut
    token: str
    url: str
    pdf_url: str


@router.get("/evidence/problems/{problem_id}/report", response=ImpactReportOut)
def get_impact_report(request: HttpRequest, problem_id: int, service: str | None = None):
    """The impact report of a problem (optionally one service) as JSON."""
    return selectors.impact_report_get(
        viewer=principal(request), problem_id=problem_id, service=service
    ).to_dict()


@router.get("/evidence/effects", response=list[EffectOut])
@paginate(Pagination)
def list_effect_estimates(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.effect_estimate_list(viewer=principal(request), problem_id=problem_id)


@router.post("/evidence/problems/{problem_id}/effects", response={201: EffectOut})
def record_effect_estimate(request: HttpRequest, problem_id: int, payload: EffectIn):
    """Record an effect estimated elsewhere, with its design (graded on read)."""
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.EDIT_EVIDENCE
    )
    return Status(
        201, services.effect_estimate_record(actor=actor, problem=problem, **payload.dict())
    )


@router.put("/evidence/problems/{problem_id}/services", response=ServiceFiguresSavedOut)
def set_service_figures(request: HttpRequest, problem_id: int, payload: ServiceFiguresIn):
    """Create or replace a service's volume, unit cost and intervention cost."""
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.EDIT_EVIDENCE
    )
    row = services.service_figures_set(actor=actor, problem=problem, **payload.dict())
    return {"id": row.pk, "service_name": row.service_name}


@router.post("/evidence/problems/{problem_id}/themes", response={201: CitizenThemeRecordedOut})
def record_citizen_theme(request: HttpRequest, problem_id: int, payload: ThemeIn):
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.EDIT_EVIDENCE
    )
    row = services.citizen_theme_record(actor=actor, problem=problem, **payload.dict())
    return Status(201, {"id": row.pk, "label": row.label})


@router.post("/evidence/problems/{problem_id}/links", response={201: NewLinkOut})
def create_shared_link(request: HttpRequest, problem_id: int, payload: LinkIn):
    """A shareable, expiring link to the executive summary. The token is shown only here."""
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.SHARE_REPORT
    )
    new = services.shared_link_create(actor=actor, problem=problem, **payload.dict())
    return Status(
        201,
        {
            "link": new.link,
            "token": new.token,
            "url": request.build_absolute_uri(reverse("evidence:shared", args=[new.token])),
            "pdf_url": request.build_absolute_uri(reverse("evidence:shared_pdf", args=[new.token])),
        },
    )


@router.post("/evidence/links/{link_id}/revoke", response=LinkOut)
def revoke_shared_link(request: HttpRequest, link_id: int):
    actor = require_write(request)
    return services.shared_link_revoke(
        actor=actor, link=selectors.shared_link_get(viewer=actor, pk=link_id)
    )


@router.get("/evidence/shared/{token}", response=ImpactSummaryOut, auth=None)
def get_shared_summary(request: HttpRequest, token: str):
    """The executive summary behind a live shared link (no account needed)."""
    try:
        link = services.shared_link_open(token=token)
    except services.LinkGone as gone:
        raise HttpError(410, _("This link has expired or was revoked.")) from gone
    if link is None:
        raise Http404("Not found")
    data = selectors.impact_report_for_problem(problem=link.problem).to_dict()
    data.pop("effects", None)  # the summary: primary effect, savings, KPIs, equity, themes
    return data
