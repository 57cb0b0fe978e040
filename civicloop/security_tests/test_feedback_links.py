"""Feedback belongs to one organisation's service and iteration (issue 12, finding 6).

Two units each run a service called "Licence renewals". Citizens' feedback on unit B's
iteration must never be counted in unit A's iteration summary, decision, evidence report or
API, whatever the tags the responses carry. And no app reaches another through `importlib`
or an "optional app" adapter that no tool can follow (ADR 0011).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.utils import timezone

from civicloop.experiments import services as experiments_services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as xf
from civicloop.feedback import services as feedback_services
from civicloop.feedback.models import Response
from civicloop.portfolio.tests.factories import ProblemFactory

ROOT = Path(__file__).resolve().parents[1]


def _survey(actor, unit, problem, key: str):
    return feedback_services.survey_create(
        actor=actor,
        unit=unit,
        problem=problem,
        title=f"Renewal {key}",
        templates=["govuk", "comment"],
        consent="Anonymous.",
        service_key="licence-renewals",
        iteration_key="licence-renewals-1",
    )


@pytest.fixture
def twins(world):
    """Unit A and unit B, each with a service "Licence renewals" and its iteration 1."""
    a_staff, b_staff = world.principal("staff"), world.principal("outsider")
    a_problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    b_problem = ProblemFactory.create(unit=world.other_unit, owner_agency=world.other_unit_agency)
    a_service = xf.service(a_staff, world.unit, world.agency, problems=[a_problem])
    b_service = xf.service(b_staff, world.other_unit, world.other_unit_agency, problems=[b_problem])
    a_iteration = xf.iteration(a_staff, a_service)
    b_iteration = xf.iteration(b_staff, b_service)
    b_survey = _survey(b_staff, world.other_unit, b_problem, "b")
    # Unit B's citizens: nine unhappy answers, with a comment only B's staff may read.
    for i in range(9):
        feedback_services.response_submit(
            survey=b_survey,
            answers={"satisfaction": 1, "comment": "Unit B secret complaint about queues"},
            channel="api",
            service_key="licence-renewals",
            iteration_key="licence-renewals-1",
            client=f"b{i}",
        )
    metric = xf.metric(a_staff, world.unit, "renewed")
    experiment = xf.ab_experiment(a_staff, a_iteration, [(metric, "primary", None)])
    return {
        "a_staff": a_staff,
        "a_problem": a_problem,
        "a_iteration": a_iteration,
        "a_experiment": experiment,
        "b_iteration": b_iteration,
        "b_survey": b_survey,
    }


def _snapshot(experiment):
    return ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload={"design": "randomised", "metrics": {}},
    )


def test_another_units_feedback_is_not_in_the_iteration_page(world, twins):
    html = world.client("staff").get(f"/experiments/iterations/{twins['a_iteration'].pk}/")
    assert html.status_code == 200
    text = html.content.decode()
    assert "9 responses" not in text
    assert "No feedback summary for this iteration yet." in text
    # B's own staff see their nine responses on their own iteration.
    b_html = world.client("outsider").get(f"/experiments/iterations/{twins['b_iteration'].pk}/")
    assert "9 responses" in b_html.content.decode()


def test_another_units_feedback_is_not_stored_in_the_decision_nor_served_by_the_api(world, twins):
    decision = experiments_services.decision_record(
        actor=twins["a_staff"],
        iteration=twins["a_iteration"],
        kind="iterate",
        rationale="Effect positive.",
        cited_results=[_snapshot(twins["a_experiment"])],
    )
    assert decision.feedback_summary is None
    key = world.api_key("read")
    body = world.client(None).get(
        f"/api/v1/iterations/{twins['a_iteration'].pk}/decision",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert body.status_code == 200, body.content
    assert body.json()["feedback_summary"] is None
    assert "Unit B secret" not in body.content.decode()


def test_own_units_feedback_still_reaches_the_decision(world, twins):
    a_survey = _survey(twins["a_staff"], world.unit, twins["a_problem"], "a")
    for i, value in enumerate([5, 4]):
        feedback_services.response_submit(
            survey=a_survey,
            answers={"satisfaction": value},
            channel="api",
            iteration_key="licence-renewals-1",
            client=f"a{i}",
        )
    html = world.client("staff").get(f"/experiments/iterations/{twins['a_iteration'].pk}/")
    assert "2 responses" in html.content.decode()
    decision = experiments_services.decision_record(
        actor=twins["a_staff"],
        iteration=twins["a_iteration"],
        kind="iterate",
        rationale="Effect positive.",
        cited_results=[_snapshot(twins["a_experiment"])],
    )
    assert decision.feedback_summary is not None
    assert decision.feedback_summary["n"] == 2


def test_another_units_feedback_is_not_in_the_evidence_report(world, twins):
    for client, path in [
        (world.client("staff"), f"/api/v1/evidence/problems/{twins['a_problem'].pk}/report"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, response.content
        report = json.dumps(response.json())
        assert "Unit B secret" not in report
        assert twins["b_survey"].slug not in report


def test_a_response_links_only_to_its_own_units_iteration(world, twins):
    linked = set(Response.objects.values_list("iteration_id", flat=True))
    assert linked == {twins["b_iteration"].pk}


# --- cross-app links that tools can follow --------------------------------------------------


def _app_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" in parts or "tests" in parts or "security_tests" in parts:
            continue
        if parts[0] in ("cli", "cli.py"):
            continue  # the command line loads its subcommands' modules on demand
        yield path


def test_no_app_code_imports_through_importlib():
    offenders = []
    for path in _app_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # importlib.resources reads package data files; it loads no code.
                names = [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if not (node.module == "importlib" and alias.name == "resources")
                ]
            elif isinstance(node, ast.Name) and node.id == "__import__":
                names = ["__import__"]
            if any(n == "importlib" or n.startswith("importlib.") for n in names) or (
                "__import__" in names
            ):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}")
    assert offenders == [], "dynamic imports in app code (use a plain import): " + ", ".join(
        offenders
    )


# Upstream apps never import downstream ones (ARCHITECTURE.md, "Direction of dependencies").
UPSTREAM_NEVER_IMPORTS = {
    "experiments": {"feedback", "evidence", "scaling"},
    "feedback": {"evidence", "scaling"},
    "portfolio": {"experiments", "feedback", "evidence", "scaling", "market"},
}


def test_upstream_apps_do_not_import_downstream_apps():
    offenders = []
    for app, forbidden in UPSTREAM_NEVER_IMPORTS.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT / app).parts
            if "tests" in parts or "migrations" in parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    modules = [node.module]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                for module in modules:
                    if any(
                        module == f"civicloop.{f}" or module.startswith(f"civicloop.{f}.")
                        for f in forbidden
                    ):
                        offenders.append(
                            f"{app}/{'/'.join(parts)}:{getattr(node, 'lineno', 0)} -> {module}"
                        )
    assert offenders == []
