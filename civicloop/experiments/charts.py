"""Vega-Lite specs for the results page; each is shown with its data table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from civicloop.web.charts import localise_spec


def _spec(chart: Any, title: str) -> dict[str, Any]:
    spec = chart.properties(width="container", height=260, title=title).to_dict()
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = title
    return localise_spec(spec)


def cumulative_chart(*, title: str, points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The effect (treatment − control) over time with its interval band and a zero line."""
    rows = [p for p in points if p.get("estimate") is not None]
    base = alt.Chart(alt.Data(values=rows))
    band = base.mark_area(opacity=0.2).encode(
        x=alt.X("date:T", title=_("Date")),
        y=alt.Y("ci_low:Q", title=_("Effect")),
        y2="ci_high:Q",
        color=alt.Color("variant:N", title=_("Variant")),
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
            x=alt.X(f"{x}:T", title=_("Period")),
            y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", title=""),
            tooltip=[f"{x}:T", f"{series}:N", f"{y}:Q"],
        )
    )
    return _spec(chart, title)


# --- the results page: each chart with its data table ----------------------------------------


def result_charts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The charts a snapshot's payload has data for, each a spec with its caption and table."""
    blocks = []
    if payload.get("cumulative"):
        blocks.append(_cumulative_block(payload["cumulative"]))
    if payload.get("trends"):
        blocks.append(_trends_block(payload["trends"]))
    if payload.get("fit"):
        blocks.append(_synthetic_block(payload["fit"]))
    if payload.get("series"):
        blocks.append(_before_after_block(payload["series"]))
    return blocks


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.4g}"


def _cumulative_block(points: list[dict[str, Any]]) -> dict[str, Any]:
    title = _("Cumulative effect on the primary metric")
    return {
        "id": "cumulative",
        "caption": title,
        "spec": cumulative_chart(title=title, points=points),
        "headers": [
            _("Date"),
            _("Variant"),
            _("Effect"),
            _("Interval low"),
            _("Interval high"),
            _("Units"),
        ],
        "rows": [
            [
                p["date"],
                p["variant"],
                _num(p["estimate"]),
                _num(p["ci_low"]),
                _num(p["ci_high"]),
                p["n"],
            ]
            for p in points
        ],
    }


def _trends_block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    title = _("Parallel trends: pilot and comparison sites")
    return {
        "id": "trends",
        "caption": title,
        "spec": lines_chart(
            title=title,
            rows=rows,
            x="period",
            y="outcome",
            series="group",
            y_title=_("Mean outcome"),
        ),
        "headers": [_("Period"), _("Group"), _("Mean outcome")],
        "rows": [[r["period"], r["group"], _num(r["outcome"])] for r in rows],
    }


def _synthetic_block(fit: list[dict[str, Any]]) -> dict[str, Any]:
    title = _("Synthetic control fit")
    rows = [
        {"period": r["period"], "series": s, "outcome": r[k]}
        for r in fit
        for s, k in (("Treated site", "treated"), ("Synthetic control", "synthetic"))
    ]
    return {
        "id": "synth",
        "caption": title,
        "spec": lines_chart(
            title=title, rows=rows, x="period", y="outcome", series="series", y_title=_("Outcome")
        ),
        "headers": [_("Period"), _("Treated site"), _("Synthetic control")],
        "rows": [[r["period"], _num(r["treated"]), _num(r["synthetic"])] for r in fit],
    }


def _before_after_block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    title = _("Before and after the change")
    return {
        "id": "its",
        "caption": title,
        "spec": lines_chart(
            title=title, rows=rows, x="period", y="outcome", series="phase", y_title=_("Outcome")
        ),
        "headers": [_("Period"), _("Phase"), _("Outcome")],
        "rows": [[r["period"], r["phase"], _num(r["outcome"])] for r in rows],
    }
