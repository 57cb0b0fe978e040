"""The EU size class of an enterprise (Commission Recommendation 2003/361/EC, Annex, Article 2).

A class holds when the staff headcount (annual work units) is below its ceiling AND either the
annual turnover or the annual balance-sheet total is at most its ceiling:

| class  | staff  | turnover   | or balance sheet |
|--------|--------|------------|------------------|
| micro  | < 10   | ≤ €2 m     | ≤ €2 m           |
| small  | < 50   | ≤ €10 m    | ≤ €10 m          |
| medium | < 250  | ≤ €50 m    | ≤ €43 m          |

Anything else is large. The smallest class that holds is the answer. Pure: no Django models.
"""

from __future__ import annotations

from decimal import Decimal

MILLION = Decimal(1_000_000)
# (class, staff strictly below, turnover at most, balance-sheet total at most), smallest first
CEILINGS: tuple[tuple[str, int, Decimal, Decimal], ...] = (
    ("micro", 10, 2 * MILLION, 2 * MILLION),
    ("small", 50, 10 * MILLION, 10 * MILLION),
    ("medium", 250, 50 * MILLION, 43 * MILLION),
)


def sme_size_class(*, staff: int, turnover_eur: Decimal, balance_sheet_eur: Decimal) -> str:
    """micro, small, medium or large for a headcount and the two financial figures (in euros)."""
    for name, staff_below, turnover_max, balance_max in CEILINGS:
        if staff < staff_below and (
            turnover_eur <= turnover_max or balance_sheet_eur <= balance_max
        ):
            return name
    return "large"
