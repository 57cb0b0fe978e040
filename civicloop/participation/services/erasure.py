"""Erasure of a citizen (GDPR Art. 17), called by the privacy app inside its erasure.

What goes, what stays and why (docs/participation.md, "Erasure and export"):

- the profile's display name and normalised e-mail address are erased; the row stays so that
  the proposals and comments it wrote keep their author, shown as "a former participant";
- the redacted public text of proposals and comments stays (it was published for everyone);
  appeals, written to the moderators only, and the daily client hashes are cleared;
- active supports are withdrawn: a support counts one verified person, and no one stands behind
  it any more (nor can "one per mailbox" be checked without the address); a proposal that
  already reached its unit's threshold keeps its due answer;
- follows of proposals are removed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicloop.core.models import ERASED_DOMAIN, Person
from civicloop.core.services import PSEUDONYMISED, REMOVED, ErasureLine
from civicloop.participation.models import Citizen, Comment, Follow, Proposal, Support

ERASED_NAME = ""  # a display name no citizen can choose (2 to 60 characters): "erased"


@transaction.atomic
def citizen_erase(*, person: Person) -> list[ErasureLine]:
    """Erase the person's citizen profile and what it did; the caller audits the erasure."""
    follows = Follow.objects.filter(person=person).delete()[0]
    lines = [
        ErasureLine(
            gettext_noop("follows of citizens' proposals"),
            follows,
            REMOVED,
            gettext_noop("what a person follows is personal"),
        )
    ]
    citizen = Citizen.objects.filter(person=person).first()
    if citizen is None:
        return [line for line in lines if line.count]
    supports = Support.objects.filter(citizen=citizen)
    withdrawn = supports.filter(withdrawn_at__isnull=True).count()
    supports.filter(withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    supports.update(email_key=f"erased-{citizen.pk}", email_domain=ERASED_DOMAIN, client_hash="")
    proposals = Proposal.objects.filter(author=citizen)
    proposals.update(appeal_text="", client_hash="")
    comments = Comment.objects.filter(author=citizen)
    comments.update(appeal_text="", client_hash="")
    citizen.display_name = ERASED_NAME
    citizen.email_key = f"erased-{citizen.pk}@{ERASED_DOMAIN}"
    citizen.save(update_fields=["display_name", "email_key", "updated_at"])
    lines += [
        ErasureLine(
            gettext_noop("citizen profile (display name, e-mail address)"),
            1,
            PSEUDONYMISED,
            gettext_noop("the proposals and comments it wrote now show 'a former participant'"),
        ),
        ErasureLine(
            gettext_noop("supports of citizens' proposals"),
            withdrawn,
            REMOVED,
            gettext_noop(
                "withdrawn: a support counts one verified person, and none stands behind it any "
                "more; an answer already due stays due"
            ),
        ),
        ErasureLine(
            gettext_noop("citizens' proposals and comments"),
            proposals.count() + comments.count(),
            PSEUDONYMISED,
            gettext_noop(
                "their redacted public text stays, under 'a former participant'; appeals to "
                "the moderators are cleared"
            ),
        ),
    ]
    return [line for line in lines if line.count]
