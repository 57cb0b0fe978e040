"""The whole iteration cycle through the API: service → iteration → experiment → events →
refresh → results (checked against `civicloop analyze ab` on the same data) → decision."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from civicloop.analytics.assignment import assign
from civicloop.cli.analyze import main as analyze_main
from civicloop.core.models import AuditEvent
from civicloop.experiments import services
from civicloop.experiments.models import ExperimentStatus
from civicloop.portfolio.models import Problem, Stage
from civicloop.portfolio.tests.factories import ProblemFactory


def _api(client, method, path, key, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


@pytest.mark.django_db
def test_iteration_cycle_through_the_api_matches_civicloop_analyze(
    world, event_store_dir, tmp_path, client, django_capture_on_commit_callbacks
):
    key = world.api_key()
    problem = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, stage=Stage.EXPERIMENTING
    )

    r = _api(
        client,
        "post",
        "/metrics",
        key,
        {
            "key": "renewed",
            "name": "Renewed within 7 days",
            "aggregation": "any",
            "event_name": "renewed",
            "window_hours": 168,
            "pre_window_hours": 720,
        },
    )
    assert r.status_code == 201, r.content
    renewed = r.json()["id"]
    r = _api(
        client,
        "post",
        "/metrics",
        key,
        {
            "key": "calls",
            "name": "Calls to the helpline",
            "aggregation": "count",
            "event_name": "call",
            "higher_is_better": False,
        },
    )
    calls = r.json()["id"]

    r = _api(
        client,
        "post",
        "/services",
        key,
        {
            "name": "Trading licence renewal",
            "owner_agency_id": world.agency.pk,
            "annual_volume": 73000,
            "cost_per_transaction": "38.50",
            "currency": "EUR",
            "channels": ["online", "counter"],
            "problem_ids": [problem.pk],
        },
    )
    assert r.status_code == 201, r.content
    service_id = r.json()["id"]
    assert r.json()["cost_per_transaction"] == "38.50"
    r = _api(
        client,
        "post",
        f"/services/{service_id}/iterations",
        key,
        {
            "title": "SMS reminder",
            "what_changes": "An SMS two weeks before expiry",
            "hypothesis_change": "send an SMS reminder",
            "hypothesis_metric": "renewal rate",
            "hypothesis_group": "small shopkeepers",
            "hypothesis_effect": "10 points",
            "hypothesis_because": "lapses are forgotten deadlines",
            "starts_on": "2026-01-01",
            "ends_on": "2026-03-31",
            "evaluation_plan": "A/B on renewal within 7 days",
        },
    )
    assert r.status_code == 201, r.content
    iteration_id = r.json()["id"]
    r = _api(
        client,
        "post",
        "/experiments",
        key,
        {
            "iteration_id": iteration_id,
            "key": "sms-reminder",
            "title": "SMS reminder A/B",
            "design": "ab",
            "analysis_plan": "Proportions test, always-valid while running",
            "variants": [{"key": "control"}, {"key": "sms"}],
            "min_units_per_variant": 50,
            "metrics": [
                {"metric_id": renewed, "role": "primary"},
                {"metric_id": calls, "role": "guardrail", "non_inferiority_margin": 0.5},
            ],
        },
    )
    assert r.status_code == 201, r.content
    experiment_id = r.json()["id"]
    r = _api(client, "post", f"/experiments/{experiment_id}/start", key)
    assert r.status_code == 200
    assert r.json()["locked_at"] is not None

    # A simulated service: the SDK assigns, exposures and outcomes flow through the API.
    from civicloop.experiments.models import Experiment

    config = services.experiment_assignment_config(Experiment.objects.get(pk=experiment_id))
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=12)
    events, truth = [], {}
    for i in range(600):
        unit = f"shop-{i}"
        assignment = assign(config, unit)
        assert assignment is not None
        variant = assignment.variant
        exposed = start + timedelta(minutes=5 * i)
        events.append(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "unit_id": unit,
                "name": "$exposure",
                "timestamp": exposed.isoformat(),
                "properties": {"experiment": "sms-reminder", "variant": variant},
            }
        )
        prior = 1.0 if rng.random() < 0.4 else 0.0  # renewed something in the month before
        if prior:
            events.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "unit_id": unit,
                    "name": "renewed",
                    "timestamp": (exposed - timedelta(days=3)).isoformat(),
                }
            )
        rate = (0.45 if variant == "sms" else 0.30) + 0.2 * prior
        y = 1.0 if rng.random() < rate else 0.0
        if y:
            events.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "unit_id": unit,
                    "name": "renewed",
                    "timestamp": (exposed + timedelta(hours=rng.randrange(1, 160))).isoformat(),
                }
            )
        truth[unit] = (variant, y, prior)
    for first in range(0, len(events), 500):
        r = _api(client, "post", "/events", key, events[first : first + 500])
        assert r.status_code == 202, r.content
        assert r.json()["rejected"] == []
    # the assignment endpoint answers what the SDK computed
    for unit in ("shop-1", "shop-2", "shop-3"):
        r = _api(client, "get", f"/experiments/sms-reminder/assignment?unit_id={unit}", key)
        assert r.json()["variant"] == truth[unit][0]

    with django_capture_on_commit_callbacks(execute=True):
        r = _api(client, "post", f"/experiments/{experiment_id}/refresh", key)
    assert r.status_code == 202
    r = _api(client, "get", f"/experiments/{experiment_id}/results", key)
    assert r.status_code == 200, r.content
    results = r.json()
    primary = results["payload"]["metrics"]["renewed"]["analysis"]

    # The same data, exported per person to CSV, through `civicloop analyze ab`.
    path = tmp_path / "units.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["variant", "y", "x"])
        for variant, y, prior in truth.values():
            writer.writerow([variant, y, prior])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = analyze_main(
            [
                "ab",
                str(path),
                "--variant",
                "variant",
                "--metric",
                "y",
                "--covariate",
                "x",
                "--control",
                "control",
                "--sequential",
                "--format",
                "json",
            ]
        )
    assert code == 0
    reference = json.loads(out.getvalue())
    assert primary["cuped"] is True
    assert primary["sequential"] is True
    ours, theirs = primary["results"][0], reference["results"][0]
    for field in (
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
        "chance_to_beat_control",
        "n_control",
        "n_treatment",
    ):
        assert ours[field] == pytest.approx(theirs[field], rel=1e-9, abs=1e-12), field
    assert results["payload"]["counts"] == {
        "control": sum(1 for v, _, _ in truth.values() if v == "control"),
        "sms": sum(1 for v, _, _ in truth.values() if v == "sms"),
    }
    assert results["payload"]["cumulative"], "the cumulative-effect chart has points"
    assert results["maryland_sms"] == 5
    assert ours["estimate"] > 0.05  # the simulated effect (+15 points) is visible

    r = _api(
        client,
        "post",
        f"/iterations/{iteration_id}/decision",
        key,
        {
            "kind": "scale",
            "rationale": "Renewals up about 15 points; calls not worse.",
            "cited_result_ids": [results["snapshot_id"]],
        },
    )
    assert r.status_code == 201, r.content
    decision = r.json()
    assert decision["evidence_summary"][0]["snapshot"] == results["snapshot_id"]
    assert decision["problem_stage_moves"] == [
        {"problem": problem.pk, "from": "experimenting", "to": "scaling"}
    ]
    assert Problem.objects.get(pk=problem.pk).stage == Stage.SCALING
    assert Experiment.objects.get(pk=experiment_id).status == ExperimentStatus.STOPPED
    assert AuditEvent.objects.filter(action="experiments.decision_recorded").count() == 1
