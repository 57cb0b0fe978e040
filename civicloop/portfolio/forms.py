"""Forms only parse and validate shapes; services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Organization, OrganizationKind
from civicloop.portfolio.kpi_templates import KPI_TEMPLATES
from civicloop.portfolio.models import Direction, Facet, KpiCategory, Problem, Stage, TargetGroup
from civicloop.portfolio.services.problems import PROBLEM_FIELDS  # stored as they are shown

SCORE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class DateInput(forms.DateInput):
    input_type = "date"


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, min_length=3)
    statement = forms.CharField(
        label=_("Problem statement"),
        widget=forms.Textarea,
        min_length=10,
        help_text=_("Who has the problem, what happens to them, and what it costs."),
    )
    causes = forms.CharField(label=_("Causes"), widget=forms.Textarea, required=False)
    owner_agency = forms.ModelChoiceField(
        label=_("Owning agency"), queryset=Organization.objects.none()
    )
    facet = forms.ChoiceField(
        label=_("Innovation facet (OECD OPSI)"), choices=Facet.choices, widget=forms.RadioSelect
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_("Affected social groups"),
        queryset=TargetGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )
    sdg_target = forms.RegexField(
        label=_("SDG target"),
        regex=r"^\d{1,2}\.[0-9a-z]{1,2}$",
        required=False,
        help_text=_("For example 11.1"),
        error_messages={"invalid": _("Write an SDG target like 11.1 or 3.8.")},
    )
    impact = forms.TypedChoiceField(
        label=_("Impact (1–5)"), choices=SCORE_CHOICES, coerce=int, initial=3
    )
    reach = forms.TypedChoiceField(
        label=_("Reach (1–5)"), choices=SCORE_CHOICES, coerce=int, initial=3
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency (1–5)"), choices=SCORE_CHOICES, coerce=int, initial=3
    )
    effort = forms.TypedChoiceField(
        label=_("Effort (1–5)"), choices=SCORE_CHOICES, coerce=int, initial=3
    )

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            unit=unit, kind=OrganizationKind.AGENCY
        )
        self.fields["target_groups"].queryset = TargetGroup.objects.filter(unit=unit)  # type: ignore[attr-defined]

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]

    @staticmethod
    def initial_for(problem: Problem) -> dict[str, Any]:
        """The form's values for an existing problem (the edit page)."""
        return {
            **{name: getattr(problem, name) for name in PROBLEM_FIELDS},
            "owner_agency": problem.owner_agency_id,
            "target_groups": [t.pk for t in problem.target_groups.all()],
            "tags": ", ".join(t.name for t in problem.tags.all()),
        }

    def problem_fields(self) -> dict[str, Any]:
        """What `problem_create` and `problem_update` take from a valid form."""
        data = self.cleaned_data
        return {
            **{name: data[name] for name in PROBLEM_FIELDS},
            "owner_agency": data["owner_agency"],
            "target_groups": list(data["target_groups"]),
            "tags": self.tag_list(),
        }


class StageMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to stage"), choices=Stage.choices)
    rationale = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Required when you skip a gate, close or reopen the problem."),
    )


class TargetGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    estimated_size = forms.IntegerField(
        label=_("Estimated size (people)"), min_value=0, required=False
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    how_reached = forms.CharField(
        label=_("How they are reached"), widget=forms.Textarea, required=False
    )


TEMPLATE_CHOICES = [("", _("Custom KPI"))] + [(k, t.name) for k, t in KPI_TEMPLATES.items()]


class KpiForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from"), choices=TEMPLATE_CHOICES, required=False)
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the template's name."),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *KpiCategory.choices], required=False
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=30, required=False, help_text=_("%, EUR, days…")
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "—"), *Direction.choices], required=False
    )
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea, required=False)
    baseline_value = forms.DecimalField(label=_("Baseline value"), max_digits=18, decimal_places=4)
    baseline_date = forms.DateField(label=_("Baseline date"), widget=DateInput)
    baseline_source = forms.CharField(label=_("Baseline source"), max_length=300)
    target_value = forms.DecimalField(label=_("Target value"), max_digits=18, decimal_places=4)
    target_date = forms.DateField(label=_("Target date"), widget=DateInput)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("template"):
            for name in ("name", "category", "unit", "direction"):
                if not data.get(name):
                    self.add_error(name, _("Required for a custom KPI (or choose a template)."))
        if (
            data.get("baseline_date")
            and data.get("target_date")
            and data["target_date"] <= data["baseline_date"]
        ):
            self.add_error("target_date", _("The target date must be after the baseline date."))
        return data


class MeasurementForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MeasurementImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: kpi_id, date (YYYY-MM-DD), value; optional source, note."),
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload
