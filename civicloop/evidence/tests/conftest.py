from decimal import Decimal

import pytest
from django.utils import timezone

from civicloop.evidence import services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as exp
from civicloop.portfolio.tests.factories import KpiFactory, MeasurementFactory, ProblemFactory


@pytest.fixture
def evidenced(world):
    """A problem of the world's unit with an RCT effect, service figures, a KPI and a theme."""
    staff = world.principal("staff")
    problem = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, title="Missed visits", stage="scaling"
    )
    kpi = KpiFactory.create(
        problem=problem,
        name="Missed appointment rate",
        unit="%",
        direction="lower",
        baseline_value=Decimal("19.8"),
        target_value=Decimal("12"),
    )
    MeasurementFactory.create(kpi=kpi, value=Decimal("13.7"))
    services.effect_estimate_record(
        actor=staff,
        problem=problem,
        outcome="Missed appointment rate",
        unit="pp",
        estimate=-6.1,
        std_error=0.9,
        design="rct",
        source="Trial",
        lower_is_better=True,
        service_name="Appointments",
        srm_p_value=0.41,
        balance_smd=0.03,
        attrition=0.02,
    )
    services.effect_estimate_record(
        actor=staff,
        problem=problem,
        outcome="Missed appointment rate",
        unit="pp",
        estimate=-7.4,
        std_error=1.4,
        design="rct",
        source="Trial",
        lower_is_better=True,
        group="Over 75 living alone",
        service_name="Appointments",
    )
    services.service_figures_set(
        actor=staff,
        problem=problem,
        service_name="Appointments",
        annual_volume=120_000,
        cost_per_transaction=Decimal("64"),
        value_per_outcome_unit=Decimal("58"),
        outcome_scale=0.01,
        one_off_cost=Decimal("180000"),
        annual_running_cost=Decimal("60000"),
        source="Finance",
    )
    services.citizen_theme_record(
        actor=staff,
        problem=problem,
        label="Good timing",
        mentions=212,
        sentiment=0.7,
        summary="",
        source="Survey",
    )
    return problem


@pytest.fixture
def unpriced(world):
    """A service of the experiments app with a measured primary effect and no figures entered
    in the evidence app: no value per outcome unit, no intervention costs."""
    staff = world.principal("staff")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency, title="Renewals")
    svc = exp.service(
        staff,
        world.unit,
        world.agency,
        name="Licence renewals",
        annual_volume=73_000,
        cost_per_transaction="38.50",
        problems=[problem],
    )
    renewed = exp.metric(staff, world.unit, key="renewed", name="Renewed on time")
    experiment = exp.ab_experiment(staff, exp.iteration(staff, svc), [(renewed, "primary", None)])
    ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload={
            "metrics": {
                "renewed": {
                    "name": "Renewed on time",
                    "role": "primary",
                    "higher_is_better": True,
                    "variants": [
                        {
                            "variant": "sms",
                            "n_control": 4000,
                            "n_treatment": 4000,
                            "estimate": 0.084,
                            "ci_low": 0.084 - 1.959964 * 0.011,
                            "ci_high": 0.084 + 1.959964 * 0.011,
                        }
                    ],
                }
            }
        },
    )
    return problem
