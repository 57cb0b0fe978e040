import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.portfolio.models import Measurement, Problem
from civicloop.portfolio.tests.factories import (
    KpiFactory,
    MeasurementFactory,
    ProblemFactory,
    TargetGroupFactory,
)
from civicloop.web.tests.paging import body

TODAY = datetime.date.today()


def test_frame_a_problem_with_the_form(world):
    group = TargetGroupFactory.create(unit=world.unit, name="Single-parent families")
    client = world.client("staff")
    response = client.post(
        "/portfolio/new/",
        {
            "title": "Long waits for housing decisions",
            "statement": "Families wait 142 days for a decision.",
            "owner_agency": world.agency.pk,
            "facet": "enhancement",
            "target_groups": [group.pk],
            "tags": "housing, families",
            "sdg_target": "11.1",
            "impact": 5,
            "reach": 4,
            "urgency": 5,
            "effort": 3,
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portfolio/{problem.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Long waits for housing decisions" in page and "Single-parent families" in page


def test_form_errors_name_the_field_and_the_rule(world):
    client = world.client("staff")
    response = client.post(
        "/portfolio/new/",
        {"title": "", "statement": "short", "facet": "nope", "sdg_target": "eleven", "impact": 9},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Title: This field is required." in page
    assert "Problem statement: Ensure this value has at least 10 characters" in page
    assert "SDG target: Write an SDG target like 11.1 or 3.8." in page
    assert "Select a valid choice" in page
    assert Problem.objects.count() == 0


def test_kpi_form_target_before_baseline(world):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    client = world.client("staff")
    response = client.post(
        f"/portfolio/{problem.pk}/kpis/new/",
        {
            "template": "completion_rate",
            "baseline_value": "50",
            "baseline_date": "2026-06-01",
            "baseline_source": "MI",
            "target_value": "70",
            "target_date": "2026-01-01",
        },
    )
    assert "The target date must be after the baseline date." in response.content.decode()
    assert problem.kpis.count() == 0


def test_record_a_measurement_and_see_it_in_the_chart_table(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency), unit="%"
    )
    client = world.client("official")
    day = TODAY - datetime.timedelta(days=2)
    response = client.post(
        f"/portfolio/kpis/{kpi.pk}/measurements/",
        {"date": day.isoformat(), "value": "47.5", "source": "Monthly MI"},
    )
    assert response.status_code == 302
    page = client.get(f"/portfolio/kpis/{kpi.pk}/").content.decode()
    assert 'id="kpi-trend-table"' in page and "47.5" in page and "Monthly MI" in page
    assert 'data-vega-spec="kpi-trend-spec"' in page


def test_measurement_form_error_keeps_data_and_stores_nothing(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    client = world.client("staff")
    response = client.post(
        f"/portfolio/kpis/{kpi.pk}/measurements/",
        {"date": (TODAY + datetime.timedelta(days=5)).isoformat(), "value": "3"},
    )
    assert response.status_code == 422
    assert "A measurement cannot be dated in the future." in response.content.decode()
    assert Measurement.objects.count() == 0


def test_import_page_reports_rejected_rows_and_imports_nothing(world):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    client = world.client("staff")
    csv = f"kpi_id,date,value\n{kpi.pk},2026-01-01,10\n{kpi.pk},not-a-date,11\n".encode()
    response = client.post(
        "/portfolio/import/", {"file": SimpleUploadedFile("m.csv", csv, "text/csv")}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Nothing was imported" in page
    assert "Line 3, column date: &#39;not-a-date&#39; is not a date in YYYY-MM-DD form." in page
    assert Measurement.objects.count() == 0
    wrong = client.post(
        "/portfolio/import/", {"file": SimpleUploadedFile("m.xlsx", b"PK..", "application/zip")}
    )
    assert "Upload a .csv file." in wrong.content.decode()


def test_exports_neutralise_formulas(world):
    ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, title='=HYPERLINK("http://x")'
    )
    client = world.client("staff")
    csv = client.get("/portfolio/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in body(csv).decode()
    data = json.loads(body(client.get("/portfolio/?format=json")))
    assert data["problems"][0]["title"] == '=HYPERLINK("http://x")'


def test_portfolio_page_query_count_is_pinned(world, django_assert_num_queries):
    for _ in range(6):
        MeasurementFactory.create(
            kpi=KpiFactory.create(
                problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
            )
        )
    client = world.client("staff")
    client.get("/portfolio/")  # warm session and caches
    # The order (one narrow query and the units' weights), then the page's 50 with their
    # related rows: the same at any size (test_pagination pins that).
    with django_assert_num_queries(12):
        response = client.get("/portfolio/")
    assert response.content.decode().count('class="govuk-link" href="/portfolio/') >= 6


def test_healthz(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_spanish_interface(world):
    client = world.client("staff")
    client.post("/i18n/setlang/", {"language": "es", "next": "/portfolio/"})
    page = client.get("/portfolio/").content.decode()
    assert 'lang="es"' in page
    assert "Cartera de problemas" in page


def test_security_headers(db, client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_unit_weights_change_the_ranking(world):
    heavy_impact = ProblemFactory.create(
        unit=world.unit,
        owner_agency=world.agency,
        impact=5,
        reach=1,
        urgency=1,
        effort=1,
        title="High impact, small reach",
    )
    wide_reach = ProblemFactory.create(
        unit=world.unit,
        owner_agency=world.agency,
        impact=1,
        reach=4,
        urgency=2,
        effort=1,
        title="Wide reach",
    )
    client = world.client("staff")

    def order():
        page = client.get("/portfolio/").content.decode()
        return page.index(heavy_impact.title) < page.index(wide_reach.title)

    assert order() is False  # 5 < 8 with equal weights
    response = client.post(
        "/settings/prioritisation/", {"impact": "2", "reach": "1", "urgency": "1", "effort": "1"}
    )
    assert response.status_code == 302
    assert order() is True  # 25 > 8
    bad = client.post(
        "/settings/prioritisation/", {"impact": "9", "reach": "1", "urgency": "1", "effort": "x"}
    )
    text = bad.content.decode()
    assert "Impact weight: Ensure this value is less than or equal to 5." in text
    assert "Effort weight: Enter a number." in text
    world.unit.refresh_from_db()
    assert world.unit.prioritisation_weights["impact"] == 2.0


def test_skipping_a_gate_on_the_page_without_a_reason_is_refused(world):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    client = world.client("staff")
    response = client.post(f"/portfolio/{problem.pk}/stage/", {"to_stage": "scaling"})
    assert response.status_code == 422
    assert "This move skips a stage gate: write why." in response.content.decode()
    problem.refresh_from_db()
    assert problem.stage == "identified"
    ok = client.post(
        f"/portfolio/{problem.pk}/stage/", {"to_stage": "scaling", "rationale": "Proven"}
    )
    assert ok.status_code == 302
    problem.refresh_from_db()
    assert problem.stage == "scaling"
