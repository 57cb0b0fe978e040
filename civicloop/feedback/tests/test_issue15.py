"""Issue 15 items 8 and 9: target groups' make-up, export of redacted responses, the one-tag
widget and its frame policy, and the survey's result charts."""

# mypy: disable-error-code="arg-type,attr-defined,union-attr,index"
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from civicloop.core.models import AuditEvent
from civicloop.feedback import selectors, services
from civicloop.portfolio.tests.factories import TargetGroupFactory

pytestmark = pytest.mark.django_db


def _submit(survey, n=6):
    for i in range(n):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 1 + i % 5, "comment": f"Call me on 612 345 67{i} please"},
            channel="api" if i % 2 else "phone",
            client=str(i),
        )


def test_make_up_shares_must_add_up_to_one_and_name_the_field(world):
    group = TargetGroupFactory.create(unit=world.unit)
    staff = world.principal("staff")
    with pytest.raises(ValidationError) as error:
        services.profile_target_set(
            actor=staff,
            target_group=group,
            dimension="age_band",
            shares={"under_25": 0.5, "25_44": 0.6},
            source="Register",
            as_of=date(2026, 1, 1),
        )
    assert "shares" in error.value.message_dict
    assert "1.100" in error.value.message_dict["shares"][0]
    with pytest.raises(ValidationError) as missing:
        services.profile_target_set(
            actor=staff,
            target_group=group,
            dimension="age_band",
            shares={"a": 0.5, "b": 0.5},
            source="",
            as_of=None,
        )
    assert {"source", "as_of"} <= set(missing.value.message_dict)
    target = services.profile_target_set(
        actor=staff,
        target_group=group,
        dimension="age_band",
        shares={"under_25": 0.333, "25_44": 0.333, "45_64": 0.333},
        source="Register",
        as_of=date(2026, 1, 1),
    )
    assert target.as_of == date(2026, 1, 1)
    assert AuditEvent.objects.filter(action="feedback.profile_target_set").count() == 1


def test_make_up_page_saves_and_other_units_group_is_404(world):
    group = TargetGroupFactory.create(unit=world.unit, name="Shopkeepers")
    other = TargetGroupFactory.create(unit=world.other_unit, name="Elsewhere")
    client = world.client("staff")
    page = client.get("/feedback/make-up/")
    assert page.status_code == 200
    assert "Shopkeepers" in page.content.decode() and "Elsewhere" not in page.content.decode()
    data = {
        "target_group": group.pk,
        "dimension": "age_band",
        "shares": "under_25 = 0.4\n25_44 = 0.4",
        "source": "Register",
        "as_of": "2026-01-01",
    }
    bad = client.post("/feedback/make-up/", data)
    assert bad.status_code == 200 and "add up to 0.800" in bad.content.decode()
    data["shares"] = "under_25 = 0.4\n25_44 = 0.6"
    assert client.post("/feedback/make-up/", data).status_code == 302
    assert group.feedback_profiles.get().shares == {"under_25": 0.4, "25_44": 0.6}
    data["target_group"] = other.pk
    assert client.post("/feedback/make-up/", data).status_code == 200  # not a choice
    assert not other.feedback_profiles.exists()
    outsider = world.client("outsider").get("/feedback/make-up/").content.decode()
    assert "Shopkeepers" not in outsider  # another unit's person sees their own groups only
    assert world.client("vendor").get("/feedback/make-up/").status_code == 404


def test_make_up_api(world):
    group = TargetGroupFactory.create(unit=world.unit)
    other = TargetGroupFactory.create(unit=world.other_unit)
    key = world.api_key()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    from django.test import Client

    client = Client()
    body = {
        "dimension": "age_band",
        "shares": {"a": 0.7, "b": 0.2},
        "source": "R",
        "as_of": "2026-01-01",
    }
    url = f"/api/v1/feedback/target-groups/{group.pk}/make-up"
    bad = client.put(url, json.dumps(body), content_type="application/json", **headers)
    assert bad.status_code == 422 and "shares" in bad.content.decode()
    body["shares"] = {"a": 0.7, "b": 0.3}
    ok = client.put(url, json.dumps(body), content_type="application/json", **headers)
    assert ok.status_code == 200 and ok.json()["as_of"] == "2026-01-01"
    assert client.get(url, **headers).json()[0]["shares"] == {"a": 0.7, "b": 0.3}
    other_url = f"/api/v1/feedback/target-groups/{other.pk}/make-up"
    assert client.get(other_url, **headers).status_code == 404
    put = client.put(other_url, json.dumps(body), content_type="application/json", **headers)
    assert put.status_code == 404


def test_survey_without_make_up_says_why_and_links(world, survey):
    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    assert 'id="no-representativeness"' in page
    assert "/feedback/make-up/" in page


def test_export_streams_redacted_rows_filtered_and_audited(world, survey):
    _submit(survey)
    client = world.client("staff")
    response = client.get(f"/feedback/export/?survey={survey.pk}&channel=phone&format=csv")
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["channel"] for r in rows} == {"phone"}
    assert len({r["response_id"] for r in rows}) == 3
    comments = [r["text"] for r in rows if r["question"] == "comment"]
    assert comments and all("612" not in c and "[PHONE]" in c for c in comments)
    assert "respondent_id" not in rows[0]
    event = AuditEvent.objects.get(action="feedback.responses_exported")
    assert event.metadata["channel"] == "phone" and event.metadata["format"] == "csv"
    as_json = client.get(f"/feedback/export/?survey={survey.pk}&format=json")
    records = json.loads(b"".join(as_json.streaming_content))
    assert len({r["response_id"] for r in records}) == 6
    later = client.get(f"/feedback/export/?survey={survey.pk}&start=2999-01-01&format=json")
    assert json.loads(b"".join(later.streaming_content)) == []
    wrong = client.get("/feedback/export/?start=2026-02-01&end=2026-01-01&format=csv")
    assert wrong.status_code == 422 and "end" in wrong.content.decode()


def test_export_api_and_scope(world, survey):
    _submit(survey, 2)
    from django.test import Client

    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.api_key('read')}"}
    response = Client().get(
        f"/api/v1/feedback/responses/export?survey_id={survey.pk}&format=json", **headers
    )
    assert response.status_code == 200
    assert len(json.loads(b"".join(response.streaming_content))) == 4  # 2 responses x 2 answers
    other = Client().get(
        f"/api/v1/feedback/responses/export?survey_id={survey.pk}",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key('read', world.other_unit)}",
    )
    assert other.status_code == 404
    assert world.client("outsider").get("/feedback/export/").status_code == 404


def test_export_reads_rows_in_chunks(world, survey, monkeypatch):
    _submit(survey, 3)
    filters = services.ExportFilter([survey])
    rows = services.responses_export(actor=world.principal("staff"), filters=filters, fmt="csv")
    assert not isinstance(rows, list)  # a lazy iterator, not every row in memory
    assert len(list(rows)) == 6


def test_widget_questions_and_frame_policy(world, survey):
    from django.test import Client

    client = Client()
    answer = client.get(f"/feedback/w/{survey.slug}/questions.json?lang=es")
    assert answer["Access-Control-Allow-Origin"] == "*"
    config = answer.json()
    assert config["language"] == "es"
    assert [q["kind"] for q in config["questions"]] == ["scale", "text"]
    page = client.get(f"/feedback/w/{survey.slug}/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    with pytest.raises(ValidationError):
        services.survey_set_embed_origins(
            actor=world.principal("staff"), survey=survey, origins=["javascript:alert(1)"]
        )
    staff = world.client("staff")
    staff.post(f"/feedback/{survey.pk}/embed/", {"embed_origins": "https://www.example.gov/\n"})
    survey.refresh_from_db()
    assert survey.embed_origins == ["https://www.example.gov"]
    framed = client.get(f"/feedback/w/{survey.slug}/")
    assert "frame-ancestors 'self' https://www.example.gov" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    other = world.client("staff")
    assert world.client("outsider").post(f"/feedback/{survey.pk}/embed/", {}).status_code == 404
    assert other.get(f"/feedback/{survey.pk}/").status_code == 200


def test_embed_snippet_is_one_script_tag(world, survey):
    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    snippet = page.split('id="embed-code"')[1].split("</textarea>")[0]
    assert snippet.count("&lt;script") == 1
    assert "data-civicloop-survey" in snippet and "data-presentation" in snippet


def test_result_charts_match_an_independent_count(world, survey):
    _submit(survey, 10)
    answers = [1 + i % 5 for i in range(10)]
    [dist] = [
        d for d in selectors.score_distributions(survey=survey) if d.question.key == "satisfaction"
    ]
    assert dict(dist.counts) == {p: Counter(answers)[p] for p in range(1, 6)}
    weeks = selectors.scores_per_week(survey=survey)
    [(week, scores)] = weeks.items()
    assert week.weekday() == 0
    govuk = next(s for s in scores if s.key == "govuk")
    assert govuk.value == pytest.approx(100 * sum(a >= 4 for a in answers) / 10)
    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    assert 'id="weekly-trend-spec"' in page and 'id="distribution-satisfaction-spec"' in page
