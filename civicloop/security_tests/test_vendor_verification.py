"""Vendor verification belongs to the verifying unit (issue 12, finding 9; review F13).

A unit's verification of a shared vendor profile changes nothing another unit sees, "verified
only" matching uses the challenge's own unit, the audit event is filed under the verifying unit,
and the pages and API say who verified (organisation, person, when, evidence note).
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.models import AuditEvent, Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import MembershipFactory
from civicloop.market import selectors, services
from civicloop.market.models import VendorProfile, VendorVerification
from civicloop.market.tests.factories import open_challenge, rival_vendor

pytestmark = pytest.mark.django_db

PROFILE: dict[str, Any] = {
    "founding_year": 2021,
    "sme_size": "micro",
    "capabilities": "Online licence renewal forms for shopkeepers and counter queue reduction.",
    "sectors": ["licensing"],
    "countries": ["ES"],
}


@pytest.fixture
def profile(world) -> VendorProfile:
    return services.vendor_register(
        actor=world.principal("vendor"), organization=world.company, **PROFILE
    )


def _api(world, org=None) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key(org=org)}")


def _listed(client: Client, **query) -> dict[int, dict]:
    answer = client.get("/api/v1/market/vendors", query)
    assert answer.status_code == 200
    return {row["id"]: row for row in answer.json()["items"]}


def test_another_units_verification_does_not_verify_for_this_unit(world, profile):
    # The review's reproduction: unit B's key verifies, unit A still sees the vendor unverified.
    unit_b = _api(world, world.other_unit)
    # no body at all, as before (the evidence note is optional)
    answer = unit_b.post(
        f"/api/v1/market/vendors/{profile.pk}/verify", content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["verified"] is True

    unit_a = _api(world)
    assert _listed(unit_a)[profile.pk]["verified"] is False
    assert _listed(unit_a)[profile.pk]["verifications"] == []
    assert profile.pk not in _listed(unit_a, verified="true")
    assert profile.pk in _listed(unit_b, verified="true")

    event = AuditEvent.objects.get(action="market.vendor_verified")
    assert event.organization_id == world.other_unit.pk


def test_verified_only_matching_uses_the_challenge_units_verification(world, profile):
    challenge, _ = open_challenge(world)
    staff = world.principal("staff")
    services.vendor_verify(actor=world.principal("outsider"), profile=profile)
    assert selectors.vendor_matches(viewer=staff, challenge=challenge) == []
    (unverified,) = selectors.vendor_matches(viewer=staff, challenge=challenge, verified_only=False)
    assert unverified.verified is False

    services.vendor_verify(actor=staff, profile=profile, note="Checked the company register.")
    (match,) = selectors.vendor_matches(viewer=staff, challenge=challenge)
    assert match.profile == profile
    assert match.verified is True


def test_the_api_and_pages_say_who_verified(world, profile):
    staff = world.people["staff"]
    staff.full_name = "Ana Verifier"
    staff.save()
    answer = _api(world).post(
        f"/api/v1/market/vendors/{profile.pk}/verify",
        {"note": "Company register entry B-12345678 checked."},
        content_type="application/json",
    )
    assert answer.status_code == 200
    (verification,) = answer.json()["verifications"]
    assert verification["organization_id"] == world.unit.pk
    assert verification["organization_name"] == "Test Unit"
    assert verification["note"] == "Company register entry B-12345678 checked."
    assert verification["verified_at"]
    page = world.client("staff").get("/market/vendors/").content.decode()
    assert "Company register entry B-12345678 checked." in page
    assert "Ana Verifier" in page

    services.vendor_verify(actor=world.principal("outsider"), profile=profile, note="B's note")
    # unit A's page and API show only unit A's verification ...
    assert "B&#39;s note" not in world.client("staff").get("/market/vendors/").content.decode()
    assert len(_listed(_api(world))[profile.pk]["verifications"]) == 1
    # ... the vendor sees every unit that verified it
    vendor_view = _listed(_api(world, world.company))[profile.pk]["verifications"]
    assert {v["organization_name"] for v in vendor_view} == {"Test Unit", "Other Unit"}
    vendor_page = world.client("vendor").get("/market/vendor/").content.decode()
    assert "Other Unit" in vendor_page
    assert "Test Unit" in vendor_page


def test_a_changed_profile_voids_every_units_verification(world, profile):
    services.vendor_verify(actor=world.principal("staff"), profile=profile)
    services.vendor_verify(actor=world.principal("outsider"), profile=profile)
    vendor = world.principal("vendor")
    services.vendor_register(actor=vendor, organization=world.company, **PROFILE)
    assert profile.verifications.count() == 2  # saved unchanged: nothing to verify again

    changed = {**PROFILE, "sme_size": "medium"}
    services.vendor_register(actor=vendor, organization=world.company, **changed)
    assert profile.verifications.count() == 0
    resets = AuditEvent.objects.filter(action="market.vendor_verification_reset")
    assert set(resets.values_list("organization_id", flat=True)) == {
        world.unit.pk,
        world.other_unit.pk,
    }


def test_staff_of_several_units_say_which_unit_verifies(world, profile):
    person = world.people["staff"]
    MembershipFactory.create(person=person, organization=world.other_unit, role=Role.UNIT_STAFF)
    actor = principal_for_person(person)
    with pytest.raises(ValidationError) as refused:
        services.vendor_verify(actor=actor, profile=profile)
    assert "unit_id" in refused.value.message_dict
    services.vendor_verify(actor=actor, profile=profile, unit=world.other_unit)
    assert list(profile.verifications.values_list("organization_id", flat=True)) == [
        world.other_unit.pk
    ]
    # A unit named outside the actor's scope "does not exist" for them (the gate's one rule).
    with pytest.raises(Http404):
        services.vendor_verify(actor=world.principal("outsider"), profile=profile, unit=world.unit)


def _second_profile(name: str, slug: str) -> VendorProfile:
    rival = rival_vendor(name, slug)
    return services.vendor_register(
        actor=principal_for_person(rival.person), organization=rival.company, **PROFILE
    )


def test_existing_global_flags_move_to_the_unit_that_verified(world, profile):
    migration = importlib.import_module(
        "civicloop.market.migrations.0002_vendor_verification_per_unit"
    )
    outsider, staff = world.people["outsider"], world.people["staff"]
    by_audit = profile  # the old code filed its audit event under the verifying unit
    by_membership = _second_profile("Second SL", "second")  # no event: staff of one unit
    unknown = _second_profile("Third SL", "third")  # no event, no person: dropped
    now = timezone.now()
    VendorProfile.objects.filter(pk=by_audit.pk).update(verified_at=now, verified_by=outsider)
    VendorProfile.objects.filter(pk=by_membership.pk).update(verified_at=now, verified_by=staff)
    VendorProfile.objects.filter(pk=unknown.pk).update(verified_at=now, verified_by=None)
    audit_record(
        actor=principal_for_person(outsider),
        action="market.vendor_verified",
        obj=by_audit,
        organization=world.other_unit,
    )
    migration.verifications_per_unit(apps, None)
    migrated = {v.profile_id: v for v in VendorVerification.objects.all()}
    assert set(migrated) == {by_audit.pk, by_membership.pk}
    assert migrated[by_audit.pk].organization_id == world.other_unit.pk
    assert migrated[by_audit.pk].verified_by == outsider
    assert migrated[by_membership.pk].organization_id == world.unit.pk
    assert "migrated" in migrated[by_audit.pk].note


def test_the_vendor_sees_which_units_verified_it_but_not_who_or_the_evidence(world, profile):
    services.vendor_verify(
        actor=world.principal("staff"), profile=profile, note="Checked the company register."
    )
    as_vendor = _listed(world.client("vendor"))[profile.pk]
    [seen] = as_vendor["verifications"]
    assert seen["organization_id"] == world.unit.pk
    assert seen["verified_by"] is None
    assert seen["note"] == ""
    as_unit = _listed(world.client("staff"))[profile.pk]
    [own] = as_unit["verifications"]
    assert own["verified_by"] is not None
    assert own["note"] == "Checked the company register."
