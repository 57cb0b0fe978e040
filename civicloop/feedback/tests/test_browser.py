"""Browser checks: the public survey and the widget's no-JavaScript form pass axe and work."""

from __future__ import annotations

from datetime import date

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
def test_hosted_survey_and_widget_fallback_are_accessible(live_server, page, browser, world):
    survey = _survey(world)
    for path in (
        f"/feedback/s/{survey.slug}/?lang=es",
        f"/feedback/w/{survey.slug}/",
        f"/feedback/s/{survey.slug}/thanks/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
    # With JavaScript off the widget is a plain form that posts and shows a thank-you page.
    context = browser.new_context(java_script_enabled=False)
    no_js = context.new_page()
    no_js.set_default_timeout(15_000)
    no_js.goto(f"{live_server.url}/feedback/w/{survey.slug}/?variant=B")
    no_js.check("#q-satisfaction-4")
    no_js.fill("#q-comment", "Muy rápido, gracias")
    no_js.click("button[type=submit]")
    no_js.wait_for_load_state()
    assert "Thank you for your feedback" in no_js.content()
    assert context.cookies() == []
    context.close()
    assert Response.objects.get().variant == "B"


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_weighted_scores_and_labels_are_accessible(live_server, page, world):
    from civicloop.portfolio.tests.factories import ProblemFactory, TargetGroupFactory

    staff = world.principal("staff")
    group = TargetGroupFactory.create(unit=world.unit)
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    services.profile_target_set(
        actor=staff,
        target_group=group,
        dimension="age_band",
        shares={"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2},
        source="Register",
        as_of=date(2026, 1, 1),
    )
    survey = services.survey_create(
        actor=staff,
        unit=world.unit,
        title="Housing",
        templates=["govuk", "nps", "age"],
        consent="ok",
        problem=problem,
    )
    for i, (band, value) in enumerate([("under_25", 5), ("25_44", 4), ("25_44", 2), (None, 3)]):
        answers = {"satisfaction": value, "nps": 2 * value}
        if band:
            answers["age_band"] = band
        services.response_submit(survey=survey, answers=answers, channel="api", client=str(i))
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/feedback/{survey.pk}/?by=channel")
    assert page.locator("#weighted-scores").is_visible()
    assert_accessible(page)
