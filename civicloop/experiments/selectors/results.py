"""Reads of results: snapshots and the one-line headline of a snapshot (the results table in
people's terms is `effects.results_summary`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from civicloop.core.permissions import Principal
from civicloop.experiments.models import (
    Experiment,
    ResultSnapshot,
)
from civicloop.experiments.selectors.experiments import experiment_list
from civicloop.web import numbers


def snapshot_latest(*, experiment: Experiment) -> ResultSnapshot | None:
    return experiment.snapshots.order_by("-computed_at", "-pk").first()


def snapshot_list(*, viewer: Principal, ids: list[int]) -> list[ResultSnapshot]:
    visible = experiment_list(viewer=viewer).values("pk")
    return list(
        ResultSnapshot.objects.filter(pk__in=ids, experiment_id__in=visible).select_related(
            "experiment"
        )
    )


def snapshot_headline(snapshot: ResultSnapshot) -> str:
    """One line summarising a snapshot's primary effect, for decisions and timelines."""
    payload = snapshot.payload or {}
    if not snapshot.ok:
        return f"not computed: {snapshot.error}"
    if payload.get("design") == "randomised":
        for key, entry in (payload.get("metrics") or {}).items():
            if entry.get("role") == "primary" and entry.get("variants"):
                v = entry["variants"][0]
                if v.get("estimate") is None:
                    return f"{key}: no estimate"
                return (
                    f"{key}: {v['variant']} vs control {v['estimate']:+.4g} "
                    f"[{_fmt(v.get('ci_low'))}, {_fmt(v.get('ci_high'))}], "
                    f"P(beat control) {_fmt(v.get('chance_to_beat_control'))}"
                )
        return "no primary result"
    effect = payload.get("effect") or {}
    if effect.get("estimate") is None:
        return payload.get("error", "no estimate")
    return (
        f"effect {effect['estimate']:+.4g} [{_fmt(effect.get('ci_low'))}, "
        f"{_fmt(effect.get('ci_high'))}], p = {_fmt(effect.get('p_value'))}"
    )


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3g}"


def _sig(value: Any, *, sign: bool = False) -> str:
    return "–" if value is None else numbers.significant(float(value), 3, sign=sign)


def snapshot_headline_text(snapshot: ResultSnapshot) -> str:
    """`snapshot_headline` for a page: in the reader's language, numbers written their way.

    `snapshot_headline` stays the stable English line the API returns and decisions store.
    """
    payload = snapshot.payload or {}
    if not snapshot.ok:
        return _("Results could not be computed: %(error)s") % {"error": snapshot.error}
    if payload.get("design") == "randomised":
        for key, entry in (payload.get("metrics") or {}).items():
            if entry.get("role") == "primary" and entry.get("variants"):
                v = entry["variants"][0]
                values = {"metric": entry.get("name") or key, "variant": v["variant"]}
                if v.get("estimate") is None:
                    return _("%(metric)s: no estimate yet") % values
                chance = v.get("chance_to_beat_control")
                values |= {
                    "effect": _sig(v["estimate"], sign=True),
                    "low": _sig(v.get("ci_low"), sign=True),
                    "high": _sig(v.get("ci_high"), sign=True),
                    "chance": "–" if chance is None else numbers.number(chance * 100, 0),
                }
                return (
                    _(
                        "%(metric)s: %(variant)s against control %(effect)s (interval "
                        "%(low)s to %(high)s), chance to beat control %(chance)s%%"
                    )
                    % values
                )
        return _("No primary metric has a result yet")
    effect = payload.get("effect") or {}
    if effect.get("estimate") is None:
        return _("No estimate yet")
    return _("Effect %(effect)s (interval %(low)s to %(high)s), p = %(p)s") % {
        "effect": _sig(effect["estimate"], sign=True),
        "low": _sig(effect.get("ci_low"), sign=True),
        "high": _sig(effect.get("ci_high"), sign=True),
        "p": _sig(effect.get("p_value")),
    }
