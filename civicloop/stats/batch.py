"""Many two-arm comparisons at once, from arrays of sufficient statistics.

``two_arm_batch`` runs the fixed-horizon test of ``analyze_ab`` (same definitions, see
``ab.py``) over arrays: element ``i`` compares treatment ``i`` with control ``i``. It is for
the places that analyse thousands of metric × experiment pairs at a time (a portfolio review,
a re-analysis of every metric after a definition changed, the benchmark in
``bench/stats_batch.py``), where building one ``ABAnalysis`` per pair costs far more than the
arithmetic.

Per arm the statistics are ``n``, ``sum`` and ``sum_sq`` of the unit values. For a ``mean``
metric the variance of an arm is the sample variance (``n - 1``) and the test is Welch's t with
Welch-Satterthwaite degrees of freedom; for a ``proportion`` metric it is ``p (1 - p)`` and the
test is the unpooled Wald z test. The relative lift ``m_t / m_c - 1`` has the delta-method
standard error ``sqrt(v_t / m_c^2 + m_t^2 v_c / m_c^4)`` and a normal interval, as in
``analyze_ab``. Pairs that cannot be tested (an arm with fewer than two units, no variance, a
control mean of zero for the lift) give ``nan`` in the affected fields, never a made-up number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from civicloop.stats._common import StatsInputError, check_alpha


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Element-wise results; every field is a float array of the batch's length.

    ``df`` is ``inf`` for proportion metrics (normal reference).
    """

    mean_control: np.ndarray
    mean_treatment: np.ndarray
    difference: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    relative: np.ndarray
    relative_std_error: np.ndarray
    relative_ci_low: np.ndarray
    relative_ci_high: np.ndarray
    relative_p_value: np.ndarray

    def __len__(self) -> int:
        return int(self.difference.shape[0])


def _column(values: ArrayLike, name: str, size: int | None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise StatsInputError(f"{name} must be a one-dimensional array")
    if size is not None and array.shape[0] != size:
        raise StatsInputError(f"{name} has {array.shape[0]} values; expected {size}")
    return array


def _arm(n: np.ndarray, total: np.ndarray, sum_sq: np.ndarray, proportion: np.ndarray):  # type: ignore[no-untyped-def]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        sample_var = np.maximum((sum_sq - total * mean) / (n - 1), 0.0)
        unit_var = np.where(proportion, mean * (1 - mean), sample_var)
        unit_var = np.where(n >= 2, unit_var, np.nan)
        return mean, unit_var / n


def two_arm_batch(
    *,
    n_control: ArrayLike,
    sum_control: ArrayLike,
    sum_sq_control: ArrayLike,
    n_treatment: ArrayLike,
    sum_treatment: ArrayLike,
    sum_sq_treatment: ArrayLike,
    proportion: ArrayLike | bool = False,
    alpha: float = 0.05,
) -> BatchResult:
    """Compare treatment ``i`` with control ``i`` for every ``i`` (see the module docstring).

    ``proportion`` is one flag for the whole batch or one per element.
    """
    check_alpha(alpha)
    n_c = _column(n_control, "n_control", None)
    size = n_c.shape[0]
    s_c = _column(sum_control, "sum_control", size)
    q_c = _column(sum_sq_control, "sum_sq_control", size)
    n_t = _column(n_treatment, "n_treatment", size)
    s_t = _column(sum_treatment, "sum_treatment", size)
    q_t = _column(sum_sq_treatment, "sum_sq_treatment", size)
    is_prop = np.broadcast_to(np.asarray(proportion, dtype=bool), (size,))
    if np.any(n_c < 0) or np.any(n_t < 0):
        raise StatsInputError("n_control and n_treatment must not be negative")

    m_c, v_c = _arm(n_c, s_c, q_c, is_prop)
    m_t, v_t = _arm(n_t, s_t, q_t, is_prop)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = m_t - m_c
        var = v_t + v_c
        se = np.where(var > 0, np.sqrt(var), np.nan)
        welch = var**2 / (v_c**2 / (n_c - 1) + v_t**2 / (n_t - 1))
        df = np.where(is_prop, np.inf, welch)
        q = np.where(is_prop, special.ndtri(1 - alpha / 2), special.stdtrit(df, 1 - alpha / 2))
        stat = diff / se
        p = np.where(is_prop, 2 * special.ndtr(-np.abs(stat)), 2 * special.stdtr(df, -np.abs(stat)))
        rel = np.where(m_c != 0, m_t / m_c - 1, np.nan)
        rel_var = v_t / m_c**2 + m_t**2 * v_c / m_c**4
        rel_se = np.where((m_c != 0) & (rel_var > 0), np.sqrt(rel_var), np.nan)
        z = special.ndtri(1 - alpha / 2)
        rel_p = 2 * special.ndtr(-np.abs(rel / rel_se))
    return BatchResult(
        mean_control=m_c,
        mean_treatment=m_t,
        difference=diff,
        std_error=se,
        df=df,
        ci_low=diff - q * se,
        ci_high=diff + q * se,
        p_value=p,
        relative=rel,
        relative_std_error=rel_se,
        relative_ci_low=rel - z * rel_se,
        relative_ci_high=rel + z * rel_se,
        relative_p_value=rel_p,
    )
