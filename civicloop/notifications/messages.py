"""The words of each notification kind: a subject and a sentence, with named placeholders.

Rendered in the reader's language when shown or mailed (`render`); the facts come from the
notification's `params`, which hold no words of their own (dates are ISO, amounts are numbers
with their currency code), so one stored notification reads right in English and in Spanish.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicloop.notifications.kinds import NotificationKind as K
from civicloop.participation.models import ProposalStatus

MESSAGES: dict[str, tuple[Any, Any]] = {
    K.CHALLENGE_PUBLISHED: (
        _("New challenge for you: %(title)s"),
        _(
            "A challenge that matches your company's profile is open: %(title)s. "
            "Proposals are due by %(deadline)s."
        ),
    ),
    K.QUESTION_ANSWERED: (
        _("Your question on %(title)s was answered"),
        _(
            "The unit answered the question you asked on %(title)s. The answer is published on "
            "the challenge's page."
        ),
    ),
    K.DEADLINE_APPROACHING: (
        _("%(days)s day(s) left to submit to %(title)s"),
        _(
            "Proposals to %(title)s are due by %(deadline)s, in %(days)s day(s). "
            "Your company has not submitted one yet."
        ),
    ),
    K.PROPOSAL_RECEIPT: (
        _("Receipt: proposal %(code)s to %(title)s"),
        _(
            "We received and sealed revision %(revision)s of proposal %(code)s to %(title)s at "
            "%(sealed_at)s. SHA-256 of the sealed text: %(sha256)s. Audit log entry "
            "%(audit_sequence)s, hash %(audit_hash)s. Keep this receipt: the hash proves what "
            "was sealed, and the audit entry when."
        ),
    ),
    K.EVALUATION_ASSIGNED: (
        _("Evaluation assigned: %(title)s"),
        _(
            "You were assigned to evaluate proposals to %(title)s. Declare any conflict of "
            "interest before you score."
        ),
    ),
    K.EVALUATION_UNASSIGNED: (
        _("Evaluation unassigned: %(title)s"),
        _(
            "You are no longer assigned to evaluate %(scope)s of %(title)s. The scores you "
            "recorded stay in the audit log."
        ),
    ),
    K.AWARD: (
        _("Your proposal %(code)s to %(title)s was awarded"),
        _(
            "The unit awarded your proposal %(code)s to %(title)s: %(amount)s %(currency)s. "
            "The standstill period ends on %(standstill_ends)s; the contract is signed after it."
        ),
    ),
    K.UNSUCCESSFUL: (
        _("Outcome of %(title)s: your proposal was not successful"),
        _(
            "The unit awarded %(title)s to another proposal. You may ask for the reasons and "
            "challenge the decision until the standstill period ends on %(standstill_ends)s."
        ),
    ),
    K.DECISION_RECORDED: (
        _("Decision recorded on an iteration you follow"),
        _("A decision (%(decision)s) was recorded on iteration %(iteration)s, which you follow."),
    ),
    K.OBSTACLE_OVERDUE: (
        _("Obstacle overdue: %(title)s"),
        _("The obstacle %(title)s that you own was due on %(due_date)s and is still open."),
    ),
    K.SANDBOX_STATUS: (
        _("Sandbox %(title)s: %(status)s"),
        _("The sandbox application %(title)s changed status: %(status)s."),
    ),
    K.CITIZEN_PROPOSAL_STATUS: (
        _("A citizen proposal changed status: %(title)s"),
        _("The citizen proposal %(title)s is now: %(status)s."),
    ),
    K.SUMMARY_PUBLISHED: (
        _("You said, we did: %(title)s"),
        _(
            "What the unit tried on %(service)s, what it changed and its measured effect are "
            "now public: %(title)s."
        ),
    ),
    K.CHALLENGE_UPDATE: (
        _("A challenge you follow changed: %(title)s"),
        _("%(change)s on %(title)s, a challenge you follow."),
    ),
}


class ChallengeChange(models.TextChoices):
    """What changed on a followed challenge (stored as the code, worded when rendered)."""

    ANSWER = "answer", _("A consultation question was answered")
    STATUS = "status", _("The call changed phase")
    PHASE = "phase", _("A phase of the call was set or closed")
    AWARD = "award", _("The unit decided an award")
    DEADLINE = "deadline", _("The submission deadline is near")


class EvaluationScope(models.TextChoices):
    CHALLENGE = "challenge", _("the proposals")
    PROPOSAL = "proposal", _("one proposal")


# Facts stored as codes (never words) and worded in the reader's language when rendered.
LABELS: dict[str, dict[str, type[models.TextChoices]]] = {
    K.CITIZEN_PROPOSAL_STATUS: {"status": ProposalStatus},
    K.CHALLENGE_UPDATE: {"change": ChallengeChange},
    K.EVALUATION_UNASSIGNED: {"scope": EvaluationScope},
}


def _worded(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    facts = dict(params)
    for key, choices in LABELS.get(kind, {}).items():
        if facts.get(key) in choices.values:
            facts[key] = str(choices(facts[key]).label)
    return facts


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def render(kind: str, params: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """(subject, sentence) of a notification, in `language` (the active one when None)."""
    subject, body = MESSAGES[kind]
    with translation.override(language or translation.get_language()):
        worded = _worded(kind, params)
        facts = _Missing({k: v for k, v in worded.items() if v not in (None, "")})
        return str(subject) % facts, str(body) % facts
