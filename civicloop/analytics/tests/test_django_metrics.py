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


@pytest.mark.parametrize(("posted", "stored"), [("720", 720), ("0", 0), ("", 168)])
def test_the_cuped_covariate_window_is_set_in_the_metric_form(world, posted, stored):
    """The pre-exposure window CUPED reads (before: API only); 0 turns CUPED off."""
    client = world.client("staff")
    form = client.get("/analytics/metrics/new/").content.decode()
    assert 'name="pre_window_hours"' in form and "CUPED" in form
    r = client.post(
        "/analytics/metrics/new/",
        {
            "name": "Renewed",
            "key": "renewed",
            "source": "events",
            "aggregation": "any",
            "event_name": "licence_renewed",
            "pre_window_hours": posted,
            "higher_is_better": "True",
        },
    )
    assert r.status_code == 302
    metric = Metric.objects.get(key="renewed")
    assert metric.pre_window_hours == stored
    assert metric.definition().pre_window_hours == stored
    listing = client.get("/analytics/").content.decode()
    assert (f"{stored} h before exposure" in listing) == bool(stored)


def test_a_negative_covariate_window_is_refused_on_its_field(world):
    r = world.client("staff").post(
        "/analytics/metrics/new/",
        {
            "name": "Renewed",
            "key": "renewed",
            "source": "events",
            "aggregation": "any",
            "event_name": "licence_renewed",
            "pre_window_hours": "-5",
            "higher_is_better": "True",
        },
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "id_pre_window_hours-error" in body or "pre_window_hours" in body
    assert "greater than or equal to 0" in body
    assert not Metric.objects.exists()
