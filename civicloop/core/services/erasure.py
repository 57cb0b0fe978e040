"""Erasure of a person (GDPR Art. 17): personal data removed, the row kept under a pseudonym."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.models import (
    ERASED_DOMAIN,
    Organization,
    Person,
)
from civicloop.core.permissions import SYSTEM, Ability, Principal, require


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


def _erase_signin_records(person: Person, report: ErasureReport) -> None:
    """Sign-in records name the person by e-mail: lockouts, sign-in logs and sessions go."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.models import Session

    names = _names_of(person)
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


def _erase_account_records(person: Person, report: ErasureReport) -> None:
    """The account's e-mail addresses, second factors, admin history and roles."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

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


def _pseudonymise(person: Person) -> None:
    person.email = f"erased-{person.pk}@{ERASED_DOMAIN}"
    person.username = person.email
    person.full_name = ""
    person.first_name = ""
    person.last_name = ""
    person.preferred_language = "en"
    person.is_active = False
    person.set_unusable_password()
    person.save()


# A person who belongs to no unit is erased by the operator only (`SYSTEM`): no unit's staff
# answers for them. Unit id 0 is in nobody's scope.
_NO_UNIT = 0


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
    a report of what was removed, pseudonymised or kept and why.

    `organization` is the person's unit, whose data-subject staff may erase them; the
    operator's path passes `SYSTEM` (None is read as `SYSTEM`)."""
    actor = SYSTEM if actor is None else actor
    require(
        actor,
        Ability.MANAGE_DATA_SUBJECTS,
        organization if organization is not None else _NO_UNIT,
    )
    report = ErasureReport(person_id=person.pk, pseudonym=person_pseudonym(person))
    before = {"email_domain": person.email.split("@")[-1]}
    _erase_signin_records(person, report)
    _erase_account_records(person, report)
    for line in extra or []:
        report.lines.append(line)
    for what, count in _referencing_rows(person):
        report.add(what, count, KEPT, RETENTION_REASON)
    _pseudonymise(person)
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
