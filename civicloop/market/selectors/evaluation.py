"""Evaluation: the weighted ranking (after the deadline), divergent scores, an evaluator's own."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext

from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import (
    PHASE_ORDER,
    Challenge,
    ConflictDeclaration,
    Criterion,
    PhaseKind,
    Proposal,
    ProposalStatus,
    Score,
)
from civicloop.market.selectors._common import (
    COUNTED_STATUSES,
    deadline_passed,
    identity_visible,
    label_of,
    visible_proposals,
)
from civicloop.market.selectors.phases import rubric_for

# Scores of one criterion diverge when the evaluators' spread reaches this share of the scale.
DIVERGENCE_SHARE = 0.3


@dataclass(frozen=True)
class RankingRow:
    proposal_id: int
    code: str
    vendor_name: str
    phase: str
    # 0..100 once every criterion of the rubric has at least one score; None until then (a
    # proposal nobody scored is flagged, never ranked at 0).
    weighted_score: float | None
    criterion_means: dict[str, float]
    evaluators: int
    status: str
    criteria_scored: int = 0
    criteria_total: int = 0

    @property
    def unscored(self) -> bool:
        return self.weighted_score is None

    @property
    def flag(self) -> str:
        """Why the proposal has no score yet ("" when it has one)."""
        if self.evaluators == 0:
            return gettext("No evaluator has scored this proposal.")
        if self.weighted_score is None:
            return gettext("Scored on %(done)s of %(total)s criteria: no weighted score yet.") % {
                "done": self.criteria_scored,
                "total": self.criteria_total,
            }
        return ""

    @property
    def phase_label(self) -> str:
        return label_of(PhaseKind, self.phase)

    @property
    def status_label(self) -> str:
        return label_of(ProposalStatus, self.status)


def weighted_score(criteria: list[Criterion], means: dict[int, float]) -> float | None:
    """Σ weight × mean/max over criteria; 100 means every evaluator gave every maximum.

    None while any criterion has no score: a missing score is not a zero."""
    if not criteria or any(c.pk not in means for c in criteria):
        return None
    return round(sum(c.weight * means[c.pk] / c.max_score for c in criteria), 2)


def ranking(*, viewer: Principal, challenge: Challenge) -> list[RankingRow]:
    """Proposals ranked by weighted mean score per phase; only after the deadline."""
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    if not deadline_passed(challenge):
        return []
    proposals = list(
        visible_proposals(viewer)
        .filter(challenge=challenge, status__in=COUNTED_STATUSES)
        .select_related("challenge", "phase", "vendor")
    )
    scores = list(Score.objects.filter(proposal__in=proposals))
    rows = []
    for p in proposals:
        criteria = rubric_for(challenge=challenge, phase=p.phase)
        mine = [s for s in scores if s.proposal_id == p.pk]
        means = {}
        for c in criteria:
            values = [s.score for s in mine if s.criterion_id == c.pk]
            if values:
                means[c.pk] = sum(values) / len(values)
        rows.append(
            RankingRow(
                proposal_id=p.pk,
                code=p.code,
                vendor_name=p.vendor.name if identity_visible(viewer, p) else f"Proposal {p.code}",
                phase=p.phase.kind,
                weighted_score=weighted_score(criteria, means),
                criterion_means={c.name: round(means[c.pk], 2) for c in criteria if c.pk in means},
                evaluators=len({s.evaluator_id for s in mine}),
                status=p.status,
                criteria_scored=len(means),
                criteria_total=len(criteria),
            )
        )
    # Per phase, scored proposals by score, then the unscored ones (flagged, never ranked).
    return sorted(
        rows,
        key=lambda r: (
            PHASE_ORDER.index(r.phase),
            r.weighted_score is None,
            -(r.weighted_score or 0.0),
            r.code,
        ),
    )


@dataclass(frozen=True)
class Divergence:
    proposal_code: str
    criterion: str
    scores: list[int]
    spread: int
    max_score: int
    divergent: bool


def moderation(*, viewer: Principal, challenge: Challenge) -> list[Divergence]:
    """Per proposal and criterion, the evaluators' scores and whether they diverge."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    out = []
    scores = (
        Score.objects.filter(proposal__challenge=challenge)
        .select_related("proposal", "criterion")
        .order_by("proposal__code", "criterion_id", "evaluator_id")
    )
    grouped: dict[tuple[str, int], list[Score]] = {}
    for s in scores:
        grouped.setdefault((s.proposal.code, s.criterion_id), []).append(s)
    for (code, _), items in grouped.items():
        values = [s.score for s in items]
        criterion = items[0].criterion
        spread = max(values) - min(values)
        out.append(
            Divergence(
                code,
                criterion.name,
                values,
                spread,
                criterion.max_score,
                len(values) > 1 and spread >= DIVERGENCE_SHARE * criterion.max_score,
            )
        )
    return out


def my_scores(*, viewer: Principal, proposal: Proposal) -> dict[int, Score]:
    if viewer.person is None:
        return {}
    return {
        s.criterion_id: s for s in Score.objects.filter(proposal=proposal, evaluator=viewer.person)
    }


def my_declaration(*, viewer: Principal, proposal: Proposal) -> ConflictDeclaration | None:
    if viewer.person is None:
        return None
    return ConflictDeclaration.objects.filter(proposal=proposal, evaluator=viewer.person).first()
