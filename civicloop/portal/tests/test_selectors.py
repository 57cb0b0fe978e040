"""Portal reads are scoped: staff see the public summaries (drafts too) of the units where they
run experiments and never another unit's; the public sees published summaries only."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from civicloop.core.permissions import ANONYMOUS
from civicloop.experiments.tests import factories as f
from civicloop.portal import selectors
from civicloop.portal.models import PublicSummary, SummaryStatus

pytestmark = pytest.mark.django_db


def _summary(world, role: str, unit, agency, status: str, name: str) -> PublicSummary:
    actor = world.principal(role)
    iteration = f.iteration(actor, f.service(actor, unit, agency, name=name))
    published_at = timezone.now() if status == SummaryStatus.PUBLISHED else None
    return PublicSummary.objects.create(
        iteration=iteration,
        unit=unit,
        status=status,
        title=name,
        service_name=name,
        published_at=published_at,
    )


@pytest.fixture
def summaries(world):
    return {
        "our_draft": _summary(
            world, "staff", world.unit, world.agency, SummaryStatus.DRAFT, "Ours, draft"
        ),
        "our_published": _summary(
            world, "staff", world.unit, world.agency, SummaryStatus.PUBLISHED, "Ours, public"
        ),
        "their_draft": _summary(
            world,
            "outsider",
            world.other_unit,
            world.other_unit_agency,
            SummaryStatus.DRAFT,
            "Theirs, draft",
        ),
    }


def test_staff_see_their_units_summaries_drafts_included_and_no_other_units(world, summaries):
    staff = world.principal("staff")
    assert set(selectors.summary_list(viewer=staff)) == {
        summaries["our_draft"],
        summaries["our_published"],
    }
    with pytest.raises(Http404):
        selectors.summary_get(viewer=staff, pk=summaries["their_draft"].pk)
    outsider = world.principal("outsider")
    assert list(selectors.summary_list(viewer=outsider)) == [summaries["their_draft"]]
    with pytest.raises(Http404):
        selectors.summary_get(viewer=outsider, pk=summaries["our_draft"].pk)


@pytest.mark.parametrize("role", ["official", "auditor", "vendor", None])
def test_people_who_do_not_run_experiments_and_visitors_see_no_drafts(world, summaries, role):
    viewer = world.principal(role) if role else ANONYMOUS
    assert not selectors.summary_list(viewer=viewer).exists()
    with pytest.raises(Http404):
        selectors.summary_get(viewer=viewer, pk=summaries["our_draft"].pk)


def test_the_public_sees_published_summaries_only(world, summaries):
    assert list(selectors.summary_list_public()) == [summaries["our_published"]]
    with pytest.raises(Http404):
        selectors.summary_get_public(pk=summaries["our_draft"].pk)
    assert selectors.portal_home().summaries == [summaries["our_published"]]
