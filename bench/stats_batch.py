"""Benchmark: 2,000 two-arm analyses from sufficient statistics, CivicLoop against gbstats.

Run: .venv/bin/python bench/stats_batch.py [--experiments 100] [--metrics 20] [--repeat 5]

100 experiments × 20 metrics (14 means, 6 proportions), each a control and a treatment arm
given as n, sum and sum of squares. Three engines analyse the same statistics, timed in the
same run (best of ``--repeat``, wall and CPU seconds):

* ``civicloop.stats.batch.two_arm_batch``: the vectorised path, absolute and relative effects;
* ``civicloop.stats.analyze_ab`` once per pair: the engine the pages use (it also computes the
  SRM check, the Bayesian summary and the evidence grade, so it does more per pair);
* GrowthBook's gbstats (``gbstats.frequentist.tests.TwoSidedTTest``, absolute and relative),
  the baseline: it runs in a throw-away virtual environment (``--gbstats-python``; by default
  ``$TMPDIR/civicloop-gbstats``, created with ``pip install gbstats`` on first use because its
  pins clash with ours), fed the same statistics through a JSON file.

It prints the times, the ratio gbstats / batch, and the largest absolute difference between
the two engines' estimates, interval bounds and p-values, per metric kind. The known method
difference: for proportions and relative lifts gbstats uses a t reference with Welch degrees
of freedom where CivicLoop uses the normal one, which differ by about 1/df.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from civicloop.stats import StatsInputError, SufficientStats, analyze_ab
from civicloop.stats.batch import two_arm_batch

GBSTATS_RUNNER = r"""
import json, sys, time
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

data = json.load(open(sys.argv[1]))
repeat = int(sys.argv[2])
def stat(kind, n, s, q):
    if kind:
        return ProportionStatistic(n=int(n), sum=s)
    return SampleMeanStatistic(n=int(n), sum=s, sum_squares=q)
absolute = FrequentistConfig(difference_type="absolute")
relative = FrequentistConfig(difference_type="relative")
best = (float("inf"), float("inf"))
for _ in range(repeat):
    wall, cpu = time.perf_counter(), time.process_time()
    out = []
    for kind, nc, sc, qc, nt, st, qt in zip(*[data[k] for k in
            ("proportion", "n_c", "s_c", "q_c", "n_t", "s_t", "q_t")]):
        a, b = stat(kind, nc, sc, qc), stat(kind, nt, st, qt)
        r1 = TwoSidedTTest(a, b, absolute).compute_result()
        r2 = TwoSidedTTest(a, b, relative).compute_result()
        out.append([r1.expected, r1.ci[0], r1.ci[1], r1.p_value,
                    r2.expected, r2.ci[0], r2.ci[1], r2.p_value])
    best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
json.dump({"wall": best[0], "cpu": best[1], "results": out}, sys.stdout)
"""


def _statistics(rng: np.random.Generator, experiments: int, metrics: int) -> dict[str, np.ndarray]:
    size = experiments * metrics
    proportion = np.tile(np.arange(metrics) >= metrics * 0.7, experiments)
    n_c = rng.integers(2_000, 50_000, size).astype(float)
    n_t = (n_c * rng.uniform(0.95, 1.05, size)).round()
    mean = rng.uniform(5, 50, size)
    sd = mean * rng.uniform(0.2, 1.0, size)
    rate = rng.uniform(0.05, 0.6, size)
    lift = rng.normal(0.0, 0.03, size)

    def arm(n: np.ndarray, scale: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = np.where(proportion, rate * scale, mean * scale)
        total = np.where(proportion, np.round(n * m), n * m)
        sum_sq = np.where(proportion, total, (n - 1) * sd**2 + total**2 / n)
        return total, sum_sq

    s_c, q_c = arm(n_c, 1.0)
    s_t, q_t = arm(n_t, 1.0 + lift)
    return {"proportion": proportion, "n_c": n_c, "s_c": s_c, "q_c": q_c,
            "n_t": n_t, "s_t": s_t, "q_t": q_t}  # fmt: skip


def _best(repeat: int, run) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    best, result = (float("inf"), float("inf")), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best[0], best[1], result


def _batch(data: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    return two_arm_batch(
        n_control=data["n_c"], sum_control=data["s_c"], sum_sq_control=data["q_c"],
        n_treatment=data["n_t"], sum_treatment=data["s_t"], sum_sq_treatment=data["q_t"],
        proportion=data["proportion"],
    )  # fmt: skip


def _per_pair(data: dict[str, np.ndarray]) -> int:
    done = 0
    for i in range(data["n_c"].size):
        arms = {
            arm: SufficientStats(
                n=int(data[f"n_{k}"][i]), sum=data[f"s_{k}"][i], sum_sq=data[f"q_{k}"][i]
            )
            for arm, k in (("control", "c"), ("treatment", "t"))
        }
        kind = "proportion" if data["proportion"][i] else "mean"
        try:
            analyze_ab(arms, "control", metric_type=kind, cuped=False)  # type: ignore[arg-type]
            done += 1
        except StatsInputError:
            pass
    return done


def _gbstats_python(path: str | None) -> Path:
    if path:
        return Path(path)
    venv = Path(tempfile.gettempdir()) / "civicloop-gbstats"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating a throw-away environment for gbstats in {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
        subprocess.run([str(python), "-m", "pip", "install", "-q", "gbstats"], check=True)  # noqa: S603
    return python


def _gbstats(python: Path, data: dict[str, np.ndarray], repeat: int) -> dict:  # type: ignore[type-arg]
    plain = {k: v.tolist() for k, v in data.items()}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plain, handle)
    try:
        out = subprocess.run(  # noqa: S603 (our own script, our own files)
            [str(python), "-c", GBSTATS_RUNNER, handle.name, str(repeat)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    version = subprocess.run(  # noqa: S603
        [str(python), "-c", "import importlib.metadata as m; print(m.version('gbstats'))"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return {**json.loads(out.stdout), "version": version}


def _differences(batch, gb: np.ndarray, proportion: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    ours = np.column_stack([
        batch.difference, batch.ci_low, batch.ci_high, batch.p_value,
        batch.relative, batch.relative_ci_low, batch.relative_ci_high, batch.relative_p_value,
    ])  # fmt: skip
    names = ["effect", "ci_low", "ci_high", "p_value",
             "rel_effect", "rel_ci_low", "rel_ci_high", "rel_p_value"]  # fmt: skip
    for label, mask in (("means", ~proportion), ("proportions", proportion)):
        diff = np.abs(ours[mask] - gb[mask]).max(axis=0)
        parts = ", ".join(f"{n} {d:.2e}" for n, d in zip(names, diff, strict=True))
        print(f"  largest |CivicLoop - gbstats| on {label}: {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiments", type=int, default=100)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gbstats-python", help="a Python with gbstats installed")
    args = parser.parse_args()
    data = _statistics(np.random.default_rng(17), args.experiments, args.metrics)
    pairs = data["n_c"].size
    print(f"{pairs:,} two-arm analyses ({args.experiments} experiments x {args.metrics} "
          f"metrics), load average {os.getloadavg()[0]:.2f}, best of {args.repeat}")  # fmt: skip

    b_wall, b_cpu, batch = _best(args.repeat, lambda: _batch(data))
    p_wall, p_cpu, done = _best(max(1, args.repeat // 2), lambda: _per_pair(data))
    gb = _gbstats(_gbstats_python(args.gbstats_python), data, args.repeat)
    print(f"  civicloop batch      {b_wall * 1000:9.2f} ms wall {b_cpu * 1000:9.2f} ms CPU")
    print(f"  civicloop per pair   {p_wall * 1000:9.2f} ms wall {p_cpu * 1000:9.2f} ms CPU"
          f"  ({done} analyses, with SRM, Bayesian summary and grade)")  # fmt: skip
    print(f"  gbstats {gb['version']:<12} {gb['wall'] * 1000:9.2f} ms wall "
          f"{gb['cpu'] * 1000:9.2f} ms CPU  (baseline)")  # fmt: skip
    print(f"  ratio gbstats / batch: {gb['wall'] / b_wall:,.0f}x wall, "
          f"{gb['cpu'] / max(b_cpu, 1e-9):,.0f}x CPU (target >= 20x)")  # fmt: skip
    _differences(batch, np.asarray(gb["results"], dtype=float), data["proportion"])


if __name__ == "__main__":
    main()
