"""Notifications API: one's own notifications, settings and follows; a unit's webhooks.

Notifications, settings and follows are a signed-in person's own (an API key has none: its
lists are empty, its writes answer 403). Webhooks belong to the units whose settings the
caller manages (`MANAGE_SETTINGS`); another unit's webhook is 404. Every operation calls the
same service or selector as the web pages (docs/notifications.md).
"""

from datetime import datetime
from typing import Literal, get_args

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    MappedRows,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
)
from civicloop.core.permissions import Ability, acting_unit
from civicloop.notifications import selectors, services
from civicloop.notifications.kinds import DeliveryMode, EmailMode, NotificationKind
from civicloop.notifications.messages import render
from civicloop.notifications.models import Notification

router = Router(tags=["notifications"])

KindName = Literal[
    "challenge_published",
    "question_answered",
    "deadline_approaching",
    "proposal_receipt",
    "evaluation_assigned",
    "evaluation_unassigned",
    "award",
    "unsuccessful",
    "decision_recorded",
    "obstacle_overdue",
    "sandbox_status",
    "citizen_proposal_status",
    "summary_published",
    "challenge_update",
]
EmailModeName = Literal["immediate", "digest", "off"]
DeliveryModeName = Literal["immediate", "digest", "in_app", "off"]
if (
    set(get_args(KindName)) != set(NotificationKind.values)
    or set(get_args(EmailModeName)) != set(EmailMode.values)
    or set(get_args(DeliveryModeName)) != set(DeliveryMode.values)
):  # pragma: no cover - a kind added to kinds.py but not here
    raise ImproperlyConfigured("notifications.api: list every kind and e-mail mode")


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str = Field(..., description="In the caller's language.")
    sentence: str = Field(..., description="What happened, in the caller's language.")
    params: dict[str, object] = Field(..., description="The facts the sentence reports.")
    link: str = Field(..., description="The page it concerns (a path on this site), or empty.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_subject(obj: Notification) -> str:
        return render(obj.kind, obj.params)[0]

    @staticmethod
    def resolve_sentence(obj: Notification) -> str:
        return render(obj.kind, obj.params)[1]


class NotificationsReadOut(Schema):
    marked: int = Field(..., description="How many notifications were unread and are now read.")


class NotificationKindSettingOut(Schema):
    kind: str
    label: str
    mode: str = Field(
        ...,
        description="Where this kind goes: `immediate` (the app and one e-mail each), `digest` "
        "(the app and the daily summary), `in_app` (the app only) or `off` (not at all).",
    )
    own: bool = Field(..., description="True: set for this kind; false: it follows the default.")
    in_app: bool = Field(..., description="Listed on the notifications page (all but `off`).")
    email: bool = Field(..., description="One e-mail per notification of this kind.")
    digest: bool = Field(..., description="In the daily summary e-mail instead.")


class NotificationPreferencesOut(Schema):
    email_mode: str = Field(
        ...,
        description="The default for kinds with no mode of their own: `immediate`, "
        "`digest` or `off` (the app only).",
    )
    muted_kinds: list[str] = Field(..., description="Kinds in the app only (no e-mail).")
    kind_modes: dict[str, str] = Field(..., description="The kinds with a mode of their own.")
    kinds: list[NotificationKindSettingOut] = Field(
        ..., description="What each kind does with these settings."
    )


class NotificationPreferencesIn(InputSchema):
    email_mode: EmailModeName = Field(..., description="The default for the other kinds.")
    kind_modes: dict[KindName, DeliveryModeName] = Field(
        default_factory=dict,
        description="A mode per kind (`immediate`, `digest`, `in_app`, `off`); a kind left out "
        "follows `email_mode`. Replaces the kinds' modes saved before.",
    )
    muted_kinds: list[KindName] = Field(
        default_factory=list,
        max_length=50,
        description="Older form: these kinds `in_app` (a mode in `kind_modes` wins).",
    )


class FollowOut(Schema):
    kind: Literal["iteration", "sandbox", "challenge", "proposal"] = Field(
        ..., description="`proposal` is a published citizens' proposal; `challenge` a call."
    )
    object_id: int
    title: str
    since: datetime


class FollowStateOut(Schema):
    kind: str
    object_id: int
    following: bool


class WebhookOut(Schema):
    id: int
    unit_id: int = Field(..., alias="organization_id")
    url: str
    kinds: list[str] = Field(..., description="Kinds it receives; empty: every kind.")
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        ...,
        description="The signing secret, shown in this answer only: store it now. It is kept "
        "encrypted to sign deliveries and never shown again.",
    )


class WebhookIn(InputSchema):
    unit_id: ObjectId | None = Field(
        None, description="The unit it belongs to (required when you manage several)."
    )
    url: str = Field(..., max_length=500, description="An https URL with a public address.")
    kinds: list[KindName] = Field(default_factory=list, max_length=50)


class WebhookPatch(PatchSchema):
    url: str | None = Field(None, max_length=500)
    kinds: list[KindName] | None = Field(None, max_length=50)
    active: bool | None = None


class WebhookDeliveryOut(Schema):
    id: int
    kind: str
    source: str
    status: str = Field(..., description="`pending`, `delivered` or `failed`.")
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


# -- one's own notifications ----------------------------------------------------------------


@router.get(
    "/notifications",
    response=list[NotificationOut],
    summary="My notifications, newest first (`unread=true`: only those not read yet)",
)
@paginate(Pagination)
def list_notifications(request: HttpRequest, unread: bool = False):
    return selectors.notification_list(viewer=principal(request), unread=unread)


@router.post(
    "/notifications/read",
    response=NotificationsReadOut,
    summary="Mark all my notifications read",
)
def mark_all_notifications_read(request: HttpRequest):
    return {"marked": services.notifications_mark_read(actor=principal(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one of my notifications read",
)
def mark_notification_read(request: HttpRequest, notification_id: ObjectId):
    viewer = principal(request)
    notification = selectors.notification_get(viewer=viewer, pk=notification_id)
    services.notifications_mark_read(actor=viewer, ids=[notification.pk])
    return selectors.notification_get(viewer=viewer, pk=notification_id)


@router.get(
    "/notifications/preferences",
    response=NotificationPreferencesOut,
    summary="My notification settings: in the app, by e-mail or in the daily digest, per kind",
)
def get_notification_preferences(request: HttpRequest):
    return selectors.preference_summary(viewer=principal(request))


@router.put(
    "/notifications/preferences",
    response=NotificationPreferencesOut,
    summary="Change my notification settings: a default e-mail mode and a mode per kind",
)
def update_notification_preferences(request: HttpRequest, payload: NotificationPreferencesIn):
    services.preferences_update(actor=principal(request), **payload.dict())
    return selectors.preference_summary(viewer=principal(request))


# -- follows --------------------------------------------------------------------------------


@router.get(
    "/notifications/follows",
    response=list[FollowOut],
    summary="What I follow: iterations, sandboxes, challenges, citizens' proposals; newest first",
    description="Paged by `limit` and `offset` as every list. An object that left your scope "
    "(moved to another unit, withdrawn) is left out, and `count` does not include it.",
)
@paginate(Pagination)
def list_follows(request: HttpRequest):
    viewer = principal(request)
    return MappedRows(
        selectors.follow_queryset(viewer=viewer),
        lambda rows: selectors.follow_rows(viewer=viewer, rows=rows),
    )


def _follow(request: HttpRequest, kind: str, object_id: int, on: bool):
    following = services.follow_change(
        actor=principal(request), kind=kind, object_id=object_id, follow=on
    )
    return {"kind": kind, "object_id": object_id, "following": following}


@router.put(
    "/notifications/follows/iterations/{iteration_id}",
    response=FollowStateOut,
    summary="Follow an iteration (told when a decision is recorded or its result published)",
)
def follow_iteration(request: HttpRequest, iteration_id: ObjectId):
    return _follow(request, "iteration", iteration_id, True)


@router.delete(
    "/notifications/follows/iterations/{iteration_id}",
    response=FollowStateOut,
    summary="Stop following an iteration",
)
def unfollow_iteration(request: HttpRequest, iteration_id: ObjectId):
    return _follow(request, "iteration", iteration_id, False)


@router.put(
    "/notifications/follows/sandboxes/{sandbox_id}",
    response=FollowStateOut,
    summary="Follow a sandbox (told when its application changes status)",
)
def follow_sandbox(request: HttpRequest, sandbox_id: ObjectId):
    return _follow(request, "sandbox", sandbox_id, True)


@router.delete(
    "/notifications/follows/sandboxes/{sandbox_id}",
    response=FollowStateOut,
    summary="Stop following a sandbox",
)
def unfollow_sandbox(request: HttpRequest, sandbox_id: ObjectId):
    return _follow(request, "sandbox", sandbox_id, False)


@router.put(
    "/notifications/follows/challenges/{challenge_id}",
    response=FollowStateOut,
    summary="Follow a challenge (told of answers, phase changes, the deadline, the award)",
    description="A published challenge, or a draft of your unit; any other answers 404. "
    "Followers get a `challenge_update` notification when a consultation question is answered, "
    "the call changes phase or a phase is set or closed, and when an award is decided; and a "
    "`deadline_approaching` one 7 days and 1 day before the deadline while their company has "
    "no proposal in.",
)
def follow_challenge(request: HttpRequest, challenge_id: ObjectId):
    return _follow(request, "challenge", challenge_id, True)


@router.delete(
    "/notifications/follows/challenges/{challenge_id}",
    response=FollowStateOut,
    summary="Stop following a challenge",
)
def unfollow_challenge(request: HttpRequest, challenge_id: ObjectId):
    return _follow(request, "challenge", challenge_id, False)


@router.put(
    "/notifications/follows/citizen-proposals/{citizen_proposal_id}",
    response=FollowStateOut,
    summary="Follow a published citizens' proposal (verified citizens; 403 otherwise)",
)
def follow_citizen_proposal(request: HttpRequest, citizen_proposal_id: ObjectId):
    return _follow(request, "proposal", citizen_proposal_id, True)


@router.delete(
    "/notifications/follows/citizen-proposals/{citizen_proposal_id}",
    response=FollowStateOut,
    summary="Stop following a citizens' proposal",
)
def unfollow_citizen_proposal(request: HttpRequest, citizen_proposal_id: ObjectId):
    return _follow(request, "proposal", citizen_proposal_id, False)


# -- webhooks -------------------------------------------------------------------------------


@router.get(
    "/notifications/webhooks",
    response=list[WebhookOut],
    summary="Webhooks of the units whose settings I manage (never their secrets)",
)
@paginate(Pagination)
def list_webhooks(request: HttpRequest):
    return selectors.webhook_list(viewer=principal(request))


@router.post(
    "/notifications/webhooks",
    response={201: WebhookCreatedOut},
    summary="Create a webhook; the answer holds its signing secret, shown this once",
)
def create_webhook(request: HttpRequest, payload: WebhookIn):
    actor = principal(request)
    unit = acting_unit(actor, Ability.MANAGE_SETTINGS, payload.unit_id)
    created = services.webhook_create(actor=actor, unit=unit, url=payload.url, kinds=payload.kinds)
    endpoint = created.endpoint
    return Status(
        201,
        {
            "id": endpoint.pk,
            "organization_id": endpoint.organization_id,
            "url": endpoint.url,
            "kinds": endpoint.kinds,
            "active": endpoint.active,
            "created_at": endpoint.created_at,
            "secret": created.secret,
        },
    )


@router.get(
    "/notifications/webhooks/{webhook_id}",
    response=WebhookOut,
    summary="One webhook of a unit whose settings I manage",
)
def get_webhook(request: HttpRequest, webhook_id: ObjectId):
    return selectors.webhook_get(viewer=principal(request), pk=webhook_id)


@router.patch(
    "/notifications/webhooks/{webhook_id}",
    response=WebhookOut,
    summary="Change a webhook's URL, kinds or switch it on or off (the secret stays)",
)
def update_webhook(request: HttpRequest, webhook_id: ObjectId, payload: WebhookPatch):
    actor = principal(request)
    endpoint = selectors.webhook_get(viewer=actor, pk=webhook_id)
    return services.webhook_update(
        actor=actor, endpoint=endpoint, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/notifications/webhooks/{webhook_id}",
    response={204: None},
    summary="Delete a webhook and its delivery log",
)
def delete_webhook(request: HttpRequest, webhook_id: ObjectId):
    actor = principal(request)
    endpoint = selectors.webhook_get(viewer=actor, pk=webhook_id)
    services.webhook_delete(actor=actor, endpoint=endpoint)
    return Status(204, None)


@router.get(
    "/notifications/webhooks/{webhook_id}/deliveries",
    response=list[WebhookDeliveryOut],
    summary="A webhook's delivery log, newest first: status, attempts, last answer",
)
@paginate(Pagination)
def list_webhook_deliveries(
    request: HttpRequest,
    webhook_id: ObjectId,
    status: Literal["", "pending", "delivered", "failed"] = Query(""),  # noqa: B008
):
    viewer = principal(request)
    endpoint = selectors.webhook_get(viewer=viewer, pk=webhook_id)
    return selectors.delivery_log(viewer=viewer, endpoint=endpoint, status=status)
