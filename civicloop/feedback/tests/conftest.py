"""Feedback tests: no network (only the local database may be reached), a clean cache."""

from __future__ import annotations

import pytest
import pytest_socket
from django.core.cache import cache

from civicloop.feedback import services


@pytest.fixture(autouse=True)
def _no_network():
    # The local database (PostgreSQL pass) is the only peer allowed; nothing leaves the host.
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def survey(world):
    return services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title={"en": "Licence renewal", "es": "Renovación de licencia"},
        templates=["govuk", "nps", "comment", "age"],
        consent={"en": "Anonymous; stored without personal details.", "es": "Anónimo."},
        service_key="licence-renewals",
        iteration_key="it-1",
    )
