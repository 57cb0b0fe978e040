"""The kinds of notification, each with its label in both languages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    CHALLENGE_PUBLISHED = "challenge_published", _("A challenge matching your profile is open")
    QUESTION_ANSWERED = "question_answered", _("Your consultation question was answered")
    DEADLINE_APPROACHING = "deadline_approaching", _("A submission deadline is approaching")
    PROPOSAL_RECEIPT = "proposal_receipt", _("Receipt of your sealed proposal")
    EVALUATION_ASSIGNED = "evaluation_assigned", _("You were assigned an evaluation")
    EVALUATION_UNASSIGNED = "evaluation_unassigned", _("An evaluation was taken off you")
    AWARD = "award", _("Your proposal was awarded")
    UNSUCCESSFUL = "unsuccessful", _("Your proposal was not successful")
    DECISION_RECORDED = "decision_recorded", _("A decision was recorded on an iteration you follow")
    OBSTACLE_OVERDUE = "obstacle_overdue", _("An obstacle you own is overdue")
    SANDBOX_STATUS = "sandbox_status", _("A sandbox application changed status")
    CITIZEN_PROPOSAL_STATUS = "citizen_proposal_status", _("A citizen proposal changed status")
    SUMMARY_PUBLISHED = "summary_published", _("What an iteration changed is public")
    CHALLENGE_UPDATE = "challenge_update", _("A challenge you follow changed")


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("One e-mail per notification")
    DIGEST = "digest", _("One e-mail a day with everything new")
    OFF = "off", _("No e-mail (the notifications page only)")


class DeliveryMode(models.TextChoices):
    """Where the notifications of one kind go (a person's setting per kind)."""

    IMMEDIATE = "immediate", _("In the app and one e-mail each")
    DIGEST = "digest", _("In the app and in the daily summary e-mail")
    IN_APP = "in_app", _("In the app only")
    OFF = "off", _("Not at all")


def mode_of(email_mode: str, muted_kinds: list[str], kind_modes: dict[str, str], kind: str) -> str:
    """The `DeliveryMode` of one kind: its own setting; else, muted, the app only; else the
    default e-mail mode (e-mail off: the app only)."""
    own = kind_modes.get(kind)
    if own in DeliveryMode.values:
        return own
    if kind in muted_kinds or email_mode == EmailMode.OFF:
        return DeliveryMode.IN_APP
    return DeliveryMode.DIGEST if email_mode == EmailMode.DIGEST else DeliveryMode.IMMEDIATE
