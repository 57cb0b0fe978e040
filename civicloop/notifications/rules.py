"""Which audited action tells whom what: the one table that maps audit events to notices.

Every sensitive action already writes an audit event (`core.audit.audit_record`); the
notifications app listens for new events (`hooks.py`, after commit) and looks the action up
here. A rule reads the facts and the recipients through the owning app's selectors and returns
`Notice`s; the app never changes another app's data and no other app calls it.

Adding an app's events is one entry. `followers_rule(kind)` tells everyone who follows the
audited object (`Follow`), with the title and status the event's `after` holds; apps with their
own followers (participation) get a rule that reads them through their selectors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse

from civicloop.core.models import AuditEvent
from civicloop.experiments.events import ExperimentsEvent
from civicloop.market.events import MarketEvent
from civicloop.market.models import STANDSTILL_DAYS
from civicloop.market.selectors import challenge_subscribers
from civicloop.market.selectors import recipients as market
from civicloop.notifications.kinds import NotificationKind as K
from civicloop.notifications.notices import Notice
from civicloop.notifications.selectors import first_actor_of, followers_of, iteration_problem_ids
from civicloop.participation import selectors as participation
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import PUBLIC_STATUSES
from civicloop.portal import selectors as portal
from civicloop.portal.events import PortalEvent
from civicloop.scaling.events import ScalingEvent

Rule = Callable[[AuditEvent], list[Notice]]

# The standstill period (market.models.STANDSTILL_DAYS, the public portal counts the same) is
# used when the award's event states no end date of its own.


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def challenge_followers(challenge_id: int, exclude: Collection[int | None] = ()) -> list[int]:
    """The people following a challenge (`Follow` of "market.challenge"), less `exclude`."""
    return [p for p in followers_of("market.challenge", str(challenge_id)) if p not in exclude]


def challenge_update(challenge_id: int | None, change: str) -> list[Notice]:
    """Tell a challenge's followers what changed on it (a `ChallengeChange` code)."""
    challenge = market.challenge_facts(int(challenge_id)) if challenge_id else None
    if challenge is None:
        return []
    params = {"title": challenge.title, "change": change}
    link = _url("market:challenge", challenge.pk)
    return [Notice(K.CHALLENGE_UPDATE, challenge_followers(challenge.pk), params, link)]


def challenge_status_changed(event: AuditEvent) -> list[Notice]:
    """Any change of a challenge's phase tells its followers; a publication also tells the
    companies whose subscription matches it."""
    return challenge_update(int(event.object_id), "status") + challenge_published(event)


def phase_changed(event: AuditEvent) -> list[Notice]:
    """A phase of a call was set or closed: the challenge's followers."""
    return challenge_update(market.phase_challenge_id(int(event.object_id)), "phase")


def challenge_published(event: AuditEvent) -> list[Notice]:
    """A challenge opened (consultation or open): companies whose subscription matches it."""
    if (event.after or {}).get("status") not in ("consultation", "open"):
        return []
    if (event.before or {}).get("status") not in ("draft", None):
        return []  # consultation → open is not a new publication
    challenge = market.challenge_facts(int(event.object_id))
    if challenge is None:
        return []
    people = market.company_people(challenge_subscribers(challenge=challenge))
    params = {"title": challenge.title, "deadline": _when(challenge.submission_deadline)}
    return [Notice(K.CHALLENGE_PUBLISHED, people, params, _url("market:challenge", challenge.pk))]


def question_answered(event: AuditEvent) -> list[Notice]:
    question = market.question_asker(int(event.object_id))
    if question is None:
        return []
    if question.asked_by_id is None:
        return challenge_update(question.challenge_id, "answer")
    params = {"title": question.challenge.title}
    link = _url("market:challenge", question.challenge_id)
    followers = challenge_followers(question.challenge_id, exclude={question.asked_by_id})
    return [
        Notice(K.QUESTION_ANSWERED, [question.asked_by_id], params, link),
        Notice(K.CHALLENGE_UPDATE, followers, params | {"change": "answer"}, link),
    ]


def proposal_receipt(event: AuditEvent) -> list[Notice]:
    """The receipt: the sealed text's SHA-256 (what) and the audit chain entry (when)."""
    proposal = market.proposal_facts(int(event.object_id))
    if proposal is None:
        return []
    meta = event.metadata or {}
    params = {
        "title": proposal.challenge.title,
        "code": meta.get("code", proposal.code),
        "revision": meta.get("revision", proposal.revision),
        "sha256": meta.get("sha256", ""),
        "sealed_at": _when(event.occurred_at),
        "audit_sequence": event.sequence,
        "audit_hash": event.hash,
    }
    people = market.company_people([proposal.vendor_id])
    return [Notice(K.PROPOSAL_RECEIPT, people, params, _url("market:proposal", proposal.pk))]


def _standstill(event: AuditEvent) -> str:
    stated = (event.after or {}).get("standstill_ends") or (event.metadata or {}).get(
        "standstill_ends"
    )
    if stated:
        return str(stated)[:10]
    from datetime import timedelta

    return (event.occurred_at + timedelta(days=STANDSTILL_DAYS)).strftime("%Y-%m-%d")


def award_decided(event: AuditEvent) -> list[Notice]:
    outcome = market.award_outcome(int(event.object_id))
    if outcome is None:
        return []
    award = outcome.award
    facts = {
        "title": award.challenge.title,
        "standstill_ends": _standstill(event),
    }
    link = _url("market:challenge", award.challenge_id)
    won = facts | {
        "code": award.proposal.code,
        "amount": str(award.amount),
        "currency": award.currency,
    }
    winners = market.company_people([outcome.winner_company_id])
    losers = market.company_people(outcome.unsuccessful_company_ids)
    followers = challenge_followers(award.challenge_id, exclude={*winners, *losers})
    return [
        Notice(K.AWARD, winners, won, link),
        Notice(K.UNSUCCESSFUL, losers, facts, link),
        Notice(K.CHALLENGE_UPDATE, followers, {"title": facts["title"], "change": "award"}, link),
    ]


def evaluation_assigned(event: AuditEvent) -> list[Notice]:
    """An evaluator assigned to a challenge or one of its proposals (`market.evaluator_assign`,
    whose event's `after` names `evaluator_id`, `challenge_id` and `proposal_id`). The link is
    the proposal, or the market's home, where an evaluator's proposals are listed (the
    challenge's workspace is for unit staff)."""
    data = (event.after or {}) | (event.metadata or {})
    evaluator = data.get("evaluator_id")
    challenge_id = data.get("challenge_id")
    challenge = market.challenge_facts(int(challenge_id)) if challenge_id else None
    if not evaluator or challenge is None:
        return []
    proposal_id = data.get("proposal_id")
    link = _url("market:proposal", int(proposal_id)) if proposal_id else _url("market:home")
    return [Notice(K.EVALUATION_ASSIGNED, [int(evaluator)], {"title": challenge.title}, link)]


def evaluation_unassigned(event: AuditEvent) -> list[Notice]:
    """An evaluator taken off a challenge or one of its proposals (`market.evaluator_unassign`,
    whose event's `before` names `evaluator_id`, `challenge_id` and `proposal_id`)."""
    data = event.before or {}
    evaluator = data.get("evaluator_id")
    challenge_id = data.get("challenge_id")
    challenge = market.challenge_facts(int(challenge_id)) if challenge_id else None
    if not evaluator or challenge is None:
        return []
    scope = "proposal" if data.get("proposal_id") else "challenge"
    params = {"title": challenge.title, "scope": scope}
    return [Notice(K.EVALUATION_UNASSIGNED, [int(evaluator)], params, _url("market:home"))]


def followers_rule(kind: str, *, applicant_action: str = "") -> Rule:
    """Tell the followers of the audited object (and, if named, whoever first did
    `applicant_action` on it) with the `title`/`status` of the event's `after`."""

    def rule(event: AuditEvent) -> list[Notice]:
        after = event.after or {}
        people = followers_of(event.object_type, event.object_id)
        if applicant_action:
            applicant = first_actor_of(applicant_action, event.object_type, event.object_id)
            people = sorted(set(people) | ({applicant} if applicant else set()))
        params = {
            "title": str(after.get("title") or after.get("name") or f"#{event.object_id}"),
            "status": str(after.get("status") or after.get("kind") or ""),
            "decision": str(after.get("kind") or ""),
            "iteration": f"#{event.object_id}",
        }
        return [Notice(kind, people, params)]

    return rule


def _problem_followers(iteration_id: str) -> set[int]:
    """People who follow, through participation, a citizen proposal made into a problem the
    iteration works on (its service's problems)."""
    return {
        person.pk
        for problem_id in iteration_problem_ids(iteration_id)
        for person in participation.problem_followers(problem_id=problem_id)
    }


def decision_recorded(event: AuditEvent) -> list[Notice]:
    """A decision on an iteration: its followers, and the followers of the citizen proposals
    its problems came from."""
    (notice,) = followers_rule(K.DECISION_RECORDED)(event)
    people = sorted(set(notice.person_ids) | _problem_followers(event.object_id))
    return [Notice(notice.kind, people, notice.params, notice.link)]


def citizen_proposal_status(event: AuditEvent) -> list[Notice]:
    """A citizen proposal changed status: its author and its followers, once per event. The
    status is stored as its code and worded in the reader's language (messages.py)."""
    meta = event.metadata or {}
    proposal = participation.proposal_facts(int(meta.get("proposal_id") or event.object_id))
    if proposal is None:
        return []
    people = {p.pk for p in participation.followers(proposal=proposal)}
    people.add(proposal.author.person_id)
    status = str((event.after or {}).get("status") or proposal.status)
    public = status in PUBLIC_STATUSES
    link = _url("participation:detail", proposal.pk) if public else _url("participation:mine")
    params = {"title": proposal.title, "status": status}
    return [Notice(K.CITIZEN_PROPOSAL_STATUS, sorted(people), params, link)]


def summary_published(event: AuditEvent) -> list[Notice]:
    """ "You said, we did" is public: followers of the iteration and of the citizen proposals its
    problems came from. Feedback respondents are anonymous and cannot be reached."""
    summary = portal.summary_list_public().filter(pk=int(event.object_id)).first()
    if summary is None:
        return []  # withdrawn again before the hook ran
    iteration = str(summary.iteration_id)
    people = set(followers_of("experiments.iteration", iteration)) | _problem_followers(iteration)
    params = {"title": summary.title, "service": summary.service_name}
    return [Notice(K.SUMMARY_PUBLISHED, sorted(people), params, _url("portal:result", summary.pk))]


RULES: dict[str, Rule] = {
    MarketEvent.CHALLENGE_STATUS_CHANGED: challenge_status_changed,
    MarketEvent.PHASE_SET: phase_changed,
    MarketEvent.PHASE_CLOSED: phase_changed,
    MarketEvent.EVALUATOR_UNASSIGNED: evaluation_unassigned,
    MarketEvent.QUESTION_ANSWERED: question_answered,
    MarketEvent.PROPOSAL_SUBMITTED: proposal_receipt,
    MarketEvent.PROPOSAL_REVISED: proposal_receipt,
    MarketEvent.AWARD_DECIDED: award_decided,
    MarketEvent.EVALUATOR_ASSIGNED: evaluation_assigned,
    ExperimentsEvent.DECISION_RECORDED: decision_recorded,
    ParticipationEvent.PROPOSAL_STATUS_CHANGED: citizen_proposal_status,
    PortalEvent.SUMMARY_PUBLISHED: summary_published,
    ScalingEvent.SANDBOX_ELIGIBILITY_DECIDED: followers_rule(
        K.SANDBOX_STATUS, applicant_action=ScalingEvent.SANDBOX_APPLIED
    ),
    ScalingEvent.SANDBOX_STARTED: followers_rule(
        K.SANDBOX_STATUS, applicant_action=ScalingEvent.SANDBOX_APPLIED
    ),
    ScalingEvent.SANDBOX_EXTENDED: followers_rule(
        K.SANDBOX_STATUS, applicant_action=ScalingEvent.SANDBOX_APPLIED
    ),
    ScalingEvent.SANDBOX_EXITED: followers_rule(
        K.SANDBOX_STATUS, applicant_action=ScalingEvent.SANDBOX_APPLIED
    ),
}
