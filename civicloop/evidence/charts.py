"""Vega-Lite specs for the impact report (web) and the SVG for its printed summary (PDF)."""

from __future__ import annotations

from typing import Any

import altair as alt
from django.utils.translation import gettext as _
from markupsafe import Markup

from civicloop.evidence.report import ImpactReport
from civicloop.evidence.svg import Bar, bar_chart_svg
from civicloop.web.charts import _spec
from civicloop.web.jinja import number


def effects_chart(report: ImpactReport) -> tuple[dict[str, Any], list[list[str]]]:
    """A forest plot: each effect with its 95% interval; the data table rows beside it."""
    rows: list[dict[str, Any]] = [
        {
            "label": (e.outcome + (f" ({e.group})" if e.group else "")),
            "estimate": e.estimate,
            "low": e.ci_low,
            "high": e.ci_high,
            "unit": e.unit,
        }
        for e in report.inputs.effects
    ]
    base = alt.Chart(alt.Data(values=rows))
    rule = base.mark_rule(color="#0b0c0c").encode(
        y=alt.Y("label:N", title=None),
        x=alt.X("low:Q", title=_("Effect (95% interval)")),
        x2="high:Q",
    )
    point = base.mark_point(filled=True, size=80, color="#1d4f7a").encode(
        y="label:N", x="estimate:Q", tooltip=["label:N", "estimate:Q", "low:Q", "high:Q"]
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(x="zero:Q")
    table = [
        [r["label"], f"{r['estimate']:+.3g} {r['unit']}", f"{r['low']:+.3g} … {r['high']:+.3g}"]
        for r in rows
    ]
    return _spec(alt.layer(rule, point, zero), _("Effects with 95% intervals")), table


def kpi_chart(report: ImpactReport) -> tuple[dict[str, Any], list[list[str]]]:
    """Each KPI's baseline, latest and target, as a share of the way from baseline to target."""
    rows, table = [], []
    for k in report.inputs.kpis:
        for series, value in (
            (_("Baseline"), k.baseline),
            (_("Latest"), k.latest),
            (_("Target"), k.target),
        ):
            if value is not None:
                rows.append({"kpi": k.name, "series": series, "value": value})
        table.append(
            [
                k.name,
                f"{k.baseline:,.2f} {k.unit}",
                f"{k.latest:,.2f} {k.unit}" if k.latest is not None else "–",
                f"{k.target:,.2f} {k.unit}",
                f"{k.progress * 100:.0f}%" if k.progress is not None else "–",
            ]
        )
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("series:N", title=None),
            x=alt.X("value:Q", title=_("Value")),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(range=["#505a5f", "#1d4f7a", "#00703c"])
            ),
            row=alt.Row("kpi:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=["kpi:N", "series:N", "value:Q"],
        )
        .resolve_scale(x="independent")
    )
    spec = chart.properties(title=_("KPIs against baseline and target")).to_dict()
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = _("KPIs against baseline and target")
    return spec, table


def summary_svgs(report: ImpactReport) -> list[Markup]:
    """Server-side SVG charts for the printed executive summary."""
    charts = []
    if report.inputs.kpis:
        bars = []
        for k in report.inputs.kpis:
            for label, value, colour in (
                (_("baseline"), k.baseline, "#505a5f"),
                (_("latest"), k.latest, "#1d4f7a"),
                (_("target"), k.target, "#00703c"),
            ):
                if value is not None:
                    bars.append(
                        Bar(
                            f"{k.name[:28]} · {label}",
                            value,
                            colour=colour,
                            text=f"{number(value, 2)} {k.unit}",
                        )
                    )
        charts.append(bar_chart_svg(title=_("KPIs: baseline, latest, target"), bars=bars))
    if report.efficiencies:
        bars = [
            Bar(
                e.service.name[:34],
                e.efficiency.savings.estimate,
                e.efficiency.savings.low,
                e.efficiency.savings.high,
                text=f"{number(e.efficiency.savings.estimate, 0)} {e.service.currency}",
            )
            for e in report.efficiencies
        ]
        charts.append(bar_chart_svg(title=_("Annual savings with 95% interval"), bars=bars))
    return charts
