import pytest

from civicloop.analytics import services as analytics_services


@pytest.fixture
def event_store_dir(settings, tmp_path):
    """A fresh event store for the test, closed afterwards."""
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    yield tmp_path / "events"
    analytics_services.event_store_close()
