"""Replications run elsewhere, and the Nesta levels (4, 5) they give the original effect."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.evidence import services as evidence_services
from civicloop.evidence.inputs import experiment_measured_effect
from civicloop.evidence.models import EffectEstimate
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    Replication,
)
from civicloop.scaling.selectors.replications import replication_verdict
from civicloop.stats.evidence import DESIGNS


def _measured(replication_experiment: Any, scale: float) -> tuple[float, float, str, str] | None:
    """Estimate, SE, design and source from an experiment's latest successful results."""
    line = experiment_measured_effect(replication_experiment)
    if line is None:
        return None
    return line.estimate * scale, line.std_error * scale, line.design, line.source


def _replication_figures(
    *,
    site: str,
    estimate: float | None,
    std_error: float | None,
    design: str | None,
    experiment: Any | None,
    experiment_scale: float,
) -> tuple[float, float, str, str]:
    """Estimate, SE, design and source to store: the experiment's measured ones when it has
    results, else those typed in; a `ValidationError` naming every field that is wrong."""
    errors: dict[str, str] = {}
    source = ""
    if experiment_scale is None or experiment_scale <= 0:
        errors["experiment_scale"] = _("The scale must be greater than zero.")
    elif experiment is not None:
        measured = _measured(experiment, experiment_scale)
        if measured is not None:
            estimate, std_error, design, source = measured
        elif estimate is None or std_error is None:
            errors["experiment"] = _(
                "Experiment %(key)s has no results with a primary effect yet: enter the effect "
                "and its standard error by hand, or refresh its results first."
            ) % {"key": experiment.key}
    if estimate is None and "experiment" not in errors:
        errors["estimate"] = _("Give the effect found, or choose the experiment that measured it.")
    if not errors.get("experiment") and (std_error is None or std_error <= 0):
        errors["std_error"] = _("Standard error must be greater than zero.")
    if design not in DESIGNS:
        errors["design"] = _("Design must be one of: %(choices)s.") % {
            "choices": ", ".join(DESIGNS)
        }
    if not site.strip():
        errors["site"] = _("Name the site.")
    if errors:
        raise ValidationError(errors)
    return cast(float, estimate), cast(float, std_error), cast(str, design), source


@transaction.atomic
def replication_record(
    *,
    actor: Principal,
    original: EffectEstimate,
    site: str,
    independent: bool,
    completed_on: date,
    estimate: float | None = None,
    std_error: float | None = None,
    design: str | None = None,
    experiment: Any | None = None,
    experiment_scale: float = 1.0,
    jurisdiction: Organization | None = None,
    notes: str = "",
    replication_system: bool | None = None,
) -> Replication:
    """Record a replication run elsewhere; update the original's Nesta inputs (levels 4-5).

    A replication counts towards Nesta level 4 when `replication_verdict` says it confirms: it
    was independent and `compare_replication` finds it consistent with the original (same sign,
    significant, not significantly different). The plan page and the API read the same verdict.
    When it ran as a CivicLoop experiment that has results, its measured primary effect and
    interval (times `experiment_scale`) are used instead of figures typed in; the caller has
    already checked that the actor may see the experiment.
    """
    require(actor, Ability.EDIT_SCALING, original.problem)
    estimate, std_error, design, source = _replication_figures(
        site=site,
        estimate=estimate,
        std_error=std_error,
        design=design,
        experiment=experiment,
        experiment_scale=experiment_scale,
    )
    row = Replication.objects.create(
        problem_id=original.problem_id,
        original=original,
        site=site.strip(),
        estimate=estimate,
        std_error=std_error,
        design=design,
        independent=independent,
        completed_on=completed_on,
        jurisdiction=jurisdiction,
        notes=notes,
        experiment=experiment,
        experiment_scale=experiment_scale,
        measured_source=source,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.REPLICATION_RECORDED,
        obj=row,
        organization=original.problem.unit_id,
        after=model_snapshot(row),
    )
    replications_remeasure(actor=actor, original=original, replication_system=replication_system)
    return row


@transaction.atomic
def replications_remeasure(
    *, actor: Principal, original: EffectEstimate, replication_system: bool | None = None
) -> int:
    """Re-read linked experiments' latest results, then recount confirming replications.

    Returns the number of independent, consistent replications written to the original
    (`EffectEstimate.independent_replications`, which gives Nesta 4, and 5 with a replication
    system). A replication whose experiment has no usable results keeps its last figures.
    """
    require(actor, Ability.EDIT_SCALING, original.problem)
    confirming = 0
    for r in original.replications.select_related("experiment"):
        if r.experiment is not None:
            measured = _measured(r.experiment, r.experiment_scale)
            if measured is not None and measured != (
                r.estimate,
                r.std_error,
                r.design,
                r.measured_source,
            ):
                fields = ["estimate", "std_error", "design", "measured_source"]
                before = model_snapshot(r, fields)
                r.estimate, r.std_error, r.design, r.measured_source = measured
                r.save(update_fields=[*fields, "updated_at"])
                audit_record(
                    actor=actor,
                    action=ScalingEvent.REPLICATION_REMEASURED,
                    obj=r,
                    organization=original.problem.unit_id,
                    before=before,
                    after=model_snapshot(r, fields),
                )
        r.original = original
        if replication_verdict(r).confirms:
            confirming += 1
    evidence_services.effect_estimate_set_replications(
        actor=actor,
        effect=original,
        independent_replications=confirming,
        replication_system=(
            original.replication_system if replication_system is None else replication_system
        ),
    )
    return confirming
