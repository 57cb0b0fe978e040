"""Every evidence read is scoped by the viewer: reports and effects to those who may read the
problem, share links to those who may share it; anything else "does not exist" (404)."""

import pytest
from django.http import Http404

from civicloop.evidence import selectors, services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["staff", "evaluator", "auditor", "official"])
def test_the_unit_and_the_owning_agency_read_the_report_and_its_effects(world, evidenced, role):
    viewer = world.principal(role)
    report = selectors.impact_report_get(viewer=viewer, problem_id=evidenced.pk)
    assert report.inputs.problem_id == evidenced.pk
    effects = selectors.effect_estimate_list(viewer=viewer, problem_id=evidenced.pk)
    assert {e.problem_id for e in effects} == {evidenced.pk}
    assert effects.count() == 2


@pytest.mark.parametrize("role", ["outsider", "other_official", "vendor"])
def test_others_cannot_read_the_report_nor_its_effects(world, evidenced, role):
    viewer = world.principal(role)
    with pytest.raises(Http404):
        selectors.impact_report_get(viewer=viewer, problem_id=evidenced.pk)
    assert not selectors.effect_estimate_list(viewer=viewer).exists()


def test_share_links_are_listed_and_found_only_for_those_who_may_share(world, evidenced):
    new = services.shared_link_create(actor=world.principal("staff"), problem=evidenced)
    staff = world.principal("staff")
    assert list(selectors.shared_link_list(viewer=staff, problem=evidenced)) == [new.link]
    assert selectors.shared_link_get(viewer=staff, pk=new.link.pk) == new.link
    link, views = selectors.shared_link_views(viewer=staff, link_id=new.link.pk)
    assert link == new.link and not views.exists()
    for role in ("auditor", "official", "outsider"):
        viewer = world.principal(role)
        assert not selectors.shared_link_list(viewer=viewer, problem=evidenced).exists()
        with pytest.raises(Http404):
            selectors.shared_link_get(viewer=viewer, pk=new.link.pk)
        with pytest.raises(Http404):
            selectors.shared_link_views(viewer=viewer, link_id=new.link.pk)


def test_reading_a_report_writes_nothing_to_the_audit_log(world, evidenced):
    from civicloop.core.models import AuditEvent

    before = AuditEvent.objects.count()
    selectors.impact_report_get(viewer=world.principal("staff"), problem_id=evidenced.pk)
    assert AuditEvent.objects.count() == before
