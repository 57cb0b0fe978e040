"""Bar chart spec with typed tooltips (civicloop.web.charts.bar_chart leaves tooltip fields
untyped, which altair rejects for inline data; see the report to the lead)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from civicloop.web.charts import _spec


def bar_chart(
    *, title: str, rows: Sequence[dict[str, Any]], x: str, y: str, x_title: str, y_title: str
) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_bar(color="#1d4f7a")
        .encode(
            x=alt.X(f"{x}:N", title=x_title, sort="-y"),
            y=alt.Y(f"{y}:Q", title=y_title),
            tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title)],
        )
    )
    return _spec(chart, title)
