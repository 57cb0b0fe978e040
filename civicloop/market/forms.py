"""Forms only parse and validate shapes; services apply the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import SmeSize
from civicloop.market.models import ChallengeStatus, MilestoneStatus, PhaseKind


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class DateInput(forms.DateInput):
    input_type = "date"


class NeedForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int, choices=[])
    title = forms.CharField(label=_("Title"), max_length=200, min_length=5)
    what_is_wrong = forms.CharField(label=_("What is wrong"), widget=forms.Textarea, min_length=20)
    who_is_affected = forms.CharField(label=_("Who is affected"), widget=forms.Textarea)
    current_cost = forms.DecimalField(
        label=_("Current cost per year"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Z]{3}$", initial="EUR")
    constraints = forms.CharField(label=_("Constraints"), widget=forms.Textarea, required=False)
    problem = forms.TypedChoiceField(
        label=_("Portfolio problem"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(self, *args, agencies=(), problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [(a.pk, a.name) for a in agencies]
        cast(forms.ChoiceField, self.fields["problem"]).choices = [("", _("None"))] + [
            (p.pk, p.title) for p in problems
        ]


class ChallengeTextForm(forms.Form):
    """The challenge's descriptive fields, shared by the create and edit forms."""

    title = forms.CharField(label=_("Title"), max_length=200, min_length=5)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)
    context = forms.CharField(
        label=_("Context: the problem, not a solution"), widget=forms.Textarea
    )
    users_affected = forms.CharField(
        label=_("Users affected"), widget=forms.Textarea, required=False
    )
    outcomes_sought = forms.CharField(
        label=_("Outcomes sought"), widget=forms.Textarea, required=False
    )
    constraints = forms.CharField(label=_("Constraints"), widget=forms.Textarea, required=False)
    data_available = forms.CharField(
        label=_("Data available"), widget=forms.Textarea, required=False
    )
    eligibility = forms.CharField(label=_("Eligibility"), widget=forms.Textarea, required=False)
    ip_terms = forms.CharField(
        label=_("Intellectual property terms"), widget=forms.Textarea, required=False
    )
    timeline = forms.CharField(label=_("Timeline"), widget=forms.Textarea, required=False)


class ChallengeForm(ChallengeTextForm):
    anonymous_evaluation = forms.BooleanField(
        label=_("Anonymous evaluation (hide vendor identity until award)"), required=False
    )
    submission_deadline = forms.DateTimeField(
        label=_("Submission deadline"), required=False, widget=DateTimeInput
    )


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Phase"), choices=PhaseKind.choices)
    budget = forms.DecimalField(label=_("Budget"), min_value=0, max_digits=14, decimal_places=2)
    awards_count = forms.IntegerField(label=_("Number of awards"), min_value=1, initial=1)


class CriteriaForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase the criteria apply to (or the whole challenge)"),
        required=False,
        choices=[],
        help_text=_("A phase's own criteria replace the challenge-wide ones for that phase only."),
    )
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea,
        help_text=_("One per line: name | weight | maximum score. Weights must sum to 100."),
    )

    def __init__(self, *args, phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["phase"]).choices = [
            ("", _("Every phase (challenge-wide)"))
        ] + [(p.kind, p.get_kind_display()) for p in phases]

    def specs(self):
        from civicloop.market.services import CriterionSpec

        out = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            try:
                out.append(
                    CriterionSpec(parts[0], int(parts[1]), int(parts[2]) if len(parts) > 2 else 10)
                )
            except (IndexError, ValueError):
                self.add_error(
                    "criteria",
                    _("Line %(n)s: write name | weight | maximum score.") % {"n": number},
                )
                return None
        return out


class StatusForm(forms.Form):
    """ "Move to" offers only the moves the service allows from the current status."""

    to_status = forms.ChoiceField(label=_("Move to"), choices=[])

    def __init__(self, *args, status: str, **kwargs):
        from civicloop.market.services import next_statuses

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_status"]).choices = [
            (s, ChallengeStatus(s).label) for s in next_statuses(status)
        ]

    reason = forms.CharField(
        label=_("Reason (needed to cancel a published call)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_(
            "Cancelling voids every proposal unopened and tells each bidder; the reason is "
            "public. To set an earlier deadline, cancel and re-publish the call."
        ),
    )


class RepublishForm(forms.Form):
    submission_deadline = forms.DateTimeField(
        label=_("Deadline of the new call"), required=False, widget=DateTimeInput
    )


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea)


class AnswerForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea)


class VendorForm(forms.Form):
    sme_size = forms.ChoiceField(
        label=_("Size class (EU SME definition)"), choices=SmeSize.choices, widget=forms.RadioSelect
    )
    founding_year = forms.IntegerField(label=_("Founding year"), min_value=1800)
    capabilities = forms.CharField(label=_("Capabilities"), widget=forms.Textarea, min_length=20)
    sectors = forms.CharField(
        label=_("Sectors"), required=False, help_text=_("Separate with commas.")
    )
    countries = forms.CharField(
        label=_("Countries"),
        required=False,
        help_text=_("ISO codes separated by commas, e.g. ES, PT."),
    )
    references = forms.CharField(label=_("References"), widget=forms.Textarea, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")


class ProposalForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=[])
    content = forms.CharField(
        label=_("Your proposal"),
        widget=forms.Textarea,
        min_length=50,
        help_text=_(
            "Sealed until the deadline. If the evaluation is anonymous, do not name "
            "your company in the text."
        ),
    )
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=14, decimal_places=2)
    file = forms.FileField(
        label=_("Attachment (PDF, ODT, DOCX, CSV or XLSX, up to 10 MB)"), required=False
    )

    def __init__(self, *args, phases=(), anonymous=False, most_files=5, most_mb="25", **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["phase"]).choices = [
            (p.kind, p.get_kind_display()) for p in phases
        ]
        limits = _(
            "At most %(files)s attachments per proposal, %(mb)s MB in all; each submission "
            "adds the file chosen here."
        ) % {"files": most_files, "mb": most_mb}
        if anonymous:
            limits += " " + _(
                "This call is evaluated anonymously: before your file is sealed we remove its "
                "identifying metadata (document properties such as author, company and title; "
                "authors of comments and tracked changes; EXIF data of embedded images). The "
                "text you write in it is not changed, so do not name your company there."
            )
        self.fields["file"].help_text = limits


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this proposal?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)


class ScoreForm(forms.Form):
    criterion = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.IntegerField(label=_("Score"))
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea)


class AwardForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea)


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)


def _one_newline_style(value: str) -> str:
    # Browsers send textarea line breaks as CRLF; the stored text uses LF, so an untouched field
    # must not look changed (a published challenge logs every change publicly).
    return value.replace("\r\n", "\n")


class ChallengeEditForm(ChallengeTextForm):
    """The editable fields of a challenge (services.EDITABLE_FIELDS) and the public reason."""

    problem = forms.TypedChoiceField(
        label=_("Portfolio problem"), coerce=int, required=False, empty_value=None, choices=[]
    )
    anonymous_evaluation = forms.BooleanField(
        label=_("Anonymous evaluation (hide vendor identity until award)"), required=False
    )
    consultation_closes_at = forms.DateTimeField(
        label=_("Market consultation closes"), required=False, widget=DateTimeInput
    )
    submission_deadline = forms.DateTimeField(
        label=_("Submission deadline"), required=False, widget=DateTimeInput
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text=_(
            "Required once the challenge is published: at least 10 characters. "
            "It is shown publicly in the challenge's change log."
        ),
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["problem"]).choices = [("", _("None"))] + [
            (p.pk, p.title) for p in problems
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = _one_newline_style(value)
        return data

    def changes(self) -> dict:
        """The submitted values that differ from the challenge as it was shown."""
        out = {}
        for name in self.changed_data:
            if name == "reason" or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if isinstance(value, str) and value == (self.initial.get(name) or ""):
                continue  # only the line breaks differed
            out[name] = value
        return out


def change_field_label(name: str) -> str:
    """The human label of a challenge field named in the public change log."""
    form_field = ChallengeEditForm.base_fields.get(name)
    if form_field is not None:
        return str(form_field.label)
    return str({"status": _("Status"), "republished_as": _("Re-published as call")}.get(name, name))


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    milestone = forms.TypedChoiceField(
        label=_("Against milestone"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["milestone"]).choices = [("", _("None"))] + [
            (m.pk, m.title) for m in milestones
        ]


def richtext_labels() -> dict[str, str]:
    """The rich-text editor's labels (web/assets/richtext.mjs), in the active language."""
    return {
        "toolbar": str(_("Formatting")),
        "bold": str(_("Bold")),
        "italic": str(_("Italic")),
        "bullets": str(_("Bulleted list")),
        "numbers": str(_("Numbered list")),
        "link": str(_("Link")),
        "unlink": str(_("Remove link")),
        "linkPrompt": str(_("Address of the link (https://… or mailto:…)")),
        "linkInvalid": str(_("A link must start with https://, http:// or mailto:.")),
    }


# The honeypot: a field people never see (hidden) and bots fill in.
SIGNUP_HONEYPOT = "fax_number"


class CompanySignUpForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("Two-letter ISO code, e.g. ES.")
    )
    founding_year = forms.IntegerField(label=_("Founding year"), min_value=1800)
    staff_headcount = forms.IntegerField(
        label=_("Staff headcount (annual work units)"), min_value=0
    )
    annual_turnover_eur = forms.DecimalField(
        label=_("Annual turnover (€)"), min_value=0, max_digits=16, decimal_places=2
    )
    balance_sheet_eur = forms.DecimalField(
        label=_("Annual balance-sheet total (€)"), min_value=0, max_digits=16, decimal_places=2
    )
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your work e-mail address"))
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(
        label=_("Language for e-mail"), choices=[("en", "English"), ("es", "Español")]
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ: type the same one twice."))
        return data


class SubscriptionForm(forms.Form):
    sectors = forms.CharField(
        label=_("Sectors"),
        required=False,
        help_text=_("e.g. CPV divisions such as 72 or words such as health; separate with commas."),
    )
    keywords = forms.CharField(
        label=_("Keywords"), required=False, help_text=_("Separate with commas.")
    )
    active = forms.BooleanField(label=_("Send me matching challenges"), required=False)
