"""Benchmark of the evidence engine (civicloop.stats). Run: .venv/bin/python bench/stats.py

1. Sufficient statistics in, results out: 100 experiments x 20 metrics, each a full A/B
   analysis (Welch/proportion test, relative lift, CUPED with a pre-period covariate, SRM,
   always-valid confidence sequence, Bayesian summary, Holm/BH across the 20 metrics).
   Baseline measured in the same run: scipy.stats.ttest_ind(equal_var=False) on the raw arrays
   behind the same statistics (5,000 units per arm), i.e. only the t test, naively on rows.
2. Array path: 10 million units (two arms, outcome + covariate) reduced to sufficient
   statistics and analysed (CUPED + sequential). Baseline: scipy.stats.ttest_ind on the same
   arrays (t test only).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from civicloop.stats import SufficientStats, analyze_ab, analyze_ab_metrics

EXPERIMENTS = 100
METRICS = 20
UNITS_PER_ARM = 5_000
ARRAY_UNITS = 10_000_000


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def bench_sufficient_stats(rng: np.random.Generator) -> None:
    raw: list[list[tuple[np.ndarray, np.ndarray]]] = []
    experiments = []
    for _ in range(EXPERIMENTS):
        metrics = {}
        raw_metrics = []
        for m in range(METRICS):
            pre_c = rng.normal(10, 2, UNITS_PER_ARM)
            pre_t = rng.normal(10, 2, UNITS_PER_ARM)
            y_c = pre_c + rng.normal(0, 1, UNITS_PER_ARM)
            y_t = pre_t + rng.normal(0.02, 1, UNITS_PER_ARM)
            metrics[f"m{m}"] = {
                "control": SufficientStats.from_array(y_c, pre_c),
                "treatment": SufficientStats.from_array(y_t, pre_t),
            }
            raw_metrics.append((y_c, y_t))
        experiments.append(metrics)
        raw.append(raw_metrics)

    start = time.perf_counter()
    reports = [
        analyze_ab_metrics(metrics, "control", sequential=True, sequential_tuning_n=10_000)
        for metrics in experiments
    ]
    engine = time.perf_counter() - start
    assert all(len(r.analyses) == METRICS for r in reports)

    start = time.perf_counter()
    for raw_metrics in raw:
        for y_c, y_t in raw_metrics:
            stats.ttest_ind(y_t, y_c, equal_var=False)
    baseline = time.perf_counter() - start

    analyses = EXPERIMENTS * METRICS
    print(f"[sufficient stats] {EXPERIMENTS} experiments x {METRICS} metrics = {analyses} analyses")
    print(f"  engine (full: CUPED, SRM, sequential, Bayes, Holm/BH): {_ms(engine)}")
    print(f"  per metric analysis: {engine / analyses * 1e6:,.0f} us")
    print(f"  baseline scipy ttest_ind on raw rows (t test only):    {_ms(baseline)}")
    print(f"  ratio engine / baseline: {engine / baseline:.2f}")


def bench_arrays(rng: np.random.Generator) -> None:
    arm = rng.random(ARRAY_UNITS) < 0.5
    pre = rng.normal(10, 2, ARRAY_UNITS)
    y = pre + rng.normal(0, 1, ARRAY_UNITS) + 0.01 * arm
    y_c, y_t, x_c, x_t = y[~arm], y[arm], pre[~arm], pre[arm]

    start = time.perf_counter()
    arms = {
        "control": SufficientStats.from_array(y_c, x_c),
        "treatment": SufficientStats.from_array(y_t, x_t),
    }
    reduce_time = time.perf_counter() - start
    start = time.perf_counter()
    result = analyze_ab(arms, "control", sequential=True)
    analyse_time = time.perf_counter() - start
    engine = reduce_time + analyse_time

    start = time.perf_counter()
    stats.ttest_ind(y_t, y_c, equal_var=False)
    baseline = time.perf_counter() - start

    print(f"[array path] {ARRAY_UNITS:,} units, outcome + covariate")
    print(f"  reduce to sufficient statistics: {_ms(reduce_time)}")
    print(f"  analyse (CUPED, SRM, sequential, Bayes): {_ms(analyse_time)}")
    print(f"  engine total: {_ms(engine)}")
    print(f"  baseline scipy ttest_ind on the arrays (no CUPED): {_ms(baseline)}")
    print(f"  ratio engine / baseline: {engine / baseline:.2f}")
    print(f"  variance reduction achieved by CUPED: {result.results[0].variance_reduction:.1%}")


def main() -> None:
    rng = np.random.default_rng(2026)
    bench_sufficient_stats(rng)
    bench_arrays(rng)


if __name__ == "__main__":
    main()
