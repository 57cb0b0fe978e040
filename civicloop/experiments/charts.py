"""Vega-Lite specs for the results page; each is shown with its data table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt


def _spec(chart: Any, title: str) -> dict[str, Any]:
    spec = chart.properties(width="container", height=260, title=title).to_dict()
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec.setdefault("config", {})["font"] = "system-ui, sans-serif"
    spec["description"] = title
    return spec


def cumulative_chart(*, title: str, points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The effect (treatment − control) over time with its interval band and a zero line."""
    rows = [p for p in points if p.get("estimate") is not None]
    base = alt.Chart(alt.Data(values=rows))
    band = base.mark_area(opacity=0.2).encode(
        x=alt.X("date:T", title="Date"),
        y=alt.Y("ci_low:Q", title="Effect"),
        y2="ci_high:Q",
        color=alt.Color("variant:N", title="Variant"),
    )
    line = base.mark_line(point=True).encode(
        x="date:T",
        y="estimate:Q",
        color="variant:N",
        tooltip=[
            "date:T",
            "variant:N",
            alt.Tooltip("estimate:Q", format=".4f"),
            alt.Tooltip("ci_low:Q", format=".4f"),
            alt.Tooltip("ci_high:Q", format=".4f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(y="zero:Q")
    return _spec(alt.layer(band, line, zero), title)


def lines_chart(
    *, title: str, rows: Sequence[dict[str, Any]], x: str, y: str, series: str, y_title: str
) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title="Period"),
            y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", title=""),
            tooltip=[f"{x}:T", f"{series}:N", f"{y}:Q"],
        )
    )
    return _spec(chart, title)
