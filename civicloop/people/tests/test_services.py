"""People management: invitations, roles, deactivation, and who may do it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import AuditEvent, Membership, OrganizationKind, Person, Role
from civicloop.core.permissions import principal_for_person
from civicloop.people import selectors, services
from civicloop.people.events import PeopleEvent
from civicloop.people.models import Invitation

BASE = "http://testserver/"
PASSWORD = "a-long-new-passphrase-42"


def _token(link: str) -> str:
    return re.search(r"token=([\w-]+)", link).group(1)  # type: ignore[union-attr]


def _invite(world, email="new.colleague@example.org", role=Role.EVALUATOR, org=None, **kw):
    return services.invitation_create(
        actor=world.principal("staff"),
        organization=org or world.unit,
        email=email,
        role=role,
        base_url=BASE,
        **kw,
    )


def test_invitation_is_mailed_and_accepting_creates_the_account_with_the_role(world):
    sent = _invite(world, full_name="Ana Pérez")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@example.org"]
    assert "Test Unit" in message.subject
    assert sent.link in message.body
    # only a hash of the token is stored
    token = _token(sent.link)
    stored = Invitation.objects.get()
    assert token not in stored.token_hash and stored.token_hash == selectors.token_hash(token)

    person = services.invitation_accept(token=token, password=PASSWORD)
    assert person.check_password(PASSWORD)
    assert person.full_name == "Ana Pérez"
    assert Membership.objects.filter(
        person=person, organization=world.unit, role=Role.EVALUATOR
    ).exists()
    assert EmailAddress.objects.get(user=person).verified
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert PeopleEvent.INVITATION_CREATED in actions
    assert PeopleEvent.INVITATION_ACCEPTED in actions
    assert "core.membership_added" in actions


def test_an_invitation_link_works_once(world):
    token = _token(_invite(world).link)
    services.invitation_accept(token=token, password=PASSWORD)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token, password=PASSWORD)
    assert "already been used" in caught.value.message_dict["token"][0]


def test_an_invitation_expires_after_the_configured_days(world, settings):
    settings.CIVICLOOP_INVITATION_EXPIRY_DAYS = 2
    sent = _invite(world)
    assert sent.invitation.expires_at - timezone.now() == pytest.approx(
        timedelta(days=2), abs=timedelta(seconds=30)
    )
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=_token(sent.link), password=PASSWORD)
    assert "expired" in caught.value.message_dict["token"][0]
    assert not Person.objects.filter(email="new.colleague@example.org").exists()


def test_resending_replaces_the_link_and_revoking_kills_it(world):
    first = _invite(world)
    again = services.invitation_resend(
        actor=world.principal("staff"), invitation=first.invitation, base_url=BASE
    )
    assert len(mail.outbox) == 2 and again.link in mail.outbox[1].body
    with pytest.raises(ValidationError):
        services.invitation_accept(token=_token(first.link), password=PASSWORD)
    services.invitation_revoke(actor=world.principal("staff"), invitation=again.invitation)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=_token(again.link), password=PASSWORD)
    assert "withdrawn" in caught.value.message_dict["token"][0]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {PeopleEvent.INVITATION_RESENT, PeopleEvent.INVITATION_REVOKED} <= actions


def test_a_weak_password_is_refused_naming_the_field(world):
    sent = _invite(world)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=_token(sent.link), password="short")
    assert "password" in caught.value.message_dict
    assert Invitation.objects.get().accepted_at is None


def test_bad_input_names_the_field(world):
    with pytest.raises(ValidationError) as caught:
        _invite(world, email="not-an-address")
    assert "email" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _invite(world, role=Role.VENDOR)  # vendors belong to companies, not units
    assert "role" in caught.value.message_dict
    _invite(world)
    with pytest.raises(ValidationError) as caught:
        _invite(world)
    assert "email" in caught.value.message_dict


@pytest.mark.parametrize("role", ["outsider", "evaluator", "auditor", "vendor", "official"])
def test_only_staff_of_the_unit_manage_its_people(world, role):
    actor = world.principal(role)
    membership = Membership.objects.get(person=world.people["evaluator"])
    with pytest.raises(Http404):
        services.invitation_create(
            actor=actor,
            organization=world.unit,
            email="x@example.org",
            role=Role.EVALUATOR,
            base_url=BASE,
        )
    with pytest.raises(Http404):
        services.membership_role_change(actor=actor, membership=membership, role=Role.AUDITOR)
    with pytest.raises(Http404):
        services.person_deactivate(actor=actor, person=world.people["evaluator"])
    with pytest.raises(Http404):
        selectors.person_get(viewer=actor, pk=world.people["evaluator"].pk)
    assert not selectors.membership_list(viewer=actor).filter(organization=world.unit).exists()


def test_staff_manage_their_agencies_but_not_another_units(world):
    staff = world.principal("staff")
    _invite(world, email="clerk@example.org", role=Role.AGENCY_OFFICIAL, org=world.agency)
    with pytest.raises(Http404):
        _invite(
            world,
            email="clerk2@example.org",
            role=Role.AGENCY_OFFICIAL,
            org=world.other_unit_agency,
        )
    # an unlinked company belongs to no unit: operators only
    with pytest.raises(Http404):
        _invite(world, email="dev@example.org", role=Role.VENDOR, org=world.company)
    orgs = set(selectors.manageable_organizations(viewer=staff).values_list("pk", flat=True))
    assert orgs == {world.unit.pk, world.agency.pk, world.other_agency.pk}


def test_only_operators_create_units(world):
    with pytest.raises(ValidationError) as caught:
        services.partner_organization_create(
            actor=world.principal("staff"), kind=OrganizationKind.UNIT, name="Rogue Unit"
        )
    assert "kind" in caught.value.message_dict
    agency = services.partner_organization_create(
        actor=world.principal("staff"),
        kind=OrganizationKind.AGENCY,
        name="Housing Agency",  # the slug is taken: a free one is chosen
        unit=world.unit,
    )
    assert agency.unit == world.unit and agency.slug == "housing-agency"
    operator = Person.objects.create_superuser(email="root@example.org", password=PASSWORD)
    unit = services.partner_organization_create(
        actor=principal_for_person(operator), kind=OrganizationKind.UNIT, name="New Unit"
    )
    assert unit.kind == OrganizationKind.UNIT and unit.unit is None
    created = AuditEvent.objects.filter(action="core.organization_created")
    assert created.count() == 2


def test_role_change_and_removal_are_audited_and_keep_one_role(world):
    staff = world.principal("staff")
    membership = Membership.objects.get(person=world.people["evaluator"])
    services.membership_role_change(actor=staff, membership=membership, role=Role.AUDITOR)
    membership.refresh_from_db()
    assert membership.role == Role.AUDITOR
    event = AuditEvent.objects.get(action=PeopleEvent.ROLE_CHANGED)
    assert event.after is not None
    assert event.before == {"role": "evaluator"} and event.after["role"] == "auditor"
    with pytest.raises(ValidationError) as caught:
        services.membership_remove(actor=staff, membership=membership)
    assert "role" in caught.value.message_dict
    extra = services.person_role_add(
        actor=staff, person=world.people["evaluator"], organization=world.unit, role=Role.EVALUATOR
    )
    services.membership_remove(actor=staff, membership=extra)
    assert AuditEvent.objects.filter(action=PeopleEvent.ROLE_REMOVED).count() == 1
    with pytest.raises(ValidationError) as caught:
        services.membership_role_change(
            actor=staff,
            membership=Membership.objects.get(person=world.people["staff"]),
            role=Role.AUDITOR,
        )
    assert "person" in caught.value.message_dict


def test_deactivation_needs_every_role_in_the_admins_scope(world):
    person = world.people["evaluator"]
    services.person_role_add  # noqa: B018 - the other unit's staff gives them a role there
    Membership.objects.create(person=person, organization=world.other_unit, role=Role.AUDITOR)
    with pytest.raises(ValidationError) as caught:
        services.person_deactivate(actor=world.principal("staff"), person=person)
    assert "person" in caught.value.message_dict
    person.refresh_from_db()
    assert person.is_active
