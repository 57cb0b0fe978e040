"""Vega-Lite chart specs (via altair). Every chart is shown with a data table under it.

Every chart on a page goes through ``includes/chart.html``, which passes its spec through
`localise_spec` (the ``chart_spec`` filter): one readable configuration for all of them (axis
and legend labels of at least `MIN_LABEL_PX`, a title larger still) and the active language's
number and date formats (Vega-Lite's ``config.locale``: "0,5" and "ene" in Spanish). Specs
built with `_spec` carry the same configuration, so a chart printed by vl-convert (the impact
report's PDF) reads the same as on the page. Axis titles name their unit; a chart that shows
several units draws one panel per unit (`trend_chart` shows one KPI, `evidence.kpi_chart` one
row per KPI with its own scale).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

MIN_LABEL_PX = 12
TITLE_PX = 13

# d3-format and d3-time-format locales (the shapes Vega expects), per language of the site.
_NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
    "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
}
_TIME_LOCALES: dict[str, dict[str, Any]] = {
    "es": {
        "dateTime": "%A, %e de %B de %Y, %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        "shortDays": ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
        "months": [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        "shortMonths": [
            "ene",
            "feb",
            "mar",
            "abr",
            "may",
            "jun",
            "jul",
            "ago",
            "sep",
            "oct",
            "nov",
            "dic",
        ],
    }
}


def as_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite dictionary, without Altair's JSON-schema validation.

    Validating a spec against the Vega-Lite schema took two thirds of building it (about
    0.1 s of a page with two charts), on every page view, for specs that only this code
    builds. ``web/tests/test_chart_specs_valid.py`` validates every chart builder's output
    against the same schema Altair would use, so an invalid spec still fails, in the tests.
    """
    return chart.to_dict(validate=False)


def chart_config() -> dict[str, Any]:
    """The configuration every chart shares, in the active language."""
    language = (translation.get_language() or "en").split("-")[0]
    number_locale = _NUMBER_LOCALES.get(language, _NUMBER_LOCALES["en"])
    locale: dict[str, Any] = {"number": number_locale}
    if language in _TIME_LOCALES:
        locale["time"] = _TIME_LOCALES[language]
    text = {"labelFontSize": MIN_LABEL_PX, "titleFontSize": TITLE_PX}
    return {
        "font": "system-ui, sans-serif",
        "axis": {**text, "labelLimit": 220},
        "legend": {**text, "labelLimit": 260},
        "header": {**text},
        "title": {"fontSize": 15, "anchor": "start"},
        "locale": locale,
    }


def localise_spec(spec: Any) -> Any:
    """`spec` with the shared configuration; a label size below `MIN_LABEL_PX` is raised.

    Anything but a spec (a dict) is returned as it is.
    """
    if not isinstance(spec, dict):
        return spec
    spec = json.loads(json.dumps(spec, default=str))
    config = spec.setdefault("config", {})
    for key, value in chart_config().items():
        if isinstance(value, dict):
            merged = {**value, **config.get(key, {})}
            for size in ("labelFontSize", "titleFontSize"):
                if size in merged and isinstance(merged[size], int | float):
                    merged[size] = max(merged[size], value.get(size, MIN_LABEL_PX))
            config[key] = merged
        else:
            config.setdefault(key, value)
    return spec


def facet_by_unit(
    chart: Any,
    *,
    field: str,
    title: str,
    width: int = 560,
    panel_height: int = 140,
) -> dict[str, Any]:
    """One panel per value of `field` (a measure with its own unit), each with its own y axis.

    For series in different units (NPS from −100 to 100 beside a satisfaction percentage, euros
    beside days), which one shared axis would misstate. Facets cannot take the container's
    width, so the panels are `width` pixels and scale down on a narrow screen (civicloop.scss).
    """
    faceted = (
        chart.properties(width=width, height=panel_height)
        .facet(
            row=alt.Row(
                f"{field}:N",
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelOrient="top"),
            )
        )
        .resolve_scale(y="independent")
        .properties(title=title)
    )
    spec = as_spec(faceted)
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = title
    return localise_spec(spec)


def _spec(chart: alt.TopLevelMixin, title: str) -> dict[str, Any]:
    spec = as_spec(chart.properties(width="container", height=260, title=title))
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = title
    return localise_spec(spec)


def _reference_layers(
    references: Sequence[tuple[str, float | Decimal | None, date | None]],
    *,
    x: alt.X,
    y: alt.Y,
    unit: str,
    value_tip: alt.Tooltip,
) -> list[alt.Chart]:
    """Dashed lines at the baseline and the target, and a point at each one's date."""
    refs = [{"label": label, "value": float(v)} for label, v, _when in references if v is not None]
    marks = [
        {"label": label, "value": float(v), "date": when.isoformat()}
        for label, v, when in references
        if v is not None and when is not None
    ]
    colour = alt.Color(
        "label:N",
        title=_("Reference"),
        scale=alt.Scale(domain=[r[0] for r in references], range=["#505a5f", "#00703c"]),
    )
    layers: list[alt.Chart] = []
    if refs:
        layers.append(
            alt.Chart(alt.Data(values=refs))
            .mark_rule(strokeDash=[6, 4])
            .encode(y=alt.Y("value:Q", title=unit), color=colour)
        )
    if marks:
        tips = [
            alt.Tooltip("label:N", title=_("Reference")),
            alt.Tooltip("date:T", title=_("Date")),
        ]
        layers.append(
            alt.Chart(alt.Data(values=marks))
            .mark_point(shape="diamond", size=140, filled=True)
            .encode(x=x, y=y, color=colour, tooltip=[*tips, value_tip])
        )
    return layers


def trend_chart(
    *,
    title: str,
    points: Sequence[tuple[date, float | Decimal]],
    unit: str,
    baseline: float | Decimal | None = None,
    target: float | Decimal | None = None,
    target_date: date | None = None,
    baseline_date: date | None = None,
) -> dict[str, Any]:
    """A measured series as a line, with the baseline and the target where and when they are.

    The baseline and the target are dashed reference lines across the chart and, when their
    dates are known, marked points on them (the baseline at its date, the target at its date),
    so the time axis reaches the target date. One KPI, one unit: the y axis is titled with it.
    """
    measured, baseline_label, target_label = _("Measured"), _("Baseline"), _("Target")
    rows = [{"date": d.isoformat(), "value": float(v), "series": measured} for d, v in points]
    x = alt.X("date:T", title=_("Date"))
    y = alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False))
    value_tip = alt.Tooltip("value:Q", title=unit, format=",.2f")
    layers: list[alt.Chart] = [
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True, color="#1d4f7a")
        .encode(x=x, y=y, tooltip=[alt.Tooltip("date:T", title=_("Date")), value_tip])
    ]
    references = ((baseline_label, baseline, baseline_date), (target_label, target, target_date))
    layers += _reference_layers(references, x=x, y=y, unit=unit, value_tip=value_tip)
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
            tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title)],
        )
    )
    return _spec(chart, title)
