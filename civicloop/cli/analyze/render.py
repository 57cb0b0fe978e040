"""The table for people (``--format table``) and JSON-safe values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    return value


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return f"{value:.{digits}g}"
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(lines)


ESTIMATE_HEADERS = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]


def _est_row(label: str, est: dict[str, Any]) -> list[Any]:
    return [label] + [est.get(k) for k in ESTIMATE_HEADERS]


def _evidence_text(evidence: dict[str, Any]) -> str:
    lines = [
        f"Evidence: Maryland SMS {_fmt(evidence['maryland_sms'])}, "
        f"Nesta level {_fmt(evidence['nesta_level'])}"
    ]
    lines.extend(f"  - {reason}" for reason in evidence["reasons"])
    return "\n".join(lines)


def _margin_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    tests = [(r["variant"], r["margin_test"]) for r in payload["results"] if r["margin_test"]]
    if tests:
        first = tests[0][1]
        parts.append(
            f"{first['hypothesis'].capitalize()} margin {_fmt(first['margin'])} "
            f"({'higher' if first['higher_is_better'] else 'lower'} is better), one-sided "
            f"alpha {_fmt(first['alpha'])}"
        )
        parts.append(
            _table(
                ["variant", "H0 bound", "statistic", "p_value", "conf_bound", "decision"],
                [
                    [
                        v,
                        *(t[k] for k in ("null_value", "statistic", "p_value", "bound")),
                        t["decision"],
                    ]
                    for v, t in tests
                ],
            )
        )
    return parts


def _ab_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    parts.append(
        f"A/B analysis of '{payload['metric']}' ({payload['metric_type']}), control "
        f"'{payload['control']}'"
        + (", always-valid (sequential)" if payload["sequential"] else "")
        + (", CUPED-adjusted" if payload["cuped"] else "")
    )
    rows = [
        [
            r["variant"],
            r["n_treatment"],
            r["mean_treatment"],
            r["estimate"],
            r["ci_low"],
            r["ci_high"],
            r["p_value"],
            r["p_value_holm"],
            r["relative_lift"]["estimate"],
            r["chance_to_beat_control"],
            r["variance_reduction"],
        ]
        for r in payload["results"]
    ]
    control_n = payload["results"][0]["n_control"]
    control_mean = payload["results"][0]["mean_control"]
    parts.append(f"control: n = {control_n}, mean = {_fmt(control_mean)}")
    parts.append(
        _table(
            [
                "variant",
                "n",
                "mean",
                "difference",
                "ci_low",
                "ci_high",
                "p_value",
                "p_holm",
                "rel_lift",
                "P(beat)",
                "var_red",
            ],
            rows,
        )
    )
    srm = payload["srm"]
    parts.append(
        f"SRM: chi2 = {_fmt(srm['chi2'])}, p = {_fmt(srm['p_value'])}"
        + (" (MISMATCH: check assignment and logging)" if srm["flagged"] else " (ok)")
    )
    split = payload["split"]
    shares = ", ".join(f"{arm} {_fmt(share)}" for arm, share in split["shares"].items())
    parts.append(
        f"Split: {shares}"
        + (" (designed, --split)" if split["designed"] else " (equal split assumed)")
    )
    parts.extend(_margin_lines(payload))
    return parts


def _did_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    parts.append(
        f"Difference-in-differences ({payload['design']}), {payload['n_obs']} rows, "
        f"{payload['se_type']} standard errors"
    )
    parts.append(_table(["effect", *ESTIMATE_HEADERS], [_est_row("treatment", payload)]))
    return parts


def _staggered_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    parts.append("Staggered adoption (Callaway & Sant'Anna), group-time ATTs aggregated")
    rows = [_est_row("simple ATT", payload["simple_att"])]
    rows += [_est_row(f"event {e['event_time']:+d}", e) for e in payload["event_study"]]
    parts.append(_table(["aggregate", *ESTIMATE_HEADERS], rows))
    if payload["pretrend"]:
        pt = payload["pretrend"]
        parts.append(
            f"Pre-trend test: chi2 = {_fmt(pt['chi2'])} on {pt['df']} df, p = {_fmt(pt['p_value'])}"
        )
    return parts


def _its_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    parts.append(
        f"Interrupted time series: {payload['n_pre']} periods before, {payload['n_post']} "
        f"from the intervention, Newey-West lags {payload['hac_lags']}"
    )
    rows = [
        _est_row("level change", payload["level_change"]),
        _est_row("slope change", payload["slope_change"]),
        _est_row("pre slope", payload["pre_slope"]),
    ]
    parts.append(_table(["term", *ESTIMATE_HEADERS], rows))
    return parts


def _power_lines(payload: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    parts.append(
        f"Power ({payload['metric_type']}): alpha {payload['alpha']}, power {payload['power']}"
    )
    rows = [
        ["n per group", payload["n_per_group"]],
        ["n total", payload["n_total"]],
        ["MDE (absolute)", payload["mde_abs"]],
        ["MDE (relative)", payload["mde_rel"]],
    ]
    if "days" in payload:
        rows.append(["days", payload["days"]])
    parts.append(_table(["quantity", "value"], rows))
    return parts


_LINES = {
    "ab": _ab_lines,
    "did": _did_lines,
    "staggered": _staggered_lines,
    "its": _its_lines,
    "power": _power_lines,
}


def _render_table(payload: dict[str, Any]) -> str:
    parts = _LINES[payload["command"]](payload)
    parts.append(_evidence_text(payload["evidence"]))
    return "\n".join(parts)
