"""The webhooks pages in a browser: a refused URL names its rule, the secret is shown once."""

from __future__ import annotations

import pytest

from civicloop.notifications.models import WebhookEndpoint
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unit_admin_adds_a_webhook_and_sees_its_log(live_server, page, world, settings):
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(live_server.url + "/notifications/webhooks/")
    assert_accessible(page)
    page.fill("#id_url", "http://127.0.0.1:8272/hook")
    page.click("#main-content button:has-text('Add endpoint')")
    page.wait_for_selector("text=https only")  # the field's rule, before any exception is set
    assert_accessible(page)
    assert not WebhookEndpoint.objects.exists()

    settings.CIVICLOOP_WEBHOOK_ALLOW_HTTP = True
    settings.CIVICLOOP_WEBHOOK_ALLOW_PRIVATE = True
    page.fill("#id_url", "http://127.0.0.1:8272/hook")
    page.click("#main-content button:has-text('Add endpoint')")
    page.wait_for_selector("#webhook-secret")
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    assert_accessible(page)
    page.click("text=http://127.0.0.1:8272/hook")
    page.wait_for_selector("text=No deliveries yet.")
    assert secret not in page.content()
    assert_accessible(page)


def test_follow_an_iteration_from_its_page(live_server, page, world):
    from civicloop.experiments.tests import factories as experiments
    from civicloop.notifications.models import Follow

    staff = world.principal("staff")
    iteration = experiments.iteration(staff, experiments.service(staff, world.unit, world.agency))
    sign_in(page, live_server.url, world.people["auditor"].email)
    page.goto(f"{live_server.url}/experiments/iterations/{iteration.pk}/")
    page.wait_for_load_state("networkidle")  # htmx has put the person's own button in place
    assert_accessible(page)
    page.click("form.cl-follow button:text-is('Follow')")
    page.wait_for_selector("form.cl-follow button:has-text('Stop following')")
    assert Follow.objects.filter(object_type="experiments.iteration").count() == 1
    assert_accessible(page)
    page.click("form.cl-follow button:has-text('Stop following')")
    page.wait_for_selector("form.cl-follow button:text-is('Follow')")
    assert not Follow.objects.exists()
