"""Seed a unit with years of work, through the services (bench/web.py runs this).

    DJANGO_SETTINGS_MODULE=... DATABASE_URL=... python bench/web_seed.py --scale 1.0

Run on an installation that already holds the demo (``manage.py demo``). At ``--scale 1`` it
adds, to the demo unit: 5,000 problems (two KPIs each, with 18 months of measurements), 50,000
feedback responses over the demo's two surveys, 500 challenges (two phases, criteria,
published or open), 200 vendors (a company, a vendor person, a profile, half verified), and 100
experiments with 20 metrics each and a year of daily result snapshots. Every object goes through
the service that users go through (so permissions, validation, redaction and the audit trail
are real, and the audit log grows by tens of thousands of events), except two kinds of
history: KPI measurements and result snapshots, which the product writes in bulk itself (the
CSV import and the refresh task), are bulk-inserted here the same way.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicloop.analytics import services as analytics_services  # noqa: E402
from civicloop.core import services as core_services  # noqa: E402
from civicloop.core.aggregates import aggregates_refresh_pending  # noqa: E402
from civicloop.core.demo import DEMO_PASSWORD  # noqa: E402
from civicloop.core.models import Organization, OrganizationKind, Person, Role  # noqa: E402
from civicloop.core.permissions import SYSTEM, principal_for_person  # noqa: E402
from civicloop.experiments import services as exp_services  # noqa: E402
from civicloop.experiments.models import Experiment, ResultSnapshot  # noqa: E402
from civicloop.feedback import services as feedback_services  # noqa: E402
from civicloop.feedback.demo import HOUSING_TOPICS, LICENCE_TOPICS, _band, _comment  # noqa: E402
from civicloop.feedback.models import Survey  # noqa: E402
from civicloop.market import services as market_services  # noqa: E402
from civicloop.market.models import ChallengeStatus  # noqa: E402
from civicloop.portfolio import services as portfolio_services  # noqa: E402
from civicloop.portfolio.demo import PROBLEMS, _measurements  # noqa: E402

UNIT_SLUG = "villanueva-dtu"
FULL = {
    "problems": 5000,
    "responses": 50_000,
    "challenges": 500,
    "vendors": 200,
    "experiments": 100,
}
METRICS_PER_EXPERIMENT = 20
SNAPSHOT_DAYS = 365


def _staff(unit: Organization):  # type: ignore[no-untyped-def]
    person = (
        Person.objects.filter(memberships__organization=unit, memberships__role=Role.UNIT_STAFF)
        .order_by("pk")
        .first()
    )
    return principal_for_person(person)


def _months() -> list:  # type: ignore[type-arg]
    today = timezone.localdate().replace(day=1)
    return [(today - timedelta(days=30 * i)).replace(day=1) for i in range(18)][::-1]


def seed_problems(unit: Organization, actor, n: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    agencies = list(Organization.objects.filter(unit=unit, kind=OrganizationKind.AGENCY))
    groups = list(unit.target_groups.all()[:1])
    months = _months()
    today = timezone.localdate()
    for i in range(n):
        spec = PROBLEMS[i % len(PROBLEMS)]
        with transaction.atomic():
            problem = portfolio_services.problem_create(
                actor=actor, unit=unit, owner_agency=agencies[i % len(agencies)],
                title=f"{spec.title} (case {i + 1})", statement=spec.statement,
                causes=spec.causes, facet=spec.facet, sdg_target=spec.sdg,
                target_groups=groups[:1], tags=spec.tags,
                impact=spec.scores[0], reach=spec.scores[1], urgency=spec.scores[2],
                effort=spec.scores[3],
            )  # fmt: skip
            for kdef in spec.kpis[:2]:
                extra = {"name": kdef.name, "category": kdef.category, "unit": kdef.unit,
                         "direction": kdef.direction}  # fmt: skip
                kpi = portfolio_services.kpi_create(
                    actor=actor, problem=problem, template_key=kdef.template,
                    **{k: v for k, v in extra.items() if v},
                    baseline_value=Decimal(str(kdef.baseline)), baseline_date=months[0],
                    baseline_source="Service management information",
                    target_value=Decimal(str(kdef.target)), target_date=today + timedelta(days=183),
                )  # fmt: skip
                _measurements(kpi, kdef, months, rng)


def seed_responses(n: int, rng: random.Random) -> None:
    """``n`` responses over the demo's two surveys, spread over the last two years."""
    surveys = list(Survey.objects.order_by("pk")[:2])
    now = timezone.now()
    per = n // max(1, len(surveys))
    for survey, topics in zip(surveys, [LICENCE_TOPICS, HOUSING_TOPICS], strict=False):
        scales = [
            (q.key, q.scale_min, q.scale_max)
            for q in survey.questions.all()
            if q.scale_min is not None and q.scale_max is not None
        ]  # fmt: skip
        for start in range(0, per, 1000):
            with transaction.atomic():
                for i in range(start, min(per, start + 1000)):
                    _response(survey, topics, scales, i, now, rng)


def _response(survey: Survey, topics, scales, i: int, now, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    language = "es" if rng.random() < 0.6 else "en"
    text, mood = _comment(rng, topics, language)
    answers: dict[str, object] = {
        key: max(lo, min(hi, round(rng.gauss(lo + (hi - lo) * (mood - 1) / 4, (hi - lo) / 5))))
        for key, lo, hi in scales
    }
    answers["age_band"] = _band(rng)
    if rng.random() < 0.8:
        answers["comment"] = text
    feedback_services.response_submit(
        survey=survey, answers=answers, language=language,
        channel=rng.choice(["hosted", "widget", "api", "phone"]),
        respondent_id=f"bench-{survey.pk}-{i}", client=f"bench-{i}",
        submitted_at=now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60)),
    )  # fmt: skip


def seed_challenges(unit: Organization, actor, n: int) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for i in range(n):
        with transaction.atomic():
            challenge = market_services.challenge_create(
                actor=actor, unit=unit, title=f"Challenge {i + 1}: faster decisions for families",
                summary="Cut the days to a decision without adding caseworkers.",
                context="<p>Families send paper evidence one document at a time.</p>",
                outcomes_sought="<p>Median days to decision from 142 to 60.</p>",
                submission_deadline=now + timedelta(days=30 + i % 60),
            )  # fmt: skip
            market_services.phase_set(actor=actor, challenge=challenge, kind="feasibility",
                                      budget=Decimal("25000"), awards_count=2)  # fmt: skip
            market_services.criteria_set(actor=actor, challenge=challenge, criteria=[
                market_services.CriterionSpec("Impact", 60, 10),
                market_services.CriterionSpec("Cost", 40, 10),
            ])  # fmt: skip
            status = ChallengeStatus.OPEN if i % 2 else ChallengeStatus.CONSULTATION
            market_services.challenge_move(actor=actor, challenge=challenge, to_status=status)


def seed_vendors(unit: Organization, actor, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with transaction.atomic():
            company = Organization.objects.create(
                kind=OrganizationKind.COMPANY, name=f"Bench Vendor {i + 1} S.L.",
                slug=f"bench-vendor-{i + 1}", sme_size="small", country="ES",
            )  # fmt: skip
            person = core_services.person_create(
                email=f"vendor{i + 1}@bench.civicloop.test", password=DEMO_PASSWORD,
                full_name=f"Bench Vendor {i + 1}",
            )  # fmt: skip
            core_services.membership_add(actor=SYSTEM, person=person, organization=company,
                                         role=Role.VENDOR)  # fmt: skip
            profile = market_services.vendor_register(
                actor=principal_for_person(person), organization=company, founding_year=2015,
                capabilities="Case management, document capture, SMS reminders.",
                sme_size="small", sectors=["72000000"], countries=["ES"],
            )  # fmt: skip
            if i % 2 == 0:
                market_services.vendor_verify(actor=actor, profile=profile)


def seed_experiments(unit: Organization, actor, n: int) -> None:  # type: ignore[no-untyped-def]
    template = ResultSnapshot.objects.filter(ok=True).order_by("-computed_at").first()
    agency = Organization.objects.filter(unit=unit, kind=OrganizationKind.AGENCY).earliest("pk")
    today = timezone.localdate()
    metrics = [
        analytics_services.metric_create(
            actor=actor, unit=unit, key=f"bench-metric-{m + 1}", name=f"Bench metric {m + 1}",
            aggregation="count", event_name=f"bench_event_{m + 1}", window_hours=168,
            unit_label="events",
        )
        for m in range(METRICS_PER_EXPERIMENT)
    ]  # fmt: skip
    for i in range(n):
        with transaction.atomic():
            service = exp_services.service_create(
                actor=actor, unit=unit, owner_agency=agency, name=f"Bench service {i + 1}",
                annual_volume=10_000, cost_per_transaction="20.00",
            )  # fmt: skip
            iteration = exp_services.iteration_create(
                actor=actor, service=service, title="Reminder before expiry",
                what_changes="An SMS two weeks before expiry.", hypothesis_change="send an SMS",
                hypothesis_metric="renewals", hypothesis_group="shopkeepers",
                hypothesis_effect="5 points", hypothesis_because="people forget",
                starts_on=today - timedelta(days=SNAPSHOT_DAYS), ends_on=today,
                evaluation_plan="Randomised A/B test.",
            )  # fmt: skip
            roles = ["primary"] + ["secondary"] * (METRICS_PER_EXPERIMENT - 1)
            experiment = exp_services.experiment_create(
                actor=actor, iteration=iteration, key=f"bench-exp-{i + 1}", design="ab",
                title=f"Bench experiment {i + 1}", analysis_plan="Welch t test, alpha 0.05.",
                metrics=[(m, r, None) for m, r in zip(metrics, roles, strict=True)],
                variants=[{"key": "control", "weight": 1}, {"key": "sms", "weight": 1}],
            )  # fmt: skip
            exp_services.experiment_start(actor=actor, experiment=experiment)
            _snapshots(experiment, template)


def _snapshots(experiment: Experiment, template: ResultSnapshot | None) -> None:
    now = timezone.now()
    payload = template.payload if template is not None else {}
    warnings = template.warnings if template is not None else []
    # The refresh task writes one snapshot per refresh; a year of daily refreshes in bulk.
    ResultSnapshot.objects.bulk_create(
        ResultSnapshot(
            experiment=experiment,
            computed_at=now - timedelta(days=d),
            ok=True,
            payload=payload,
            warnings=warnings,
        )  # fmt: skip
        for d in range(SNAPSHOT_DAYS)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full sizes")
    args = parser.parse_args()
    sizes = {k: max(1, round(v * args.scale)) for k, v in FULL.items()}
    unit = Organization.objects.get(slug=UNIT_SLUG)
    actor = _staff(unit)
    rng = random.Random(2026)
    steps = [
        ("problems", lambda: seed_problems(unit, actor, sizes["problems"], rng)),
        ("responses", lambda: seed_responses(sizes["responses"], rng)),
        ("challenges", lambda: seed_challenges(unit, actor, sizes["challenges"])),
        ("vendors", lambda: seed_vendors(unit, actor, sizes["vendors"])),
        ("experiments", lambda: seed_experiments(unit, actor, sizes["experiments"])),
    ]
    for name, step in steps:
        started = time.monotonic()
        step()
        print(f"  seeded {sizes[name]:,} {name} in {time.monotonic() - started:.0f} s", flush=True)
    # What the worker does after those writes: the stored figures they invalidated (ADR 0019).
    started = time.monotonic()
    refreshed = aggregates_refresh_pending()
    print(f"  recomputed {refreshed} stored aggregates in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
