"""Notes the system writes on a measurement, stored in no language and said in the reader's.

The user-satisfaction feed (`feedback.services.kpi_feed`) records a measurement every day with
its sample size and interval. Stored as English prose, a Spanish reader saw English; so the feed
stores a stable code with the figures (`satisfaction_note`) and pages and the API render it in
the active language at display time (`note_text`). Rows the feed wrote before in English are
recognised and rendered the same way; a note a person typed is shown as typed.
"""

from __future__ import annotations

import re

from django.utils.translation import ngettext

from civicloop.web import numbers

SATISFACTION = "feedback.satisfaction"
_CODED = re.compile(
    rf"^{re.escape(SATISFACTION)} n=(\d+)(?: ci=(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?))? "
    r"days=(\d+)$"
)
# What the feed stored before the code: "n=42, 95% CI 61.2-78.9% (last 30 days)".
_LEGACY = re.compile(r"^n=(\d+), 95% CI (-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)% \(last (\d+) days\)$")


def satisfaction_note(*, n: int, ci_low: float | None, ci_high: float | None, days: int) -> str:
    """The stored note of a fed satisfaction measurement (per cent bounds, one decimal; no
    interval when the score has none)."""
    if ci_low is None or ci_high is None:
        return f"{SATISFACTION} n={n} days={days}"
    return f"{SATISFACTION} n={n} ci={ci_low:.1f}..{ci_high:.1f} days={days}"


def note_text(note: str) -> str:
    """A measurement's note in the active language (a typed note unchanged)."""
    match = _CODED.match(note) or _LEGACY.match(note)
    if match is None:
        return note
    n, days = int(match[1]), int(match[4])
    if match[2] is None:
        return ngettext(
            "Share satisfied from %(n)s response in the last %(days)s days.",
            "Share satisfied from %(n)s responses in the last %(days)s days.",
            n,
        ) % {"n": numbers.number(n), "days": numbers.number(days)}
    low, high = float(match[2]), float(match[3])
    return ngettext(
        "Share satisfied from %(n)s response in the last %(days)s days; 95%% interval "
        "from %(low)s to %(high)s.",
        "Share satisfied from %(n)s responses in the last %(days)s days; 95%% interval "
        "from %(low)s to %(high)s.",
        n,
    ) % {
        "n": numbers.number(n),
        "days": numbers.number(days),
        "low": numbers.per_cent(low, 1),
        "high": numbers.per_cent(high, 1),
    }
