"""Built-in KPI templates: the GOV.UK service-manual KPIs, with their definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class KpiTemplate:
    key: str
    name: StrOrPromise  # lazily translated
    category: str
    unit: str
    direction: str
    definition: StrOrPromise  # lazily translated


KPI_TEMPLATES: dict[str, KpiTemplate] = {
    t.key: t
    for t in [
        KpiTemplate(
            "cost_per_transaction",
            _("Cost per transaction"),
            "spending_efficiency",
            "EUR",
            "lower",
            _(
                "Total cost of providing the service divided by the number of completed "
                "transactions in the period."
            ),
        ),
        KpiTemplate(
            "completion_rate",
            _("Completion rate"),
            "service_quality",
            "%",
            "higher",
            _("Completed transactions divided by started transactions, as a percentage."),
        ),
        KpiTemplate(
            "digital_take_up",
            _("Digital take-up"),
            "service_quality",
            "%",
            "higher",
            _(
                "Transactions completed through the digital channel divided by transactions "
                "through all channels, as a percentage."
            ),
        ),
        KpiTemplate(
            "user_satisfaction",
            _("User satisfaction"),
            "service_quality",
            "%",
            "higher",
            _(
                "Share of respondents who were satisfied or very satisfied on the 5-point "
                "satisfaction scale."
            ),
        ),
    ]
}
