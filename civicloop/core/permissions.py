"""The one place that decides who may do what.

Every view, API operation and selector asks this module. Scope is organisational: a person acts
through memberships (organisation + role); an API key acts for its organisation with its scope.
Anything outside a principal's scope is reported as "not found" by callers (404), never 403, so
that the existence of other organisations' objects is not revealed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from civicloop.core.models import (
    ApiKey,
    ApiKeyScope,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Role,
)


class Ability(enum.StrEnum):
    VIEW_PORTFOLIO = "view_portfolio"
    EDIT_PORTFOLIO = "edit_portfolio"
    RECORD_MEASUREMENT = "record_measurement"
    MOVE_STAGE = "move_stage"
    VIEW_AUDIT = "view_audit"
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_SETTINGS = "manage_settings"
    # feedback: read surveys, scores and themes; run surveys and edit themes; submit via API
    VIEW_FEEDBACK = "view_feedback"
    MANAGE_FEEDBACK = "manage_feedback"
    COLLECT_FEEDBACK = "collect_feedback"
    EDIT_EVIDENCE = "edit_evidence"
    SHARE_REPORT = "share_report"
    EDIT_SCALING = "edit_scaling"
    ASSESS_SCALABILITY = "assess_scalability"
    # market (issue 7): needs, challenges, sealed proposals, evaluation, awards
    VIEW_MARKET = "view_market"
    MANAGE_MARKET = "manage_market"
    SUBMIT_NEED = "submit_need"
    EVALUATE_PROPOSALS = "evaluate_proposals"
    OPEN_PROPOSALS = "open_proposals"
    # a company's people and its read-write API keys act for the company (its proposals, its
    # vendor profile, its questions); held on the company itself, never on a unit
    ACT_FOR_COMPANY = "act_for_company"
    # experiments (issue 5) and the events API (issue 4): unit staff only
    MANAGE_EXPERIMENTS = "manage_experiments"
    SEND_EVENTS = "send_events"
    # data subject requests (GDPR Art. 17): erase a person of the unit; unit staff only
    MANAGE_DATA_SUBJECTS = "manage_data_subjects"
    # people (issue 13): invite people, change their roles, deactivate them, add partner
    # organisations to the unit; unit staff only (civicloop/people, docs/people.md)
    MANAGE_PEOPLE = "manage_people"


# --- organisations that are not units: jurisdictions and research bodies (issue 12, F18) -----
# A principal acts with a role that fits the kind of organisation it acts for. People of a
# jurisdiction or a research or civil-society body, and their API keys, act with the role of
# that kind, whatever role their membership names: a unit role (staff, evaluator, auditor) means
# something only inside a unit, so an "auditor" of a jurisdiction is not an auditor of anything.
JURISDICTION = "jurisdiction"
RESEARCH_BODY = "research_body"
# A membership whose role does not fit its organisation's kind acts as `NO_ROLE` (nothing), so a
# misfiled membership never grants unit abilities.
NO_ROLE = "none"

# The role table: what each role may do on objects of the unit it belongs to. One literal, read
# top to bottom; `docs/roles.md` explains it in words and `test_role_abilities` pins it.
UNIT_ROLE_ABILITIES: dict[str, frozenset[Ability]] = {
    # unit staff run the unit: everything a unit does, MANAGE_PEOPLE included
    # (acting for a company is not one)
    Role.UNIT_STAFF: frozenset(Ability) - {Ability.ACT_FOR_COMPANY},
    # auditors read the portfolio, feedback, the market (and open proposals after the
    # deadline, to check the evaluation) and the audit log; they change nothing
    Role.AUDITOR: frozenset(
        {
            Ability.VIEW_PORTFOLIO,
            Ability.VIEW_AUDIT,
            Ability.VIEW_FEEDBACK,
            Ability.VIEW_MARKET,
            Ability.OPEN_PROPOSALS,
        }
    ),
    # evaluators read, score proposals (opening them after the deadline) and score
    # scalability assessments of their unit
    Role.EVALUATOR: frozenset(
        {
            Ability.VIEW_PORTFOLIO,
            Ability.VIEW_FEEDBACK,
            Ability.VIEW_MARKET,
            Ability.EVALUATE_PROPOSALS,
            Ability.OPEN_PROPOSALS,
            Ability.ASSESS_SCALABILITY,
        }
    ),
    # vendors act only for their company (ACT_FOR_COMPANY, held on the company) and, like
    # agency officials, hold no unit abilities (officials act on what their agency
    # owns: AGENCY_OFFICIAL_ABILITIES); jurisdictions and research bodies read only what is
    # published (the public portal) or shared with them by a report link, which carries its
    # own right
    Role.VENDOR: frozenset({Ability.ACT_FOR_COMPANY}),
    Role.AGENCY_OFFICIAL: frozenset(),
    JURISDICTION: frozenset(),
    RESEARCH_BODY: frozenset(),
    NO_ROLE: frozenset(),
}
# What an agency official may do on objects their agency owns.
AGENCY_OFFICIAL_ABILITIES: frozenset[Ability] = frozenset(
    {
        Ability.VIEW_PORTFOLIO,
        Ability.RECORD_MEASUREMENT,
        Ability.VIEW_FEEDBACK,
        Ability.SUBMIT_NEED,
    }
)
# What a read-only API key may do at most.
READ_ABILITIES: frozenset[Ability] = frozenset(
    {Ability.VIEW_PORTFOLIO, Ability.VIEW_FEEDBACK, Ability.VIEW_MARKET}
)
# The roles that mean something in each kind of organisation.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganizationKind.UNIT: frozenset({Role.UNIT_STAFF, Role.EVALUATOR, Role.AUDITOR}),
    OrganizationKind.AGENCY: frozenset({Role.AGENCY_OFFICIAL}),
    OrganizationKind.COMPANY: frozenset({Role.VENDOR}),
    OrganizationKind.JURISDICTION: frozenset({JURISDICTION}),
    OrganizationKind.RESEARCH: frozenset({RESEARCH_BODY}),
}
# The role an organisation's API key, or a membership in an organisation whose people all act
# alike (jurisdictions, research bodies), acts with.
KIND_ROLE: dict[str, str] = {
    OrganizationKind.UNIT: Role.UNIT_STAFF,
    OrganizationKind.AGENCY: Role.AGENCY_OFFICIAL,
    OrganizationKind.COMPANY: Role.VENDOR,
    OrganizationKind.JURISDICTION: JURISDICTION,
    OrganizationKind.RESEARCH: RESEARCH_BODY,
}


def role_in(kind: str, role: str) -> str:
    """The role a membership with `role` in an organisation of `kind` acts with."""
    if kind in (OrganizationKind.JURISDICTION, OrganizationKind.RESEARCH):
        return KIND_ROLE[kind]
    return role if role in ROLES_BY_KIND.get(kind, frozenset()) else NO_ROLE


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in person or an API key, with their memberships resolved once."""

    person: Person | None = None
    api_key: ApiKey | None = None
    # (organization_id, role) pairs; an API key of a unit acts as unit staff of that unit.
    roles: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    read_only: bool = False

    @property
    def label(self) -> str:
        if self.person is not None:
            return f"person:{self.person.pk}"
        if self.api_key is not None:
            return f"apikey:{self.api_key.prefix}"
        return "anonymous"

    @property
    def is_authenticated(self) -> bool:
        return self.person is not None or self.api_key is not None

    def organizations(self, roles: Iterable[str] | None = None) -> set[int]:
        wanted = set(roles) if roles is not None else None
        return {org for org, role in self.roles if wanted is None or role in wanted}

    def has_role(self, role: str) -> bool:
        return any(r == role for _, r in self.roles)

    def units_with(self, ability: Ability) -> set[int]:
        if self.read_only and ability not in READ_ABILITIES:
            return set()
        return {org for org, role in self.roles if ability in UNIT_ROLE_ABILITIES.get(role, ())}

    def agencies_with(self, ability: Ability) -> set[int]:
        if self.read_only and ability not in READ_ABILITIES:
            return set()
        if ability not in AGENCY_OFFICIAL_ABILITIES:
            return set()
        return self.organizations([Role.AGENCY_OFFICIAL])


ANONYMOUS = Principal()


# People who registered a company themselves (market sign-up): their company roles wait for a
# confirmed e-mail address (`principal_for_person`).
SELF_REGISTERED_GROUP = "self-registered company"


def principal_for_person(person: Person | None) -> Principal:
    if person is None or not person.is_authenticated or not person.is_active:
        return ANONYMOUS
    from allauth.account.models import EmailAddress

    # A company's people act for it only once their own address is confirmed: a person who
    # registered a company themselves (in the SELF_REGISTERED_GROUP) holds no company role until
    # allauth records the address verified (issue 16), so an unconfirmed address cannot submit,
    # ask or register for a company. Invited people proved theirs by the invitation link. One
    # query, as before.
    self_registered = Person.groups.through.objects.filter(
        person_id=OuterRef("person_id"), group__name=SELF_REGISTERED_GROUP
    )
    confirmed = EmailAddress.objects.filter(
        user_id=OuterRef("person_id"), email__iexact=person.email, verified=True
    )
    memberships = (
        Membership.objects.filter(person=person)
        .annotate(self_registered=Exists(self_registered), confirmed=Exists(confirmed))
        .values_list(
            "organization_id", "organization__kind", "role", "self_registered", "confirmed"
        )
    )
    roles = frozenset(
        (org, role_in(kind, role))
        for org, kind, role, self_registered, confirmed in memberships
        if confirmed or not (self_registered and kind == OrganizationKind.COMPANY)
    )
    return Principal(person=person, roles=roles)


def principal_for_api_key(key: ApiKey) -> Principal:
    role = KIND_ROLE.get(key.organization.kind, NO_ROLE)
    return Principal(
        api_key=key,
        roles=frozenset({(key.organization_id, role)}),
        read_only=key.scope == ApiKeyScope.READ,
    )


def can(
    principal: Principal, ability: Ability, *, unit_id: int | None, agency_id: int | None = None
) -> bool:
    """May `principal` exercise `ability` on an object of `unit_id`, owned by `agency_id`?"""
    if unit_id is not None and unit_id in principal.units_with(ability):
        return True
    return agency_id is not None and agency_id in principal.agencies_with(ability)


def scope_q(
    principal: Principal, ability: Ability, *, unit_field: str, agency_field: str | None = None
) -> Q:
    """A filter for querysets: the rows on which `principal` may exercise `ability`."""
    condition = Q(**{f"{unit_field}__in": sorted(principal.units_with(ability))})
    if agency_field:
        agencies = principal.agencies_with(ability)
        if agencies:
            condition |= Q(**{f"{agency_field}__in": sorted(agencies)})
    return condition


# --- the gate: every public service, API operation and view asks here ------------------------
# `require` answers "may this actor do this to that?" and `acting_unit` answers "for which unit
# is this actor acting?". Both raise; neither returns a flag to be forgotten. See
# docs/architecture.md ("The permission gate").


@dataclass(frozen=True)
class _System(Principal):
    """The system itself acting (scheduled tasks, demo loaders, migrations of data).

    Never built from a request: only code that runs outside one passes `SYSTEM`.
    """

    @property
    def label(self) -> str:
        return "system"


SYSTEM: Principal = _System()


class NoActingUnit(PermissionDenied):
    """The actor holds the ability in no unit at all (answered 403: there is nothing to name)."""


def _scope_of(target: object) -> tuple[int | None, int | None]:
    """(unit id, owning agency id) of what `require` was asked about."""
    if isinstance(target, bool):  # bool is an int; never a unit id
        raise TypeError("require() needs a unit, a unit id or an object with unit_id")
    if isinstance(target, int):
        return target, None
    if isinstance(target, Organization):
        if target.kind == OrganizationKind.AGENCY:
            return None, target.pk
        return target.pk, None
    unit_id = getattr(target, "unit_id", None)
    if unit_id is None:
        raise TypeError(
            f"require() needs a unit, a unit id or an object with unit_id, not {type(target)!r}"
        )
    agency_id = getattr(target, "owner_agency_id", None) or getattr(target, "agency_id", None)
    return unit_id, agency_id


def require(actor: Principal, ability: Ability, target: object) -> None:
    """Raise `Http404` unless `actor` may exercise `ability` on `target`.

    `target` is a unit (`Organization`), a unit id, or a domain object that carries `unit_id`
    (and, where an agency owns it, `owner_agency_id` or `agency_id`). Outside the actor's scope
    an object "does not exist" for them, so the answer is 404, never 403. `SYSTEM` may do
    anything.
    """
    if isinstance(actor, _System):
        return
    unit_id, agency_id = _scope_of(target)
    if not can(actor, ability, unit_id=unit_id, agency_id=agency_id):
        raise Http404("Not found")


def is_operator(actor: Principal) -> bool:
    """The system, or an operator: an active superuser, who runs the installation.

    Operators alone create transformation units and manage people of every organisation; they
    hold no unit ability by being operators (they read a unit's data only through a role in it).
    """
    if isinstance(actor, _System):
        return True
    person = actor.person
    return person is not None and person.is_active and person.is_superuser


def units_for(actor: Principal, ability: Ability) -> list[Organization]:
    """The units in which `actor` holds `ability`, by name (for a "which unit?" choice)."""
    return list(
        Organization.objects.filter(
            pk__in=sorted(actor.units_with(ability)), kind=OrganizationKind.UNIT
        ).order_by("name", "pk")
    )


def acting_unit(
    actor: Principal,
    ability: Ability,
    requested: int | Organization | None = None,
    *,
    field: str = "unit_id",
) -> Organization:
    """The unit `actor` acts for when it exercises `ability`: the one rule.

    - A unit that was named (`requested`) is used if the actor holds the ability there; a unit
      outside its scope is answered 404, as if it did not exist.
    - Nothing named and exactly one unit in which the actor holds the ability: that unit.
    - Nothing named and several such units: a `ValidationError` on `field` asking which (pages
      show a choice of `units_for(...)`); never silently the first.
    - No unit at all: `NoActingUnit` (403).
    """
    if isinstance(actor, _System):
        raise TypeError("the system acts for a unit it names: pass the unit, not SYSTEM")
    units = sorted(actor.units_with(ability))
    if requested is not None:
        requested_id = requested.pk if isinstance(requested, Organization) else requested
        if requested_id not in units:
            raise Http404("Not found")
        return Organization.objects.get(pk=requested_id)
    if not units:
        raise NoActingUnit("You cannot do this in any unit.")
    if len(units) > 1:
        raise ValidationError({field: _("You belong to several units: say which one you act for.")})
    return Organization.objects.get(pk=units[0])


# --- gates without a unit ability ------------------------------------------------------------
# Some services act for someone on something no unit ability covers: a person's own account
# (their personal data export) and the people of an organisation (who is invited, who holds
# which role). They ask these gates, which every service walk accepts beside `require` and
# `acting_unit` (core/tests/test_gate.py).


def require_person(actor: Principal) -> Person:
    """The signed-in person acting for themselves; `PermissionError` for an API key or `SYSTEM`.

    For what a person does about their own account (e.g. exporting their personal data): it
    needs no ability, only that there is a person and it is them.
    """
    if actor.person is None:
        raise PermissionError("This is for a signed-in person, not an API key or the system.")
    return actor.person


def manageable_unit_ids(actor: Principal) -> set[int] | None:
    """Units whose people `actor` manages; None means every unit (operators, the system)."""
    if isinstance(actor, _System) or is_operator(actor):
        return None
    if actor.person is None:
        return set()  # API keys manage nobody: people are managed by signed-in people
    return actor.units_with(Ability.MANAGE_PEOPLE)


def require_people_manager(actor: Principal) -> None:
    """People are managed by people: an API key could otherwise mint staff accounts."""
    if isinstance(actor, _System):
        return
    if actor.person is None:
        raise PermissionError(
            "Managing people needs a signed-in person; API keys cannot invite, change roles "
            "or deactivate anyone."
        )


def require_manages(actor: Principal, organization: Organization) -> None:
    """Raise Http404 unless `actor` manages the people of `organization`.

    `MANAGE_PEOPLE` in the organisation's unit (the unit itself, or the unit a partner
    organisation works with); operators and `SYSTEM` manage everyone; API keys nobody
    (`PermissionError`).
    """
    require_people_manager(actor)
    if isinstance(actor, _System) or is_operator(actor):
        return
    unit_id = (
        organization.pk if organization.kind == OrganizationKind.UNIT else organization.unit_id
    )
    if unit_id is None:
        raise Http404("Not found")
    require(actor, Ability.MANAGE_PEOPLE, unit_id)


def require_manages_person(actor: Principal, person: Person) -> None:
    """Every role `person` holds must be in an organisation `actor` manages.

    None of them: 404 (the person is outside scope). Some but not all: a `ValidationError` on
    `person` (remove the roles you manage instead). Operators are managed by operators only.
    """
    require_people_manager(actor)
    if isinstance(actor, _System) or is_operator(actor):
        return
    unit_ids = manageable_unit_ids(actor) or set()
    managed = set(
        Organization.objects.filter(
            Q(pk__in=unit_ids, kind=OrganizationKind.UNIT) | Q(unit_id__in=unit_ids)
        ).values_list("pk", flat=True)
    )
    org_ids = set(
        Organization.objects.filter(memberships__person=person).values_list("pk", flat=True)
    )
    if not org_ids & managed:
        raise Http404("Not found")
    if org_ids - managed:
        raise ValidationError(
            {
                "person": _(
                    "This person also has roles in organisations you do not manage: "
                    "remove the roles you manage instead."
                )
            }
        )
    if person.is_staff or person.is_superuser:
        raise ValidationError({"person": _("Operators are managed by another operator.")})
