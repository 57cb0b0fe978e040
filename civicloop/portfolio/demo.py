"""Demo portfolio: a dozen problems of a city's unit, with KPIs and 18 months of measurements."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core.demo import DemoOrgs
from civicloop.core.permissions import principal_for_person
from civicloop.portfolio import services
from civicloop.portfolio.models import Kpi, Measurement, Problem, Stage, TargetGroup


@dataclass(frozen=True)
class DemoKpi:
    template: str | None
    name: str | None
    category: str | None
    unit: str | None
    direction: str | None
    baseline: float
    target: float
    achieved: float  # share of the way to target reached by today (can exceed 1 or be < 0)
    noise: float


@dataclass(frozen=True)
class DemoProblem:
    key: str
    title: str
    statement: str
    causes: str
    agency: str
    facet: str
    stage: str
    groups: list[tuple[str, int, str, str]]
    tags: list[str]
    scores: tuple[int, int, int, int]
    kpis: list[DemoKpi]
    sdg: str = ""


def _k(
    template, baseline, target, achieved, noise, name=None, category=None, unit=None, direction=None
) -> DemoKpi:
    return DemoKpi(template, name, category, unit, direction, baseline, target, achieved, noise)


PROBLEMS: list[DemoProblem] = [
    DemoProblem(
        "housing-decisions",
        "Long waits for social-housing decisions for single-parent families",
        "Single-parent families applying for social housing wait a median of 142 days for a "
        "decision; many stay in temporary accommodation at the city's cost meanwhile.",
        "Paper evidence requests sent one at a time; caseworkers re-key data from three systems; "
        "no triage of urgent cases.",
        "housing",
        "enhancement",
        Stage.EXPERIMENTING,
        [
            (
                "Single-parent families on the housing waiting list",
                3800,
                "Households headed by one adult with dependent children, mostly women, 40% in temporary accommodation.",
                "Housing offices, schools' family liaison officers, SMS reminders",
            )
        ],
        ["housing", "families", "waiting-times"],
        (5, 4, 5, 3),
        [
            _k(
                None,
                142,
                60,
                0.55,
                6,
                "Median days to housing decision",
                "service_quality",
                "days",
                "lower",
            ),
            _k("cost_per_transaction", 412, 300, 0.4, 12),
            _k("user_satisfaction", 41, 65, 0.6, 3),
        ],
        "11.1",
    ),
    DemoProblem(
        "licence-renewals",
        "Low digital take-up of licence renewals among small shopkeepers",
        "Only 23% of small shopkeepers renew their trading licence online; the rest queue at the "
        "counter, losing a morning of trade, and the counter costs nine times more per renewal.",
        "Online form needs a digital certificate few shopkeepers have; guidance only in Spanish "
        "legal language; no reminder before expiry.",
        "licensing",
        "enhancement",
        Stage.EXPERIMENTING,
        [
            (
                "Small shopkeepers (fewer than 5 staff)",
                6200,
                "Independent retailers and market traders; 30% born abroad; many over 55.",
                "Traders' associations, market managers, WhatsApp groups",
            )
        ],
        ["licensing", "smes", "digital-take-up"],
        (4, 4, 3, 2),
        [
            _k("digital_take_up", 23, 45, 0.7, 2),
            _k("completion_rate", 58, 80, 0.65, 3),
            _k("cost_per_transaction", 38.5, 22, 0.5, 1.5),
        ],
    ),
    DemoProblem(
        "missed-appointments",
        "Missed health appointments among elderly people living alone",
        "People over 75 living alone miss 1 in 5 community-health appointments, so chronic "
        "conditions are caught late and home visits are wasted.",
        "Letters arrive late or are not read; no confirmation; transport hard to arrange.",
        "health",
        "adaptive",
        Stage.SCALING,
        [
            (
                "People over 75 living alone",
                21_500,
                "Older residents in single-person households, many with reduced mobility.",
                "Primary-care nurses, pharmacies, the city's telecare service",
            )
        ],
        ["health", "older-people"],
        (5, 5, 4, 3),
        [
            _k(None, 19.8, 12, 1.05, 0.8, "Missed appointment rate", "outcome", "%", "lower"),
            _k("cost_per_transaction", 64, 50, 0.9, 2),
        ],
        "3.8",
    ),
    DemoProblem(
        "benefit-errors",
        "Errors in minimum-income applications from migrant families",
        "A third of minimum-income applications from recently arrived families are returned "
        "for missing documents, delaying payments by two months on average.",
        "Document list unclear; translations not accepted; appointments needed to ask questions.",
        "social",
        "enhancement",
        Stage.EXPLORING,
        [
            (
                "Recently arrived migrant families",
                5400,
                "Families resident less than three years.",
                "NGOs, language schools, consulates",
            )
        ],
        ["benefits", "migrants"],
        (4, 3, 4, 3),
        [
            _k(
                None,
                33,
                15,
                0.1,
                2,
                "Applications returned incomplete",
                "service_quality",
                "%",
                "lower",
            )
        ],
    ),
    DemoProblem(
        "youth-unemployment",
        "Young people leaving employment programmes early",
        "Four in ten 18–24-year-olds drop out of the city's employment programme before the "
        "first placement.",
        "Long gaps between induction and placement; little feedback; travel costs.",
        "employment",
        "mission",
        Stage.FRAMED,
        [
            (
                "Unemployed people aged 18–24",
                7800,
                "Registered jobseekers under 25.",
                "Youth centres, social media, employment office",
            )
        ],
        ["employment", "youth"],
        (4, 4, 3, 4),
        [_k("completion_rate", 61, 75, -0.15, 3)],
        "8.6",
    ),
    DemoProblem(
        "school-transport",
        "Unreliable school transport for children with disabilities",
        "Families report that the adapted school bus is late or missing on one day in eight.",
        "Routes planned by hand each September; no live tracking; contractor paid per route.",
        "transport",
        "enhancement",
        Stage.EXPERIMENTING,
        [
            (
                "Children with disabilities using adapted transport",
                640,
                "Pupils entitled to door-to-door transport.",
                "Special-education schools, parents' associations",
            )
        ],
        ["transport", "disability", "education"],
        (3, 2, 4, 2),
        [
            _k(
                None,
                12.5,
                4,
                0.3,
                1.2,
                "Journeys late by over 15 minutes",
                "service_quality",
                "%",
                "lower",
            ),
            _k("user_satisfaction", 48, 70, 0.2, 4),
        ],
    ),
    DemoProblem(
        "energy-poverty",
        "Energy-poverty support not reaching eligible households",
        "Fewer than half of households eligible for the energy-bill discount receive it.",
        "Eligibility checked on paper; households do not know they qualify.",
        "social",
        "anticipatory",
        Stage.IDENTIFIED,
        [
            (
                "Households in energy poverty",
                14_000,
                "Households spending over 10% of income on energy.",
                "Utility companies, social workers",
            )
        ],
        ["energy", "benefits"],
        (4, 5, 3, 4),
        [],
    ),
    DemoProblem(
        "heat-alerts",
        "Heat alerts not reaching vulnerable residents",
        "During the last heatwave only 30% of registered vulnerable residents confirmed they "
        "had received the alert.",
        "Alerts only by e-mail; registry out of date.",
        "health",
        "anticipatory",
        Stage.FRAMED,
        [("People over 75 living alone", 0, "", "")],
        ["health", "climate"],
        (5, 4, 5, 2),
        [_k(None, 30, 70, 0.05, 4, "Alert receipt confirmed", "outcome", "%", "higher")],
        "13.1",
    ),
    DemoProblem(
        "permit-backlog",
        "Building-permit backlog for home adaptations",
        "Permits to adapt homes for wheelchair access take 5 months, while people wait in "
        "hospital or in care homes.",
        "Same process as major works; inspections scheduled by post.",
        "licensing",
        "enhancement",
        Stage.CLOSED_SOLVED,
        [("Disabled residents adapting their homes", 900, "", "Occupational therapists")],
        ["licensing", "disability"],
        (3, 2, 4, 2),
        [_k(None, 150, 45, 1.2, 5, "Median days to permit", "service_quality", "days", "lower")],
    ),
    DemoProblem(
        "chatbot-pilot",
        "Citizen-information chatbot for tax questions",
        "Calls about local taxes peak each spring; a chatbot was proposed to deflect them.",
        "Peak demand; unclear letters.",
        "licensing",
        "adaptive",
        Stage.CLOSED_ABANDONED,
        [("Taxpayers calling the helpline", 40_000, "", "Tax letters")],
        ["taxes", "contact-centre"],
        (2, 4, 2, 3),
        [
            _k(
                None,
                52_000,
                35_000,
                -0.05,
                1500,
                "Spring helpline calls",
                "spending_efficiency",
                "calls",
                "lower",
            )
        ],
    ),
    DemoProblem(
        "carers-respite",
        "Unpaid carers unable to book respite care",
        "Unpaid carers wait 9 weeks for respite placements and half give up.",
        "Booking by phone during office hours only; availability not visible.",
        "social",
        "enhancement",
        Stage.EXPLORING,
        [("Unpaid carers of dependent relatives", 11_000, "", "Carers' associations, GPs")],
        ["care", "booking"],
        (4, 3, 4, 3),
        [
            _k(
                None,
                63,
                28,
                0.25,
                3,
                "Days to respite placement",
                "service_quality",
                "days",
                "lower",
            ),
            _k(
                None,
                1.8,
                1.0,
                0.05,
                0.1,
                "Gap in placement rate: carers over 65 vs all",
                "equity",
                "ratio",
                "lower",
            ),
        ],
    ),
    DemoProblem(
        "bike-lanes",
        "Cycle-lane requests from outer neighbourhoods go unanswered",
        "Residents of outer neighbourhoods submit most cycle-lane requests but receive answers "
        "in half the cases.",
        "Requests by e-mail; no tracking; no data on demand.",
        "transport",
        "mission",
        Stage.IDENTIFIED,
        [("Residents of outer neighbourhoods", 120_000, "", "District councils")],
        ["transport", "participation"],
        (2, 4, 2, 3),
        [],
    ),
]


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    out = []
    for back in range(months, 0, -1):
        year, month = first.year, first.month - back
        while month <= 0:
            month += 12
            year -= 1
        out.append(date(year, month, 1))
    return out


def load_portfolio_demo(orgs: DemoOrgs, seed: int = 20261126) -> dict[str, Problem]:
    rng = random.Random(seed)
    actor = principal_for_person(orgs.people["staff"])
    today = timezone.localdate()
    months = _month_starts(18, today)
    groups: dict[str, TargetGroup] = {}
    created: dict[str, Problem] = {}
    for spec in PROBLEMS:
        group_objs = []
        for name, size, description, reached in spec.groups:
            if name not in groups:
                groups[name] = services.target_group_create(
                    actor=actor,
                    unit=orgs.unit,
                    name=name,
                    estimated_size=size or None,
                    description=description,
                    how_reached=reached,
                )
            group_objs.append(groups[name])
        impact, reach, urgency, effort = spec.scores
        problem = services.problem_create(
            actor=actor,
            unit=orgs.unit,
            owner_agency=orgs.agencies[spec.agency],
            title=spec.title,
            statement=spec.statement,
            causes=spec.causes,
            facet=spec.facet,
            sdg_target=spec.sdg,
            target_groups=group_objs,
            tags=spec.tags,
            impact=impact,
            reach=reach,
            urgency=urgency,
            effort=effort,
        )
        for kdef in spec.kpis:
            kpi = services.kpi_create(
                actor=actor,
                problem=problem,
                template_key=kdef.template,
                **{
                    k: v
                    for k, v in {
                        "name": kdef.name,
                        "category": kdef.category,
                        "unit": kdef.unit,
                        "direction": kdef.direction,
                    }.items()
                    if v
                },
                baseline_value=Decimal(str(kdef.baseline)),
                baseline_date=months[0],
                baseline_source="Service management information, first month of monitoring",
                target_value=Decimal(str(kdef.target)),
                target_date=today + timedelta(days=183),
            )
            _measurements(kpi, kdef, months, rng)
        _walk_stages(actor, problem, spec.stage)
        created[spec.key] = problem
    return created


def _measurements(kpi: Kpi, kdef: DemoKpi, months: list[date], rng: random.Random) -> None:
    rows = []
    span = kdef.target - kdef.baseline
    for i, month in enumerate(months):
        share = kdef.achieved * (i / (len(months) - 1)) ** 1.3
        value = kdef.baseline + span * share + rng.gauss(0, kdef.noise) * (1 if i else 0)
        rows.append(
            Measurement(
                kpi=kpi, date=month, value=Decimal(f"{value:.2f}"), source="Monthly service data"
            )
        )
    # Bulk-loaded demo history; live recording goes through `measurement_record` (audited).
    Measurement.objects.bulk_create(rows)


STAGE_PATH: list[str] = [Stage.FRAMED, Stage.EXPLORING, Stage.EXPERIMENTING, Stage.SCALING]


def _walk_stages(actor, problem: Problem, target: str) -> None:
    reasons: dict[str, str] = {
        Stage.FRAMED: "Problem statement, target group and baseline agreed with the agency.",
        Stage.EXPLORING: "Root causes validated in 14 interviews; looking for solutions in and outside government.",
        Stage.EXPERIMENTING: "Prototype chosen after market consultation; first iteration designed.",
        Stage.SCALING: "Two iterations beat the target; replication planned in two districts.",
        Stage.CLOSED_SOLVED: "Target met and sustained for six months; handed over to the agency.",
        Stage.CLOSED_ABANDONED: "Pilot showed no reduction in calls; failing fast, lessons recorded.",
    }
    if target in (Stage.CLOSED_SOLVED, Stage.CLOSED_ABANDONED):
        path = STAGE_PATH[:3] + [target]
    else:
        path = STAGE_PATH[: STAGE_PATH.index(target) + 1] if target in STAGE_PATH else []
    for stage in path:
        services.problem_move_stage(
            actor=actor, problem=problem, to_stage=stage, rationale=reasons[stage]
        )


def load(ctx: dict) -> None:
    """Demo loader hook (see DEMO_LOADERS in settings)."""
    ctx["problems"] = load_portfolio_demo(ctx["orgs"])
