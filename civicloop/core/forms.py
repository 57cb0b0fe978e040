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


class PrioritisationWeightsForm(forms.Form):
    """Exponents of impact × reach × urgency ÷ effort; 1 each weighs them equally."""

    impact = forms.FloatField(label=_("Impact weight"), min_value=0, max_value=5, initial=1)
    reach = forms.FloatField(label=_("Reach weight"), min_value=0, max_value=5, initial=1)
    urgency = forms.FloatField(label=_("Urgency weight"), min_value=0, max_value=5, initial=1)
    effort = forms.FloatField(label=_("Effort weight"), min_value=0, max_value=5, initial=1)
