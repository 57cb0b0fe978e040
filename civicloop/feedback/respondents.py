"""Respondent ids are pseudonymous: an id that is a personal identifier is refused or hashed.

A service tags a response with its own pseudonymous id for a person (so that repeat answers and
erasure requests can be matched). An id that is in fact a national identity number, a phone
number, an IBAN or an e-mail address would put that identifier in the database in clear. The
rule (ADR 0011, docs/feedback/README.md "Respondent ids"):

- apps, kiosks, imports and the CLI (a developer or an operator is there to fix the integration)
  are refused: 422 naming `respondent_id` and what the id looks like;
- the citizen-facing survey page and widget (the citizen cannot fix it, and refusing would lose
  their answer) replace it with a keyed hash (HMAC-SHA256), so the same person still gets the
  same pseudonym and an erasure request that gives the identifier still finds their responses.

National identifiers are recognised by their checksum (python-stdnum), so an arbitrary code that
merely looks alike (a ticket number) is accepted. Formats whose checksum a random string of
digits passes too often (about one in ten: Portuguese CC, Dutch BSN, Czech/Slovak birth numbers,
Austrian VNR, Croatian OIB) are left out; a pure-digit id is better avoided anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from types import ModuleType
from typing import cast

import phonenumbers
from django.conf import settings
from stdnum import iban
from stdnum.be import nn as be_nn
from stdnum.bg import egn as bg_egn
from stdnum.de import idnr as de_idnr
from stdnum.dk import cpr as dk_cpr
from stdnum.ee import ik as ee_ik
from stdnum.es import cif as es_cif
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.es import nif as es_nif
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nir as fr_nir
from stdnum.gr import amka as gr_amka
from stdnum.ie import pps as ie_pps
from stdnum.it import codicefiscale as it_codicefiscale
from stdnum.lt import asmens as lt_asmens
from stdnum.pl import pesel as pl_pesel
from stdnum.ro import cnp as ro_cnp
from stdnum.se import personnummer as se_personnummer
from stdnum.si import emso as si_emso

# (what it is, python-stdnum module): checked in this order, the first valid one names the id.
NATIONAL_IDS: tuple[tuple[str, ModuleType], ...] = (
    ("Spanish DNI", es_dni),
    ("Spanish NIE", es_nie),
    ("Spanish NIF", es_nif),
    ("Spanish CIF", es_cif),
    ("Belgian national number", be_nn),
    ("Bulgarian EGN", bg_egn),
    ("German tax id (IdNr)", de_idnr),
    ("Danish CPR number", dk_cpr),
    ("Estonian personal code", ee_ik),
    ("Finnish personal identity code", fi_hetu),
    ("French NIR", fr_nir),
    ("Greek AMKA", gr_amka),
    ("Irish PPS number", ie_pps),
    ("Italian codice fiscale", it_codicefiscale),
    ("Lithuanian personal code", lt_asmens),
    ("Polish PESEL", pl_pesel),
    ("Romanian CNP", ro_cnp),
    ("Swedish personal identity number", se_personnummer),
    ("Slovenian EMSO", si_emso),
)
# The shape of a respondent id a service may send (and an erasure request may give).
RESPONDENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
PHONE_SHAPE = re.compile(r"^\+?[0-9][0-9.-]{5,19}$")
HASH_PREFIX = "h:"


@dataclass(frozen=True)
class PersonalIdentifier:
    kind: str  # "Spanish DNI", "IBAN", "phone number", "e-mail address"
    canonical: str  # one spelling per identifier, so every spelling hashes alike


def _phone(value: str) -> str | None:
    if not PHONE_SHAPE.match(value):
        return None
    configured = cast(list[str], settings.CIVICLOOP.get("PHONE_REGIONS", ["ES"]))
    regions: list[str | None] = list(configured)
    if value.startswith("+"):
        regions.insert(0, None)
    for region in regions:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def personal_identifier(value: str) -> PersonalIdentifier | None:
    """What personal identifier `value` is (checksum-valid), or None for a pseudonymous id."""
    value = (value or "").strip()
    if not value or value.startswith(HASH_PREFIX):
        return None
    if "@" in value:
        return PersonalIdentifier("e-mail address", value.lower())
    # python-stdnum ignores spaces and dashes only; the respondent-id rule also allows '.', '_'
    # and ':', and "12.345.678-Z" is how a DNI is commonly printed, so try it without them too.
    for candidate in dict.fromkeys([value, _SEPARATORS.sub("", value)]):
        found = _identifier(candidate)
        if found is not None:
            return found
    return None


_SEPARATORS = re.compile(r"[._:/]")


def _identifier(value: str) -> PersonalIdentifier | None:
    for kind, module in NATIONAL_IDS:
        if module.is_valid(value):
            return PersonalIdentifier(kind, module.compact(value).upper())
    if iban.is_valid(value):
        return PersonalIdentifier("IBAN", iban.compact(value))
    phone = _phone(value)
    if phone is not None:
        return PersonalIdentifier("phone number", phone)
    return None


def refusal(found: PersonalIdentifier) -> str:
    """The message for `respondent_id` when an id is a personal identifier."""
    article = "an" if found.kind[0] in "AEIOU" or found.kind.startswith("e-") else "a"
    return (
        f"This looks like {article} {found.kind}: respondent ids must be pseudonymous (e.g. a "
        "random or hashed id of your service), never a national id, phone number, IBAN or "
        "e-mail."
    )


def _key() -> bytes:
    configured = str(settings.CIVICLOOP.get("RESPONDENT_ID_KEY") or "")
    if configured:
        return configured.encode()
    return hashlib.sha256(
        b"civicloop.feedback.respondent_id:" + settings.SECRET_KEY.encode()
    ).digest()


def pseudonym(found: PersonalIdentifier) -> str:
    """A keyed hash of the identifier: stable per person, useless without the key."""
    digest = hmac.new(_key(), found.canonical.encode(), hashlib.sha256).hexdigest()
    return f"{HASH_PREFIX}{digest[:40]}"


def erasure_ids(value: str) -> list[str] | None:
    """The stored ids an erasure request for `value` covers, or None if `value` is no id.

    Given a personal identifier, its keyed hash (what the survey pages stored) and the value
    itself (any row kept in clear from before ids were checked); otherwise the id as given."""
    value = (value or "").strip()
    found = personal_identifier(value)
    if found is None:
        return [value] if RESPONDENT_ID_RE.match(value) else None
    return [value, pseudonym(found)]
