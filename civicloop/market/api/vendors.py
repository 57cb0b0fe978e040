"""Vendors: a company's profile, a unit's verification, matching and invitations."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    MappedRows,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability
from civicloop.market import selectors, services
from civicloop.market.api._common import acting_company
from civicloop.market.api.challenges import ChallengeSummaryOut

router = Router()


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


class SubscriptionOut(Schema):
    organization_id: int = Field(..., description="The company it belongs to.")
    sectors: list[str] = Field(..., description="Sectors (lower case) named in a challenge.")
    keywords: list[str] = Field(..., description="Words or phrases named in a challenge.")
    active: bool = Field(..., description="False: paused, no challenge_published notices.")


class SubscriptionIn(InputSchema):
    sectors: list[str] = Field(default_factory=list, max_length=30)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    active: bool = True
    organization_id: int | None = Field(None, description="Needed only if you act for several.")


class ChallengeInvitationOut(Schema):
    id: int
    challenge_id: int
    vendor_id: int


@router.put("/market/vendor-profile", response=VendorProfileOut, summary="Register as a vendor")
def register_vendor(request: HttpRequest, payload: VendorProfileIn):
    actor = require_write(request)
    data = payload.dict()
    org = acting_company(request, data.pop("organization_id"))
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
    payload = payload or VendorVerifyIn(note="", unit_id=None)
    profile = selectors.vendor_get(viewer=actor, pk=profile_id)
    services.vendor_verify(actor=actor, profile=profile, unit=payload.unit_id, note=payload.note)
    return selectors.vendor_get(viewer=actor, pk=profile_id)


@router.get(
    "/market/challenges/{challenge_id}/vendor-matches",
    response=list[VendorMatchOut],
    summary="Vendors matched to a challenge",
)
def list_vendor_matches(
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
    "/market/challenges/{challenge_id}/invitations",
    response={201: ChallengeInvitationOut},
    summary="Invite",
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
        raise ValidationError({"vendor_id": _("No company with this id.")})
    invitation = services.vendor_invite(
        actor=actor, challenge=challenge, vendor=vendor, message=payload.message
    )
    return Status(201, invitation)


@router.get(
    "/market/matched-challenges",
    response=list[ChallengeMatchOut],
    summary="Challenges matched to your company",
)
@paginate(Pagination)
def list_matched_challenges(request: HttpRequest):
    viewer = principal(request)
    vendor = acting_company(request, None)
    return MappedRows(selectors.challenge_matches(viewer=viewer, vendor=vendor), _matches_out)


def _matches_out(matches: list[selectors.ChallengeMatch]) -> list[dict[str, Any]]:
    counts = selectors.proposal_counts(challenge_ids=[m.challenge.pk for m in matches])
    out = []
    for m in matches:
        # ChallengeSummaryOut reads proposal_count from the instance.
        m.challenge.proposal_count = counts[m.challenge.pk]  # type: ignore[attr-defined]
        out.append({"challenge": m.challenge, "similarity": m.similarity, "invited": m.invited})
    return out


SUBSCRIPTION_RULE = (
    "A published challenge matches when one of the keywords or sectors appears as words in its "
    "title, summary, context, outcomes sought or users affected (case ignored); with neither, "
    "the sectors of the company's profile are used. Matching companies' people get a "
    "`challenge_published` notification when it opens, and `deadline_approaching` ones 7 days "
    "and 1 day before its deadline while they have no proposal in."
)


def _subscription_out(organization: Organization, sub: Any) -> dict[str, Any]:
    if sub is None:
        return {"organization_id": organization.pk, "sectors": [], "keywords": [], "active": False}
    return {
        "organization_id": organization.pk,
        "sectors": sub.sectors,
        "keywords": sub.keywords,
        "active": sub.active,
    }


@router.get(
    "/market/vendor-subscription",
    response=SubscriptionOut,
    summary="Your company's subscription to matching challenges",
    description=SUBSCRIPTION_RULE + " Before the company subscribes: empty and inactive. "
    "`organization_id` names the company if you act for several; one you do not act for is 404.",
)
def get_vendor_subscription(request: HttpRequest, organization_id: int | None = None):
    viewer = principal(request)
    vendor = acting_company(request, organization_id)
    return _subscription_out(vendor, selectors.vendor_subscription_of(viewer=viewer, vendor=vendor))


@router.put(
    "/market/vendor-subscription",
    response=SubscriptionOut,
    summary="Set your company's subscription (sectors, keywords, on or off)",
    description=SUBSCRIPTION_RULE + " At most 30 terms per list, each 2 to 80 characters; "
    "a refusal names the field. Audited as `market.vendor_subscribed`.",
)
def put_vendor_subscription(request: HttpRequest, payload: SubscriptionIn):
    actor = require_write(request)
    data = payload.dict()
    vendor = acting_company(request, data.pop("organization_id"))
    sub = services.vendor_subscribe(actor=actor, organization=vendor, **data)
    return _subscription_out(vendor, sub)


@router.get(
    "/market/vendor-subscription/challenges",
    response=list[ChallengeSummaryOut],
    summary="Open challenges your company's subscription matches, soonest deadline first",
    description=SUBSCRIPTION_RULE + " Only challenges in consultation or open; empty while the "
    "subscription is paused or missing.",
)
@paginate(Pagination)
def list_subscription_challenges(request: HttpRequest, organization_id: int | None = None):
    viewer = principal(request)
    vendor = acting_company(request, organization_id)
    rows = selectors.subscription_challenges(viewer=viewer, vendor=vendor)
    return MappedRows(rows, _with_counts)


def _with_counts(challenges: list[Any]) -> list[Any]:
    counts = selectors.proposal_counts(challenge_ids=[c.pk for c in challenges])
    for c in challenges:
        c.proposal_count = counts[c.pk]  # type: ignore[attr-defined]
    return challenges
