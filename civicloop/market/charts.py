"""The market's charts (Vega-Lite specs), each with the rows of its data table."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _

from civicloop.market.metrics import ProgrammeMetrics
from civicloop.web import numbers
from civicloop.web.charts import bar_chart


def metrics_charts(m: ProgrammeMetrics) -> dict[str, Any]:
    """The metrics page's charts, each with the rows of its data table."""
    bids_rows = [{"challenge": k, "bids": v} for k, v in m.bids_per_challenge.items()]
    supplier_rows = [{"supplier": k, "value": float(v)} for k, v in m.supplier_value.items()]
    return {
        "bids_spec": bar_chart(
            title=_("Bids per challenge"),
            rows=bids_rows,
            x="challenge",
            y="bids",
            x_title=_("Challenge"),
            y_title=_("Bids"),
        ),
        "bids_rows": [(r["challenge"], r["bids"]) for r in bids_rows],
        "supplier_spec": bar_chart(
            title=_("Award value by supplier"),
            rows=supplier_rows,
            x="supplier",
            y="value",
            x_title=_("Supplier"),
            y_title=_("Value"),
        ),
        "supplier_rows": [
            (r["supplier"], numbers.number(cast(float, r["value"]), 2)) for r in supplier_rows
        ],
    }
