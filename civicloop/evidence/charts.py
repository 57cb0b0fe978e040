"""Vega-Lite specs for the impact report; the printed summary (PDF) draws the same specs with
vl-convert, so the page and the paper show one chart."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.evidence.report import ImpactReport
from civicloop.web import numbers
from civicloop.web.charts import _spec, as_spec, localise_spec
from civicloop.web.jinja import number, percent


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
        y="label:N",
        x="estimate:Q",
        tooltip=[
            alt.Tooltip("label:N", title=_("Outcome")),
            alt.Tooltip("estimate:Q", title=_("Effect")),
            alt.Tooltip("low:Q", title=_("Lower end of the interval")),
            alt.Tooltip("high:Q", title=_("Upper end of the interval")),
            alt.Tooltip("unit:N", title=_("Unit")),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(x="zero:Q")
    table = [
        [
            r["label"],
            f"{numbers.significant(r['estimate'], 3, sign=True)} {r['unit']}",
            _("%(low)s to %(high)s")
            % {
                "low": numbers.significant(r["low"], 3, sign=True),
                "high": numbers.significant(r["high"], 3, sign=True),
            },
        ]
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
                # One row of the chart per KPI, named with its unit: its own scale and axis.
                rows.append({"kpi": f"{k.name} ({k.unit})", "series": series, "value": value})
        table.append(
            [
                k.name,
                f"{number(k.baseline, 2)} {k.unit}",
                f"{number(k.latest, 2)} {k.unit}" if k.latest is not None else "–",
                f"{number(k.target, 2)} {k.unit}",
                percent(k.progress, 0) if k.progress is not None else "–",
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
            tooltip=[
                alt.Tooltip("kpi:N", title=_("KPI")),
                alt.Tooltip("series:N", title=_("Series")),
                alt.Tooltip("value:Q", title=_("Value")),
            ],
        )
        .resolve_scale(x="independent")
    )
    spec = as_spec(chart.properties(title=_("KPIs against baseline and target")))
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = _("KPIs against baseline and target")
    return localise_spec(spec), table


def savings_chart(report: ImpactReport) -> tuple[dict[str, Any], list[list[str]]]:
    """Each service's annual savings with its 95% interval; the data table rows beside it."""
    rows: list[dict[str, Any]] = [
        {
            "service": e.service.name,
            "savings": e.efficiency.savings.estimate,
            "low": e.efficiency.savings.low,
            "high": e.efficiency.savings.high,
            "currency": e.service.currency,
        }
        for e in report.efficiencies
        if e.efficiency.savings is not None  # no value per outcome unit: named, not drawn
    ]
    title = _("Annual savings with 95% interval")
    base = alt.Chart(alt.Data(values=rows))
    bar = base.mark_bar(color="#1d4f7a").encode(
        y=alt.Y("service:N", title=None),
        # One unit per axis: the currency when the services share one, else each bar's tooltip.
        x=alt.X(
            "savings:Q",
            title=_("Annual savings (%(currency)s)") % {"currency": report.currency}
            if report.currency
            else title,
        ),
        tooltip=[
            alt.Tooltip("service:N", title=_("Service")),
            alt.Tooltip("savings:Q", title=_("Annual savings"), format=",.0f"),
            alt.Tooltip("low:Q", title=_("Lower end of the interval"), format=",.0f"),
            alt.Tooltip("high:Q", title=_("Upper end of the interval"), format=",.0f"),
            alt.Tooltip("currency:N", title=_("Currency")),
        ],
    )
    interval = base.mark_rule(color="#0b0c0c", strokeWidth=2).encode(
        y="service:N", x="low:Q", x2="high:Q"
    )
    table = [
        [
            r["service"],
            f"{number(r['savings'], 0)} {r['currency']}",
            f"{number(r['low'], 0)} – {number(r['high'], 0)} {r['currency']}",
        ]
        for r in rows
    ]
    spec = _spec(alt.layer(bar, interval), title)
    spec["height"] = {"step": 36}  # one band per service, however many there are
    return spec, table


# --- the printed summary: the same Vega-Lite specs, drawn on the server by vl-convert ---------

# Charts on pages are as wide as their container; on paper they get a fixed width (pixels).
PRINT_WIDTH = 640


def print_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The web page's spec as drawn on paper: only a container width becomes a fixed one."""
    return {**spec, "width": PRINT_WIDTH} if spec.get("width") == "container" else spec


def chart_png(spec: dict[str, Any]) -> bytes:
    """A Vega-Lite spec drawn as a PNG by vl-convert (no browser, no network: inline data)."""
    return vl_convert.vegalite_to_png(vl_spec=print_spec(spec), scale=2)


@dataclass(frozen=True)
class PrintedChart:
    title: str  # the image's text alternative
    spec: dict[str, Any]

    @property
    def src(self) -> str:
        """The chart as a `data:` URI, the only kind of URL the PDF renderer may read."""
        return "data:image/png;base64," + base64.b64encode(chart_png(self.spec)).decode()


def summary_charts(report: ImpactReport) -> list[PrintedChart]:
    """The charts of the printed executive summary, from the specs the report page shows."""
    printed = []
    if report.inputs.kpis:
        printed.append(PrintedChart(_("KPIs: baseline, latest, target"), kpi_chart(report)[0]))
    if any(e.efficiency.savings is not None for e in report.efficiencies):
        title = _("Annual savings with 95% interval")
        printed.append(PrintedChart(title, savings_chart(report)[0]))
    return printed


# Building and validating a Vega-Lite spec with Altair costs far more than gathering the report
# (ADR 0019): the specs are a pure function of the report, the language and the time zone, so
# they are stored under a digest of all three and built once per distinct report.
REPORT_CHARTS_SECONDS = 7 * 24 * 3600


def report_charts(report: ImpactReport) -> dict[str, tuple[dict[str, Any], list[list[str]]]]:
    """The effects, KPI and savings charts of a report (spec and data table of each)."""
    context = f"{translation.get_language()}|{timezone.get_current_timezone_name()}|{report!r}"
    key = "evidence-report-charts:" + hashlib.sha256(context.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = {
            "effects": effects_chart(report),
            "kpi": kpi_chart(report),
            "savings": savings_chart(report),
        }
        cache.set(key, found, REPORT_CHARTS_SECONDS)
    return found
