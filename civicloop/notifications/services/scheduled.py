"""Notices no single action causes, run daily by the scheduler (`CIVICLOOP_SCHEDULE`):
the digest, deadline reminders (7 days and 1 day before) and overdue obstacles."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.core.models import OrganizationKind, Person
from civicloop.core.permissions import principal_for_person
from civicloop.market.selectors import challenge_subscribers
from civicloop.market.selectors import recipients as market
from civicloop.notifications.kinds import DeliveryMode, NotificationKind
from civicloop.notifications.kinds import NotificationKind as K
from civicloop.notifications.messages import render
from civicloop.notifications.models import Notification, NotificationPreference
from civicloop.notifications.notices import Notice
from civicloop.notifications.selectors import followers_of
from civicloop.notifications.services.delivery import _absolute, notify, unsubscribe_url
from civicloop.people.mail import mail_enqueue
from civicloop.scaling.selectors import obstacle_overdue

REMINDER_DAYS = (7, 1)


def _digest_email(person: Person, rows: list[Notification]) -> EmailMultiAlternatives:
    language = person.preferred_language or "en"
    with translation.override(language):
        items = [(render(n.kind, n.params)[1], _absolute(n.link)) for n in rows]
        context = {
            "items": items,
            "language": language,
            "unsubscribe_all": unsubscribe_url(person.pk, "all"),
            "site_name": settings.CIVICLOOP["SITE_NAME"],
        }
        subject = _("Your daily summary: %(count)s new notification(s)") % {"count": len(rows)}
        body = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[person.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_all']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def digest_send() -> int:
    """One e-mail per person in digest mode with the notifications not yet in a digest."""
    sent = 0
    prefs = NotificationPreference.objects.filter(person__is_active=True).select_related("person")
    now = timezone.now()
    for pref in prefs.order_by("person_id"):
        kinds = [k for k in NotificationKind.values if pref.mode_for(k) == DeliveryMode.DIGEST]
        if not kinds:
            continue
        pending = Notification.objects.filter(
            person=pref.person, digested_at__isnull=True, emailed_at__isnull=True, kind__in=kinds
        )
        rows = list(pending.order_by("created_at", "pk"))
        if not rows:
            continue
        mail_enqueue(_digest_email(pref.person, rows))
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(digested_at=now)
        sent += 1
    return sent


def _reminder_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    return now + timedelta(days=days - 1), now + timedelta(days=days)


@transaction.atomic
def deadline_reminders(*, now: datetime) -> int:
    """Companies preparing for a challenge, no proposal in: told 7 days and 1 day before."""
    count = 0
    for days in REMINDER_DAYS:
        start, end = _reminder_window(now, days)
        for challenge in market.challenges_due_between(start, end):
            companies = market.companies_preparing(
                challenge, challenge_subscribers(challenge=challenge)
            )
            deadline = challenge.submission_deadline
            # People following the challenge whose company has no proposal in are told too.
            done = set(market.company_people(market.companies_submitted(challenge)))
            followers = set(followers_of("market.challenge", str(challenge.pk))) - done
            notice = Notice(
                K.DEADLINE_APPROACHING,
                sorted(set(market.company_people(companies)) | followers),
                {
                    "title": challenge.title,
                    "deadline": deadline.strftime("%Y-%m-%d %H:%M UTC") if deadline else "",
                    "days": days,
                },
                reverse("market:challenge", args=[challenge.pk]),
            )
            stamp = deadline.isoformat() if deadline else ""
            count += len(notify(notices=[notice], source=f"deadline:{days}:{challenge.pk}:{stamp}"))
    return count


@transaction.atomic
def obstacles_overdue(*, today: date) -> int:
    """Each open obstacle past its due date: its owner is told once per due date."""
    owners = Person.objects.filter(
        is_active=True,
        memberships__organization__kind=OrganizationKind.UNIT,
    ).distinct()
    count = 0
    for person in owners.order_by("pk"):
        viewer = principal_for_person(person)
        for obstacle in obstacle_overdue(viewer=viewer, today=today).filter(owner=person):
            due = obstacle.due_date.isoformat() if obstacle.due_date else ""
            notice = Notice(
                K.OBSTACLE_OVERDUE,
                [person.pk],
                {"title": obstacle.title, "due_date": due},
                reverse("scaling:obstacles"),
            )
            source = f"obstacle:{obstacle.pk}:{due}"
            count += len(notify(notices=[notice], source=source))
    return count
