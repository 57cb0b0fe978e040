"""A company signs itself up: the person, the company, its size class, a profile to complete.

Nobody acts yet: the visitor is anonymous, so this is system work with no `actor`, audited as
"self-registration". The person's address is recorded unverified (allauth's `EmailAddress`) and
the person joins `SELF_REGISTERED_GROUP`: until the link in the verification mail is followed,
the permission gate gives the person no role in the company
(`core.permissions.principal_for_person`), so nothing can be submitted, asked or registered
for it. A unit verifies the company afterwards (`vendor_verify`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind, Person, Role
from civicloop.core.permissions import SELF_REGISTERED_GROUP, SYSTEM
from civicloop.core.services import membership_add, organization_create, person_create
from civicloop.market.events import MarketEvent
from civicloop.market.models import VendorProfile
from civicloop.market.sme import sme_size_class

LANGUAGES = ("en", "es")


class AddressTaken(Exception):  # noqa: N818 - a refusal the page answers like a success
    """The address already has an account. Raised only once everything else checked out, so
    the page answers exactly as for a new sign-up (`core.auth.signup_existing_address`) and
    never tells a visitor which addresses have accounts."""

    def __init__(self, email: str) -> None:
        super().__init__(email)
        self.email = email


class CompanyNameTaken(Exception):  # noqa: N818 - a refusal the page answers like a success
    """A company of this name is registered in this country. Raised only once everything else
    checked out and the address is free, so the page answers exactly as for a new sign-up and
    never tells a visitor which companies exist; the address gets a mail saying the name is in
    use (`core.auth.signup_company_name_taken`)."""

    def __init__(self, email: str, company: Organization, language: str) -> None:
        super().__init__(email)
        self.email = email
        self.company = company
        self.language = language


@dataclass(frozen=True)
class CompanySignUp:
    person: Person
    company: Organization
    profile: VendorProfile


def _amount(value: object, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in euros, e.g. 1500000.")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        raise ValidationError({field: _("Enter an amount in euros of 0 or more.")})
    return amount


def _check_person(email: str, password: str, language: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("Enter an e-mail address like name@example.org.")}
        ) from None
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose English or Spanish.")})
    return email


def _check_company(name: str, country: str, founding_year: int) -> tuple[str, str]:
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError({"company_name": _("Enter the company's registered name.")})
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(
            {"country": _("Enter the country as a two-letter ISO code, e.g. ES.")}
        )
    this_year = timezone.now().year
    if not 1800 <= int(founding_year) <= this_year:
        raise ValidationError(
            {
                "founding_year": _("The founding year must be 1800 to %(year)s.")
                % {"year": this_year}
            }
        )
    return name, country


def _person_create(email: str, password: str, full_name: str, language: str) -> Person:
    """The person, with the address unverified, in the self-registered group; `AddressTaken`
    when the address already has an account (checked last, after every field)."""
    if Person.objects.filter(email__iexact=email).exists():
        raise AddressTaken(email)
    person = person_create(email=email, password=password, full_name=full_name.strip()[:200])
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=False)
    group, _created = Group.objects.get_or_create(name=SELF_REGISTERED_GROUP)
    person.groups.add(group)
    return person


def _refuse_taken(email: str, name: str, country: str, language: str) -> None:
    """`AddressTaken`, then `CompanyNameTaken`: checked after every field, so the page answers
    both as a new sign-up. The address first: its owner is told, not a stranger."""
    if Person.objects.filter(email__iexact=email).exists():
        raise AddressTaken(email)
    taken = Organization.objects.filter(
        kind=OrganizationKind.COMPANY, name__iexact=name, country=country
    ).first()
    if taken is not None:
        raise CompanyNameTaken(email, taken, language)


@transaction.atomic
def company_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    company_name: str,
    country: str,
    founding_year: int,
    staff_headcount: int,
    annual_turnover_eur: object,
    balance_sheet_eur: object,
    language: str = "en",
) -> CompanySignUp:
    """Create the person (address unverified), the company with its EU size class, the profile."""
    email = _check_person(email, password, language)
    name, country = _check_company(company_name, country, founding_year)
    if int(staff_headcount) < 0:
        raise ValidationError({"staff_headcount": _("Enter the staff headcount, 0 or more.")})
    turnover = _amount(annual_turnover_eur, "annual_turnover_eur")
    balance = _amount(balance_sheet_eur, "balance_sheet_eur")
    size = sme_size_class(
        staff=int(staff_headcount), turnover_eur=turnover, balance_sheet_eur=balance
    )
    _refuse_taken(email, name, country, language)
    person = _person_create(email, password, full_name, language)
    slug = f"{slugify(name)[:60] or 'company'}-{secrets.token_hex(4)}"
    company = organization_create(
        actor=SYSTEM,
        kind=OrganizationKind.COMPANY,
        name=name,
        slug=slug,
        sme_size=size,
        country=country,
    )
    membership_add(actor=SYSTEM, person=person, organization=company, role=Role.VENDOR)
    profile = VendorProfile.objects.create(
        organization=company,
        founding_year=int(founding_year),
        capabilities="",
        countries=[country],
        staff_headcount=int(staff_headcount),
        annual_turnover_eur=turnover,
        balance_sheet_eur=balance,
    )
    audit_record(
        actor=None,
        action=MarketEvent.COMPANY_SIGNED_UP,
        obj=profile,
        organization=company,
        after=model_snapshot(
            profile, ["staff_headcount", "annual_turnover_eur", "balance_sheet_eur"]
        )
        | {"sme_size": size, "email_domain": email.rsplit("@", 1)[-1]},
        metadata={"by": "self-registration"},
    )
    return CompanySignUp(person=person, company=company, profile=profile)


@transaction.atomic
def company_name_claim_record(*, refused: CompanyNameTaken) -> None:
    """System work after a sign-up refused for its company name: record the attempt in the
    company's audit log (the domain of the address, never the address). The page mails the
    address (`core.auth.signup_company_name_taken`)."""
    audit_record(
        actor=None,
        action=MarketEvent.COMPANY_NAME_CLAIMED,
        obj=refused.company,
        organization=refused.company,
        metadata={"by": "self-registration", "email_domain": refused.email.rsplit("@", 1)[-1]},
    )
