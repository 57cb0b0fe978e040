"""Vega-Lite chart specs (via altair). Every chart is shown with a data table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import altair as alt


def _spec(chart: alt.TopLevelMixin, title: str) -> dict[str, Any]:
    spec = chart.properties(width="container", height=260, title=title).to_dict()
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec.setdefault("config", {})["font"] = "system-ui, sans-serif"
    spec["description"] = title
    return spec


def trend_chart(
    *,
    title: str,
    points: Sequence[tuple[date, float | Decimal]],
    unit: str,
    baseline: float | None = None,
    target: float | None = None,
    target_date: date | None = None,
) -> dict[str, Any]:
    """A measured series as a line, with the baseline and the target as reference lines."""
    rows = [{"date": d.isoformat(), "value": float(v), "series": "Measured"} for d, v in points]
    line = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True, color="#1d4f7a")
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("date:T"), alt.Tooltip("value:Q", format=",.2f")],
        )
    )
    layers: list[alt.Chart] = [line]
    refs = []
    if baseline is not None:
        refs.append({"label": "Baseline", "value": float(baseline)})
    if target is not None:
        refs.append({"label": "Target", "value": float(target)})
    if refs:
        layers.append(
            alt.Chart(alt.Data(values=refs))
            .mark_rule(strokeDash=[6, 4])
            .encode(
                y="value:Q",
                color=alt.Color(
                    "label:N",
                    title="Reference",
                    scale=alt.Scale(domain=["Baseline", "Target"], range=["#505a5f", "#00703c"]),
                ),
            )
        )
    return _spec(alt.layer(*layers), title)


def bar_chart(
    *, title: str, rows: Sequence[dict[str, Any]], x: str, y: str, x_title: str, y_title: str
) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_bar(color="#1d4f7a")
        .encode(
            x=alt.X(f"{x}:N", title=x_title, sort="-y"),
            y=alt.Y(f"{y}:Q", title=y_title),
            tooltip=[alt.Tooltip(f"{x}:N"), alt.Tooltip(f"{y}:Q")],
        )
    )
    return _spec(chart, title)
