"""Contracts and pilots: signing an award's contract, milestones and payments."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal, require_write
from civicloop.market import selectors, services
from civicloop.market.models import Milestone
from civicloop.portfolio.selectors import problem_get

router = Router()


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    status: str


class ContractOut(Schema):
    id: int
    award_id: int
    title: str
    value: Decimal
    currency: str
    signed_on: date
    starts_on: date
    ends_on: date
    status: str
    pilot_problem_id: int | None
    pilot_service_id: int | None
    milestones: list[MilestoneOut]
    paid: Decimal

    @staticmethod
    def resolve_milestones(obj) -> list[Milestone]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_paid(obj) -> Decimal:
        return sum((p.amount for p in obj.payments.all()), Decimal(0))


class ContractIn(InputSchema):
    title: str = Field("", max_length=200)
    value: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    signed_on: date
    starts_on: date
    ends_on: date
    pilot_problem_id: ObjectId | None = None
    pilot_service_id: ObjectId | None = None


class MilestoneIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    due_on: date


class MilestoneStatusIn(InputSchema):
    status: Literal["scheduled", "met", "notMet"] = Field(
        ...,
        description=(
            "`scheduled` (not yet due or not yet judged), `met` (delivered and accepted) or "
            "`notMet` (not delivered, or delivered and not accepted)."
        ),
    )


class PaymentIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    paid_on: date
    milestone_id: ObjectId | None = None


class PaymentOut(Schema):
    id: int
    amount: Decimal
    paid_on: date
    milestone_id: int | None


@router.get("/market/contracts", response=list[ContractOut], summary="Contracts and pilots")
@paginate(Pagination)
def list_contracts(request: HttpRequest):
    return selectors.contract_list(viewer=principal(request)).prefetch_related(
        "milestones", "payments"
    )


@router.post(
    "/market/awards/{award_id}/contract", response={201: ContractOut}, summary="Sign a contract"
)
def sign_contract(request: HttpRequest, award_id: int, payload: ContractIn):
    actor = require_write(request)
    award = selectors.award_get_managed(viewer=actor, pk=award_id)
    data = payload.dict()
    problem_id = data.pop("pilot_problem_id")
    problem = problem_get(viewer=actor, pk=problem_id) if problem_id else None
    contract = services.contract_sign(actor=actor, award=award, pilot_problem=problem, **data)
    return Status(201, contract)


@router.post(
    "/market/contracts/{contract_id}/milestones", response={201: MilestoneOut}, summary="Milestone"
)
def add_contract_milestone(request: HttpRequest, contract_id: int, payload: MilestoneIn):
    actor = require_write(request)
    contract = selectors.contract_get_managed(viewer=actor, pk=contract_id)
    return Status(201, services.milestone_add(actor=actor, contract=contract, **payload.dict()))


@router.post(
    "/market/milestones/{milestone_id}/status",
    response=MilestoneOut,
    summary="Mark a contract milestone scheduled, met or not met",
    description=(
        "Sets the status of one milestone of a contract, as the contract page's status form "
        "does: any status may follow any other (a milestone judged met in error can go back "
        "to `scheduled`). Only staff of the unit that runs the challenge may do this; the "
        "change is recorded in the audit log (`market.milestone_updated`, status before and "
        "after). Returns the milestone as it now stands.\n\n"
        "Answers 404 when the milestone does not exist or its contract is outside what you "
        "manage (evaluators, auditors and the contracted vendor may read the contract but not "
        "change it), 403 for a read-only API key, and 422 naming `status` for any value other "
        "than `scheduled`, `met` or `notMet`."
    ),
)
def set_milestone_status(request: HttpRequest, milestone_id: int, payload: MilestoneStatusIn):
    actor = require_write(request)
    milestone = selectors.milestone_get_managed(viewer=actor, pk=milestone_id)
    return services.milestone_update(actor=actor, milestone=milestone, status=payload.status)


@router.post(
    "/market/contracts/{contract_id}/payments",
    response={201: PaymentOut},
    summary="Record a payment",
)
def add_contract_payment(request: HttpRequest, contract_id: int, payload: PaymentIn):
    actor = require_write(request)
    contract = selectors.contract_get_managed(viewer=actor, pk=contract_id)
    milestone = (
        contract.milestones.filter(pk=payload.milestone_id).first()
        if payload.milestone_id
        else None
    )
    payment = services.payment_record(
        actor=actor,
        contract=contract,
        amount=payload.amount,
        paid_on=payload.paid_on,
        milestone=milestone,
    )
    return Status(201, payment)
