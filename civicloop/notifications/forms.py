"""Forms of the notifications pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.notifications.kinds import DeliveryMode, EmailMode, NotificationKind

SAME_AS_DEFAULT = ""


class PreferenceForm(forms.Form):
    """The default e-mail mode, then one choice per kind (`mode_<kind>`; empty: the default)."""

    email_mode = forms.ChoiceField(
        label=_("E-mail, unless a kind below says otherwise"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(SAME_AS_DEFAULT, _("As the default above")), *DeliveryMode.choices]
        for kind in NotificationKind:
            self.fields[f"mode_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=choices, required=False
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[f"mode_{kind.value}"] for kind in NotificationKind]

    def kind_modes(self) -> dict[str, str]:
        """The kinds given a mode of their own (after `is_valid`)."""
        return {
            kind.value: self.cleaned_data[f"mode_{kind.value}"]
            for kind in NotificationKind
            if self.cleaned_data.get(f"mode_{kind.value}")
        }


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
