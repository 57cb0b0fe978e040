"""Every read of the experiments app, scoped by `core.permissions`.

Unit staff, evaluators and auditors see their unit's services; agency officials see the
services their agency owns; vendors see the services shared with their company. Everything
else answers 404.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.models import Role
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.experiments.models import (
    Decision,
    Experiment,
    ExperimentStatus,
    Iteration,
    IterationStatus,
    ResultSnapshot,
    Service,
)
from civicloop.portfolio.models import Problem


def _service_scope(viewer: Principal, prefix: str = "") -> Q:
    condition = scope_q(
        viewer,
        Ability.VIEW_PORTFOLIO,
        unit_field=f"{prefix}unit_id",
        agency_field=f"{prefix}owner_agency_id",
    )
    vendors = viewer.organizations([Role.VENDOR])
    if vendors:
        condition |= Q(**{f"{prefix}shared_with__in": sorted(vendors)})
    return condition


def service_list(*, viewer: Principal) -> QuerySet[Service]:
    """Services the viewer may see."""
    ids = Service.objects.filter(_service_scope(viewer)).values("pk")
    return (
        Service.objects.filter(pk__in=ids)
        .select_related("unit", "owner_agency")
        .prefetch_related("problems")
        .order_by("name")
    )


def service_get(*, viewer: Principal, pk: int) -> Service:
    service = service_list(viewer=viewer).filter(pk=pk).first()
    if service is None:
        raise Http404("Not found")
    return service


def iteration_get(*, viewer: Principal, pk: int) -> Iteration:
    ids = Service.objects.filter(_service_scope(viewer)).values("pk")
    iteration = (
        Iteration.objects.filter(pk=pk, service_id__in=ids)
        .select_related("service", "service__unit")
        .first()
    )
    if iteration is None:
        raise Http404("Not found")
    return iteration


def experiment_list(*, viewer: Principal, status: str | None = None) -> QuerySet[Experiment]:
    ids = Service.objects.filter(_service_scope(viewer)).values("pk")
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


def problem_services(*, problem: Problem) -> QuerySet[Service]:
    """The services of the problem's own unit linked to it, with iterations and experiments.

    For reports on a problem the caller may already read (the evidence app).
    """
    return (
        problem.services.filter(unit_id=problem.unit_id)
        .prefetch_related("iterations__experiments")
        .order_by("name")
    )


# --- tags that services and surveys carry --------------------------------------------------


def service_tag(service: Service) -> str:
    """The `service_key` a service's pages send with feedback: its slugified name."""
    return slugify(service.name)


def iteration_tag(iteration: Iteration) -> str:
    """The `iteration_key` a service's pages send with feedback: "<service tag>-<number>"."""
    return f"{service_tag(iteration.service)}-{iteration.number}"


def services_tagged(*, unit_id: int, tag: str) -> list[Service]:
    """The services of ONE unit whose tag is `tag` (two names can slugify alike).

    For resolving a tag that arrived with a citizen's response to a survey of that unit: the
    survey's unit is the scope, never another organisation's services of the same name.
    """
    if not tag:
        return []
    return [s for s in Service.objects.filter(unit_id=unit_id) if service_tag(s) == tag]


def iterations_tagged(*, unit_id: int, tag: str) -> list[Iteration]:
    """The iterations of ONE unit whose tag is `tag` ("<service tag>-<number>")."""
    head, _sep, number = tag.rpartition("-")
    if not head or not number.isdigit():
        return []
    return list(
        Iteration.objects.filter(
            service__in=services_tagged(unit_id=unit_id, tag=head), number=int(number)
        ).select_related("service")
    )


# --- citizen feedback on an iteration, contributed by the feedback app -----------------------
# feedback depends on experiments (ARCHITECTURE.md), so this app never imports it: the feedback
# app registers its reader here when Django starts (FeedbackConfig.ready, ADR 0011). A reader
# takes the viewer and the iteration and returns a JSON-able summary, or None when it has none.
IterationFeedbackReader = Callable[..., dict[str, Any] | None]
_ITERATION_FEEDBACK_READERS: dict[str, IterationFeedbackReader] = {}


def iteration_feedback_register(name: str, reader: IterationFeedbackReader) -> None:
    _ITERATION_FEEDBACK_READERS[name] = reader


def iteration_feedback(*, viewer: Principal, iteration: Iteration) -> Any:
    """Citizen feedback on an iteration as the viewer may read it.

    From a registered reader (the feedback app: responses linked to this iteration by foreign
    key, in surveys the viewer may read) when it has responses; otherwise the iteration's own
    `feedback_summary` (filled by hand or by an import).
    """
    for reader in _ITERATION_FEEDBACK_READERS.values():
        summary = reader(viewer=viewer, iteration=iteration)
        if summary:
            return json_safe(summary)
    return iteration.feedback_summary


def json_safe(value: Any) -> Any:
    """JSON with NaN/infinity as null (PostgreSQL's jsonb refuses NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def snapshot_latest(*, experiment: Experiment) -> ResultSnapshot | None:
    return experiment.snapshots.order_by("-computed_at", "-pk").first()


def snapshot_list(*, viewer: Principal, ids: list[int]) -> list[ResultSnapshot]:
    visible = experiment_list(viewer=viewer).values("pk")
    return list(
        ResultSnapshot.objects.filter(pk__in=ids, experiment_id__in=visible).select_related(
            "experiment"
        )
    )


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime | date
    kind: str  # iteration | experiment | result | decision
    title: str
    detail: str
    iteration: Iteration


def service_timeline(*, service: Service) -> list[TimelineEntry]:
    """Every iteration, experiment start, latest evidence and decision of a service, in order."""
    iterations = list(
        service.iterations.prefetch_related(
            Prefetch("experiments", queryset=Experiment.objects.prefetch_related("snapshots")),
        )
        .select_related("decision")
        .order_by("number")
    )
    from civicloop.experiments.services import snapshot_headline

    entries: list[TimelineEntry] = []
    for it in iterations:
        entries.append(
            TimelineEntry(
                it.starts_on,
                "iteration",
                _("Iteration %(number)s: %(title)s") % {"number": it.number, "title": it.title},
                it.hypothesis,
                it,
            )
        )
        for ex in it.experiments.all():
            if ex.started_at:
                entries.append(
                    TimelineEntry(
                        ex.started_at,
                        "experiment",
                        _("Experiment started: %(title)s") % {"title": ex.title},
                        ex.get_design_display(),
                        it,
                    )
                )
            snaps = sorted(ex.snapshots.all(), key=lambda s: s.computed_at)
            if snaps:
                last = snaps[-1]
                level = (
                    _(" · Maryland SMS %(sms)s, Nesta %(nesta)s")
                    % {"sms": last.maryland_sms, "nesta": last.nesta_level}
                    if last.maryland_sms
                    else ""
                )
                entries.append(
                    TimelineEntry(
                        last.computed_at,
                        "result",
                        _("Evidence: %(title)s") % {"title": ex.title},
                        snapshot_headline(last) + level,
                        it,
                    )
                )
        # A reverse one-to-one with no row raises RelatedObjectDoesNotExist (an AttributeError).
        decision = getattr(it, "decision", None)
        if decision is not None:
            entries.append(
                TimelineEntry(
                    decision.decided_at,
                    "decision",
                    _("Decision: %(kind)s") % {"kind": decision.get_kind_display()}
                    + (f" ({decision.get_stop_reason_display()})" if decision.stop_reason else ""),
                    decision.rationale,
                    it,
                )
            )

    def key(e: TimelineEntry) -> datetime:
        if isinstance(e.when, datetime):
            return e.when
        return datetime(e.when.year, e.when.month, e.when.day, tzinfo=UTC)

    return sorted(entries, key=key)


def decision_for(*, iteration: Iteration) -> Decision | None:
    return Decision.objects.filter(iteration=iteration).prefetch_related("cited_results").first()


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


def results_view(snapshot: ResultSnapshot | None) -> dict[str, Any]:
    """Flattened rows for the results table (metric, variant, effect, interval, chance)."""
    if snapshot is None or not snapshot.ok:
        return {"rows": []}
    rows = []
    for key, entry in (snapshot.payload.get("metrics") or {}).items():
        for v in entry.get("variants") or []:
            rows.append(
                {
                    "metric": entry.get("name", key),
                    "key": key,
                    "role": entry["role"],
                    "margin": entry.get("margin"),
                    **v,
                }
            )
        if entry.get("error"):
            rows.append(
                {
                    "metric": entry.get("name", key),
                    "key": key,
                    "role": entry["role"],
                    "error": entry["error"],
                }
            )
    return {"rows": rows}


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
