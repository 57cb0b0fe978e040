"""Every write to organisations, memberships, people and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.events import CoreEvent
from civicloop.core.mfa import may_create_api_key
from civicloop.core.models import (
    ERASED_DOMAIN,
    ApiKey,
    ApiKeyScope,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Role,
)
from civicloop.core.permissions import Ability, Principal, can

API_KEY_PREFIX = "clk_"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def organization_create(
    *,
    actor: Principal | None,
    kind: str,
    name: str,
    slug: str | None = None,
    unit: Organization | None = None,
    population: int | None = None,
    sme_size: str = "",
    country: str = "",
) -> Organization:
    """Create an organisation of a kind (unit, agency, jurisdiction, company, research body)."""
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": f"Unknown kind '{kind}'."})
    org = Organization(
        kind=kind,
        name=name.strip(),
        slug=slug or slugify(name)[:80],
        unit=unit,
        population=population,
        sme_size=sme_size,
        country=country,
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action=CoreEvent.ORGANIZATION_CREATED,
        obj=org,
        organization=unit or org,
        after=model_snapshot(org),
    )
    return org


@transaction.atomic
def person_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> Person:
    """Create a person who can sign in (password hashed by Django)."""
    person = Person.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    return person


@transaction.atomic
def membership_add(
    *, actor: Principal | None, person: Person, organization: Organization, role: str
) -> Membership:
    """Give a person a role in an organisation."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role '{role}'."})
    membership, _ = Membership.objects.get_or_create(
        person=person, organization=organization, role=role
    )
    audit_record(
        actor=actor,
        action=CoreEvent.MEMBERSHIP_ADDED,
        obj=membership,
        organization=organization.unit or organization,
        after={"person_id": person.pk, "organization_id": organization.pk, "role": role},
    )
    return membership


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


@transaction.atomic
def apikey_create(
    *, actor: Principal | None, organization: Organization, name: str, scope: str
) -> CreatedApiKey:
    """Mint a key; the secret is returned once and only its SHA-256 is kept."""
    if scope not in ApiKeyScope.values:
        raise ValidationError({"scope": "Scope must be 'read' or 'write'."})
    if (
        actor is not None
        and actor.is_authenticated
        and not can(actor, Ability.MANAGE_API_KEYS, unit_id=organization.pk)
    ):
        raise PermissionError("not allowed to manage API keys for this organisation")
    if actor is not None and actor.person is not None and not may_create_api_key(actor.person):
        # A key outlives the session: minting one needs a person who has a second factor.
        raise PermissionError(
            "Set up two-factor authentication (Account > Two-factor authentication) before "
            "creating an API key."
        )
    if not name.strip():
        raise ValidationError({"name": "Give the key a name so you can recognise it later."})
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name.strip()[:100],
        prefix=prefix,
        key_hash=_hash_secret(secret),
        scope=scope,
        created_by=actor.person if actor else None,
    )
    audit_record(
        actor=actor,
        action=CoreEvent.API_KEY_CREATED,
        obj=key,
        organization=organization,
        after={"name": key.name, "prefix": prefix, "scope": scope},
    )
    return CreatedApiKey(api_key=key, secret=secret)


@transaction.atomic
def apikey_revoke(*, actor: Principal, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; requests with it answer 401 from now on."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action=CoreEvent.API_KEY_REVOKED,
            obj=api_key,
            organization=api_key.organization_id,
            after={"prefix": api_key.prefix},
        )
    return api_key


def apikey_authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None. Constant-time comparison of the hash."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    try:
        prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    except IndexError:
        return None
    key = (
        ApiKey.objects.select_related("organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash_secret(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@dataclass(frozen=True)
class ErasureLine:
    """One line of an erasure report: what was done to which records, and why.

    `what`, `outcome` and `why` are English msgids (marked with `gettext_noop`): the audit
    record and the operator's command keep them in English, pages show `translated()`."""

    what: str
    count: int
    outcome: str  # "removed", "pseudonymised" or "kept"
    why: str

    def translated(self) -> ErasureLine:
        """The line in the active language (a msgid not in the catalogue stays as it is)."""
        return ErasureLine(gettext(self.what), self.count, gettext(self.outcome), gettext(self.why))


# The outcomes of a line, marked for translation (the report shows them, the audit keeps them).
REMOVED = gettext_noop("removed")
PSEUDONYMISED = gettext_noop("pseudonymised")
KEPT = gettext_noop("kept")


@dataclass
class ErasureReport:
    """What an erasure removed, pseudonymised or kept, and why (counts only).

    A person's erasure fills `person_id` and `pseudonym`; a survey respondent's (the feedback
    app) has neither: the respondent is known only by a pseudonymous id, which is not kept."""

    person_id: int | None = None
    pseudonym: str = ""
    lines: list[ErasureLine] = field(default_factory=list)

    def add(self, what: str, count: int, outcome: str, why: str) -> None:
        if count:
            self.lines.append(ErasureLine(what, count, outcome, why))

    def translated_lines(self) -> list[ErasureLine]:
        return [line.translated() for line in self.lines]

    def audit_lines(self) -> list[list[Any]]:
        """The report as the audit log keeps it: English labels and counts, nothing personal."""
        return [[line.what, line.count, line.outcome] for line in self.lines]

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "pseudonym": self.pseudonym,
            "lines": [asdict(line) for line in self.lines],
        }


def person_pseudonym(person: Person) -> str:
    """The stable name an erased person is shown under: it names no one."""
    return f"Erased person #{person.pk}"  # the same as Person.display_name once erased


def _names_of(person: Person) -> set[str]:
    return {n for n in (person.email, person.username) if n}


def _signin_log_filter(names: set[str]) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        condition |= Q(username__iexact=name)
    return condition


def _sessions_of(person: Person) -> list[str]:
    from django.contrib.sessions.models import Session

    keys = []
    for session in Session.objects.iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001, S112 - an unreadable session names nobody we can tell
            continue
        if str(data.get("_auth_user_id", "")) == str(person.pk):
            keys.append(session.session_key)
    return keys


def _referencing_rows(person: Person) -> list[tuple[str, int]]:
    """Rows of every installed model that point at the person (kept, now under the pseudonym)."""
    skip = {"core.membership", "account.emailaddress", "mfa.authenticator", "admin.logentry"}
    found: list[tuple[str, int]] = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in skip:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Person:
                count = model._default_manager.filter(**{f.name: person}).count()
                if count:
                    found.append((f"{model._meta.verbose_name_plural} ({f.verbose_name})", count))
    return found


# Why records that name a person by reference are kept (GDPR Art. 17(3)(b) and (e)).
RETENTION_REASON = gettext_noop(
    "kept for legal retention of public records (procurement, decisions, audit trail); "
    "the person now appears under the pseudonym"
)


@transaction.atomic
def person_erase(
    *,
    actor: Principal | None,
    person: Person,
    organization: Organization | int | None = None,
    extra: list[ErasureLine] | None = None,
) -> ErasureReport:
    """Right to erasure: remove a person's personal data everywhere it is stored, keep the row
    (under a pseudonym) so that procurement records and the audit chain stay intact, and return
    a report of what was removed, pseudonymised or kept and why."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    report = ErasureReport(person_id=person.pk, pseudonym=person_pseudonym(person))
    names = _names_of(person)
    before = {"email_domain": person.email.split("@")[-1]}

    by_name = _signin_log_filter(names)
    attempts = AccessAttempt.objects.filter(by_name)
    for name in names:
        attempts = attempts | AccessAttempt.objects.filter(post_data__icontains=name)
        attempts = attempts | AccessAttempt.objects.filter(get_data__icontains=name)
    report.add(
        gettext_noop("failed sign-in attempts (lockout records)"),
        attempts.distinct().delete()[1].get("axes.AccessAttempt", 0),
        REMOVED,
        gettext_noop("they name the person by e-mail"),
    )
    report.add(
        gettext_noop("sign-in history entries"),
        AccessLog.objects.filter(by_name).delete()[0],
        REMOVED,
        gettext_noop("they name the person by e-mail, with address and browser"),
    )
    report.add(
        gettext_noop("failed sign-in log entries"),
        AccessFailureLog.objects.filter(by_name).delete()[0],
        REMOVED,
        gettext_noop("they name the person by e-mail, with address and browser"),
    )
    report.add(
        gettext_noop("sessions"),
        Session.objects.filter(session_key__in=_sessions_of(person)).delete()[0],
        REMOVED,
        gettext_noop("the person is signed out everywhere"),
    )
    report.add(
        gettext_noop("e-mail addresses of the sign-in account"),
        EmailAddress.objects.filter(user=person).delete()[0],
        REMOVED,
        gettext_noop("personal contact data"),
    )
    report.add(
        gettext_noop("two-factor authenticators"),
        Authenticator.objects.filter(user=person).delete()[0],
        REMOVED,
        gettext_noop("sign-in secrets of the person"),
    )
    person_type = ContentType.objects.get_for_model(Person)
    admin_entries = LogEntry.objects.filter(content_type=person_type, object_id=str(person.pk))
    report.add(
        gettext_noop("admin-site history entries about the account"),
        admin_entries.update(object_repr=report.pseudonym, change_message=""),
        PSEUDONYMISED,
        gettext_noop("the entry is kept, its description named the person"),
    )
    report.add(
        gettext_noop("admin-site actions by the person"),
        LogEntry.objects.filter(user=person).count(),
        KEPT,
        RETENTION_REASON,
    )
    memberships = person.memberships.count()
    person.memberships.all().delete()
    report.add(
        gettext_noop("roles in organisations"),
        memberships,
        REMOVED,
        gettext_noop("the person no longer acts"),
    )
    for line in extra or []:
        report.lines.append(line)
    for what, count in _referencing_rows(person):
        report.add(what, count, KEPT, RETENTION_REASON)

    person.email = f"erased-{person.pk}@{ERASED_DOMAIN}"
    person.username = person.email
    person.full_name = ""
    person.first_name = ""
    person.last_name = ""
    person.preferred_language = "en"
    person.is_active = False
    person.set_unusable_password()
    person.save()
    report.lines.insert(
        0,
        ErasureLine(
            gettext_noop("account (name, e-mail, password)"),
            1,
            PSEUDONYMISED,
            gettext_noop("the row stays so that kept records point at the pseudonym"),
        ),
    )
    audit_record(
        actor=actor,
        action=CoreEvent.PERSON_ERASED,
        obj=person,
        organization=organization,
        before=before,
        metadata={"report": report.audit_lines()},
    )
    return report


@transaction.atomic
def unit_weights_update(
    *, actor: Principal, unit: Organization, weights: dict[str, float]
) -> Organization:
    """Set the unit's prioritisation weights (impact, reach, urgency, effort exponents)."""
    allowed = {"impact", "reach", "urgency", "effort"}
    clean: dict[str, float] = {}
    for name, value in weights.items():
        if name not in allowed:
            raise ValidationError({name: f"Unknown weight; use one of {sorted(allowed)}."})
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({name: "Weight must be a number."}) from None
        if not 0 <= number <= 5:
            raise ValidationError({name: "Weight must be between 0 and 5."})
        clean[name] = number
    before = dict(unit.prioritisation_weights)
    unit.prioritisation_weights = clean
    unit.save(update_fields=["prioritisation_weights", "updated_at"])
    audit_record(
        actor=actor,
        action=CoreEvent.SETTINGS_CHANGED,
        obj=unit,
        organization=unit,
        before={"prioritisation_weights": before},
        after={"prioritisation_weights": clean},
    )
    return unit


@transaction.atomic
def signin_logs_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete sign-in records (django-axes) older than the retention period; returns how many."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    days = settings.CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    total = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        total += model.objects.filter(attempt_time__lt=cutoff).delete()[1].get(model._meta.label, 0)
    if total:
        audit_record(
            actor=None,
            action=CoreEvent.SIGNIN_LOGS_PURGED,
            metadata={"rows": total, "cutoff": cutoff.isoformat()},
        )
    return total
