"""A unit admin sets the unit's warehouse; the password is never stored nor shown."""

from __future__ import annotations

import pytest

from civicloop.analytics.models import WarehouseSettings
from civicloop.analytics.warehouse import unit_secret_name, warehouse_for
from civicloop.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PAGE = "/analytics/settings/warehouse/"


@pytest.fixture(autouse=True)
def _allowed_hosts(settings):
    settings.CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS = ["trino.internal", "wh"]


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
            "use_password": "on",
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
    assert warehouse.password_secret == unit_secret_name(world.unit.pk)
    assert warehouse.organization_id is None  # its own warehouse holds its events alone
    event = AuditEvent.objects.get(action="analytics.warehouse_settings_updated")
    assert event.organization_id == world.unit.pk
    assert event.after is not None
    assert event.after["url"] == "trino://analyst@trino.internal:443/hive/lake"
    # Another unit still uses the installation's warehouse.
    other = warehouse_for(organization_id=world.other_unit.pk)
    assert other is not None and other.url == "postgresql://installation:pw-123@wh/events"
    assert other.organization_id == world.other_unit.pk  # shared: it reads its own rows only


def test_a_password_in_the_url_is_refused_and_nothing_is_stored(world):
    response = world.client("staff").post(
        PAGE,
        {
            "unit": world.unit.pk,
            "url": "postgresql://analyst:hunter2@wh:5432/events",
            "events_table": "events",
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
        # a host the operator did not list (the server would connect anywhere a unit said)
        ("url", "postgresql://a@10.0.0.5/db", "CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS"),
        ("url", "spark://local[2]", "CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS"),
    ],
)
def test_bad_settings_are_explained_on_their_field(world, field, value, message):
    data = {"unit": world.unit.pk, "url": "postgresql://a@wh/db", "events_table": "events"}
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
        password_secret=unit_secret_name(world.unit.pk),
    )
    warehouse = warehouse_for(organization_id=world.unit.pk)
    assert warehouse is not None
    secret = unit_secret_name(world.unit.pk)
    monkeypatch.delenv(secret, raising=False)
    with pytest.raises(backends.WarehouseError, match=secret):
        warehouse.execute("SELECT 1")
    seen = {}

    def fake_connect(url, *, password=None):
        seen["password"] = password
        return lambda sql: [(1,)]

    monkeypatch.setattr(backends, "connect", fake_connect)
    monkeypatch.setenv(secret, "from-the-environment")
    assert warehouse.execute("SELECT 1") == [(1,)]
    assert seen["password"] == "from-the-environment"


@pytest.mark.parametrize("role", ["official", "auditor", "evaluator", "outsider"])
def test_only_a_units_settings_managers_see_its_warehouse_page(world, role):
    response = world.client(role).post(
        PAGE, {"unit": world.unit.pk, "url": "postgresql://a@wh/db", "events_table": "events"}
    )
    assert response.status_code in (403, 404)
    assert not WarehouseSettings.objects.exists()


def test_a_unit_cannot_read_another_units_or_the_installations_secret(world, monkeypatch):
    # Naming a variable would send its value to a host the unit chose: only the unit's own is read.
    from django.core.exceptions import ValidationError

    from civicloop.analytics.warehouse import warehouse_settings_update

    for name in (unit_secret_name(world.other_unit.pk), "CIVICLOOP_WAREHOUSE_URL", "SECRET_KEY"):
        with pytest.raises(ValidationError) as refused:
            warehouse_settings_update(
                actor=world.principal("staff"),
                unit=world.unit,
                url="postgresql://analyst@wh:5432/events",
                events_table="events",
                password_secret=name,
            )
        assert "password_secret" in refused.value.message_dict
    assert not WarehouseSettings.objects.exists()


def test_the_shared_warehouse_reads_only_the_units_rows():
    from civicloop.analytics import backends
    from civicloop.analytics.engine import MetricDefinition

    metric = MetricDefinition(key="renewed", aggregation="count", event_name="renewed")
    (query,) = backends.warehouse_queries(
        metrics=[metric],
        experiment_key="sms",
        dialect="postgres",
        events_table="lake.events",
        organization_id=7,
    )
    sql = query["sql"]
    # every read of the shared table is narrowed to the unit's rows
    assert sql.count("FROM lake.events") == sql.count("organization = 7") >= 2


def test_another_units_warehouse_page_is_not_found_and_readers_cannot_open_it(world):
    staff = world.client("staff")
    assert staff.get(f"{PAGE}?unit={world.other_unit.pk}").status_code == 404
    assert staff.post(PAGE, {"unit": world.other_unit.pk, "url": ""}).status_code == 404
    for role in ("auditor", "evaluator", "vendor", "official"):
        assert world.client(role).get(PAGE).status_code == 404, role
    assert not WarehouseSettings.objects.exists()
