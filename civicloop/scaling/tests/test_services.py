"""Rules of the scaling services: sandboxes, obstacles, replications, lessons."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.evidence.inputs import EffectLine
from civicloop.evidence.selectors import impact_report_for_problem
from civicloop.scaling import selectors, services
from civicloop.scaling.models import SandboxStatus
from civicloop.scaling.projection import Site, analytic_total

pytestmark = pytest.mark.django_db


def test_one_unmet_criterion_makes_an_application_ineligible(world):
    staff = world.principal("staff")
    sandbox = services.sandbox_apply(
        actor=staff, unit=world.unit, title="X", public_summary="Y", regulator="Z"
    )
    answers = {k: True for k in services.ELIGIBILITY_CRITERIA} | {"genuine_innovation": False}
    services.sandbox_decide_eligibility(
        actor=staff,
        sandbox=sandbox,
        answers=answers,
        notes={k: "n" for k in services.ELIGIBILITY_CRITERIA},
    )
    assert sandbox.status == SandboxStatus.REJECTED
    with pytest.raises(ValidationError, match="Only an eligible application can start"):
        services.sandbox_start(
            actor=staff,
            sandbox=sandbox,
            rule_waived="r",
            relaxation="",
            safeguards="s",
            participants="p",
            exit_criteria="e",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=30),
        )


def test_eligibility_needs_a_justification_for_each_criterion(world):
    staff = world.principal("staff")
    sandbox = services.sandbox_apply(
        actor=staff, unit=world.unit, title="X", public_summary="Y", regulator="Z"
    )
    with pytest.raises(ValidationError) as error:
        services.sandbox_decide_eligibility(
            actor=staff,
            sandbox=sandbox,
            answers={k: True for k in services.ELIGIBILITY_CRITERIA},
            notes={"in_scope": "yes"},
        )
    assert set(error.value.message_dict) == set(services.ELIGIBILITY_CRITERIA) - {"in_scope"}


def test_sandbox_is_time_boxed_and_extends_once(world, scaled):
    staff = world.principal("staff")
    sandbox = scaled["sandbox"]
    with pytest.raises(ValidationError, match="at most six months"):
        services.sandbox_extend(
            actor=staff,
            sandbox=sandbox,
            until=sandbox.ends_on + timedelta(days=200),
            reason="more data",
        )
    services.sandbox_extend(
        actor=staff, sandbox=sandbox, until=sandbox.ends_on + timedelta(days=90), reason="more data"
    )
    assert sandbox.status == SandboxStatus.EXTENDED
    assert sandbox.current_end == sandbox.ends_on + timedelta(days=90)
    with pytest.raises(ValidationError, match="not extended"):
        services.sandbox_extend(
            actor=staff,
            sandbox=sandbox,
            until=sandbox.ends_on + timedelta(days=120),
            reason="again",
        )


def test_a_plan_longer_than_a_year_is_refused(world):
    staff = world.principal("staff")
    sandbox = services.sandbox_apply(
        actor=staff, unit=world.unit, title="X", public_summary="Y", regulator="Z"
    )
    services.sandbox_decide_eligibility(
        actor=staff,
        sandbox=sandbox,
        answers={k: True for k in services.ELIGIBILITY_CRITERIA},
        notes={k: "n" for k in services.ELIGIBILITY_CRITERIA},
    )
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="at most 12 months"):
        services.sandbox_start(
            actor=staff,
            sandbox=sandbox,
            rule_waived="r",
            relaxation="",
            safeguards="s",
            participants="p",
            exit_criteria="e",
            starts_on=today,
            ends_on=today + timedelta(days=400),
        )


def test_monitoring_cannot_exceed_the_participant_limit_and_exit_needs_a_report(world, scaled):
    staff = world.principal("staff")
    sandbox = scaled["sandbox"]
    with pytest.raises(ValidationError, match="More participants"):
        services.sandbox_report_add(
            actor=staff,
            sandbox=sandbox,
            period_end=timezone.localdate(),
            participants=101,
            incidents=0,
            safeguards_held=True,
            summary="s",
        )
    services.sandbox_report_add(
        actor=staff,
        sandbox=sandbox,
        period_end=timezone.localdate(),
        participants=80,
        incidents=0,
        safeguards_held=True,
        summary="ok",
    )
    with pytest.raises(ValidationError, match="Write the exit report"):
        services.sandbox_exit(
            actor=staff, sandbox=sandbox, exit_report=" ", exited_on=timezone.localdate()
        )
    services.sandbox_exit(
        actor=staff, sandbox=sandbox, exit_report="Worked.", exited_on=timezone.localdate()
    )
    assert sandbox.status == SandboxStatus.EXITED
    assert AuditEvent.objects.filter(action="scaling.sandbox_exited").count() == 1


def test_public_registry_lists_only_agreed_published_sandboxes(world, scaled):
    staff = world.principal("staff")
    services.sandbox_apply(
        actor=staff, unit=world.unit, title="Only applied", public_summary="s", regulator="r"
    )
    hidden = scaled["sandbox"]
    assert [s.title for s in selectors.sandbox_public_list()] == ["Pharmacy confirmations"]
    hidden.published = False
    hidden.save()
    assert list(selectors.sandbox_public_list()) == []


def test_overdue_obstacles_and_heat_map_count_only_open_ones(world, scaled):
    viewer = world.principal("staff")
    assert [o.title for o in selectors.obstacle_overdue(viewer=viewer)] == ["Managers resist"]
    cells = {
        (c["severity"], c["likelihood"]): c["count"]
        for c in selectors.obstacle_heatmap(selectors.obstacle_list(viewer=viewer))
    }
    assert len(cells) == 25
    assert cells[(3, 4)] == 1 and cells[(4, 4)] == 1
    assert cells[(5, 5)] == 0  # resolved
    assert selectors.obstacle_overdue(viewer=world.principal("outsider")).count() == 0


def test_obstacle_rejects_another_units_jurisdiction_and_bad_ratings(world, scaled):
    staff = world.principal("staff")
    with pytest.raises(ValidationError) as error:
        services.obstacle_create(
            actor=staff,
            problem=scaled["problem"],
            kind="budget",
            title="t",
            severity=6,
            likelihood=0,
            jurisdiction=world.other_unit_agency,
        )
    assert set(error.value.message_dict) == {"severity", "likelihood", "jurisdiction"}


def _primary(problem) -> EffectLine:
    primary = impact_report_for_problem(problem=problem).primary
    assert primary is not None
    return primary


def test_independent_consistent_replications_raise_the_nesta_level(world, scaled):
    staff = world.principal("staff")
    effect = scaled["effect"]
    assert _primary(scaled["problem"]).nesta_level == 3
    today = timezone.localdate()
    services.replication_record(
        actor=staff,
        original=effect,
        site="Own team",
        estimate=-5.0,
        std_error=1.2,
        design="rct",
        independent=False,
        completed_on=today,
    )
    services.replication_record(
        actor=staff,
        original=effect,
        site="Null site",
        estimate=-0.5,
        std_error=1.5,
        design="rct",
        independent=True,
        completed_on=today,
    )
    assert _primary(scaled["problem"]).nesta_level == 3
    services.replication_record(
        actor=staff,
        original=effect,
        site="Town",
        estimate=-5.4,
        std_error=1.5,
        design="rct",
        independent=True,
        completed_on=today,
    )
    assert _primary(scaled["problem"]).nesta_level == 4
    services.replication_record(
        actor=staff,
        original=effect,
        site="City",
        estimate=-6.6,
        std_error=1.3,
        design="did",
        independent=True,
        completed_on=today,
        replication_system=True,
    )
    primary = _primary(scaled["problem"])
    assert primary.nesta_level == 5
    assert primary.maryland_sms == 5


def test_plan_projection_uses_the_candidates_figures(world, scaled):
    plan = scaled["plan"]
    assert plan.benefit == pytest.approx(0.061)  # 6.1 pp fewer missed, as a share
    projection = selectors.plan_projection(viewer=world.principal("staff"), plan=plan)
    assert projection is not None
    mean, sd = analytic_total(
        effect=0.061, effect_se=0.009, tau=0.015, sites=[Site("Town", 50_000, 58, 0.8)]
    )
    assert projection.analytic_mean == pytest.approx(50_000 * 58 * 0.061)
    assert projection.total_mean == pytest.approx(mean, rel=0.03)
    assert projection.total_sd == pytest.approx(sd, rel=0.05)
    assert projection.one_off_cost == 90_000


def test_lesson_search_matches_every_word_in_any_field_within_scope(world):
    staff = world.principal("staff")
    services.lesson_record(
        actor=staff,
        unit=world.unit,
        title="Chatbot did not cut calls",
        what_we_learnt="Rewrite the letter first.",
        outcome="failure",
        tags="contact-centre",
    )
    services.lesson_record(
        actor=staff,
        unit=world.unit,
        title="Fast track for permits",
        what_we_learnt="Start the legal change first.",
        outcome="success",
    )
    services.lesson_record(
        actor=world.principal("outsider"),
        unit=world.other_unit,
        title="Chatbot elsewhere",
        what_we_learnt="Secret.",
        outcome="failure",
    )
    search = selectors.lesson_search
    assert [x.title for x in search(viewer=staff, query="chatbot")] == ["Chatbot did not cut calls"]
    assert {x.title for x in search(viewer=staff, query="first")} == {
        "Chatbot did not cut calls",
        "Fast track for permits",
    }
    assert [x.title for x in search(viewer=staff, query="LETTER rewrite")] == [
        "Chatbot did not cut calls"
    ]
    assert [x.title for x in search(viewer=staff, query="first", outcome="success")] == [
        "Fast track for permits"
    ]
    assert list(search(viewer=staff, query="secret")) == []


def test_decided_iterations_join_the_lessons_archive(world):
    from civicloop.experiments import services as experiment_services
    from civicloop.experiments.models import ResultSnapshot
    from civicloop.experiments.tests import factories as exp

    staff = world.principal("staff")
    svc = exp.service(staff, world.unit, world.agency, name="Tax helpline")
    iteration = exp.iteration(staff, svc, title="Chatbot for spring questions")
    experiment = exp.ab_experiment(
        staff, iteration, [(exp.metric(staff, world.unit), "primary", None)]
    )
    snapshot = ResultSnapshot.objects.create(
        experiment=experiment, computed_at=timezone.now(), ok=True, payload={}
    )
    experiment_services.decision_record(
        actor=staff,
        iteration=iteration,
        kind="stop",
        cited_results=[snapshot],
        rationale="Calls rose 2%: people called about the letter, not general questions.",
    )
    [lesson] = selectors.iteration_lessons(viewer=staff, query="letter chatbot")
    assert (lesson.service, lesson.decision) == ("Tax helpline", "stop")
    assert selectors.iteration_lessons(viewer=staff, query="parking") == []
    assert selectors.iteration_lessons(viewer=world.principal("outsider")) == []
    page = world.client("staff").get("/scaling/lessons/?q=letter").content.decode()
    assert "Calls rose 2%" in page
