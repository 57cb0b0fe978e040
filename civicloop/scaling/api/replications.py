"""Scaling API: replications and their re-measurement."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    MappedRows,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.core.permissions import Ability
from civicloop.evidence.selectors import effect_estimate_list
from civicloop.experiments.selectors import experiment_get
from civicloop.scaling import selectors, services
from civicloop.scaling.api._common import jurisdiction_for_edit

router = Router()


class ReplicationIn(InputSchema):
    original_effect_id: int
    site: str = Field(..., min_length=1, max_length=200)
    # With experiment_id, the experiment's latest results give estimate, std_error and design;
    # the figures here count only while it has none.
    experiment_id: ObjectId | None = None
    experiment_scale: float = Field(1.0, gt=0)
    estimate: float | None = None
    std_error: float | None = Field(None, gt=0)
    design: str | None = None
    independent: bool
    completed_on: date
    jurisdiction_id: ObjectId | None = None
    notes: str = ""
    replication_system: bool | None = None


class ReplicationOut(Schema):
    id: int
    site: str
    estimate: float = Field(..., description="On the original effect's scale and sign.")
    std_error: float
    design: str
    independent: bool
    completed_on: date
    original_effect_id: int
    original_estimate: float
    experiment_id: int | None = Field(
        ..., description="The CivicLoop experiment that measured this replication, if any."
    )
    experiment_scale: float
    measured_source: str = Field(
        ...,
        description="Which experiment results the figures come from; empty when typed in.",
    )
    difference: float = Field(..., description="Replication minus original.")
    p_value: float = Field(..., description="Two-sided test that the two effects differ.")
    consistent: bool = Field(
        ...,
        description="Same sign, significant on its own and not significantly different from "
        "the original (says nothing of who ran it).",
    )
    confirms: bool = Field(
        ...,
        description="Consistent and independent: it counts towards Nesta level 4. The plan "
        'page\'s "Confirms?" column shows this.',
    )


class RemeasureOut(Schema):
    plan_id: int
    original_effect_id: int
    independent_replications: int = Field(
        ...,
        description="Independent replications consistent with the original, as now stored on "
        "the effect (Nesta level 4 from one, 5 with a replication system).",
    )
    replication_system: bool
    replications: list[ReplicationOut] = Field(
        ..., description="Every replication of the plan's effect, after re-measuring."
    )


class ReplicationRecordedOut(Schema):
    id: int
    independent_replications: int = Field(
        ...,
        description="Independent replications consistent with the original, as now stored "
        "on the effect (Nesta level 4 from one, 5 with a replication system).",
    )


def _replication_dict(r) -> dict[str, Any]:
    verdict = selectors.replication_verdict(r)
    c = verdict.comparison
    return {
        "id": r.pk,
        "site": r.site,
        "estimate": r.estimate,
        "std_error": r.std_error,
        "design": r.design,
        "independent": r.independent,
        "completed_on": r.completed_on,
        "original_effect_id": r.original_id,
        "original_estimate": r.original.estimate,
        "experiment_id": r.experiment_id,
        "experiment_scale": r.experiment_scale,
        "measured_source": r.measured_source,
        "difference": c.difference,
        "p_value": c.p_value,
        "consistent": verdict.consistent,
        "confirms": verdict.confirms,
    }


@router.get("/scaling/replications", response=list[ReplicationOut])
@paginate(Pagination)
def list_replications(request: HttpRequest, problem_id: ObjectId | None = None):
    return MappedRows(
        selectors.replication_list(viewer=principal(request), problem_id=problem_id),
        lambda rows: [_replication_dict(r) for r in rows],
    )


@router.post("/scaling/replications", response={201: ReplicationRecordedOut})
def record_replication(request: HttpRequest, payload: ReplicationIn):
    """Record a replication; independent, consistent ones raise the Nesta level (4, 5)."""
    actor = require_write(request)
    data = payload.dict()
    effect = effect_estimate_list(viewer=actor).filter(pk=data.pop("original_effect_id")).first()
    if effect is None or effect.problem.unit_id not in actor.units_with(Ability.EDIT_SCALING):
        raise Http404("Not found")
    jurisdiction = jurisdiction_for_edit(actor, data.pop("jurisdiction_id"))
    experiment_id = data.pop("experiment_id")
    experiment = None
    if experiment_id is not None:
        experiment = experiment_get(viewer=actor, pk=experiment_id)
    row = services.replication_record(
        actor=actor, original=effect, jurisdiction=jurisdiction, experiment=experiment, **data
    )
    effect.refresh_from_db()
    return Status(201, {"id": row.pk, "independent_replications": effect.independent_replications})


@router.post(
    "/scaling/plans/{pk}/replications/remeasure",
    response=RemeasureOut,
    summary="Re-measure a plan's replications from their experiments' latest results",
    description=(
        "For every replication of the plan's effect that is linked to a CivicLoop experiment, "
        "reads that experiment's latest successful results and, when its primary effect (times "
        "the replication's `experiment_scale`) or interval changed, stores the new estimate, "
        "standard error, design and source; each such change is recorded in the audit log "
        "(`scaling.replication_remeasured`, before and after). A replication whose experiment "
        "has no usable results keeps its last figures; replications typed in by hand are left "
        "as they are. Then recounts the independent replications consistent with the original "
        "and stores that count on the effect (audited as `evidence.effect_replications_updated`"
        "), which moves its Nesta level (4, or 5 with a replication system: see "
        "`GET /api/v1/evidence/problems/{problem_id}/report`). The same action as the plan "
        "page's button *Update replications from their experiments' latest results*. No "
        "request body; calling it again without new results leaves the figures as they are.\n\n"
        "Answers 404 when the plan does not exist or you cannot edit scaling in its unit "
        "(readers of the plan included), 403 for a read-only API key, and 422 naming "
        "`effect_id` when the plan's benefit was typed in as figures rather than taken from a "
        "recorded effect, so that it has no replications."
    ),
)
def remeasure_replications(request: HttpRequest, pk: int):
    actor = require_write(request)
    plan = selectors.plan_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    if plan.effect is None:
        raise ValidationError(
            {
                "effect_id": _(
                    "This plan's benefit was entered as figures, not taken from a "
                    "recorded effect: it has no replications to re-measure."
                )
            }
        )
    confirming = services.replications_remeasure(actor=actor, original=plan.effect)
    plan.effect.refresh_from_db()
    return {
        "plan_id": plan.pk,
        "original_effect_id": plan.effect.pk,
        "independent_replications": confirming,
        "replication_system": plan.effect.replication_system,
        "replications": [
            _replication_dict(r)
            for r in selectors.replication_list(viewer=actor).filter(original=plan.effect)
        ],
    }
