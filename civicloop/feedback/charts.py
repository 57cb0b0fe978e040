"""Vega-Lite spec for scores over time with their 95% intervals (shown beside a data table)."""

from __future__ import annotations

from typing import Any

import altair as alt

from civicloop.feedback.scoring import Score

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
                        f"{s.value:.1f}",
                        f"{s.ci_low:.1f} – {s.ci_high:.1f}" if s.ci_low is not None else "–",
                        s.n,
                    ]
                )
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("month:T", title="Month"), color=alt.Color("score:N", title="Score")
    )
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title="Score"), y2="high:Q")
    line = base.mark_line(point=True).encode(
        y="value:Q", tooltip=["score:N", "month:T", "value:Q", "low:Q", "high:Q", "n:Q"]
    )
    spec = (
        alt.layer(band, line)
        .properties(width="container", height=260, title="Scores over time")
        .to_dict()
    )
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["description"] = "Scores over time with 95% confidence intervals"
    return spec, rows
