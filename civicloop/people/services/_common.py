"""What the writes of people management share."""

from __future__ import annotations

from django.conf import settings

from civicloop.core.models import (
    Organization,
)

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _audit_org(organization: Organization) -> Organization:
    return organization.unit if organization.unit_id else organization  # type: ignore[return-value]


def expiry_days() -> int:
    return int(getattr(settings, "CIVICLOOP_INVITATION_EXPIRY_DAYS", 7))
