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

from django.db.models import Q

from civicloop.core.models import (
    ApiKey,
    ApiKeyScope,
    Membership,
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
    # experiments (issue 5) and the events API (issue 4): unit staff only
    MANAGE_EXPERIMENTS = "manage_experiments"
    SEND_EVENTS = "send_events"
    # data subject requests (GDPR Art. 17): erase a person of the unit; unit staff only
    MANAGE_DATA_SUBJECTS = "manage_data_subjects"


# What each role may do on objects of the unit it belongs to.
UNIT_ROLE_ABILITIES: dict[str, frozenset[Ability]] = {
    Role.UNIT_STAFF: frozenset(Ability),
    Role.AUDITOR: frozenset({Ability.VIEW_PORTFOLIO, Ability.VIEW_AUDIT}),
    Role.EVALUATOR: frozenset({Ability.VIEW_PORTFOLIO}),
    Role.VENDOR: frozenset(),
    Role.AGENCY_OFFICIAL: frozenset(),
}
# What an agency official may do on objects their agency owns.
AGENCY_OFFICIAL_ABILITIES = frozenset({Ability.VIEW_PORTFOLIO, Ability.RECORD_MEASUREMENT})
READ_ABILITIES = frozenset({Ability.VIEW_PORTFOLIO})
# feedback: auditors and evaluators read it; agency officials read their agency's surveys.
UNIT_ROLE_ABILITIES[Role.AUDITOR] = UNIT_ROLE_ABILITIES[Role.AUDITOR] | {Ability.VIEW_FEEDBACK}
UNIT_ROLE_ABILITIES[Role.EVALUATOR] = UNIT_ROLE_ABILITIES[Role.EVALUATOR] | {Ability.VIEW_FEEDBACK}
AGENCY_OFFICIAL_ABILITIES = AGENCY_OFFICIAL_ABILITIES | {Ability.VIEW_FEEDBACK}
READ_ABILITIES = READ_ABILITIES | {Ability.VIEW_FEEDBACK}
# Evaluators score scalability assessments of their unit (evidence and scaling, issue 8).
UNIT_ROLE_ABILITIES[Role.EVALUATOR] = UNIT_ROLE_ABILITIES[Role.EVALUATOR] | {
    Ability.ASSESS_SCALABILITY
}
# market (issue 7): evaluators score and, after the deadline, open proposals; auditors read.
UNIT_ROLE_ABILITIES[Role.EVALUATOR] = UNIT_ROLE_ABILITIES[Role.EVALUATOR] | {
    Ability.VIEW_MARKET,
    Ability.EVALUATE_PROPOSALS,
    Ability.OPEN_PROPOSALS,
}
UNIT_ROLE_ABILITIES[Role.AUDITOR] = UNIT_ROLE_ABILITIES[Role.AUDITOR] | {
    Ability.VIEW_MARKET,
    Ability.OPEN_PROPOSALS,
}
AGENCY_OFFICIAL_ABILITIES = AGENCY_OFFICIAL_ABILITIES | {Ability.SUBMIT_NEED}
READ_ABILITIES = READ_ABILITIES | {Ability.VIEW_MARKET}

# --- organisations that are not units: jurisdictions and research bodies (issue 12, F18) -----
# A principal acts with a role that fits the kind of organisation it acts for. People of a
# jurisdiction or a research or civil-society body, and their API keys, act with the role of
# that kind, whatever role their membership names: a unit role (staff, evaluator, auditor) means
# something only inside a unit, so an "auditor" of a jurisdiction is not an auditor of anything.
JURISDICTION = "jurisdiction"
RESEARCH_BODY = "research_body"
# Least privilege: no unit data at all. A jurisdiction reads what is published (the public
# portal: open calls, published problems and results, awards, the sandbox registry, open data);
# a research body reads that and what a unit shares with it (report share links, which carry
# their own right). Neither reads vendor profiles, programme metrics, surveys, experiments or
# any list of a unit's objects; writes they may make are none.
UNIT_ROLE_ABILITIES[JURISDICTION] = frozenset()
UNIT_ROLE_ABILITIES[RESEARCH_BODY] = frozenset()
# The roles that mean something in each kind of organisation; a membership with another role
# there acts as `NO_ROLE` (nothing), so a misfiled membership never grants unit abilities.
NO_ROLE = "none"
UNIT_ROLE_ABILITIES[NO_ROLE] = frozenset()
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


def principal_for_person(person: Person | None) -> Principal:
    if person is None or not person.is_authenticated or not person.is_active:
        return ANONYMOUS
    memberships = Membership.objects.filter(person=person).values_list(
        "organization_id", "organization__kind", "role"
    )
    roles = frozenset((org, role_in(kind, role)) for org, kind, role in memberships)
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
