"""Demo data for the evidence app: the missed-appointments trial and its service figures."""

from __future__ import annotations

from decimal import Decimal

from civicloop.core.permissions import principal_for_person
from civicloop.evidence import services

SERVICE = "Community-health appointments"


def load(ctx: dict) -> None:
    """Record the reminder trial's effects, the service's figures and what patients said."""
    problem = ctx["problems"]["missed-appointments"]
    actor = principal_for_person(ctx["orgs"].people["analyst"])
    trial = "Reminder-call RCT, Community Health Services, 2026 (pre-registered)"
    primary = services.effect_estimate_record(
        actor=actor,
        problem=problem,
        outcome="Missed appointment rate",
        unit="pp",
        estimate=-6.1,
        std_error=0.9,
        design="rct",
        source=trial,
        lower_is_better=True,
        service_name=SERVICE,
        srm_p_value=0.41,
        balance_smd=0.03,
        attrition=0.02,
        sample_size=18_400,
    )
    services.effect_estimate_record(
        actor=actor,
        problem=problem,
        outcome="Missed appointment rate",
        unit="pp",
        estimate=-7.4,
        std_error=1.4,
        design="rct",
        source=trial,
        lower_is_better=True,
        group="People over 75 living alone",
        service_name=SERVICE,
        srm_p_value=0.41,
        sample_size=5_200,
    )
    services.effect_estimate_record(
        actor=actor,
        problem=problem,
        outcome="Satisfaction (1-5)",
        unit="points",
        estimate=0.4,
        std_error=0.12,
        design="rct",
        source=trial,
        role="satisfaction",
        service_name=SERVICE,
        srm_p_value=0.41,
    )
    services.effect_estimate_record(
        actor=actor,
        problem=problem,
        outcome="Days to next free slot",
        unit="days",
        estimate=-1.3,
        std_error=0.5,
        design="rct",
        source=trial,
        role="waiting_time",
        lower_is_better=True,
        service_name=SERVICE,
        srm_p_value=0.41,
    )
    services.service_figures_set(
        actor=actor,
        problem=problem,
        service_name=SERVICE,
        annual_volume=120_000,
        cost_per_transaction=Decimal("64.00"),
        value_per_outcome_unit=Decimal("58"),
        outcome_scale=0.01,
        one_off_cost=Decimal("180000"),
        annual_running_cost=Decimal("60000"),
        source="Community Health Services finance, 2025 accounts",
    )
    for label, mentions, sentiment, summary in [
        ("Calls came at a good time", 212, 0.7, "Most liked a call the day before."),
        ("Want to rebook during the call", 138, 0.2, "Asked to change the slot there and then."),
        ("Hard to hear the automated voice", 61, -0.5, "Older patients preferred a person."),
    ]:
        services.citizen_theme_record(
            actor=actor,
            problem=problem,
            label=label,
            mentions=mentions,
            sentiment=sentiment,
            summary=summary,
            source="Patient survey after the trial (n=840)",
        )
    ctx["evidence"] = {"missed_appointments_effect": primary, "service": SERVICE}
