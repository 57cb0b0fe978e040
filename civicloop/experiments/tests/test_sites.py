"""Non-randomised designs read site observations: pilot vs comparison (DiD), before/after (ITS),
synthetic control. Effects are checked against statsmodels / numpy fitted here independently."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from civicloop.experiments import services
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


def _weeks(n: int) -> list[date]:
    return [date(2025, 1, 6) + timedelta(weeks=i) for i in range(n)]


def _site_experiment(world, design: str, **kw):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", higher_is_better=False)
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key=f"{design}-exp",
        title="Pilot",
        design=design,
        analysis_plan="As registered",
        metrics=[(metric, "primary", None)],
        **kw,
    )
    services.experiment_start(actor=staff, experiment=exp)
    return staff, exp


def test_pilot_against_comparison_sites_matches_statsmodels_twfe(world):
    weeks = _weeks(12)
    staff, exp = _site_experiment(world, "did", intervention_date=weeks[6])
    rng = random.Random(3)
    rows = []
    for s in range(6):
        for i, week in enumerate(weeks):
            treated = s < 2 and i >= 6
            rows.append(
                {
                    "site": f"office-{s}",
                    "period": week,
                    "treated": treated,
                    "outcome": 140 + 3 * s - 0.5 * i - (15 if treated else 0) + rng.gauss(0, 2),
                }
            )
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    assert snap.ok, snap.error
    frame = pd.DataFrame(rows).assign(
        t=lambda d: d.period.astype(str), d=lambda d: d.treated.astype(float)
    )
    fit = smf.ols("outcome ~ d + C(site) + C(t)", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame.site)[0]}, use_t=True
    )
    assert snap.payload["effect"]["estimate"] == pytest.approx(fit.params["d"], rel=1e-9)
    assert snap.payload["effect"]["std_error"] == pytest.approx(fit.bse["d"], rel=1e-6)
    assert snap.payload["effect"]["estimate"] == pytest.approx(-15, abs=2)
    groups = {r["group"] for r in snap.payload["trends"]}
    assert groups == {"Pilot sites", "Comparison sites"}
    assert len(snap.payload["trends"]) == 2 * len(weeks)
    assert snap.warnings == []  # parallel trends before the pilot: no pre-trend warning
    assert snap.maryland_sms is not None


def test_a_pre_trend_is_flagged(world):
    weeks = _weeks(12)
    staff, exp = _site_experiment(world, "did", intervention_date=weeks[8])
    rows = []
    for s in range(6):
        for i, week in enumerate(weeks):
            pilot = s < 3
            # pilot offices were already improving 3 days a week faster before the change
            rows.append(
                {
                    "site": f"o{s}",
                    "period": week,
                    "treated": pilot and i >= 8,
                    "outcome": 140 + s - (3.0 * i if pilot else 0) + 0.3 * ((s * i) % 3),
                }
            )
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    assert snap.payload["pretrend_p_value"] < 0.05
    assert any(w.startswith("Pre-trend") for w in snap.warnings)


def test_before_after_level_change_matches_segmented_ols(world):
    weeks = _weeks(30)
    staff, exp = _site_experiment(world, "its", intervention_date=weeks[18])
    rng = np.random.default_rng(1)
    values = (
        20 + 0.1 * np.arange(30) + np.where(np.arange(30) >= 18, 4.0, 0) + rng.normal(0, 0.5, 30)
    )
    rows = [
        {"site": "online", "period": w, "outcome": float(v), "treated": i >= 18}
        for i, (w, v) in enumerate(zip(weeks, values, strict=True))
    ]
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    t = np.arange(30.0)
    post = (t >= 18).astype(float)
    x = np.column_stack([np.ones(30), t, post, post * (t - 18)])
    beta = np.linalg.lstsq(x, values, rcond=None)[0]
    assert snap.payload["effect"]["estimate"] == pytest.approx(beta[2], rel=1e-9)
    assert [r["phase"] for r in snap.payload["series"]].count("after") == 12


def test_synthetic_control_shows_its_fit(world):
    periods = _weeks(14)
    staff, exp = _site_experiment(world, "synth", intervention_date=periods[9])
    rows = []
    rng = random.Random(9)
    for s in range(6):
        for i, p in enumerate(periods):
            treated = s == 0 and i >= 9
            rows.append(
                {
                    "site": f"d{s}",
                    "period": p,
                    "treated": treated,
                    "outcome": 100
                    + 5 * s
                    - (1 + 0.1 * s) * i
                    - (10 if treated else 0)
                    + rng.gauss(0, 0.3),
                }
            )
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    assert snap.ok, snap.error
    fit = snap.payload["fit"]
    assert len(fit) == 14
    gaps = [r["treated"] - r["synthetic"] for r in fit]
    assert np.mean(gaps[9:]) == pytest.approx(snap.payload["effect"]["estimate"], rel=1e-9)
    assert snap.payload["effect"]["estimate"] < -5
    assert sum(snap.payload["donor_weights"].values()) == pytest.approx(1, abs=1e-6)


def test_results_page_shows_the_chart_with_its_data_table(world):
    weeks = _weeks(12)
    staff, exp = _site_experiment(world, "did", intervention_date=weeks[6])
    rows = [
        {
            "site": f"s{s}",
            "period": w,
            "treated": s == 0 and i >= 6,
            "outcome": 10 + s + i * 0.1 + (s * i % 2) - (3 if s == 0 and i >= 6 else 0),
        }
        for s in range(4)
        for i, w in enumerate(weeks)
    ]
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    services.experiment_refresh(experiment=exp)
    html = world.client("staff").get(f"/experiments/{exp.pk}/").content.decode()
    assert "Parallel trends: pilot and comparison sites — data table" in html
    assert 'id="trends-spec"' in html
    assert "Maryland SMS" in html


def test_staggered_pilot_recovers_a_known_effect(world):
    periods = _weeks(10)
    staff, exp = _site_experiment(world, "staggered", intervention_date=periods[4])
    rng = random.Random(11)
    starts = {"a": 4, "b": 4, "c": 6, "d": 6, "e": None, "f": None, "g": None}
    rows = []
    for site, start in starts.items():
        level = rng.uniform(50, 60)
        for i, p in enumerate(periods):
            treated = start is not None and i >= start
            rows.append(
                {
                    "site": site,
                    "period": p,
                    "treated": treated,
                    "outcome": level + 0.5 * i - (6 if treated else 0) + rng.gauss(0, 0.2),
                }
            )
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    assert snap.ok, snap.error
    assert snap.payload["effect"]["estimate"] == pytest.approx(-6, abs=0.5)


def test_staged_rollout_ramps_traffic_without_a_deviation(world):
    from civicloop.experiments.models import PlanDeviation

    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "renewed")
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="ramp",
        title="Ramp",
        design="rollout",
        analysis_plan="As registered",
        metrics=[(metric, "primary", None)],
        variants=[{"key": "control", "weight": 1}, {"key": "new", "weight": 1}],
        traffic_bp=1000,
    )
    services.experiment_start(actor=staff, experiment=exp)
    services.experiment_update(actor=staff, experiment=exp, traffic_bp=5000)
    exp.refresh_from_db()
    assert exp.traffic_bp == 5000
    assert not PlanDeviation.objects.exists()
