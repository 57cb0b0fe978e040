"""Turning one event into notifications: a row per person, an e-mail by preference, webhooks.

`notify` is system work (no actor): the rules decide the recipients, this writes what they
receive. A notification is unique per person, kind and source, so a hook or task that runs
twice tells nobody twice. E-mail goes through `people.mail.mail_enqueue` (a task with
retries), in the person's language, with a signed unsubscribe link.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from civicloop.core.models import Person
from civicloop.notifications.kinds import DeliveryMode
from civicloop.notifications.messages import render
from civicloop.notifications.models import Notification, NotificationPreference
from civicloop.notifications.notices import Notice
from civicloop.people.mail import mail_enqueue

UNSUBSCRIBE_SALT = "civicloop.notifications.unsubscribe"


def base_url() -> str:
    return str(getattr(settings, "CIVICLOOP_BASE_URL", "http://localhost:8000")).rstrip("/")


def unsubscribe_token(person_id: int, kind: str) -> str:
    """A signed token naming the person and the kind (or "all"); it never expires."""
    return signing.dumps({"p": person_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(person id, kind) of a token; `signing.BadSignature` when forged or altered."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return int(data["p"]), str(data["k"])


def unsubscribe_url(person_id: int, kind: str) -> str:
    return base_url() + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(person_id, kind)]
    )


def delivery_mode(person: Person, kind: str) -> str:
    """Where this person's notifications of this kind go (`DeliveryMode`); with no settings
    saved, the default: in the app and one e-mail each."""
    pref = NotificationPreference.objects.filter(person=person).first()
    return pref.mode_for(kind) if pref is not None else DeliveryMode.IMMEDIATE


def _absolute(link: str) -> str:
    return base_url() + link if link.startswith("/") else link


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of one notification, in its reader's language."""
    person = notification.person
    language = person.preferred_language or "en"
    subject, sentence = render(notification.kind, notification.params, language)
    with translation.override(language):
        context = {
            "sentence": sentence,
            "link": _absolute(notification.link),
            "unsubscribe": unsubscribe_url(person.pk, notification.kind),
            "unsubscribe_all": unsubscribe_url(person.pk, "all"),
            "site_name": settings.CIVICLOOP["SITE_NAME"],
            "language": language,
        }
        body = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[person.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _create(person: Person, notice: Notice, source: str) -> Notification | None:
    try:
        with transaction.atomic():  # a savepoint: a repeat is skipped, the rest goes on
            return Notification.objects.create(
                person=person,
                kind=notice.kind,
                params=notice.params,
                link=notice.link,
                source=source,
            )
    except IntegrityError:
        return None  # this person was already told about this source


@transaction.atomic
def notify(*, notices: Iterable[Notice], source: str) -> list[Notification]:
    """Write each notice's notifications and queue their immediate e-mails; repeats are skipped."""
    created = []
    for notice in notices:
        people = Person.objects.filter(pk__in=sorted(set(notice.person_ids)), is_active=True)
        for person in people.order_by("pk"):
            mode = delivery_mode(person, notice.kind)
            if mode == DeliveryMode.OFF:
                continue  # this person asked not to be told of this kind at all
            notification = _create(person, notice, source)
            if notification is None:
                continue
            created.append(notification)
            if mode == DeliveryMode.IMMEDIATE:
                mail_enqueue(notification_email(notification))
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
    return created
