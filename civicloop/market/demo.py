"""Demo data for the market: one challenge in consultation, one awarded with a pilot running."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core import services as core_services
from civicloop.core.demo import DEMO_DOMAIN, DEMO_PASSWORD
from civicloop.core.models import Role
from civicloop.core.permissions import SYSTEM, principal_for_person
from civicloop.market import services
from civicloop.market.models import Challenge, ChallengeStatus, Need

VENDORS = {
    # company key: (founding year, capabilities, sectors, demo person e-mail local part)
    "datacivic": (
        2022,
        "User research with shopkeepers, online licence renewal forms, "
        "reminders by SMS and WhatsApp, digital identity without certificates.",
        ["licensing", "digital services"],
        None,
    ),
    "tramita": (
        2019,
        "Case management and online forms for licensing and permits; "
        "integration with municipal registers.",
        ["licensing", "permits"],
        "tramita",
    ),
    "carebridge": (
        2020,
        "Triage of social-care and housing cases, document collection from "
        "families, caseworker dashboards.",
        ["housing", "social care"],
        "carebridge",
    ),
    "bigsys": (
        1998,
        "Large ERP and records systems integration for public administrations.",
        ["erp", "integration"],
        "bigsys",
    ),
}


def load(ctx: dict) -> None:
    """Extend the shared demo context; `ctx` holds "orgs" and "problems" from earlier loaders."""
    rng = random.Random(7)
    orgs = ctx["orgs"]
    people = dict(orgs.people)
    staff = principal_for_person(people["staff"])
    evaluator = principal_for_person(people["evaluator"])
    analyst = principal_for_person(people["analyst"])
    problems = ctx["problems"]

    vendor_people = {"datacivic": people["vendor"]}
    for key, (_, _, _, local) in VENDORS.items():
        if local is None:
            continue
        person = core_services.person_create(
            email=f"{local}@{DEMO_DOMAIN}",
            password=DEMO_PASSWORD,
            full_name=f"{orgs.companies[key].name} (vendor)",
        )
        core_services.membership_add(
            actor=SYSTEM, person=person, organization=orgs.companies[key], role=Role.VENDOR
        )
        vendor_people[key] = person
    vendor_actor = {k: principal_for_person(p) for k, p in vendor_people.items()}
    for key, (year, capabilities, sectors, _) in VENDORS.items():
        company = orgs.companies[key]
        profile = services.vendor_register(
            actor=vendor_actor[key],
            organization=company,
            founding_year=year,
            capabilities=capabilities,
            sme_size=company.sme_size,
            sectors=sectors,
            countries=["ES", "PT"] if key != "bigsys" else ["ES", "FR", "DE"],
            references="Three municipal pilots since 2021.",
        )
        if key != "bigsys":
            services.vendor_verify(actor=staff, profile=profile)

    # --- needs from agencies, two of them alike (merged into the awarded challenge) ---------
    licensing, housing = orgs.agencies["licensing"], orgs.agencies["housing"]
    need_a = services.need_submit(
        actor=staff,
        agency=licensing,
        title="Trading-licence renewals stuck at the counter",
        what_is_wrong="Only 23% of small shopkeepers renew their trading licence online; the "
        "rest queue at the counter and lose a morning of trade.",
        who_is_affected="Small shopkeepers, many over 55 or born abroad",
        current_cost=Decimal("38.50"),
        problem=problems.get("licence-renewals"),
        constraints="Must work without a digital certificate.",
    )
    need_b = services.need_submit(
        actor=staff,
        agency=orgs.agencies["transport"],
        title="Taxi licence renewals queue at the counter",
        what_is_wrong="Taxi drivers queue at the counter to renew licences every year; the "
        "online form needs a digital certificate.",
        who_is_affected="Taxi drivers",
        current_cost=Decimal("41.00"),
    )
    services.need_submit(
        actor=principal_for_person(people["official"]),
        agency=housing,
        title="Housing applications wait for paper evidence",
        what_is_wrong="Single-parent families wait months for housing decisions while "
        "caseworkers chase paper evidence one document at a time.",
        who_is_affected="Single-parent families on the waiting list",
        current_cost=Decimal("412.00"),
        problem=problems.get("housing-decisions"),
    )
    # Needs were logged before the challenge: date them back so lead times are realistic.
    Need.objects.filter(pk__in=[need_a.pk, need_b.pk]).update(
        created_at=timezone.now() - timedelta(days=160)
    )

    # --- the awarded challenge with a pilot running --------------------------------------
    awarded = services.needs_merge(
        actor=staff,
        needs=[need_a, need_b],
        title="Renew licences online without a digital certificate",
    )
    services.challenge_update(
        actor=staff,
        challenge=awarded,
        summary="Help shopkeepers and taxi drivers renew licences online in minutes.",
        outcomes_sought="<p>Digital take-up of renewals from 23% to 45% within a year.</p>",
        data_available="<p>Anonymised counter and online renewal logs, 2022–2025.</p>",
        eligibility="<p>Companies of any size registered in the EU.</p>",
        ip_terms="<p>The vendor keeps its IP; the city gets a perpetual licence and the data.</p>",
        timeline="<p>Feasibility 2 months, pilot 6 months.</p>",
        anonymous_evaluation=True,
        submission_deadline=timezone.now() + timedelta(days=30),
    )
    feasibility = services.phase_set(
        actor=staff, challenge=awarded, kind="feasibility", budget=Decimal("30000"), awards_count=1
    )
    pilot = services.phase_set(
        actor=staff, challenge=awarded, kind="pilot", budget=Decimal("120000"), awards_count=1
    )
    services.criteria_set(
        actor=staff,
        challenge=awarded,
        criteria=[
            services.CriterionSpec("Understanding of users and problem", 35, 10),
            services.CriterionSpec("Feasibility and evidence plan", 35, 10),
            services.CriterionSpec("Value for money", 30, 10),
        ],
    )
    services.challenge_move(actor=staff, challenge=awarded, to_status=ChallengeStatus.OPEN)
    q = services.question_ask(
        actor=vendor_actor["tramita"],
        challenge=awarded,
        vendor=orgs.companies["tramita"],
        text="May the solution use Cl@ve instead of certificates?",
    )
    services.question_answer(
        actor=staff,
        question=q,
        answer="Yes: Cl@ve PIN is accepted; certificates must not be required.",
    )
    proposals = {}
    texts = {
        "datacivic": "Two weeks of interviews at markets, then a WhatsApp reminder and a "
        "three-step renewal form with Cl@ve PIN, measured against the counter.",
        "tramita": "Extend our licensing case-management module with an online renewal "
        "flow and SMS reminders; integration with the municipal register.",
        "bigsys": "Integrate renewals into the ERP with a new citizen portal and a "
        "certificate-free identity broker.",
    }
    prices = {"datacivic": "28000", "tramita": "29500", "bigsys": "30000"}
    for key, text in texts.items():
        proposals[key] = services.proposal_submit(
            actor=vendor_actor[key],
            challenge=awarded,
            phase=feasibility,
            vendor=orgs.companies[key],
            content=text,
            price=Decimal(prices[key]),
        )
    # Time passes: the deadline is behind us (as it would be by now). The demo dates the whole
    # call back, the high-water mark of its published deadline included (ADR 0007).
    closed_at = timezone.now() - timedelta(days=40)
    Challenge.objects.filter(pk=awarded.pk).update(
        submission_deadline=closed_at,
        sealed_until=closed_at,
        published_at=timezone.now() - timedelta(days=75),
    )
    awarded.refresh_from_db()
    services.challenge_move(actor=staff, challenge=awarded, to_status=ChallengeStatus.EVALUATION)
    criteria = services.rubric_for(challenge=awarded, phase=feasibility)
    base = {"datacivic": 8, "tramita": 7, "bigsys": 5}
    for actor in (evaluator, analyst):
        for key, proposal in proposals.items():
            services.conflict_declare(actor=actor, proposal=proposal, has_conflict=False)
            for criterion in criteria:
                score = max(0, min(criterion.max_score, base[key] + rng.choice([-2, -1, 0, 1])))
                services.score_record(
                    actor=actor,
                    proposal=proposal,
                    criterion=criterion,
                    score=score,
                    justification=f"{criterion.name}: evidence in the proposal supports a "
                    f"score of {score}.",
                )
    award = services.award_decide(
        actor=staff,
        proposal=proposals["datacivic"],
        amount=Decimal("28000"),
        rationale="Highest weighted score; strongest user research and evidence plan.",
    )
    for key in ("tramita", "bigsys"):
        services.feedback_send(
            actor=staff,
            proposal=proposals[key],
            text="Thank you. The winning proposal planned user research "
            "with shopkeepers and a measurable comparison.",
        )
    # Nobody bid for the pilot phase: it closes with a public reason, and only then is the
    # challenge awarded (a phase that never ran does not close a call by itself).
    services.phase_close(
        actor=staff,
        phase=pilot,
        reason="No proposal was received for the pilot; the feasibility winner's pilot is "
        "procured under its contract.",
    )
    today = timezone.localdate()
    contract = services.contract_sign(
        actor=staff,
        award=award,
        title="Feasibility and pilot: online licence renewals",
        value=Decimal("28000"),
        signed_on=today - timedelta(days=20),
        starts_on=today - timedelta(days=15),
        ends_on=today + timedelta(days=45),
        pilot_problem=problems.get("licence-renewals"),
    )
    done = services.milestone_add(
        actor=staff,
        contract=contract,
        title="User research report",
        due_on=today - timedelta(days=2),
    )
    services.milestone_update(actor=staff, milestone=done, status="met")
    services.milestone_add(
        actor=staff,
        contract=contract,
        title="Pilot live at two markets",
        due_on=today + timedelta(days=30),
    )
    services.payment_record(
        actor=staff,
        contract=contract,
        amount=Decimal("8400"),
        paid_on=today - timedelta(days=1),
        milestone=done,
    )

    # --- the challenge in market consultation ---------------------------------------------
    consultation = services.challenge_create(
        actor=staff,
        unit=orgs.unit,
        title="Faster housing decisions for single-parent families",
        summary="Cut the median 142 days to a decision without adding caseworkers.",
        context="<p>Families send paper evidence one document at a time; caseworkers re-key "
        "data from three systems.</p>",
        users_affected="<p>3,800 single-parent households on the waiting list.</p>",
        outcomes_sought="<p>Median days to decision from 142 to 60.</p>",
        problem=problems.get("housing-decisions"),
        consultation_closes_at=timezone.now() + timedelta(days=14),
        submission_deadline=timezone.now() + timedelta(days=45),
    )
    services.phase_set(
        actor=staff,
        challenge=consultation,
        kind="feasibility",
        budget=Decimal("25000"),
        awards_count=2,
    )
    services.phase_set(
        actor=staff,
        challenge=consultation,
        kind="prototype",
        budget=Decimal("60000"),
        awards_count=1,
    )
    services.criteria_set(
        actor=staff,
        challenge=consultation,
        criteria=[
            services.CriterionSpec("Impact on waiting times", 50, 10),
            services.CriterionSpec("Privacy by design", 30, 10),
            services.CriterionSpec("Cost", 20, 10),
        ],
    )
    services.challenge_move(
        actor=staff, challenge=consultation, to_status=ChallengeStatus.CONSULTATION
    )
    services.rfi_respond(
        actor=vendor_actor["carebridge"],
        challenge=consultation,
        vendor=orgs.companies["carebridge"],
        text="Document collection by phone photo works for most families; "
        "the register integration is the hard part.",
    )
    q = services.question_ask(
        actor=vendor_actor["carebridge"],
        challenge=consultation,
        vendor=orgs.companies["carebridge"],
        text="Can vendors access anonymised case timelines?",
    )
    services.question_answer(
        actor=staff, question=q, answer="Yes, a 2023–2025 extract will be in the data room."
    )
    services.challenge_update(
        actor=staff,
        challenge=consultation,
        data_available="<p>Anonymised case timelines 2023–2025 (data room).</p>",
        reason="Vendors asked for case timelines during the consultation.",
    )
    services.vendor_invite(
        actor=staff,
        challenge=consultation,
        vendor=orgs.companies["carebridge"],
        message="Your profile matches this challenge.",
    )
    awarded.refresh_from_db()
    ctx["market"] = {
        "contract": contract,
        "awarded_challenge": awarded,
        "consultation_challenge": consultation,
        "vendor_people": vendor_people,
    }
