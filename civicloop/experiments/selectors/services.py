"""Reads of public services: the viewer's services, their tags and their timeline.

Unit staff, evaluators and auditors see their unit's services; agency officials see the
services their agency owns; vendors see the services shared with their company. Everything
else answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.permissions import Principal
from civicloop.experiments.models import (
    Experiment,
    Iteration,
    Service,
)
from civicloop.experiments.selectors._scope import service_scope
from civicloop.experiments.selectors.results import snapshot_headline_text
from civicloop.portfolio.models import Problem


def service_list(*, viewer: Principal) -> QuerySet[Service]:
    """Services the viewer may see."""
    ids = Service.objects.filter(service_scope(viewer)).values("pk")
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


def problem_services(*, problem: Problem) -> QuerySet[Service]:
    """The services of the problem's own unit linked to it, with iterations and experiments.

    For reports on a problem the caller may already read (the evidence app).
    """
    return (
        problem.services.filter(unit_id=problem.unit_id)
        .prefetch_related("iterations__experiments")
        .order_by("name")
    )


def service_tag(service: Service) -> str:
    """The `service_key` a service's pages send with feedback: its slugified name."""
    return slugify(service.name)


def services_tagged(*, unit_id: int, tag: str) -> list[Service]:
    """The services of ONE unit whose tag is `tag` (two names can slugify alike).

    For resolving a tag that arrived with a citizen's response to a survey of that unit: the
    survey's unit is the scope, never another organisation's services of the same name.
    """
    if not tag:
        return []
    return [s for s in Service.objects.filter(unit_id=unit_id) if service_tag(s) == tag]


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
    entries = [entry for it in iterations for entry in _iteration_entries(it)]
    return sorted(entries, key=_timeline_moment)


def _timeline_moment(entry: TimelineEntry) -> datetime:
    if isinstance(entry.when, datetime):
        return entry.when
    return datetime(entry.when.year, entry.when.month, entry.when.day, tzinfo=UTC)


def _iteration_entries(it: Iteration) -> list[TimelineEntry]:
    """An iteration's start, its experiments' starts and latest evidence, and its decision."""
    entries = [
        TimelineEntry(
            it.starts_on,
            "iteration",
            _("Iteration %(number)s: %(title)s") % {"number": it.number, "title": it.title},
            it.hypothesis,
            it,
        )
    ]
    for ex in it.experiments.all():
        entries.extend(_experiment_entries(it, ex))
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
    return entries


def _experiment_entries(it: Iteration, ex: Experiment) -> list[TimelineEntry]:
    entries = []
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
                snapshot_headline_text(last) + level,
                it,
            )
        )
    return entries
