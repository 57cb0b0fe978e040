"""Staff pages: permissions, the KPI feed, CSV import, representativeness, dashboards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicloop.feedback import selectors, services, theming
from civicloop.feedback.models import Response
from civicloop.portfolio.models import Measurement
from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory, TargetGroupFactory


@pytest.mark.django_db
def test_pages_answer_by_role(world, survey):
    services.response_submit(
        survey=survey, answers={"satisfaction": 4, "comment": "Quick"}, channel="api"
    )
    theming.themes_refresh(survey=survey)
    home = world.client("outsider").get("/feedback/")
    assert home.status_code == 200
    assert "Licence renewal" not in home.content.decode()
    assert world.client("vendor").get("/feedback/").status_code == 404
    pages = [
        f"/feedback/{survey.pk}/",
        f"/feedback/{survey.pk}/?by=variant",
        f"/feedback/{survey.pk}/themes/",
        "/feedback/services/licence-renewals/",
    ]
    for url in pages:
        assert world.client("staff").get(url).status_code == 200, url
        assert world.client("auditor").get(url).status_code == 200, url
        assert world.client("outsider").get(url).status_code == 404, url
    assert world.client(None).get("/feedback/").status_code == 302
    manage = [
        f"/feedback/{survey.pk}/import/",
        f"/feedback/{survey.pk}/questions/new/",
        "/feedback/new/",
    ]
    for url in manage:
        assert world.client("staff").get(url).status_code == 200, url
        assert world.client("auditor").get(url).status_code == 404, url


@pytest.mark.django_db
def test_home_list_query_count_does_not_grow(world, survey, django_assert_max_num_queries):
    client = world.client("staff")
    client.get("/feedback/")
    for i in range(5):
        services.survey_create(
            actor=world.principal("staff"),
            unit=world.unit,
            title=f"S{i}",
            templates=["csat"],
            consent="ok",
        )
    with django_assert_max_num_queries(12):
        assert client.get("/feedback/").status_code == 200


@pytest.mark.django_db
def test_staff_creates_a_survey_and_adds_a_custom_question(world):
    client = world.client("staff")
    response = client.post(
        "/feedback/new/",
        {
            "title_en": "Housing decisions",
            "title_es": "Decisiones de vivienda",
            "templates": ["cx", "sus"],
            "consent_en": "Anonymous.",
            "consent_es": "Anónimo.",
            "service_key": "housing",
            "retention_days": "180",
        },
    )
    assert response.status_code == 302
    survey = selectors.survey_list(viewer=world.principal("staff")).get()
    assert survey.questions.count() == 18  # 8 CX items + 10 SUS items
    added = client.post(
        f"/feedback/{survey.pk}/questions/new/",
        {
            "key": "contact",
            "kind": "choice",
            "text_en": "How did you contact us?",
            "text_es": "¿Cómo nos contactó?",
            "choices": "Phone | Teléfono\nOnline | En línea",
        },
    )
    assert added.status_code == 302
    question = survey.questions.get(key="contact")
    assert question.text["es"] == "¿Cómo nos contactó?"
    assert [c["value"] for c in question.choices] == ["phone", "online"]


@pytest.mark.django_db
def test_csv_import_is_all_or_nothing_and_redacts(world, survey):
    staff = world.principal("staff")
    bad = (
        "submitted_at,channel,language,satisfaction,comment\n"
        "2026-01-05,phone,es,5,Muy bien\n2026-01-06,fax,en,4,ok\n"
    )
    report = services.responses_import_csv(actor=staff, survey=survey, content=bad)
    assert [(e.line, e.column, e.message) for e in report.rejected] == [
        (3, "channel", "Use 'phone' or 'in_person'.")
    ]
    assert not Response.objects.exists()
    good = (
        "submitted_at,channel,language,satisfaction,comment\n"
        "2026-01-05,phone,es,5,Llamen al 612 345 678\n2026-01-06,in_person,en,2,Slow\n"
    )
    report = services.responses_import_csv(actor=staff, survey=survey, content=good.encode())
    assert report.imported == 2
    assert sorted(Response.objects.values_list("channel", flat=True)) == ["in_person", "phone"]
    assert "612 345 678" not in str(list(Response.objects.values_list("answers__text")))


@pytest.mark.django_db
def test_survey_feeds_the_user_satisfaction_kpi(world, survey):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    kpi = KpiFactory.create(problem=problem, template_key="user_satisfaction")
    for i, value in enumerate([5, 4, 4, 3, 1, 2, 5, 4]):
        services.response_submit(
            survey=survey, answers={"satisfaction": value}, channel="api", client=str(i)
        )
    services.kpi_feed_set(actor=world.principal("staff"), survey=survey, kpi=kpi)
    call_command("feed_feedback_kpis")
    measurement = Measurement.objects.get(kpi=kpi)
    assert measurement.value == Decimal("62.5000")  # 5 of 8 satisfied or very satisfied
    assert measurement.date == timezone.localdate()  # the feed records today's figure
    assert "n=8" in measurement.note
    other = KpiFactory.create(problem=problem, template_key="completion_rate")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.kpi_feed_set(actor=world.principal("staff"), survey=survey, kpi=other)


@pytest.mark.django_db
def test_representativeness_against_the_target_group(world):
    group = TargetGroupFactory.create(unit=world.unit)
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    staff = world.principal("staff")
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
        templates=["govuk", "age"],
        consent="ok",
        problem=problem,
    )
    bands = ["under_25"] * 30 + ["25_44"] * 50 + ["45_64"] * 15 + ["65_plus"] * 5
    for i, band in enumerate(bands):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 3, "age_band": band},
            channel="api",
            client=str(i),
        )
    [(name, result)] = selectors.survey_representativeness(survey=survey)
    assert name == group.name
    assert result.n == 100
    assert "65_plus" in result.under_represented
    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    assert "Under-represented" in page


@pytest.mark.django_db
def test_survey_page_gives_a_working_embed_code(world, survey):
    import html as htmllib
    import re

    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    textarea = re.search(r'<textarea[^>]*id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea is not None
    code = htmllib.unescape(textarea.group(1))
    # One tag: the script loads once and reads the survey's questions itself.
    assert code.count("<script") == 1
    assert 'src="http://testserver/static/feedback/widget.js"' in code
    assert f'data-civicloop-survey="{survey.slug}"' in code
    assert f'<a href="http://testserver/feedback/w/{survey.slug}/">' in code  # no JavaScript
    config = world.client(None).get(f"/feedback/w/{survey.slug}/questions.json").json()
    assert config["action"] == f"http://testserver/feedback/w/{survey.slug}/"
    assert [q["key"] for q in config["questions"]] == ["satisfaction", "comment"]


@pytest.mark.django_db
def test_agency_officials_read_only_their_agencys_surveys(world):
    staff = world.principal("staff")
    own = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    other = ProblemFactory.create(unit=world.unit, owner_agency=world.other_agency)
    mine = services.survey_create(
        actor=staff, unit=world.unit, title="Mine", templates=["csat"], consent="ok", problem=own
    )
    theirs = services.survey_create(
        actor=staff,
        unit=world.unit,
        title="Theirs",
        templates=["csat"],
        consent="ok",
        problem=other,
    )
    official = world.client("official")
    assert official.get(f"/feedback/{mine.pk}/").status_code == 200
    assert official.get(f"/feedback/{theirs.pk}/").status_code == 404
    assert official.get(f"/feedback/{mine.pk}/import/").status_code == 404


@pytest.mark.django_db
def test_closing_a_survey_stops_collection(world, survey, client):
    assert (
        world.client("auditor")
        .post(f"/feedback/{survey.pk}/status/", {"status": "closed"})
        .status_code
        == 404
    )
    response = world.client("staff").post(f"/feedback/{survey.pk}/status/", {"status": "closed"})
    assert response.status_code == 302
    assert client.get(f"/feedback/s/{survey.slug}/").status_code == 404
    key = world.api_key()
    refused = client.post(
        "/api/v1/feedback",
        {"survey_id": survey.pk, "answers": {"satisfaction": 3}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "survey"
