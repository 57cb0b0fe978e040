"""The signed-in person's own data (GDPR Arts. 15 and 20)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from typing_extensions import TypedDict

from civicloop.core.http import principal
from civicloop.privacy import services

router = Router(tags=["privacy"])


class PersonalDataPersonOut(Schema):
    id: int
    email: str
    full_name: str
    first_name: str
    last_name: str
    preferred_language: str
    date_joined: str | None
    last_login: str | None
    is_active: bool


class PersonalDataMembershipOut(Schema):
    organization_id: int
    organization: str
    organization_kind: str
    role: str
    since: str | None


class PersonalDataEmailOut(Schema):
    email: str
    verified: bool
    primary: bool


class PersonalDataAuthenticatorOut(Schema):
    type: str
    created_at: str | None
    last_used_at: str | None


class PersonalDataApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    organization: str
    created_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class PersonalDataAuditEventOut(Schema):
    sequence: int
    occurred_at: str | None
    action: str
    object_type: str
    object_id: str
    organization_id: int | None


class PersonalDataSignInOut(Schema):
    signed_in_at: str | None
    signed_out_at: str | None
    ip_address: str | None
    user_agent: str | None


class PersonalDataFailedSignInOut(Schema):
    attempted_at: str | None
    ip_address: str | None
    user_agent: str | None
    locked_out: bool


class PersonalDataProposalOut(Schema):
    id: int
    code: str
    challenge_id: int
    challenge: str
    vendor: str
    status: str
    revision: int
    submitted_at: str | None
    price: str | None = Field(..., description="A decimal, as a string.")
    currency: str


# A TypedDict, not a Schema: the key `as` is a Python keyword.
PersonalDataRecordOut = TypedDict(
    "PersonalDataRecordOut", {"record": str, "id": int | str, "as": str}
)


class PersonalDataOut(Schema):
    format: str = Field(..., description="`civicloop-personal-data/1`.")
    generated_at: str
    person: PersonalDataPersonOut
    memberships: list[PersonalDataMembershipOut]
    email_addresses: list[PersonalDataEmailOut]
    two_factor_authenticators: list[PersonalDataAuthenticatorOut]
    api_keys_created: list[PersonalDataApiKeyOut] = Field(
        ..., description="Metadata of the keys you created; never their secrets."
    )
    audit_events_as_actor: list[PersonalDataAuditEventOut]
    sign_in_history: list[PersonalDataSignInOut]
    failed_sign_ins: list[PersonalDataFailedSignInOut]
    proposals_submitted: list[PersonalDataProposalOut]
    records_naming_you: list[PersonalDataRecordOut] = Field(
        ..., description="Rows of any kind that point at you: the kind, its id and the field."
    )
    feedback: str = Field(..., description="Where your survey responses are, and how to ask.")


@router.get(
    "/me/data",
    response=PersonalDataOut,
    summary="Download everything CivicLoop holds about you (JSON)",
    description=(
        "Your profile, roles, API keys you created (metadata, never secrets), audit events you "
        "caused, sign-in history and the proposals you submitted that you may still read. "
        "Needs a signed-in person: API keys answer 403. The export is audited."
    ),
)
def export_my_data(request: HttpRequest) -> dict[str, Any]:
    return services.personal_data_export_run(actor=principal(request))
