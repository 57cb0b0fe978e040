import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.core.models import AuditEvent
from civicloop.portfolio import selectors, services
from civicloop.portfolio.models import Measurement, Stage
from civicloop.portfolio.tests.factories import KpiFactory, MeasurementFactory, ProblemFactory

TODAY = datetime.date.today()


def _problem(world, **kw):
    return services.problem_create(
        actor=world.principal("staff"),
        unit=world.unit,
        owner_agency=world.agency,
        title="Long waits for housing decisions",
        facet="enhancement",
        statement="Single-parent families wait 142 days for a decision.",
        **kw,
    )


def test_framing_a_problem_records_the_first_gate_and_an_audit_event(world):
    problem = _problem(world, tags=["Housing", "housing ", "families"])
    assert problem.stage == Stage.IDENTIFIED
    assert sorted(t.name for t in problem.tags.all()) == ["families", "housing"]
    assert problem.transitions.count() == 1
    event = AuditEvent.objects.get(action="portfolio.problem_created")
    assert event.object_id == str(problem.pk)
    assert event.actor == world.people["staff"]
    assert event.after is not None
    assert event.after["title"] == "Long waits for housing decisions"


def test_owner_must_be_an_agency_of_the_same_unit(world):
    with pytest.raises(ValidationError) as error:
        services.problem_create(
            actor=world.principal("staff"),
            unit=world.unit,
            owner_agency=world.other_unit_agency,
            title="Something wrong",
            statement="A statement long enough.",
            facet="adaptive",
        )
    assert "owner_agency" in error.value.message_dict


def test_skipping_a_gate_needs_a_reason_and_is_marked(world):
    problem = _problem(world)
    with pytest.raises(ValidationError) as error:
        services.problem_move_stage(
            actor=world.principal("staff"), problem=problem, to_stage=Stage.EXPERIMENTING
        )
    assert "skips a stage gate" in error.value.message_dict["rationale"][0]
    problem.refresh_from_db()
    assert problem.stage == Stage.IDENTIFIED
    transition = services.problem_move_stage(
        actor=world.principal("staff"),
        problem=problem,
        to_stage=Stage.EXPERIMENTING,
        rationale="Ministerial priority: the pilot is ready",
    )
    assert transition.skipped_gates is True
    assert transition.from_stage == Stage.IDENTIFIED
    problem.refresh_from_db()
    assert problem.stage == Stage.EXPERIMENTING


def test_next_gate_needs_no_reason_but_closing_does(world):
    problem = _problem(world)
    services.problem_move_stage(
        actor=world.principal("staff"), problem=problem, to_stage=Stage.FRAMED
    )
    with pytest.raises(ValidationError):
        services.problem_move_stage(
            actor=world.principal("staff"), problem=problem, to_stage=Stage.CLOSED_ABANDONED
        )
    services.problem_move_stage(
        actor=world.principal("staff"),
        problem=problem,
        to_stage=Stage.CLOSED_ABANDONED,
        rationale="No demand",
    )
    assert [t.to_stage for t in problem.transitions.all()] == [
        "identified",
        "framed",
        "closed_abandoned",
    ]


def test_agency_official_cannot_move_stage(world):
    problem = _problem(world)
    with pytest.raises(Http404):
        services.problem_move_stage(
            actor=world.principal("official"), problem=problem, to_stage=Stage.FRAMED
        )


def test_kpi_from_template_carries_the_govuk_definition(world):
    problem = _problem(world)
    kpi = services.kpi_create(
        actor=world.principal("staff"),
        problem=problem,
        template_key="cost_per_transaction",
        baseline_value=Decimal("412"),
        baseline_date=TODAY - datetime.timedelta(days=30),
        baseline_source="Finance",
        target_value=Decimal("300"),
        target_date=TODAY + datetime.timedelta(days=300),
    )
    assert kpi.name == "Cost per transaction"
    assert kpi.direction == "lower"
    assert kpi.category == "spending_efficiency"
    assert "completed transactions" in kpi.definition
    assert services.kpi_target_warning(kpi) is None


def test_target_more_than_twelve_months_out_warns(world):
    kpi = KpiFactory.build(target_date=TODAY + datetime.timedelta(days=400))
    assert "more than 12 months" in (services.kpi_target_warning(kpi) or "")


def test_target_date_before_baseline_is_refused_and_nothing_is_stored(world):
    problem = _problem(world)
    with pytest.raises(ValidationError) as error:
        services.kpi_create(
            actor=world.principal("staff"),
            problem=problem,
            name="Days",
            category="outcome",
            unit="days",
            direction="lower",
            baseline_value=Decimal(10),
            baseline_date=TODAY,
            baseline_source="x",
            target_value=Decimal(5),
            target_date=TODAY - datetime.timedelta(days=1),
        )
    assert error.value.message_dict["target_date"] == [
        "The target date must be after the baseline date."
    ]
    assert problem.kpis.count() == 0


def test_measurement_for_same_date_needs_replace(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    day = TODAY - datetime.timedelta(days=3)
    services.measurement_record(actor=world.principal("official"), kpi=kpi, date=day, value="50")
    with pytest.raises(ValidationError):
        services.measurement_record(
            actor=world.principal("official"), kpi=kpi, date=day, value="51"
        )
    services.measurement_record(
        actor=world.principal("official"), kpi=kpi, date=day, value="52", replace=True
    )
    assert Measurement.objects.get(kpi=kpi, date=day).value == Decimal("52")


def test_future_measurement_refused(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    with pytest.raises(ValidationError) as error:
        services.measurement_record(
            actor=world.principal("staff"),
            kpi=kpi,
            date=TODAY + datetime.timedelta(days=1),
            value="1",
        )
    assert "future" in error.value.message_dict["date"][0]


def test_csv_import_is_all_or_nothing_with_reasons(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    foreign = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.other_unit, owner_agency=world.other_unit_agency)
    )
    content = (
        "kpi_id,date,value,source\n"
        f"{kpi.pk},2026-01-01,41.5,MI\n"
        f"{kpi.pk},2026-02-30,42,MI\n"
        f"{kpi.pk},2026-03-01,abc,MI\n"
        f"{foreign.pk},2026-03-01,1,MI\n"
        f"{kpi.pk},2026-01-01,43,MI\n"
    )
    report = services.measurements_import_csv(actor=world.principal("staff"), content=content)
    assert not report.ok
    assert report.imported == 0
    reasons = {error.line: (error.column, error.message) for error in report.rejected}
    assert reasons[3] == ("date", "'2026-02-30' is not a date in YYYY-MM-DD form.")
    assert reasons[4] == ("value", "'abc' is not a number.")
    assert reasons[5][0] == "kpi_id" and reasons[5][1].startswith("No KPI")
    assert reasons[6] == ("date", "2026-01-01 appears twice for this KPI.")
    assert Measurement.objects.count() == 0
    assert not AuditEvent.objects.filter(action="portfolio.measurement_recorded").exists()


def test_csv_import_of_valid_rows_stores_them_all(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    content = "kpi_id,date,value\n" + "".join(
        f"{kpi.pk},2026-0{m}-01,{40 + m}\n" for m in range(1, 7)
    )
    report = services.measurements_import_csv(
        actor=world.principal("staff"), content=content.encode()
    )
    assert report.ok and report.imported == 6
    assert list(kpi.measurements.values_list("value", flat=True)) == [
        Decimal(40 + m) for m in range(1, 7)
    ]


def test_csv_import_missing_columns(world):
    report = services.measurements_import_csv(
        actor=world.principal("staff"), content="kpi,when\n1,2\n"
    )
    assert [(e.line, e.column, e.message) for e in report.rejected] == [
        (1, "kpi_id", "This column is required."),
        (1, "date", "This column is required."),
        (1, "value", "This column is required."),
    ]


def test_priority_score_uses_unit_weights(world):
    problem = ProblemFactory.build(impact=5, reach=4, urgency=3, effort=2)
    assert selectors.priority_score(problem, selectors.DEFAULT_WEIGHTS) == 30.0
    weights = {"impact": 2.0, "reach": 1.0, "urgency": 1.0, "effort": 1.0}
    assert selectors.priority_score(problem, weights) == 150.0


def test_kpi_status_flags_lagging_and_met_targets(world):
    kpi = KpiFactory.create(
        baseline_value=Decimal(100),
        target_value=Decimal(50),
        direction="lower",
        baseline_date=TODAY - datetime.timedelta(days=100),
        target_date=TODAY + datetime.timedelta(days=100),
    )
    MeasurementFactory.create(kpi=kpi, date=TODAY - datetime.timedelta(days=1), value=Decimal(95))
    status = selectors.kpi_status(kpi, today=TODAY)
    # Half the time has passed, 10% of the way covered: off track.
    assert status.progress == pytest.approx(0.1)
    assert status.expected_progress == pytest.approx(0.5)
    assert status.off_track and not status.target_met
    MeasurementFactory.create(kpi=kpi, date=TODAY, value=Decimal(48))
    status = selectors.kpi_status(kpi, today=TODAY)
    assert status.target_met and not status.off_track


def test_portfolio_filters(world):
    a = _problem(world, tags=["housing"])
    b = services.problem_create(
        actor=world.principal("staff"),
        unit=world.unit,
        owner_agency=world.other_agency,
        title="Late school buses",
        statement="Adapted buses are late one day in eight.",
        facet="adaptive",
        tags=["transport"],
    )
    viewer = world.principal("staff")

    def by(**kw):
        filters = selectors.ProblemFilters(**kw)
        return [p.pk for p in selectors.problem_list(viewer=viewer, filters=filters)]

    assert by(tag="housing") == [a.pk]
    assert by(facet="adaptive") == [b.pk]
    assert by(agency=world.other_agency.pk) == [b.pk]
    assert by(stage="framed") == []
    assert set(by()) == {a.pk, b.pk}
    assert [p.pk for p in selectors.problem_list(viewer=world.principal("official"))] == [a.pk]
    assert selectors.problem_list(viewer=world.principal("outsider")) == []


def test_portfolio_list_query_count_does_not_grow_with_problems(
    world, django_assert_max_num_queries
):
    for _ in range(8):
        kpi = KpiFactory.create(
            problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
        )
        MeasurementFactory.create(kpi=kpi)
    viewer = world.principal("staff")
    with django_assert_max_num_queries(8):
        problems = selectors.problem_list(viewer=viewer)
        for p in problems:
            list(p.tags.all()), list(p.target_groups.all()), p.owner_agency.name
    assert len(problems) == 8
