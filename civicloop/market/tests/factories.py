"""Builders for market tests: real services, so tests exercise the rules users rely on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core.models import Organization, Person, Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import CompanyFactory, MembershipFactory, PersonFactory
from civicloop.market import services
from civicloop.market.models import Challenge, ChallengeStatus, Phase, Proposal

CANARY = "CANARY-SEALED-7f3a9c"
RIVAL_CANARY = "RIVAL-SEALED-41b2d8"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_challenge(
    world,
    *,
    anonymous: bool = False,
    title: str = "Faster licence renewals",
    budget: Decimal = Decimal("50000"),
) -> tuple[Challenge, Phase]:
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff,
        unit=world.unit,
        title=title,
        context="<p>Shopkeepers queue at the counter to renew trading licences.</p>",
        outcomes_sought="Half of renewals online within a year.",
        anonymous_evaluation=anonymous,
        submission_deadline=timezone.now() + timedelta(days=14),
    )
    phase = services.phase_set(
        actor=staff, challenge=challenge, kind="feasibility", budget=budget, awards_count=1
    )
    services.criteria_set(
        actor=staff,
        challenge=challenge,
        criteria=[
            services.CriterionSpec("Understanding of the problem", 40, 10),
            services.CriterionSpec("Feasibility", 35, 10),
            services.CriterionSpec("Value for money", 25, 5),
        ],
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.OPEN)
    return challenge, phase


@dataclass
class Rival:
    company: Organization
    person: Person


def rival_vendor(name: str = "Rival Systems SA", slug: str = "rival") -> Rival:
    company = CompanyFactory.create(name=name, slug=slug, sme_size="large")
    person = PersonFactory.create(email=f"{slug}@example.org")
    MembershipFactory(person=person, organization=company, role=Role.VENDOR)
    return Rival(company, person)


def submit(
    world_or_person,
    challenge: Challenge,
    phase: Phase,
    vendor: Organization,
    text: str,
    price: Decimal = Decimal("40000"),
) -> Proposal:
    person = (
        world_or_person if isinstance(world_or_person, Person) else world_or_person.people["vendor"]
    )
    return services.proposal_submit(
        actor=principal_for_person(person),
        challenge=challenge,
        phase=phase,
        vendor=vendor,
        content=f"Our approach: {text}. We will interview shopkeepers and build a prototype.",
        price=price,
    )


def close_submissions(challenge: Challenge, *, world=None) -> Challenge:
    """Move the deadline into the past (as time would) and start evaluation."""
    Challenge.objects.filter(pk=challenge.pk).update(
        submission_deadline=timezone.now() - timedelta(minutes=1)
    )
    challenge.refresh_from_db()
    if world is not None:
        services.challenge_move(
            actor=world.principal("staff"),
            challenge=challenge,
            to_status=ChallengeStatus.EVALUATION,
        )
        challenge.refresh_from_db()
    return challenge
