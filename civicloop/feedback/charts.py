"""Vega-Lite spec for scores over time with their 95% intervals (shown beside a data table)."""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from civicloop.feedback.scoring import Score
from civicloop.web import numbers
from civicloop.web.charts import as_spec, facet_by_unit, localise_spec
from civicloop.web.jinja import number

CHARTED = ("govuk", "csat", "nps", "sus")


def _score_tooltip(when: str, when_title: str) -> list[alt.Tooltip]:
    """A score's tooltip, every line named in the reader's language (never "value", "n")."""
    return [
        alt.Tooltip("score:N", title=_("Score")),
        alt.Tooltip(f"{when}:T", title=when_title),
        alt.Tooltip("value:Q", title=_("Value"), format=".1f"),
        alt.Tooltip("low:Q", title=_("Lower end of the interval"), format=".1f"),
        alt.Tooltip("high:Q", title=_("Upper end of the interval"), format=".1f"),
        alt.Tooltip("n:Q", title=_("Responses (count)")),
    ]


def scores_over_time(over_time: dict[str, list[Score]]) -> tuple[dict[str, Any], list[list]]:
    """A line per score with an interval band; returns the spec and the table rows."""
    data = []
    rows = []
    for month, scores in over_time.items():
        for s in scores:
            if s.key in CHARTED and s.value is not None:
                data.append(
                    {
                        "month": f"{month}-01",
                        "score": s.label,
                        "value": round(s.value, 1),
                        "low": round(s.ci_low, 1) if s.ci_low is not None else None,
                        "high": round(s.ci_high, 1) if s.ci_high is not None else None,
                        "n": s.n,
                    }
                )
                rows.append(
                    [
                        month,
                        s.label,
                        number(s.value, 1),
                        f"{number(s.ci_low, 1)} – {number(s.ci_high, 1)}"
                        if s.ci_low is not None
                        else "–",
                        s.n,
                    ]
                )
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("month:T", title=_("Month")), color=alt.Color("score:N", title=_("Score"))
    )
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title=_("Score")), y2="high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=_("Score")), tooltip=_score_tooltip("month", _("Month"))
    )
    # Each score has its own scale (NPS −100…100, shares in %): one panel and axis per score.
    spec = facet_by_unit(alt.layer(band, line), field="score", title=_("Scores over time"))
    spec["description"] = _("Scores over time with 95% confidence intervals")
    return spec, rows


def _vega(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    spec = as_spec(chart)
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = description
    return localise_spec(spec)


def score_distribution(
    question: str, counts: list[tuple[int, int]]
) -> tuple[dict[str, Any], list[list]]:
    """Bars of responses per scale point (and their share); the spec and the table rows."""
    total = sum(c for _, c in counts) or 1
    data = [
        {"point": str(p), "responses": c, "share": round(100 * c / total, 1)} for p, c in counts
    ]
    rows = [[str(p), c, numbers.per_cent(100 * c / total, 1)] for p, c in counts]
    point, responses = gettext("Answer"), gettext("Responses (count)")
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            x=alt.X("point:O", title=point, sort=[str(p) for p, _ in counts]),
            y=alt.Y("responses:Q", title=responses),
            tooltip=[
                alt.Tooltip("point:O", title=point),
                alt.Tooltip("responses:Q", title=responses),
                alt.Tooltip("share:Q", title=gettext("Share (%)")),
            ],
        )
        .properties(width="container", height=220, title=question)
    )
    return _vega(
        chart, gettext("Responses per answer: %(question)s") % {"question": question}
    ), rows


def weekly_trend(per_week: dict[date, list[Score]]) -> tuple[dict[str, Any], list[list]]:
    """% satisfied per ISO week with its 95% interval band; the spec and the table rows."""
    data, rows = [], []
    for week, scores in per_week.items():
        for s in scores:
            if s.key in ("govuk", "csat") and s.value is not None:
                data.append(
                    {
                        "week": week.isoformat(),
                        "score": s.label,
                        "value": round(s.value, 1),
                        "low": round(s.ci_low, 1) if s.ci_low is not None else None,
                        "high": round(s.ci_high, 1) if s.ci_high is not None else None,
                        "n": s.n,
                    }
                )
                interval = (
                    gettext("%(low)s to %(high)s")
                    % {"low": number(s.ci_low, 1), "high": numbers.per_cent(s.ci_high, 1)}
                    if s.ci_low is not None and s.ci_high is not None
                    else "–"
                )
                rows.append(
                    [week.isoformat(), s.label, numbers.per_cent(s.value, 1), interval, s.n]
                )
    week_title, value_title = gettext("Week starting"), gettext("Satisfied (%)")
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("week:T", title=week_title),
        color=alt.Color("score:N", title=gettext("Score")),
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=value_title, scale=alt.Scale(domain=[0, 100])), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=value_title), tooltip=_score_tooltip("week", week_title)
    )
    chart = alt.layer(band, line).properties(
        width="container", height=240, title=gettext("Satisfaction per week")
    )
    return _vega(chart, gettext("Share satisfied per week with 95% confidence intervals")), rows
