"""Demo data for the scaling app: the missed-appointments scale-up, and lessons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core.permissions import principal_for_person
from civicloop.scaling import services

# (domain, staff rating, evaluator rating, evidence)
RATINGS = [
    (
        "problem",
        5,
        5,
        "1 in 5 appointments missed by people over 75 living alone (health MI 2025).",
    ),
    ("intervention", 4, 4, "Reminder call the day before with rebooking; script and manual exist."),
    ("context", 4, 3, "Health plan 2026-29 names missed appointments; election in 2027."),
    ("effectiveness", 5, 4, "Pre-registered RCT, n=18,400: −6.1 pp (95% CI −7.9 to −4.3)."),
    ("costs", 4, 4, "Savings ≈ €425k a year against €180k set-up and €60k a year."),
    ("fidelity", 3, 3, "Call script must be adapted to local languages; core: call + rebook."),
    ("reach", 4, 3, "Reached 92% of eligible patients; 6% could not hear the automated voice."),
    ("workforce", 3, 2, "Needs 2 FTE call handlers per 100k appointments; recruitment is slow."),
    ("infrastructure", 3, 3, "Booking system API only in two of four jurisdictions."),
    ("sustainability", 4, 3, "Running cost can move to the health budget if savings are booked."),
]
# (jurisdiction key, appointments a year, cost per appointment, similarity, one-off, running)
CANDIDATES = [
    ("puerto-alto", 54_000, "61.00", 0.85, "90000", "28000"),
    ("san-telmo", 27_500, "66.00", 0.7, "60000", "15000"),
    ("riverside-county", 188_000, "58.50", 0.45, "240000", "85000"),
]


def load(ctx: dict) -> None:
    """Assessment, obstacles, sandbox, replication plan and lessons for the demo unit."""
    orgs = ctx["orgs"]
    problems = ctx["problems"]
    problem = problems["missed-appointments"]
    staff_person, evaluator = orgs.people["staff"], orgs.people["evaluator"]
    staff = principal_for_person(staff_person)
    today = timezone.localdate()

    assessment = services.assessment_create(
        actor=staff,
        problem=problem,
        title="Reminder calls: scale to the whole region",
        scope="All four jurisdictions' community-health appointments for people over 75.",
    )
    for domain, mine, theirs, evidence in RATINGS:
        services.assessment_score(
            actor=staff,
            assessment=assessment,
            assessor=staff_person,
            domain=domain,
            score=mine,
            evidence=evidence,
        )
        services.assessment_score(
            actor=principal_for_person(evaluator),
            assessment=assessment,
            assessor=evaluator,
            domain=domain,
            score=theirs,
            evidence=evidence,
            notes="Independent review of the trial report." if domain == "effectiveness" else "",
        )

    sandbox = services.sandbox_apply(
        actor=staff,
        unit=orgs.unit,
        problem=problem,
        title="Pharmacies confirming health appointments",
        public_summary="Community pharmacies confirm or rebook a patient's health appointment "
        "when they collect a prescription, which data-protection rules on sharing "
        "appointment data with pharmacies do not currently allow.",
        regulator="Regional Health Data Protection Office",
    )
    services.sandbox_decide_eligibility(
        actor=staff,
        sandbox=sandbox,
        answers={k: True for k in services.ELIGIBILITY_CRITERIA},
        notes={
            "in_scope": "Appointment data sharing is governed by the regional health data rules.",
            "genuine_innovation": "No pharmacy in the region sees appointment data today.",
            "citizen_benefit": "Fewer missed appointments for people who rarely answer calls.",
            "readiness": "Pharmacy software supplier has built and tested the screen.",
            "need": "The rule forbids the disclosure; no guidance covers it.",
        },
    )
    services.sandbox_start(
        actor=staff,
        sandbox=sandbox,
        rule_waived="Art. 12 of the regional health-data rules (disclosure to third parties)",
        relaxation="Relaxed: date and time of the next appointment only, never its reason.",
        safeguards="Patient consent at the counter; read-only access; audit log reviewed weekly; "
        "pharmacist confidentiality agreement.",
        participants="Patients over 75 of 12 volunteer pharmacies",
        participant_limit=3000,
        exit_criteria="Stop if any data incident; continue if missed appointments fall and "
        "no complaint is upheld.",
        starts_on=today - timedelta(days=90),
        ends_on=today + timedelta(days=90),
    )
    services.sandbox_report_add(
        actor=staff,
        sandbox=sandbox,
        period_end=today - timedelta(days=30),
        participants=1240,
        incidents=0,
        safeguards_held=True,
        summary="1,240 patients took part; no incidents; 310 appointments rebooked.",
    )

    jurisdictions = orgs.jurisdictions
    rule = services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="regulation",
        title="Health-data rules forbid sharing appointments with pharmacies",
        severity=4,
        likelihood=4,
        owner=staff_person,
        sandbox=sandbox,
        mitigation="Test in the sandbox; propose an amendment with the regulator.",
        proposed_rule_change="Allow disclosure of appointment date and time to a pharmacy with "
        "the patient's consent.",
        due_date=today + timedelta(days=120),
    )
    services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="reluctance",
        title="Practice managers worry calls add to reception workload",
        severity=3,
        likelihood=4,
        owner_label="Carmen Ruiz (health liaison)",
        mitigation="Share trial workload data; central call team takes the calls.",
        due_date=today - timedelta(days=14),
        status="mitigating",
    )
    services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="capacity",
        title="Riverside County booking system has no API",
        severity=4,
        likelihood=3,
        jurisdiction=jurisdictions["riverside-county"],
        owner_label="Riverside County IT",
        mitigation="Nightly file export as a stop-gap.",
        due_date=today + timedelta(days=60),
    )
    services.obstacle_create(
        actor=staff,
        problem=problem,
        kind="budget",
        title="Running cost not in next year's health budget",
        severity=5,
        likelihood=2,
        owner_label="Finance director",
        mitigation="Book the savings as a budget transfer from missed-visit costs.",
        due_date=today + timedelta(days=45),
    )
    services.sandbox_learning_add(
        actor=staff,
        sandbox=sandbox,
        learning="Consent at the counter works: 96% of asked patients agreed and no complaint "
        "was made.",
        recommendation="Amend art. 12 to allow consented disclosure of appointment times.",
        obstacles=[rule],
    )

    effect = ctx["evidence"]["missed_appointments_effect"]
    services.replication_record(
        actor=staff,
        original=effect,
        site="Puerto Alto pilot",
        estimate=-5.2,
        std_error=1.6,
        design="rct",
        independent=True,
        completed_on=today - timedelta(days=40),
        jurisdiction=jurisdictions["puerto-alto"],
        notes="Run and analysed by the Puerto Alto health observatory.",
    )
    plan = services.replication_plan_create(
        actor=staff,
        problem=problem,
        title="Reminder calls across the region",
        effect=effect,
        outcome_scale=0.01,
        tau=1.5,  # pp, the effect's unit (0.015 in outcome units)
        horizon_years=5,
        draws=20_000,
        seed=20261126,
    )
    for key, volume, cost, similarity, one_off, running in CANDIDATES:
        services.replication_candidate_add(
            actor=staff,
            plan=plan,
            name=jurisdictions[key].name,
            annual_volume=volume,
            cost_per_transaction=Decimal(cost),
            value_per_outcome_unit=Decimal("58"),
            context_similarity=similarity,
            organization=jurisdictions[key],
            one_off_cost=Decimal(one_off),
            annual_running_cost=Decimal(running),
        )

    services.lesson_record(
        actor=staff,
        unit=orgs.unit,
        problem=problems["permit-backlog"],
        title="A fast track for small works cut permit times by two thirds",
        what_we_learnt="Separating home adaptations from major works and booking inspections "
        "online took the median from 150 to 45 days. The legal change took "
        "longer than the software: start it first.",
        outcome="success",
        tags="licensing, regulation, disability",
    )
    services.lesson_record(
        actor=staff,
        unit=orgs.unit,
        problem=problems["chatbot-pilot"],
        iteration_label="Tax chatbot, iteration 2",
        title="The tax chatbot did not reduce calls",
        what_we_learnt="Most spring calls were about letters people could not understand; the "
        "chatbot answered general questions. Calls rose 2%. Rewrite the letter "
        "before automating the answers.",
        context="Closed as abandoned after two iterations.",
        outcome="failure",
        tags="contact-centre, chatbot, failure",
    )
    services.lesson_record(
        actor=staff,
        unit=orgs.unit,
        problem=problem,
        iteration_label="Reminder calls, iteration 1",
        title="Automated voices do not work for the oldest patients",
        what_we_learnt="The first iteration used an automated voice; 6% of patients could not "
        "hear it. A person calling worked better for the over-85s.",
        outcome="mixed",
        tags="health, older-people, accessibility",
    )
    ctx["scaling"] = {"assessment": assessment, "sandbox": sandbox, "plan": plan}
