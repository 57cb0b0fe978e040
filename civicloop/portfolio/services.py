"""Every write to the portfolio: one atomic function per use case, each audited."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, can
from civicloop.portfolio.events import PortfolioEvent
from civicloop.portfolio.kpi_templates import KPI_TEMPLATES
from civicloop.portfolio.models import (
    CLOSED_STAGES,
    STAGE_ORDER,
    Direction,
    Facet,
    Kpi,
    KpiCategory,
    Measurement,
    Problem,
    Stage,
    StageTransition,
    Tag,
    TargetGroup,
)

PROBLEM_FIELDS = [
    "title",
    "statement",
    "causes",
    "facet",
    "sdg_target",
    "impact",
    "reach",
    "urgency",
    "effort",
]
KPI_FIELDS = [
    "name",
    "category",
    "definition",
    "unit",
    "currency",
    "direction",
    "baseline_value",
    "baseline_date",
    "baseline_source",
    "target_value",
    "target_date",
]


def _require(actor: Principal, ability: Ability, *, unit_id: int, agency_id: int | None = None):
    # Outside the actor's scope the object "does not exist" for them.
    if not can(actor, ability, unit_id=unit_id, agency_id=agency_id):
        raise Http404("Not found")


def _require_problem(actor: Principal, ability: Ability, problem: Problem) -> None:
    _require(actor, ability, unit_id=problem.unit_id, agency_id=problem.owner_agency_id)


def _validated(instance: Any, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)


def _tags_for(unit: Organization, names: list[str]) -> list[Tag]:
    tags = []
    for name in {n.strip().lower() for n in names if n and n.strip()}:
        if len(name) > 60:
            raise ValidationError({"tags": "A tag is at most 60 characters."})
        tag, _ = Tag.objects.get_or_create(unit=unit, name=name)
        tags.append(tag)
    return tags


def _check_target_groups(unit: Organization, groups: list[TargetGroup]) -> None:
    if any(g.unit_id != unit.pk for g in groups):
        raise ValidationError({"target_groups": "Target groups must belong to the same unit."})


@transaction.atomic
def problem_create(
    *,
    actor: Principal,
    unit: Organization,
    owner_agency: Organization,
    title: str,
    statement: str,
    facet: str,
    causes: str = "",
    sdg_target: str = "",
    target_groups: list[TargetGroup] | None = None,
    tags: list[str] | None = None,
    impact: int = 3,
    reach: int = 3,
    urgency: int = 3,
    effort: int = 3,
) -> Problem:
    """Frame a new problem in a unit's portfolio, at the first stage gate."""
    _require(actor, Ability.EDIT_PORTFOLIO, unit_id=unit.pk)
    if owner_agency.kind != OrganizationKind.AGENCY or owner_agency.unit_id != unit.pk:
        raise ValidationError(
            {"owner_agency": "The owning agency must be an agency this unit works with."}
        )
    if facet not in Facet.values:
        raise ValidationError({"facet": f"Choose one of: {', '.join(Facet.values)}."})
    problem = Problem(
        unit=unit,
        owner_agency=owner_agency,
        title=title.strip(),
        statement=statement.strip(),
        causes=causes.strip(),
        facet=facet,
        sdg_target=sdg_target.strip(),
        impact=impact,
        reach=reach,
        urgency=urgency,
        effort=effort,
        stage=Stage.IDENTIFIED,
        created_by=actor.person,
    )
    _validated(problem)
    problem.save()
    groups = target_groups or []
    _check_target_groups(unit, groups)
    problem.target_groups.set(groups)
    problem.tags.set(_tags_for(unit, tags or []))
    StageTransition.objects.create(
        problem=problem,
        from_stage="",
        to_stage=Stage.IDENTIFIED,
        decided_by=actor.person,
        decided_by_label=actor.label,
        decided_at=timezone.now(),
        rationale="Problem recorded",
    )
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_CREATED,
        obj=problem,
        organization=unit,
        after=model_snapshot(problem, PROBLEM_FIELDS + ["stage"]),
    )
    return problem


@transaction.atomic
def problem_update(
    *,
    actor: Principal,
    problem: Problem,
    target_groups: list[TargetGroup] | None = None,
    tags: list[str] | None = None,
    owner_agency: Organization | None = None,
    **changes: Any,
) -> Problem:
    """Change a problem's framing; the stage changes only through `problem_move_stage`."""
    _require_problem(actor, Ability.EDIT_PORTFOLIO, problem)
    unknown = set(changes) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    before = model_snapshot(problem, PROBLEM_FIELDS + ["owner_agency"])
    for name, value in changes.items():
        setattr(problem, name, value.strip() if isinstance(value, str) else value)
    if owner_agency is not None:
        if owner_agency.kind != OrganizationKind.AGENCY or owner_agency.unit_id != problem.unit_id:
            raise ValidationError(
                {"owner_agency": "The owning agency must be an agency this unit works with."}
            )
        problem.owner_agency = owner_agency
    _validated(problem)
    problem.save()
    if target_groups is not None:
        _check_target_groups(problem.unit, target_groups)
        problem.target_groups.set(target_groups)
    if tags is not None:
        problem.tags.set(_tags_for(problem.unit, tags))
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_UPDATED,
        obj=problem,
        organization=problem.unit_id,
        before=before,
        after=model_snapshot(problem, PROBLEM_FIELDS + ["owner_agency"]),
    )
    return problem


def stage_move_skips(from_stage: str, to_stage: str) -> bool:
    """Does moving from one stage to another jump over a gate (forwards by more than one)?"""
    if to_stage in CLOSED_STAGES or from_stage in CLOSED_STAGES:
        return False
    return STAGE_ORDER.index(Stage(to_stage)) - STAGE_ORDER.index(Stage(from_stage)) > 1


@transaction.atomic
def problem_move_stage(
    *, actor: Principal, problem: Problem, to_stage: str, rationale: str = ""
) -> StageTransition:
    """Pass (or go back through) a stage gate; skipping a gate needs a written reason."""
    _require_problem(actor, Ability.MOVE_STAGE, problem)
    if to_stage not in Stage.values:
        raise ValidationError(
            {"to_stage": f"Unknown stage; choose one of: {', '.join(Stage.values)}."}
        )
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if to_stage == problem.stage:
        raise ValidationError({"to_stage": "The problem is already at this stage."})
    rationale = rationale.strip()
    if problem.stage in CLOSED_STAGES and not rationale:
        raise ValidationError({"rationale": "Reopening a closed problem needs a written reason."})
    skipped = stage_move_skips(problem.stage, to_stage)
    if skipped and not rationale:
        raise ValidationError({"rationale": "This move skips a stage gate: write why."})
    if to_stage in CLOSED_STAGES and not rationale:
        raise ValidationError({"rationale": "Closing a problem needs a written reason."})
    transition = StageTransition.objects.create(
        problem=problem,
        from_stage=problem.stage,
        to_stage=to_stage,
        decided_by=actor.person,
        decided_by_label=actor.label,
        decided_at=timezone.now(),
        rationale=rationale,
        skipped_gates=skipped,
    )
    before = problem.stage
    problem.stage = to_stage
    problem.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_STAGE_MOVED,
        obj=problem,
        organization=problem.unit_id,
        before={"stage": before},
        after={"stage": to_stage, "rationale": rationale, "skipped_gates": skipped},
    )
    return transition


@transaction.atomic
def target_group_create(
    *,
    actor: Principal,
    unit: Organization,
    name: str,
    estimated_size: int | None = None,
    description: str = "",
    how_reached: str = "",
) -> TargetGroup:
    """Describe a social group the unit's problems affect."""
    _require(actor, Ability.EDIT_PORTFOLIO, unit_id=unit.pk)
    group = TargetGroup(
        unit=unit,
        name=name.strip(),
        estimated_size=estimated_size,
        description=description.strip(),
        how_reached=how_reached.strip(),
    )
    _validated(group)
    group.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.TARGET_GROUP_CREATED,
        obj=group,
        organization=unit,
        after=model_snapshot(group),
    )
    return group


def _kpi_values_from(template_key: str | None, values: dict[str, Any]) -> dict[str, Any]:
    if template_key:
        if template_key not in KPI_TEMPLATES:
            raise ValidationError({"template": f"Unknown KPI template '{template_key}'."})
        template = KPI_TEMPLATES[template_key]
        merged: dict[str, Any] = {
            "name": str(template.name),
            "category": template.category,
            "unit": template.unit,
            "direction": template.direction,
            "definition": str(template.definition),
        }
        merged.update({k: v for k, v in values.items() if v not in (None, "")})
        return merged
    return values


def _check_kpi(kpi: Kpi) -> None:
    errors: dict[str, str] = {}
    if kpi.category not in KpiCategory.values:
        errors["category"] = f"Choose one of: {', '.join(KpiCategory.values)}."
    if kpi.direction not in Direction.values:
        errors["direction"] = "Choose 'higher' or 'lower'."
    if kpi.baseline_date and kpi.target_date and kpi.target_date <= kpi.baseline_date:
        errors["target_date"] = "The target date must be after the baseline date."
    if errors:
        raise ValidationError(errors)


def kpi_target_warning(kpi: Kpi, today: date | None = None) -> str | None:
    """A short-term target is due within 12 months; say so when it is further out."""
    today = today or timezone.localdate()
    if kpi.target_date:
        months = (kpi.target_date.year - today.year) * 12 + (kpi.target_date.month - today.month)
        if months > 12 or (months == 12 and kpi.target_date.day > today.day):
            return (
                "The target date is more than 12 months away: a short-term target "
                "(12 months or less) shows sooner whether the work is helping."
            )
    return None


@transaction.atomic
def kpi_create(
    *, actor: Principal, problem: Problem, template_key: str | None = None, **values: Any
) -> Kpi:
    """Define a KPI for a problem, from a built-in template or custom, with baseline and target."""
    _require_problem(actor, Ability.EDIT_PORTFOLIO, problem)
    data = _kpi_values_from(template_key, values)
    unknown = set(data) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Unknown KPI field."})
    kpi = Kpi(problem=problem, template_key=template_key or "", **data)
    _check_kpi(kpi)
    _validated(kpi)
    kpi.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.KPI_CREATED,
        obj=kpi,
        organization=problem.unit_id,
        after=model_snapshot(kpi, KPI_FIELDS),
    )
    return kpi


@transaction.atomic
def kpi_update(*, actor: Principal, kpi: Kpi, **changes: Any) -> Kpi:
    """Change a KPI's definition, baseline or target."""
    _require_problem(actor, Ability.EDIT_PORTFOLIO, kpi.problem)
    unknown = set(changes) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = model_snapshot(kpi, KPI_FIELDS)
    for name, value in changes.items():
        setattr(kpi, name, value)
    _check_kpi(kpi)
    _validated(kpi)
    kpi.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.KPI_UPDATED,
        obj=kpi,
        organization=kpi.problem.unit_id,
        before=before,
        after=model_snapshot(kpi, KPI_FIELDS),
    )
    return kpi


def _parse_decimal(raw: Any, field_name: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: f"'{raw}' is not a number."}) from None
    if not value.is_finite():
        raise ValidationError({field_name: "The value must be a finite number."})
    return value


def _parse_date(raw: Any, field_name: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError({field_name: f"'{raw}' is not a date in YYYY-MM-DD form."}) from None


@transaction.atomic
def measurement_record(
    *,
    actor: Principal,
    kpi: Kpi,
    date: date | str,
    value: Decimal | float | str,
    source: str = "",
    note: str = "",
    replace: bool = False,
) -> Measurement:
    """Record a KPI's value on a date; a second value for the same date needs `replace`."""
    _require_problem(actor, Ability.RECORD_MEASUREMENT, kpi.problem)
    when = _parse_date(date, "date")
    amount = _parse_decimal(value, "value")
    if when > timezone.localdate():
        raise ValidationError({"date": "A measurement cannot be dated in the future."})
    existing = Measurement.objects.filter(kpi=kpi, date=when).first()
    if existing and not replace:
        raise ValidationError({"date": f"There is already a measurement for {when.isoformat()}."})
    before = model_snapshot(existing, ["date", "value", "source"]) if existing else None
    measurement = existing or Measurement(kpi=kpi, date=when)
    measurement.value = amount
    measurement.source = source.strip()
    measurement.note = note.strip()
    measurement.recorded_by = actor.person
    _validated(measurement, exclude=["kpi"])
    measurement.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.MEASUREMENT_RECORDED,
        obj=measurement,
        organization=kpi.problem.unit_id,
        before=before,
        after=model_snapshot(measurement, ["kpi", "date", "value", "source"]),
    )
    return measurement


@dataclass
class ImportReport:
    rows_read: int = 0
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


MEASUREMENT_CSV_COLUMNS = ["kpi_id", "date", "value"]
MAX_IMPORT_ROWS = 100_000


class ImportRejected(Exception):  # noqa: N818 - carries the report out of the transaction
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.rejected)} rows rejected")
        self.report = report


def measurements_import_csv(*, actor: Principal, content: str | bytes) -> ImportReport:
    """Import measurements from CSV (kpi_id,date,value[,source,note]); all rows or none."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            report = ImportReport(rejected=[(0, "The file is not UTF-8 text.")])
            return report
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in MEASUREMENT_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return ImportReport(rejected=[(1, f"Missing column(s): {', '.join(missing)}.")])
    try:
        with transaction.atomic():
            report = _import_rows(actor, reader)
            if report.rejected:
                raise ImportRejected(report)
            audit_record(
                actor=actor,
                action=PortfolioEvent.MEASUREMENTS_IMPORTED,
                metadata={"rows": report.imported},
            )
            return report
    except ImportRejected as rejected:
        rejected.report.imported = 0
        return rejected.report


def _import_rows(actor: Principal, reader: csv.DictReader) -> ImportReport:
    report = ImportReport()
    kpis: dict[str, Kpi | None] = {}
    seen: set[tuple[int, date]] = set()
    for line, row in enumerate(reader, start=2):
        report.rows_read += 1
        if report.rows_read > MAX_IMPORT_ROWS:
            report.rejected.append((line, f"Too many rows: at most {MAX_IMPORT_ROWS} per file."))
            break
        raw_id = (row.get("kpi_id") or "").strip()
        if raw_id not in kpis:
            kpi = (
                Kpi.objects.select_related("problem").filter(pk=raw_id).first()
                if raw_id.isdigit()
                else None
            )
            if kpi is not None and not can(
                actor,
                Ability.RECORD_MEASUREMENT,
                unit_id=kpi.problem.unit_id,
                agency_id=kpi.problem.owner_agency_id,
            ):
                kpi = None
            kpis[raw_id] = kpi
        kpi = kpis[raw_id]
        if kpi is None:
            report.rejected.append((line, f"kpi_id: no KPI '{raw_id}' that you can record."))
            continue
        try:
            when = _parse_date(row.get("date"), "date")
            if (kpi.pk, when) in seen:
                raise ValidationError({"date": f"{when.isoformat()} appears twice for this KPI."})
            seen.add((kpi.pk, when))
            measurement_record(
                actor=actor,
                kpi=kpi,
                date=when,
                value=row.get("value") or "",
                source=row.get("source") or "import",
                note=row.get("note") or "",
                replace=True,
            )
            report.imported += 1
        except ValidationError as error:
            field_name, messages = next(iter(error.message_dict.items()))
            report.rejected.append((line, f"{field_name}: {messages[0]}"))
    return report
