"""Reads of decisions, and the experiments' numbers a decision weighs (beside the feedback)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from civicloop.core.permissions import Ability, Principal
from civicloop.experiments.models import (
    Decision,
    Design,
    Iteration,
    ResultSnapshot,
    Service,
)
from civicloop.experiments.selectors._scope import service_scope
from civicloop.experiments.selectors.effects import EffectRow, results_summary
from civicloop.experiments.selectors.results import snapshot_headline_text
from civicloop.experiments.selectors.site_results import SiteSummary, site_summary


def decision_for(*, iteration: Iteration) -> Decision | None:
    return Decision.objects.filter(iteration=iteration).prefetch_related("cited_results").first()


@dataclass
class ResultEvidence:
    """One computed result as a decision reads it: effect, interval, evidence level, guardrails."""

    snapshot: ResultSnapshot
    title: str
    design: str
    rows: list[EffectRow] = field(default_factory=list)  # the primary metric's effects
    guardrails: list[EffectRow] = field(default_factory=list)
    guardrail_verdict: str | None = None
    site: SiteSummary | None = None
    confidence: int = 95
    headline: str = ""  # one line in the reader's language (`snapshot_headline_text`)


def result_evidence(snapshot: ResultSnapshot) -> ResultEvidence:
    """What the decision page shows of one snapshot (the caller scoped it)."""
    experiment = snapshot.experiment
    summary = results_summary(experiment=experiment, snapshot=snapshot)
    return ResultEvidence(
        snapshot=snapshot,
        title=experiment.title,
        design=str(Design(experiment.design).label),
        rows=[r for r in summary.rows if r.role == "primary"],
        guardrails=[r for r in summary.rows if r.role == "guardrail"],
        guardrail_verdict=summary.guardrail_verdict,
        site=site_summary(experiment=experiment, snapshot=snapshot),
        confidence=summary.confidence if summary.rows else round((1 - experiment.alpha) * 100),
        headline=snapshot_headline_text(snapshot),
    )


def iteration_evidence(*, iteration: Iteration) -> list[ResultEvidence]:
    """The latest computed result of each of the iteration's experiments (the caller scoped
    the iteration through `iteration_get`)."""
    out = []
    for experiment in iteration.experiments.order_by("pk"):
        snapshot = experiment.snapshots.filter(ok=True).order_by("-computed_at", "-pk").first()
        if snapshot is not None:
            out.append(result_evidence(snapshot))
    return out


def decision_list_managed(*, viewer: Principal) -> QuerySet[Decision]:
    """Decisions on iterations of the units where the viewer runs experiments, newest first,
    with the iteration, its service and the cited results (and their experiments) loaded: what
    the public "you said, we did" summary is drafted from."""
    units = sorted(viewer.units_with(Ability.MANAGE_EXPERIMENTS))
    return (
        Decision.objects.filter(iteration__service__unit_id__in=units)
        .select_related("iteration", "iteration__service", "iteration__service__unit")
        .prefetch_related(
            Prefetch(
                "cited_results",
                queryset=ResultSnapshot.objects.select_related("experiment").order_by("pk"),
            )
        )
        .order_by("-decided_at", "-pk")
    )


def decision_search(*, viewer: Principal, query: str = "") -> QuerySet[Decision]:
    """Decisions on iterations of services the viewer may see whose service name, iteration
    title, change, hypothesis or rationale hold every word of `query` (case-insensitive, in
    SQL), newest first, with the iteration and its service loaded: the lessons archive's
    "decided iterations", a slice at a time."""
    qs = Decision.objects.filter(
        iteration__service__in=Service.objects.filter(service_scope(viewer))
    )
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(iteration__service__name__icontains=word)
            | Q(iteration__title__icontains=word)
            | Q(iteration__what_changes__icontains=word)
            | Q(iteration__hypothesis_change__icontains=word)
            | Q(iteration__hypothesis_metric__icontains=word)
            | Q(iteration__hypothesis_group__icontains=word)
            | Q(iteration__hypothesis_effect__icontains=word)
            | Q(iteration__hypothesis_because__icontains=word)
            | Q(rationale__icontains=word)
        )
    return qs.select_related("iteration", "iteration__service").order_by("-decided_at", "-pk")
