"""The hosted survey page and the widget: no login, no cookies, no JavaScript needed."""

from __future__ import annotations

import pytest
from django.test import Client

from civicloop.feedback.models import Response


@pytest.mark.django_db
def test_hosted_page_renders_in_spanish_without_cookies(survey):
    response = Client().get(f"/feedback/s/{survey.slug}/?lang=es")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="es"' in html
    assert "Renovación de licencia" in html
    assert "¿Qué edad tiene?" in html
    assert "Anónimo." in html  # the survey's consent text
    assert "<script" not in html
    assert not response.cookies


@pytest.mark.django_db
def test_hosted_page_shows_errors_naming_the_question(survey):
    response = Client().post(f"/feedback/s/{survey.slug}/", {"comment": "hola", "lang": "en"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#q-satisfaction-1"' in html
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_widget_without_javascript_posts_a_plain_form(survey):
    client = Client()
    page = client.get(f"/feedback/w/{survey.slug}/?variant=B&unit=u-7&page=/renew")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'action="/feedback/w/{survey.slug}/"' in html
    assert 'name="variant" value="B"' in html
    posted = client.post(
        f"/feedback/w/{survey.slug}/",
        {
            "satisfaction": "5",
            "comment": "Very quick",
            "variant": "B",
            "unit": "u-7",
            "page": "/renew?x=1",
            "lang": "en",
        },
    )
    assert posted.status_code == 201
    assert "Thank you for your feedback" in posted.content.decode()
    assert not posted.cookies
    stored = Response.objects.get()
    assert (stored.channel, stored.variant, stored.respondent_id, stored.page) == (
        "widget",
        "B",
        "u-7",
        "/renew",
    )
    assert stored.iteration_key == "it-1"  # inherited from the survey


@pytest.mark.django_db
def test_widget_script_submission_gets_json_with_cors(survey):
    posted = Client().post(
        f"/feedback/w/{survey.slug}/", {"satisfaction": "9"}, HTTP_ACCEPT="application/json"
    )
    assert posted.status_code == 422
    assert posted.json()["errors"]["satisfaction"].startswith("Give a number from 1 to 5")
    assert posted["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_honeypot_submission_is_thanked_but_not_stored(survey):
    posted = Client().post(
        f"/feedback/s/{survey.slug}/", {"satisfaction": "4", "website": "http://spam.example"}
    )
    assert posted.status_code == 302
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_rate_limit_per_client_address(survey, settings):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "FEEDBACK_RATE_LIMIT": 3}
    client = Client()
    codes = [
        client.post(
            f"/feedback/s/{survey.slug}/", {"satisfaction": str(1 + i)}, REMOTE_ADDR="198.51.100.9"
        ).status_code
        for i in range(5)
    ]
    assert codes == [302, 302, 302, 429, 429]
    # Another address is not affected.
    other = client.post(
        f"/feedback/s/{survey.slug}/", {"satisfaction": "5"}, REMOTE_ADDR="198.51.100.10"
    )
    assert other.status_code == 302
    assert Response.objects.count() == 4


@pytest.mark.django_db
def test_duplicate_submission_is_stored_once(survey):
    client = Client()
    for _ in range(2):
        client.post(
            f"/feedback/s/{survey.slug}/",
            {"satisfaction": "4", "comment": "Same"},
            REMOTE_ADDR="192.0.2.1",
        )
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_closed_or_unknown_survey_is_not_found(survey):
    survey.status = "closed"
    survey.save()
    assert Client().get(f"/feedback/s/{survey.slug}/").status_code == 404
    assert Client().get("/feedback/s/nope/").status_code == 404
