from __future__ import annotations

from typing import cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civicloop.evidence.models import Design
from civicloop.scaling.models import Domain, LessonOutcome, ObstacleKind, ObstacleStatus
from civicloop.web import numbers

SCORES = [(i, str(i)) for i in range(1, 6)]


class DateInput(forms.DateInput):
    input_type = "date"


class AssessmentForm(forms.Form):
    problem = forms.TypedChoiceField(label=_("Problem"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(label=_("Scope of the scale-up"), required=False, widget=forms.Textarea)

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["problem"]).choices = [
            (p.pk, p.title) for p in problems
        ]


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
        cast(forms.ChoiceField, self.fields["problem"]).choices = [
            (p.pk, p.title) for p in problems
        ]
        cast(forms.ChoiceField, self.fields["jurisdiction"]).choices = [("", "—")] + [
            (j.pk, j.name) for j in jurisdictions
        ]


class ObstacleStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ObstacleStatus.choices)


def _effect_label(outcome: str, estimate: float, low: float, high: float, unit: str) -> str:
    return _("%(outcome)s: %(estimate)s %(unit)s (95%% interval %(low)s to %(high)s)") % {
        "outcome": outcome,
        "estimate": numbers.significant(estimate, 3, sign=True),
        "unit": unit,
        "low": numbers.significant(low, 3, sign=True),
        "high": numbers.significant(high, 3, sign=True),
    }


class PlanForm(forms.Form):
    """A plan from a recorded effect ("e:<id>") or one an experiment measured ("x:<choice>")."""

    title = forms.CharField(label=_("Title"), max_length=200)
    effect = forms.ChoiceField(
        label=_("Effect to project"),
        help_text=_(
            "A recorded effect, or a result measured by one of the unit's experiments: its "
            "effect, interval and unit are copied, not retyped."
        ),
    )
    outcome_scale = forms.FloatField(
        label=_("Outcome scale (outcome units per unit of the effect)"),
        initial=1.0,
        help_text=_(
            "Multiply the effect by this to get the outcome unit that a candidate's value per "
            "outcome unit prices: 0.01 turns percentage points into a proportion."
        ),
    )
    tau = forms.FloatField(
        label=_("Between-site heterogeneity τ (in the effect's unit)"),
        min_value=0,
        help_text=_(
            "The standard deviation of the effect between sites, in the same unit as the effect "
            "you chose (pp if it is in pp). At most 5 times the effect's size."
        ),
    )
    horizon_years = forms.IntegerField(
        label=_("Horizon (years)"), min_value=1, max_value=30, initial=5
    )

    def __init__(self, *args, effects=(), measured=(), **kwargs):
        super().__init__(*args, **kwargs)
        # One flat list (the design system's select has no option groups), each option saying
        # where its figures come from.
        recorded = [
            (
                f"e:{e.pk}",
                _("Recorded: %(effect)s")
                % {
                    "effect": _effect_label(
                        f"{e.outcome} {e.group}".strip(),
                        e.estimate,
                        e.estimate - 1.959964 * e.std_error,
                        e.estimate + 1.959964 * e.std_error,
                        e.unit,
                    )
                },
            )
            for e in effects
        ]
        from_experiments = [
            (
                f"x:{m.choice}",
                _("Measured by experiment %(key)s (%(variant)s): %(effect)s")
                % {
                    "key": m.experiment_key,
                    "variant": m.variant,
                    "effect": _effect_label(m.outcome, m.estimate, m.ci_low, m.ci_high, m.unit),
                },
            )
            for m in measured
        ]
        cast(forms.ChoiceField, self.fields["effect"]).choices = recorded + from_experiments


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("Jurisdiction or agency"), max_length=200)
    annual_volume = forms.IntegerField(
        label=_("Annual volume (transactions per year)"), min_value=0
    )
    cost_per_transaction = forms.DecimalField(
        label=_("Cost per transaction (in the plan's currency)"), min_value=0
    )
    value_per_outcome_unit = forms.DecimalField(
        label=_("Value of one outcome unit (in the plan's currency)"), min_value=0
    )
    context_similarity = forms.FloatField(
        label=_("Context similarity (0–1)"), min_value=0, max_value=1
    )
    one_off_cost = forms.DecimalField(
        label=_("One-off cost to scale (in the plan's currency)"), min_value=0
    )
    annual_running_cost = forms.DecimalField(
        label=_("Annual running cost (in the plan's currency, per year)"), min_value=0
    )


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson"), max_length=200)
    outcome = forms.ChoiceField(label=_("Did it work?"), choices=LessonOutcome.choices)
    what_we_learnt = forms.CharField(label=_("What we learnt"), widget=forms.Textarea)
    context = forms.CharField(
        label=_("Context"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    iteration_label = forms.CharField(label=_("Iteration"), required=False, max_length=200)
    tags = forms.CharField(label=_("Tags (comma-separated)"), required=False, max_length=300)


class SandboxApplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    public_summary = forms.CharField(
        label=_("Public summary (no personal data)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    regulator = forms.CharField(label=_("Regulator or rule owner"), max_length=200)
    problem = forms.TypedChoiceField(
        label=_("Problem"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["problem"]).choices = [("", "—")] + [
            (p.pk, p.title) for p in problems
        ]


CRITERIA_LABELS = {
    "in_scope": _("In scope: the rule is one the regulator can waive or relax"),
    "genuine_innovation": _("Genuine innovation: not available under current rules"),
    "citizen_benefit": _("Citizen benefit: identifiable benefit to citizens"),
    "readiness": _("Readiness: ready to test with real participants"),
    "need": _("Need: a sandbox is genuinely needed to test it"),
}


class EligibilityForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA_LABELS.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)
            short = key.replace("_", " ")
            self.fields[f"{key}_why"] = forms.CharField(
                label=format_lazy("{} ({})", _("Why"), short), max_length=1000
            )


class SandboxPlanForm(forms.Form):
    rule_waived = forms.CharField(
        label=_("Rule waived or relaxed"), widget=forms.Textarea(attrs={"rows": 2})
    )
    relaxation = forms.CharField(
        label=_("How it is relaxed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    safeguards = forms.CharField(label=_("Safeguards"), widget=forms.Textarea(attrs={"rows": 3}))
    participants = forms.CharField(label=_("Participants (groups, not names)"), max_length=1000)
    participant_limit = forms.IntegerField(
        label=_("Participant limit"), min_value=1, required=False
    )
    exit_criteria = forms.CharField(
        label=_("Exit criteria"), widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)


class SandboxExtendForm(forms.Form):
    until = forms.DateField(label=_("Extend until"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class SandboxReportForm(forms.Form):
    period_end = forms.DateField(label=_("Period ending"), widget=DateInput)
    participants = forms.IntegerField(label=_("Participants so far"), min_value=0)
    incidents = forms.IntegerField(label=_("Incidents"), min_value=0, initial=0)
    safeguards_held = forms.BooleanField(label=_("Safeguards held"), required=False, initial=True)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))


class SandboxExitForm(forms.Form):
    exited_on = forms.DateField(label=_("Exited on"), widget=DateInput)
    exit_report = forms.CharField(label=_("Exit report"), widget=forms.Textarea(attrs={"rows": 4}))


class SandboxLearningForm(forms.Form):
    learning = forms.CharField(
        label=_("What the sandbox taught about the rules"), widget=forms.Textarea(attrs={"rows": 3})
    )
    recommendation = forms.CharField(
        label=_("Rule change it supports"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    obstacles = forms.TypedMultipleChoiceField(
        label=_("Obstacles it addresses"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, obstacles=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["obstacles"]).choices = [
            (o.pk, o.title) for o in obstacles
        ]


class ReplicationForm(forms.Form):
    site = forms.CharField(label=_("Site"), max_length=200)
    experiment = forms.TypedChoiceField(
        label=_("Experiment in CivicLoop that measured it (optional)"),
        help_text=_(
            "Its latest results give the effect, the standard error and the design; the "
            "figures below are used only while it has no results."
        ),
        coerce=int,
        empty_value=None,
        required=False,
    )
    experiment_scale = forms.FloatField(
        label=_("Multiply the experiment's effect by"),
        help_text=_(
            "To reach the original's scale: 100 turns a proportion into percentage points."
        ),
        initial=1.0,
        required=False,
    )
    estimate = forms.FloatField(
        label=_("Effect found (same scale and sign as the original)"), required=False
    )
    std_error = forms.FloatField(label=_("Standard error"), min_value=0, required=False)
    design = forms.ChoiceField(label=_("Design"), choices=[], required=False)
    independent = forms.BooleanField(
        label=_("Run and analysed by an independent team"), required=False
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, experiments=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["design"]).choices = [
            ("", _("Choose a design")),
            *Design.choices,
        ]
        cast(forms.ChoiceField, self.fields["experiment"]).choices = [
            ("", _("None: enter the figures below"))
        ] + [(e.pk, f"{e.title} ({e.key})") for e in experiments]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("experiment"):
            if data.get("estimate") is None and "estimate" not in self.errors:
                self.add_error(
                    "estimate",
                    _("Give the effect found, or choose the experiment that measured it."),
                )
            if data.get("std_error") is None and "std_error" not in self.errors:
                self.add_error("std_error", _("Give the standard error of the effect found."))
            if not data.get("design"):
                self.add_error("design", _("Choose the design of the replication."))
        if data.get("experiment_scale") is None:
            data["experiment_scale"] = 1.0
        data["design"] = data.get("design") or None
        return data
