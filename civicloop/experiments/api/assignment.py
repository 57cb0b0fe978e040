"""API of assignment: the variant a unit sees (the SDK's function, no database write)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from civicloop.analytics.engine import assign
from civicloop.core.http import principal
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router
from civicloop.experiments.models import ExperimentStatus


class AssignmentOut(Schema):
    experiment: str
    unit_id: str
    variant: str | None
    bucket: int | None
    in_experiment: bool


@router.get(
    "/experiments/{key}/assignment",
    response=AssignmentOut,
    summary="The variant a unit sees (same function as the SDK)",
)
def get_assignment(
    request: HttpRequest, key: str, unit_id: str, organization_id: int | None = None
):
    """`civicloop.analytics.assignment.assign` on the experiment's configuration: no database
    write, deterministic. A draft or stopped experiment assigns nobody. Keys are unique per
    organisation: the key is looked up among your organisation's experiments (a person in
    several units may name one with `organization_id`)."""
    experiment = selectors.experiment_get_by_key(
        viewer=principal(request), key=key, organization_id=organization_id
    )
    if not experiment.is_randomised:
        raise ValidationError({"key": _("Only randomised experiments assign units.")})
    if not unit_id:
        raise ValidationError({"unit_id": _("Give the unit id.")})
    result = None
    if experiment.status == ExperimentStatus.RUNNING:
        result = assign(services.experiment_assignment_config(experiment), unit_id)
    return {
        "experiment": key,
        "unit_id": unit_id,
        "variant": result.variant if result else None,
        "bucket": result.bucket if result else None,
        "in_experiment": result is not None,
    }
