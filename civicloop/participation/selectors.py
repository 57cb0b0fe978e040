"""Reads of citizen participation.

Public reads (`public_*`) hold only what moderation published: proposals in a public status,
their published comments, counts from counted rows, and the author's display name, never an
e-mail address. Staff reads take the `viewer` and keep to the units where they hold
`EDIT_PORTFOLIO` (moderation shows text no one else may see yet); outside them an object is 404.
`followers` and `problem_followers` take an object the caller already holds (notifications
read them for the audit events of docs/participation.md).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from civicloop.core.models import Organization, OrganizationKind, Person
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.participation.models import (
    PUBLIC_STATUSES,
    Citizen,
    Comment,
    CommentStatus,
    Follow,
    ParticipationSettings,
    Proposal,
    ProposalStatus,
    Support,
    SupportStatus,
    counted_supports,
)

MODERATE = Ability.EDIT_PORTFOLIO


def _with_counts(rows: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return rows.select_related("unit", "author", "problem").annotate(
        support_count=counted_supports()
    )


def public_proposal_list(*, unit_id: int | None = None, status: str = "") -> QuerySet[Proposal]:
    rows = Proposal.objects.filter(status__in=PUBLIC_STATUSES)
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    if status in PUBLIC_STATUSES:
        rows = rows.filter(status=status)
    return _with_counts(rows).order_by("-published_at", "-pk")


def public_comment_list(*, proposal: Proposal) -> QuerySet[Comment]:
    """A public proposal's published comments, oldest first."""
    return (
        Comment.objects.filter(proposal=proposal, status=CommentStatus.PUBLISHED)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def public_proposal_get(*, pk: int, with_comments: bool = True) -> Proposal:
    """A public proposal; `with_comments` loads all its published comments as
    `published_comments` (the API's detail; the page pages them with public_comment_list)."""
    qs = _with_counts(Proposal.objects.filter(pk=pk, status__in=PUBLIC_STATUSES))
    if with_comments:
        published = Comment.objects.filter(status=CommentStatus.PUBLISHED).select_related("author")
        qs = qs.prefetch_related(
            Prefetch("comments", queryset=published, to_attr="published_comments")
        )
    proposal = qs.first()
    if proposal is None:
        raise Http404("Not found")
    return proposal


def open_units() -> list[Organization]:
    """Units a citizen may propose to (every unit, unless it stopped taking proposals)."""
    closed = ParticipationSettings.objects.filter(accepting=False).values("unit_id")
    return list(
        Organization.objects.filter(kind=OrganizationKind.UNIT)
        .exclude(pk__in=closed)
        .order_by("name", "pk")
    )


def unit_rule(unit_id: int) -> ParticipationSettings | None:
    return ParticipationSettings.objects.filter(unit_id=unit_id).first()


def citizen_for(person: Person | None) -> Citizen | None:
    if person is None or not person.is_authenticated:
        return None
    return Citizen.objects.filter(person=person).first()


def citizen_proposals(*, citizen: Citizen) -> QuerySet[Proposal]:
    """The citizen's own proposals in every status, with the moderator's reason."""
    return _with_counts(Proposal.objects.filter(author=citizen)).order_by("-created_at", "-pk")


def citizen_comments(*, citizen: Citizen) -> QuerySet[Comment]:
    return Comment.objects.filter(author=citizen).select_related("proposal").order_by("-pk")


def citizen_proposal_get(*, citizen: Citizen, pk: int) -> Proposal:
    proposal = Proposal.objects.filter(pk=pk, author=citizen).first()
    if proposal is None:
        raise Http404("Not found")
    return proposal


def citizen_comment_get(*, citizen: Citizen, pk: int) -> Comment:
    comment = Comment.objects.filter(pk=pk, author=citizen).select_related("proposal").first()
    if comment is None:
        raise Http404("Not found")
    return comment


def citizen_state(*, citizen: Citizen | None, proposal: Proposal) -> dict[str, bool]:
    """Does this citizen support and follow the proposal?"""
    if citizen is None:
        return {"supports": False, "follows": False}
    return {
        "supports": Support.objects.filter(
            proposal=proposal, citizen=citizen, withdrawn_at__isnull=True
        ).exists(),
        "follows": Follow.objects.filter(proposal=proposal, person_id=citizen.person_id).exists(),
    }


# --- staff ---------------------------------------------------------------------------------


def staff_proposal_list(
    *, viewer: Principal, unit_id: int | None = None, status: str = ""
) -> QuerySet[Proposal]:
    rows = Proposal.objects.filter(scope_q(viewer, MODERATE, unit_field="unit_id"))
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    if status in ProposalStatus.values:
        rows = rows.filter(status=status)
    return _with_counts(rows).order_by("-created_at", "-pk")


def staff_proposal_get(*, viewer: Principal, pk: int) -> Proposal:
    proposal = _with_counts(
        Proposal.objects.filter(scope_q(viewer, MODERATE, unit_field="unit_id"), pk=pk)
    ).first()
    if proposal is None:
        raise Http404("Not found")
    return proposal


def moderation_queue(*, viewer: Principal) -> dict[str, list]:
    """What waits for a moderator of the viewer's units: proposals, comments, held supports."""
    scope = scope_q(viewer, MODERATE, unit_field="unit_id")
    in_scope = scope_q(viewer, MODERATE, unit_field="proposal__unit_id")
    waiting = (ProposalStatus.PENDING, ProposalStatus.APPEALED)
    return {
        "proposals": list(
            _with_counts(Proposal.objects.filter(scope, status__in=waiting)).order_by("created_at")
        ),
        "comments": list(
            Comment.objects.filter(
                in_scope, status__in=(CommentStatus.PENDING, CommentStatus.APPEALED)
            )
            .select_related("proposal", "author")
            .order_by("created_at")
        ),
        "supports": list(
            Support.objects.filter(in_scope, status=SupportStatus.HELD, withdrawn_at__isnull=True)
            .select_related("proposal", "citizen")
            .order_by("created_at")
        ),
        "overdue": list(
            _with_counts(
                Proposal.objects.filter(
                    scope, answer_overdue_at__isnull=False, answered_at__isnull=True
                )
            )
        ),
    }


def staff_comment_get(*, viewer: Principal, pk: int) -> Comment:
    comment = (
        Comment.objects.filter(scope_q(viewer, MODERATE, unit_field="proposal__unit_id"), pk=pk)
        .select_related("proposal")
        .first()
    )
    if comment is None:
        raise Http404("Not found")
    return comment


def staff_support_get(*, viewer: Principal, pk: int) -> Support:
    support = (
        Support.objects.filter(scope_q(viewer, MODERATE, unit_field="proposal__unit_id"), pk=pk)
        .select_related("proposal")
        .first()
    )
    if support is None:
        raise Http404("Not found")
    return support


def unit_agencies(unit_id: int) -> list[Organization]:
    return list(
        Organization.objects.filter(unit_id=unit_id, kind=OrganizationKind.AGENCY).order_by("name")
    )


# --- followers (for notifications) -------------------------------------------------------


def proposal_facts(pk: int) -> Proposal | None:
    """System read for notifications: a proposal named by an audit event, with its author."""
    return Proposal.objects.filter(pk=pk).select_related("author").first()


def followers(*, proposal: Proposal) -> QuerySet[Person]:
    """Active people who follow the proposal (its author and supporters who chose to)."""
    return Person.objects.filter(proposal_follows__proposal=proposal, is_active=True).order_by("pk")


def problem_followers(*, problem_id: int) -> QuerySet[Person]:
    """Active people who follow the proposal a portfolio problem was made of."""
    return (
        Person.objects.filter(Q(proposal_follows__proposal__problem_id=problem_id), is_active=True)
        .distinct()
        .order_by("pk")
    )


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def _citizen_proposals(citizen: Citizen) -> list[dict[str, object]]:
    return [
        {
            "id": p.pk,
            "unit": p.unit_id,
            "kind": p.kind,
            "title": p.title,
            "body": p.body,
            "language": p.language,
            "status": p.status,
            "moderation_reason": p.moderation_reason,
            "appeal": p.appeal_text,
            "submitted_at": _iso(p.created_at),
            "published_at": _iso(p.published_at),
            "answer": p.answer,
            "answered_at": _iso(p.answered_at),
        }
        for p in Proposal.objects.filter(author=citizen).order_by("pk")
    ]


def proposal_follows(*, person: Person) -> QuerySet[Follow]:
    """The person's follows of proposals that are public (unordered, for paging in SQL)."""
    return Follow.objects.filter(person=person, proposal__status__in=PUBLIC_STATUSES)


def proposal_titles(*, ids: list[int]) -> dict[int, str]:
    """Titles of the public proposals among `ids`, in one query."""
    rows = Proposal.objects.filter(pk__in=ids, status__in=PUBLIC_STATUSES)
    return dict(rows.values_list("pk", "title"))


def followed_proposals(*, person: Person) -> list[tuple[int, str, datetime]]:
    """(id, title, since) of the public proposals a person follows, newest first."""
    rows = Follow.objects.filter(person=person, proposal__status__in=PUBLIC_STATUSES)
    return [
        (f.proposal_id, f.proposal.title, f.created_at)
        for f in rows.select_related("proposal").order_by("-created_at", "-pk")
    ]


def personal_data(*, person: Person) -> dict[str, object]:
    """The person's own participation, for their data export (GDPR Arts. 15 and 20): the
    citizen profile, their proposals and comments (with moderation state), supports and
    follows. Only what they wrote or did; other people's supports and comments are not theirs."""
    citizen = Citizen.objects.filter(person=person).first()
    follows = [
        {"proposal_id": f.proposal_id, "proposal": f.proposal.title, "since": _iso(f.created_at)}
        for f in Follow.objects.filter(person=person).select_related("proposal").order_by("pk")
    ]
    if citizen is None:
        return {
            "citizen": None,
            "citizen_proposals": [],
            "citizen_comments": [],
            "citizen_supports": [],
            "citizen_follows": follows,
        }
    return {
        "citizen": {
            "display_name": citizen.display_name,
            "email_key": citizen.email_key,
            "language": citizen.language,
            "since": _iso(citizen.created_at),
        },
        "citizen_proposals": _citizen_proposals(citizen),
        "citizen_comments": [
            {
                "id": c.pk,
                "proposal_id": c.proposal_id,
                "body": c.body,
                "status": c.status,
                "moderation_reason": c.moderation_reason,
                "appeal": c.appeal_text,
                "written_at": _iso(c.created_at),
            }
            for c in Comment.objects.filter(author=citizen).order_by("pk")
        ],
        "citizen_supports": [
            {
                "proposal_id": s.proposal_id,
                "proposal": s.proposal.title,
                "status": s.status,
                "held_reason": s.held_reason,
                "given_at": _iso(s.created_at),
                "withdrawn_at": _iso(s.withdrawn_at),
            }
            for s in Support.objects.filter(citizen=citizen).select_related("proposal")
        ],
        "citizen_follows": follows,
    }
