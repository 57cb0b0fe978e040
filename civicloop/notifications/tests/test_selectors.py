"""Notification reads are scoped by the viewer: a person's notifications, follows and
preferences are theirs alone, and a unit's webhooks are seen only by those who manage the
unit's settings."""

from __future__ import annotations

import pytest
from django.http import Http404

from civicloop.core import field_crypto
from civicloop.core.permissions import ANONYMOUS
from civicloop.notifications import selectors
from civicloop.notifications.models import (
    Follow,
    Notification,
    NotificationKind,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


def _notify(person, source: str) -> Notification:
    return Notification.objects.create(
        person=person, kind=NotificationKind.values[0], source=source
    )


def _endpoint(organization) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=organization,
        url="https://hooks.example.org/in",
        secret_encrypted=field_crypto.encrypt("s" * 40),
    )


def test_a_person_reads_only_their_own_notifications_whatever_their_role(world):
    mine = _notify(world.people["official"], "audit:1")
    _notify(world.people["staff"], "audit:2")
    _notify(world.people["outsider"], "audit:3")
    official = world.principal("official")
    assert list(selectors.notification_list(viewer=official)) == [mine]
    assert selectors.unread_count(viewer=official) == 1
    # running the unit does not open its people's notifications
    staff = selectors.notification_list(viewer=world.principal("staff"))
    assert mine not in staff
    assert not selectors.notification_list(viewer=ANONYMOUS).exists()
    assert selectors.unread_count(viewer=ANONYMOUS) == 0


def test_following_is_personal(world):
    Follow.objects.create(
        person=world.people["official"], object_type="experiments.iteration", object_id="7"
    )
    args = {"object_type": "experiments.iteration", "object_id": "7"}
    assert selectors.is_following(viewer=world.principal("official"), **args)
    assert not selectors.is_following(viewer=world.principal("staff"), **args)
    assert not selectors.is_following(viewer=ANONYMOUS, **args)
    assert selectors.preference_get(viewer=ANONYMOUS) is None


def test_a_units_webhooks_are_seen_by_its_settings_managers_only(world):
    ours, theirs = _endpoint(world.unit), _endpoint(world.other_unit)
    WebhookDelivery.objects.create(endpoint=theirs, kind="proposal_receipt", payload={})
    staff = world.principal("staff")
    assert list(selectors.webhook_list(viewer=staff)) == [ours]
    assert list(selectors.webhook_list(viewer=world.principal("outsider"))) == [theirs]
    with pytest.raises(Http404):
        selectors.webhook_get(viewer=staff, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.delivery_list(viewer=staff, endpoint=theirs)
    for role in ("official", "auditor", "vendor"):
        assert not selectors.webhook_list(viewer=world.principal(role)).exists()
    assert not selectors.webhook_list(viewer=ANONYMOUS).exists()
