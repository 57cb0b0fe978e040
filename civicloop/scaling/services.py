"""Every write of the scaling app. Atomic, keyword-only, audited."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, Person
from civicloop.core.permissions import Principal
from civicloop.evidence import services as evidence_services
from civicloop.evidence.inputs import experiment_measured_effect
from civicloop.evidence.models import EffectEstimate
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    AssessmentScore,
    Domain,
    Lesson,
    LessonOutcome,
    Obstacle,
    ObstacleKind,
    ObstacleStatus,
    Replication,
    ReplicationCandidate,
    ReplicationPlan,
    Sandbox,
    SandboxLearning,
    SandboxReport,
    SandboxStatus,
    ScalabilityAssessment,
)
from civicloop.scaling.projection import compare_replication
from civicloop.stats.evidence import DESIGNS

# Sandboxes are time-boxed: at most 12 months, one extension of at most 6 months.
MAX_SANDBOX_DAYS = 366
MAX_EXTENSION_DAYS = 183
ELIGIBILITY_CRITERIA = ("in_scope", "genuine_innovation", "citizen_benefit", "readiness", "need")


def _person(actor: Principal | None) -> Person | None:
    return actor.person if actor is not None else None


def _range(errors: dict, name: str, value: int | None, low: int = 1, high: int = 5) -> None:
    if value is None or not low <= value <= high:
        errors[name] = f"{name.capitalize()} must be a whole number from {low} to {high}."


# --- scalability assessment -------------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *, actor: Principal, problem: Problem, title: str, scope: str = ""
) -> ScalabilityAssessment:
    """Open an ISAT assessment of a problem's intervention."""
    if not title.strip():
        raise ValidationError({"title": "Give the assessment a title."})
    row = ScalabilityAssessment.objects.create(
        problem=problem, title=title.strip(), scope=scope, created_by=_person(actor)
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.ASSESSMENT_CREATED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def assessment_score(
    *,
    actor: Principal,
    assessment: ScalabilityAssessment,
    assessor: Person,
    domain: str,
    score: int,
    evidence: str,
    notes: str = "",
) -> AssessmentScore:
    """Record (or revise) one assessor's rating of one domain, with the evidence for it."""
    errors: dict[str, str] = {}
    if domain not in Domain.values:
        errors["domain"] = f"Domain must be one of: {', '.join(Domain.values)}."
    _range(errors, "score", score)
    if not evidence.strip():
        errors["evidence"] = "Cite the evidence behind the rating."
    if errors:
        raise ValidationError(errors)
    existing = AssessmentScore.objects.filter(
        assessment=assessment, assessor=assessor, domain=domain
    ).first()
    before = model_snapshot(existing) if existing else None
    row, _ = AssessmentScore.objects.update_or_create(
        assessment=assessment,
        assessor=assessor,
        domain=domain,
        defaults={"score": score, "evidence": evidence.strip(), "notes": notes},
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.ASSESSMENT_SCORED,
        obj=row,
        organization=assessment.problem.unit_id,
        before=before,
        after=model_snapshot(row),
    )
    return row


# --- obstacles --------------------------------------------------------------------------------


def _obstacle_errors(kind: str, title: str, severity: int, likelihood: int, status: str) -> dict:
    errors: dict[str, str] = {}
    if kind not in ObstacleKind.values:
        errors["kind"] = f"Kind must be one of: {', '.join(ObstacleKind.values)}."
    if status not in ObstacleStatus.values:
        errors["status"] = f"Status must be one of: {', '.join(ObstacleStatus.values)}."
    if not title.strip():
        errors["title"] = "Name the obstacle."
    _range(errors, "severity", severity)
    _range(errors, "likelihood", likelihood)
    return errors


@transaction.atomic
def obstacle_create(
    *,
    actor: Principal,
    problem: Problem,
    kind: str,
    title: str,
    severity: int,
    likelihood: int,
    description: str = "",
    owner: Person | None = None,
    owner_label: str = "",
    mitigation: str = "",
    status: str = ObstacleStatus.OPEN,
    due_date: date | None = None,
    service=None,
    jurisdiction: Organization | None = None,
    sandbox: Sandbox | None = None,
    proposed_rule_change: str = "",
) -> Obstacle:
    """Register an obstacle to scaling, with who owns it and how it will be mitigated."""
    errors = _obstacle_errors(kind, title, severity, likelihood, status)
    if jurisdiction is not None and jurisdiction.unit_id != problem.unit_id:
        errors["jurisdiction"] = "The jurisdiction must be one your unit works with."
    if sandbox is not None and sandbox.unit_id != problem.unit_id:
        errors["sandbox"] = "The sandbox must belong to your unit."
    if service is not None and service.unit_id != problem.unit_id:
        errors["service"] = "The service must belong to your unit."
    if errors:
        raise ValidationError(errors)
    row = Obstacle.objects.create(
        unit_id=problem.unit_id,
        problem=problem,
        kind=kind,
        title=title.strip(),
        severity=severity,
        likelihood=likelihood,
        description=description,
        owner=owner,
        owner_label=owner_label,
        mitigation=mitigation,
        status=status,
        due_date=due_date,
        service=service,
        jurisdiction=jurisdiction,
        sandbox=sandbox,
        proposed_rule_change=proposed_rule_change,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.OBSTACLE_CREATED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def obstacle_update(*, actor: Principal, obstacle: Obstacle, **changes) -> Obstacle:
    """Change status, mitigation, owner, due date or ratings of an obstacle."""
    allowed = {
        "status",
        "mitigation",
        "owner_label",
        "due_date",
        "severity",
        "likelihood",
        "description",
        "proposed_rule_change",
        "sandbox",
        "title",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    before = model_snapshot(obstacle)
    for name, value in changes.items():
        setattr(obstacle, name, value)
    errors = _obstacle_errors(
        obstacle.kind, obstacle.title, obstacle.severity, obstacle.likelihood, obstacle.status
    )
    if errors:
        raise ValidationError(errors)
    obstacle.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.OBSTACLE_UPDATED,
        obj=obstacle,
        organization=obstacle.unit_id,
        before=before,
        after=model_snapshot(obstacle),
    )
    return obstacle


# --- replication ------------------------------------------------------------------------------


@transaction.atomic
def replication_plan_create(
    *,
    actor: Principal,
    problem: Problem,
    title: str,
    tau: float,
    effect: EffectEstimate | None = None,
    benefit: float | None = None,
    benefit_std_error: float | None = None,
    outcome_scale: float = 1.0,
    horizon_years: int = 5,
    draws: int = 20_000,
    seed: int = 20261126,
    has_replication_manual: bool = False,
    currency: str = "EUR",
) -> ReplicationPlan:
    """Plan a scale-up from an effect (recorded, or given as benefit ± SE) and a τ assumption."""
    errors: dict[str, str] = {}
    if effect is not None:
        if effect.problem_id != problem.pk:
            errors["effect"] = "The effect must belong to this problem."
        benefit = (-effect.estimate if effect.lower_is_better else effect.estimate) * outcome_scale
        benefit_std_error = effect.std_error * outcome_scale
    if benefit is None or benefit_std_error is None or benefit_std_error < 0:
        errors["benefit"] = "Give an effect, or a benefit with a non-negative standard error."
    if tau is None or tau < 0:
        errors["tau"] = "Heterogeneity τ must be zero or more."
    if not 1 <= horizon_years <= 30:
        errors["horizon_years"] = "The horizon must be 1 to 30 years."
    if not 1000 <= draws <= 200_000:
        errors["draws"] = "Draws must be between 1,000 and 200,000."
    if not title.strip():
        errors["title"] = "Give the plan a title."
    if errors:
        raise ValidationError(errors)
    # Both were checked above: a missing benefit or standard error is an error.
    benefit, benefit_std_error = cast(float, benefit), cast(float, benefit_std_error)
    plan = ReplicationPlan.objects.create(
        problem=problem,
        title=title.strip(),
        effect=effect,
        benefit=benefit,
        benefit_std_error=benefit_std_error,
        tau=tau,
        horizon_years=horizon_years,
        draws=draws,
        seed=seed,
        has_replication_manual=has_replication_manual,
        currency=currency,
        created_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.PLAN_CREATED,
        obj=plan,
        organization=problem.unit_id,
        after=model_snapshot(plan),
    )
    return plan


@transaction.atomic
def replication_candidate_add(
    *,
    actor: Principal,
    plan: ReplicationPlan,
    name: str,
    annual_volume: int,
    cost_per_transaction: Decimal,
    context_similarity: float,
    value_per_outcome_unit: Decimal = Decimal(1),
    organization: Organization | None = None,
    population: int | None = None,
    one_off_cost: Decimal = Decimal(0),
    annual_running_cost: Decimal = Decimal(0),
) -> ReplicationCandidate:
    """Add a jurisdiction or agency where the intervention could be replicated."""
    errors: dict[str, str] = {}
    if not 0 <= context_similarity <= 1:
        errors["context_similarity"] = "Context similarity must be between 0 and 1."
    if annual_volume is None or annual_volume < 0:
        errors["annual_volume"] = "Annual volume must be zero or more."
    if cost_per_transaction < 0 or one_off_cost < 0 or annual_running_cost < 0:
        errors["cost_per_transaction"] = "Costs must be zero or more."
    if organization is not None and organization.unit_id != plan.problem.unit_id:
        errors["organization"] = "Choose a jurisdiction or agency your unit works with."
    if plan.candidates.filter(name=name).exists():
        errors["name"] = "This plan already has a candidate of that name."
    if errors:
        raise ValidationError(errors)
    row = ReplicationCandidate.objects.create(
        plan=plan,
        name=name,
        annual_volume=annual_volume,
        cost_per_transaction=cost_per_transaction,
        context_similarity=context_similarity,
        value_per_outcome_unit=value_per_outcome_unit,
        organization=organization,
        population=population
        if population is not None
        else getattr(organization, "population", None),
        one_off_cost=one_off_cost,
        annual_running_cost=annual_running_cost,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.CANDIDATE_ADDED,
        obj=row,
        organization=plan.problem.unit_id,
        after=model_snapshot(row),
    )
    return row


def _measured(replication_experiment: Any, scale: float) -> tuple[float, float, str, str] | None:
    """Estimate, SE, design and source from an experiment's latest successful results."""
    line = experiment_measured_effect(replication_experiment)
    if line is None:
        return None
    return line.estimate * scale, line.std_error * scale, line.design, line.source


@transaction.atomic
def replication_record(
    *,
    actor: Principal,
    original: EffectEstimate,
    site: str,
    independent: bool,
    completed_on: date,
    estimate: float | None = None,
    std_error: float | None = None,
    design: str | None = None,
    experiment: Any | None = None,
    experiment_scale: float = 1.0,
    jurisdiction: Organization | None = None,
    notes: str = "",
    replication_system: bool | None = None,
) -> Replication:
    """Record a replication run elsewhere; update the original's Nesta inputs (levels 4-5).

    A replication counts towards Nesta level 4 when it was independent and `compare_replication`
    finds it consistent with the original (same sign, significant, not significantly different).
    When it ran as a CivicLoop experiment that has results, its measured primary effect and
    interval (times `experiment_scale`) are used instead of figures typed in; the caller has
    already checked that the actor may see the experiment.
    """
    errors: dict[str, str] = {}
    source = ""
    if experiment_scale is None or experiment_scale <= 0:
        errors["experiment_scale"] = "The scale must be greater than zero."
    elif experiment is not None:
        measured = _measured(experiment, experiment_scale)
        if measured is not None:
            estimate, std_error, design, source = measured
        elif estimate is None or std_error is None:
            errors["experiment"] = (
                f"Experiment {experiment.key} has no results with a primary effect yet: "
                "enter the effect and its standard error by hand, or refresh its results first."
            )
    if estimate is None and "experiment" not in errors:
        errors["estimate"] = "Give the effect found, or choose the experiment that measured it."
    if not errors.get("experiment") and (std_error is None or std_error <= 0):
        errors["std_error"] = "Standard error must be greater than zero."
    if design not in DESIGNS:
        errors["design"] = f"Design must be one of: {', '.join(DESIGNS)}."
    if not site.strip():
        errors["site"] = "Name the site."
    if errors:
        raise ValidationError(errors)
    row = Replication.objects.create(
        problem_id=original.problem_id,
        original=original,
        site=site.strip(),
        estimate=cast(float, estimate),
        std_error=cast(float, std_error),
        design=cast(str, design),
        independent=independent,
        completed_on=completed_on,
        jurisdiction=jurisdiction,
        notes=notes,
        experiment=experiment,
        experiment_scale=experiment_scale,
        measured_source=source,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.REPLICATION_RECORDED,
        obj=row,
        organization=original.problem.unit_id,
        after=model_snapshot(row),
    )
    replications_remeasure(actor=actor, original=original, replication_system=replication_system)
    return row


@transaction.atomic
def replications_remeasure(
    *, actor: Principal, original: EffectEstimate, replication_system: bool | None = None
) -> int:
    """Re-read linked experiments' latest results, then recount confirming replications.

    Returns the number of independent, consistent replications written to the original
    (`EffectEstimate.independent_replications`, which gives Nesta 4, and 5 with a replication
    system). A replication whose experiment has no usable results keeps its last figures.
    """
    confirming = 0
    for r in original.replications.select_related("experiment"):
        if r.experiment is not None:
            measured = _measured(r.experiment, r.experiment_scale)
            if measured is not None and measured != (
                r.estimate,
                r.std_error,
                r.design,
                r.measured_source,
            ):
                fields = ["estimate", "std_error", "design", "measured_source"]
                before = model_snapshot(r, fields)
                r.estimate, r.std_error, r.design, r.measured_source = measured
                r.save(update_fields=[*fields, "updated_at"])
                audit_record(
                    actor=actor,
                    action=ScalingEvent.REPLICATION_REMEASURED,
                    obj=r,
                    organization=original.problem.unit_id,
                    before=before,
                    after=model_snapshot(r, fields),
                )
        if (
            r.independent
            and compare_replication(
                original=original.estimate,
                original_se=original.std_error,
                replication=r.estimate,
                replication_se=r.std_error,
            ).consistent
        ):
            confirming += 1
    evidence_services.effect_estimate_set_replications(
        actor=actor,
        effect=original,
        independent_replications=confirming,
        replication_system=(
            original.replication_system if replication_system is None else replication_system
        ),
    )
    return confirming


# --- sandboxes --------------------------------------------------------------------------------


@transaction.atomic
def sandbox_apply(
    *,
    actor: Principal,
    unit: Organization,
    title: str,
    public_summary: str,
    regulator: str,
    problem: Problem | None = None,
    published: bool = True,
) -> Sandbox:
    """Open a sandbox application."""
    errors = {}
    if not title.strip():
        errors["title"] = "Give the sandbox a title."
    if not public_summary.strip():
        errors["public_summary"] = "Write the public summary (no personal data)."
    if not regulator.strip():
        errors["regulator"] = "Name the regulator or rule owner."
    if problem is not None and problem.unit_id != unit.pk:
        errors["problem"] = "The problem must belong to your unit."
    if errors:
        raise ValidationError(errors)
    # The registry address is global, so the slug never depends on what other units have
    # (numbering '-2', '-3' told a unit that another had a sandbox of that title, even an
    # unpublished one): a random suffix, drawn again in the unlikely event it is taken.
    base = slugify(title)[:70] or "sandbox"
    slug = f"{base}-{secrets.token_hex(4)}"
    while Sandbox.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(4)}"
    row = Sandbox.objects.create(
        unit=unit,
        problem=problem,
        title=title.strip(),
        slug=slug,
        public_summary=public_summary.strip(),
        regulator=regulator,
        published=published,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_APPLIED,
        obj=row,
        organization=unit,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def sandbox_decide_eligibility(
    *,
    actor: Principal,
    sandbox: Sandbox,
    answers: dict[str, bool],
    notes: dict[str, str],
) -> Sandbox:
    """Answer the five criteria, each with a justification; eligible only if all are met."""
    if sandbox.status != SandboxStatus.APPLIED:
        raise ValidationError({"status": "Eligibility is decided once, on an application."})
    errors = {}
    for name in ELIGIBILITY_CRITERIA:
        if name not in answers:
            errors[name] = "Answer this criterion."
        elif not (notes.get(name) or "").strip():
            errors[name] = "Justify the answer."
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(sandbox)
    for name in ELIGIBILITY_CRITERIA:
        setattr(sandbox, name, bool(answers[name]))
    sandbox.eligibility_notes = {k: notes[k].strip() for k in ELIGIBILITY_CRITERIA}
    sandbox.status = (
        SandboxStatus.ELIGIBLE
        if all(answers[k] for k in ELIGIBILITY_CRITERIA)
        else SandboxStatus.REJECTED
    )
    sandbox.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_ELIGIBILITY_DECIDED,
        obj=sandbox,
        organization=sandbox.unit_id,
        before=before,
        after=model_snapshot(sandbox),
    )
    return sandbox


@transaction.atomic
def sandbox_start(
    *,
    actor: Principal,
    sandbox: Sandbox,
    rule_waived: str,
    relaxation: str,
    safeguards: str,
    participants: str,
    exit_criteria: str,
    starts_on: date,
    ends_on: date,
    participant_limit: int | None = None,
) -> Sandbox:
    """Agree the plan and start the time-boxed test."""
    errors = {}
    if sandbox.status != SandboxStatus.ELIGIBLE:
        errors["status"] = "Only an eligible application can start."
    for name, value in (
        ("rule_waived", rule_waived),
        ("safeguards", safeguards),
        ("exit_criteria", exit_criteria),
        ("participants", participants),
    ):
        if not value.strip():
            errors[name] = "The plan needs this."
    if ends_on <= starts_on:
        errors["ends_on"] = "The end must be after the start."
    elif (ends_on - starts_on).days > MAX_SANDBOX_DAYS:
        errors["ends_on"] = "A sandbox lasts at most 12 months (extend it later if needed)."
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(sandbox)
    sandbox.rule_waived, sandbox.relaxation, sandbox.safeguards = (
        rule_waived,
        relaxation,
        safeguards,
    )
    sandbox.participants, sandbox.exit_criteria = participants, exit_criteria
    sandbox.starts_on, sandbox.ends_on, sandbox.participant_limit = (
        starts_on,
        ends_on,
        participant_limit,
    )
    sandbox.status = SandboxStatus.ACTIVE
    sandbox.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_STARTED,
        obj=sandbox,
        organization=sandbox.unit_id,
        before=before,
        after=model_snapshot(sandbox),
    )
    return sandbox


@transaction.atomic
def sandbox_extend(*, actor: Principal, sandbox: Sandbox, until: date, reason: str) -> Sandbox:
    """Extend an active sandbox once, by at most six months, giving the reason."""
    errors = {}
    # Activation sets ends_on together with the ACTIVE status; it is read only when active.
    ends_on = cast(date, sandbox.ends_on)
    if sandbox.status != SandboxStatus.ACTIVE:
        errors["status"] = "Only an active sandbox that was not extended can be extended."
    elif until <= ends_on:
        errors["until"] = "The extension must end after the current end date."
    elif (until - ends_on) > timedelta(days=MAX_EXTENSION_DAYS):
        errors["until"] = "An extension is at most six months."
    if not reason.strip():
        errors["reason"] = "Say why the extension is needed."
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(sandbox)
    sandbox.extended_until, sandbox.extension_reason = until, reason.strip()
    sandbox.status = SandboxStatus.EXTENDED
    sandbox.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_EXTENDED,
        obj=sandbox,
        organization=sandbox.unit_id,
        before=before,
        after=model_snapshot(sandbox),
    )
    return sandbox


@transaction.atomic
def sandbox_report_add(
    *,
    actor: Principal,
    sandbox: Sandbox,
    period_end: date,
    participants: int,
    incidents: int,
    safeguards_held: bool,
    summary: str,
) -> SandboxReport:
    """A monitoring report (aggregate counts only) while the test runs."""
    if sandbox.status not in (SandboxStatus.ACTIVE, SandboxStatus.EXTENDED):
        raise ValidationError({"status": "Monitoring reports are for a running sandbox."})
    if not summary.strip():
        raise ValidationError({"summary": "Summarise the period."})
    if sandbox.participant_limit is not None and participants > sandbox.participant_limit:
        raise ValidationError({"participants": "More participants than the plan allows."})
    row = SandboxReport.objects.create(
        sandbox=sandbox,
        period_end=period_end,
        participants=participants,
        incidents=incidents,
        safeguards_held=safeguards_held,
        summary=summary.strip(),
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_REPORTED,
        obj=row,
        organization=sandbox.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def sandbox_exit(
    *, actor: Principal, sandbox: Sandbox, exit_report: str, exited_on: date
) -> Sandbox:
    """Close the test with its exit report."""
    if sandbox.status not in (SandboxStatus.ACTIVE, SandboxStatus.EXTENDED):
        raise ValidationError({"status": "Only a running sandbox can exit."})
    if not exit_report.strip():
        raise ValidationError({"exit_report": "Write the exit report."})
    before = model_snapshot(sandbox)
    sandbox.exit_report, sandbox.exited_on = exit_report.strip(), exited_on
    sandbox.status = SandboxStatus.EXITED
    sandbox.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_EXITED,
        obj=sandbox,
        organization=sandbox.unit_id,
        before=before,
        after=model_snapshot(sandbox),
    )
    return sandbox


@transaction.atomic
def sandbox_learning_add(
    *,
    actor: Principal,
    sandbox: Sandbox,
    learning: str,
    recommendation: str = "",
    obstacles: list[Obstacle] | None = None,
) -> SandboxLearning:
    """A regulatory learning, linked to the obstacles it addresses."""
    if not learning.strip():
        raise ValidationError({"learning": "Describe what was learnt."})
    obstacles = obstacles or []
    if any(o.unit_id != sandbox.unit_id for o in obstacles):
        raise ValidationError({"obstacles": "Link only your unit's obstacles."})
    row = SandboxLearning.objects.create(
        sandbox=sandbox, learning=learning.strip(), recommendation=recommendation
    )
    row.obstacles.set(obstacles)
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_LEARNING_ADDED,
        obj=row,
        organization=sandbox.unit_id,
        after={**model_snapshot(row), "obstacles": [o.pk for o in obstacles]},
    )
    return row


# --- lessons ----------------------------------------------------------------------------------


@transaction.atomic
def lesson_record(
    *,
    actor: Principal,
    unit: Organization,
    title: str,
    what_we_learnt: str,
    outcome: str,
    problem: Problem | None = None,
    iteration_label: str = "",
    context: str = "",
    tags: str = "",
) -> Lesson:
    """Add a lesson (including failures) to the archive."""
    errors = {}
    if outcome not in LessonOutcome.values:
        errors["outcome"] = f"Outcome must be one of: {', '.join(LessonOutcome.values)}."
    if not title.strip():
        errors["title"] = "Give the lesson a title."
    if not what_we_learnt.strip():
        errors["what_we_learnt"] = "Say what was learnt."
    if problem is not None and problem.unit_id != unit.pk:
        errors["problem"] = "The problem must belong to your unit."
    if errors:
        raise ValidationError(errors)
    row = Lesson.objects.create(
        unit=unit,
        problem=problem,
        title=title.strip(),
        what_we_learnt=what_we_learnt.strip(),
        outcome=outcome,
        iteration_label=iteration_label,
        context=context,
        tags=tags.lower(),
        created_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.LESSON_RECORDED,
        obj=row,
        organization=unit,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def obstacle_owner_labels_erase(*, person: Person, names: set[str], pseudonym: str) -> int:
    """Erasure of a person: obstacle owner labels that name them now show the pseudonym.

    Recorded by the person's erasure event, which the caller writes."""
    rows = Obstacle.objects.filter(owner=person).exclude(owner_label="")
    count = 0
    for row in rows:
        if row.owner_label.strip().lower() in {n.strip().lower() for n in names if n}:
            row.owner_label = pseudonym
            row.save(update_fields=["owner_label", "updated_at"])
            count += 1
    return count
