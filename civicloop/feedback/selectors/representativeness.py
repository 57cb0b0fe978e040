"""Representativeness: who answered against a target group's known make-up, and every score
post-stratified to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.feedback import scoring
from civicloop.feedback.labels import AGE_BANDS, LANGUAGES
from civicloop.feedback.models import Answer, Channel, ProfileTarget, Response, Survey
from civicloop.feedback.selectors.scores import (
    answer_rows,
    score_label,
    score_values,
    scores_from_rows,
)
from civicloop.portfolio.models import TargetGroup

_DIMENSION_ORDER: dict[str, list[str]] = {
    "age_band": list(AGE_BANDS),
    "channel": list(Channel.values),
    "language": list(LANGUAGES),
}


def _profile_targets(survey: Survey) -> list[ProfileTarget]:
    """The problem's target make-ups, each with its shares in the dimension's natural order.

    PostgreSQL's jsonb does not keep key order, so the order of groups on the page (and of
    groups named as left out) is fixed here: age bands young to old, channels and languages as
    declared, any other codes alphabetically.
    """
    if survey.problem_id is None:
        return []
    targets = list(
        ProfileTarget.objects.filter(target_group__problems=survey.problem_id)
        .select_related("target_group")
        .order_by("target_group__name", "target_group_id", "dimension")
    )
    for target in targets:
        known = _DIMENSION_ORDER.get(target.dimension, [])
        codes = sorted(
            target.shares,
            key=lambda c: (known.index(c), "") if c in known else (len(known), str(c)),
        )
        target.shares = {code: target.shares[code] for code in codes}
    return targets


def _representativeness(
    target: ProfileTarget, profiles: list[dict[str, Any]]
) -> scoring.Representativeness:
    observed: Counter[str] = Counter(
        str(p[target.dimension]) for p in profiles if p and p.get(target.dimension)
    )
    return scoring.representativeness(target.dimension, dict(observed), target.shares)


def survey_representativeness(*, survey: Survey) -> list[tuple[str, scoring.Representativeness]]:
    """Respondents against each target group's known make-up (the survey's problem's groups)."""
    targets = _profile_targets(survey)
    if not targets:
        return []
    profiles = list(Response.objects.filter(survey=survey).values_list("profile", flat=True))
    return [(t.target_group.name, _representativeness(t, profiles)) for t in targets]


@dataclass(frozen=True)
class WeightedScores:
    """Every score of a survey, unweighted and post-stratified to one target's shares."""

    target_group: str
    dimension: str
    shares: dict[str, float]
    rows: list[tuple[scoring.Score, scoring.WeightedScore]]

    @property
    def empty_groups(self) -> list[str]:
        """Target groups left out of at least one weighted score (no respondents there)."""
        seen: list[str] = []
        for _, w in self.rows:
            seen += [g for g in w.empty_groups if g not in seen]
        return seen

    @property
    def left_out(self) -> int:
        """The most respondents any one score could not weight (no group given)."""
        return max((w.left_out for _, w in self.rows), default=0)


@dataclass(frozen=True)
class TargetCheck:
    """One target group and dimension: who answered against it, and the scores weighted to it."""

    target_group: str
    dimension: str
    representativeness: scoring.Representativeness
    weighted: WeightedScores


def survey_target_checks(*, survey: Survey) -> list[TargetCheck]:
    """For each target group and dimension: the representativeness check and every score
    unweighted and post-stratified to the group's shares.

    A score's weights come from the respondents who answered it (item non-response changes
    the group mix); see `civicloop.stats.weighted` for the estimators and what is done with
    groups that have no respondents.
    """
    targets = _profile_targets(survey)
    if not targets:
        return []
    rows = answer_rows(Answer.objects.filter(response__survey=survey))
    unweighted = {score.key: score for score in scores_from_rows(rows)}
    values = score_values(rows)
    profiles: dict[int, dict[str, Any]] = {
        pk: profile or {}
        for pk, profile in Response.objects.filter(survey=survey).values_list("pk", "profile")
    }
    checks = []
    for target in targets:
        shares = {str(k): float(v) for k, v in target.shares.items()}
        pairs = []
        for key, kind, answers in values:
            groups = [profiles.get(rid, {}).get(target.dimension) or None for rid, _ in answers]
            weighted = scoring.weighted_score(
                key, score_label(key), kind, [v for _, v in answers], groups, shares
            )
            pairs.append((unweighted[key], weighted))
        name = target.target_group.name
        checks.append(
            TargetCheck(
                name,
                target.dimension,
                _representativeness(target, list(profiles.values())),
                WeightedScores(name, target.dimension, shares, pairs),
            )
        )
    return checks


def makeup_target_groups(
    *, viewer: Principal, ability: Ability = Ability.VIEW_FEEDBACK
) -> list[TargetGroup]:
    """Target groups of the units where the viewer has `ability`, each with its make-up."""
    return list(
        TargetGroup.objects.filter(unit_id__in=viewer.units_with(ability))
        .prefetch_related(
            Prefetch("feedback_profiles", ProfileTarget.objects.order_by("dimension"))
        )
        .order_by("name", "pk")
    )


def makeup_target_group_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.MANAGE_FEEDBACK
) -> TargetGroup:
    """One target group the viewer may enter a make-up for (404 otherwise)."""
    group = TargetGroup.objects.filter(pk=pk, unit_id__in=viewer.units_with(ability)).first()
    if group is None:
        raise Http404("Not found")
    return group
