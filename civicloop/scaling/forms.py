from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.scaling.models import Domain, LessonOutcome, ObstacleKind, ObstacleStatus

SCORES = [(i, str(i)) for i in range(1, 6)]


class DateInput(forms.DateInput):
    input_type = "date"


class AssessmentForm(forms.Form):
    problem = forms.TypedChoiceField(label=_("Problem"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(label=_("Scope of the scale-up"), required=False, widget=forms.Textarea)

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p.pk, p.title) for p in problems]


class ScoreForm(forms.Form):
    domain = forms.ChoiceField(label=_("Domain"), choices=Domain.choices)
    score = forms.TypedChoiceField(
        label=_("Rating (1 major concerns – 5 strong)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ObstacleForm(forms.Form):
    problem = forms.TypedChoiceField(label=_("Problem"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=ObstacleKind.choices)
    title = forms.CharField(label=_("Obstacle"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.TypedChoiceField(label=_("Severity"), choices=SCORES, coerce=int)
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), choices=SCORES, coerce=int)
    owner_label = forms.CharField(label=_("Owner"), max_length=200, required=False)
    mitigation = forms.CharField(
        label=_("Mitigation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    jurisdiction = forms.TypedChoiceField(
        label=_("Jurisdiction"), coerce=int, required=False, empty_value=None
    )
    proposed_rule_change = forms.CharField(
        label=_("Proposed rule change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, problems=(), jurisdictions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [(p.pk, p.title) for p in problems]
        self.fields["jurisdiction"].choices = [("", "—")] + [(j.pk, j.name) for j in jurisdictions]


class ObstacleStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ObstacleStatus.choices)


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    effect = forms.TypedChoiceField(label=_("Effect to project"), coerce=int)
    outcome_scale = forms.FloatField(
        label=_("Outcome scale"),
        initial=1.0,
        help_text=_("Multiply the effect by this (0.01 for percentage points)."),
    )
    tau = forms.FloatField(label=_("Between-site heterogeneity τ (outcome units)"), min_value=0)
    horizon_years = forms.IntegerField(
        label=_("Horizon (years)"), min_value=1, max_value=30, initial=5
    )

    def __init__(self, *args, effects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effect"].choices = [
            (e.pk, f"{e.outcome} {e.group or ''} ({e.estimate:+.3g} {e.unit})") for e in effects
        ]


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("Jurisdiction or agency"), max_length=200)
    annual_volume = forms.IntegerField(label=_("Annual volume"), min_value=0)
    cost_per_transaction = forms.DecimalField(label=_("Cost per transaction"), min_value=0)
    value_per_outcome_unit = forms.DecimalField(label=_("Value of one outcome unit"), min_value=0)
    context_similarity = forms.FloatField(
        label=_("Context similarity (0–1)"), min_value=0, max_value=1
    )
    one_off_cost = forms.DecimalField(label=_("One-off cost to scale"), min_value=0, initial=0)
    annual_running_cost = forms.DecimalField(label=_("Annual running cost"), min_value=0, initial=0)


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson"), max_length=200)
    outcome = forms.ChoiceField(label=_("Did it work?"), choices=LessonOutcome.choices)
    what_we_learnt = forms.CharField(label=_("What we learnt"), widget=forms.Textarea)
    context = forms.CharField(
        label=_("Context"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    iteration_label = forms.CharField(label=_("Iteration"), required=False, max_length=200)
    tags = forms.CharField(label=_("Tags (comma-separated)"), required=False, max_length=300)
