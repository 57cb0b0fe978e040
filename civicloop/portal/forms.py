from django import forms
from django.utils.translation import gettext_lazy as _


class SummaryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    said = forms.CharField(
        label=_("What citizens said"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Themes and counts, in plain words. Never quote a comment or name anyone."),
    )
    tried = forms.CharField(label=_("What we tried"), widget=forms.Textarea(attrs={"rows": 4}))
    changed = forms.CharField(
        label=_("What it changed, and what we decided"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    effect_label = forms.CharField(label=_("What was measured"), max_length=200, required=False)
    effect_unit = forms.CharField(
        label=_("Unit of the measured effect"),
        max_length=40,
        required=False,
        help_text=_("For example: days, percentage points, EUR."),
    )
