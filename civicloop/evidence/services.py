"""Every write of the evidence app: hand-recorded figures and shareable report links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.evidence.events import EvidenceEvent
from civicloop.evidence.models import (
    CitizenTheme,
    EffectEstimate,
    EffectRole,
    LinkDocument,
    ServiceFigures,
    SharedLinkView,
    SharedReportLink,
)
from civicloop.portfolio.models import Problem
from civicloop.stats.evidence import DESIGNS

MAX_LINK_DAYS = 90
LANGUAGES = ("en", "es")


def _person(actor: Principal):
    return actor.person


def _effect_check(*, design: str, role: str, std_error: float, source: str, outcome: str) -> None:
    """A `ValidationError` naming every field of an effect that breaks a rule."""
    errors = {}
    if design not in DESIGNS:
        errors["design"] = f"Design must be one of: {', '.join(DESIGNS)}."
    if role not in EffectRole.values:
        errors["role"] = f"Role must be one of: {', '.join(EffectRole.values)}."
    if std_error is None or std_error <= 0:
        errors["std_error"] = "Standard error must be greater than zero."
    if not source.strip():
        errors["source"] = "Say where the estimate comes from (report, dataset, analysis)."
    if not outcome.strip():
        errors["outcome"] = "Name the outcome the effect is on."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def effect_estimate_record(
    *,
    actor: Principal,
    problem: Problem,
    outcome: str,
    unit: str,
    estimate: float,
    std_error: float,
    design: str,
    source: str,
    role: str = EffectRole.PRIMARY,
    lower_is_better: bool = False,
    group: str = "",
    service_name: str = "",
    srm_p_value: float | None = None,
    balance_smd: float | None = None,
    attrition: float | None = None,
    pretrend_p_value: float | None = None,
    comparison_group_justified: bool = True,
    sample_size: int | None = None,
) -> EffectEstimate:
    """Record an effect estimated elsewhere (a published evaluation, an analyst's model)."""
    require(actor, Ability.EDIT_EVIDENCE, problem)
    _effect_check(design=design, role=role, std_error=std_error, source=source, outcome=outcome)
    row = EffectEstimate.objects.create(
        problem=problem,
        outcome=outcome.strip(),
        unit=unit,
        estimate=estimate,
        std_error=std_error,
        design=design,
        source=source.strip(),
        role=role,
        lower_is_better=lower_is_better,
        group=group.strip(),
        service_name=service_name.strip(),
        srm_p_value=srm_p_value,
        balance_smd=balance_smd,
        attrition=attrition,
        pretrend_p_value=pretrend_p_value,
        comparison_group_justified=comparison_group_justified,
        sample_size=sample_size,
        recorded_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action=EvidenceEvent.EFFECT_RECORDED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def effect_estimate_set_replications(
    *,
    actor: Principal,
    effect: EffectEstimate,
    independent_replications: int,
    replication_system: bool,
) -> EffectEstimate:
    """Record how many independent replications confirmed an effect (Nesta levels 4 and 5)."""
    # Replications are recorded and re-measured in the scaling app: its editors keep the count.
    require(actor, Ability.EDIT_SCALING, effect.problem)
    if independent_replications < 0:
        raise ValidationError({"independent_replications": _("Must not be negative.")})
    before = model_snapshot(effect, ["independent_replications", "replication_system"])
    effect.independent_replications = independent_replications
    effect.replication_system = replication_system
    effect.save(update_fields=["independent_replications", "replication_system", "updated_at"])
    audit_record(
        actor=actor,
        action=EvidenceEvent.EFFECT_REPLICATIONS_UPDATED,
        obj=effect,
        organization=effect.problem.unit_id,
        before=before,
        after=model_snapshot(effect, ["independent_replications", "replication_system"]),
    )
    return effect


def _check_figures(
    *,
    service_name: str,
    source: str,
    currency: str,
    annual_volume: int | None,
    cost_per_transaction: Decimal | None,
    **optional: Decimal | None,
) -> None:
    """A `ValidationError` naming each figure missing where required, or negative."""
    errors = {}
    if not service_name.strip():
        errors["service_name"] = "Name the service."
    if not source.strip():
        errors["source"] = "Say where the figures come from."
    if len(currency) != 3:
        errors["currency"] = "Use a three-letter ISO 4217 currency code."
    if annual_volume is None or annual_volume < 0:
        errors["annual_volume"] = "Annual volume must be zero or more."
    if cost_per_transaction is None or cost_per_transaction < 0:
        errors["cost_per_transaction"] = "Cost per transaction must be zero or more."
    for name, amount in optional.items():
        if amount is not None and amount < 0:
            errors[name] = "Must be zero or more."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_figures_set(
    *,
    actor: Principal,
    problem: Problem,
    service_name: str,
    annual_volume: int,
    cost_per_transaction: Decimal,
    source: str,
    value_per_outcome_unit: Decimal | None = None,
    outcome_scale: float = 1.0,
    volume_std_error: float = 0.0,
    one_off_cost: Decimal | None = None,
    annual_running_cost: Decimal | None = None,
    currency: str = "EUR",
) -> ServiceFigures:
    """Create or replace a service's volume and cost figures.

    The value of an outcome unit and the intervention costs may be left out (None): the report
    then names them as missing and shows no figure that needs them.
    """
    require(actor, Ability.EDIT_EVIDENCE, problem)
    _check_figures(
        service_name=service_name,
        source=source,
        currency=currency,
        annual_volume=annual_volume,
        cost_per_transaction=cost_per_transaction,
        value_per_outcome_unit=value_per_outcome_unit,
        one_off_cost=one_off_cost,
        annual_running_cost=annual_running_cost,
    )
    existing = ServiceFigures.objects.filter(
        problem=problem, service_name=service_name.strip()
    ).first()
    before = model_snapshot(existing) if existing else None
    row, _created = ServiceFigures.objects.update_or_create(
        problem=problem,
        service_name=service_name.strip(),
        defaults={
            "annual_volume": annual_volume,
            "cost_per_transaction": cost_per_transaction,
            "source": source.strip(),
            "value_per_outcome_unit": value_per_outcome_unit,
            "outcome_scale": outcome_scale,
            "volume_std_error": volume_std_error,
            "one_off_cost": one_off_cost,
            "annual_running_cost": annual_running_cost,
            "currency": currency.upper(),
        },
    )
    audit_record(
        actor=actor,
        action=EvidenceEvent.SERVICE_FIGURES_SET,
        obj=row,
        organization=problem.unit_id,
        before=before,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def citizen_theme_record(
    *,
    actor: Principal,
    problem: Problem,
    label: str,
    mentions: int,
    sentiment: float,
    summary: str,
    source: str,
) -> CitizenTheme:
    """Record a theme of what citizens said (when the feedback app has none)."""
    require(actor, Ability.EDIT_EVIDENCE, problem)
    if not -1 <= sentiment <= 1:
        raise ValidationError({"sentiment": _("Sentiment must be between -1 and 1.")})
    if not label.strip():
        raise ValidationError({"label": _("Give the theme a label.")})
    row = CitizenTheme.objects.create(
        problem=problem,
        label=label.strip(),
        mentions=mentions,
        sentiment=sentiment,
        summary=summary,
        source=source,
    )
    audit_record(
        actor=actor,
        action=EvidenceEvent.THEME_RECORDED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def impact_report_export(*, actor: Principal, problem: Problem, fmt: str = "json") -> None:
    """Record in the audit log that the actor exported a problem's impact report."""
    require(actor, Ability.VIEW_PORTFOLIO, problem)
    audit_record(
        actor=actor,
        action=EvidenceEvent.REPORT_EXPORTED,
        obj=problem,
        organization=problem.unit_id,
        metadata={"format": fmt},
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewLink:
    link: SharedReportLink
    token: str  # shown once; only its hash is stored


@transaction.atomic
def shared_link_create(
    *,
    actor: Principal,
    problem: Problem,
    days: int = 30,
    language: str = "en",
    label: str = "",
) -> NewLink:
    """A random, expiring link to the executive summary; the token is returned once."""
    require(actor, Ability.SHARE_REPORT, problem)
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError(
            {"days": _("A link lasts between 1 and %(days)s days.") % {"days": MAX_LINK_DAYS}}
        )
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Language must be 'en' or 'es'.")})
    token = secrets.token_urlsafe(32)
    link = SharedReportLink.objects.create(
        problem=problem,
        token_hash=_hash(token),
        prefix=token[:6],
        language=language,
        label=label[:200],
        expires_at=timezone.now() + timedelta(days=days),
        created_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action=EvidenceEvent.SHARED_LINK_CREATED,
        obj=link,
        organization=problem.unit_id,
        after={
            "problem_id": problem.pk,
            "prefix": link.prefix,
            "expires_at": link.expires_at,
            "language": language,
        },
    )
    return NewLink(link, token)


@transaction.atomic
def shared_link_revoke(*, actor: Principal, link: SharedReportLink) -> SharedReportLink:
    """Stop a link working at once (idempotent)."""
    require(actor, Ability.SHARE_REPORT, link.problem)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action=EvidenceEvent.SHARED_LINK_REVOKED,
            obj=link,
            organization=link.problem.unit_id,
            after={"prefix": link.prefix, "revoked_at": link.revoked_at},
        )
    return link


class LinkGone(Exception):
    """The link existed but expired or was revoked (HTTP 410)."""


@transaction.atomic
def shared_link_open(
    *, token: str, document: str = LinkDocument.PAGE, language: str = "en"
) -> SharedReportLink | None:
    """The live link for a token, recording the view; None if unknown; LinkGone if dead.

    Each view is one row in `SharedLinkView` (link, report, time, page or PDF, language) and
    the link's counter goes up by one. Nothing about the reader is stored.
    """
    link = (
        SharedReportLink.objects.select_related("problem").filter(token_hash=_hash(token)).first()
    )
    if link is None:
        return None
    now = timezone.now()
    if link.revoked_at is not None or link.expires_at <= now:
        raise LinkGone(link.prefix)
    SharedLinkView.objects.create(
        link=link,
        problem_id=link.problem_id,
        viewed_at=now,
        document=document,
        language=language if language in LANGUAGES else link.language,
    )
    SharedReportLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1)
    return link
