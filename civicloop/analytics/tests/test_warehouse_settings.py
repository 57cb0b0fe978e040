"""A unit admin sets the unit's warehouse; the password is never stored nor shown."""

from __future__ import annotations

import pytest

from civicloop.analytics.models import WarehouseSettings
from civicloop.analytics.warehouse import warehouse_for
from civicloop.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PAGE = "/analytics/settings/warehouse/"


def test_a_unit_admin_sets_the_units_warehouse_and_it_is_audited(world, settings):
    settings.CIVICLOOP_WAREHOUSE_URL = "postgresql://installation:pw-123@wh/events"
    client = world.client("staff")
    assert PAGE in client.get("/analytics/").content.decode()  # linked from the metrics page
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "postgresql://installation:***@wh/events" in page.content.decode()
    assert "pw-123" not in page.content.decode()
    response = client.post(
        PAGE,
        {
            "unit": world.unit.pk,
            "url": "trino://analyst@trino.internal:443/hive/lake",
            "events_table": "lake.events",
            "password_secret": "CIVICLOOP_WAREHOUSE_PASSWORD_TEST",
        },
    )
    assert response.status_code == 302
    warehouse = warehouse_for(organization_id=world.unit.pk)
    assert warehouse is not None
    assert (warehouse.url, warehouse.events_table, warehouse.dialect) == (
        "trino://analyst@trino.internal:443/hive/lake",
        "lake.events",
        "trino",
    )
    assert warehouse.password_secret == "CIVICLOOP_WAREHOUSE_PASSWORD_TEST"
    event = AuditEvent.objects.get(action="analytics.warehouse_settings_updated")
    assert event.organization_id == world.unit.pk
    assert event.after is not None
    assert event.after["url"] == "trino://analyst@trino.internal:443/hive/lake"
    # Another unit still uses the installation's warehouse.
    other = warehouse_for(organization_id=world.other_unit.pk)
    assert other is not None and other.url == "postgresql://installation:pw-123@wh/events"


def test_a_password_in_the_url_is_refused_and_nothing_is_stored(world):
    response = world.client("staff").post(
        PAGE,
        {
            "unit": world.unit.pk,
            "url": "postgresql://analyst:hunter2@wh:5432/events",
            "events_table": "events",
            "password_secret": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Leave the password out of the URL" in html
    assert "hunter2" not in html
    assert not WarehouseSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="analytics.warehouse_settings_updated").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "mysql://wh/events", "unknown warehouse URL scheme"),
        ("events_table", "events; DROP TABLE x", "events table"),
        ("password_secret", "HOME", "CIVICLOOP_WAREHOUSE_"),
    ],
)
def test_bad_settings_are_explained_on_their_field(world, field, value, message):
    data = {"unit": world.unit.pk, "url": "postgresql://a@wh/db", "events_table": "events"}
    data["password_secret"] = ""
    data[field] = value
    response = world.client("staff").post(PAGE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WarehouseSettings.objects.exists()


def test_the_password_is_read_from_the_named_environment_variable(world, monkeypatch):
    from civicloop.analytics import backends
    from civicloop.analytics.warehouse import warehouse_settings_update

    warehouse_settings_update(
        actor=world.principal("staff"),
        unit=world.unit,
        url="postgresql://analyst@wh:5432/events",
        events_table="events",
        password_secret="CIVICLOOP_WAREHOUSE_PASSWORD_TEST",
    )
    warehouse = warehouse_for(organization_id=world.unit.pk)
    assert warehouse is not None
    monkeypatch.delenv("CIVICLOOP_WAREHOUSE_PASSWORD_TEST", raising=False)
    with pytest.raises(backends.WarehouseError, match="CIVICLOOP_WAREHOUSE_PASSWORD_TEST"):
        warehouse.execute("SELECT 1")
    seen = {}

    def fake_connect(url, *, password=None):
        seen["password"] = password
        return lambda sql: [(1,)]

    monkeypatch.setattr(backends, "connect", fake_connect)
    monkeypatch.setenv("CIVICLOOP_WAREHOUSE_PASSWORD_TEST", "from-the-environment")
    assert warehouse.execute("SELECT 1") == [(1,)]
    assert seen["password"] == "from-the-environment"


@pytest.mark.parametrize("role", ["official", "auditor", "evaluator", "outsider"])
def test_only_a_units_settings_managers_see_its_warehouse_page(world, role):
    response = world.client(role).post(
        PAGE, {"unit": world.unit.pk, "url": "postgresql://a@wh/db", "events_table": "events"}
    )
    assert response.status_code in (403, 404)
    assert not WarehouseSettings.objects.exists()
