"""The demo gives a newcomer a live experiment with results; a service's timeline shows every
iteration, its evidence and its decision."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from civicloop.core.demo import load_core_demo
from civicloop.experiments import selectors
from civicloop.experiments.models import ExperimentStatus, ResultSnapshot

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # loads the portfolio demo too (about 15 s on the shared machine)
def test_demo_has_a_live_randomised_experiment_with_a_real_effect(event_store_dir):
    from civicloop.analytics.demo import load as analytics_demo
    from civicloop.experiments.demo import load as experiments_demo
    from civicloop.portfolio.demo import load as portfolio_demo

    ctx: dict = {"orgs": load_core_demo()}
    for loader in (portfolio_demo, analytics_demo, experiments_demo):
        loader(ctx)
    assert ctx["sms_experiment"]["accepted"] >= 20_000  # "a few tens of thousands" of events
    sms = ctx["experiments"]["sms"]
    sms.refresh_from_db()
    assert sms.status == ExperimentStatus.RUNNING
    snap = ResultSnapshot.objects.filter(experiment=sms).latest()
    assert snap.ok, snap.error
    primary = snap.payload["metrics"]["renewed-7d"]["variants"][0]
    # the simulation adds 8 points of renewals for the SMS arm; the interval must show it
    assert primary["ci_low"] > 0
    assert primary["ci_low"] < 0.08 < primary["ci_high"]
    assert snap.payload["sequential"] is True
    assert len(snap.payload["cumulative"]) >= 10
    for key in ("its", "did", "synth"):
        assert ResultSnapshot.objects.filter(experiment=ctx["experiments"][key], ok=True).exists()
    timeline = selectors.service_timeline(service=ctx["services"]["housing"])
    kinds = [e.kind for e in timeline]
    assert kinds.count("iteration") == 2
    assert kinds.count("decision") == 1
    assert kinds.count("result") == 2
    decision = next(e for e in timeline if e.kind == "decision")
    first_iteration = next(e for e in timeline if e.kind == "iteration")
    assert isinstance(decision.when, datetime)  # decisions are timestamped
    assert first_iteration.when <= decision.when.date()


def test_store_unavailable_answers_503_with_retry_after(
    world, event_store_dir, client, monkeypatch
):
    from civicloop.analytics import services

    def broken(**kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(services, "events_accept", broken)
    r = client.post(
        "/api/v1/events",
        data="[]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
