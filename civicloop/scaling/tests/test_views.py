"""Who may see and do what on the scaling pages and API; the public registry needs no account."""

import pytest

from civicloop.scaling.models import AssessmentScore, Obstacle
from civicloop.web.tests.paging import body

pytestmark = pytest.mark.django_db

ROLES = ["staff", "evaluator", "auditor", "official", "other_official", "vendor", "outsider"]
# role -> (can read pages of the unit, can edit scaling, can rate assessments)
MATRIX = {
    "staff": (True, True, True),
    "evaluator": (True, False, True),
    "auditor": (True, False, False),
    "official": (True, False, False),  # the problem's owner agency
    "other_official": (False, False, False),
    "vendor": (False, False, False),
    "outsider": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_scaling_pages(world, scaled, role):
    reads, edits, rates = MATRIX[role]
    client = world.client(role)
    ok = 200 if reads else 404
    assert client.get(f"/scaling/assessments/{scaled['assessment'].pk}/").status_code == ok
    assert client.get(f"/scaling/plans/{scaled['plan'].pk}/").status_code == ok
    assert client.get(f"/scaling/sandboxes/{scaled['sandbox'].pk}/").status_code == ok
    obstacles = client.get("/scaling/obstacles/")
    # the register opens to anyone who reads some portfolio (a vendor reads none); what it
    # lists is what the viewer may read
    assert obstacles.status_code == (404 if role == "vendor" else 200)
    assert ("Managers resist" in obstacles.content.decode()) is reads
    assert client.get("/scaling/obstacles/new/").status_code == (200 if edits else 404)
    score = client.post(
        f"/scaling/assessments/{scaled['assessment'].pk}/scores/",
        {"domain": "reach", "score": "4", "evidence": "Survey"},
    )
    assert score.status_code == (302 if rates else 404)
    assert AssessmentScore.objects.count() == (1 if rates else 0)
    remeasure = client.post(f"/scaling/plans/{scaled['plan'].pk}/replications/remeasure/")
    assert remeasure.status_code == (302 if edits else 404)


def test_anonymous_visitors_see_the_registry_but_nothing_else(world, scaled, client):
    page = client.get("/scaling/registry/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pharmacy confirmations" in html and "Art. 12" in html
    assert "@example.org" not in html  # no personal data
    detail = client.get(f"/scaling/registry/{scaled['sandbox'].slug}/")
    assert detail.status_code == 200 and "Managers resist" not in detail.content.decode()
    api = client.get("/api/v1/scaling/registry")
    assert api.status_code == 200
    [item] = api.json()["items"]
    assert item["title"] == "Pharmacy confirmations" and "@" not in str(item)
    assert client.get("/scaling/").status_code == 302
    assert client.get("/api/v1/scaling/obstacles").status_code == 401


def test_dashboard_counts_overdue_obstacles(world, scaled):
    html = world.client("staff").get("/scaling/").content.decode()
    assert 'id="overdue-count">1<' in html
    assert 'id="open-obstacles">2<' in html
    assert "Managers resist" in html


def test_obstacle_register_query_count_does_not_grow_with_rows(world, scaled):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicloop.scaling import services

    client = world.client("staff")
    client.get("/scaling/obstacles/")  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/scaling/obstacles/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(10):
        services.obstacle_create(
            actor=world.principal("staff"),
            problem=scaled["problem"],
            kind="other",
            title=f"Extra {i}",
            severity=2,
            likelihood=2,
            sandbox=scaled["sandbox"],
            jurisdiction=world.agency,
        )
    assert count() == few <= 8
    client_csv = body(client.get("/scaling/obstacles/?format=csv")).decode()
    assert client_csv.splitlines()[0].startswith("id,problem,kind,title,severity,likelihood")
    assert len(client_csv.splitlines()) == 14


def test_api_creates_obstacles_and_explains_bad_input(world, scaled):
    key = world.api_key()
    auth = {"Authorization": f"Bearer {key}"}
    from django.test import Client

    client = Client()
    bad = client.post(
        "/api/v1/scaling/obstacles",
        {
            "problem_id": scaled["problem"].pk,
            "kind": "budget",
            "title": "t",
            "severity": 9,
            "likelihood": 2,
        },
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert "severity" in bad.json()["detail"]
    good = client.post(
        "/api/v1/scaling/obstacles",
        {
            "problem_id": scaled["problem"].pk,
            "kind": "budget",
            "title": "No money",
            "severity": 3,
            "likelihood": 2,
            "sandbox_id": scaled["sandbox"].pk,
        },
        content_type="application/json",
        headers=auth,
    )
    assert good.status_code == 201
    assert Obstacle.objects.get(title="No money").sandbox_id == scaled["sandbox"].pk
    read_only = {"Authorization": f"Bearer {world.api_key(scope='read')}"}
    assert (
        client.post(
            "/api/v1/scaling/lessons",
            {"title": "t", "what_we_learnt": "w", "outcome": "mixed"},
            content_type="application/json",
            headers=read_only,
        ).status_code
        == 403
    )
    projection = client.get(
        f"/api/v1/scaling/plans/{scaled['plan'].pk}/projection", headers=auth
    ).json()
    assert projection["projection"]["total"]["analytic_mean"] == pytest.approx(50_000 * 58 * 0.061)


def test_outsiders_get_404_from_the_api(world, scaled):
    from django.test import Client

    other = {"Authorization": f"Bearer {world.api_key(org=world.other_unit)}"}
    client = Client()
    assert (
        client.get(
            f"/api/v1/scaling/assessments/{scaled['assessment'].pk}", headers=other
        ).status_code
        == 404
    )
    assert client.get("/api/v1/scaling/obstacles", headers=other).json()["count"] == 0
    assert (
        client.get(
            f"/api/v1/evidence/problems/{scaled['problem'].pk}/report", headers=other
        ).status_code
        == 404
    )


def test_a_sandbox_goes_through_its_whole_life_on_the_web(world):
    from civicloop.scaling.models import Sandbox

    client = world.client("staff")
    assert (
        client.post(
            "/scaling/sandboxes/new/",
            {
                "title": "Night permits",
                "public_summary": "Shops open late.",
                "regulator": "Licensing",
            },
        ).status_code
        == 302
    )
    sandbox = Sandbox.objects.get()
    base = f"/scaling/sandboxes/{sandbox.pk}"
    answers = {
        k: "on" for k in ["in_scope", "genuine_innovation", "citizen_benefit", "readiness", "need"]
    }
    notes = {f"{k}_why": "because" for k in answers}
    assert client.post(f"{base}/eligibility/", answers | notes).status_code == 302
    sandbox.refresh_from_db()
    assert sandbox.status == "eligible"
    too_long = client.post(
        f"{base}/start/",
        {
            "rule_waived": "Closing hours",
            "safeguards": "Noise",
            "participants": "20 shops",
            "exit_criteria": "No complaints",
            "starts_on": "2027-01-01",
            "ends_on": "2028-06-01",
        },
    )
    assert too_long.status_code == 422
    assert "at most 12 months" in too_long.content.decode()
    assert (
        client.post(
            f"{base}/start/",
            {
                "rule_waived": "Closing hours",
                "safeguards": "Noise",
                "participants": "20 shops",
                "exit_criteria": "No complaints",
                "participant_limit": "20",
                "starts_on": "2027-01-01",
                "ends_on": "2027-07-01",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/report/",
            {
                "period_end": "2027-03-01",
                "participants": "18",
                "incidents": "0",
                "safeguards_held": "on",
                "summary": "Fine",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(f"{base}/extend/", {"until": "2027-09-01", "reason": "Summer"}).status_code
        == 302
    )
    assert (
        client.post(f"{base}/extend/", {"until": "2027-10-01", "reason": "Again"}).status_code
        == 404
    )  # one extension only: the step is gone
    assert (
        client.post(
            f"{base}/exit/", {"exited_on": "2027-09-01", "exit_report": "Worked"}
        ).status_code
        == 302
    )
    assert client.post(f"{base}/learning/", {"learning": "Late hours are safe"}).status_code == 302
    sandbox.refresh_from_db()
    assert (sandbox.status, sandbox.reports.get().safeguards_held) == ("exited", True)
    assert world.client("evaluator").post(f"{base}/learning/", {"learning": "x"}).status_code == 404
    assert "Night permits" in world.client(None).get("/scaling/registry/").content.decode()


def test_effect_form_checkbox_records_lower_is_better(world, scaled):
    from civicloop.evidence.models import EffectEstimate

    response = world.client("staff").post(
        f"/evidence/problems/{scaled['problem'].pk}/effects/new/",
        {
            "outcome": "Waiting days",
            "role": "waiting_time",
            "unit": "days",
            "estimate": "-2",
            "std_error": "0.5",
            "design": "did",
            "source": "Pilot",
            "lower_is_better": "on",
        },
    )
    assert response.status_code == 302
    assert EffectEstimate.objects.get(outcome="Waiting days").lower_is_better is True
    page = world.client("staff").get(f"/evidence/problems/{scaled['problem'].pk}/effects/new/")
    assert 'type="checkbox" value="on"' in page.content.decode()


def test_recording_a_replication_on_the_plan_page_raises_the_nesta_level(world, scaled):
    from civicloop.evidence.selectors import impact_report_for_problem

    client = world.client("staff")
    url = f"/scaling/plans/{scaled['plan'].pk}/replications/"
    bad = client.post(
        url,
        {
            "site": "Town",
            "estimate": "-5",
            "std_error": "0",
            "design": "rct",
            "completed_on": "2026-10-01",
        },
    )
    assert bad.status_code == 422
    assert "Standard error must be greater than zero" in bad.content.decode()
    ok = client.post(
        url,
        {
            "site": "Town",
            "estimate": "-5.4",
            "std_error": "1.5",
            "design": "rct",
            "independent": "on",
            "completed_on": "2026-10-01",
        },
    )
    assert ok.status_code == 302
    primary = impact_report_for_problem(problem=scaled["problem"]).primary
    assert primary is not None and primary.nesta_level == 4
    page = client.get(f"/scaling/plans/{scaled['plan'].pk}/").content.decode()
    assert "Town (1 Oct 2026)" in page
    assert world.client("evaluator").post(url, {}).status_code == 404


def test_counts_on_scaling_pages_agree_with_the_number(world, scaled):
    # ngettext picks the form from the count, so "1 obstacle is" and "2 obstacles are" both read
    # right (and Spanish, with its own plural rule, gets the same chance).
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.scaling import services

    client = world.client("staff")
    home = client.get("/scaling/").content.decode()
    assert "1 obstacle is past its due date." in home
    assert "0 ratings" in home
    services.obstacle_create(
        actor=world.principal("staff"),
        problem=scaled["problem"],
        kind="capacity",
        title="Too few nurses",
        severity=2,
        likelihood=2,
        due_date=timezone.localdate() - timedelta(days=3),
    )
    services.assessment_score(
        actor=world.principal("staff"),
        assessment=scaled["assessment"],
        assessor=world.people["staff"],
        domain="reach",
        score=4,
        evidence="Survey",
    )
    home = client.get("/scaling/").content.decode()
    assert "2 obstacles are past their due date." in home
    assert "1 rating<" in home
    assert "0 lessons" in client.get("/scaling/lessons/").content.decode()
    plan = client.get(f"/scaling/plans/{scaled['plan'].pk}/").content.decode()
    assert "Net benefit over 5 years" in plan
