"""A results warning in the reader's language.

The worker stores each warning of a results snapshot as an English sentence (the API's stable
form, `ResultSnapshot.warnings`). Pages word it in the reader's language: each known sentence
is matched here with its numbers and names, and said again through a translated message with
the same values. A sentence this module does not know is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from civicloop.web import numbers

_NUMBERS = frozenset({"p", "n", "harm", "margin"})

_KNOWN: list[tuple[re.Pattern[str], Callable[[], str]]] = [
    (
        re.compile(
            r"^Sample ratio mismatch \(p = (?P<p>[^)]+)\): the variants did not get the planned "
            r"shares of traffic; check assignment and logging before trusting any result\.$"
        ),
        lambda: _(
            "Sample ratio mismatch (p = %(p)s): the variants did not get the planned shares of "
            "traffic; check assignment and logging before trusting any result."
        ),
    ),
    (
        re.compile(
            r"^Too little traffic: (?P<variants>.+) has fewer than (?P<n>\d+) units so far\.$"
        ),
        lambda: _("Too little traffic: %(variants)s has fewer than %(n)s units so far."),
    ),
    (
        re.compile(
            r"^Guardrail breached: (?P<metric>.+) is worse in (?P<variant>.+) by (?P<harm>\S+), "
            r"beyond the margin of (?P<margin>\S+)\.$"
        ),
        lambda: _(
            "Guardrail breached: %(metric)s is worse in %(variant)s by %(harm)s, beyond the "
            "margin of %(margin)s."
        ),
    ),
    (
        re.compile(
            r"^Guardrail not yet shown safe: (?P<metric>.+) in (?P<variant>.+) may be worse "
            r"than the margin of (?P<margin>\S+)\.$"
        ),
        lambda: _(
            "Guardrail not yet shown safe: %(metric)s in %(variant)s may be worse than the "
            "margin of %(margin)s."
        ),
    ),
    (
        re.compile(
            r"^Pre-trend: pilot and comparison sites were already diverging before the pilot "
            r"\(p = (?P<p>[^)]+)\); the difference-in-differences may be biased\.$"
        ),
        lambda: _(
            "Pre-trend: pilot and comparison sites were already diverging before the pilot "
            "(p = %(p)s); the difference-in-differences may be biased."
        ),
    ),
    (
        re.compile(r"^Too little data: no site observations recorded yet\.$"),
        lambda: _("Too little data: no site observations recorded yet."),
    ),
    (
        re.compile(r"^Results could not be computed: (?P<error>.+)$"),
        lambda: _("Results could not be computed: %(error)s"),
    ),
]


def warning_text(stored: str) -> str:
    """The stored English warning `stored`, in the active language when it is a known one."""
    for pattern, message in _KNOWN:
        match = pattern.match(stored or "")
        if match:
            # The stored numbers ("p = 0.0031", "by 2.5") are written the reader's way.
            values = {
                k: numbers.localized(v) if k in _NUMBERS else v
                for k, v in match.groupdict().items()
            }
            return message() % values if values else message()
    return stored
