from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.evidence.models import Design, EffectRole


class EffectEstimateForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=200)
    role = forms.ChoiceField(label=_("Role in the report"), choices=EffectRole.choices)
    unit = forms.CharField(
        label=_("Unit of the effect"), max_length=30, help_text=_("pp, %, days, EUR…")
    )
    estimate = forms.FloatField(label=_("Effect (treatment minus comparison)"))
    std_error = forms.FloatField(label=_("Standard error"), min_value=0)
    lower_is_better = forms.BooleanField(label=_("Lower is better"), required=False)
    design = forms.ChoiceField(label=_("Design"), choices=Design.choices)
    group = forms.CharField(
        label=_("Target group (empty for everyone)"), required=False, max_length=200
    )
    service_name = forms.CharField(label=_("Service"), required=False, max_length=200)
    srm_p_value = forms.FloatField(label=_("Sample-ratio check p-value"), required=False)
    pretrend_p_value = forms.FloatField(label=_("Pre-trend test p-value"), required=False)
    source = forms.CharField(label=_("Source"), max_length=300)


class ShareForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days until the link expires"), min_value=1, max_value=90, initial=30
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", _("English")), ("es", _("Spanish"))]
    )
    label = forms.CharField(label=_("Who is it for? (optional)"), required=False, max_length=200)
