"""Reads of experiments: the viewer's experiments, the running overview, refresh status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

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
                "organization_id": "Several of your units have an experiment with this key: "
                "say which."
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


def running_overview(*, viewer: Principal) -> list[RunningRow]:
    """The unit's running experiments with health, days left and whether a decision is due."""
    experiments = list(
        experiment_list(viewer=viewer)
        .filter(
            status__in=[ExperimentStatus.RUNNING, ExperimentStatus.STOPPED],
            iteration__status__in=[IterationStatus.RUNNING, IterationStatus.PLANNED],
        )
        .prefetch_related(
            Prefetch("snapshots", queryset=ResultSnapshot.objects.order_by("-computed_at", "-pk"))
        )
    )
    now = timezone.now()
    rows = []
    for ex in experiments:
        snaps = list(ex.snapshots.all())
        snap = snaps[0] if snaps else None
        started = ex.started_at or now
        days_run = max(0, (now - started).days)
        days_left = max(0, ex.planned_days - days_run)
        health = (
            "no results" if snap is None else ("warning" if snap.warnings or not snap.ok else "ok")
        )
        due = ex.status == ExperimentStatus.STOPPED or days_left == 0
        rows.append(RunningRow(ex, snap, days_run, days_left, health, due))
    rows.sort(key=lambda r: (not r.decision_due, r.days_left))
    return rows


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
