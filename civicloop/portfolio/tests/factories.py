import datetime
from decimal import Decimal

import factory

from civicloop.core.tests.factories import AgencyFactory, UnitFactory
from civicloop.portfolio.models import Kpi, Measurement, Problem, TargetGroup


class TargetGroupFactory(factory.django.DjangoModelFactory[TargetGroup]):
    class Meta:
        model = TargetGroup

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Target group {n}")
    estimated_size = 1000


class ProblemFactory(factory.django.DjangoModelFactory[Problem]):
    class Meta:
        model = Problem

    unit = factory.SubFactory(UnitFactory)
    owner_agency = factory.SubFactory(AgencyFactory, unit=factory.SelfAttribute("..unit"))
    title = factory.Sequence(lambda n: f"Problem {n}")
    statement = "Families wait too long for a decision and pay for temporary housing meanwhile."
    facet = "enhancement"


class KpiFactory(factory.django.DjangoModelFactory[Kpi]):
    class Meta:
        model = Kpi

    problem = factory.SubFactory(ProblemFactory)
    name = factory.Sequence(lambda n: f"KPI {n}")
    category = "service_quality"
    unit = "%"
    direction = "higher"
    baseline_value = Decimal("40")
    baseline_date = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=180)
    )
    baseline_source = "Management information"
    target_value = Decimal("60")
    target_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=180))


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    value = Decimal("45")
