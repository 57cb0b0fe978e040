"""Vega-Lite spec for scores over time with their 95% intervals (shown beside a data table)."""

from __future__ import annotations

from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from civicloop.feedback.scoring import Score
from civicloop.web.charts import facet_by_unit
from civicloop.web.jinja import number

CHARTED = ("govuk", "csat", "nps", "sus")


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
        y="value:Q", tooltip=["score:N", "month:T", "value:Q", "low:Q", "high:Q", "n:Q"]
    )
    # Each score has its own scale (NPS −100…100, shares in %): one panel and axis per score.
    spec = facet_by_unit(alt.layer(band, line), field="score", title=_("Scores over time"))
    spec["description"] = _("Scores over time with 95% confidence intervals")
    return spec, rows
