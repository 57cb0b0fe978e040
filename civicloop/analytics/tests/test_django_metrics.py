"""The Metrics pages: unit staff define metrics in the UI; bad input names the field."""

import pytest

from civicloop.analytics.models import Metric

pytestmark = pytest.mark.django_db


def test_staff_define_a_metric_and_see_it_listed(world):
    client = world.client("staff")
    r = client.post(
        "/analytics/metrics/new/",
        {
            "name": "Renewed within 7 days",
            "key": "renewed-7d",
            "source": "events",
            "aggregation": "any",
            "event_name": "licence_renewed",
            "window_hours": "168",
            "higher_is_better": "True",
        },
    )
    assert r.status_code == 302
    metric = Metric.objects.get(key="renewed-7d")
    assert metric.definition().window_hours == 168
    assert "Renewed within 7 days" in client.get("/analytics/").content.decode()


def test_an_event_metric_without_event_is_refused_with_the_field_named(world):
    r = world.client("staff").post(
        "/analytics/metrics/new/",
        {
            "name": "Calls",
            "key": "calls",
            "source": "events",
            "aggregation": "count",
            "higher_is_better": "False",
        },
    )
    assert r.status_code == 200
    assert "Name the event this metric counts" in r.content.decode()
    assert not Metric.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("auditor", 200), ("vendor", 404), ("official", 404)])
def test_metrics_pages_are_for_unit_members(world, role, status):
    assert world.client(role).get("/analytics/").status_code == status
    assert world.client(role).get("/analytics/metrics/new/").status_code == 404
