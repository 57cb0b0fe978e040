"""Every public scaling and evidence service checks its actor itself: called for another
unit's rows (or by someone who may only read them) it refuses with 404 and writes nothing."""

import inspect
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.evidence import services as evidence_services
from civicloop.scaling import services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _calls(world, s):
    """Each public service with an actor, called on the `scaled` rows of the world's unit."""
    p, sb = s["problem"], s["sandbox"]
    link = evidence_services.shared_link_create(actor=world.principal("staff"), problem=p).link
    return {
        "assessment_create": lambda a: services.assessment_create(actor=a, problem=p, title="t"),
        "assessment_score": lambda a: services.assessment_score(
            actor=a,
            assessment=s["assessment"],
            assessor=world.people["staff"],
            domain="costs",
            score=3,
            evidence="e",
        ),
        "obstacle_create": lambda a: services.obstacle_create(
            actor=a, problem=p, kind="budget", title="t", severity=1, likelihood=1
        ),
        "obstacle_update": lambda a: services.obstacle_update(
            actor=a, obstacle=s["overdue"], status="resolved"
        ),
        "obstacle_export": lambda a: services.obstacle_export(
            actor=a, obstacles=[s["overdue"]], fmt="csv"
        ),
        "replication_plan_create": lambda a: services.replication_plan_create(
            actor=a, problem=p, title="t", tau=0.1, benefit=1.0, benefit_std_error=0.1
        ),
        "replication_candidate_add": lambda a: services.replication_candidate_add(
            actor=a,
            plan=s["plan"],
            name="New town",
            annual_volume=1,
            cost_per_transaction=Decimal(1),
            value_per_outcome_unit=Decimal(1),
            context_similarity=0.5,
        ),
        "replication_record": lambda a: services.replication_record(
            actor=a,
            original=s["effect"],
            site="x",
            independent=True,
            completed_on=TODAY,
            estimate=-5.0,
            std_error=1.0,
            design="rct",
        ),
        "replications_remeasure": lambda a: services.replications_remeasure(
            actor=a, original=s["effect"]
        ),
        "sandbox_apply": lambda a: services.sandbox_apply(
            actor=a, unit=world.unit, title="t", public_summary="s", regulator="r"
        ),
        "sandbox_decide_eligibility": lambda a: services.sandbox_decide_eligibility(
            actor=a, sandbox=sb, answers={}, notes={}
        ),
        "sandbox_start": lambda a: services.sandbox_start(
            actor=a,
            sandbox=sb,
            rule_waived="r",
            relaxation="",
            safeguards="s",
            participants="p",
            exit_criteria="e",
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=30),
        ),
        "sandbox_extend": lambda a: services.sandbox_extend(
            actor=a, sandbox=sb, until=TODAY + timedelta(days=200), reason="r"
        ),
        "sandbox_report_add": lambda a: services.sandbox_report_add(
            actor=a,
            sandbox=sb,
            period_end=TODAY,
            participants=1,
            incidents=0,
            safeguards_held=True,
            summary="s",
        ),
        "sandbox_exit": lambda a: services.sandbox_exit(
            actor=a, sandbox=sb, exit_report="r", exited_on=TODAY
        ),
        "sandbox_learning_add": lambda a: services.sandbox_learning_add(
            actor=a, sandbox=sb, learning="l"
        ),
        "lesson_record": lambda a: services.lesson_record(
            actor=a, unit=world.unit, title="t", what_we_learnt="w", outcome="success"
        ),
        "effect_estimate_record": lambda a: evidence_services.effect_estimate_record(
            actor=a,
            problem=p,
            outcome="o",
            unit="pp",
            estimate=1,
            std_error=1,
            design="rct",
            source="s",
        ),
        "effect_estimate_set_replications": (
            lambda a: evidence_services.effect_estimate_set_replications(
                actor=a, effect=s["effect"], independent_replications=1, replication_system=False
            )
        ),
        "service_figures_set": lambda a: evidence_services.service_figures_set(
            actor=a,
            problem=p,
            service_name="s",
            annual_volume=1,
            cost_per_transaction=Decimal(1),
            source="s",
        ),
        "citizen_theme_record": lambda a: evidence_services.citizen_theme_record(
            actor=a, problem=p, label="l", mentions=1, sentiment=0.0, summary="", source="s"
        ),
        "shared_link_create": lambda a: evidence_services.shared_link_create(actor=a, problem=p),
        "shared_link_revoke": lambda a: evidence_services.shared_link_revoke(actor=a, link=link),
        "impact_report_export": lambda a: evidence_services.impact_report_export(
            actor=a, problem=p
        ),
    }


NAMES = [
    "assessment_create",
    "assessment_score",
    "obstacle_create",
    "obstacle_update",
    "obstacle_export",
    "replication_plan_create",
    "replication_candidate_add",
    "replication_record",
    "replications_remeasure",
    "sandbox_apply",
    "sandbox_decide_eligibility",
    "sandbox_start",
    "sandbox_extend",
    "sandbox_report_add",
    "sandbox_exit",
    "sandbox_learning_add",
    "lesson_record",
    "effect_estimate_record",
    "effect_estimate_set_replications",
    "service_figures_set",
    "citizen_theme_record",
    "shared_link_create",
    "shared_link_revoke",
    "impact_report_export",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_service_refuses_another_units_staff_and_writes_nothing(world, scaled, name):
    call = _calls(world, scaled)[name]
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        call(world.principal("outsider"))
    assert AuditEvent.objects.count() == before


READS = ("obstacle_export", "impact_report_export")


# An evaluator may rate scalability, so the reader here is the auditor (reads, rates nothing).
@pytest.mark.parametrize("name", [n for n in NAMES if n not in READS])
def test_a_reader_of_the_unit_cannot_write_through_a_service(world, scaled, name):
    with pytest.raises(Http404):
        _calls(world, scaled)[name](world.principal("auditor"))


def test_the_list_of_services_checked_is_every_public_service_with_an_actor():
    public = {
        name
        for module in (services, evidence_services)
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__.startswith(
            ("civicloop.scaling.services", "civicloop.evidence.services")
        )
        and "actor" in inspect.signature(value).parameters
    }
    assert public == set(NAMES)
