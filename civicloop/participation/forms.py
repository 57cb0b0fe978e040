"""Forms of citizen participation: sign-up, propose, comment, appeal; moderation and triage."""

from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.account.internal.userkit import filter_users_by_email
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Person
from civicloop.core.permissions import principal_for_person
from civicloop.participation import services
from civicloop.participation.models import LANGUAGES, ModerationReason, ProposalKind
from civicloop.portfolio.models import Facet


class Honeypot(forms.Form):
    """A field people never see (hidden by CSS and from assistive technology); bots fill it."""

    website = forms.CharField(required=False, label=_("Leave this field empty"))


class CitizenSignupForm(SignupForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("Shown beside what you write. A pseudonym is fine; no real name is needed."),
    )
    language = forms.ChoiceField(label=_("Your language"), choices=LANGUAGES)

    def clean_display_name(self) -> str:
        from django.core.exceptions import ValidationError

        try:
            return services.display_name_check(self.cleaned_data["display_name"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["display_name"]) from error

    def validate_unique_email(self, value: str) -> str:
        """An address that already has an account, or another spelling of one (dots and
        anything after + make no new mailbox), is not refused on the page: the view answers as
        for a new sign-up and mails the owner (`core.auth.signup_existing_address`), so the
        page never tells whether an address has an account."""
        self.account_already_exists = bool(
            filter_users_by_email(value) or services.email_taken(value)
        )
        return value

    def custom_signup(self, request: HttpRequest, user: Person) -> None:
        user.preferred_language = self.cleaned_data["language"]
        user.save(update_fields=["preferred_language"])
        services.citizen_register(
            actor=principal_for_person(user),
            display_name=self.cleaned_data["display_name"],
            language=self.cleaned_data["language"],
        )


class ProposalForm(Honeypot):
    unit_id = forms.TypedChoiceField(label=_("Which unit is it for?"), coerce=int, choices=())
    kind = forms.ChoiceField(
        label=_("Is it a problem or an idea?"),
        choices=ProposalKind.choices,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=140)
    body = forms.CharField(
        label=_("Describe it"),
        max_length=4000,
        widget=forms.Textarea,
        help_text=_(
            "Do not write names, e-mail addresses, phone numbers or ID numbers: they are removed "
            "before your text is stored. At most 2 links."
        ),
    )
    language = forms.ChoiceField(label=_("Language of your text"), choices=LANGUAGES)

    def __init__(self, *args, units: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].choices = [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]


class CommentForm(Honeypot):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=2000,
        widget=forms.Textarea,
        help_text=_("Comments are published after moderation. At most 1 link."),
    )
    language = forms.ChoiceField(label=_("Language of your text"), choices=LANGUAGES)


class AppealForm(forms.Form):
    appeal_text = forms.CharField(
        label=_("Why should it be published?"), max_length=2000, widget=forms.Textarea
    )


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(("publish", _("Publish")), ("reject", _("Do not publish"))),
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Reason (when not publishing)"),
        choices=[("", _("Choose a reason")), *ModerationReason.choices],
        required=False,
    )


class TriageForm(forms.Form):
    owner_agency = forms.TypedChoiceField(label=_("Owner agency"), coerce=int, choices=())
    facet = forms.ChoiceField(label=_("Facet"), choices=Facet.choices)
    title = forms.CharField(label=_("Problem title"), max_length=200, required=False)
    statement = forms.CharField(label=_("Problem statement"), widget=forms.Textarea, required=False)

    def __init__(self, *args, agencies: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [(a.pk, a.name) for a in agencies]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Public answer"), widget=forms.Textarea, max_length=4000)
    close = forms.BooleanField(label=_("Close the proposal with this answer"), required=False)


class SettingsForm(forms.Form):
    support_threshold = forms.IntegerField(
        label=_("Supports that require a public answer"), min_value=1, max_value=1_000_000
    )
    answer_days = forms.IntegerField(
        label=_("Days the unit has to answer"), min_value=1, max_value=365
    )
    accepting = forms.BooleanField(label=_("The unit takes proposals"), required=False)
