"""The known make-up of target groups: the page to read and enter it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.feedback import forms, selectors, services
from civicloop.feedback.labels import Labels
from civicloop.web.forms import apply_errors


@login_required
@require_http_methods(["GET", "POST"])
def target_makeup(request: HttpRequest) -> HttpResponse:
    """Every target group's make-up; staff who manage feedback enter a dimension."""
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_FEEDBACK):
        raise Http404("Not found")
    manageable = selectors.makeup_target_groups(viewer=viewer, ability=Ability.MANAGE_FEEDBACK)
    form = forms.MakeupForm(
        request.POST or None,
        groups=manageable,
        initial={"target_group": request.GET.get("group")},
    )
    if request.method == "POST":
        if not manageable:
            raise Http404("Not found")
        if form.is_valid():
            d = form.cleaned_data
            group = selectors.makeup_target_group_get(viewer=viewer, pk=d["target_group"])
            try:
                services.profile_target_set(
                    actor=viewer,
                    target_group=group,
                    dimension=d["dimension"],
                    shares=d["shares"],
                    source=d["source"],
                    as_of=d["as_of"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Make-up saved."))
                return redirect("feedback:makeup")
    return render(
        request,
        "feedback/makeup.html",
        {
            "page_title": _("Target groups' make-up"),
            "groups": selectors.makeup_target_groups(viewer=viewer),
            "form": form if manageable else None,
            "labels": Labels(None, translation.get_language() or "en"),
        },
    )
