"""A citizen's account: the profile a verified e-mail account needs to take part."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Principal, require_person
from civicloop.participation import abuse
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import Citizen
from civicloop.text import find_pii

# a display name may be a pseudonym or a name, never contact details or an ID number
_CONTACT_TYPES = {"EMAIL", "PHONE", "ID", "IBAN", "CARD"}


def display_name_check(name: str) -> str:
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError({"display_name": _("Choose a display name of 2 to 60 characters.")})
    if any(span.type in _CONTACT_TYPES for span in find_pii(name)) or "@" in name:
        raise ValidationError(
            {
                "display_name": _(
                    "A display name is shown to everyone: it must not hold an e-mail address, "
                    "a phone number or an ID number."
                )
            }
        )
    if abuse.link_count(name):
        raise ValidationError({"display_name": _("Links are not allowed here.")})
    return name


def email_taken(address: str) -> bool:
    """True when another citizen already uses this mailbox (dots and +tags aside)."""
    return Citizen.objects.filter(email_key=abuse.email_key(address)).exists()


@transaction.atomic
def citizen_register(*, actor: Principal, display_name: str, language: str) -> Citizen:
    """Give the signed-up person a citizen profile: a display name and a language, nothing more."""
    person = require_person(actor)
    if Citizen.objects.filter(person=person).exists():
        raise ValidationError({"display_name": _("You already have a citizen account.")})
    key = abuse.email_key(person.email)
    if Citizen.objects.filter(email_key=key).exists():
        raise ValidationError(
            {
                "email": _(
                    "This address is another spelling of an address that already has an "
                    "account (dots and anything after + do not make a new mailbox)."
                )
            }
        )
    citizen = Citizen(
        person=person,
        display_name=display_name_check(display_name),
        email_key=key,
        language=language if language in ("en", "es") else "en",
    )
    citizen.full_clean()
    citizen.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.CITIZEN_REGISTERED,
        obj=citizen,
        metadata={"language": citizen.language},
    )
    return citizen
