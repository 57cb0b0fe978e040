"""Forms of the notifications pages: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.notifications.kinds import EmailMode, NotificationKind


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("E-mail"), choices=EmailMode.choices, widget=forms.RadioSelect
    )
    muted_kinds = forms.MultipleChoiceField(
        label=_("No e-mail about"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("They still appear on your notifications page."),
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=500,
        help_text=_("An https address of your system that accepts signed POST requests."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: every event."),
    )
