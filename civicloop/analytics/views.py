"""Analytics pages: the unit's reusable metrics."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from civicloop.analytics import selectors, services
from civicloop.analytics.models import Aggregation, Metric, MetricSource
from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability


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

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        parts = Metric.objects.filter(unit=unit, aggregation__in=["count", "sum", "any"])
        self.fields["numerator"].queryset = parts  # type: ignore[attr-defined]
        self.fields["denominator"].queryset = parts  # type: ignore[attr-defined]


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    for name, msgs in error.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_PORTFOLIO):
        raise Http404("Not found")
    return render(
        request,
        "analytics/metrics.html",
        {
            "page_title": _("Metrics"),
            "metrics": list(selectors.metric_list(viewer=viewer)),
            "can_edit": bool(viewer.units_with(Ability.MANAGE_EXPERIMENTS)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = sorted(viewer.units_with(Ability.MANAGE_EXPERIMENTS))
    if not units:
        raise Http404("Not found")
    unit = Organization.objects.get(pk=units[0])
    form = MetricForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.metric_create(
                actor=viewer,
                unit=unit,
                key=data["key"],
                name=data["name"],
                description=data["description"],
                source=data["source"],
                aggregation=data["aggregation"] or "",
                event_name=data["event_name"],
                custom_sql=data["custom_sql"],
                window_hours=data["window_hours"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                higher_is_better=data["higher_is_better"],
                unit_label=data["unit_label"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Metric defined."))
            return redirect("analytics:home")
    return render(
        request,
        "analytics/metric_form.html",
        {
            "page_title": _("Define a metric"),
            "form": form,
            "submit": _("Save metric"),
        },
    )
