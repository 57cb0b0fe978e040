"""The survey's rate limit is a sliding window that midnight does not reset (issue 16).

The client key rotates at midnight UTC (`abuse.client_key`), and the counter used to be a fixed
window keyed by it: a client could send the limit just before midnight and the limit again
just after. The window now slides over the last `FEEDBACK_RATE_WINDOW` seconds and counts the
hits stored under yesterday's key too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from freezegun import freeze_time

from civicloop.feedback.models import Response

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


def _post(survey, value: int) -> int:
    return (
        Client()
        .post(f"/feedback/s/{survey.slug}/", {"satisfaction": str(value)}, REMOTE_ADDR=ADDRESS)
        .status_code
    )


@pytest.fixture
def limit_three(settings, survey):
    # The URLs (and the API's schemas) load before the clock is frozen: pydantic cannot build a
    # schema for freezegun's date class.
    assert Client().get(f"/feedback/s/{survey.slug}/").status_code == 200
    # 3 submissions per 600 s (10 minutes)
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "FEEDBACK_RATE_LIMIT": 3,
        "FEEDBACK_RATE_WINDOW": 600,
    }


def test_a_burst_across_midnight_is_limited_as_one_client(survey, limit_three):
    codes = []
    for at, value in [
        (datetime(2026, 12, 2, 23, 58, 0, tzinfo=UTC), 1),
        (datetime(2026, 12, 2, 23, 59, 0, tzinfo=UTC), 2),
        (datetime(2026, 12, 2, 23, 59, 50, tzinfo=UTC), 3),
        (datetime(2026, 12, 3, 0, 0, 10, tzinfo=UTC), 4),  # 2 min 10 s after the first
        (datetime(2026, 12, 3, 0, 1, 0, tzinfo=UTC), 5),
    ]:
        with freeze_time(at):
            codes.append(_post(survey, value))
    assert codes == [302, 302, 302, 429, 429]
    assert Response.objects.count() == 3


def test_the_window_slides_rather_than_resetting_on_a_boundary(survey, limit_three):
    # 3 hits at 09:09:30, just before the 09:10 boundary of a fixed 10-minute window; a fixed
    # window would accept 3 more at 09:10:05. The sliding window refuses them until 10 minutes
    # after the first hits have passed.
    with freeze_time(datetime(2026, 12, 3, 9, 9, 30, tzinfo=UTC)):
        assert [_post(survey, v) for v in (1, 2, 3)] == [302, 302, 302]
    with freeze_time(datetime(2026, 12, 3, 9, 10, 5, tzinfo=UTC)):
        assert _post(survey, 4) == 429
    with freeze_time(datetime(2026, 12, 3, 9, 20, 30, tzinfo=UTC)):
        assert _post(survey, 5) == 302  # 11 minutes later: the first three have left the window
