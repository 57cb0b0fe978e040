"""One time zone per person: the zone times are shown in. Stored times stay UTC.

A person's zone is their own choice (`Person.time_zone`, set on the account page), else their
organisation's (`Organization.time_zone` of their first membership, or of its unit), else the
installation's (`settings.TIME_ZONE`). It is resolved once when the person signs in (and when
they change it) and kept in the session, so a request costs no query for it;
`civicloop.web.middleware.TimeZoneMiddleware` activates it for each request. Every page then
formats a date and time through `format_datetime`, with the zone's abbreviation ("14:00 CET"),
so a deadline and a sealed-proposal notice about the same instant read the same.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.utils import formats, timezone

SESSION_KEY = "civicloop_time_zone"


def installation_zone_name() -> str:
    return str(settings.TIME_ZONE)


def zone_name_for(person: Any) -> str:
    """The IANA name of the zone `person` sees times in."""
    own = getattr(person, "time_zone", "")
    if own:
        return str(own)
    from civicloop.core.models import Membership

    membership = (
        Membership.objects.filter(person=person)
        .select_related("organization__unit")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        org = membership.organization
        if org.time_zone:
            return org.time_zone
        if org.unit is not None and org.unit.time_zone:
            return org.unit.time_zone
    return installation_zone_name()


def zone(name: str | None) -> tzinfo:
    """The zone of that name; the installation's for an unknown or empty name."""
    try:
        return ZoneInfo(name or installation_zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(installation_zone_name())


def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, "Europe/Madrid" style names only, sorted."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith("Etc/"))
    return [(n, n.replace("_", " ")) for n in ["UTC", *names]]


def remember(session: Any, person: Any) -> None:
    """Keep the person's zone in their session (at sign-in and when they change it)."""
    session[SESSION_KEY] = zone_name_for(person)


def format_datetime(value: datetime | None) -> str:
    """A date and time in the active zone, with its abbreviation: "2 Dec 2026, 14:00 CET"."""
    if value is None:
        return "–"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
        return formats.date_format(value, "j M Y, H:i T")
    return formats.date_format(value, "j M Y, H:i")
