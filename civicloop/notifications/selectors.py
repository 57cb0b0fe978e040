"""Reads of the notifications app: a person's own notifications, followers, webhook logs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BigIntegerField, Case, CharField, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.http import Http404

from civicloop.core.models import AuditEvent, Person
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.experiments import selectors as experiments
from civicloop.experiments.models import Iteration
from civicloop.market import selectors as market
from civicloop.notifications.kinds import DeliveryMode, EmailMode, NotificationKind
from civicloop.notifications.models import (
    Follow,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from civicloop.participation import selectors as participation
from civicloop.scaling import selectors as scaling


def notification_list(*, viewer: Principal, unread: bool = False) -> QuerySet[Notification]:
    """The viewer's own notifications, newest first (nobody else's, whatever their role)."""
    if viewer.person is None:
        return Notification.objects.none()
    rows = Notification.objects.filter(person=viewer.person)
    return rows.filter(read_at__isnull=True) if unread else rows


def notification_get(*, viewer: Principal, pk: int) -> Notification:
    """One of the viewer's own notifications; anyone else's answers 404."""
    notification = notification_list(viewer=viewer).filter(pk=pk).first()
    if notification is None:
        raise Http404("Not found")
    return notification


def unread_count(*, viewer: Principal) -> int:
    return notification_list(viewer=viewer).filter(read_at__isnull=True).count()


def preference_get(*, viewer: Principal) -> NotificationPreference | None:
    if viewer.person is None:
        return None
    return NotificationPreference.objects.filter(person=viewer.person).first()


def preference_summary(*, viewer: Principal) -> dict[str, Any]:
    """The viewer's settings and, per kind, its mode and where its notifications go: the app
    unless "off"; by e-mail one at a time or in the daily digest."""
    pref = preference_get(viewer=viewer) or NotificationPreference(email_mode=EmailMode.IMMEDIATE)
    kinds = []
    for kind in NotificationKind:
        mode = pref.mode_for(kind.value)
        kinds.append(
            {
                "kind": kind.value,
                "label": str(kind.label),
                "mode": mode,
                "own": kind.value in pref.kind_modes,
                "in_app": mode != DeliveryMode.OFF,
                "email": mode == DeliveryMode.IMMEDIATE,
                "digest": mode == DeliveryMode.DIGEST,
            }
        )
    return {
        "email_mode": pref.email_mode,
        "muted_kinds": [k["kind"] for k in kinds if k["mode"] == DeliveryMode.IN_APP],
        "kind_modes": dict(pref.kind_modes),
        "kinds": kinds,
    }


def is_following(*, viewer: Principal, object_type: str, object_id: str) -> bool:
    if viewer.person is None:
        return False
    return Follow.objects.filter(
        person=viewer.person, object_type=object_type, object_id=str(object_id)
    ).exists()


# What a person may follow from a page's Follow button (and the API): the kind's name, the
# model label a `Follow` row stores, and the scoped read that answers 404 outside the scope.
FOLLOWABLE: dict[str, tuple[str, Callable[[Principal, int], Any]]] = {
    "iteration": (
        "experiments.iteration",
        lambda viewer, pk: experiments.iteration_get(viewer=viewer, pk=pk),
    ),
    "sandbox": ("scaling.sandbox", lambda viewer, pk: scaling.sandbox_get(viewer=viewer, pk=pk)),
    # a published challenge (or a draft of the viewer's unit): answers, phases, deadline, award
    "challenge": (
        "market.challenge",
        lambda viewer, pk: market.challenge_get(viewer=viewer, pk=pk),
    ),
}
# The objects of one kind that the viewer may see (a queryset, used as a subquery).
FOLLOWABLE_VISIBLE: dict[str, Callable[[Principal], QuerySet[Any]]] = {
    "iteration": lambda viewer: experiments.iteration_visible(viewer=viewer),
    "sandbox": lambda viewer: scaling.sandbox_list(viewer=viewer),
    "challenge": lambda viewer: market.challenge_readable(viewer=viewer),
}
# The titles of the objects of one kind among some ids that the viewer may see (one query).
FOLLOWABLE_TITLES: dict[str, Callable[[Principal, list[int]], dict[int, str]]] = {
    "iteration": lambda viewer, ids: experiments.iteration_titles(viewer=viewer, ids=ids),
    "sandbox": lambda viewer, ids: scaling.sandbox_titles(viewer=viewer, ids=ids),
    "challenge": lambda viewer, ids: market.challenge_titles(viewer=viewer, ids=ids),
}
# Citizens' proposals are followed in the participation app (its own `Follow`, verified
# citizens only); the API lists and changes them with the others under this name.
PROPOSAL = "proposal"
FOLLOW_KINDS = (*FOLLOWABLE, PROPOSAL)


def follow_target(*, viewer: Principal, kind: str, object_id: int) -> str:
    """The model label of an object the viewer can see and follow; anything else is 404."""
    if kind not in FOLLOWABLE:
        raise Http404("Not found")
    label, get = FOLLOWABLE[kind]
    get(viewer, object_id)  # 404 outside the viewer's scope
    return label


@dataclass(frozen=True)
class FollowRow:
    kind: str
    object_id: int
    title: str
    since: datetime


def follow_queryset(*, viewer: Principal) -> QuerySet[Any]:
    """(created_at, kind, oid) of every follow the viewer may still see, as one SQL union
    ordered newest first: iterations, sandboxes and challenges kept only when the viewer may
    read them
    (subqueries), citizens' proposals only while public. Pages slice it and count it in SQL,
    then `follow_rows` names a page's objects (one query per kind), so the list costs the same
    at any length. An object that left the viewer's scope is left out and not counted."""
    if viewer.person is None:
        return Follow.objects.none().values_list("created_at", "object_type", "object_id")
    in_scope = Q(pk__in=[])
    kind_of = []
    for kind, (label, _get) in FOLLOWABLE.items():
        visible = FOLLOWABLE_VISIBLE[kind](viewer).annotate(spk=Cast("pk", CharField()))
        in_scope |= Q(object_type=label, object_id__in=visible.values("spk"))
        kind_of.append(When(object_type=label, then=Value(kind)))
    ours = (
        Follow.objects.filter(in_scope, person=viewer.person)
        .annotate(
            kind=Case(*kind_of, output_field=CharField()),
            oid=Cast("object_id", BigIntegerField()),
        )
        .values_list("created_at", "kind", "oid")
    )
    proposals = (
        participation.proposal_follows(person=viewer.person)
        .annotate(
            kind=Value(PROPOSAL, output_field=CharField()),
            oid=Cast("proposal_id", BigIntegerField()),
        )
        .values_list("created_at", "kind", "oid")
    )
    return ours.union(proposals, all=True).order_by("-created_at", "-kind", "-oid")


def follow_rows(*, viewer: Principal, rows: list[tuple[datetime, str, int]]) -> list[FollowRow]:
    """One page of followed objects with their titles (one query per kind)."""
    ids: dict[str, list[int]] = {kind: [] for kind in FOLLOW_KINDS}
    for _since, kind, pk in rows:
        ids[kind].append(pk)
    titles = {kind: FOLLOWABLE_TITLES[kind](viewer, ids[kind]) for kind in FOLLOWABLE if ids[kind]}
    if ids[PROPOSAL]:
        titles[PROPOSAL] = participation.proposal_titles(ids=ids[PROPOSAL])
    return [
        FollowRow(kind, pk, titles[kind][pk], since)
        for since, kind, pk in rows
        if pk in titles.get(kind, {})  # left the scope since the page was read
    ]


def followers_of(object_type: str, object_id: str) -> list[int]:
    """System read for rules: ids of the active people following an object."""
    return list(
        Follow.objects.filter(
            object_type=object_type, object_id=str(object_id), person__is_active=True
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )


def iteration_problem_ids(iteration_id: str) -> list[int]:
    """System read for rules: the portfolio problems an iteration works on (its service's)."""
    return list(
        Iteration.objects.filter(pk=int(iteration_id), service__problems__isnull=False)
        .order_by("service__problems")
        .values_list("service__problems", flat=True)
    )


def first_actor_of(action: str, object_type: str, object_id: str) -> int | None:
    """System read for rules: the person who first did `action` on the object (audit log)."""
    event = (
        AuditEvent.objects.filter(action=action, object_type=object_type, object_id=str(object_id))
        .exclude(actor__isnull=True)
        .order_by("sequence")
        .first()
    )
    return event.actor_id if event else None


def webhook_list(*, viewer: Principal) -> QuerySet[WebhookEndpoint]:
    """Endpoints of the units whose settings the viewer manages."""
    return WebhookEndpoint.objects.filter(
        scope_q(viewer, Ability.MANAGE_SETTINGS, unit_field="organization_id")
    ).select_related("organization")


def webhook_get(*, viewer: Principal, pk: int) -> WebhookEndpoint:
    endpoint = webhook_list(viewer=viewer).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("Not found")
    return endpoint


def delivery_log(
    *, viewer: Principal, endpoint: WebhookEndpoint, status: str = ""
) -> QuerySet[WebhookDelivery]:
    """The delivery log of an endpoint the viewer reached through `webhook_get` (one status)."""
    webhook_get(viewer=viewer, pk=endpoint.pk)
    log = WebhookDelivery.objects.filter(endpoint=endpoint)
    return log.filter(status=status) if status else log


def delivery_list(*, viewer: Principal, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The 200 latest deliveries of an endpoint (its page)."""
    return delivery_log(viewer=viewer, endpoint=endpoint)[:200]


def personal_data(*, person: Person, **_: Any) -> dict[str, Any]:
    """The person's notifications, follows and preferences for their data export."""
    preference = NotificationPreference.objects.filter(person=person).first()
    return {
        "notifications": [
            {
                "kind": n.kind,
                "params": n.params,
                "link": n.link,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
                "emailed_at": n.emailed_at.isoformat() if n.emailed_at else None,
            }
            for n in Notification.objects.filter(person=person).order_by("pk")
        ],
        "follows": [
            {
                "object_type": f.object_type,
                "object_id": f.object_id,
                "since": f.created_at.isoformat(),
            }
            for f in Follow.objects.filter(person=person).order_by("pk")
        ],
        "notification_preferences": (
            {
                "email_mode": preference.email_mode,
                "muted_kinds": preference.muted_kinds,
                "kind_modes": preference.kind_modes,
            }
            if preference is not None
            else None
        ),
    }
