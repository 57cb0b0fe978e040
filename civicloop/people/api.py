"""People API: organisations, invitations, roles and (de)activation, for unit admins.

Signed-in people only (a browser session with the CSRF header): an API key manages nobody (its
lists are empty, objects answer 404, a new organisation 403), so a leaked key cannot mint staff
accounts. Outside the admin's organisations everything is 404.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal
from civicloop.core.models import Membership, Organization, Person
from civicloop.core.permissions import Principal
from civicloop.people import selectors, services
from civicloop.people.models import Invitation

router = Router(tags=["people"])

RoleName = Literal["unit_staff", "agency_official", "evaluator", "vendor", "auditor"]
KindName = Literal["unit", "agency", "jurisdiction", "company", "research"]
LanguageName = Literal["en", "es"]


def _admin(request: HttpRequest) -> Principal:
    # API keys reach these operations but manage nobody: their lists are empty and every
    # object answers 404 (selectors.manageable_unit_ids), as for anything outside scope.
    return principal(request)


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    slug: str
    unit_id: int | None
    country: str
    population: int | None
    sme_size: str


class OrganizationIn(InputSchema):
    kind: KindName
    name: str = Field(..., min_length=1, max_length=200)
    unit_id: ObjectId | None = Field(
        None, description="The unit it works with (not for a new unit; operators only)."
    )
    country: str = Field("", max_length=2)
    population: int | None = Field(None, ge=0)
    sme_size: Literal["", "micro", "small", "medium", "large"] = ""


class MembershipOut(Schema):
    id: int
    person_id: int
    email: str = Field(..., alias="person.email")
    full_name: str = Field(..., alias="person.full_name")
    active: bool = Field(..., alias="person.is_active")
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    role: str


class PersonOut(Schema):
    id: int
    email: str
    full_name: str
    is_active: bool
    last_login: datetime | None


class InvitationOut(Schema):
    id: int
    email: str
    organization_id: int
    role: str
    language: str
    status: str
    expires_at: datetime
    sent_count: int
    created_at: datetime


class InvitationIn(InputSchema):
    organization_id: ObjectId
    email: str = Field(..., max_length=254)
    role: RoleName
    full_name: str = Field("", max_length=200)
    language: LanguageName = "en"


class RoleIn(InputSchema):
    role: RoleName


class RoleAddIn(InputSchema):
    organization_id: ObjectId
    role: RoleName


@router.get(
    "/people/organizations",
    response=list[OrganizationOut],
    summary="Organisations whose people you manage",
)
@paginate(Pagination)
def organization_list(request: HttpRequest):
    return selectors.manageable_organizations(viewer=_admin(request))


@router.post(
    "/people/organizations",
    response={201: OrganizationOut},
    summary="Add an agency, company, jurisdiction or research body to your unit",
    description="A new transformation unit (`kind: unit`) is created by operators only.",
)
def organization_create(request: HttpRequest, payload: OrganizationIn):
    actor = _admin(request)
    unit = (
        selectors.organization_get(viewer=actor, pk=payload.unit_id)
        if payload.unit_id is not None
        else None
    )
    if unit is None and payload.kind != "unit":
        units = list(selectors.manageable_units(viewer=actor))
        unit = units[0] if len(units) == 1 else None
    org = services.partner_organization_create(
        actor=actor,
        kind=payload.kind,
        name=payload.name,
        unit=unit,
        country=payload.country,
        population=payload.population,
        sme_size=payload.sme_size,
    )
    return Status(201, org)


@router.get(
    "/people/memberships",
    response=list[MembershipOut],
    summary="Who has which role (filter by organisation, role and status)",
)
@paginate(Pagination)
def membership_list(
    request: HttpRequest,
    organization_id: int | None = None,
    role: RoleName | None = None,
    active: bool | None = None,
):
    return selectors.membership_list(
        viewer=_admin(request), organization_id=organization_id, role=role, active=active
    )


@router.patch(
    "/people/memberships/{membership_id}",
    response=MembershipOut,
    summary="Change the role a person holds in an organisation",
)
def membership_role_change(request: HttpRequest, membership_id: int, payload: RoleIn):
    actor = _admin(request)
    membership = selectors.membership_get(viewer=actor, pk=membership_id)
    return services.membership_role_change(actor=actor, membership=membership, role=payload.role)


@router.delete(
    "/people/memberships/{membership_id}",
    response={204: None},
    summary="Take a role away (not a person's last one: deactivate them instead)",
)
def membership_remove(request: HttpRequest, membership_id: int):
    actor = _admin(request)
    membership = selectors.membership_get(viewer=actor, pk=membership_id)
    services.membership_remove(actor=actor, membership=membership)
    return Status(204, None)


@router.get("/people/{person_id}", response=PersonOut, summary="A person you manage")
def person_detail(request: HttpRequest, person_id: int) -> Person:
    return selectors.person_get(viewer=_admin(request), pk=person_id)


@router.post(
    "/people/{person_id}/roles",
    response={201: MembershipOut},
    summary="Give a person you manage another role",
)
def person_role_add(request: HttpRequest, person_id: int, payload: RoleAddIn):
    actor = _admin(request)
    person = selectors.person_get(viewer=actor, pk=person_id)
    organization = selectors.organization_get(viewer=actor, pk=payload.organization_id)
    membership: Membership = services.person_role_add(
        actor=actor, person=person, organization=organization, role=payload.role
    )
    return Status(201, membership)


@router.post(
    "/people/{person_id}/deactivate",
    response=PersonOut,
    summary="Deactivate: sessions end and API keys they created are revoked at once",
)
def person_deactivate(request: HttpRequest, person_id: int) -> Person:
    actor = _admin(request)
    person = selectors.person_get(viewer=actor, pk=person_id)
    return services.person_deactivate(actor=actor, person=person)


@router.post(
    "/people/{person_id}/reactivate",
    response=PersonOut,
    summary="Let a deactivated person sign in again",
)
def person_reactivate(request: HttpRequest, person_id: int) -> Person:
    actor = _admin(request)
    person = selectors.person_get(viewer=actor, pk=person_id)
    return services.person_reactivate(actor=actor, person=person)


@router.get("/invitations", response=list[InvitationOut], summary="Invitations you sent")
@paginate(Pagination)
def invitation_list(request: HttpRequest, pending: bool = False):
    return selectors.invitation_list(viewer=_admin(request), pending_only=pending)


@router.post(
    "/invitations",
    response={201: InvitationOut},
    summary="Invite someone by e-mail to hold a role in an organisation you manage",
    description="The e-mail (with a single-use link) is sent by a background task.",
)
def invitation_create(request: HttpRequest, payload: InvitationIn):
    actor = _admin(request)
    organization: Organization = selectors.organization_get(
        viewer=actor, pk=payload.organization_id
    )
    sent = services.invitation_create(
        actor=actor,
        organization=organization,
        email=payload.email,
        role=payload.role,
        full_name=payload.full_name,
        language=payload.language,
        base_url=request.build_absolute_uri("/"),
    )
    return Status(201, sent.invitation)


@router.post(
    "/invitations/{invitation_id}/resend",
    response=InvitationOut,
    summary="Send a new link (the old one stops working)",
)
def invitation_resend(request: HttpRequest, invitation_id: int) -> Invitation:
    actor = _admin(request)
    invitation = selectors.invitation_get(viewer=actor, pk=invitation_id)
    return services.invitation_resend(
        actor=actor, invitation=invitation, base_url=request.build_absolute_uri("/")
    ).invitation


@router.post(
    "/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    summary="Withdraw an invitation",
)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> Invitation:
    actor = _admin(request)
    invitation = selectors.invitation_get(viewer=actor, pk=invitation_id)
    return services.invitation_revoke(actor=actor, invitation=invitation)
