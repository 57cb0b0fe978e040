"""Randomised experiments (A/B/n tests) from sufficient statistics.

Per arm the engine reduces the statistics to a mean ``m`` and the variance of that mean ``v``:

* ``mean``: m = sum/n, v = s^2/n (sample variance), Welch t test with Welch-Satterthwaite df
  (Welch 1947) - identical to ``scipy.stats.ttest_ind(equal_var=False)``;
* ``proportion``: m = p, v = p(1-p)/n, unpooled Wald z test;
* ``ratio`` (sum y / sum x over units, e.g. cost per completed case): delta method
  (Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics", KDD),
  v = (s_y^2 - 2 R s_xy + R^2 s_x^2) / (n xbar^2);
* CUPED / regression adjustment with a pre-period covariate x (Deng, Xu, Kohavi & Walker 2013,
  "Improving the sensitivity of online controlled experiments by utilizing pre-experiment
  data", WSDM): theta is the pooled within-arm slope of y on x, m = ybar - theta (xbar - xbar_all),
  v = var(y - theta x)/n. The difference equals the treatment coefficient of OLS y ~ arm + x.

Relative lift m_t/m_c - 1 has delta-method variance v_t/m_c^2 + m_t^2 v_c/m_c^4.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from civicloop.stats._common import (
    Estimate,
    StatsInputError,
    check_alpha,
    finite_or_none,
    normal_estimate,
    t_estimate,
)
from civicloop.stats.bayes import bayes_summary
from civicloop.stats.evidence import EvidenceGrade, grade_evidence
from civicloop.stats.multiple import bh_adjust, holm_adjust
from civicloop.stats.noninferiority import NonInferiorityResult, non_inferiority
from civicloop.stats.sequential import confidence_sequence
from civicloop.stats.srm import SRMResult, srm_check
from civicloop.stats.sufficient import SufficientStats

MetricType = Literal["auto", "mean", "proportion", "ratio"]


@dataclass(frozen=True, slots=True)
class VariantResult:
    """One non-control arm compared with control on one metric.

    ``difference`` is the primary absolute effect: the always-valid confidence sequence when
    the analysis is sequential, otherwise the fixed-horizon test (kept in ``fixed_horizon``).
    ``fixed_df`` is the Welch degrees of freedom of that test (``None``: normal reference); it
    is not part of ``to_dict``.
    """

    variant: str
    metric: str
    n_control: int
    n_treatment: int
    mean_control: float
    mean_treatment: float
    difference: Estimate
    fixed_horizon: Estimate
    relative_lift: Estimate
    chance_to_beat_control: float
    expected_loss: float
    credible_interval: tuple[float, float]
    variance_reduction: float | None
    p_value_holm: float
    p_value_bh: float
    non_inferiority: NonInferiorityResult | None = None
    fixed_df: float | None = None

    @property
    def estimate(self) -> float:
        return self.difference.estimate

    @property
    def p_value(self) -> float:
        return self.difference.p_value

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"variant": self.variant, "metric": self.metric}
        out.update(self.difference.to_dict())
        out.update(
            {
                "p_value_holm": finite_or_none(self.p_value_holm),
                "p_value_bh": finite_or_none(self.p_value_bh),
                "n_control": self.n_control,
                "n_treatment": self.n_treatment,
                "mean_control": finite_or_none(self.mean_control),
                "mean_treatment": finite_or_none(self.mean_treatment),
                "relative_lift": self.relative_lift.to_dict(),
                "chance_to_beat_control": finite_or_none(self.chance_to_beat_control),
                "expected_loss": finite_or_none(self.expected_loss),
                "credible_interval": [finite_or_none(v) for v in self.credible_interval],
                "variance_reduction": finite_or_none(self.variance_reduction),
                "fixed_horizon": self.fixed_horizon.to_dict(),
                "non_inferiority": (
                    self.non_inferiority.to_dict() if self.non_inferiority else None
                ),
            }
        )
        return out


@dataclass(frozen=True, slots=True)
class ABAnalysis:
    """All non-control arms of one metric against control, with SRM and evidence grade."""

    metric: str
    metric_type: str
    control: str
    alpha: float
    sequential: bool
    cuped: bool
    cuped_theta: float | None
    balance_smd: float | None
    srm: SRMResult
    results: list[VariantResult]
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "metric_type": self.metric_type,
            "control": self.control,
            "alpha": self.alpha,
            "sequential": self.sequential,
            "cuped": self.cuped,
            "cuped_theta": finite_or_none(self.cuped_theta),
            "balance_smd": finite_or_none(self.balance_smd),
            "srm": self.srm.to_dict(),
            "results": [r.to_dict() for r in self.results],
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ABReport:
    """Several metrics of one experiment; Holm/BH adjust over every (metric, variant) test."""

    analyses: dict[str, ABAnalysis]
    srm: SRMResult
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        return {
            "srm": self.srm.to_dict(),
            "metrics": {name: a.to_dict() for name, a in self.analyses.items()},
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class _ArmSummary:
    n: int
    mean: float
    var_mean: float
    unit_var: float


def _resolve_metric_type(arms: Mapping[str, SufficientStats], metric_type: str) -> str:
    if metric_type not in ("auto", "mean", "proportion", "ratio"):
        raise StatsInputError(
            f"metric_type must be auto, mean, proportion or ratio, got {metric_type!r}"
        )
    if metric_type != "auto":
        return metric_type
    return "proportion" if all(s.is_binary_like for s in arms.values()) else "mean"


def _cuped_theta(arms: Mapping[str, SufficientStats]) -> float:
    """Pooled within-arm OLS slope of y on x."""
    sxy = 0.0
    sxx = 0.0
    for s in arms.values():
        sxy += s.sum_xy - s.sum_x * s.sum / s.n  # type: ignore[operator]
        sxx += s.sum_x2 - s.sum_x * s.sum_x / s.n  # type: ignore[operator]
    if not sxx > 0:
        raise StatsInputError("the covariate is constant within arms; CUPED cannot use it")
    return sxy / sxx


def _summarise(
    s: SufficientStats,
    *,
    metric_type: str,
    theta: float | None,
    mean_x_all: float | None,
) -> _ArmSummary:
    n = s.n
    if metric_type == "ratio":
        mean_x = s.mean_x
        if mean_x == 0:
            raise StatsInputError("ratio metric: the denominator sums to zero in an arm")
        ratio = s.sum / _nz(s.sum_x)
        unit_var = max(
            s.variance - 2 * ratio * s.covariance_xy + ratio * ratio * s.variance_x, 0.0
        ) / (mean_x * mean_x)
        return _ArmSummary(n=n, mean=ratio, var_mean=unit_var / n, unit_var=unit_var)
    if theta is not None and mean_x_all is not None:
        unit_var = max(s.variance - 2 * theta * s.covariance_xy + theta * theta * s.variance_x, 0.0)
        mean = s.mean - theta * (s.mean_x - mean_x_all)
        return _ArmSummary(n=n, mean=mean, var_mean=unit_var / n, unit_var=unit_var)
    if metric_type == "proportion":
        p = s.mean
        unit_var = p * (1 - p)
        return _ArmSummary(n=n, mean=p, var_mean=unit_var / n, unit_var=unit_var)
    unit_var = s.variance
    return _ArmSummary(n=n, mean=s.mean, var_mean=unit_var / n, unit_var=unit_var)


def _nz(value: float | None) -> float:
    return 0.0 if value is None else value


def _welch_df(c: _ArmSummary, t: _ArmSummary) -> float:
    num = (c.var_mean + t.var_mean) ** 2
    den = c.var_mean**2 / (c.n - 1) + t.var_mean**2 / (t.n - 1)
    return num / den if den > 0 else math.inf


def analyze_ab(
    arms: Mapping[str, SufficientStats],
    control: str,
    *,
    metric: str = "metric",
    metric_type: MetricType = "auto",
    alpha: float = 0.05,
    sequential: bool = False,
    sequential_tuning_n: float | None = None,
    cuped: bool | None = None,
    expected_split: Mapping[str, float] | None = None,
    higher_is_better: bool = True,
    non_inferiority_margin: float | None = None,
    attrition: float | None = None,
) -> ABAnalysis:
    """Compare every arm with ``control`` on one metric.

    ``cuped`` defaults to True when the statistics carry covariate moments and the metric is
    not a ratio (for a ratio the covariate slot holds the denominator).
    """
    check_alpha(alpha)
    if control not in arms:
        raise StatsInputError(f"control arm {control!r} has no data")
    if len(arms) < 2:
        raise StatsInputError("need at least two arms to compare")
    for name, s in arms.items():
        if s.n < 2:
            raise StatsInputError(f"arm {name!r} has {s.n} unit(s); need at least 2")
    kind = _resolve_metric_type(arms, metric_type)
    has_cov = all(s.has_covariate for s in arms.values())
    if kind == "ratio" and not has_cov:
        raise StatsInputError("a ratio metric needs denominator moments (sum_x, sum_x2, sum_xy)")
    use_cuped = (has_cov and kind != "ratio") if cuped is None else cuped
    if use_cuped and (not has_cov or kind == "ratio"):
        raise StatsInputError("CUPED needs covariate moments and a mean or proportion metric")

    theta = _cuped_theta(arms) if use_cuped else None
    mean_x_all = (
        sum(_nz(s.sum_x) for s in arms.values()) / sum(s.n for s in arms.values())
        if use_cuped
        else None
    )
    summaries = {
        name: _summarise(s, metric_type=kind, theta=theta, mean_x_all=mean_x_all)
        for name, s in arms.items()
    }
    plain = (
        {
            name: _summarise(s, metric_type=kind, theta=None, mean_x_all=None)
            for name, s in arms.items()
        }
        if use_cuped
        else summaries
    )
    total_var = sum(s.unit_var for s in summaries.values())
    if not total_var > 0:
        raise StatsInputError(f"metric {metric!r} is constant in every arm; nothing to compare")

    c = summaries[control]
    rows: list[dict[str, object]] = []
    for name, t in summaries.items():
        if name == control:
            continue
        diff = t.mean - c.mean
        se = math.sqrt(t.var_mean + c.var_mean)
        if kind == "mean":
            df = _welch_df(c, t)
            fixed = t_estimate(diff, se, df=df, alpha=alpha)
        else:
            df = None
            fixed = normal_estimate(diff, se, alpha=alpha)
        rel = t.mean / c.mean - 1 if c.mean != 0 else math.nan
        rel_se = (
            math.sqrt(t.var_mean / c.mean**2 + t.mean**2 * c.var_mean / c.mean**4)
            if c.mean != 0
            else math.nan
        )
        n_total = t.n + c.n
        if sequential:
            primary = confidence_sequence(
                estimate=diff, std_error=se, n=n_total, alpha=alpha, tuning_n=sequential_tuning_n
            )
            rel_est = confidence_sequence(
                estimate=rel, std_error=rel_se, n=n_total, alpha=alpha, tuning_n=sequential_tuning_n
            )
        else:
            primary = fixed
            rel_est = normal_estimate(rel, rel_se, alpha=alpha)
        bayes = bayes_summary(
            difference=diff, std_error=se, alpha=alpha, higher_is_better=higher_is_better
        )
        reduction = None
        if use_cuped:
            pv = plain[name].var_mean + plain[control].var_mean
            reduction = 1 - (se * se) / pv if pv > 0 else math.nan
        ni = (
            non_inferiority(
                difference=diff,
                std_error=se,
                margin=non_inferiority_margin,
                alpha=alpha,
                higher_is_better=higher_is_better,
                df=df,
            )
            if non_inferiority_margin is not None
            else None
        )
        rows.append(
            {
                "variant": name,
                "metric": metric,
                "n_control": c.n,
                "n_treatment": t.n,
                "mean_control": c.mean,
                "mean_treatment": t.mean,
                "difference": primary,
                "fixed_horizon": fixed,
                "relative_lift": rel_est,
                "chance_to_beat_control": bayes.chance_to_beat_control,
                "expected_loss": bayes.expected_loss,
                "credible_interval": (bayes.credible_low, bayes.credible_high),
                "variance_reduction": reduction,
                "non_inferiority": ni,
                "fixed_df": df,
            }
        )
    p_values = [r["difference"].p_value for r in rows]  # type: ignore[attr-defined]
    holm = _adjust_with_nan(p_values, holm_adjust)
    bh = _adjust_with_nan(p_values, bh_adjust)
    results = [
        VariantResult(p_value_holm=h, p_value_bh=b, **row)  # type: ignore[arg-type]
        for row, h, b in zip(rows, holm, bh, strict=True)
    ]

    srm = srm_check(
        {name: s.n for name, s in arms.items()},
        expected_split=dict(expected_split) if expected_split is not None else None,
    )
    balance = _balance_smd(arms, control) if has_cov and kind != "ratio" else None
    evidence = grade_evidence(
        design="rct", srm_p_value=srm.p_value, balance_smd=balance, attrition=attrition
    )
    return ABAnalysis(
        metric=metric,
        metric_type=kind,
        control=control,
        alpha=alpha,
        sequential=sequential,
        cuped=use_cuped,
        cuped_theta=theta,
        balance_smd=balance,
        srm=srm,
        results=results,
        evidence=evidence,
    )


def analyze_ab_metrics(
    metrics: Mapping[str, Mapping[str, SufficientStats]],
    control: str,
    *,
    metric_types: Mapping[str, MetricType] | None = None,
    alpha: float = 0.05,
    sequential: bool = False,
    sequential_tuning_n: float | None = None,
    expected_split: Mapping[str, float] | None = None,
    attrition: float | None = None,
) -> ABReport:
    """Analyse several metrics of one experiment; Holm and BH adjust across all of them."""
    if not metrics:
        raise StatsInputError("no metrics given")
    analyses = {
        name: analyze_ab(
            arms,
            control,
            metric=name,
            metric_type=(metric_types or {}).get(name, "auto"),
            alpha=alpha,
            sequential=sequential,
            sequential_tuning_n=sequential_tuning_n,
            expected_split=expected_split,
            attrition=attrition,
        )
        for name, arms in metrics.items()
    }
    flat = [(name, i) for name, a in analyses.items() for i in range(len(a.results))]
    p_values = [analyses[name].results[i].p_value for name, i in flat]
    holm = _adjust_with_nan(p_values, holm_adjust)
    bh = _adjust_with_nan(p_values, bh_adjust)
    new_results: dict[str, list[VariantResult]] = {
        name: list(a.results) for name, a in analyses.items()
    }
    for (name, i), h, b in zip(flat, holm, bh, strict=True):
        new_results[name][i] = dataclasses.replace(
            new_results[name][i], p_value_holm=h, p_value_bh=b
        )
    analyses = {
        name: dataclasses.replace(a, results=new_results[name]) for name, a in analyses.items()
    }
    first = next(iter(analyses.values()))
    return ABReport(analyses=analyses, srm=first.srm, evidence=first.evidence)


def _adjust_with_nan(p_values: list[float], adjust) -> list[float]:  # type: ignore[no-untyped-def]
    finite = [i for i, p in enumerate(p_values) if p == p]
    out = [math.nan] * len(p_values)
    if finite:
        adjusted = adjust([p_values[i] for i in finite])
        for i, value in zip(finite, adjusted, strict=True):
            out[i] = float(value)
    return out


def _balance_smd(arms: Mapping[str, SufficientStats], control: str) -> float | None:
    """Largest standardised mean difference of the covariate between control and an arm."""
    c = arms[control]
    worst: float | None = None
    for name, s in arms.items():
        if name == control:
            continue
        pooled = math.sqrt((s.variance_x + c.variance_x) / 2)
        if not pooled > 0:
            continue
        smd = (s.mean_x - c.mean_x) / pooled
        if worst is None or abs(smd) > abs(worst):
            worst = smd
    return worst
