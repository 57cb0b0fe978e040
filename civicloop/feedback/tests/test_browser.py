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
        answers: dict[str, int | str] = {"satisfaction": value, "nps": 2 * value}
        if band:
            answers["age_band"] = band
        services.response_submit(survey=survey, answers=answers, channel="api", client=str(i))
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/feedback/{survey.pk}/?by=channel")
    assert page.locator("#weighted-scores").is_visible()
    assert_accessible(page)


def _host_page(page, live_server, survey, presentation: str, extra: str = "") -> str:
    """A service's page with the one-tag embed, served by the test; returns its address.

    It is on the live server's origin: Chromium refuses scripts on a loopback server to a page
    of any other origin (local network access), so another origin cannot stand in here; the
    cross-origin headers of questions.json and the widget's answers are checked in
    test_issue15.py."""
    host = live_server.url + "/renew"
    tag = (
        f'<script src="{live_server.url}/static/feedback/widget.js" '
        f'data-civicloop-survey="{survey.slug}" data-presentation="{presentation}" '
        f'data-variant="B" async></script>'
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Renew</title></head>'
        f"<body><main><h1>Renew your licence</h1>{tag}{extra}</main></body></html>"
    )
    page.route(host, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(host)
    return host


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("presentation", ["inline", "button", "modal"])
def test_one_script_tag_draws_the_current_questions(live_server, page, world, presentation):
    survey = _survey(world)
    services.question_add(
        actor=world.principal("staff"),
        survey=survey,
        key="wait",
        kind="scale",
        text={"en": "How long did you wait?", "es": "¿Cuánto esperó?"},
        scale_min=1,
        scale_max=3,
    )
    # A second, bare copy of the script must not draw a second widget.
    again = f'<script src="{live_server.url}/static/feedback/widget.js" async></script>'
    page.set_default_timeout(60_000)  # the first request of a live server is slow under load
    _host_page(page, live_server, survey, presentation, extra=again)
    if presentation != "inline":
        opener = page.get_by_role("button", name="Give feedback")
        opener.click()
        if presentation == "button":
            assert opener.get_attribute("aria-expanded") == "true"
        else:
            assert page.locator("dialog[open]").count() == 1
    form = page.locator("form[data-civicloop-feedback]")
    form.wait_for()
    assert page.locator("form[data-civicloop-feedback]").count() == 1
    assert_accessible(page)
    page.locator("input[name=satisfaction][value='4']").check()
    page.locator("textarea[name=comment]").fill("Quick, thank you")
    assert page.get_by_text("How long did you wait?").count() == 0  # the widget's two questions
    page.locator("form[data-civicloop-feedback] button[type=submit]").click()
    page.get_by_role("status").filter(has_text="Thank you").wait_for()
    stored = Response.objects.get()
    assert (stored.channel, stored.variant, stored.page) == ("widget", "B", "/renew")
    assert page.context.cookies() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_make_up_export_and_charts_pages_are_accessible(live_server, page, world):
    from civicloop.portfolio.tests.factories import TargetGroupFactory

    group = TargetGroupFactory.create(unit=world.unit, name="Shopkeepers")
    services.profile_target_set(
        actor=world.principal("staff"),
        target_group=group,
        dimension="age_band",
        shares={"under_25": 0.4, "65_plus": 0.6},
        source="Register",
        as_of=date(2026, 1, 1),
    )
    survey = _survey(world)
    for i in range(5):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 1 + i, "comment": "Slow"},
            channel="api",
            client=str(i),
        )
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/feedback/make-up/")
    assert_accessible(page)
    page.fill("#id_shares", "a = 0.5\nb = 0.2")
    page.fill("#id_source", "Census")
    page.fill("#id_as_of", "2026-01-01")
    page.click("#makeup-form button[type=submit]")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/feedback/export/?survey={survey.pk}")
    assert_accessible(page)
    page.goto(f"{live_server.url}/feedback/{survey.pk}/")
    page.locator("#weekly-trend-spec").wait_for(state="attached")
    page.locator(".cl-chart svg, .cl-chart canvas").first.wait_for()
    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_themes_page_of_99_comments_stays_short(live_server, page, world):
    from civicloop.feedback import theming
    from civicloop.text.evaluation import labelled_comments

    survey = _survey(world)
    for i, comment in enumerate(labelled_comments()[:99]):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 3, "comment": comment.text},
            channel="api",
            language=comment.language,
            client=str(i),
        )
    theming.themes_refresh(survey=survey)
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/feedback/{survey.pk}/themes/")
    # Was 14,000-25,000 px with every comment and form open (issue 15).
    assert page.evaluate("document.documentElement.scrollHeight") < 8000
    first = page.locator("section details").first
    first.locator("summary").click()
    assert first.locator("table tbody tr").count() >= 1
    assert_accessible(page)
