"""Forms only parse and validate shapes; services apply the rules."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from civicloop.analytics.models import Metric
from civicloop.core.models import Organization, OrganizationKind
from civicloop.experiments import selectors
from civicloop.experiments.models import (
    Channel,
    DecisionKind,
    Design,
    ResultSnapshot,
    StopReason,
)
from civicloop.portfolio.models import Kpi, Problem


class DateInput(forms.DateInput):
    input_type = "date"


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Service name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    owner_agency = forms.ModelChoiceField(
        label=_("Owning agency"), queryset=Organization.objects.none()
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    annual_volume = forms.IntegerField(label=_("Transactions per year"), min_value=0)
    cost_per_transaction = forms.DecimalField(
        label=_("Cost per transaction"), min_value=0, max_digits=12, decimal_places=2
    )
    currency = forms.RegexField(
        label=_("Currency (ISO 4217)"), regex=r"^[A-Za-z]{3}$", initial="EUR", max_length=3
    )
    problems = forms.ModelMultipleChoiceField(
        label=_("Problems it addresses"),
        queryset=Problem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kpis = forms.ModelMultipleChoiceField(
        label=_("Its KPIs"),
        queryset=Kpi.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_with = forms.ModelMultipleChoiceField(
        label=_("Share with vendors"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Vendors see this service, its iterations and results."),
    )

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            unit=unit, kind=OrganizationKind.AGENCY
        ).order_by("name")
        self.fields["problems"].queryset = Problem.objects.filter(  # type: ignore[attr-defined]
            unit=unit
        ).order_by("title")
        self.fields["kpis"].queryset = (  # type: ignore[attr-defined]
            Kpi.objects.filter(problem__unit=unit).select_related("problem").order_by("name")
        )
        self.fields["shared_with"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            kind=OrganizationKind.COMPANY
        ).order_by("name")


class IterationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    what_changes = forms.CharField(label=_("What changes"), widget=forms.Textarea)
    hypothesis_change = forms.CharField(
        label=_("If we…"), max_length=300, help_text=_("e.g. send an SMS two weeks before expiry")
    )
    hypothesis_metric = forms.CharField(label=_("then (metric)…"), max_length=200)
    hypothesis_group = forms.CharField(label=_("for (target group)…"), max_length=200)
    hypothesis_effect = forms.CharField(label=_("improves by…"), max_length=100)
    hypothesis_because = forms.CharField(label=_("because…"), max_length=500)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    evaluation_plan = forms.CharField(label=_("How it will be evaluated"), widget=forms.Textarea)
    reason = forms.CharField(
        label=_("Reason for the change (pre-registered plans only)"),
        widget=forms.Textarea,
        required=False,
    )


def parse_variants(text: str) -> list[dict]:
    """'control:1, sms:1' → [{"key": "control", "weight": 1}, {"key": "sms", "weight": 1}]."""
    variants = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        key, _sep, weight = part.partition(":")
        try:
            variants.append({"key": key.strip(), "weight": int(weight or 1)})
        except ValueError:
            raise ValidationError(_("Write variants as key:weight, separated by commas.")) from None
    return variants


class ExperimentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    key = forms.SlugField(
        label=_("Key"),
        max_length=64,
        help_text=_("Used by the SDK, the events and the assignment API."),
    )
    design = forms.ChoiceField(label=_("Design"), choices=Design.choices, widget=forms.RadioSelect)
    variants = forms.CharField(
        label=_("Variants (randomised designs)"),
        required=False,
        initial="control:1, treatment:1",
        help_text=_("key:weight, separated by commas"),
    )
    control_variant = forms.CharField(
        label=_("Control variant"), initial="control", required=False, max_length=64
    )
    traffic_percent = forms.IntegerField(
        label=_("Share of traffic in the experiment (%)"), min_value=1, max_value=100, initial=100
    )
    primary = forms.ModelChoiceField(label=_("Primary metric"), queryset=Metric.objects.none())
    secondary = forms.ModelMultipleChoiceField(
        label=_("Secondary metrics"),
        queryset=Metric.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guardrail = forms.ModelChoiceField(
        label=_("Guardrail metric"), queryset=Metric.objects.none(), required=False
    )
    guardrail_margin = forms.FloatField(
        label=_("Guardrail non-inferiority margin"),
        required=False,
        min_value=0,
        help_text=_("The largest harm you accept, in the metric's units"),
    )
    analysis_plan = forms.CharField(label=_("Analysis plan"), widget=forms.Textarea)
    alpha = forms.FloatField(label=_("Significance level"), initial=0.05)
    planned_days = forms.IntegerField(label=_("Planned duration (days)"), min_value=1, initial=28)
    intervention_date = forms.DateField(
        label=_("Intervention date (non-randomised designs)"), required=False, widget=DateInput
    )

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        metrics = Metric.objects.filter(unit=unit).order_by("name")
        for name in ("primary", "secondary", "guardrail"):
            self.fields[name].queryset = metrics  # type: ignore[attr-defined]

    def clean_variants(self) -> list[dict]:
        return parse_variants(self.cleaned_data.get("variants") or "")

    def metric_choices(self) -> list[tuple[Metric, str, float | None]]:
        data = self.cleaned_data
        out: list[tuple[Metric, str, float | None]] = [(data["primary"], "primary", None)]
        out += [(m, "secondary", None) for m in data["secondary"]]
        if data.get("guardrail"):
            out.append((data["guardrail"], "guardrail", data.get("guardrail_margin")))
        return out


class PlanEditForm(forms.Form):
    analysis_plan = forms.CharField(label=_("Analysis plan"), widget=forms.Textarea)
    planned_days = forms.IntegerField(label=_("Planned duration (days)"), min_value=1)
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Required once the plan is locked: the change is shown as a deviation."),
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"), choices=DecisionKind.choices, widget=forms.RadioSelect
    )
    stop_reason = forms.ChoiceField(
        label=_("Early stop"), choices=StopReason.choices, required=False, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Cite the results (and citizen feedback) that justify the decision."),
    )
    cited_results = forms.MultipleChoiceField(
        label=_("Results cited"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, snapshots=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cited_results"]).choices = [
            (str(s.pk), _cited_label(s)) for s in snapshots
        ]


def _cited_label(snapshot: ResultSnapshot) -> str:
    """A result to cite, named by its experiment, time and primary effect with its interval."""
    when = formats.date_format(timezone.localtime(snapshot.computed_at), "j M Y, H:i")
    label = f"{snapshot.experiment.title} — {when}"
    evidence = selectors.result_evidence(snapshot)
    if evidence.rows and evidence.rows[0].effect_text and not evidence.rows[0].error:
        row = evidence.rows[0]
        return str(
            _("%(label)s: %(metric)s %(effect)s, interval %(interval)s")
            % {
                "label": label,
                "metric": row.metric,
                "effect": row.effect_text,
                "interval": row.interval_text,
            }
        )
    if evidence.site is not None and evidence.site.effect_text:
        return str(
            _("%(label)s: effect %(effect)s")
            % {"label": label, "effect": evidence.site.effect_text}
        )
    return label


class PowerForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.none())
    baseline = forms.FloatField(label=_("Baseline (rate 0–1, or mean)"))
    sd = forms.FloatField(label=_("Standard deviation (means only)"), required=False, min_value=0)
    mde_percent = forms.FloatField(
        label=_("Smallest relative effect worth detecting (%)"), min_value=0.1, initial=10
    )

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = Metric.objects.filter(unit=unit, source="events")  # type: ignore[attr-defined]


class SiteObservationsUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text = _(
            "Columns site, period, outcome and optionally treated; UTF-8 text, at most %(n)s MB."
        ) % {"n": max_bytes // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is larger than %(n)s MB.") % {"n": self.max_bytes // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("Upload a .csv file."))
        return upload
