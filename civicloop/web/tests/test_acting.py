"""Pages never act for the first of several units silently (core.permissions.acting_unit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory

from civicloop.core.models import Role
from civicloop.core.permissions import Ability
from civicloop.core.tests.factories import MembershipFactory, PersonFactory, UnitFactory
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors

pytestmark = pytest.mark.django_db


def _request(person, **query):
    request = RequestFactory().get("/x/", query)
    request.user = person
    return request


def test_one_unit_needs_no_choice_and_several_ask():
    person = PersonFactory.create()
    first, second = UnitFactory.create(name="A"), UnitFactory.create(name="B")
    MembershipFactory.create(person=person, organization=first, role=Role.UNIT_STAFF)
    assert page_unit(_request(person), Ability.MANAGE_EXPERIMENTS) == first
    MembershipFactory.create(person=person, organization=second, role=Role.UNIT_STAFF)
    assert page_unit(_request(person), Ability.MANAGE_EXPERIMENTS) is None
    assert page_unit(_request(person, unit=second.pk), Ability.MANAGE_EXPERIMENTS) == second
    page = choose_unit(_request(person, x="1"), Ability.MANAGE_EXPERIMENTS, title="New service")
    html = page.content.decode()
    assert f'value="{first.pk}"' in html and f'value="{second.pk}"' in html
    assert 'name="x" value="1"' in html  # the rest of the query is kept


def test_a_unit_outside_scope_or_no_unit_is_not_found():
    person = PersonFactory.create()
    MembershipFactory.create(person=person, organization=UnitFactory.create(), role=Role.AUDITOR)
    other = UnitFactory.create()
    with pytest.raises(Http404):
        page_unit(_request(person, unit=other.pk), Ability.VIEW_PORTFOLIO)
    with pytest.raises(Http404):
        page_unit(_request(person, unit="1 OR 1=1"), Ability.VIEW_PORTFOLIO)
    with pytest.raises(Http404):  # an auditor manages no experiments anywhere
        page_unit(_request(person), Ability.MANAGE_EXPERIMENTS)


def test_apply_errors_puts_each_message_beside_its_field_or_in_the_summary():
    from django import forms

    class F(forms.Form):
        title = forms.CharField()

    form = F({"title": "x"})
    form.is_valid()
    apply_errors(form, ValidationError({"title": "Too short.", "unit_id": "Say which."}))
    assert form.errors["title"] == ["Too short."]
    assert form.non_field_errors() == ["Say which."]
    form2 = F({"title": "x"})
    form2.is_valid()
    apply_errors(form2, ValidationError("Plainly wrong."))
    assert form2.non_field_errors() == ["Plainly wrong."]
