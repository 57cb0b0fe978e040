"""Challenges: the public list, a unit's own (drafts included), one challenge and its log."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    ChangeLogEntry,
    Proposal,
)
from civicloop.market.selectors._common import COUNTED_STATUSES


def challenge_list_public() -> QuerySet[Challenge]:
    """Published challenges, for everyone (no sign-in)."""
    return (
        Challenge.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("unit")
        .annotate(
            proposal_count=Count("proposals", filter=Q(proposals__status__in=COUNTED_STATUSES))
        )
        .order_by("-published_at", "-pk")
    )


def challenge_list_open_public() -> QuerySet[Challenge]:
    """Published challenges a startup can still take part in (consultation or open for
    proposals), soonest deadline first, with their phases loaded (budget per phase)."""
    return (
        challenge_list_public()
        .filter(status__in=[ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN])
        .prefetch_related("phases")
        .order_by(F("submission_deadline").asc(nulls_last=True), "-pk")
    )


def challenge_get_public(*, pk: int) -> Challenge:
    """One published challenge (404 for a draft or an unknown id)."""
    challenge = challenge_list_public().filter(pk=pk).first()
    if challenge is None:
        raise Http404("Not found")
    return challenge


def challenge_list(*, viewer: Principal, own_units_only: bool = False) -> QuerySet[Challenge]:
    """Every challenge of the viewer's units (drafts included) plus all published ones (or,
    with `own_units_only`, only the former)."""
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    condition = Q(unit_id__in=units)
    if not own_units_only:
        condition |= Q(status__in=PUBLIC_STATUSES)
    return (
        Challenge.objects.filter(condition)
        .select_related("unit", "problem")
        .annotate(
            proposal_count=Count("proposals", filter=Q(proposals__status__in=COUNTED_STATUSES))
        )
        .order_by("-created_at", "-pk")
    )


def challenge_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_MARKET
) -> Challenge:
    """A challenge of the viewer's unit with `ability`; published ones are readable by all."""
    challenge = Challenge.objects.select_related("unit", "problem").filter(pk=pk).first()
    if challenge is None:
        raise Http404("Not found")
    if challenge.unit_id in viewer.units_with(ability):
        return challenge
    if ability == Ability.VIEW_MARKET and challenge.is_public:
        return challenge
    raise Http404("Not found")


def challenge_readable(*, viewer: Principal) -> QuerySet[Challenge]:
    """The challenges the viewer may read, as `challenge_get` decides: their units' own (any
    status) and published ones."""
    return Challenge.objects.filter(
        Q(unit_id__in=sorted(viewer.units_with(Ability.VIEW_MARKET)))
        | Q(status__in=PUBLIC_STATUSES)
    )


def challenge_titles(*, viewer: Principal, ids: list[int]) -> dict[int, str]:
    """Titles of the challenges among `ids` that the viewer may read, in one query."""
    return dict(challenge_readable(viewer=viewer).filter(pk__in=ids).values_list("pk", "title"))


def challenge_change_log(*, challenge: Challenge) -> list[ChangeLogEntry]:
    """The public log of a challenge's changes since publication, oldest first."""
    return list(challenge.changes.all())


def challenge_republished_as(*, challenge: Challenge) -> ChangeLogEntry | None:
    """The log entry naming the new call a cancelled one was re-published as, if any."""
    return challenge.changes.filter(field="republished_as").last()


def proposal_counts(*, challenge_ids: list[int]) -> dict[int, int]:
    """`proposal_count` of several challenges in one query (0 for those without any)."""
    counted = (
        Proposal.objects.filter(challenge_id__in=challenge_ids, status__in=COUNTED_STATUSES)
        .values("challenge_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {row["challenge_id"]: row["n"] for row in counted}
    return {pk: found.get(pk, 0) for pk in challenge_ids}


def proposal_count(*, challenge: Challenge) -> int:
    """How many proposals a challenge received (public: it reveals nothing about content)."""
    return Proposal.objects.filter(challenge=challenge, status__in=COUNTED_STATUSES).count()
