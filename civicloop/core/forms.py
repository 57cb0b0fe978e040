from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses this key, e.g. 'Housing case system'."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiKeyScope.choices,
        widget=forms.RadioSelect,
        initial=ApiKeyScope.READ,
    )
