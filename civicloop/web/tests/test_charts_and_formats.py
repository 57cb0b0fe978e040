"""Charts people can read in their language, numbers in the locale's form, one unit per axis."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import translation

from civicloop.web.charts import MIN_LABEL_PX, chart_config, localise_spec, trend_chart
from civicloop.web.jinja import number, percent


def _walk(node):
    """Every dict inside a Vega-Lite spec."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _trend(**extra):
    return trend_chart(
        title="Median days to decision",
        points=[(date(2026, 1, 1), 142), (date(2026, 4, 1), 120)],
        unit="days",
        baseline=142,
        baseline_date=date(2025, 12, 1),
        target=60,
        target_date=date(2027, 6, 30),
        **extra,
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # Written out from the CLDR conventions (English 50.0%; Spanish 50,0 % with a
        # no-break space), not from the code under test.
        ("en", ["50.0%", "100%", "0.4966", "12,345.50", "+7.0%"]),
        ("es", ["50,0\u00a0%", "100\u00a0%", "0,4966", "12\u00a0345,50", "+7,0\u00a0%"]),
    ],
)
def test_numbers_and_percentages_follow_the_language(language, expected):
    with translation.override(language):
        shown = [
            percent(0.5, 1),
            percent(1, 0),
            number(0.4966, 4),
            number(12345.5, 2),
            percent(0.07, 1, signed=True),
        ]
    assert shown == expected


def test_every_axis_legend_and_header_label_is_at_least_11_px():
    spec = localise_spec(
        {"mark": "bar", "config": {"axis": {"labelFontSize": 8}, "legend": {"titleFontSize": 9}}}
    )
    for part in ("axis", "legend", "header"):
        assert spec["config"][part]["labelFontSize"] >= 11
        assert spec["config"][part]["titleFontSize"] >= 11
    assert MIN_LABEL_PX >= 11
    for font in _walk(_trend()):
        for key in ("labelFontSize", "titleFontSize"):
            if key in font:
                assert font[key] >= 11


def test_chart_number_and_date_formats_follow_the_language():
    with translation.override("es"):
        config = chart_config()
    assert config["locale"]["number"]["decimal"] == ","
    assert config["locale"]["number"]["thousands"] == "."
    assert config["locale"]["time"]["shortMonths"][0] == "ene"
    with translation.override("en"):
        assert chart_config()["locale"]["number"]["decimal"] == "."


def test_kpi_trend_in_spanish_names_its_axes_and_legend_in_spanish():
    with translation.override("es"):
        spec = _trend()
    titles = {d.get("title") for d in _walk(spec) if isinstance(d.get("title"), str)}
    assert {"Fecha", "Referencia"} <= titles
    assert not {"Date", "Reference", "Baseline", "Target"} & titles
    labels = {v.get("label") for d in _walk(spec) for v in d.get("values", []) if "label" in v}
    assert labels == {"Línea de base", "Meta"}


def test_kpi_trend_has_one_unit_and_marks_the_baseline_and_target_dates():
    spec = _trend()
    y_titles = {
        d["y"]["title"] for d in _walk(spec) if isinstance(d.get("y"), dict) and "title" in d["y"]
    }
    assert y_titles == {"days"}
    marks = [v for d in _walk(spec) for v in d.get("values", []) if "date" in v and "label" in v]
    assert {(m["label"], m["date"]) for m in marks} == {
        ("Baseline", "2025-12-01"),
        ("Target", "2027-06-30"),
    }


def test_feedback_scores_chart_gives_each_score_its_own_axis():
    from civicloop.feedback.charts import scores_over_time
    from civicloop.feedback.scoring import Score

    over_time = {
        "2026-01": [
            Score("nps", "NPS", "nps", 12.0, -5.0, 29.0, 80),
            Score("csat", "CSAT (%)", "share", 81.0, 75.0, 87.0, 80),
        ]
    }
    spec, rows = scores_over_time(over_time)
    assert spec["facet"]["row"]["field"] == "score"
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert len(rows) == 2


def test_evidence_kpi_chart_gives_each_kpi_its_row_named_with_its_unit():
    from civicloop.evidence.charts import kpi_chart

    kpis = [
        SimpleNamespace(
            name="Cost", unit="EUR", baseline=40.0, latest=35.0, target=30.0, progress=0.5
        ),
        SimpleNamespace(
            name="Satisfaction", unit="%", baseline=60.0, latest=None, target=80.0, progress=None
        ),
    ]
    report = SimpleNamespace(inputs=SimpleNamespace(kpis=kpis))
    spec, table = kpi_chart(report)  # type: ignore[arg-type]  # only .inputs.kpis is read
    assert spec["resolve"]["scale"]["x"] == "independent"
    assert {v["kpi"] for v in spec["data"]["values"]} == {"Cost (EUR)", "Satisfaction (%)"}
    assert spec["config"]["axis"]["labelFontSize"] >= 11  # the PDF draws this same spec
    assert table[0][-1] == "50%"
