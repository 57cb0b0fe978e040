"""Vega-Lite specs for the results page; each is shown with its data table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from civicloop.experiments.selectors.effects import EffectRow, ResultsSummary
from civicloop.experiments.selectors.site_results import SiteSummary
from civicloop.web import numbers
from civicloop.web.charts import as_spec, localise_spec


def _spec(chart: Any, title: str) -> dict[str, Any]:
    spec = as_spec(chart.properties(width="container", height=260, title=title))
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
        x=alt.X("date:T", title=_("Date")),
        y=alt.Y("estimate:Q", title=_("Effect")),
        color=alt.Color("variant:N", title=_("Variant")),
        tooltip=[
            alt.Tooltip("date:T", title=_("Date")),
            alt.Tooltip("variant:N", title=_("Variant")),
            alt.Tooltip("estimate:Q", title=_("Effect"), format=".4f"),
            alt.Tooltip("ci_low:Q", title=_("Lower end of the interval"), format=".4f"),
            alt.Tooltip("ci_high:Q", title=_("Upper end of the interval"), format=".4f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(y="zero:Q")
    return _spec(alt.layer(band, line, zero), title)


def lines_chart(
    *,
    title: str,
    rows: Sequence[dict[str, Any]],
    x: str,
    y: str,
    series: str,
    y_title: str,
    marker: str | None = None,
) -> dict[str, Any]:
    """Lines per series over periods; ``marker`` (an ISO date) draws the change as a rule."""
    chart = (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=_("Period")),
            y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", title=""),
            tooltip=[
                alt.Tooltip(f"{x}:T", title=_("Period")),
                alt.Tooltip(f"{series}:N", title=_("Series")),
                alt.Tooltip(f"{y}:Q", title=y_title),
            ],
        )
    )
    if not marker:
        return _spec(chart, title)
    label = _("Change starts")
    rule = alt.Chart(alt.Data(values=[{x: marker, "label": label}]))
    layers = [
        chart,
        rule.mark_rule(strokeDash=[6, 4], color="#505a5f").encode(x=f"{x}:T"),
        rule.mark_text(align="left", dx=4, dy=-4, baseline="bottom", color="#0b0c0c").encode(
            x=f"{x}:T", y=alt.value(12), text="label:N"
        ),
    ]
    return _spec(alt.layer(*layers), title)


# --- the results page: each chart with its data table ----------------------------------------


def result_charts(
    payload: dict[str, Any],
    summary: ResultsSummary | None = None,
    site: SiteSummary | None = None,
) -> list[dict[str, Any]]:
    """The charts a snapshot's payload has data for, each a spec with its caption and table."""
    blocks = []
    if summary is not None:
        blocks.extend(forest_blocks(summary))
    if payload.get("cumulative"):
        blocks.append(_cumulative_block(payload["cumulative"]))
    marker = site.intervention if site else payload.get("intervention")
    unit = site.unit if site else ""
    if payload.get("trends"):
        blocks.append(_trends_block(payload["trends"], marker, unit))
    if payload.get("fit"):
        blocks.append(_synthetic_block(payload["fit"], marker, unit))
    if site is not None and site.placebo:
        blocks.append(_placebo_block(site))
    if payload.get("series"):
        blocks.append(_before_after_block(payload["series"], marker, unit))
    return blocks


def _num(value: Any) -> str:
    return "–" if value is None else numbers.significant(float(value), 4)


def _axis(title: str, unit: str) -> str:
    return _("%(title)s (%(unit)s)") % {"title": title, "unit": unit} if unit else title


# --- forest plots: every metric's interval, relative (one axis) and absolute (one per unit) ---


def _forest_layers(rows: list[dict[str, Any]], x: str, lo: str, hi: str, x_title: str) -> Any:
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    whisker = base.mark_rule(strokeWidth=2, color="#1d4f7a").encode(
        y=y, x=alt.X(f"{lo}:Q", title=x_title), x2=f"{hi}:Q"
    )
    point = base.mark_point(filled=True, size=80, color="#1d4f7a").encode(
        y=y,
        x=f"{x}:Q",
        tooltip=[
            alt.Tooltip("label:N", title=_("Metric")),
            alt.Tooltip("effect_text:N", title=_("Effect")),
            alt.Tooltip("interval_text:N", title=_("Interval")),
        ],
    )
    zero = (
        alt.Chart(alt.Data(values=[{"zero": 0}]))
        .mark_rule(strokeDash=[4, 4], color="#505a5f")
        .encode(x="zero:Q")
    )
    return alt.layer(whisker, point, zero)


def _label(row: EffectRow, variants: int) -> str:
    return f"{row.metric} · {row.variant}" if variants > 1 else row.metric


def forest_blocks(summary: ResultsSummary) -> list[dict[str, Any]]:
    """Two forest plots: relative effects on one axis in %, absolute effects per metric."""
    rows = [r for r in summary.rows if r.estimate is not None and r.ci_low is not None]
    if not rows:
        return []
    variants = len({r.variant for r in rows})
    level = summary.confidence
    relative_headers = [_("Metric"), _("Variant"), _("Relative effect"), _("Relative interval")]
    relative_table = [
        [r.metric, r.variant, r.relative_text, r.relative_interval_text] for r in rows
    ]
    headers = [_("Metric"), _("Variant"), _("Effect"), _("Interval")]
    table = [[r.metric, r.variant, r.effect_text, r.interval_text] for r in rows]
    blocks: list[dict[str, Any]] = []
    relative = [
        {
            "label": _label(r, variants),
            "x": r.relative,
            "lo": r.relative_low,
            "hi": r.relative_high,
            "effect_text": r.effect_text,
            "interval_text": r.relative_interval_text,
        }
        for r in rows
        if r.relative_low is not None and r.relative_high is not None
    ]
    if relative:
        title = _("Relative effect of every metric, with its %(level)s%% interval") % {
            "level": level
        }
        layers = _forest_layers(relative, "x", "lo", "hi", _("Relative effect (%)"))
        spec = _spec(layers, title)
        spec["height"] = max(60, 36 * len(relative))
        blocks.append(
            {
                "id": "forest-relative",
                "caption": title,
                "spec": spec,
                "headers": relative_headers,
                "rows": relative_table,
            }
        )
    title = _("Absolute effect of every metric in its unit, with its %(level)s%% interval") % {
        "level": level
    }
    blocks.append(
        {
            "id": "forest-absolute",
            "caption": title,
            "spec": _absolute_forest(rows, variants, title),
            "headers": headers,
            "rows": table,
        }
    )
    return blocks


def _absolute_forest(rows: list[EffectRow], variants: int, title: str) -> list[dict[str, Any]]:
    """One panel per metric: absolute effects in different units never share an axis.

    Each panel is a chart of its own, as wide as the page (``width: "container"``, like the
    relative plot): Vega-Lite sizes only single and layered views to their container, never a
    ``vconcat``, so the panels are stacked in one figure by the `chart` macro instead.
    """
    panels = []
    for key in dict.fromkeys(r.metric_key for r in rows):
        mine = [r for r in rows if r.metric_key == key]
        data = [
            {
                "label": _label(r, variants),
                "x": r.estimate,
                "lo": r.ci_low,
                "hi": r.ci_high,
                "effect_text": r.effect_text,
                "interval_text": r.interval_text,
            }
            for r in mine
        ]
        axis = _axis(_("Effect"), mine[0].unit)
        panel = _spec(_forest_layers(data, "x", "lo", "hi", axis), mine[0].metric)
        panel["height"] = max(40, 36 * len(data))
        panel["description"] = _("%(title)s: %(metric)s") % {
            "title": title,
            "metric": mine[0].metric,
        }
        panels.append(panel)
    return panels


# --- the other charts -------------------------------------------------------------------------


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


def _period_lines_block(
    block_id: str,
    title: str,
    rows: list[dict[str, Any]],
    series: tuple[str, str],
    y_title: str,
    marker: str | None,
) -> dict[str, Any]:
    """An outcome per period, one line per `series` (key, column header), and its table."""
    key, header = series
    return {
        "id": block_id,
        "caption": title,
        "spec": lines_chart(
            title=title,
            rows=rows,
            x="period",
            y="outcome",
            series=key,
            y_title=y_title,
            marker=marker,
        ),  # fmt: skip
        "headers": [_("Period"), header, y_title],
        "rows": [[r["period"], r[key], _num(r["outcome"])] for r in rows],
    }


def _trends_block(rows: list[dict[str, Any]], marker: str | None, unit: str) -> dict[str, Any]:
    title = _("Parallel trends: pilot and comparison sites")
    y_title = _axis(_("Mean outcome"), unit)
    return _period_lines_block("trends", title, rows, ("group", _("Group")), y_title, marker)


def _synthetic_block(fit: list[dict[str, Any]], marker: str | None, unit: str) -> dict[str, Any]:
    title = _("Synthetic control fit")
    treated, synthetic = _("Treated site"), _("Synthetic control")
    rows = [
        {"period": r["period"], "series": s, "outcome": r[k]}
        for r in fit
        for s, k in ((treated, "treated"), (synthetic, "synthetic"))
    ]
    return {
        "id": "synth",
        "caption": title,
        "spec": lines_chart(
            title=title,
            rows=rows,
            x="period",
            y="outcome",
            series="series",
            y_title=_axis(_("Outcome"), unit),
            marker=marker,
        ),
        "headers": [_("Period"), _axis(treated, unit), _axis(synthetic, unit)],
        "rows": [[r["period"], _num(r["treated"]), _num(r["synthetic"])] for r in fit],
    }


def _placebo_block(site: SiteSummary) -> dict[str, Any]:
    """Each site's post/pre RMSPE ratio, the treated one highlighted (the placebo test)."""
    title = _("Placebo test: gap after the change relative to the fit before, per site")
    treated, placebo = _("Treated site"), _("Comparison site (placebo)")
    rows = [
        {"site": p["site"], "ratio": p["ratio"], "kind": treated if p["treated"] else placebo}
        for p in site.placebo
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("site:N", title=None, sort=None),
            x=alt.X("ratio:Q", title=_("Post/pre-change RMSPE ratio")),
            color=alt.Color(
                "kind:N",
                title="",
                scale=alt.Scale(domain=[treated, placebo], range=["#d4351c", "#b1b4b6"]),
            ),
            tooltip=[
                alt.Tooltip("site:N", title=_("Site")),
                alt.Tooltip("ratio:Q", title=_("Post/pre-change RMSPE ratio"), format=".2f"),
                alt.Tooltip("kind:N", title=_("Role")),
            ],
        )
    )
    spec = _spec(chart, title)
    spec["height"] = max(80, 28 * len(rows))
    return {
        "id": "placebo",
        "caption": title,
        "spec": spec,
        "headers": [_("Site"), _("Post/pre-change RMSPE ratio"), _("Role")],
        "rows": [[r["site"], numbers.number(r["ratio"], 2), r["kind"]] for r in rows],
    }


def _before_after_block(
    rows: list[dict[str, Any]], marker: str | None, unit: str
) -> dict[str, Any]:
    title = _("Before and after the change")
    y_title = _axis(_("Outcome"), unit)
    return _period_lines_block("its", title, rows, ("phase", _("Phase")), y_title, marker)
