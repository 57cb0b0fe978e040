"""Every title a chart shows (axes, legends, tooltip lines) is in the reader's language.

A field with no explicit title is shown by Vega-Lite under its field name ("value", "month",
"low"): English, and a code. Each chart is compiled to Vega (as the browser would) in Spanish
and in English; what it would show is read from the compiled axes, legends and tooltips.
"""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import vl_convert
from django.utils import translation

RAW_FIELD = re.compile(r"^[a-z_]+$")
TOOLTIP_KEY = re.compile(r'\\"([^"\\]+)\\":')


def shown_titles(spec: dict[str, Any]) -> set[str]:
    """The axis, legend and tooltip titles of ``spec`` once compiled."""
    panels = spec if isinstance(spec, list) else [spec]
    titles: set[str] = set()
    for panel in panels:
        fixed = json.loads(json.dumps(panel).replace('"container"', "500"))
        vega = vl_convert.vegalite_to_vega(fixed)

        def walk(node: Any, key: str = "") -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in ("axes", "legends"):
                        for part in v:
                            title = part.get("title")
                            for t in title if isinstance(title, list) else [title]:
                                if isinstance(t, str) and t:
                                    titles.add(t)
                    if k == "tooltip" and isinstance(v, dict) and "signal" in v:
                        titles.update(TOOLTIP_KEY.findall(json.dumps(v["signal"])))
                    walk(v, k)
            elif isinstance(node, list):
                for v in node:
                    walk(v, key)

        walk(vega)
    return titles


def _charts() -> dict[str, Any]:
    from civicloop.experiments.charts import cumulative_chart, lines_chart
    from civicloop.feedback.charts import score_distribution, scores_over_time, weekly_trend
    from civicloop.feedback.scoring import Score
    from civicloop.scaling.charts import heatmap_chart, projection_chart
    from civicloop.scaling.projection import SiteProjection
    from civicloop.web.charts import bar_chart, trend_chart

    nps = Score("nps", "NPS", "nps", 12.0, -5.0, 29.0, 80)
    share = Score("govuk", "Satisfied", "share", 71.0, 64.0, 78.0, 120)
    site = SiteProjection("Lleida", 1234.5, -10.0, 2000.0, 0.875, 0.1)
    return {
        "scores over time": scores_over_time({"2026-01": [nps, share]})[0],
        "weekly trend": weekly_trend({date(2026, 3, 2): [share]})[0],
        "distribution": score_distribution("How easy was it?", [(1, 3), (2, 5)])[0],
        "cumulative": cumulative_chart(
            title="Effect",
            points=[
                {"date": "2026-03-01", "variant": "sms", "estimate": 0.02},
                {"date": "2026-03-02", "variant": "sms", "estimate": 0.03},
            ],
        ),
        "lines": lines_chart(
            title="Trends",
            rows=[{"period": "2026-01-01", "outcome": 3.0, "group": "Pilot"}],
            x="period",
            y="outcome",
            series="group",
            y_title="Days",
            marker="2026-01-01",
        ),
        "trend": trend_chart(
            title="Cost", points=[(date(2026, 1, 1), 142)], unit="EUR", baseline=150, target=60
        ),
        "bar": bar_chart(
            title="Bids", rows=[{"k": "A", "n": 2}], x="k", y="n", x_title="Bidder", y_title="Bids"
        ),
        "heatmap": heatmap_chart([{"severity": 3, "likelihood": 2, "count": 1}]),
        "projection": projection_chart(SimpleNamespace(sites=[site]), "EUR"),  # type: ignore[arg-type]
    }


@pytest.fixture(scope="module")
def titles() -> dict[str, tuple[set[str], set[str]]]:
    with translation.override("en"):
        english = {name: shown_titles(spec) for name, spec in _charts().items()}
    with translation.override("es"):
        spanish = {name: shown_titles(spec) for name, spec in _charts().items()}
    return {name: (english[name], spanish[name]) for name in english}


def test_scores_over_time_axes_legend_and_tooltip_are_in_spanish(titles):
    english, spanish = titles["scores over time"]
    assert {"Mes", "Puntuación"} <= spanish
    assert not {"Month", "Score", "Value", "value", "month", "low", "high", "n"} & spanish


def test_no_chart_shows_a_field_name_or_an_english_title_in_spanish(titles):
    wrong = []
    for name, (english, spanish) in titles.items():
        raw = {t for t in spanish if RAW_FIELD.match(t)}
        untranslated = (english & spanish) - {"EUR", "NPS", "Días", "Days", "Bids", "Bidder"}
        if raw or untranslated:
            wrong.append(f"{name}: fields {sorted(raw)}, English {sorted(untranslated)}")
        assert spanish, f"{name}: no titles found (the walk read nothing)"
    assert not wrong, "\n".join(wrong)
