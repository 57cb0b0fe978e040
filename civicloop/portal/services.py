"""Writes of the portal: a decided iteration's public summary, drafted, edited, published.

Each service is keyword-only, atomic, gated by `require` on the summary's unit (unit staff who
run experiments) and audited. Publishing emits `PortalEvent.SUMMARY_PUBLISHED`: the hook the
notifications of followers listen for.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.analytics import selectors as analytics_selectors
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Decision
from civicloop.portal import drafting
from civicloop.portal.events import PortalEvent
from civicloop.portal.models import PublicSummary, SummaryStatus
from civicloop.text.redact import redact

EDITABLE_FIELDS = ["title", "said", "tried", "changed", "effect_label", "effect_unit"]
TEXT_FIELDS = ["title", "said", "tried", "changed", "effect_label"]


@transaction.atomic
def summary_draft(*, actor: Principal, decision: Decision) -> PublicSummary:
    """Draft the public summary of a decided iteration (one per iteration)."""
    iteration = decision.iteration
    service = iteration.service
    require(actor, Ability.MANAGE_EXPERIMENTS, service.unit_id)
    if PublicSummary.objects.filter(iteration=iteration).exists():
        raise ValidationError(
            {"iteration": _("This iteration already has a public summary: edit that one.")}
        )
    feedback = (
        experiments_selectors.iteration_feedback(viewer=actor, iteration=iteration)
        or decision.feedback_summary
    )
    themes = drafting.themes_from_feedback(feedback)
    responses = (feedback or {}).get("n") if feedback else None
    effect, nesta = _cited_effect(actor, decision)
    summary = PublicSummary(
        iteration=iteration,
        unit_id=service.unit_id,
        title=f"{service.name}: {iteration.title}"[:200],
        service_name=service.name,
        said=drafting.said_text(responses=responses, themes=themes, service=service.name),
        feedback_responses=responses,
        themes=themes,
        tried=drafting.tried_text(title=iteration.title, what_changes=iteration.what_changes),
        changed=drafting.changed_text(kind=decision.kind, rationale=decision.rationale),
        decision_kind=decision.kind,
        decided_at=decision.decided_at,
        nesta_level=nesta,
        drafted_by=actor.person,
    )
    if effect is not None:
        summary.effect_label = (effect.label or iteration.hypothesis_metric)[:200]
        summary.effect_estimate = effect.estimate
        summary.effect_ci_low = effect.ci_low
        summary.effect_ci_high = effect.ci_high
        summary.effect_unit = effect.unit[:40]
        summary.confidence = effect.confidence
    summary.full_clean()
    summary.save()
    audit_record(
        actor=actor,
        action=PortalEvent.SUMMARY_DRAFTED,
        obj=summary,
        organization=service.unit_id,
        after={"iteration": iteration.pk, "decision": decision.pk},
    )
    return summary


def _cited_effect(
    actor: Principal, decision: Decision
) -> tuple[drafting.Effect | None, int | None]:
    """The primary effect of the first cited result that has one, and its Nesta level."""
    unit_id = decision.iteration.service.unit_id
    units = dict(
        analytics_selectors.metric_list(viewer=actor, unit_id=unit_id).values_list(
            "key", "unit_label"
        )
    )
    for snapshot in decision.cited_results.select_related("experiment").order_by("pk"):
        effect = drafting.effect_from_payload(
            snapshot.payload or {}, alpha=snapshot.experiment.alpha, metric_units=units
        )
        if effect is not None:
            return effect, snapshot.nesta_level
    return None, None


@transaction.atomic
def summary_update(*, actor: Principal, summary: PublicSummary, **changes: Any) -> PublicSummary:
    """Edit a summary's words or the effect's unit (the measured numbers come from the result
    and are not typed in). A published summary stays published; the change is audited."""
    require(actor, Ability.MANAGE_EXPERIMENTS, summary.unit_id)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: _("This field cannot be changed here.")})
    summary = PublicSummary.objects.select_for_update().get(pk=summary.pk)
    before = model_snapshot(summary, EDITABLE_FIELDS)
    for name, value in changes.items():
        setattr(summary, name, (value or "").strip())
    summary.full_clean()
    if summary.is_published:
        _check_publishable(summary)
    summary.save()
    audit_record(
        actor=actor,
        action=PortalEvent.SUMMARY_UPDATED,
        obj=summary,
        organization=summary.unit_id,
        before=before,
        after=model_snapshot(summary, EDITABLE_FIELDS),
    )
    return summary


def _check_publishable(summary: PublicSummary) -> None:
    """What a public summary needs: words in every part, an effect with its interval and unit,
    and no personal data (an e-mail, a phone number, a name, an ID) in any text."""
    errors: dict[str, str] = {}
    for name in ["title", "said", "tried", "changed"]:
        if not getattr(summary, name).strip():
            errors[name] = "Write this part before publishing."
    if summary.effect_estimate is not None:
        if not summary.effect_unit.strip():
            errors["effect_unit"] = (
                "Name the unit of the measured effect (e.g. days, percentage points) "
                "before publishing."
            )
        if summary.effect_ci_low is None or summary.effect_ci_high is None:
            errors["effect_label"] = "The cited result has no interval: it cannot be published."
    for name in TEXT_FIELDS:
        found = redact(getattr(summary, name)).counts
        kinds = [kind for kind, count in found.items() if count]
        if kinds and name not in errors:
            errors[name] = (
                "This text looks like it holds personal data ("
                + ", ".join(k.lower() for k in kinds)
                + "): remove it before publishing."
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def summary_publish(*, actor: Principal, summary: PublicSummary) -> PublicSummary:
    """Publish a draft summary on the portal; audited (the hook for notifications)."""
    require(actor, Ability.MANAGE_EXPERIMENTS, summary.unit_id)
    summary = PublicSummary.objects.select_for_update().get(pk=summary.pk)
    if summary.is_published:
        raise ValidationError({"status": _("This summary is already published.")})
    _check_publishable(summary)
    summary.status = SummaryStatus.PUBLISHED
    summary.published_at = timezone.now()
    summary.published_by = actor.person
    summary.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=actor,
        action=PortalEvent.SUMMARY_PUBLISHED,
        obj=summary,
        organization=summary.unit_id,
        before={"status": SummaryStatus.DRAFT},
        after={"status": SummaryStatus.PUBLISHED},
        metadata={"iteration": summary.iteration_id, "service": summary.service_name},
    )
    return summary


@transaction.atomic
def summary_withdraw(*, actor: Principal, summary: PublicSummary) -> PublicSummary:
    """Take a published summary off the portal (back to draft); audited."""
    require(actor, Ability.MANAGE_EXPERIMENTS, summary.unit_id)
    summary = PublicSummary.objects.select_for_update().get(pk=summary.pk)
    if not summary.is_published:
        raise ValidationError({"status": _("This summary is not published.")})
    summary.status = SummaryStatus.DRAFT
    summary.published_at = None
    summary.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=PortalEvent.SUMMARY_WITHDRAWN,
        obj=summary,
        organization=summary.unit_id,
        before={"status": SummaryStatus.PUBLISHED},
        after={"status": SummaryStatus.DRAFT},
    )
    return summary
