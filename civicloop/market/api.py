"""Market API: needs, challenges, consultation, vendors, sealed proposals, evaluation, awards,
contracts, programme metrics and the public OCDS release package. Thin: parse, call, return."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.models import Organization, OrganizationKind, Role
from civicloop.core.permissions import Ability
from civicloop.market import metrics, selectors, services
from civicloop.market.models import (
    Award,
    ChangeLogEntry,
    Contract,
    Milestone,
    Question,
)
from civicloop.market.ocds.build import release_package
from civicloop.market.uploads import MAX_UPLOAD_BYTES
from civicloop.portfolio.selectors import problem_get

router = Router(tags=["market"])

PhaseName = Literal["feasibility", "prototype", "pilot"]
StatusName = Literal["consultation", "open", "evaluation", "cancelled"]


# --- schemas -----------------------------------------------------------------------------------


class NeedOut(Schema):
    id: int
    title: str
    agency_id: int
    agency: str = Field(..., alias="agency.name")
    problem_id: int | None
    what_is_wrong: str
    who_is_affected: str
    current_cost: Decimal | None
    currency: str
    constraints: str
    status: str
    challenge_id: int | None
    created_at: datetime


class NeedIn(InputSchema):
    agency_id: int
    title: str = Field(..., min_length=5, max_length=200)
    what_is_wrong: str = Field(..., min_length=20)
    who_is_affected: str = Field(..., min_length=1)
    current_cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    constraints: str = ""
    problem_id: ObjectId | None = None


class SimilarOut(Schema):
    first_id: int
    first_title: str
    first_agency: str
    second_id: int
    second_title: str
    second_agency: str
    similarity: float


class MergeIn(InputSchema):
    need_ids: list[ObjectId] = Field(..., min_length=1)
    challenge_id: ObjectId | None = None
    title: str | None = Field(None, min_length=5, max_length=200)


class PhaseOut(Schema):
    id: int
    kind: str
    budget: Decimal
    awards_count: int
    starts_on: date | None
    ends_on: date | None


class CriterionOut(Schema):
    id: int
    phase_id: int | None
    name: str
    description: str
    weight: int
    max_score: int


class ChangeOut(Schema):
    field: str
    before: str
    after: str
    reason: str
    created_at: datetime


class QaOut(Schema):
    id: int
    question: str
    answer: str
    answered_at: datetime | None


class ChallengeOut(Schema):
    id: int
    unit_id: int
    problem_id: int | None
    title: str
    summary: str
    context: str
    users_affected: str
    outcomes_sought: str
    constraints: str
    data_available: str
    eligibility: str
    ip_terms: str
    timeline: str
    currency: str
    status: str
    anonymous_evaluation: bool
    consultation_closes_at: datetime | None
    submission_deadline: datetime | None
    published_at: datetime | None
    proposal_count: int
    phases: list[PhaseOut]
    criteria: list[CriterionOut]
    changes: list[ChangeOut]
    questions: list[QaOut]

    @staticmethod
    def resolve_proposal_count(obj) -> int:
        return selectors.proposal_count(challenge=obj)

    @staticmethod
    def resolve_phases(obj) -> list:
        return selectors.phases_of(challenge=obj)

    @staticmethod
    def resolve_criteria(obj) -> list:
        return selectors.criteria_of(challenge=obj)

    @staticmethod
    def resolve_changes(obj) -> list[ChangeLogEntry]:
        return list(obj.changes.all())

    @staticmethod
    def resolve_questions(obj) -> list[dict]:
        return selectors.question_list_public(challenge=obj)


class ChallengeSummaryOut(Schema):
    id: int
    title: str
    summary: str
    status: str
    currency: str
    submission_deadline: datetime | None
    proposal_count: int


class ChallengeIn(InputSchema):
    title: str = Field(..., min_length=5, max_length=200)
    context: str = Field(..., min_length=1)
    summary: str = Field("", max_length=500)
    users_affected: str = ""
    outcomes_sought: str = ""
    constraints: str = ""
    data_available: str = ""
    eligibility: str = ""
    ip_terms: str = ""
    timeline: str = ""
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    problem_id: ObjectId | None = None
    anonymous_evaluation: bool = False
    consultation_closes_at: datetime | None = None
    submission_deadline: datetime | None = None
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class ChallengePatch(PatchSchema):
    nullable = frozenset({"consultation_closes_at", "submission_deadline"})

    reason: str = Field("", description="Required once published; shown in the public change log.")
    title: str | None = Field(None, min_length=5, max_length=200)
    summary: str | None = Field(None, max_length=500)
    context: str | None = None
    users_affected: str | None = None
    outcomes_sought: str | None = None
    constraints: str | None = None
    data_available: str | None = None
    eligibility: str | None = None
    ip_terms: str | None = None
    timeline: str | None = None
    anonymous_evaluation: bool | None = None
    consultation_closes_at: datetime | None = None
    submission_deadline: datetime | None = None


class PhaseIn(InputSchema):
    kind: PhaseName
    budget: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    awards_count: int = Field(1, ge=1, le=100)
    starts_on: date | None = None
    ends_on: date | None = None


class CriterionIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    weight: int = Field(..., ge=1, le=100)
    max_score: int = Field(10, ge=1, le=100)
    description: str = ""


class CriteriaIn(InputSchema):
    phase: PhaseName | None = Field(None, description="Criteria of one phase (else challenge-wide)")
    criteria: list[CriterionIn] = Field(..., min_length=1)


class StatusIn(InputSchema):
    to_status: StatusName
    reason: str = Field(
        "",
        max_length=2000,
        description="Required to cancel a published call (at least 10 characters): shown in "
        "the public change log and sent to every bidder, whose proposals are voided unopened.",
    )


class RepublishIn(InputSchema):
    submission_deadline: datetime | None = Field(
        None, description="The new call's deadline (it starts as a draft; publish it as usual)."
    )


class TextIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=20000)


class AnswerIn(InputSchema):
    answer: str = Field(..., min_length=1, max_length=20000)


class VendorVerificationOut(Schema):
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    verified_by: str | None = Field(None, description="Who verified (name or e-mail)")
    verified_at: datetime
    note: str

    # A vendor sees which units verified it and when, never the verifying person or the
    # evidence note of a unit it is not staff of (as on the vendor's page).
    @staticmethod
    def resolve_verified_by(obj: Any, context: Any) -> str | None:
        person = obj.verified_by
        if person is None or not _verifier_visible(obj, context):
            return None
        return person.full_name or person.email

    @staticmethod
    def resolve_note(obj: Any, context: Any) -> str:
        return obj.note if _verifier_visible(obj, context) else ""


def _verifier_visible(verification: Any, context: Any) -> bool:
    viewer = principal(context["request"])
    return verification.organization_id in viewer.units_with(Ability.VIEW_MARKET)


class VendorProfileOut(Schema):
    id: int
    organization_id: int
    name: str = Field(..., alias="organization.name")
    sme_size: str = Field(..., alias="organization.sme_size")
    founding_year: int
    capabilities: str
    sectors: list[str]
    countries: list[str]
    references: str
    website: str
    verified: bool = Field(
        ..., description="Verified by your own unit (another unit's verification does not count)"
    )
    verifications: list[VendorVerificationOut] = Field(
        ..., description="Your unit's verification; a vendor sees every unit's verification"
    )

    @staticmethod
    def resolve_verified(obj: Any) -> bool:
        return bool(obj.visible_verifications)

    @staticmethod
    def resolve_verifications(obj: Any) -> list[Any]:
        return list(obj.visible_verifications)


class VendorVerifyIn(InputSchema):
    note: str = Field("", max_length=1000, description="The evidence checked")
    unit_id: ObjectId | None = Field(None, description="Needed only if you act for several units.")


class VendorProfileIn(InputSchema):
    founding_year: int = Field(..., ge=1800, le=2100)
    sme_size: Literal["micro", "small", "medium", "large"]
    capabilities: str = Field(..., min_length=20)
    sectors: list[str] = []
    countries: list[str] = []
    references: str = ""
    website: str = ""
    organization_id: int | None = Field(None, description="Needed only if you act for several.")


class VendorMatchOut(Schema):
    vendor: VendorProfileOut
    similarity: float


class ChallengeMatchOut(Schema):
    challenge: ChallengeSummaryOut
    similarity: float
    invited: bool


class InviteIn(InputSchema):
    vendor_id: int
    message: str = ""


class FileOut(Schema):
    id: int
    name: str
    size: int
    metadata_removed: list[str] = Field(
        default_factory=list,
        description="Anonymous calls: the identifying metadata removed from the file on upload "
        "(the stored bytes are the cleaned ones).",
    )


class ProposalOut(Schema):
    """Metadata only: content is at /content, sealed until the deadline."""

    id: int
    code: str
    challenge_id: int
    phase: str
    vendor_id: int | None
    vendor_name: str
    status: str
    revision: int
    submitted_at: datetime
    price: Decimal | None
    currency: str
    is_own: bool
    sealed: bool
    files: list[FileOut]


class ProposalIn(InputSchema):
    phase: PhaseName
    content: str = Field(..., min_length=50, max_length=200000)
    price: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    organization_id: int | None = Field(None, description="Needed only if you act for several.")


class ContentOut(Schema):
    proposal_id: int
    code: str
    content: str


class DeclarationIn(InputSchema):
    has_conflict: bool
    note: str = ""


class ProposalScoreIn(InputSchema):
    criterion_id: int
    score: int
    justification: str


class ProposalScoreOut(Schema):
    id: int
    criterion_id: int
    score: int
    justification: str


class RankingOut(Schema):
    proposal_id: int
    code: str
    vendor_name: str
    phase: str
    weighted_score: float
    criterion_means: dict[str, float]
    evaluators: int
    status: str


class DivergenceOut(Schema):
    proposal_code: str
    criterion: str
    scores: list[int]
    spread: int
    max_score: int
    divergent: bool


class AwardIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    rationale: str = Field(..., min_length=1)


class AwardOut(Schema):
    id: int
    proposal_id: int
    amount: Decimal
    currency: str
    rationale: str
    decided_at: datetime


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


class MetricsOut(Schema):
    challenges_closed: int
    bids_per_challenge: dict[str, int]
    mean_bids: float | None
    single_bid_rate: float | None
    awards: int
    award_value: Decimal
    sme_share_count: float | None
    sme_share_value: float | None
    startup_share_count: float | None
    startup_share_value: float | None
    first_time_share_count: float | None
    first_time_share_value: float | None
    hhi: float | None
    supplier_value: dict[str, Decimal]
    days_need_to_contract: list[int]
    median_days_need_to_contract: float | None


# --- helpers -----------------------------------------------------------------------------------


def _unit(request: HttpRequest, unit_id: int | None) -> Organization:
    units = sorted(principal(request).units_with(Ability.MANAGE_MARKET))
    if unit_id is not None:
        if unit_id not in units:
            raise ValidationError({"unit_id": "You cannot manage that unit's market."})
        return Organization.objects.get(pk=unit_id)
    if len(units) != 1:
        if not units:
            raise Http404("Not found")
        raise ValidationError({"unit_id": "You belong to several units: say which."})
    return Organization.objects.get(pk=units[0])


def vendor_org(request: HttpRequest, organization_id: int | None) -> Organization:
    own = sorted(principal(request).organizations([Role.VENDOR]))
    if organization_id is not None:
        if organization_id not in own:
            raise Http404("Not found")
        return Organization.objects.get(pk=organization_id)
    if len(own) != 1:
        if not own:
            raise Http404("Not found")
        raise ValidationError({"organization_id": "You act for several companies: say which."})
    return Organization.objects.get(pk=own[0])


def _phase(challenge, kind: str):
    phase = challenge.phases.filter(kind=kind).first()
    if phase is None:
        raise ValidationError({"phase": f"This challenge has no {kind} phase."})
    return phase


# --- public ------------------------------------------------------------------------------------


@router.get(
    "/open-data/ocds/release-package.json",
    auth=None,
    tags=["open data"],
    summary="OCDS 1.1.5 release package of every published challenge",
)
def ocds_release_package(request: HttpRequest):
    """Open contracting data: tenders, bid statistics, awards, contracts, party scale.

    Answers 404 until a challenge is published: OCDS packages need at least one release.
    """
    uri = request.build_absolute_uri()
    package = release_package(uri=uri)
    if not package.get("releases"):
        raise Http404("No challenge has been published yet.")
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})


@router.get(
    "/market/public/challenges",
    auth=None,
    response=list[ChallengeSummaryOut],
    summary="Published challenges (no sign-in)",
)
@paginate(Pagination)
def public_challenges(request: HttpRequest):
    return selectors.challenge_list_public()


@router.get(
    "/market/public/challenges/{challenge_id}",
    auth=None,
    response=ChallengeOut,
    summary="One published challenge with its Q&A and change log",
)
def public_challenge(request: HttpRequest, challenge_id: int):
    return selectors.challenge_get_public(pk=challenge_id)


# --- needs -------------------------------------------------------------------------------------


@router.get("/market/needs", response=list[NeedOut], summary="Innovation needs you can see")
@paginate(Pagination)
def list_needs(request: HttpRequest):
    return selectors.need_list(viewer=principal(request)).order_by("-created_at", "-pk")


@router.post("/market/needs", response={201: NeedOut}, summary="Submit an agency's need")
def create_need(request: HttpRequest, payload: NeedIn):
    actor = require_write(request)
    agency = Organization.objects.filter(pk=payload.agency_id, kind=OrganizationKind.AGENCY).first()
    if agency is None:
        raise ValidationError({"agency_id": "No agency with this id."})
    problem = problem_get(viewer=actor, pk=payload.problem_id) if payload.problem_id else None
    need = services.need_submit(
        actor=actor,
        agency=agency,
        title=payload.title,
        what_is_wrong=payload.what_is_wrong,
        who_is_affected=payload.who_is_affected,
        current_cost=payload.current_cost,
        currency=payload.currency,
        constraints=payload.constraints,
        problem=problem,
    )
    return Status(201, need)


@router.get(
    "/market/needs/similar", response=list[SimilarOut], summary="Similar needs across agencies"
)
def similar_needs(request: HttpRequest, threshold: float = 0.2):
    return [
        {
            "first_id": p.first.pk,
            "first_title": p.first.title,
            "first_agency": p.first.agency.name,
            "second_id": p.second.pk,
            "second_title": p.second.title,
            "second_agency": p.second.agency.name,
            "similarity": p.similarity,
        }
        for p in selectors.need_similar_pairs(viewer=principal(request), threshold=threshold)
    ]


@router.post(
    "/market/needs/merge", response={201: ChallengeOut}, summary="Merge needs into a challenge"
)
def merge_needs(request: HttpRequest, payload: MergeIn):
    actor = require_write(request)
    needs = list(selectors.need_list(viewer=actor).filter(pk__in=payload.need_ids))
    if len(needs) != len(set(payload.need_ids)):
        raise ValidationError({"need_ids": "One or more needs do not exist or are not yours."})
    challenge = (
        selectors.challenge_get(
            viewer=actor, pk=payload.challenge_id, ability=Ability.MANAGE_MARKET
        )
        if payload.challenge_id
        else None
    )
    result = services.needs_merge(
        actor=actor, needs=needs, challenge=challenge, title=payload.title
    )
    return Status(201, result)


# --- challenges --------------------------------------------------------------------------------


@router.get("/market/challenges", response=list[ChallengeSummaryOut], summary="Challenges")
@paginate(Pagination)
def list_challenges(request: HttpRequest):
    return selectors.challenge_list(viewer=principal(request))


@router.post("/market/challenges", response={201: ChallengeOut}, summary="Draft a challenge")
def create_challenge(request: HttpRequest, payload: ChallengeIn):
    actor = require_write(request)
    unit = _unit(request, payload.unit_id)
    data = payload.dict()
    data.pop("unit_id")
    problem_id = data.pop("problem_id")
    problem = problem_get(viewer=actor, pk=problem_id) if problem_id else None
    challenge = services.challenge_create(actor=actor, unit=unit, problem=problem, **data)
    return Status(201, challenge)


@router.get("/market/challenges/{challenge_id}", response=ChallengeOut, summary="One challenge")
def get_challenge(request: HttpRequest, challenge_id: int):
    return selectors.challenge_get(viewer=principal(request), pk=challenge_id)


@router.patch(
    "/market/challenges/{challenge_id}", response=ChallengeOut, summary="Change a challenge"
)
def update_challenge(request: HttpRequest, challenge_id: int, payload: ChallengePatch):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    services.challenge_update(actor=actor, challenge=challenge, reason=reason, **data)
    return selectors.challenge_get(viewer=actor, pk=challenge_id)


@router.post(
    "/market/challenges/{challenge_id}/phases", response={201: PhaseOut}, summary="Set a phase"
)
def set_phase(request: HttpRequest, challenge_id: int, payload: PhaseIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    return Status(201, services.phase_set(actor=actor, challenge=challenge, **payload.dict()))


@router.put(
    "/market/challenges/{challenge_id}/criteria",
    response=list[CriterionOut],
    summary="Replace weighted criteria (weights sum to 100)",
)
def set_criteria(request: HttpRequest, challenge_id: int, payload: CriteriaIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    phase = _phase(challenge, payload.phase) if payload.phase else None
    specs = [services.CriterionSpec(**c.dict()) for c in payload.criteria]
    return services.criteria_set(actor=actor, challenge=challenge, criteria=specs, phase=phase)


@router.post(
    "/market/challenges/{challenge_id}/status",
    response=ChallengeOut,
    summary="Publish, open, close or cancel",
)
def move_challenge(request: HttpRequest, challenge_id: int, payload: StatusIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    services.challenge_move(
        actor=actor, challenge=challenge, to_status=payload.to_status, reason=payload.reason
    )
    return selectors.challenge_get(viewer=actor, pk=challenge_id)


@router.post(
    "/market/challenges/{challenge_id}/republish",
    response={201: ChallengeOut},
    summary="Re-publish a cancelled call as a new draft",
    description="The way to an earlier deadline than one already published: cancel the call "
    "(its proposals are voided unopened and the bidders told), then re-publish it. The new "
    "challenge copies the statement, phases and criteria; its bids are new.",
)
def republish_challenge(request: HttpRequest, challenge_id: int, payload: RepublishIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    copy = services.challenge_republish(
        actor=actor, challenge=challenge, submission_deadline=payload.submission_deadline
    )
    return Status(201, selectors.challenge_get(viewer=actor, pk=copy.pk))


# --- consultation ------------------------------------------------------------------------------


@router.post(
    "/market/challenges/{challenge_id}/questions",
    response={201: QaOut},
    summary="Ask a clarification question (published anonymously with its answer)",
)
def ask_question(request: HttpRequest, challenge_id: int, payload: TextIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    q = services.question_ask(
        actor=actor, challenge=challenge, vendor=vendor_org(request, None), text=payload.text
    )
    return Status(201, {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": None})


@router.post("/market/questions/{question_id}/answer", response=QaOut, summary="Answer")
def answer_question(request: HttpRequest, question_id: int, payload: AnswerIn):
    actor = require_write(request)
    question = Question.objects.select_related("challenge").filter(pk=question_id).first()
    if question is None or question.challenge.unit_id not in actor.units_with(
        Ability.MANAGE_MARKET
    ):
        raise Http404("Not found")
    q = services.question_answer(actor=actor, question=question, answer=payload.answer)
    return {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": q.answered_at}


@router.post(
    "/market/challenges/{challenge_id}/rfi",
    response={201: dict},
    summary="Answer the request for information",
)
def respond_rfi(request: HttpRequest, challenge_id: int, payload: TextIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    response = services.rfi_respond(
        actor=actor, challenge=challenge, vendor=vendor_org(request, None), text=payload.text
    )
    return Status(201, {"id": response.pk})


# --- vendors -----------------------------------------------------------------------------------


@router.put("/market/vendor-profile", response=VendorProfileOut, summary="Register as a vendor")
def register_vendor(request: HttpRequest, payload: VendorProfileIn):
    actor = require_write(request)
    org = vendor_org(request, payload.organization_id)
    data = payload.dict()
    data.pop("organization_id")
    profile = services.vendor_register(actor=actor, organization=org, **data)
    return selectors.vendor_get(viewer=actor, pk=profile.pk)


@router.get("/market/vendors", response=list[VendorProfileOut], summary="Vendor profiles")
@paginate(Pagination)
def list_vendors(request: HttpRequest, verified: bool = False):
    return selectors.vendor_list(viewer=principal(request), verified_only=verified)


@router.post(
    "/market/vendors/{profile_id}/verify", response=VendorProfileOut, summary="Verify a vendor"
)
def verify_vendor(request: HttpRequest, profile_id: int, payload: VendorVerifyIn | None = None):
    """Your unit verifies the vendor (for your unit only); a body with an evidence note is
    optional."""
    actor = require_write(request)
    if not actor.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    payload = payload or VendorVerifyIn(note="", unit_id=None)
    profile = selectors.vendor_get(viewer=actor, pk=profile_id)
    unit = None
    if payload.unit_id is not None:
        unit = Organization.objects.filter(pk=payload.unit_id).first()
        if unit is None:
            raise ValidationError({"unit_id": "You do not manage the market of that unit."})
    services.vendor_verify(actor=actor, profile=profile, unit=unit, note=payload.note)
    return selectors.vendor_get(viewer=actor, pk=profile_id)


@router.get(
    "/market/challenges/{challenge_id}/vendor-matches",
    response=list[VendorMatchOut],
    summary="Vendors matched to a challenge",
)
def vendor_matches(
    request: HttpRequest,
    challenge_id: int,
    verified_only: bool = True,
    sme_only: bool = False,
    country: str | None = None,
):
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=challenge_id)
    return [
        {"vendor": m.profile, "similarity": m.similarity}
        for m in selectors.vendor_matches(
            viewer=viewer,
            challenge=challenge,
            verified_only=verified_only,
            sme_only=sme_only,
            country=country,
        )
    ]


@router.post(
    "/market/challenges/{challenge_id}/invitations", response={201: dict}, summary="Invite"
)
def invite_vendor(request: HttpRequest, challenge_id: int, payload: InviteIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    vendor = Organization.objects.filter(
        pk=payload.vendor_id, kind=OrganizationKind.COMPANY
    ).first()
    if vendor is None:
        raise ValidationError({"vendor_id": "No company with this id."})
    invitation = services.vendor_invite(
        actor=actor, challenge=challenge, vendor=vendor, message=payload.message
    )
    return Status(201, {"id": invitation.pk})


@router.get(
    "/market/matched-challenges",
    response=list[ChallengeMatchOut],
    summary="Challenges matched to your company",
)
def matched_challenges(request: HttpRequest):
    viewer = principal(request)
    vendor = vendor_org(request, None)
    out = []
    for m in selectors.challenge_matches(viewer=viewer, vendor=vendor):
        # ChallengeSummaryOut reads proposal_count from the instance.
        m.challenge.proposal_count = selectors.proposal_count(  # type: ignore[attr-defined]
            challenge=m.challenge
        )
        out.append({"challenge": m.challenge, "similarity": m.similarity, "invited": m.invited})
    return out


# --- proposals ---------------------------------------------------------------------------------


@router.get("/market/proposals", response=list[ProposalOut], summary="Proposals (metadata)")
@paginate(Pagination)
def list_proposals(request: HttpRequest, challenge_id: ObjectId | None = None):
    return selectors.proposal_list(viewer=principal(request), challenge_id=challenge_id)


@router.post(
    "/market/challenges/{challenge_id}/proposals",
    response={201: ProposalOut},
    summary="Submit or revise your sealed proposal before the deadline",
)
def submit_proposal(request: HttpRequest, challenge_id: int, payload: ProposalIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    vendor = vendor_org(request, payload.organization_id)
    proposal = services.proposal_submit(
        actor=actor,
        challenge=challenge,
        phase=_phase(challenge, payload.phase),
        vendor=vendor,
        content=payload.content,
        price=payload.price,
    )
    return Status(201, selectors.proposal_view(viewer=actor, pk=proposal.pk))


@router.get("/market/proposals/{proposal_id}", response=ProposalOut, summary="One proposal")
def get_proposal(request: HttpRequest, proposal_id: int):
    return selectors.proposal_view(viewer=principal(request), pk=proposal_id)


@router.get(
    "/market/proposals/{proposal_id}/content",
    response=ContentOut,
    summary="A proposal's content (sealed until the deadline; every read is audited)",
)
def proposal_content(request: HttpRequest, proposal_id: int):
    viewer = principal(request)
    text = selectors.proposal_content_open(viewer=viewer, pk=proposal_id)
    proposal = selectors.proposal_get(viewer=viewer, pk=proposal_id)
    return {"proposal_id": proposal.pk, "code": proposal.code, "content": text}


@router.post(
    "/market/proposals/{proposal_id}/files",
    response={201: FileOut},
    summary=f"Attach a PDF, ODT, DOCX, CSV or XLSX (≤ {MAX_UPLOAD_BYTES // 1048576} MB)",
    description="Each file at most 10 MB; per proposal at most `CIVICLOOP['MAX_PROPOSAL_FILES']` "
    "files (default 5) adding up to `CIVICLOOP['MAX_PROPOSAL_FILES_BYTES']` (default 25 MB); "
    "over a limit: 422 naming `file`, nothing stored. For an anonymous call the file's "
    "identifying metadata (document properties, authors of comments, image EXIF) is removed "
    "before it is sealed; `metadata_removed` says what.",
)
def upload_file(request: HttpRequest, proposal_id: int, file: UploadedFile = File(...)):  # noqa: B008
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than the limit of {MAX_UPLOAD_BYTES // 1048576} MB."}
        )
    record = services.proposal_file_add(
        actor=actor, proposal=proposal, name=file.name or "", data=file.read()
    )
    return Status(
        201,
        {
            "id": record.pk,
            "name": selectors.download_name(actor, record, proposal),
            "size": record.size,
            "metadata_removed": record.metadata_removed,
        },
    )


@router.delete(
    "/market/proposal-files/{file_id}",
    response={204: None},
    summary="Remove an attachment of your own proposal (before the deadline)",
)
def delete_file(request: HttpRequest, file_id: int):
    actor = require_write(request)
    record = selectors.own_proposal_file(viewer=actor, file_id=file_id)
    services.proposal_file_remove(actor=actor, file=record)
    return Status(204, None)


@router.get(
    "/market/proposal-files/{file_id}",
    summary="Download an attachment (sealed until the deadline; audited)",
)
def download_file(request: HttpRequest, file_id: int):
    name, data, content_type = selectors.proposal_file_open(
        viewer=principal(request), file_id=file_id
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- evaluation --------------------------------------------------------------------------------


@router.post(
    "/market/proposals/{proposal_id}/declaration",
    response={201: dict},
    summary="Declare a conflict of interest (or none) before scoring",
)
def declare(request: HttpRequest, proposal_id: int, payload: DeclarationIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    declaration = services.conflict_declare(
        actor=actor, proposal=proposal, has_conflict=payload.has_conflict, note=payload.note
    )
    return Status(201, {"id": declaration.pk, "has_conflict": declaration.has_conflict})


@router.post(
    "/market/proposals/{proposal_id}/scores",
    response={201: ProposalScoreOut},
    summary="Score one criterion with a justification",
)
def score(request: HttpRequest, proposal_id: int, payload: ProposalScoreIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    criterion = proposal.challenge.criteria.filter(pk=payload.criterion_id).first()
    if criterion is None:
        raise ValidationError({"criterion_id": "No such criterion in this challenge."})
    record = services.score_record(
        actor=actor,
        proposal=proposal,
        criterion=criterion,
        score=payload.score,
        justification=payload.justification,
    )
    return Status(201, record)


@router.get(
    "/market/challenges/{challenge_id}/ranking",
    response=list[RankingOut],
    summary="Weighted ranking (after the deadline)",
)
def get_ranking(request: HttpRequest, challenge_id: int):
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=challenge_id)
    return selectors.ranking(viewer=viewer, challenge=challenge)


@router.get(
    "/market/challenges/{challenge_id}/moderation",
    response=list[DivergenceOut],
    summary="Divergent scores for moderation",
)
def get_moderation(request: HttpRequest, challenge_id: int):
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=challenge_id)
    return selectors.moderation(viewer=viewer, challenge=challenge)


@router.post("/market/proposals/{proposal_id}/award", response={201: AwardOut}, summary="Award")
def award(request: HttpRequest, proposal_id: int, payload: AwardIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    return Status(
        201,
        services.award_decide(
            actor=actor, proposal=proposal, amount=payload.amount, rationale=payload.rationale
        ),
    )


@router.post(
    "/market/proposals/{proposal_id}/feedback",
    response={201: dict},
    summary="Feedback to an unsuccessful vendor",
)
def feedback(request: HttpRequest, proposal_id: int, payload: TextIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    record = services.feedback_send(actor=actor, proposal=proposal, text=payload.text)
    return Status(201, {"id": record.pk})


# --- contracts ---------------------------------------------------------------------------------


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
    award_obj = Award.objects.select_related("challenge").filter(pk=award_id).first()
    if award_obj is None or award_obj.challenge.unit_id not in actor.units_with(
        Ability.MANAGE_MARKET
    ):
        raise Http404("Not found")
    data = payload.dict()
    problem_id = data.pop("pilot_problem_id")
    problem = problem_get(viewer=actor, pk=problem_id) if problem_id else None
    contract = services.contract_sign(actor=actor, award=award_obj, pilot_problem=problem, **data)
    return Status(201, contract)


def _managed_contract(request: HttpRequest, contract_id: int) -> Contract:
    actor = principal(request)
    contract = selectors.contract_get(viewer=actor, pk=contract_id)
    if contract.award.challenge.unit_id not in actor.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    return contract


@router.post(
    "/market/contracts/{contract_id}/milestones", response={201: MilestoneOut}, summary="Milestone"
)
def add_milestone(request: HttpRequest, contract_id: int, payload: MilestoneIn):
    actor = require_write(request)
    contract = _managed_contract(request, contract_id)
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
    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("Not found")
    milestone.contract = _managed_contract(request, milestone.contract_id)
    return services.milestone_update(actor=actor, milestone=milestone, status=payload.status)


@router.post(
    "/market/contracts/{contract_id}/payments", response={201: dict}, summary="Record a payment"
)
def add_payment(request: HttpRequest, contract_id: int, payload: PaymentIn):
    actor = require_write(request)
    contract = _managed_contract(request, contract_id)
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
    return Status(201, {"id": payment.pk, "amount": payment.amount})


@router.get("/market/metrics", response=MetricsOut, summary="Programme metrics")
def programme_metrics(request: HttpRequest):
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    return metrics.programme_metrics(viewer=viewer)
