"""A respondent's erasure from the page: find by id (or the personal identifier the person
gave), see how many responses in which surveys of the unit, confirm by typing the id again,
then a report of what was removed or kept (counts only; the id is in no audit event)."""

from __future__ import annotations

import json
from html import unescape

import pytest

from civicloop.core.audit import audit_verify
from civicloop.core.models import AuditEvent
from civicloop.feedback import respondents, services
from civicloop.feedback.models import Answer, Response

URL = "/feedback/erase/"
DNI = "12345678Z"  # a valid Spanish DNI (checksum): the survey page stores its keyed hash


def _respond(survey, respondent_id: str, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 1 + i % 5},
            channel="api",
            respondent_id=respondent_id,
            client=f"c{i}",
        )


@pytest.fixture
def second_survey(world):
    return services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title={"en": "Parking permits", "es": "Permisos de aparcamiento"},
        templates=["govuk"],
        consent={"en": "Anonymous.", "es": "Anónimo."},
    )


@pytest.fixture
def other_unit_survey(world):
    return services.survey_create(
        actor=world.principal("outsider"),
        unit=world.other_unit,
        title={"en": "Other unit's survey"},
        templates=["govuk"],
        consent={"en": "Anonymous."},
    )


@pytest.mark.django_db
def test_find_confirm_erase_and_report(world, survey, second_survey):
    _respond(survey, "u-7", 2)
    _respond(second_survey, "u-7", 1, start=10)
    _respond(survey, "u-8", 1, start=20)
    staff = world.client("staff")

    assert staff.get(URL).status_code == 200
    found = staff.post(URL, {"respondent_id": "u-7"})
    assert found.status_code == 200
    page = found.content.decode()
    assert "3 responses would be erased" in page
    assert "Licence renewal" in page and "Parking permits" in page
    assert 'name="confirm_respondent_id"' in page
    assert Response.objects.count() == 4  # finding erases nothing

    report = staff.post(URL, {"respondent_id": "u-7", "confirm_respondent_id": "u-7"})
    assert report.status_code == 200
    page = unescape(report.content.decode())
    assert "Respondent's responses erased" in page
    assert "survey responses under the respondent id, with their answers" in page
    assert "surveys that held these responses" in page
    assert "removed" in page and "kept" in page
    assert "u-7" not in page  # the report gives counts, not the id
    assert list(Response.objects.values_list("respondent_id", flat=True)) == ["u-8"]
    assert Answer.objects.filter(response__respondent_id="u-7").count() == 0


@pytest.mark.django_db
def test_wrong_confirmation_is_refused_naming_the_field(world, survey):
    _respond(survey, "u-7", 2)
    staff = world.client("staff")
    refused = staff.post(URL, {"respondent_id": "u-7", "confirm_respondent_id": "u-70"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Type the respondent id again to confirm" in page  # the field's label
    assert "Type the respondent id exactly as above to confirm the erasure." in page
    assert 'href="#confirm_confirm_respondent_id"' in page
    assert Response.objects.filter(respondent_id="u-7").count() == 2
    assert not AuditEvent.objects.filter(action="feedback.respondent_erased").exists()


@pytest.mark.django_db
def test_a_personal_identifier_finds_and_erases_its_keyed_hash(world, survey):
    identifier = respondents.personal_identifier(DNI)
    assert identifier is not None
    _respond(survey, respondents.pseudonym(identifier), 2)
    staff = world.client("staff")
    found = staff.post(URL, {"respondent_id": DNI})
    assert "2 responses would be erased" in found.content.decode()
    # Confirmed in another spelling of the same identifier.
    staff.post(URL, {"respondent_id": DNI, "confirm_respondent_id": "12345678-z"})
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_another_units_responses_are_neither_counted_nor_erased(world, survey, other_unit_survey):
    _respond(survey, "u-7", 1)
    _respond(other_unit_survey, "u-7", 3, start=10)
    staff = world.client("staff")
    page = staff.post(URL, {"respondent_id": "u-7"}).content.decode()
    assert "1 response would be erased" in page
    assert "Other unit" not in page
    staff.post(URL, {"respondent_id": "u-7", "confirm_respondent_id": "u-7"})
    assert Response.objects.filter(survey=other_unit_survey).count() == 3
    assert not Response.objects.filter(survey=survey).exists()
    events = AuditEvent.objects.filter(action="feedback.respondent_erased")
    assert [e.organization_id for e in events] == [world.unit.pk]


@pytest.mark.django_db
def test_the_audit_event_has_counts_and_nothing_personal(world, survey):
    _respond(survey, "h-secret-respondent", 2)
    staff = world.client("staff")
    staff.post(
        URL,
        {
            "respondent_id": "h-secret-respondent",
            "confirm_respondent_id": "h-secret-respondent",
        },
    )
    event = AuditEvent.objects.get(action="feedback.respondent_erased")
    assert event.organization_id == world.unit.pk
    assert event.actor_id == world.people["staff"].pk
    assert event.metadata["responses"] == 2
    assert event.metadata["surveys"] == 1
    assert event.metadata["report"][0] == [
        "survey responses under the respondent id, with their answers",
        2,
        "removed",
    ]
    assert "secret" not in json.dumps(event.metadata)
    assert "secret" not in json.dumps([event.before, event.after], default=str)
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "evaluator", "official", "vendor"])
def test_only_feedback_managers_reach_the_erasure(world, survey, role):
    _respond(survey, "u-7", 1)
    client = world.client(role)
    assert client.get(URL).status_code == 404
    assert (
        client.post(URL, {"respondent_id": "u-7", "confirm_respondent_id": "u-7"}).status_code
        == 404
    )
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_the_report_in_spanish(world, survey):
    _respond(survey, "u-7", 1)
    staff = world.client("staff")
    staff.post("/i18n/setlang/", {"language": "es", "next": URL})
    page = staff.post(URL, {"respondent_id": "u-7", "confirm_respondent_id": "u-7"})
    text = page.content.decode()
    assert 'lang="es"' in text
    assert "survey responses under the respondent id" not in text
    assert "borrad" in text
    event = AuditEvent.objects.get(action="feedback.respondent_erased")
    assert event.metadata["report"][0][2] == "removed"  # the audit log stays in English
