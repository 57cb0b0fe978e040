"""No page shows a raw code: walked on the demo data as each demo person, in both languages.

`sweep.py` says what counts as a raw code ("person:1", "core.apikey 2", "planned_days",
"(use)"). A failure lists each page and the text around each code.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from civicloop.core.demo import DEMO_DOMAIN
from civicloop.core.models import Person
from civicloop.web.tests.sweep import crawl, raw_codes, visible_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

START = [
    "/",
    "/portfolio/",
    "/market/",
    "/experiments/",
    "/feedback/",
    "/evidence/",
    "/scaling/",
    "/scaling/registry/",
    "/audit/",
    "/settings/api-keys/",
    "/settings/account/",
    "/people/",
]


@pytest.fixture
def demo(settings, tmp_path):
    from civicloop.analytics import services as analytics_services

    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    call_command("demo", quiet=True)
    yield
    analytics_services.event_store_close()


def test_the_sweep_finds_the_codes_it_is_meant_to_find():
    text, _links = visible_text(
        "<p>Decided by person:1 on core.apikey 2; planned_days (use)</p>"
        "<code>kpi_id</code><script>var a_b = 1;</script>"
    )
    kinds = {found.split(":")[0] for found in raw_codes(text)}
    assert kinds == {
        "stored actor",
        "object reference",
        "snake_case name",
        "choice code in brackets",
    }


def test_no_demo_page_shows_a_raw_code(demo):
    problems: dict[str, list[str]] = {}
    people = ["staff", "official", "evaluator", "vendor", "auditor", None]
    for local in people:
        for language in ("en", "es"):
            client = Client()
            client.cookies["django_language"] = language
            if local is not None:
                client.force_login(Person.objects.get(email=f"{local}@{DEMO_DOMAIN}"))
            found = crawl(client, START, limit=120, per_shape=2)
            for url, codes in found.items():
                problems.setdefault(f"{local or 'public'} {language} {url}", codes)
    assert problems == {}
