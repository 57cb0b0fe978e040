"""Personal data in comments is redacted before storage; the original reaches no table or log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from civicloop.feedback import services
from civicloop.feedback.models import Answer, Response

# Valid checksums: DNI 12345678Z, NIE X1234567L, IBAN ES91 2100 0418 4502 0005 1332.
PII = [
    "ana.garcia@example.com",
    "612 345 678",
    "12345678Z",
    "X1234567L",
    "ES91 2100 0418 4502 0005 1332",
]
COMMENT = (
    "Me llamo Ana García, mi correo es ana.garcia@example.com y mi móvil 612 345 678. "
    "DNI 12345678Z, NIE X1234567L, cuenta ES91 2100 0418 4502 0005 1332. "
    "La cita tardó tres semanas."
)


def _all_stored_text() -> str:
    """Every text-like column of every table in the database, as one string."""
    chunks: list[str] = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                chunks.extend(str(v) for v in row if v)
    return "\n".join(chunks)


@pytest.mark.django_db
def test_pii_never_stored_or_logged_from_hosted_page(world, survey, caplog, client):
    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"/feedback/s/{survey.slug}/",
        {
            "satisfaction": "2",
            "comment": COMMENT,
            "lang": "es",
            "unit": "u-42",
            "page": "/renew?email=ana.garcia@example.com",
        },
        REMOTE_ADDR="203.0.113.77",
    )
    assert response.status_code == 302
    stored = _all_stored_text()
    for item in PII + ["Ana García", "203.0.113.77"]:
        assert item not in stored, f"{item!r} was written to the database"
        assert item not in caplog.text, f"{item!r} was written to the logs"
    answer = Answer.objects.get(question__key="comment")
    for placeholder in ("[EMAIL]", "[PHONE]", "[IBAN]", "[NAME]"):
        assert placeholder in answer.text
    assert answer.text.count("[ID]") == 2
    assert "La cita tardó tres semanas." in answer.text
    assert Response.objects.get().page == "/renew"


@pytest.mark.django_db
def test_pii_never_stored_from_api(world, survey, caplog, client):
    caplog.set_level(logging.DEBUG)
    key = world.api_key()
    response = client.post(
        "/api/v1/feedback",
        {
            "survey_id": survey.pk,
            "answers": {"satisfaction": 4, "comment": COMMENT},
            "language": "es",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["redactions"]["EMAIL"] == 1
    stored = _all_stored_text()
    for item in PII:
        assert item not in stored
        assert item not in caplog.text


@pytest.mark.django_db
def test_retention_purge_deletes_only_expired_responses(world, survey):
    old = services.response_submit(
        survey=survey, answers={"satisfaction": 5}, channel="api", client="a"
    ).response
    services.response_submit(survey=survey, answers={"satisfaction": 4}, channel="api", client="b")
    Response.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - timedelta(days=survey.retention_days + 1)
    )
    call_command("purge_feedback")
    assert list(Response.objects.values_list("answers__number", flat=True)) == [4]


@pytest.mark.django_db
def test_erasure_by_pseudonymous_id(world, survey):
    for i, rid in enumerate(["u-1", "u-1", "u-2"]):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 3 + i % 2},
            channel="api",
            respondent_id=rid,
            client=str(i),
        )
    report = services.respondent_erasure_run(
        actor=world.principal("staff"), respondent_id="u-1", confirm_respondent_id="u-1"
    )
    assert report.lines[0].count == 2
    assert list(Response.objects.values_list("respondent_id", flat=True)) == ["u-2"]


@pytest.mark.django_db
def test_respondent_id_that_looks_like_an_email_is_refused(world, survey):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 3},
            channel="api",
            respondent_id="ana@example.com",
        )
    assert "respondent_id" in error.value.message_dict
    assert not Response.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("variant", {"variant": "Ana García"}),
        ("iteration_key", {"iteration_key": "ana@example.com"}),
        ("profile.age_band", {"profile": {"age_band": "Ana García, 612 345 678"}}),
    ],
)
def test_tags_and_profile_must_be_codes_not_free_text(world, survey, field, kwargs):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.response_submit(
            survey=survey, answers={"satisfaction": 3}, channel="api", **kwargs
        )
    assert field in error.value.message_dict
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_page_path_is_redacted(world, survey):
    result = services.response_submit(
        survey=survey,
        answers={"satisfaction": 3},
        channel="api",
        page="https://x.example/users/ana.garcia@example.com?t=1",
    )
    assert result.response.page == "/users/[EMAIL]"
