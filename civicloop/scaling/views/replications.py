"""Scaling pages: replications of a plan's effect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.experiments import selectors as experiments_selectors
from civicloop.scaling import forms, selectors, services
from civicloop.scaling.views._common import visible_experiments
from civicloop.scaling.views.plans import plan_page
from civicloop.web.forms import apply_errors


@login_required
@require_POST
def replication_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a replication of the plan's effect run elsewhere (feeds Nesta levels 4 and 5)."""
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.ReplicationForm(request.POST, experiments=visible_experiments(viewer))
    if plan.effect is None:
        form.add_error(
            None,
            _(
                "This plan's effect was entered as figures; record replications "
                "against a recorded effect."
            ),
        )
    elif form.is_valid():
        data = dict(form.cleaned_data)
        experiment_id = data.pop("experiment")
        experiment = (
            experiments_selectors.experiment_get(viewer=viewer, pk=experiment_id)
            if experiment_id
            else None
        )
        try:
            services.replication_record(
                actor=viewer, original=plan.effect, experiment=experiment, **data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Replication recorded."))
            return redirect("scaling:plan", pk)
    return plan_page(request, plan, forms.CandidateForm(), status=422, replication_form=form)


@login_required
@require_POST
def replications_remeasure(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-read the results of the experiments that measured the plan's replications."""
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    if plan.effect is None:
        raise Http404("Not found")
    confirming = services.replications_remeasure(actor=viewer, original=plan.effect)
    messages.success(
        request,
        ngettext(
            "Replications updated from their experiments' latest results: %(num)d confirms "
            "the effect.",
            "Replications updated from their experiments' latest results: %(num)d confirm "
            "the effect.",
            confirming,
        )
        % {"num": confirming},
    )
    return redirect("scaling:plan", pk)
