"""Browser checks: the public survey and the widget's no-JavaScript form pass axe and work."""

from __future__ import annotations

import pytest

from civicloop.feedback import services
from civicloop.feedback.models import Response
from civicloop.web.tests.browser import assert_accessible, sign_in


def _survey(world):
    return services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title={"en": "Renewal", "es": "Renovación"},
        templates=["govuk", "comment"],
        consent={"en": "Anonymous.", "es": "Anónimo."},
        service_key="licence-renewals",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hosted_survey_and_widget_fallback_are_accessible(live_server, browser, world):
    survey = _survey(world)
    context = browser.new_context(java_script_enabled=False, locale="es-ES")
    page = context.new_page()
    page.goto(f"{live_server.url}/feedback/s/{survey.slug}/?lang=es")
    assert_accessible(page)
    page.goto(f"{live_server.url}/feedback/w/{survey.slug}/?variant=B")
    assert_accessible(page)
    page.check("#q-satisfaction-4")
    page.fill("#q-comment", "Muy rápido, gracias")
    page.click("button[type=submit]")
    assert "/thanks/" in page.url or "Gracias" in page.content() or "Thank" in page.content()
    assert_accessible(page)
    assert context.cookies() == []
    assert Response.objects.get().variant == "B"
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_widget_script_sends_in_the_background(live_server, page, world):
    survey = _survey(world)
    url = f"{live_server.url}/feedback/w/{survey.slug}/?variant=sms&unit=u-9"
    page.goto(url)
    page.check("#q-satisfaction-5")
    page.click("button[type=submit]")
    page.get_by_role("status").filter(has_text="Thank you").wait_for()
    assert page.url == url  # no navigation: the script posted it
    stored = Response.objects.get()
    assert (stored.channel, stored.variant, stored.respondent_id) == ("widget", "sms", "u-9")
    assert stored.page == f"/feedback/w/{survey.slug}/"
    assert page.context.cookies() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hosted_survey_errors_are_accessible(live_server, page, world):
    survey = _survey(world)
    page.goto(f"{live_server.url}/feedback/s/{survey.slug}/")
    page.click("button[type=submit]")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_survey_and_themes_pages_are_accessible(live_server, page, world):
    survey = _survey(world)
    services.response_submit(
        survey=survey, answers={"satisfaction": 4, "comment": "Quick"}, channel="api"
    )
    sign_in(page, live_server.url, world.people["staff"].email)
    for path in (
        "/feedback/",
        f"/feedback/{survey.pk}/",
        f"/feedback/{survey.pk}/themes/",
        "/feedback/services/licence-renewals/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
