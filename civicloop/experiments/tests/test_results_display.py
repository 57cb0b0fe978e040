"""Results in people's terms: every number on the results page and in the API checked against an
independent computation (by hand with scipy, statsmodels' multiple testing)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from civicloop.analytics.metrics import MomentStats
from civicloop.experiments import analysis, services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db
MINUS = "\u2212"

# Renewals: 244 of 1,000 in control (24.4%), 314 of 1,000 with the SMS (31.4%): +7.0 pp, +28.7%.
RENEWED = {"control": (1000, 244), "sms": (1000, 314)}
# Helpline calls per shopkeeper (lower is better): n, sum, sum of squares.
CALLS = {"control": (1000, 500.0, 900.0), "sms": (1000, 560.0, 1010.0)}


def _statistics(renewed=RENEWED, calls=CALLS):
    out = {}
    for v in renewed:
        n, k = renewed[v]
        cn, cs, css = calls[v]
        out[v] = {
            "renewed": MomentStats(v, n, float(k), float(k), 0.0, 0.0, 0.0),
            "calls": MomentStats(v, cn, cs, css, 0.0, 0.0, 0.0),
        }
    return out


def _snapshot(exp, *, running: bool, statistics=None) -> ResultSnapshot:
    """A snapshot the way a warehouse refresh makes one: statistics given, analysed for real."""
    specs = [
        analysis.MetricSpec("renewed", "Renewed", "primary", "proportion", True, None),
        analysis.MetricSpec("calls", "Helpline calls", "guardrail", "mean", False, 0.05),
    ]
    outcome = analysis.analyse_randomised(
        store=None,  # type: ignore[arg-type]  # unused when statistics are given
        key=exp.key,
        specs=specs,
        control="control",
        variants=exp.variants,
        alpha=0.05,
        running=running,
        min_units=10,
        statistics=statistics or _statistics(),
    )
    return ResultSnapshot.objects.create(
        experiment=exp,
        computed_at=timezone.now(),
        payload=outcome.payload,
        warnings=outcome.warnings,
        maryland_sms=outcome.maryland_sms,
        nesta_level=outcome.nesta_level,
    )


@pytest.fixture
def ab(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    renewed = f.metric(staff, world.unit, "renewed", name="Renewed", pre_window_hours=0)
    calls = f.metric(
        staff,
        world.unit,
        "calls",
        name="Helpline calls",
        aggregation="count",
        higher_is_better=False,
        unit_label="calls",
    )
    exp = f.ab_experiment(
        staff, it, [(renewed, "primary", None), (calls, "guardrail", 0.05)], planned_days=28
    )
    return exp


def _find(pattern: str, text: str, group: int = 0) -> str:
    found = re.search(pattern, text, re.S)
    assert found, pattern
    return found.group(group)


def _signed(value: float, places: int) -> str:
    text = f"{value:+.{places}f}"
    return text.replace("-", MINUS)


def _proportion_by_hand(n_c, k_c, n_t, k_t, alpha=0.05):
    pc, pt = k_c / n_c, k_t / n_t
    vc, vt = pc * (1 - pc) / n_c, pt * (1 - pt) / n_t
    se = math.sqrt(vc + vt)
    z = sps.norm.ppf(1 - alpha / 2)
    diff = pt - pc
    rel = pt / pc - 1
    rel_se = math.sqrt(vt / pc**2 + pt**2 * vc / pc**4)
    return {
        "diff": diff,
        "ci": (diff - z * se, diff + z * se),
        "p": 2 * sps.norm.sf(abs(diff / se)),
        "rel": rel,
        "rel_ci": (rel - z * rel_se, rel + z * rel_se),
        "chance": sps.norm.cdf(diff / se),
    }


def test_effects_in_points_and_percent_match_a_hand_computation(ab, client, world):
    _snapshot(ab, running=False)
    ref = _proportion_by_hand(1000, 244, 1000, 314)
    welch = sps.ttest_ind_from_stats(
        mean1=0.56,
        std1=math.sqrt((1010 - 560**2 / 1000) / 999),
        nobs1=1000,
        mean2=0.5,
        std2=math.sqrt((900 - 500**2 / 1000) / 999),
        nobs2=1000,
        equal_var=False,
    )
    holm = multipletests([ref["p"], welch.pvalue], method="holm")[1]
    bh = multipletests([ref["p"], welch.pvalue], method="fdr_bh")[1]

    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{ab.pk}/").content.decode()
    assert "+7.0 pp (+28.7%)" in body
    # one decimal: the interval's half-width (3.9 pp) has one significant digit before the point
    low, high = (100 * x for x in ref["ci"])
    assert f"{_signed(low, 1)} to {_signed(high, 1)} pp" in body
    rel_low, rel_high = (100 * x for x in ref["rel_ci"])
    # per cent with at least one decimal
    assert f"{_signed(rel_low, 1)} to {_signed(rel_high, 1)}%" in body
    assert "24.4%" in body and "31.4%" in body  # the rates themselves, as percentages
    assert f"{holm[0]:.4f}" in body and f"{holm[1]:.4f}" in body
    assert f"{bh[0]:.4f}" in body and f"{bh[1]:.4f}" in body
    assert 'id="multiple-testing"' in body and "2 comparisons were tested" in body

    api = client.get(f"/api/v1/experiments/{ab.pk}/results").json()
    effects = {e["metric_key"]: e for e in api["effects"]}
    assert api["multiple_testing_family"] == 2
    primary = effects["renewed"]
    assert primary["unit"] == "pp"
    assert primary["estimate"] == pytest.approx(100 * ref["diff"], rel=1e-9)
    assert primary["ci_low"] == pytest.approx(low, rel=1e-9)
    assert primary["relative"] == pytest.approx(100 * ref["rel"], rel=1e-9)
    assert primary["relative_low"] == pytest.approx(rel_low, rel=1e-9)
    assert primary["p_value"] == pytest.approx(ref["p"], rel=1e-9)
    assert primary["chance_to_beat_control"] == pytest.approx(ref["chance"], rel=1e-9)
    assert [primary["p_holm"], effects["calls"]["p_holm"]] == pytest.approx(list(holm))
    assert [primary["p_bh"], effects["calls"]["p_bh"]] == pytest.approx(list(bh))
    # a mean metric is in its own unit: +0.06 calls, Welch's interval
    calls = effects["calls"]
    assert calls["unit"] == "calls"
    assert calls["estimate"] == pytest.approx(0.06)
    assert calls["p_value"] == pytest.approx(welch.pvalue, rel=1e-6)
    assert calls["effect_text"] == "+0.060 calls (+12.0%)"  # 0.06 / 0.5 = 12%


def test_guardrail_verdict_is_a_badge(ab, client, world):
    """Calls rose by 0.06 per shopkeeper against a margin of 0.05: breached."""
    _snapshot(ab, running=False)
    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{ab.pk}/").content.decode()
    verdict = _find(r'id="guardrail-verdict".*?</p>', body, 0)
    assert "govuk-tag--red" in verdict and "Guardrail breached" in verdict
    api = client.get(f"/api/v1/experiments/{ab.pk}/results").json()
    assert api["guardrail_verdict"] == "breached"

    safe = _statistics(calls={"control": (1000, 500.0, 600.0), "sms": (1000, 480.0, 570.0)})
    _snapshot(ab, running=False, statistics=safe)
    body = client.get(f"/experiments/{ab.pk}/").content.decode()
    verdict = _find(r'id="guardrail-verdict".*?</p>', body, 0)
    assert "Guardrail within its margin" in verdict


def test_chance_to_beat_control_explained_beside_an_always_valid_interval(ab, client, world):
    """Running: 25.0% against 27.0% of 2,000 each. The chance to beat control is about 92.5%
    (normal approximation by hand), the always-valid interval still includes zero."""
    close = _statistics(renewed={"control": (2000, 500), "sms": (2000, 540)})
    _snapshot(ab, running=True, statistics=close)
    ref = _proportion_by_hand(2000, 500, 2000, 540)
    assert 0.9 < ref["chance"] < 0.975
    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{ab.pk}/").content.decode()
    effects = client.get(f"/api/v1/experiments/{ab.pk}/results").json()["effects"]
    assert [e["role"] for e in effects] == ["primary", "guardrail"]  # on PostgreSQL too
    effect = effects[0]
    assert effect["ci_low"] < 0 < effect["ci_high"]
    assert effect["chance_to_beat_control"] == pytest.approx(ref["chance"], rel=1e-9)
    assert "always-valid" in effect["disagreement"]
    assert f"{round(ref['chance'] * 100)}%" in effect["disagreement"]
    assert "app-disagreement" in body


def test_power_warns_when_the_plan_is_shorter_than_needed(ab, client, world):
    """Baseline 25%, +10% relative, 100 shopkeepers a day in two arms (by hand: Chow et al.
    4.2.2 with scipy's normal quantiles): 4,859 per arm, 98 days against a 28-day plan."""
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    p1, p2 = 0.25, 0.275
    n = math.ceil(z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2)
    days = math.ceil(2 * n / 100)
    assert (n, days) == (4859, 98)
    metric = ab.metric_links.get(role="primary").metric
    client.force_login(world.people["staff"])
    body = client.get(
        f"/experiments/{ab.pk}/", {"metric": metric.pk, "baseline": "0.25", "mde_percent": "10"}
    ).content.decode()
    assert f"about {days} days" in body
    warning = _find(r'id="plan-too-short".*?</div>', body, 0)
    assert "The plan runs 28 days" in warning
    # what 28 days can detect: 1,400 per arm; at that effect the power is 80% (by hand)
    found = re.search(r"at least \+([\d.]+) pp", warning)
    assert found, warning
    detectable = float(found.group(1)) / 100
    n_plan = 28 * 100 // 2
    se = math.sqrt((p1 * (1 - p1) + (p1 + detectable) * (1 - p1 - detectable)) / n_plan)
    power = sps.norm.cdf(detectable / se - sps.norm.ppf(0.975))
    assert power == pytest.approx(0.8, abs=0.005)

    api = client.post(
        f"/api/v1/experiments/{ab.pk}/power",
        {"metric_id": metric.pk, "baseline": 0.25, "mde_rel": 0.1},
        content_type="application/json",
    ).json()
    assert api["days"] == days and api["plan_too_short"] is True
    assert api["planned_days"] == 28 and api["plan_n_per_group"] == n_plan
    assert api["plan_mde_abs"] == pytest.approx(detectable, abs=0.0001)


def test_no_warning_when_the_plan_is_long_enough(ab, client, world):
    metric = ab.metric_links.get(role="primary").metric
    client.force_login(world.people["staff"])
    body = client.get(
        f"/experiments/{ab.pk}/", {"metric": metric.pk, "baseline": "0.25", "mde_percent": "40"}
    ).content.decode()
    assert 'id="power-result"' in body and "plan-too-short" not in body


def test_results_of_another_unit_are_404(ab, client, world):
    _snapshot(ab, running=False)
    client.force_login(world.people["outsider"])
    assert client.get(f"/experiments/{ab.pk}/").status_code == 404
    assert client.get(f"/api/v1/experiments/{ab.pk}/results").status_code == 404


# --- site designs -------------------------------------------------------------------------------

MONTHS = [date(2025, 1, 1) + timedelta(days=31 * i) for i in range(12)]
MONTHS = [date(m.year, m.month, 1) for m in MONTHS]


def _synth_rows():
    """San Telmo improves by 14 days from month 8; six districts do not."""
    districts = {"San Telmo": 120, "Villanueva": 130, "Puerto": 110, "Sur": 125, "Lomas": 118}
    return [
        {
            "site": d,
            "period": m,
            "outcome": level - 0.8 * i - (14 if d == "San Telmo" and i >= 8 else 0) + (i * k % 3),
            "treated": d == "San Telmo" and i >= 8,
        }
        for k, (d, level) in enumerate(districts.items())
        for i, m in enumerate(MONTHS)
    ]


def test_synthetic_control_shows_unit_placebo_donors_and_the_change(world, client):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(
        staff, world.unit, "days", source="sites", higher_is_better=False, unit_label="days"
    )
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="synth",
        title="Pre-filled requests",
        design="synth",
        analysis_plan="Synthetic control",
        metrics=[(metric, "primary", None)],
        intervention_date=MONTHS[8],
    )
    services.experiment_start(actor=staff, experiment=exp)
    rows = _synth_rows()
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    assert snap.ok, snap.error
    result = snap.payload["result"]

    # the effect by hand: mean post-period gap between San Telmo and its weighted donors
    donors = sorted(d for d in {r["site"] for r in rows} if d != "San Telmo")
    weights = snap.payload["donor_weights"]
    gaps = []
    for m in MONTHS[8:]:
        treated = next(r["outcome"] for r in rows if r["site"] == "San Telmo" and r["period"] == m)
        synthetic = sum(
            weights[d] * next(r["outcome"] for r in rows if r["site"] == d and r["period"] == m)
            for d in donors
        )
        gaps.append(treated - synthetic)
    effect = sum(gaps) / len(gaps)
    assert result["estimate"] == pytest.approx(effect, rel=1e-9)
    # the placebo p-value: the share of all sites whose ratio is at least San Telmo's
    ratios = [p["rmspe_ratio"] for p in snap.payload["placebo"]]
    rank = 1 + sum(1 for r in ratios if r is None or r >= result["rmspe_ratio"])
    assert result["p_value"] == pytest.approx(rank / (len(donors) + 1))

    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{exp.pk}/").content.decode()
    site = _find(r'id="site-effect".*?</dl>', body, 0)
    shown = _find(r'class="app-effect">([^<]*)</span>', site, 1)
    number, unit = shown.split(" ")
    assert unit == "days"
    assert float(number.replace(MINUS, "-")) == pytest.approx(effect, abs=0.5)
    assert f"{rank} of {len(donors) + 1} sites" in body
    assert 'id="donor-weights"' in body and 'id="placebo-table"' in body
    shares = re.findall(r"([\d.]+)%</td>", _find(r'id="donor-weights".*?</table>', body, 0))
    assert sum(float(s) for s in shares) == pytest.approx(100, abs=0.3)
    assert '"Change starts"' in body  # the intervention marker in the chart's spec
    assert MONTHS[8].isoformat() in body
    assert "Outcome (days)" in body

    api = client.get(f"/api/v1/experiments/{exp.pk}/results").json()
    assert api["site"]["placebo_rank"] == rank and api["site"]["unit"] == "days"
    assert [d["site"] for d in api["site"]["donors"]] == sorted(
        weights, key=lambda s: (-weights[s], s)
    )


def test_pilot_shows_its_pre_trend_p_value(world, client):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", unit_label="days")
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="pilot",
        title="Pilot",
        design="did",
        analysis_plan="TWFE",
        metrics=[(metric, "primary", None)],
        intervention_date=MONTHS[6],
    )
    services.experiment_start(actor=staff, experiment=exp)
    rows = [
        {
            "site": f"office {s}",
            "period": m,
            "treated": s < 2 and i >= 6,
            "outcome": 140 + s - 0.5 * i - (15 if s < 2 and i >= 6 else 0) + (s * i % 3),
        }
        for s in range(6)
        for i, m in enumerate(MONTHS)
    ]
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    snap = services.experiment_refresh(experiment=exp)
    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{exp.pk}/").content.decode()
    pre = _find(r'id="pretrend".*?</div>', body, 0)
    assert f"p = {snap.payload['pretrend_p_value']:.4f}" in pre

    # TWFE on a balanced panel with one start is the 2x2 difference of means (by hand)
    def mean(treated: bool, post: bool) -> float:
        values: list[float] = [
            r["outcome"]  # type: ignore[misc]
            for r in rows
            if (r["site"] in ("office 0", "office 1")) == treated
            and (r["period"] >= MONTHS[6]) == post  # type: ignore[operator]
        ]
        return sum(values) / len(values)

    did = (mean(True, True) - mean(True, False)) - (mean(False, True) - mean(False, False))
    assert snap.payload["effect"]["estimate"] == pytest.approx(did, rel=1e-9)
    site = _find(r'id="site-effect".*?</dl>', body, 0)
    shown = _find(r'class="app-effect">([^<]*)</span>', site, 1)
    number, unit = shown.split(" ")
    assert unit == "days" and float(number.replace(MINUS, "-")) == pytest.approx(did, abs=0.5)
    assert "to" in _find(r"Interval</dt>.*?</dd>", site, 0)
    api = client.get(f"/api/v1/experiments/{exp.pk}/results").json()
    assert api["site"]["pretrend_p"] == pytest.approx(snap.payload["pretrend_p_value"])


def test_absolute_forest_plot_is_as_wide_as_the_page_and_renders(ab, client, world):
    """Like the relative plot, each metric's panel takes the width of its container (a fixed
    420 px panel overflowed a phone and left wide pages empty) and keeps its own unit."""
    import vl_convert

    from civicloop.experiments.charts import result_charts
    from civicloop.experiments.selectors import results_summary

    snapshot = _snapshot(ab, running=False)
    summary = results_summary(experiment=ab, snapshot=snapshot)
    blocks = {b["id"]: b for b in result_charts(snapshot.payload, summary, None)}
    relative, absolute = blocks["forest-relative"]["spec"], blocks["forest-absolute"]["spec"]
    assert relative["width"] == "container"
    assert [panel["width"] for panel in absolute] == ["container", "container"]
    assert all("vconcat" not in panel and "hconcat" not in panel for panel in absolute)
    axes = [layer["encoding"]["x"]["title"] for panel in absolute for layer in panel["layer"][:1]]
    assert axes == ["Effect (pp)", "Effect (calls)"]
    for width in (300, 900):  # a phone's column and a wide page: both draw
        for panel in absolute:
            svg = vl_convert.vegalite_to_svg({**panel, "width": width})
            assert svg.startswith("<svg") and "Effect (" in svg

    client.force_login(world.people["staff"])
    body = client.get(f"/experiments/{ab.pk}/").content.decode()
    assert 'data-vega-spec="forest-absolute-spec"' in body
    assert 'data-vega-spec="forest-absolute-spec-2"' in body
    assert body.count('id="forest-absolute-table"') == 1  # one figure, one data table
