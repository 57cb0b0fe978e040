"""Forms of the feedback pages (staff side). The public survey form is built per survey."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.feedback.item_banks import TEMPLATES
from civicloop.feedback.models import Channel, QuestionKind


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


class MakeupForm(forms.Form):
    """One dimension of a target group's known make-up: shares that add up to 1."""

    target_group = forms.TypedChoiceField(label=_("Target group"), coerce=int)
    dimension = forms.CharField(
        label=_("Dimension"),
        max_length=40,
        initial="age_band",
        help_text=_(
            "The respondent profile question it describes, e.g. age_band, channel or language."
        ),
    )
    shares = forms.CharField(
        label=_("Shares"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One group per line: its code, an equals sign and its share from 0 to 1, "
            "e.g. under_25 = 0.08. The shares must add up to 1."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Where the figures come from, e.g. the municipal register."),
    )
    as_of = forms.DateField(
        label=_("Date of the figures"),
        help_text=_("The date the figures describe, as YYYY-MM-DD."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["target_group"]).choices = [
            (g.pk, g.name) for g in groups
        ]

    def clean_shares(self) -> dict[str, str]:
        shares: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["shares"].splitlines(), start=1):
            if not line.strip():
                continue
            code, sep, value = line.partition("=")
            if not sep or not code.strip() or not value.strip():
                raise forms.ValidationError(
                    _("Line %(line)d: write the group's code, = and its share, e.g. 25_44 = 0.32.")
                    % {"line": number}
                )
            shares[code.strip()] = value.strip().replace(",", ".")
        return shares


class ExportForm(forms.Form):
    """Which redacted responses to download, and in which format."""

    survey = forms.TypedChoiceField(label=_("Survey"), coerce=int, required=False, empty_value=None)
    start = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (date, included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", "CSV"), ("json", "JSON")],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, surveys=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["survey"]).choices = [
            ("", _("Every survey I can see"))
        ] + [(s.pk, str(s)) for s in surveys]
        cast(forms.ChoiceField, self.fields["channel"]).choices = [("", _("Every channel"))] + list(
            Channel.choices
        )
