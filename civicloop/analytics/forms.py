"""Forms of the analytics pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from civicloop.analytics.models import Aggregation, Metric, MetricSource
from civicloop.core.models import Organization


class MetricForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    key = forms.SlugField(
        label=gettext_lazy("Key"),
        max_length=64,
        help_text=gettext_lazy("Lower-case letters, digits, '-' and '_'; used in the API."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea, required=False
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Data source"),
        choices=MetricSource.choices,
        widget=forms.RadioSelect,
        initial=MetricSource.EVENTS,
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("Aggregation per person"),
        required=False,
        choices=[("", "–"), *Aggregation.choices],
    )
    event_name = forms.CharField(label=gettext_lazy("Event name"), required=False, max_length=128)
    custom_sql = forms.CharField(
        label=gettext_lazy("Custom query (instead of an event name)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "For analysts: one SELECT over events returning unit_id, ts and value, in "
            "CivicLoop's metric language (see the analytics guide, custom metrics)."
        ),
    )
    window_hours = forms.IntegerField(
        label=gettext_lazy("Window after first exposure (hours)"), required=False, min_value=1
    )
    pre_window_hours = forms.IntegerField(
        label=gettext_lazy("CUPED covariate window before first exposure (hours)"),
        required=False,
        min_value=0,
        initial=168,
        help_text=gettext_lazy(
            "Each person's value of this metric in these hours before they first saw the "
            "experiment is used as a covariate (CUPED), which narrows the intervals when "
            "behaviour before and after is related. 0 turns it off; left empty, 168 hours "
            "(one week). Not used by ratio metrics."
        ),
    )
    numerator = forms.ModelChoiceField(
        label=gettext_lazy("Numerator (ratio metrics)"),
        queryset=Metric.objects.none(),
        required=False,
    )
    denominator = forms.ModelChoiceField(
        label=gettext_lazy("Denominator (ratio metrics)"),
        queryset=Metric.objects.none(),
        required=False,
    )
    higher_is_better = forms.TypedChoiceField(
        label=gettext_lazy("Direction"),
        coerce=lambda v: v == "True",
        initial="True",
        choices=[
            ("True", gettext_lazy("Higher is better")),
            ("False", gettext_lazy("Lower is better")),
        ],
    )
    unit_label = forms.CharField(
        label=gettext_lazy("Unit of measure"), required=False, max_length=30
    )

    def clean_pre_window_hours(self) -> int:
        value = self.cleaned_data.get("pre_window_hours")
        return 168 if value is None else value

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        parts = Metric.objects.filter(unit=unit, aggregation__in=["count", "sum", "any"])
        self.fields["numerator"].queryset = parts  # type: ignore[attr-defined]
        self.fields["denominator"].queryset = parts  # type: ignore[attr-defined]
