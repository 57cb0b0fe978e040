"""Public summaries: drafted from a decision with its effect, interval and unit; edited,
published and withdrawn by the unit's staff (audited); another unit's summary is 404; the
public pages are cacheable and run a fixed number of queries."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from civicloop.core.models import AuditEvent, Person, Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import MembershipFactory, PersonFactory, UnitFactory
from civicloop.portal import drafting, services
from civicloop.portal.events import PortalEvent
from civicloop.portal.models import PublicSummary, SummaryStatus
from civicloop.portal.tests.conftest import load_demo
from civicloop.portfolio.models import Problem
from civicloop.web.tests.paging import body as response_body

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_randomised_proportion_effect_is_drafted_in_percentage_points():
    payload = {
        "design": "randomised",
        "alpha": 0.05,
        "metrics": {
            "renewed-7d": {
                "name": "Renewed within 7 days",
                "role": "primary",
                "metric_type": "proportion",
                "variants": [{"estimate": 0.0703, "ci_low": 0.0457, "ci_high": 0.0948}],
            }
        },
    }
    effect = drafting.effect_from_payload(payload, alpha=0.05, metric_units={})
    assert effect is not None
    assert effect.unit == "percentage points"
    assert effect.estimate == pytest.approx(7.03)
    assert (effect.ci_low, effect.ci_high) == (pytest.approx(4.57), pytest.approx(9.48))
    assert effect.confidence == pytest.approx(0.95)


def test_a_site_based_effect_has_no_assumed_unit():
    payload = {"design": "did", "effect": {"estimate": -18.1, "ci_low": -19.7, "ci_high": -16.5}}
    effect = drafting.effect_from_payload(payload, alpha=0.05, metric_units={"x": "days"})
    assert effect is not None and effect.unit == ""


def test_themes_keep_labels_and_counts_never_quotes():
    feedback = {"themes": [{"label": "queue, wait", "size": 4, "quotes": ["I waited 3 h"]}]}
    assert drafting.themes_from_feedback(feedback) == [{"label": "queue, wait", "size": 4}]


@pytest.fixture
def world_demo(db, event_store_dir):
    return load_demo()


def _outsider() -> Person:
    """Staff of another unit."""
    unit = UnitFactory.create(name="Elsewhere Unit", slug="elsewhere-unit-portal")
    person = PersonFactory.create(email="elsewhere@example.org")
    MembershipFactory.create(person=person, organization=unit, role=Role.UNIT_STAFF)
    return person


def test_draft_edit_publish_withdraw_is_audited_and_another_unit_gets_404(world_demo):
    staff_person = world_demo["orgs"].people["staff"]
    staff = principal_for_person(staff_person)
    summary = PublicSummary.objects.get(service_name="Social housing decisions")
    decision = summary.iteration.decision
    summary.delete()
    draft = services.summary_draft(actor=staff, decision=decision)
    assert draft.status == SummaryStatus.DRAFT
    # The effect, its interval and confidence come from the cited result (DiD, −18.06 days).
    assert draft.effect_estimate == pytest.approx(-18.064)
    assert draft.effect_estimate is not None
    assert draft.effect_ci_low is not None and draft.effect_ci_high is not None
    assert draft.effect_ci_low < draft.effect_estimate < draft.effect_ci_high
    assert draft.confidence == pytest.approx(0.95)
    assert "people told us" in draft.said
    # A site-based result records no unit: publishing asks for it.
    with pytest.raises(ValidationError) as error:
        services.summary_publish(actor=staff, summary=draft)
    assert "effect_unit" in error.value.message_dict
    # Personal data typed into a summary is refused at publication.
    services.summary_update(
        actor=staff, summary=draft, effect_unit="days", tried="Ask ana.lopez@example.org"
    )
    with pytest.raises(ValidationError) as error:
        services.summary_publish(actor=staff, summary=draft)
    assert "tried" in error.value.message_dict
    services.summary_update(actor=staff, summary=draft, tried="A caseworker screens new files.")
    anonymous = Client()
    url = reverse("portal:result", args=[draft.pk])
    assert anonymous.get(url).status_code == 404
    services.summary_publish(actor=staff, summary=draft)
    page = anonymous.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "−18.1" in body or "-18.1" in body
    assert "95% interval" in body and "days" in body
    published = AuditEvent.objects.filter(action=PortalEvent.SUMMARY_PUBLISHED)
    assert published.filter(organization_id=draft.unit_id).exists()
    # Another unit's staff: the staff page and every write answer 404.
    outsider_person = _outsider()
    outsider = Client()
    outsider.force_login(outsider_person)
    assert outsider.get(reverse("portal:staff_summary", args=[draft.pk])).status_code == 404
    posted = outsider.post(reverse("portal:staff_summary_withdraw", args=[draft.pk]))
    assert posted.status_code == 404
    with pytest.raises(Http404):
        services.summary_withdraw(actor=principal_for_person(outsider_person), summary=draft)
    draft.refresh_from_db()
    assert draft.status == SummaryStatus.PUBLISHED
    # The unit's staff take it off the portal through the page.
    mine = Client()
    mine.force_login(staff_person)
    assert mine.get(reverse("portal:staff_summary", args=[draft.pk])).status_code == 200
    mine.post(reverse("portal:staff_summary_withdraw", args=[draft.pk]))
    assert anonymous.get(url).status_code == 404
    assert AuditEvent.objects.filter(action=PortalEvent.SUMMARY_WITHDRAWN).exists()


def test_a_unit_publishes_a_problem_and_only_then_it_is_public(world_demo):
    staff_person = world_demo["orgs"].people["staff"]
    problem = Problem.objects.filter(published=False).order_by("pk")[0]
    url = reverse("portal:problem", args=[problem.pk])
    anonymous = Client()
    assert anonymous.get(url).status_code == 404
    mine = Client()
    mine.force_login(staff_person)
    mine.post(reverse("portfolio:publish", args=[problem.pk]), {"published": "1"})
    assert anonymous.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="portfolio.problem_published").exists()


def test_public_pages_are_cacheable_and_run_a_fixed_number_of_queries(
    world_demo, django_assert_max_num_queries
):
    problem = Problem.objects.filter(published=True).order_by("pk")[0]
    summary = PublicSummary.objects.filter(status="published").order_by("pk")[0]
    client = Client()
    pages = {
        # one query per section and per prefetched relation (and a count on a paged list),
        # whatever the number of rows
        reverse("portal:home"): 11,
        reverse("portal:challenges"): 3,
        reverse("portal:problems"): 5,
        reverse("portal:problem", args=[problem.pk]): 4,
        reverse("portal:results"): 2,
        reverse("portal:result", args=[summary.pk]): 1,
        reverse("portal:awards"): 2,
        reverse("portal:sandboxes"): 4,
        reverse("portal:catalogue"): 4,
        reverse("portal:results_feed"): 1,
    }
    for path, most in pages.items():
        with django_assert_max_num_queries(most):
            response = client.get(path)
        assert response.status_code == 200, path
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        assert not response.cookies, path


def test_the_catalogue_describes_every_dataset_in_dcat_ap(world_demo):
    body = Client().get(reverse("portal:catalogue")).content.decode()
    start = body.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    catalog = json.loads(body[start : body.index("</script>", start)])
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["dct:publisher"]["foaf:name"]
    datasets = catalog["dcat:dataset"]
    assert {d["dct:title"] for d in datasets} >= {"Open contracting data (OCDS)"}
    for dataset in datasets:
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["dct:license"]["@id"].startswith("https://creativecommons.org/")
        assert dataset["dct:modified"]["@value"]
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            assert distribution["dcat:mediaType"]["@id"].startswith(
                "https://www.iana.org/assignments/media-types/"
            )
            assert distribution["dct:license"]["@id"]
    rows = json.loads(
        response_body(Client().get(reverse("portal:dataset_download", args=["results", "json"])))
    )
    assert rows and all(r["effect_unit"] for r in rows)
