"""Demo organisations and people for `civicloop demo`. Each app adds its own demo data."""

from __future__ import annotations

from dataclasses import dataclass

from civicloop.core import services
from civicloop.core.models import Organization, OrganizationKind, Person, Role
from civicloop.core.permissions import SYSTEM

DEMO_PASSWORD = "civicloop-demo-2026"  # noqa: S105 - demo accounts only, printed by `make run`
DEMO_DOMAIN = "demo.civicloop.test"


@dataclass
class DemoOrgs:
    unit: Organization
    agencies: dict[str, Organization]
    jurisdictions: dict[str, Organization]
    companies: dict[str, Organization]
    people: dict[str, Person]


AGENCIES = [
    ("housing", "Municipal Housing Agency"),
    ("licensing", "Commerce and Licensing Department"),
    ("health", "Community Health Services"),
    ("social", "Social Services Department"),
    ("transport", "Mobility and Transport Office"),
    ("employment", "Local Employment Office"),
]
JURISDICTIONS = [
    ("villanueva", "City of Villanueva", 412_000),
    ("puerto-alto", "Puerto Alto", 186_000),
    ("san-telmo", "San Telmo", 95_000),
    ("riverside-county", "Riverside County", 640_000),
]
COMPANIES = [
    ("datacivic", "DataCivic Labs", "micro"),
    ("tramita", "Trámita Soluciones", "small"),
    ("carebridge", "CareBridge Health Tech", "small"),
    ("bigsys", "BigSystems Integration", "large"),
]
# (key, e-mail local part, full name, organisation key, role)
PEOPLE = [
    ("staff", "staff", "Lucía Martín (product manager)", "unit", Role.UNIT_STAFF),
    ("analyst", "analyst", "Omar Haddad (analyst)", "unit", Role.UNIT_STAFF),
    ("official", "official", "Carmen Ruiz (Housing Agency)", "housing", Role.AGENCY_OFFICIAL),
    ("evaluator", "evaluator", "Dr Ana Sousa (evaluator)", "unit", Role.EVALUATOR),
    ("vendor", "vendor", "Pablo Ortega (DataCivic Labs)", "datacivic", Role.VENDOR),
    ("auditor", "auditor", "Grace Kim (auditor)", "unit", Role.AUDITOR),
]


def demo_people_lines() -> list[str]:
    return [f"  {role.label:<16} {email}@{DEMO_DOMAIN}" for _, email, _, _, role in PEOPLE]


def load_core_demo() -> DemoOrgs:
    unit = services.organization_create(
        actor=SYSTEM,
        kind=OrganizationKind.UNIT,
        name="Villanueva Digital Transformation Unit",
        slug="villanueva-dtu",
        country="ES",
    )
    agencies = {
        key: services.organization_create(
            actor=SYSTEM, kind=OrganizationKind.AGENCY, name=name, slug=key, unit=unit, country="ES"
        )
        for key, name in AGENCIES
    }
    jurisdictions = {
        key: services.organization_create(
            actor=SYSTEM,
            kind=OrganizationKind.JURISDICTION,
            name=name,
            slug=key,
            unit=unit,
            population=pop,
            country="ES",
        )
        for key, name, pop in JURISDICTIONS
    }
    companies = {
        key: services.organization_create(
            actor=SYSTEM,
            kind=OrganizationKind.COMPANY,
            name=name,
            slug=key,
            sme_size=size,
            country="ES",
        )
        for key, name, size in COMPANIES
    }
    orgs = {"unit": unit, **agencies, **companies}
    people = {}
    for key, local, full_name, org_key, role in PEOPLE:
        person = services.person_create(
            email=f"{local}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, full_name=full_name
        )
        services.membership_add(actor=SYSTEM, person=person, organization=orgs[org_key], role=role)
        people[key] = person
    return DemoOrgs(unit, agencies, jurisdictions, companies, people)
