"""Seeders for test_list_pins: each adds `n` rows numbered from `start` to one list, in the
world fixture's unit, and answers the path parameters its url needs (a parent it creates once
and reuses on the second call, so both calls grow the same list)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core import field_crypto
from civicloop.core.models import Role
from civicloop.core.tests.factories import (
    AgencyFactory,
    CompanyFactory,
    MembershipFactory,
    PersonFactory,
)
from civicloop.evidence.models import EffectEstimate
from civicloop.experiments.models import Decision, Experiment, Iteration, Service
from civicloop.experiments.tests import factories as experiment_factories
from civicloop.market.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Contract,
    Need,
    Phase,
    Proposal,
    RfiResponse,
    VendorProfile,
)
from civicloop.notifications.models import (
    Follow,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from civicloop.people.models import Invitation
from civicloop.portal.models import PublicSummary, SummaryStatus
from civicloop.portfolio.models import Problem
from civicloop.portfolio.tests.factories import (
    KpiFactory,
    MeasurementFactory,
    TargetGroupFactory,
)
from civicloop.scaling.models import Lesson, Obstacle, Replication, Sandbox, SandboxStatus

Ids = dict[str, int]


def _problem(world) -> Problem:
    problem, _ = Problem.objects.get_or_create(
        unit=world.unit,
        title="Pinned problem",
        defaults={"owner_agency": world.agency, "statement": "Waits.", "facet": "enhancement"},
    )
    return problem


def target_groups(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        TargetGroupFactory.create(unit=world.unit, name=f"Group {i:03d}")


def kpis(world, start: int, n: int) -> None:
    problem = _problem(world)
    for i in range(start, start + n):
        KpiFactory.create(problem=problem, name=f"KPI {i:03d}")


def measurements(world, start: int, n: int) -> Ids:
    kpi = KpiFactory.create(problem=_problem(world)) if start == 0 else None
    kpi = kpi or _problem(world).kpis.get()
    for i in range(start, start + n):
        MeasurementFactory.create(kpi=kpi, date=date(2025, 1, 1) + timedelta(days=i))
    return {"kpi_id": kpi.pk}


def needs(world, start: int, n: int) -> None:
    Need.objects.bulk_create(
        Need(
            unit=world.unit,
            agency=world.agency,
            title=f"Need {i:03d}",
            what_is_wrong="Waits.",
            who_is_affected="Applicants",
        )
        for i in range(start, start + n)
    )


def vendors(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        company = CompanyFactory.create(name=f"Vendor {i:03d}", slug=f"vendor-{i:03d}")
        VendorProfile.objects.create(organization=company, founding_year=2020, capabilities="x")


def _awarded_proposals(world, start: int, n: int, status: str) -> list[Proposal]:
    """`n` challenges of the unit, each with one phase and the world company's proposal."""
    past = timezone.now() - timedelta(days=1)
    challenges = Challenge.objects.bulk_create(
        Challenge(
            unit=world.unit,
            title=f"Call {i:03d}",
            context="Context.",
            status=status,
            published_at=past,
            submission_deadline=past,
            sealed_until=past,
        )
        for i in range(start, start + n)
    )
    phases = Phase.objects.bulk_create(
        Phase(challenge=c, kind="feasibility", budget=Decimal("1000")) for c in challenges
    )
    return Proposal.objects.bulk_create(
        Proposal(
            challenge=c,
            phase=p,
            vendor=world.company,
            submitted_by=world.people["vendor"],
            code=f"P-{i:05d}",
            submitted_at=past,
            price=Decimal("900"),
        )
        for i, (c, p) in enumerate(zip(challenges, phases, strict=True), start=start)
    )


def proposals(world, start: int, n: int) -> None:
    _awarded_proposals(world, start, n, ChallengeStatus.EVALUATION)


def _awards(world, start: int, n: int) -> list[Award]:
    return Award.objects.bulk_create(
        Award(
            challenge=p.challenge,
            proposal=p,
            amount=Decimal("900"),
            rationale="The clearest plan.",
            decided_by=world.people["staff"],
            decided_at=timezone.now(),
        )
        for p in _awarded_proposals(world, start, n, ChallengeStatus.AWARDED)
    )


def awards(world, start: int, n: int) -> None:
    _awards(world, start, n)


def contracts(world, start: int, n: int) -> None:
    today = timezone.localdate()
    Contract.objects.bulk_create(
        Contract(
            award=award,
            title=f"Pilot {award.proposal.code}",
            value=Decimal("900"),
            signed_on=today,
            starts_on=today,
            ends_on=today + timedelta(days=90),
        )
        for award in _awards(world, start, n)
    )


def rfi_responses(world, start: int, n: int) -> Ids:
    challenge = Challenge.objects.filter(unit=world.unit, title="Consulted").first()
    if challenge is None:
        challenge = Challenge.objects.create(
            unit=world.unit, title="Consulted", context="Context.", status=ChallengeStatus.OPEN
        )
    for i in range(start, start + n):
        company = CompanyFactory.create(name=f"Respondent {i:03d}", slug=f"respondent-{i:03d}")
        RfiResponse.objects.create(challenge=challenge, vendor=company, text=f"Answer {i}.")
    return {"challenge_id": challenge.pk}


def _service(world) -> Service:
    found = Service.objects.filter(unit=world.unit, name="Pinned service").first()
    return found or experiment_factories.service(
        world.principal("staff"), world.unit, world.agency, name="Pinned service"
    )


def services(world, start: int, n: int) -> None:
    Service.objects.bulk_create(
        Service(
            unit=world.unit,
            owner_agency=world.agency,
            name=f"Service {i:03d}",
            annual_volume=1000,
            cost_per_transaction=Decimal("1.50"),
        )
        for i in range(start, start + n)
    )


def _iterations(world, start: int, n: int) -> list[Iteration]:
    staff, service = world.principal("staff"), _service(world)
    return [
        experiment_factories.iteration(staff, service, title=f"Iteration {i:03d}")
        for i in range(start, start + n)
    ]


def experiments(world, start: int, n: int) -> None:
    iteration = _iterations(world, start, 1)[0]
    Experiment.objects.bulk_create(
        Experiment(
            iteration=iteration,
            unit=world.unit,
            key=f"experiment-{i:03d}",
            title=f"Experiment {i:03d}",
            design="ab",
            analysis_plan="Welch test.",
        )
        for i in range(start, start + n)
    )


def summaries(world, start: int, n: int) -> None:
    now = timezone.now()
    PublicSummary.objects.bulk_create(
        PublicSummary(
            iteration=it,
            unit=world.unit,
            status=SummaryStatus.PUBLISHED,
            title=it.title,
            service_name=it.service.name,
            published_at=now,
            published_by=world.people["staff"],
            drafted_by=world.people["staff"],
        )
        for it in _iterations(world, start, n)
    )


def staff_summaries(world, start: int, n: int) -> None:
    """Published summaries, and as many decided iterations still to summarise."""
    summaries(world, start, n)
    Decision.objects.bulk_create(
        Decision(
            iteration=it,
            kind="scale",
            rationale="The reminder worked.",
            decided_at=timezone.now(),
            decided_by=world.people["staff"],
        )
        for it in _iterations(world, start + 1000, n)
    )


def _estimates(world, start: int, n: int) -> list[EffectEstimate]:
    problem = _problem(world)
    return EffectEstimate.objects.bulk_create(
        EffectEstimate(
            problem=problem,
            outcome=f"Outcome {i:03d}",
            unit="pp",
            estimate=1.0,
            std_error=0.5,
            design="rct",
            source="Trial report",
        )
        for i in range(start, start + n)
    )


def effects(world, start: int, n: int) -> None:
    _estimates(world, start, n)


def replications(world, start: int, n: int) -> None:
    original = _estimates(world, start, 1)[0]
    Replication.objects.bulk_create(
        Replication(
            problem=original.problem,
            original=original,
            site=f"Site {i:03d}",
            estimate=0.8,
            std_error=0.4,
            design="rct",
            independent=True,
            completed_on=date(2026, 1, 1),
        )
        for i in range(start, start + n)
    )


def obstacles(world, start: int, n: int) -> None:
    problem = _problem(world)
    Obstacle.objects.bulk_create(
        Obstacle(
            unit=world.unit,
            problem=problem,
            kind="regulation",
            title=f"Obstacle {i:03d}",
            severity=3,
            likelihood=3,
        )
        for i in range(start, start + n)
    )


def lessons(world, start: int, n: int) -> None:
    Lesson.objects.bulk_create(
        Lesson(unit=world.unit, title=f"Lesson {i:03d}", what_we_learnt="Ask.", outcome="mixed")
        for i in range(start, start + n)
    )


def organizations(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        AgencyFactory.create(unit=world.unit, name=f"Agency {i:03d}", slug=f"agency-{i:03d}")


def memberships(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        person = PersonFactory.create(email=f"member-{i:03d}@example.org")
        MembershipFactory.create(person=person, organization=world.unit, role=Role.EVALUATOR)


def invitations(world, start: int, n: int) -> None:
    Invitation.objects.bulk_create(
        Invitation(
            email=f"invitee-{i:03d}@example.org",
            organization=world.unit,
            role=Role.EVALUATOR,
            token_hash=f"{i:064d}",
            expires_at=timezone.now() + timedelta(days=7),
            invited_by=world.people["staff"],
        )
        for i in range(start, start + n)
    )


def notifications(world, start: int, n: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            person=world.people["staff"],
            kind="challenge_published",
            params={"title": f"Call {i:03d}"},
            link="/market/",
            source=f"pin:{i}",
        )
        for i in range(start, start + n)
    )


def follows(world, start: int, n: int) -> None:
    sandboxes = Sandbox.objects.bulk_create(
        Sandbox(
            unit=world.unit,
            title=f"Followed {i:03d}",
            slug=f"followed-{i:03d}",
            public_summary="Summary.",
            regulator="Regulator",
            published=True,
            status=SandboxStatus.ACTIVE,
            starts_on=date(2026, 1, 1),
        )
        for i in range(start, start + n)
    )
    Follow.objects.bulk_create(
        Follow(person=world.people["staff"], object_type="scaling.sandbox", object_id=str(s.pk))
        for s in sandboxes
    )


def _endpoints(world, start: int, n: int) -> list[WebhookEndpoint]:
    return WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(
            organization=world.unit,
            url=f"https://hooks.example.org/{i:03d}",
            secret_encrypted=field_crypto.encrypt("whsec_pinned"),
            created_by=world.people["staff"],
        )
        for i in range(start, start + n)
    )


def webhooks(world, start: int, n: int) -> None:
    _endpoints(world, start, n)


def deliveries(world, start: int, n: int) -> Ids:
    endpoint = WebhookEndpoint.objects.filter(organization=world.unit).first()
    endpoint = endpoint or _endpoints(world, 0, 1)[0]
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, kind="challenge_published", source=f"pin:{i}", payload={"i": i}
        )
        for i in range(start, start + n)
    )
    return {"webhook_id": endpoint.pk}
