from django import forms
from django.utils.translation import gettext_lazy as _


class PersonFindForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"), max_length=254)


class PersonEraseForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the person's e-mail address to confirm"),
        max_length=254,
        help_text=_("Erasure cannot be undone."),
    )
