"""Where the widget may be shown in a frame: a survey's allowed origins."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Survey

# scheme://host[:port], lower case, no path: what a CSP frame-ancestors source expression names.
ORIGIN_RE = re.compile(
    r"^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)
MAX_ORIGINS = 20


def clean_origins(origins: Sequence[str]) -> list[str]:
    """Origins, trimmed, lower-cased, without a trailing slash and without repeats."""
    clean: list[str] = []
    for raw in origins:
        origin = raw.strip().lower().rstrip("/")
        if not origin:
            continue
        if not ORIGIN_RE.match(origin):
            raise ValidationError(
                {
                    "embed_origins": _(
                        "%(origin)s is not an origin: write the scheme and host only, "
                        "e.g. https://www.example.gov."
                    )
                    % {"origin": raw.strip()}
                }
            )
        if origin not in clean:
            clean.append(origin)
    if len(clean) > MAX_ORIGINS:
        raise ValidationError(
            {"embed_origins": _("At most %(max)d origins.") % {"max": MAX_ORIGINS}}
        )
    return clean


@transaction.atomic
def survey_set_embed_origins(*, actor: Principal, survey: Survey, origins: Sequence[str]) -> Survey:
    """The origins whose pages may show this survey's widget in a frame (none: no frame)."""
    require(actor, Ability.MANAGE_FEEDBACK, survey)
    clean = clean_origins(origins)
    before = list(survey.embed_origins or [])
    survey.embed_origins = clean
    survey.save(update_fields=["embed_origins", "updated_at"])
    audit_record(
        actor=actor,
        action=FeedbackEvent.SURVEY_UPDATED,
        obj=survey,
        organization=survey.unit_id,
        before={"embed_origins": before},
        after={"embed_origins": clean},
    )
    return survey
