"""The e-mails that tell each bidder its proposal was voided by the cancellation of the call."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext

from civicloop.core.models import Membership, Role
from civicloop.market.models import Challenge, Proposal

logger = logging.getLogger("civicloop.market.services")


def cancellation_notices(
    challenge: Challenge, voided: Sequence[Proposal], reason: str
) -> list[tuple[str, str, list[str]]]:
    """One message per bidding vendor (never a shared recipient list: bidders stay private)."""
    site = settings.CIVICLOOP.get("SITE_NAME", "CivicLoop")
    subject = gettext("Call cancelled: %(title)s") % {"title": challenge.title}
    out = []
    for proposal in voided:
        emails = sorted(
            Membership.objects.filter(
                organization_id=proposal.vendor_id, role=Role.VENDOR, person__is_active=True
            ).values_list("person__email", flat=True)
        )
        if not emails:
            continue
        if challenge.voided_by_cancellation:
            text = gettext(
                "The call “%(title)s” was cancelled before its submission deadline.\n\n"
                "Reason given: %(reason)s\n\n"
                "Your proposal %(code)s is void: it will never be opened or evaluated. If the "
                "call is re-published, you may submit again.\n\n— %(site)s"
            )
        else:
            text = gettext(
                "The call “%(title)s” was cancelled during evaluation.\n\n"
                "Reason given: %(reason)s\n\n"
                "Your proposal %(code)s is void: it will not be evaluated further or awarded. "
                "If the call is re-published, you may submit again.\n\n— %(site)s"
            )
        body = text % {
            "title": challenge.title,
            "reason": reason,
            "code": proposal.code,
            "site": site,
        }
        out.append((subject, body, emails))
    return out


def send_notices(notices: Sequence[tuple[str, str, list[str]]]) -> None:
    for subject, body, emails in notices:
        try:
            send_mail(subject, body, None, emails)
        except Exception:  # a mail outage must not undo or fail the cancellation
            logger.exception("could not e-mail a cancellation notice to %s", emails)
