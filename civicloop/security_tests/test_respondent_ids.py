"""Respondent ids that are personal identifiers never reach the database (issue 12, F14).

Apps, kiosks and imports are refused with 422 naming `respondent_id` and the rule; the citizen
survey page and widget store a keyed hash instead, so the citizen's answer is kept. Identifiers
are recognised by checksum: a code that only looks alike (a ticket number) is accepted.
"""

from __future__ import annotations

import pytest
from django.test import Client

from civicloop.feedback import services
from civicloop.feedback.models import Response

# (value, what it is): checksum-valid identifiers of each family checked.
PERSONAL = [
    ("12345678Z", "Spanish DNI"),
    ("12345678-z", "Spanish DNI"),
    ("X1234567L", "Spanish NIE"),
    ("B12345674", "Spanish NIF"),
    ("RSSMRA85T10A562S", "Italian codice fiscale"),
    ("44051401359", "Polish PESEL"),
    ("295109912611193", "French NIR"),
    ("ES9121000418450200051332", "IBAN"),
    ("612345678", "phone number"),
    ("+34612345678", "phone number"),
    ("+447400123456", "phone number"),
]
# Same shapes with a wrong check character or digit, and ordinary pseudonymous codes.
ACCEPTED = [
    "12345678A",
    "X1234567A",
    "RSSMRA85T10A562X",
    "44051401358",
    "ES9121000418450200051333",
    "TCK-2024-00042",
    "u-1001",
    "550e8400-e29b-41d4-a716-446655440000",
    "h:7f3a",
]


@pytest.fixture
def survey(world):
    return services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Licence renewal",
        templates=["govuk"],
        consent="Anonymous.",
    )


def _post(world, survey, respondent_id, key):
    return Client().post(
        "/api/v1/feedback",
        {"survey_id": survey.pk, "answers": {"satisfaction": 4}, "respondent_id": respondent_id},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


@pytest.mark.parametrize(("value", "kind"), PERSONAL)
def test_the_api_refuses_a_personal_identifier(world, survey, value, kind):
    response = _post(world, survey, value, world.api_key())
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    text = response.content.decode()
    assert "respondent_id" in text
    assert kind in text
    assert "pseudonymous" in text
    assert not Response.objects.exists()


@pytest.mark.parametrize("value", ACCEPTED)
def test_the_api_accepts_codes_that_fail_the_checksum(world, survey, value):
    response = _post(world, survey, value, world.api_key())
    assert response.status_code == 201, response.content
    assert Response.objects.get().respondent_id == value


def test_a_csv_import_rejects_the_row_naming_the_field(world, survey):
    report = services.responses_import_csv(
        actor=world.principal("staff"),
        survey=survey,
        content="satisfaction,respondent_id\n4,12345678Z\n5,TCK-1\n",
    )
    assert report.imported == 0
    assert report.rejected
    assert (report.rejected[0].line, report.rejected[0].column) == (2, "respondent_id")
    assert report.rejected[0].message.startswith("This looks like a Spanish DNI")
    assert not Response.objects.exists()


@pytest.mark.parametrize("path", ["s", "w"])
def test_the_citizen_page_keeps_the_answer_under_a_keyed_hash(world, survey, path):
    posted = Client().post(
        f"/feedback/{path}/{survey.slug}/",
        {"satisfaction": "5", "unit": "12345678Z", "lang": "en"},
    )
    assert posted.status_code in (201, 302), posted.content  # the hosted page redirects
    stored = Response.objects.get()
    assert stored.respondent_id.startswith("h:")
    assert "12345678" not in stored.respondent_id
    # The same person (spelled differently) gets the same pseudonym: repeat answers still match.
    Client().post(
        f"/feedback/{path}/{survey.slug}/",
        {"satisfaction": "4", "unit": "12345678-z", "lang": "en"},
    )
    assert set(Response.objects.values_list("respondent_id", flat=True)) == {stored.respondent_id}
    # Erasure given the identifier finds the hashed responses.
    report = services.respondent_erasure_run(
        actor=world.principal("staff"),
        respondent_id="12345678Z",
        confirm_respondent_id="12345678Z",
    )
    assert report.lines[0].count == 2
    assert not Response.objects.exists()


def test_no_personal_identifier_is_stored_in_clear(world, survey):
    for i, (value, _kind) in enumerate(PERSONAL):
        Client().post(
            f"/feedback/w/{survey.slug}/",
            {"satisfaction": str(1 + i % 5), "unit": value, "lang": "en"},
        )
    stored = set(Response.objects.values_list("respondent_id", flat=True))
    assert stored
    assert all(s.startswith("h:") for s in stored)
