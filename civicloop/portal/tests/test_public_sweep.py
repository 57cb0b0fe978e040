"""Nothing unpublished or personal on the public portal: every public route (pages, feeds,
downloads) fetched as an anonymous visitor against the demo database, seeded with private
markers, must not show any of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from civicloop.core.models import Person
from civicloop.core.permissions import principal_for_person
from civicloop.feedback.models import Answer
from civicloop.market import sealing
from civicloop.market.models import Award, Challenge, Feedback, SealedContent
from civicloop.portal import services
from civicloop.portal.models import PublicSummary
from civicloop.portfolio.models import Problem
from civicloop.scaling.selectors import sandbox_public_list
from civicloop.web.tests.paging import body

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FEEDBACK_NAME = "Marisol Quintanilla-Ferrer"
FEEDBACK_EMAIL = "marisol.q@example.org"
DRAFT_TITLE = "DRAFT SUMMARY NOT FOR PUBLIC 7Q"


def _public_routes() -> list[str]:
    """Every URL name of the portal except the staff pages and the language switch."""
    portal = get_resolver().namespace_dict["portal"][1]
    names = [name for name in portal.reverse_dict if isinstance(name, str)]
    return sorted(n for n in names if not n.startswith("staff_") and n != "language")


def _seed_markers(ctx: dict) -> list[str]:
    markers: list[str] = []
    # Unpublished problems' titles.
    markers += list(Problem.objects.filter(published=False).values_list("title", flat=True))
    # Every person's name and e-mail address.
    for person in Person.objects.all():
        markers.append(person.email)
        if person.display_name and len(person.display_name) > 4:
            markers.append(person.display_name)
    # A comment that kept a name and an address (written past the redaction on purpose).
    answer = Answer.objects.exclude(text="").order_by("pk")[0]
    answer.text = f"{FEEDBACK_NAME} ({FEEDBACK_EMAIL}) says the office lost her papers."
    answer.save(update_fields=["text"])
    markers += [FEEDBACK_NAME, FEEDBACK_EMAIL]
    # Sealed proposal text.
    for sealed in SealedContent.objects.all():
        text = sealing.unseal(sealed.ciphertext).decode()
        markers.append(text.strip()[:60])
    # A draft summary (withdrawn from the portal and retitled).
    staff = principal_for_person(ctx["orgs"].people["staff"])
    summary = PublicSummary.objects.order_by("pk")[0]
    services.summary_withdraw(actor=staff, summary=summary)
    services.summary_update(actor=staff, summary=summary, title=DRAFT_TITLE)
    markers.append(DRAFT_TITLE)
    # Written feedback to the unsuccessful bidders.
    markers += [f.text[:60] for f in Feedback.objects.all()]
    # A draft challenge.
    draft = Challenge.objects.filter(status="draft").first()
    if draft is not None:
        markers.append(draft.title)
    return [m for m in markers if m]


def _urls() -> dict[str, list[str]]:
    problem = Problem.objects.filter(published=True).order_by("pk")[0]
    summary = PublicSummary.objects.filter(status="published").order_by("pk")[0]
    challenge = Challenge.objects.filter(status__in=["open", "consultation"]).order_by("pk")[0]
    award = Award.objects.order_by("pk")[0]
    sandbox = sandbox_public_list().order_by("pk")[0]
    args: dict[str, list[Any]] = {
        "challenge": [challenge.pk],
        "problem": [problem.pk],
        "result": [summary.pk],
        "award": [award.pk],
        "sandbox": [sandbox.slug],
        "dataset": ["problems"],
    }
    urls: dict[str, list[str]] = {}
    for name in _public_routes():
        if name == "dataset_download":
            urls[name] = [
                reverse("portal:dataset_download", args=[slug, fmt])
                for slug in ("problems", "sandboxes", "results")
                for fmt in ("json", "csv")
            ]
        elif name == "challenge":
            # An open call, and the awarded one (its winners, amounts and rationale are public;
            # its losing bids, their feedback and the evaluators are not).
            awarded = Challenge.objects.filter(status="awarded").order_by("pk")[0]
            urls[name] = [reverse("portal:challenge", args=[c.pk]) for c in (challenge, awarded)]
        elif name == "dataset":
            urls[name] = [
                reverse("portal:dataset", args=[slug])
                for slug in ("problems", "ocds", "sandboxes", "results")
            ]
        else:
            urls[name] = [reverse(f"portal:{name}", args=args.get(name))]
    return urls


def test_no_public_route_shows_anything_unpublished_or_personal(demo):
    markers = _seed_markers(demo)
    assert FEEDBACK_EMAIL in markers and DRAFT_TITLE in markers
    assert len(markers) > 20
    client = Client()
    urls = _urls()
    # Every public route is swept (a new route without a case here fails).
    assert set(urls) >= {
        "home", "challenges", "challenges_feed", "challenge", "problems", "problems_feed",
        "problem", "results", "results_feed", "result", "awards", "awards_feed", "award",
        "sandboxes", "sandboxes_feed", "sandbox", "catalogue", "dataset", "dataset_download",
    }  # fmt: skip
    seen = 0
    for name, paths in urls.items():
        for path in paths:
            for language in ("en", "es"):
                response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200, (name, path)
                text = body(response).decode()
                leaked = [m for m in markers if m in text]
                assert not leaked, f"{path} shows private data: {leaked}"
                seen += 1
    assert seen >= 2 * 25
    published = PublicSummary.objects.get(status="published")
    assert published.title in client.get(reverse("portal:results")).content.decode()
    # The draft summary is gone from the portal (404), the published one still shows.
    draft = PublicSummary.objects.get(title=DRAFT_TITLE)
    assert client.get(reverse("portal:result", args=[draft.pk])).status_code == 404
    unpublished = Problem.objects.filter(published=False).order_by("pk")[0]
    assert client.get(reverse("portal:problem", args=[unpublished.pk])).status_code == 404
