"""Forms of the feedback pages (staff side). The public survey form is built per survey."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.feedback.item_banks import TEMPLATES
from civicloop.feedback.models import QuestionKind


class SurveyForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=200, required=False)
    templates = forms.MultipleChoiceField(
        label=_("Questions from templates"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, v[0]) for k, v in TEMPLATES.items()],
        initial=["govuk", "comment"],
    )
    consent_en = forms.CharField(
        label=_("Consent text (English)"),
        widget=forms.Textarea,
        initial="Your answers are anonymous and help us improve this service. Comments are "
        "stored without personal details.",
    )
    consent_es = forms.CharField(
        label=_("Consent text (Spanish)"), widget=forms.Textarea, required=False
    )
    problem = forms.TypedChoiceField(
        label=_("Problem"), coerce=int, required=False, empty_value=None
    )
    service_key = forms.CharField(
        label=_("Service key"),
        max_length=100,
        required=False,
        help_text=_("The service this survey is about, e.g. licence-renewals"),
    )
    iteration_key = forms.CharField(label=_("Iteration key"), max_length=100, required=False)
    retention_days = forms.IntegerField(
        label=_("Keep responses for (days)"), min_value=1, max_value=3650, initial=365
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["problem"]).choices = [("", _("None"))] + [
            (p.pk, p.title) for p in problems
        ]


class QuestionForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"), max_length=40, help_text=_("Lower-case letters, digits and underscores")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500)
    text_es = forms.CharField(label=_("Question (Spanish)"), max_length=500, required=False)
    scale_min = forms.IntegerField(label=_("Scale minimum"), required=False)
    scale_max = forms.IntegerField(label=_("Scale maximum"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea,
        required=False,
        help_text=_("One per line: English label | Spanish label"),
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def choice_list(self) -> list[dict[str, str]]:
        out = []
        for line in (self.cleaned_data.get("choices") or "").splitlines():
            en, _sep, es = line.partition("|")
            if en.strip():
                out.append({"value": en.strip(), "en": en.strip(), "es": es.strip()})
        return out


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One row per response; columns submitted_at, channel "
            "(phone or in_person), language and one per question key"
        ),
    )


class EraseForm(forms.Form):
    respondent_id = forms.CharField(
        label=_("Pseudonymous respondent id"),
        max_length=128,
        help_text=_(
            "The id your service gave the person, or the personal identifier they gave "
            "(e-mail, phone, national id): the survey pages stored it as a keyed hash."
        ),
    )


class RespondentEraseForm(forms.Form):
    respondent_id = forms.CharField(max_length=128, widget=forms.HiddenInput)
    confirm_respondent_id = forms.CharField(
        label=_("Type the respondent id again to confirm"),
        max_length=128,
        help_text=_("Erasure cannot be undone."),
    )


class KpiFeedForm(forms.Form):
    kpi = forms.TypedChoiceField(
        label=_("User satisfaction KPI"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, kpis=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kpi"]).choices = [("", _("Do not feed a KPI"))] + [
            (k.pk, f"{k.problem.title}: {k.name}") for k in kpis
        ]
