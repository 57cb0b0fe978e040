"""The first draft of a public summary, from a decision, its cited result and feedback themes.

Plain sentences a resident can read, with no personal data:

- *What you said*: how many responses, and the three largest feedback themes with how many
  comments each (labels and counts only: a quote may identify its writer, so none is copied).
- *What we tried*: the iteration's own description of the change.
- *What it changed*: the decision and its rationale.
- *The measured effect*: the first cited result's primary estimate, its interval at the
  experiment's confidence level and its unit. A randomised experiment's proportion metric is
  a difference of shares, shown in percentage points (×100); a mean metric takes the metric's
  unit label. A site-based design (difference-in-differences, interrupted time series,
  synthetic control) does not record the outcome's unit, so the draft leaves the unit empty and
  `services.summary_publish` refuses to publish an effect without one: no unit is assumed.

Every drafted paragraph goes through `civicloop.text.redact`, so a name or an address typed
into a rationale never reaches the draft; staff edit the draft before publishing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from civicloop.text.redact import redact

TOP_THEMES = 3


@dataclass(frozen=True)
class Effect:
    label: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    unit: str
    confidence: float | None


def effect_from_payload(
    payload: dict[str, Any], *, alpha: float, metric_units: dict[str, str]
) -> Effect | None:
    """The primary effect of one result snapshot's payload, or None when it has none."""
    confidence = 1 - float(payload.get("alpha", alpha))
    if payload.get("design") == "randomised" or "metrics" in payload:
        for key, entry in (payload.get("metrics") or {}).items():
            if entry.get("role") != "primary" or not entry.get("variants"):
                continue
            variant = entry["variants"][0]
            if variant.get("estimate") is None:
                return None
            scale, unit = 1.0, metric_units.get(key, "")
            if entry.get("metric_type") == "proportion":
                scale, unit = 100.0, _("percentage points")
            return Effect(
                label=entry.get("name") or key,
                estimate=variant["estimate"] * scale,
                ci_low=_scaled(variant.get("ci_low"), scale),
                ci_high=_scaled(variant.get("ci_high"), scale),
                unit=unit,
                confidence=confidence,
            )
        return None
    effect = payload.get("effect") or {}
    if effect.get("estimate") is None:
        return None
    return Effect(
        label="",
        estimate=float(effect["estimate"]),
        ci_low=_scaled(effect.get("ci_low"), 1.0),
        ci_high=_scaled(effect.get("ci_high"), 1.0),
        unit="",
        confidence=confidence,
    )


def _scaled(value: Any, scale: float) -> float | None:
    return None if value is None else float(value) * scale


def themes_from_feedback(feedback: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The largest themes, label and size only (never quotes), largest first."""
    themes = (feedback or {}).get("themes") or []
    rows: list[dict[str, Any]] = [
        {"label": redact(str(t.get("label", ""))).text, "size": int(t.get("size") or 0)}
        for t in themes
        if t.get("label")
    ]
    rows.sort(key=lambda t: -int(t["size"]))
    return rows[:TOP_THEMES]


def said_text(*, responses: int | None, themes: list[dict[str, Any]], service: str) -> str:
    if not responses:
        return _("No citizen feedback was linked to this change of %(service)s.") % {
            "service": service
        }
    text = ngettext(
        "%(n)s person told us how %(service)s went.",
        "%(n)s people told us how %(service)s went.",
        responses,
    ) % {"n": responses, "service": service}
    if themes:
        listed = "; ".join(
            ngettext("%(label)s (%(n)s comment)", "%(label)s (%(n)s comments)", t["size"])
            % {"label": t["label"], "n": t["size"]}
            for t in themes
        )
        text += " " + _("What came up most: %(themes)s.") % {"themes": listed}
    return text


DECISION_SENTENCES = {
    "iterate": gettext_noop("We keep the change and improve it in a next iteration."),
    "pivot": gettext_noop("We are trying a different approach."),
    "scale": gettext_noop("We are extending the change to more people and places."),
    "stop": gettext_noop("We stopped the change."),
}
DECISION_OTHER = gettext_noop("We decided what to do next.")


def changed_text(*, kind: str, rationale: str) -> str:
    sentence = _(DECISION_SENTENCES.get(kind, DECISION_OTHER))
    return redact(f"{sentence} {rationale}".strip()).text


def tried_text(*, title: str, what_changes: str) -> str:
    return redact(f"{title}. {what_changes}".strip()).text
