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


class PersonalDataCitizenOut(Schema):
    display_name: str
    email_key: str = Field(..., description="Your e-mail address as participation compares it.")
    language: str
    since: str | None


class PersonalDataCitizenProposalOut(Schema):
    id: int
    unit: int
    kind: str
    title: str
    body: str
    language: str
    status: str
    moderation_reason: str
    appeal: str
    submitted_at: str | None
    published_at: str | None
    answer: str
    answered_at: str | None


class PersonalDataCitizenCommentOut(Schema):
    id: int
    proposal_id: int
    body: str
    status: str
    moderation_reason: str
    appeal: str
    written_at: str | None


class PersonalDataCitizenSupportOut(Schema):
    proposal_id: int
    proposal: str
    status: str
    held_reason: str
    given_at: str | None
    withdrawn_at: str | None


class PersonalDataCitizenFollowOut(Schema):
    proposal_id: int
    proposal: str
    since: str | None


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
    citizen: PersonalDataCitizenOut | None = Field(
        ..., description="Your citizen profile, if you take part in citizens' proposals."
    )
    citizen_proposals: list[PersonalDataCitizenProposalOut]
    citizen_comments: list[PersonalDataCitizenCommentOut]
    citizen_supports: list[PersonalDataCitizenSupportOut]
    citizen_follows: list[PersonalDataCitizenFollowOut]
    records_naming_you: list[PersonalDataRecordOut] = Field(
        ..., description="Rows of any kind that point at you: the kind, its id and the field."
    )
    feedback: str = Field(..., description="Where your survey responses are, and how to ask.")
    # Sections added by apps above privacy (`privacy.signals.personal_data_exporting`): this
    # app may not import them, so their rows are described here, not typed by their schemas.
    notifications: list[dict[str, Any]] = Field(
        default=[], description="Your in-app notifications (kind, parameters, link, dates)."
    )
    follows: list[dict[str, Any]] = Field(
        default=[], description="What you follow for notifications (object type and id)."
    )
    notification_preferences: dict[str, Any] | None = Field(
        default=None, description="How you get notified by e-mail, and the kinds you muted."
    )


@router.get(
    "/me/data",
    response=PersonalDataOut,
    summary="Download everything CivicLoop holds about you (JSON)",
    description=(
        "Your profile, roles, API keys you created (metadata, never secrets), audit events you "
        "caused, sign-in history, the proposals you submitted that you may still read, your "
        "citizen profile with the proposals, comments, supports and follows you made, and "
        "your notifications, follows and notification preferences. Needs a signed-in person: "
        "API keys answer 403. The export is audited."
    ),
)
def export_my_data(request: HttpRequest) -> dict[str, Any]:
    return services.personal_data_export_run(actor=principal(request))
