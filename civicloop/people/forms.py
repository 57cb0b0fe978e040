"""Forms of the people pages: they parse; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import OrganizationKind, SmeSize
from civicloop.people.selectors import role_choices


class InvitationForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name (optional)"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, initial="en"
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organization"]).choices = [
            (o.pk, f"{o.name} ({o.get_kind_display()})") for o in organizations
        ]
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices()


class OrganizationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of organisation"))
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.TypedChoiceField(label=_("Works with the unit"), coerce=int, required=False)
    country = forms.CharField(label=_("Country (ISO code, optional)"), max_length=2, required=False)
    population = forms.IntegerField(
        label=_("Population (jurisdictions only)"), min_value=0, required=False
    )
    sme_size = forms.ChoiceField(
        label=_("Size (companies only)"),
        choices=[("", _("Not a company"))] + list(SmeSize.choices),
        required=False,
    )

    def __init__(self, *args, units=(), may_create_unit=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(k, label) for k, label in OrganizationKind.choices if k != OrganizationKind.UNIT]
        if may_create_unit:
            kinds.insert(0, (OrganizationKind.UNIT.value, OrganizationKind.UNIT.label))
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
        cast(forms.ChoiceField, self.fields["unit"]).choices = [
            ("", _("None (a new unit)"))
        ] * may_create_unit + [(u.pk, u.name) for u in units]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = list(roles)


class AddRoleForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organization"]).choices = [
            (o.pk, o.name) for o in organizations
        ]
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices()


class AcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=200, required=False)
    password1 = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Type the password again"), widget=forms.PasswordInput)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class ColleagueForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))
    full_name = forms.CharField(label=_("Colleague's name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=[("en", "English"), ("es", "Español")]
    )
