"""Reads of experiments: the viewer's experiments, the running overview, refresh status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.permissions import Principal
from civicloop.experiments.models import (
    Experiment,
    ExperimentStatus,
    IterationStatus,
    ResultSnapshot,
    Service,
)
from civicloop.experiments.selectors._scope import service_scope


def experiment_list(*, viewer: Principal, status: str | None = None) -> QuerySet[Experiment]:
    ids = Service.objects.filter(service_scope(viewer)).values("pk")
    qs = (
        Experiment.objects.filter(iteration__service_id__in=ids)
        .select_related("iteration", "iteration__service")
        .prefetch_related("metric_links__metric")
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def experiment_get(*, viewer: Principal, pk: int) -> Experiment:
    experiment = experiment_list(viewer=viewer).filter(pk=pk).first()
    if experiment is None:
        raise Http404("Not found")
    return experiment


def experiment_get_by_key(
    *, viewer: Principal, key: str, organization_id: int | None = None
) -> Experiment:
    """The experiment with this key among the viewer's (keys are unique per unit only)."""
    qs = experiment_list(viewer=viewer).filter(key=key)
    if organization_id is not None:
        qs = qs.filter(unit_id=organization_id)
    found = list(qs[:2])
    if not found:
        raise Http404("Not found")
    if len(found) > 1:
        raise ValidationError(
            {
                "organization_id": _(
                    "Several of your units have an experiment with this key: say which."
                )
            }
        )
    return found[0]


@dataclass(frozen=True)
class RunningRow:
    experiment: Experiment
    snapshot: ResultSnapshot | None
    days_run: int
    days_left: int
    health: str  # ok | warning | no results
    decision_due: bool


def _running(viewer: Principal) -> QuerySet[Experiment]:
    return experiment_list(viewer=viewer).filter(
        status__in=[ExperimentStatus.RUNNING, ExperimentStatus.STOPPED],
        iteration__status__in=[IterationStatus.RUNNING, IterationStatus.PLANNED],
    )


def _days(started: datetime | None, planned_days: int, now: datetime) -> tuple[int, int]:
    days_run = max(0, (now - (started or now)).days)
    return days_run, max(0, planned_days - days_run)


def running_order(*, viewer: Principal) -> list[int]:
    """Ids of the viewer's running experiments, decisions due first, then fewest days left.

    One query over four narrow columns, so a page of the overview can be cut from it before
    any experiment, service or snapshot is loaded.
    """
    now = timezone.now()
    keyed = []
    for pk, status, started, planned in (
        _running(viewer)
        .order_by()
        .prefetch_related(None)
        .values_list("pk", "status", "started_at", "planned_days")
    ):
        days_left = _days(started, planned, now)[1]
        due = status == ExperimentStatus.STOPPED or days_left == 0
        keyed.append(((not due, days_left, -pk), pk))
    keyed.sort()
    return [pk for _, pk in keyed]


def running_rows(*, viewer: Principal, ids: Sequence[int]) -> list[RunningRow]:
    """The overview's rows for these experiments, in this order, each with its latest snapshot.

    Two queries whatever the number of experiments and snapshots: the experiments (with their
    iteration, service and the key of their latest snapshot) and those snapshots.
    """
    latest = (
        ResultSnapshot.objects.filter(experiment_id=OuterRef("pk"))
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    experiments = {
        ex.pk: ex
        for ex in _running(viewer)
        .filter(pk__in=list(ids))
        .prefetch_related(None)
        .annotate(latest_id=Subquery(latest))
    }
    snapshot_ids = [ex.latest_id for ex in experiments.values() if ex.latest_id is not None]
    snapshots = {
        s.pk: s
        for s in ResultSnapshot.objects.filter(pk__in=snapshot_ids).only(
            "pk", "experiment_id", "computed_at", "ok", "warnings"
        )
    }
    now = timezone.now()
    rows = []
    for pk in ids:
        ex = experiments.get(pk)
        if ex is None:
            continue
        snap = snapshots.get(ex.latest_id)
        days_run, days_left = _days(ex.started_at, ex.planned_days, now)
        health = (
            "no results" if snap is None else ("warning" if snap.warnings or not snap.ok else "ok")
        )
        due = ex.status == ExperimentStatus.STOPPED or days_left == 0
        rows.append(RunningRow(ex, snap, days_run, days_left, health, due))
    return rows


def running_overview(*, viewer: Principal) -> list[RunningRow]:
    """The unit's running experiments with health, days left and whether a decision is due."""
    return running_rows(viewer=viewer, ids=running_order(viewer=viewer))


@dataclass(frozen=True)
class RefreshStatus:
    """Where the last "Refresh results" of an experiment is, from the django-tasks result."""

    state: str  # queued | running | finished | failed
    at: datetime | None  # enqueued, started or finished, as the state says

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


_REFRESH_STATES = {
    "READY": "queued",
    "RUNNING": "running",
    "SUCCESSFUL": "finished",
    "FAILED": "failed",
}


def refresh_status(*, experiment: Experiment) -> RefreshStatus | None:
    """The status of the experiment's last refresh task, or None when none can be looked up.

    Reads the task result the backend stores (django-tasks-db in production). Backends that keep
    no results (such as the immediate backend the tests use) answer None.
    """
    from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

    from civicloop.experiments.tasks import experiment_refresh_task

    if not experiment.refresh_task_id:
        return None
    if not experiment_refresh_task.get_backend().supports_get_result:
        return None
    try:
        result = experiment_refresh_task.get_result(experiment.refresh_task_id)
    except (TaskResultDoesNotExist, TaskResultMismatch):
        return None  # pruned, or an id from another backend
    state = _REFRESH_STATES.get(str(result.status), "queued")
    at = {
        "queued": result.enqueued_at,
        "running": result.started_at,
    }.get(state, result.finished_at)
    return RefreshStatus(state=state, at=at)
