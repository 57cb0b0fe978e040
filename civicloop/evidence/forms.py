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


class ServiceFiguresForm(forms.Form):
    service_name = forms.CharField(label=_("Service"), max_length=200)
    annual_volume = forms.IntegerField(label=_("Transactions per year"), min_value=0)
    volume_std_error = forms.FloatField(
        label=_("Standard error of the volume"), min_value=0, initial=0
    )
    cost_per_transaction = forms.DecimalField(label=_("Cost per transaction"), min_value=0)
    value_per_outcome_unit = forms.DecimalField(
        label=_("Money value of one unit of the outcome"),
        min_value=0,
        required=False,
        help_text=_(
            "In the currency below; 1 when the effect is already money per transaction. "
            "Leave empty if unknown: the report then shows no savings."
        ),
    )
    outcome_scale = forms.FloatField(
        label=_("Outcome scale"),
        initial=1.0,
        help_text=_(
            "Multiply the effect by this to get outcome units (0.01 for percentage points)."
        ),
    )
    one_off_cost = forms.DecimalField(
        label=_("One-off cost of the intervention"),
        min_value=0,
        required=False,
        help_text=_("In the currency below. Leave empty if unknown: no payback is shown."),
    )
    annual_running_cost = forms.DecimalField(
        label=_("Annual running cost"),
        min_value=0,
        required=False,
        help_text=_("In the currency below, per year. Leave empty if unknown."),
    )
    currency = forms.CharField(
        label=_("Currency (ISO 4217)"), min_length=3, max_length=3, initial="EUR"
    )
    source = forms.CharField(label=_("Source"), max_length=300)


class ThemeForm(forms.Form):
    label = forms.CharField(label=_("Theme"), max_length=200)
    mentions = forms.IntegerField(label=_("Mentions"), min_value=0)
    sentiment = forms.FloatField(
        label=_("Sentiment (-1 to 1)"), min_value=-1, max_value=1, initial=0
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea)
    source = forms.CharField(label=_("Source"), max_length=300)
