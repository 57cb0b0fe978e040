"""API of public services: list, register, share with vendors."""

from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal, require_write
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, acting_unit
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router
from civicloop.experiments.models import Service
from civicloop.portfolio.models import Kpi, Problem

ChannelName = Literal["online", "app", "phone", "counter", "mail"]


class ServiceOut(Schema):
    id: int
    unit_id: int
    owner_agency_id: int
    owner_agency: str = Field(..., alias="owner_agency.name")
    name: str
    description: str
    channels: list[str]
    annual_volume: int
    cost_per_transaction: Decimal
    currency: str
    problem_ids: list[int]

    @staticmethod
    def resolve_problem_ids(obj: Service) -> list[int]:
        return [p.pk for p in obj.problems.all()]


class ServiceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    owner_agency_id: int
    annual_volume: int = Field(..., ge=0)
    cost_per_transaction: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    channels: list[ChannelName] = []
    description: str = ""
    problem_ids: list[ObjectId] = []
    kpi_ids: list[ObjectId] = []
    shared_with_ids: list[ObjectId] = []
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class ServiceShareIn(InputSchema):
    organization_ids: list[ObjectId] = Field(..., description="Companies that may see the service")


@router.get("/services", response=list[ServiceOut], summary="Services under improvement")
@paginate(Pagination)
def list_services(request: HttpRequest):
    return selectors.service_list(viewer=principal(request))


@router.post("/services", response={201: ServiceOut}, summary="Register a service")
def create_service(request: HttpRequest, payload: ServiceIn):
    actor = require_write(request)
    unit = acting_unit(actor, Ability.MANAGE_EXPERIMENTS, payload.unit_id)
    agency = Organization.objects.filter(
        pk=payload.owner_agency_id, unit=unit, kind=OrganizationKind.AGENCY
    ).first()
    if agency is None:
        raise ValidationError(
            {"owner_agency_id": _("No agency with this id works with your unit.")}
        )
    problems = list(Problem.objects.filter(unit=unit, pk__in=payload.problem_ids))
    kpis = list(
        Kpi.objects.filter(problem__unit=unit, pk__in=payload.kpi_ids).select_related("problem")
    )
    shared = list(Organization.objects.filter(pk__in=payload.shared_with_ids))
    if len(problems) != len(set(payload.problem_ids)):
        raise ValidationError({"problem_ids": _("One or more problems are not in your unit.")})
    if len(kpis) != len(set(payload.kpi_ids)):
        raise ValidationError({"kpi_ids": _("One or more KPIs are not in your unit.")})
    service = services.service_create(
        actor=actor,
        unit=unit,
        owner_agency=agency,
        name=payload.name,
        annual_volume=payload.annual_volume,
        cost_per_transaction=payload.cost_per_transaction,
        currency=payload.currency,
        channels=list(payload.channels),
        description=payload.description,
        problems=problems,
        kpis=kpis,
        shared_with=shared,
    )
    return Status(201, selectors.service_get(viewer=actor, pk=service.pk))


@router.post(
    "/services/{service_id}/share", response=ServiceOut, summary="Share a service with vendors"
)
def share_service(request: HttpRequest, service_id: int, payload: ServiceShareIn):
    actor = require_write(request)
    service = selectors.service_get(viewer=actor, pk=service_id)
    orgs = list(Organization.objects.filter(pk__in=payload.organization_ids))
    if len(orgs) != len(set(payload.organization_ids)):
        raise ValidationError({"organization_ids": _("One or more organisations do not exist.")})
    services.service_share(actor=actor, service=service, organizations=orgs)
    return selectors.service_get(viewer=actor, pk=service_id)


@router.get("/services/{service_id}", response=ServiceOut, summary="One service")
def get_service(request: HttpRequest, service_id: int):
    return selectors.service_get(viewer=principal(request), pk=service_id)
