"""Defects found by the black-box re-test of issue 12's fixes (2026-12-02), now fixed.

Each test states the behaviour the fix promises and failed on the code the re-test ran against
(as a strict xfail there): a DNI written with dots stored in clear, a non-numeric
Content-Length answering 500, and one unit's failing custom metric stopping every unit's
scheduled refresh.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from civicloop.analytics import services as analytics_services
from civicloop.analytics.models import Metric
from civicloop.experiments import services as experiment_services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tasks import running_experiments_refresh_task
from civicloop.experiments.tests import factories
from civicloop.feedback import services
from civicloop.feedback.models import Response

# Checksum-valid Spanish identifiers written with separators that the respondent-id character
# rule allows ('.', '_', ':'). "12.345.678-Z" is how a DNI is commonly printed and typed.
SEPARATED_PERSONAL_IDS = [
    ("12.345.678-Z", "Spanish DNI"),
    ("12345678.Z", "Spanish DNI"),
    ("12_345_678_Z", "Spanish DNI"),
    ("X.1234567.L", "Spanish NIE"),
]


@pytest.fixture
def survey(world):
    return services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Licence renewal",
        templates=["govuk"],
        consent="Anonymous.",
    )


@pytest.mark.parametrize(("value", "kind"), SEPARATED_PERSONAL_IDS)
def test_the_api_refuses_a_national_id_written_with_dots_or_underscores(world, survey, value, kind):
    response = Client().post(
        "/api/v1/feedback",
        {"survey_id": survey.pk, "answers": {"satisfaction": 4}, "respondent_id": value},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert response.status_code == 422, response.content
    assert kind in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/problems", "/api/v1/events"])
def test_a_non_numeric_content_length_is_a_400_problem_not_a_500(world, path):
    client = Client(raise_request_exception=False)
    response = client.post(
        path,
        b"{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
        CONTENT_LENGTH="abc",
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.fixture
def event_store_dir(settings, tmp_path):
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    yield tmp_path / "events"
    analytics_services.event_store_close()


def test_one_units_failing_metric_does_not_stop_the_scheduled_refresh_of_another_unit(
    world, event_store_dir
):
    # Unit A: an ordinary running experiment.
    staff = world.principal("staff")
    a_metric = factories.metric(staff, world.unit, key="renewed")
    a_svc = factories.service(staff, world.unit, world.agency)
    a_exp = factories.ab_experiment(
        staff, factories.iteration(staff, a_svc), [(a_metric, "primary", None)], key="a-exp"
    )
    experiment_services.experiment_start(actor=staff, experiment=a_exp)
    # Unit B (created later, so refreshed first): a metric the language accepts but DuckDB
    # cannot run once B has events, and B's exposures.
    outsider = world.principal("outsider")
    b_key = world.api_key(org=world.other_unit)
    r = Client().post(
        "/api/v1/metrics",
        json.dumps(
            {
                "key": "cast-name",
                "name": "Cast name",
                "aggregation": "mean",
                "custom_sql": "SELECT unit_id, ts, CAST(name AS DOUBLE) AS value FROM events",
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {b_key}",
    )
    assert r.status_code == 201, r.content
    b_metric = Metric.objects.get(pk=r.json()["id"])
    b_svc = factories.service(outsider, world.other_unit, world.other_unit_agency)
    b_exp = factories.ab_experiment(
        outsider,
        factories.iteration(outsider, b_svc),
        [(b_metric, "primary", None)],
        key="b-exp",
    )
    experiment_services.experiment_start(actor=outsider, experiment=b_exp)
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "unit_id": f"b{i}",
            "name": "$exposure",
            "timestamp": when,
            "properties": {"experiment": "b-exp", "variant": "control" if i % 2 else "sms"},
        }
        for i in range(10)
    ]
    r = Client().post(
        "/api/v1/events",
        json.dumps(events),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {b_key}",
    )
    assert r.status_code == 202, r.content
    before = ResultSnapshot.objects.filter(experiment=a_exp).count()

    running_experiments_refresh_task.call()

    assert ResultSnapshot.objects.filter(experiment=a_exp).count() == before + 1
    # B's author is told why, in B's own results (the docs promise an error snapshot).
    b_latest = ResultSnapshot.objects.filter(experiment=b_exp).latest("computed_at")
    assert not b_latest.ok
    assert "cast-name" in b_latest.error
    assert "could not run" in b_latest.error
