"""Pages of decisions: decide an iteration from its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, require
from civicloop.experiments import forms, selectors, services
from civicloop.experiments.views.iterations import decision_snapshots, iteration_context
from civicloop.web.forms import apply_errors


@login_required
@require_POST
def iteration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    iteration = selectors.iteration_get(viewer=viewer, pk=pk)
    require(viewer, Ability.MANAGE_EXPERIMENTS, iteration.service.unit_id)
    form = forms.DecisionForm(request.POST, snapshots=decision_snapshots(iteration))
    if form.is_valid():
        d = form.cleaned_data
        cited = selectors.snapshot_list(viewer=viewer, ids=[int(i) for i in d["cited_results"]])
        try:
            services.decision_record(
                actor=viewer,
                iteration=iteration,
                kind=d["kind"],
                rationale=d["rationale"],
                cited_results=cited,
                stop_reason=d["stop_reason"] or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("experiments:iteration", iteration.pk)
    return render(
        request,
        "experiments/iteration.html",
        iteration_context(request, iteration, decision_form=form),
        status=422,
    )
