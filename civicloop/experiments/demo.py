"""Demo data for the experiments app: two services, their iterations, a live A/B test with
events flowing, a pilot against comparison offices, a before/after, and past decisions."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from civicloop.analytics.services import event_store_close
from civicloop.core.permissions import principal_for_person
from civicloop.experiments import services
from civicloop.experiments.models import Experiment


def _weeks_back(n: int, today: date) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n - i) for i in range(n)]


def _its_rows(today: date, rng: random.Random) -> tuple[list[dict], date]:
    """Weekly online take-up (%): 26 weeks before plain-language guidance, 14 after."""
    weeks = _weeks_back(40, today - timedelta(days=120))
    change = weeks[26]
    rows = []
    for i, week in enumerate(weeks):
        after = week >= change
        value = 21 + 0.06 * i + (5.5 + 0.1 * (i - 26) if after else 0) + rng.gauss(0, 0.8)
        rows.append(
            {"site": "online channel", "period": week, "outcome": round(value, 2), "treated": after}
        )
    return rows, change


def _did_rows(today: date, rng: random.Random) -> tuple[list[dict], date]:
    """Median days to a housing decision in 8 offices; triage piloted in 3 from week 10."""
    weeks = _weeks_back(20, today - timedelta(days=60))
    start = weeks[10]
    offices = {
        "Centro": 150,
        "Norte": 138,
        "Puerto": 160,
        "Sur": 145,
        "Este": 141,
        "Oeste": 155,
        "Ribera": 149,
        "Alto": 136,
    }
    pilots = {"Centro", "Norte", "Puerto"}
    rows = []
    for office, base in offices.items():
        for i, week in enumerate(weeks):
            treated = office in pilots and week >= start
            value = base - 0.4 * i - (18 if treated else 0) + rng.gauss(0, 3)
            rows.append(
                {"site": office, "period": week, "outcome": round(value, 1), "treated": treated}
            )
    return rows, start


def _synth_rows(today: date, rng: random.Random) -> tuple[list[dict], date]:
    """Pre-filled evidence requests in one district (San Telmo) against six others."""
    months = [date(today.year, today.month, 1) - timedelta(days=30 * (15 - i)) for i in range(16)]
    months = [date(m.year, m.month, 1) for m in months]
    start = months[10]
    districts = {
        "San Telmo": (120, 1.0),
        "Villanueva": (130, 1.2),
        "Puerto Alto": (110, 0.8),
        "Riverside": (125, 1.1),
        "Las Lomas": (118, 0.9),
        "El Prado": (135, 1.3),
        "La Vega": (105, 0.7),
    }
    rows = []
    for district, (level, slope) in districts.items():
        for i, month in enumerate(months):
            treated = district == "San Telmo" and month >= start
            value = level - slope * i - (14 if treated else 0) + rng.gauss(0, 1.5)
            rows.append(
                {"site": district, "period": month, "outcome": round(value, 1), "treated": treated}
            )
    return rows, start


def _backdate(experiment: Experiment, days: int) -> None:
    # Demo only: the experiment "started" some days ago so that its timeline reads naturally.
    moment = timezone.now() - timedelta(days=days)
    Experiment.objects.filter(pk=experiment.pk).update(started_at=moment, locked_at=moment)


def load(ctx: dict) -> None:
    """Two services with iterations, experiments, results and decisions."""
    orgs = ctx["orgs"]
    problems = ctx["problems"]
    metrics = ctx["metrics"]
    actor = principal_for_person(orgs.people["staff"])
    rng = random.Random(5)
    today = timezone.localdate()
    unit = orgs.unit

    licences = services.service_create(
        actor=actor,
        unit=unit,
        owner_agency=orgs.agencies["licensing"],
        name="Trading licence renewal",
        annual_volume=73_000,
        cost_per_transaction="38.50",
        currency="EUR",
        channels=["online", "counter", "phone"],
        description="Small shopkeepers renew their trading licence every year.",
        problems=[problems["licence-renewals"]],
        kpis=list(problems["licence-renewals"].kpis.all()),
        shared_with=[orgs.companies["datacivic"]],
    )
    housing = services.service_create(
        actor=actor,
        unit=unit,
        owner_agency=orgs.agencies["housing"],
        name="Social housing decisions",
        annual_volume=3_800,
        cost_per_transaction="412.00",
        currency="EUR",
        channels=["counter", "online", "mail"],
        description="Applications for social housing, from complete file to decision.",
        problems=[problems["housing-decisions"]],
        kpis=list(problems["housing-decisions"].kpis.all()),
    )

    # Licence renewals, iteration 1 (decided): plain-language guidance, before/after.
    it1 = services.iteration_create(
        actor=actor,
        service=licences,
        title="Plain-language guidance",
        what_changes="Rewrote the renewal guidance in plain Spanish, with a 3-step checklist.",
        hypothesis_change="rewrite the guidance in plain language",
        hypothesis_metric="weekly online take-up",
        hypothesis_group="small shopkeepers",
        hypothesis_effect="5 percentage points",
        hypothesis_because="the legal wording makes people give up and queue instead",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=100),
        evaluation_plan="Interrupted time series of weekly online take-up, 26 weeks each side.",
    )
    rows, change = _its_rows(today, rng)
    its = services.experiment_create(
        actor=actor,
        iteration=it1,
        key="licence-plain-language",
        design="its",
        title="Plain-language guidance: before and after",
        analysis_plan="Segmented regression with Newey-West errors; level change at launch.",
        metrics=[(metrics["online_take_up"], "primary", None)],
        intervention_date=change,
        planned_days=98,
    )
    services.experiment_start(actor=actor, experiment=its)
    _backdate(its, 220)
    services.site_observations_record(actor=actor, experiment=its, rows=rows)
    snap = services.experiment_refresh(experiment=its)
    services.decision_record(
        actor=actor,
        iteration=it1,
        kind="iterate",
        cited_results=[snap],
        rationale="Online take-up rose by about 5 points at launch and kept climbing "
        "(interrupted time series, Maryland SMS 2). Still far from the 45% target: "
        "next, remind shopkeepers before expiry.",
    )

    # Licence renewals, iteration 2 (running): SMS reminder, randomised, events flowing.
    it2 = services.iteration_create(
        actor=actor,
        service=licences,
        title="SMS reminder before expiry",
        what_changes="An SMS with a direct link two weeks before the licence expires.",
        hypothesis_change="send an SMS reminder two weeks before expiry",
        hypothesis_metric="the share renewing within 7 days",
        hypothesis_group="small shopkeepers",
        hypothesis_effect="5 percentage points",
        hypothesis_because="most late renewals are forgotten deadlines, not refusals",
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=14),
        evaluation_plan="Randomised A/B test (50/50) on renewal within 7 days; helpline calls "
        "as a guardrail.",
    )
    sms = ctx["sms_experiment"]
    ab = services.experiment_create(
        actor=actor,
        iteration=it2,
        key=sms["key"],
        design="ab",
        title="SMS reminder A/B test",
        analysis_plan="Difference in proportions with CUPED (last year's renewal), "
        "always-valid intervals while running; alpha 0.05.",
        metrics=[
            (metrics["renewed_7d"], "primary", None),
            (metrics["renewed_online"], "secondary", None),
            (metrics["helpline_calls"], "guardrail", 0.05),
        ],
        variants=sms["variants"],
        control_variant="control",
        planned_days=28,
    )
    services.experiment_start(actor=actor, experiment=ab)
    _backdate(ab, sms["days"])
    services.experiment_refresh(experiment=ab, flush=False)

    # Housing decisions, iteration 1 (decided): triage pilot against comparison offices.
    h1 = services.iteration_create(
        actor=actor,
        service=housing,
        title="Triage of urgent cases",
        what_changes="A caseworker screens new files on day one and fast-tracks urgent ones.",
        hypothesis_change="triage every new file on its first day",
        hypothesis_metric="median days to decision",
        hypothesis_group="single-parent families on the waiting list",
        hypothesis_effect="15 days",
        hypothesis_because="urgent files wait in the same queue as complete routine ones",
        starts_on=today - timedelta(days=200),
        ends_on=today - timedelta(days=40),
        evaluation_plan="Difference-in-differences: 3 pilot offices against 5 comparison "
        "offices, weekly medians, 10 weeks each side.",
    )
    rows, start = _did_rows(today, rng)
    did = services.experiment_create(
        actor=actor,
        iteration=h1,
        key="housing-triage-pilot",
        design="did",
        title="Triage pilot in three offices",
        analysis_plan="Two-way fixed effects, errors clustered by office; pre-trend check.",
        metrics=[(metrics["decision_days"], "primary", None)],
        intervention_date=start,
        planned_days=70,
    )
    services.experiment_start(actor=actor, experiment=did)
    _backdate(did, 140)
    services.site_observations_record(actor=actor, experiment=did, rows=rows)
    snap = services.experiment_refresh(experiment=did)
    services.decision_record(
        actor=actor,
        iteration=h1,
        kind="iterate",
        cited_results=[snap],
        rationale="Pilot offices decided about 18 days faster than comparison offices "
        "(difference-in-differences, no pre-trend). Triage works; the remaining "
        "wait is evidence gathering, which the next iteration tackles.",
    )

    # Housing decisions, iteration 2 (running): pre-filled evidence requests, synthetic control.
    h2 = services.iteration_create(
        actor=actor,
        service=housing,
        title="Pre-filled evidence requests",
        what_changes="Evidence requests arrive pre-filled from the padrón and tax records.",
        hypothesis_change="pre-fill evidence requests from records we already hold",
        hypothesis_metric="median days to decision",
        hypothesis_group="single-parent families on the waiting list",
        hypothesis_effect="10 days",
        hypothesis_because="families lose weeks finding documents the city already has",
        starts_on=today - timedelta(days=180),
        ends_on=today + timedelta(days=30),
        evaluation_plan="Synthetic control: San Telmo against a weighted mix of six districts.",
    )
    rows, start = _synth_rows(today, rng)
    synth = services.experiment_create(
        actor=actor,
        iteration=h2,
        key="housing-prefilled-synth",
        design="synth",
        title="Pre-filled requests in San Telmo",
        analysis_plan="Synthetic control on monthly medians; placebo-in-space inference.",
        metrics=[(metrics["decision_days"], "primary", None)],
        intervention_date=start,
        planned_days=210,
    )
    services.experiment_start(actor=actor, experiment=synth)
    _backdate(synth, 170)
    services.site_observations_record(actor=actor, experiment=synth, rows=rows)
    services.experiment_refresh(experiment=synth)

    ctx["services"] = {"licences": licences, "housing": housing}
    ctx["experiments"] = {"sms": ab, "its": its, "did": did, "synth": synth}
    # The worker (another process) is the event store's writer from now on.
    event_store_close()
