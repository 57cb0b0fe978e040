from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import ApiKeyScope
from civicloop.core.timezones import zone_choices
from civicloop.web.labels import action_label, model_name


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses this key, e.g. 'Housing case system'."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiKeyScope.choices,
        widget=forms.RadioSelect,
        initial=ApiKeyScope.READ,
    )


class PrioritisationWeightsForm(forms.Form):
    """Exponents of impact × reach × urgency ÷ effort; 1 each weighs them equally."""

    impact = forms.FloatField(label=_("Impact weight"), min_value=0, max_value=5, initial=1)
    reach = forms.FloatField(label=_("Reach weight"), min_value=0, max_value=5, initial=1)
    urgency = forms.FloatField(label=_("Urgency weight"), min_value=0, max_value=5, initial=1)
    effort = forms.FloatField(label=_("Effort weight"), min_value=0, max_value=5, initial=1)


class AuditFilterForm(forms.Form):
    """Filters of the audit log: who, what, which object, when (days in the viewer's zone)."""

    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("What"), required=False)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        people = [(p.pk, p.display_name) for p in choices["actors"]]
        fields["actor"].choices = [("", _("Anyone")), *people]
        actions = [(a, action_label(a)) for a in choices["actions"]]
        fields["action"].choices = [("", _("Any action")), *actions]
        kinds = [(t, model_name(t)) for t in choices["object_types"]]
        fields["object_type"].choices = [("", _("Any kind")), *kinds]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period must not be before its start."))
        return data


class TimeZoneForm(forms.Form):
    """The zone a person (or, with `unit_choices`, a unit) sees times in."""

    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, default_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["time_zone"].choices = [("", default_label), *zone_choices()]
