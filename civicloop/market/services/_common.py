"""What the market's services share: rich-text cleaning, currency codes, deadline checks."""

from __future__ import annotations

from datetime import datetime

import nh3
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.models import Organization
from civicloop.market.models import Challenge, ChallengeStatus

RICH_TEXT_FIELDS = (
    "context",
    "users_affected",
    "outcomes_sought",
    "constraints",
    "data_available",
    "eligibility",
    "ip_terms",
    "timeline",
)
EDITABLE_FIELDS = (
    "title",
    "summary",
    *RICH_TEXT_FIELDS,
    "anonymous_evaluation",
    "consultation_closes_at",
    "submission_deadline",
    "problem",
)
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
MIN_JUSTIFICATION = 20


def sanitise_html(text: str) -> str:
    """Keep a small set of formatting tags; scripts, handlers and javascript: links are removed."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def currency_code(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError({"currency": _("Use a three-letter ISO 4217 code such as EUR.")})
    return code


def public_or_404(challenge: Challenge) -> None:
    if not challenge.is_public:
        raise Http404("Not found")


def submission_audit_org(challenge: Challenge, vendor: Organization) -> int:
    """Submissions to an anonymous evaluation are logged under the vendor, not the unit, so the
    unit's audit page cannot tie a proposal code to the person who submitted it."""
    return vendor.pk if challenge.anonymous_evaluation else challenge.unit_id


def before_deadline(challenge: Challenge, now: datetime) -> None:
    if challenge.status != ChallengeStatus.OPEN:
        raise ValidationError({"challenge": _("This challenge is not open for proposals.")})
    if challenge.submission_deadline is None or now >= challenge.submission_deadline:
        raise ValidationError(
            {"submitted_at": _("The submission deadline has passed; late proposals are refused.")}
        )


def after_deadline(challenge: Challenge) -> None:
    if not challenge.seal_lifted(timezone.now()):
        raise ValidationError({"challenge": _("Evaluation starts after the submission deadline.")})
