from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from civicloop.core.tests.factories import AgencyFactory
from civicloop.evidence import services as evidence_services
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling import services


@pytest.fixture
def scaled(world):
    """A problem at the scaling stage with an effect, a plan, obstacles and a live sandbox."""
    staff = world.principal("staff")
    today = timezone.localdate()
    problem = ProblemFactory.create(
        unit=world.unit,
        owner_agency=world.agency,
        stage="scaling",
        title="Missed visits",
        statement="Older people miss appointments.",
    )
    effect = evidence_services.effect_estimate_record(
        actor=staff,
        problem=problem,
        outcome="Missed rate",
        unit="pp",
        estimate=-6.1,
        std_error=0.9,
        design="rct",
        source="Trial",
        lower_is_better=True,
    )
    assessment = services.assessment_create(actor=staff, problem=problem, title="Regional scale")
    sandbox = services.sandbox_apply(
        actor=staff,
        unit=world.unit,
        problem=problem,
        title="Pharmacy confirmations",
        public_summary="Pharmacies confirm appointments.",
        regulator="Data Office",
    )
    services.sandbox_decide_eligibility(
        actor=staff,
        sandbox=sandbox,
        answers={k: True for k in services.ELIGIBILITY_CRITERIA},
        notes={k: "because" for k in services.ELIGIBILITY_CRITERIA},
    )
    services.sandbox_start(
        actor=staff,
        sandbox=sandbox,
        rule_waived="Art. 12",
        relaxation="",
        safeguards="Consent",
        participants="Patients over 75",
        exit_criteria="No incidents",
        participant_limit=100,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=170),
    )
    overdue = services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="reluctance",
        title="Managers resist",
        severity=3,
        likelihood=4,
        due_date=today - timedelta(days=1),
    )
    services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="regulation",
        title="Rule forbids sharing",
        severity=4,
        likelihood=4,
        sandbox=sandbox,
        due_date=today + timedelta(days=30),
    )
    services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="budget",
        title="Old budget issue",
        severity=5,
        likelihood=5,
        status="resolved",
        due_date=today - timedelta(days=50),
    )
    plan = services.replication_plan_create(
        actor=staff,
        problem=problem,
        title="Region",
        effect=effect,
        outcome_scale=0.01,
        tau=1.5,  # pp, the effect's unit (0.015 in outcome units)
        draws=5000,
    )
    town = AgencyFactory.create(unit=world.unit, name="Town Health", slug="town-health")
    services.replication_candidate_add(
        actor=staff,
        plan=plan,
        name="Town",
        annual_volume=50_000,
        cost_per_transaction=Decimal("60"),
        value_per_outcome_unit=Decimal("58"),
        context_similarity=0.8,
        organization=town,
        one_off_cost=Decimal("90000"),
    )
    return {
        "problem": problem,
        "effect": effect,
        "assessment": assessment,
        "sandbox": sandbox,
        "plan": plan,
        "overdue": overdue,
    }
