"""Asymptotic confidence sequences for always-valid monitoring.

Waudby-Smith, I., Arbour, D., Sinha, R., Kennedy, E. H. & Ramdas, A. (2023/2024)
"Time-uniform central limit theory and asymptotic confidence sequences", Annals of Statistics
(arXiv:2103.06476), Theorem 2.2: with sample size t, estimate mu_t and standard deviation
estimate sigma_t of one observation,

    mu_t +/- sigma_t * sqrt( 2 (t rho^2 + 1) / (t^2 rho^2) * log( sqrt(t rho^2 + 1) / alpha ) )

covers the target at every t simultaneously with probability >= 1 - alpha asymptotically.
``rho`` is fixed in advance; the width is tightest near the sample size ``t*`` solving their
eq. (B.1): rho^2 = (-2 log alpha + log(-2 log alpha + 1)) / t*.

For a difference between two arms we apply it to the total sample N = n_t + n_c with
sigma^2 = N * se^2, the per-unit variance of the difference's influence function.
"""

from __future__ import annotations

import math

from civicloop.stats._common import Estimate, StatsInputError

DEFAULT_TUNING_N = 10_000


def cs_rho(*, alpha: float, tuning_n: float) -> float:
    """Mixing parameter rho that minimises the width at sample size ``tuning_n``."""
    if tuning_n <= 0:
        raise StatsInputError(f"tuning sample size must be positive, got {tuning_n}")
    log_term = -2 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1)) / tuning_n)


def cs_half_width(*, sigma: float, n: float, alpha: float, rho: float) -> float:
    """Half-width of the two-sided asymptotic confidence sequence at sample size ``n``."""
    if n <= 0:
        return math.inf
    t_rho2 = n * rho * rho
    return sigma * math.sqrt(
        2 * (t_rho2 + 1) / (n * n * rho * rho) * math.log(math.sqrt(t_rho2 + 1) / alpha)
    )


def cs_p_value(*, estimate: float, sigma: float, n: float, rho: float, null: float = 0.0) -> float:
    """Smallest alpha at which the confidence sequence excludes ``null`` at this look.

    For a running always-valid p-value over looks, take the minimum over looks so far.
    """
    if not sigma > 0 or n <= 0:
        return math.nan
    t_rho2 = n * rho * rho
    gap = estimate - null
    exponent = -(gap * gap) * n * n * rho * rho / (2 * sigma * sigma * (t_rho2 + 1))
    return min(1.0, math.sqrt(t_rho2 + 1) * math.exp(exponent))


def confidence_sequence(
    *,
    estimate: float,
    std_error: float,
    n: int,
    alpha: float,
    tuning_n: float | None = None,
) -> Estimate:
    """Always-valid interval and p-value for an estimate with standard error ``std_error``
    computed from ``n`` units in total."""
    rho = cs_rho(alpha=alpha, tuning_n=tuning_n or DEFAULT_TUNING_N)
    sigma = std_error * math.sqrt(n)
    half = cs_half_width(sigma=sigma, n=n, alpha=alpha, rho=rho)
    p_value = cs_p_value(estimate=estimate, sigma=sigma, n=n, rho=rho)
    return Estimate(estimate, std_error, estimate - half, estimate + half, p_value)
