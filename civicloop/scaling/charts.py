"""Vega-Lite specs (via altair) for the radar chart, the heat map and projections."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import altair as alt
from django.utils.translation import gettext as _

from civicloop.scaling.assessment import DomainSummary
from civicloop.scaling.projection import Projection
from civicloop.web import numbers
from civicloop.web.charts import _spec
from civicloop.web.jinja import number

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _radar_points(
    summaries: list[DomainSummary], labels: Mapping[str, StrOrPromise]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The shape's points, the rings' points (ratings 1-5) and the spokes' labels, closed."""
    n = len(summaries)
    points, grid, spokes = [], [], []
    for i, s in enumerate(summaries):
        angle = math.pi / 2 - 2 * math.pi * i / n
        r = s.mean or 0.0
        label = str(labels.get(s.domain, s.domain))
        cos, sin = math.cos(angle), math.sin(angle)
        points.append({"order": i, "x": r * cos, "y": r * sin, "domain": label, "mean": r})
        spokes.append({"x": 5.6 * cos, "y": 5.6 * sin, "label": label.split(" ", 1)[0]})
        grid += [
            {"ring": level, "order": i, "x": level * cos, "y": level * sin} for level in range(1, 6)
        ]
    if points:
        points.append({**points[0], "order": n})
        grid += [{**g, "order": n} for g in grid if g["order"] == 0]
    return points, grid, spokes


def radar_chart(
    summaries: list[DomainSummary], labels: Mapping[str, StrOrPromise]
) -> dict[str, Any]:
    """Mean rating per domain on ten spokes (polar coordinates computed here, drawn as lines)."""
    points, grid, spokes = _radar_points(summaries, labels)
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    scale = alt.Scale(domain=[-6.2, 6.2])
    x = alt.X("x:Q", axis=axis, scale=scale)
    y = alt.Y("y:Q", axis=axis, scale=scale)
    rings = (
        alt.Chart(alt.Data(values=grid))
        .mark_line(color="#b1b4b6", strokeWidth=1)
        .encode(x=x, y=y, detail="ring:N", order="order:Q")
    )
    shape = (
        alt.Chart(alt.Data(values=points))
        .mark_line(color="#1d4f7a", point=True, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            order="order:Q",
            tooltip=[
                alt.Tooltip("domain:N", title=_("Domain")),
                alt.Tooltip("mean:Q", title=_("Mean rating (1–5)"), format=".2f"),
            ],
        )
    )
    text = (
        alt.Chart(alt.Data(values=spokes)).mark_text(fontSize=11).encode(x=x, y=y, text="label:N")
    )
    spec = _spec(alt.layer(rings, shape, text), _("Mean rating per ISAT domain (1–5)"))
    spec["height"] = 340
    return spec


def heatmap_chart(cells: list[dict[str, int]]) -> dict[str, Any]:
    base = alt.Chart(alt.Data(values=cells))
    rect = (
        base.mark_rect(stroke="#ffffff")
        .encode(
            x=alt.X("likelihood:O", title=_("Likelihood (1 rare – 5 almost certain)")),
            y=alt.Y(
                "severity:O", title=_("Severity (1 minor – 5 blocks scaling)"), sort="descending"
            ),
            color=alt.Color(
                "risk:Q",
                title=_("Severity × likelihood"),
                scale=alt.Scale(scheme="orangered", domain=[1, 25]),
            ),
            tooltip=[
                alt.Tooltip("severity:O", title=_("Severity (1 minor – 5 blocks scaling)")),
                alt.Tooltip("likelihood:O", title=_("Likelihood (1 rare – 5 almost certain)")),
                alt.Tooltip("count:Q", title=_("Open obstacles")),
            ],
        )
        .transform_calculate(risk="datum.severity * datum.likelihood")
    )
    text = base.mark_text(fontSize=14, fontWeight="bold").encode(
        x="likelihood:O",
        y=alt.Y("severity:O", sort="descending"),
        text=alt.condition("datum.count > 0", "count:Q", alt.value("")),
    )
    return _spec(alt.layer(rect, text), _("Open obstacles by severity and likelihood"))


def projection_chart(projection: Projection, currency: str) -> dict[str, Any]:
    rows = [
        {"site": s.name, "mean": s.mean_savings, "low": s.low, "high": s.high}
        for s in projection.sites
    ]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color="#1d4f7a").encode(
        y=alt.Y("site:N", title=None),
        x=alt.X("mean:Q", title=_("Annual savings (%(c)s)") % {"c": currency}),
        tooltip=[
            alt.Tooltip("site:N", title=_("Site")),
            alt.Tooltip(
                "mean:Q", title=_("Annual savings (%(c)s)") % {"c": currency}, format=",.0f"
            ),
            alt.Tooltip("low:Q", title=_("Lower end of the interval"), format=",.0f"),
            alt.Tooltip("high:Q", title=_("Upper end of the interval"), format=",.0f"),
        ],
    )
    whiskers = base.mark_rule(color="#0b0c0c").encode(y="site:N", x="low:Q", x2="high:Q")
    return _spec(alt.layer(bars, whiskers), _("Projected annual savings per site (95% interval)"))


def radar_rows(
    summaries: list[DomainSummary], labels: Mapping[str, StrOrPromise]
) -> list[list[str]]:
    """The radar chart's data table: domain, mean, SD, range and number of assessors."""
    return [
        [
            str(labels[s.domain]),
            number(s.mean, 2),
            number(s.sd, 2),
            f"{s.low}–{s.high}" if s.low is not None else "–",
            str(s.n),
        ]
        for s in summaries
    ]


def heatmap_rows(cells: list[dict[str, int]]) -> list[list[str]]:
    """The heat map's data table: the cells that hold open obstacles."""
    return [
        [str(c["severity"]), str(c["likelihood"]), str(c["count"])] for c in cells if c["count"]
    ]


def projection_rows(projection: Projection | None) -> list[list[str]]:
    """The projection chart's data table: per site, mean savings, interval and P(savings > 0)."""
    if projection is None:
        return []
    return [
        [
            s.name,
            number(s.mean_savings, 0),
            number(s.low, 0),
            number(s.high, 0),
            numbers.per_cent(100 * s.probability_positive, 0),
        ]
        for s in projection.sites
    ]
