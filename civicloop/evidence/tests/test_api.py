"""Evidence API: report JSON, recording effects, shared links for people without an account."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _auth(world, **kw):
    return {"HTTP_AUTHORIZATION": f"Bearer {world.api_key(**kw)}"}


def test_report_json_and_effect_recording(world, evidenced):
    client, auth = Client(), _auth(world)
    report = client.get(f"/api/v1/evidence/problems/{evidenced.pk}/report", **auth).json()
    assert report["efficiency"][0]["annual_savings"]["estimate"] == pytest.approx(
        120_000 * 0.061 * 58
    )
    assert report["primary_effect"]["maryland_sms"] == 5
    bad = client.post(
        f"/api/v1/evidence/problems/{evidenced.pk}/effects",
        {
            "outcome": "x",
            "unit": "pp",
            "estimate": 1,
            "std_error": 0,
            "design": "rct",
            "source": "s",
        },
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert "std_error" in bad.json()["detail"]
    made = client.post(
        f"/api/v1/evidence/problems/{evidenced.pk}/effects",
        {
            "outcome": "Completion",
            "unit": "pp",
            "estimate": 3.1,
            "std_error": 1.0,
            "design": "did",
            "source": "Pilot",
            "role": "completion",
            "pretrend_p_value": 0.01,
        },
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201
    report = client.get(f"/api/v1/evidence/problems/{evidenced.pk}/report", **auth).json()
    completion = next(e for e in report["effects"] if e["outcome"] == "Completion")
    assert (completion["maryland_sms"], completion["nesta_level"]) == (2, 2)  # failed pre-trends


def test_shared_link_lifecycle_through_the_api(world, evidenced):
    client, auth = Client(), _auth(world)
    created = client.post(
        f"/api/v1/evidence/problems/{evidenced.pk}/links",
        {"days": 3, "language": "es"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    body = created.json()
    public = Client()
    summary = public.get(f"/api/v1/evidence/shared/{body['token']}")
    assert summary.status_code == 200
    assert summary.json()["title"] == "Missed visits"
    assert public.get(body["url"]).status_code == 200
    revoked = client.post(f"/api/v1/evidence/links/{body['link']['id']}/revoke", **auth)
    assert revoked.json()["revoked_at"] is not None
    gone = public.get(f"/api/v1/evidence/shared/{body['token']}")
    assert gone.status_code == 410
    assert gone["Content-Type"] == "application/problem+json"
    assert public.get(body["url"]).status_code == 410


def test_read_only_keys_and_other_units_cannot_share(world, evidenced):
    client = Client()
    read_only = client.post(
        f"/api/v1/evidence/problems/{evidenced.pk}/links",
        {},
        content_type="application/json",
        **_auth(world, scope="read"),
    )
    assert read_only.status_code == 403
    other = client.post(
        f"/api/v1/evidence/problems/{evidenced.pk}/links",
        {},
        content_type="application/json",
        **_auth(world, org=world.other_unit),
    )
    assert other.status_code == 404
