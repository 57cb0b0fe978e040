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


def load_demo() -> dict:
    """The whole demo, as `manage.py demo` loads it (the portal's loader last)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from civicloop.core.demo import load_core_demo

    ctx: dict = {"orgs": load_core_demo()}
    for path in settings.DEMO_LOADERS:
        import_string(path)(ctx)
    return ctx


@pytest.fixture
def demo(db, event_store_dir) -> dict:
    return load_demo()
