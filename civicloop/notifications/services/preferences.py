"""A person's own notification settings: e-mail mode, muted kinds, follows, read marks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Person
from civicloop.core.permissions import Principal, require_person
from civicloop.notifications.events import NotificationEvent
from civicloop.notifications.kinds import DeliveryMode, EmailMode, NotificationKind
from civicloop.notifications.models import Follow, Notification, NotificationPreference
from civicloop.notifications.selectors import PROPOSAL, follow_target
from civicloop.notifications.services.delivery import unsubscribe_read
from civicloop.participation import selectors as participation
from civicloop.participation import services as participation_services


def _kind_modes(kind_modes: Mapping[str, str], muted_kinds: Sequence[str]) -> dict[str, str]:
    """Each kind's own mode, checked; a muted kind (the older setting) is "in the app only"."""
    unknown = sorted((set(muted_kinds) | set(kind_modes)) - set(NotificationKind.values))
    if unknown:
        field = "kind_modes" if set(unknown) & set(kind_modes) else "muted_kinds"
        raise ValidationError(
            {field: _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    bad = sorted(k for k, mode in kind_modes.items() if mode not in DeliveryMode.values)
    if bad:
        raise ValidationError(
            {
                "kind_modes": _(
                    "Choose e-mail, daily summary, the app only or not at all for: %(kinds)s."
                )
                % {"kinds": ", ".join(bad)}
            }
        )
    modes = {kind: DeliveryMode.IN_APP.value for kind in muted_kinds}
    modes.update({kind: str(mode) for kind, mode in kind_modes.items()})
    return dict(sorted(modes.items()))


@transaction.atomic
def preferences_update(
    *,
    actor: Principal,
    email_mode: str,
    muted_kinds: Sequence[str] = (),
    kind_modes: Mapping[str, str] | None = None,
) -> NotificationPreference:
    """Set the default e-mail mode and each kind's own mode (kinds not named follow the
    default); `muted_kinds` is the older way to say "the app only" for some kinds."""
    person = require_person(actor)
    if email_mode not in EmailMode.values:
        raise ValidationError(
            {"email_mode": _("Choose one e-mail per notification, a daily summary, or none.")}
        )
    modes = _kind_modes(kind_modes or {}, muted_kinds)
    before = NotificationPreference.objects.filter(person=person).first()
    pref, _created = NotificationPreference.objects.update_or_create(
        person=person,
        defaults={"email_mode": email_mode, "muted_kinds": [], "kind_modes": modes},
    )
    audit_record(
        actor=actor,
        action=NotificationEvent.PREFERENCES_CHANGED,
        obj=pref,
        before=(
            {"email_mode": before.email_mode, "kind_modes": before.kind_modes} if before else None
        ),
        after={"email_mode": pref.email_mode, "kind_modes": pref.kind_modes},
    )
    return pref


@transaction.atomic
def unsubscribe(*, token: str) -> NotificationPreference:
    """The signed link of an e-mail: stop one kind, or ("all") every notification e-mail.

    No sign-in: the signature is the proof (a forged or altered token is a `ValidationError`).
    """
    try:
        person_id, kind = unsubscribe_read(token)
    except signing.BadSignature:
        raise ValidationError({"token": _("This unsubscribe link is not valid.")}) from None
    person = Person.objects.filter(pk=person_id).first()
    if person is None or (kind != "all" and kind not in NotificationKind.values):
        raise ValidationError({"token": _("This unsubscribe link is not valid.")})
    pref, _created = NotificationPreference.objects.get_or_create(person=person)
    if kind == "all":
        pref.email_mode = EmailMode.OFF
    else:
        pref.kind_modes = dict(sorted({**pref.kind_modes, kind: DeliveryMode.IN_APP.value}.items()))
    pref.save()
    audit_record(
        actor=None,
        action=NotificationEvent.UNSUBSCRIBED,
        obj=pref,
        after={"kind": kind, "email_mode": pref.email_mode, "kind_modes": pref.kind_modes},
        metadata={"by": "signed link"},
    )
    return pref


@transaction.atomic
def follow_set(*, actor: Principal, object_type: str, object_id: str, follow: bool) -> bool:
    """Follow or stop following an object the caller reached through its scoped selector."""
    person = require_person(actor)
    if follow:
        _row, created = Follow.objects.get_or_create(
            person=person, object_type=object_type, object_id=str(object_id)
        )
        changed = created
    else:
        changed = bool(
            Follow.objects.filter(
                person=person, object_type=object_type, object_id=str(object_id)
            ).delete()[0]
        )
    if changed:
        audit_record(
            actor=actor,
            action=NotificationEvent.FOLLOWED if follow else NotificationEvent.UNFOLLOWED,
            metadata={"object_type": object_type, "object_id": str(object_id)},
        )
    return follow


@transaction.atomic
def follow_change(*, actor: Principal, kind: str, object_id: int, follow: bool) -> bool:
    """Follow or stop following an object of a followable kind the actor can see (else 404):
    an iteration or a sandbox here, a public citizens' proposal through participation."""
    require_person(actor)
    if kind == PROPOSAL:
        proposal = participation.public_proposal_get(pk=object_id)
        return participation_services.follow_set(actor=actor, proposal=proposal, following=follow)
    label = follow_target(viewer=actor, kind=kind, object_id=object_id)
    return follow_set(actor=actor, object_type=label, object_id=str(object_id), follow=follow)


@transaction.atomic
def notifications_mark_read(*, actor: Principal, ids: Sequence[int] = ()) -> int:
    """Mark the person's own notifications read (these ids, or all)."""
    person = require_person(actor)
    qs = Notification.objects.filter(person=person, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
