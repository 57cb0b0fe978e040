"""`civicloop analyze`: the command-line shell around the pure ``civicloop.stats`` library.

Reads a CSV (pandas), calls the library, prints one JSON object (``--format json``) or a table
for people. Bad input prints one line naming the problem to stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from civicloop.stats import (
    StatsInputError,
    SufficientStats,
    VariantResult,
    analyze_ab,
    did_2x2,
    did_panel,
    interrupted_time_series,
    margin_test,
    power_means,
    power_proportions,
    staggered_did,
)
from civicloop.stats.did import SEType
from civicloop.stats.margin import HYPOTHESES

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputProblem(Exception):
    """A problem with the user's input, reported as one line and exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputProblem(
            f"{self.prog}: {message}".removeprefix("civicloop analyze: ").removeprefix(
                "civicloop analyze "
            )
        )


# ---------------------------------------------------------------------------------------------
# CSV helpers


def _read_csv(path: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise InputProblem(f"cannot read {path}: file not found") from exc
    except IsADirectoryError as exc:
        raise InputProblem(f"cannot read {path}: it is a directory") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputProblem(f"cannot read {path}: the file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputProblem(f"cannot read {path}: {first}") from exc
    if frame.empty:
        raise InputProblem(f"{path} has a header but no data rows")
    return frame


def _require(frame: pd.DataFrame, path: str, *columns: str | None) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            available = ", ".join(str(c) for c in frame.columns)
            raise InputProblem(f"column '{column}' not found in {path} (columns: {available})")


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    raw = frame[column]
    missing = raw.isna().to_numpy()
    if missing.any():
        line = int(np.flatnonzero(missing)[0]) + 2
        raise InputProblem(
            f"column '{column}' has {int(missing.sum())} missing value(s) (first on line {line})"
        )
    if raw.dtype == bool:
        return raw.to_numpy(dtype=np.float64)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputProblem(
            f"column '{column}' has non-numeric value {str(raw.iloc[index])!r} on line {index + 2}"
        )
    return values


def _binary(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = _numeric(frame, column)
    if not np.all((values == 0) | (values == 1)):
        odd = values[(values != 0) & (values != 1)][0]
        raise InputProblem(f"column '{column}' must be 0/1, found {odd:g}")
    return values


def _labels(frame: pd.DataFrame, column: str) -> np.ndarray:
    raw = frame[column]
    missing = raw.isna().to_numpy()
    if missing.any():
        line = int(np.flatnonzero(missing)[0]) + 2
        raise InputProblem(f"column '{column}' has a missing value on line {line}")
    return raw.astype(str).to_numpy()


def _time_values(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, bool]:
    """Numeric time, or dates converted to days since 1970-01-01 (second value True)."""
    raw = frame[column]
    numeric = pd.to_numeric(raw, errors="coerce")
    if raw.notna().all() and numeric.notna().all():
        return numeric.to_numpy(dtype=np.float64), False
    try:
        dates = pd.to_datetime(raw, errors="raise")
    except (ValueError, TypeError) as exc:
        raise InputProblem(
            f"column '{column}' must hold numbers or dates; cannot read {str(raw.iloc[0])!r}"
        ) from exc
    if dates.isna().any():
        raise InputProblem(f"column '{column}' has missing dates")
    days = (dates - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400.0
    return days, True


# ---------------------------------------------------------------------------------------------
# Output helpers


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


def _render_table(payload: dict[str, Any]) -> str:
    command = payload["command"]
    parts: list[str] = []
    if command == "ab":
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
    elif command == "did":
        parts.append(
            f"Difference-in-differences ({payload['design']}), {payload['n_obs']} rows, "
            f"{payload['se_type']} standard errors"
        )
        parts.append(_table(["effect", *ESTIMATE_HEADERS], [_est_row("treatment", payload)]))
    elif command == "staggered":
        parts.append("Staggered adoption (Callaway & Sant'Anna), group-time ATTs aggregated")
        rows = [_est_row("simple ATT", payload["simple_att"])]
        rows += [_est_row(f"event {e['event_time']:+d}", e) for e in payload["event_study"]]
        parts.append(_table(["aggregate", *ESTIMATE_HEADERS], rows))
        if payload["pretrend"]:
            pt = payload["pretrend"]
            parts.append(
                f"Pre-trend test: chi2 = {_fmt(pt['chi2'])} on {pt['df']} df, "
                f"p = {_fmt(pt['p_value'])}"
            )
    elif command == "its":
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
    elif command == "power":
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
    parts.append(_evidence_text(payload["evidence"]))
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Commands


def _non_negative(text: str) -> float:
    """argparse type for the margin options: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def _parse_split(text: str, arms: list[str], variant_column: str) -> dict[str, float]:
    """``--split control=1,treatment=2``: a positive relative weight for every arm."""
    weights: dict[str, float] = {}
    for item in text.split(","):
        name, sep, raw = item.strip().rpartition("=")
        name = name.strip()
        if not sep or not name:
            raise InputProblem(
                f"--split must list ARM=WEIGHT pairs separated by commas "
                f"(e.g. control=1,treatment=1), got {item.strip()!r}"
            )
        if name in weights:
            raise InputProblem(f"--split names arm '{name}' twice; give each arm once")
        try:
            weight = float(raw)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight <= 0:
            raise InputProblem(
                f"--split weight for arm '{name}' must be a positive number, got {raw.strip()!r}"
            )
        weights[name] = weight
    unknown = [name for name in weights if name not in arms]
    if unknown:
        raise InputProblem(
            f"--split names arm '{unknown[0]}', which has no rows in column '{variant_column}' "
            f"(arms: {', '.join(arms)})"
        )
    missing = [name for name in arms if name not in weights]
    if missing:
        raise InputProblem(
            f"--split must give a weight to every arm; missing '{missing[0]}' "
            f"(arms: {', '.join(arms)})"
        )
    return {name: weights[name] for name in arms}


def _check_margin_options(args: argparse.Namespace) -> None:
    has_margin = args.margin is not None or args.margin_relative is not None
    if not has_margin:
        if args.margin_test is not None:
            raise InputProblem("--margin-test needs --margin or --margin-relative")
        return
    option = "--margin" if args.margin is not None else "--margin-relative"
    if args.sequential:
        raise InputProblem(
            f"{option} cannot be combined with --sequential: the margin test is fixed-horizon "
            "(run it once, at the planned end)"
        )
    value = args.margin if args.margin is not None else args.margin_relative
    if (args.margin_test or "non-inferiority") == "non-inferiority" and value == 0:
        raise InputProblem(f"{option} must be positive for a non-inferiority test, got 0")


def _cmd_ab(args: argparse.Namespace) -> dict[str, Any]:
    _check_margin_options(args)
    frame = _read_csv(args.csv)
    _require(frame, args.csv, args.variant, args.metric, args.covariate, args.denominator)
    if args.covariate and args.denominator:
        raise InputProblem("use --covariate or --denominator, not both")
    variants = _labels(frame, args.variant)
    y = _numeric(frame, args.metric)
    x = None
    if args.covariate:
        x = _numeric(frame, args.covariate)
    elif args.denominator:
        x = _numeric(frame, args.denominator)
    order = list(dict.fromkeys(variants.tolist()))
    control = args.control
    if control is None:
        control = "control" if "control" in order else order[0]
    elif control not in order:
        raise InputProblem(
            f"control arm '{control}' has no rows in column '{args.variant}' "
            f"(arms: {', '.join(order)})"
        )
    if len(order) < 2:
        raise InputProblem(
            f"column '{args.variant}' has only one arm ('{order[0]}'); the other arm is empty"
        )
    if np.ptp(y) == 0:
        raise InputProblem(f"column '{args.metric}' is constant ({y[0]:g}); nothing to compare")
    split = _parse_split(args.split, order, args.variant) if args.split is not None else None
    arms = {
        name: SufficientStats.from_array(
            y[variants == name], None if x is None else x[variants == name]
        )
        for name in order
    }
    analysis = analyze_ab(
        arms,
        control,
        metric=args.metric,
        metric_type="ratio" if args.denominator else "auto",
        alpha=args.alpha,
        sequential=args.sequential,
        expected_split=split,
        higher_is_better=args.higher_is_better,
    )
    out: dict[str, Any] = {"command": "ab", **analysis.to_dict()}
    weights = split if split is not None else dict.fromkeys(order, 1.0)
    out["split"] = {
        "designed": split is not None,
        "weights": weights,
        "shares": {name: w / sum(weights.values()) for name, w in weights.items()},
    }
    out["higher_is_better"] = args.higher_is_better
    for result, row in zip(analysis.results, out["results"], strict=True):
        row["margin_test"] = _margin_row(args, result)
    return out


def _margin_row(args: argparse.Namespace, result: VariantResult) -> dict[str, Any] | None:
    """The one-sided margin test of one arm (fixed-horizon difference), or None without one."""
    if args.margin is None and args.margin_relative is None:
        return None
    mean_control = result.mean_control
    if args.margin is not None:
        margin = args.margin
    else:
        if mean_control == 0 or not math.isfinite(mean_control):
            raise InputProblem(
                f"--margin-relative needs a non-zero control mean, but the control mean of "
                f"'{args.metric}' is {mean_control:g}; give an absolute --margin"
            )
        margin = args.margin_relative * abs(mean_control)
    test = margin_test(
        difference=result.fixed_horizon.estimate,
        std_error=result.fixed_horizon.std_error,
        margin=margin,
        hypothesis=args.margin_test or "non-inferiority",
        higher_is_better=args.higher_is_better,
        alpha=args.alpha,
        df=result.fixed_df,
    )
    return {**test.to_dict(), "margin_relative": args.margin_relative}


def _cmd_did(args: argparse.Namespace) -> dict[str, Any]:
    two_by_two = args.group is not None or args.post is not None
    panel = any(v is not None for v in (args.unit, args.time, args.treatment))
    if two_by_two and panel:
        raise InputProblem("give either --group and --post, or --unit, --time and --treatment")
    if not two_by_two and not panel:
        raise InputProblem("give --group and --post (2x2), or --unit, --time and --treatment")
    if two_by_two and (args.group is None or args.post is None):
        raise InputProblem("the 2x2 form needs both --group and --post")
    if panel and None in (args.unit, args.time, args.treatment):
        raise InputProblem("the panel form needs --unit, --time and --treatment")
    frame = _read_csv(args.csv)
    _require(
        frame, args.csv, args.outcome, args.group, args.post, args.unit, args.time,
        args.treatment, args.cluster,
    )  # fmt: skip
    y = _numeric(frame, args.outcome)
    cluster = _labels(frame, args.cluster) if args.cluster else None
    if two_by_two:
        se_type: SEType = args.se or "classical"
        if se_type == "cluster" and cluster is None:
            raise InputProblem("--se cluster needs --cluster COL in the 2x2 form")
        result = did_2x2(
            y=y,
            group=_binary(frame, args.group),
            post=_binary(frame, args.post),
            se_type=se_type,
            cluster=cluster,
            alpha=args.alpha,
        )
    else:
        result = did_panel(
            y=y,
            unit=_labels(frame, args.unit),
            time=_labels(frame, args.time),
            treatment=_binary(frame, args.treatment),
            se_type=args.se or "cluster",
            cluster=cluster,
            alpha=args.alpha,
        )
    return {"command": "did", **result.to_dict()}


def _cmd_staggered(args: argparse.Namespace) -> dict[str, Any]:
    frame = _read_csv(args.csv)
    _require(frame, args.csv, args.outcome, args.unit, args.time, args.first_treated)
    first = pd.to_numeric(frame[args.first_treated], errors="coerce")
    bad = frame[args.first_treated].notna() & first.isna()
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputProblem(
            f"column '{args.first_treated}' has non-numeric value "
            f"{str(frame[args.first_treated].iloc[index])!r} on line {index + 2}"
        )
    result = staggered_did(
        y=_numeric(frame, args.outcome),
        unit=_labels(frame, args.unit),
        time=_numeric(frame, args.time),
        first_treated=first.fillna(0).to_numpy(dtype=np.float64),
        control_group=args.control_group,
        alpha=args.alpha,
    )
    return {"command": "staggered", **result.to_dict()}


def _cmd_its(args: argparse.Namespace) -> dict[str, Any]:
    frame = _read_csv(args.csv)
    _require(frame, args.csv, args.time, args.outcome)
    time, is_date = _time_values(frame, args.time)
    if is_date:
        try:
            intervention = (
                pd.Timestamp(args.intervention) - pd.Timestamp("1970-01-01")
            ).total_seconds() / 86400.0
        except ValueError as exc:
            raise InputProblem(
                f"--intervention {args.intervention!r} is not a date like the '{args.time}' column"
            ) from exc
    else:
        try:
            intervention = float(args.intervention)
        except ValueError as exc:
            raise InputProblem(
                f"--intervention {args.intervention!r} is not a number like the "
                f"'{args.time}' column"
            ) from exc
    result = interrupted_time_series(
        time=time,
        y=_numeric(frame, args.outcome),
        intervention=intervention,
        hac_lags=args.hac_lags,
        alpha=args.alpha,
    )
    out = {"command": "its", **result.to_dict()}
    out["time_unit"] = "days" if is_date else "time column units"
    return out


def _cmd_power(args: argparse.Namespace) -> dict[str, Any]:
    if args.baseline_rate is not None:
        if args.baseline_mean is not None or args.baseline_sd is not None:
            raise InputProblem("give --baseline-rate, or --baseline-mean with --baseline-sd")
        result = power_proportions(
            baseline_rate=args.baseline_rate,
            mde_abs=args.mde_abs,
            mde_rel=args.mde_rel,
            alpha=args.alpha,
            power=args.power,
            daily_units=args.daily_units,
        )
    else:
        if args.baseline_mean is None or args.baseline_sd is None:
            raise InputProblem("give --baseline-rate, or --baseline-mean with --baseline-sd")
        result = power_means(
            baseline_mean=args.baseline_mean,
            baseline_sd=args.baseline_sd,
            mde_abs=args.mde_abs,
            mde_rel=args.mde_rel,
            alpha=args.alpha,
            power=args.power,
            daily_units=args.daily_units,
        )
    return {"command": "power", **result.to_dict()}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="civicloop analyze",
        description="Analyse experiments and pilots from a CSV file (see docs/stats/).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, alpha: bool = True) -> None:
        if alpha:
            p.add_argument("--alpha", type=float, default=0.05, help="significance level")
        p.add_argument("--format", choices=("json", "table"), default="table")

    ab = sub.add_parser("ab", help="randomised A/B/n test")
    ab.add_argument("csv", metavar="CSV")
    ab.add_argument("--variant", required=True, metavar="COL")
    ab.add_argument("--metric", required=True, metavar="COL")
    ab.add_argument("--control", metavar="NAME", help="default: 'control' or the first arm")
    ab.add_argument("--covariate", metavar="COL", help="pre-period covariate for CUPED")
    ab.add_argument("--denominator", metavar="COL", help="ratio metric: sum(metric)/sum(COL)")
    ab.add_argument("--sequential", action="store_true", help="always-valid intervals")
    ab.add_argument(
        "--split",
        metavar="ARM=W,...",
        help="designed split as relative weights per arm, e.g. control=1,treatment=2 "
        "(default: equal); used by the sample-ratio-mismatch check",
    )
    margin = ab.add_mutually_exclusive_group()
    margin.add_argument(
        "--margin", type=_non_negative, metavar="X", help="margin in the metric's units"
    )
    margin.add_argument(
        "--margin-relative",
        type=_non_negative,
        metavar="R",
        help="margin as a fraction of the control mean (0.02 = 2%%)",
    )
    ab.add_argument(
        "--margin-test",
        choices=HYPOTHESES,
        help="one-sided test against the margin (default non-inferiority)",
    )
    direction = ab.add_mutually_exclusive_group()
    direction.add_argument(
        "--higher-is-better",
        dest="higher_is_better",
        action="store_true",
        default=True,
        help="a larger metric is better (default)",
    )
    direction.add_argument(
        "--lower-is-better",
        dest="higher_is_better",
        action="store_false",
        help="a smaller metric is better (e.g. days to decision)",
    )
    common(ab)
    ab.set_defaults(handler=_cmd_ab)

    did = sub.add_parser("did", help="difference-in-differences (2x2 or panel)")
    did.add_argument("csv", metavar="CSV")
    did.add_argument("--outcome", required=True, metavar="COL")
    did.add_argument("--group", metavar="COL", help="2x2: 1 for the treated group")
    did.add_argument("--post", metavar="COL", help="2x2: 1 for the post period")
    did.add_argument("--unit", metavar="COL", help="panel: unit id")
    did.add_argument("--time", metavar="COL", help="panel: period")
    did.add_argument("--treatment", metavar="COL", help="panel: 1 when the unit is treated")
    did.add_argument(
        "--se",
        choices=("classical", "hc1", "cluster"),
        help="default classical (2x2) or cluster by unit (panel)",
    )
    did.add_argument("--cluster", metavar="COL")
    common(did)
    did.set_defaults(handler=_cmd_did)

    stag = sub.add_parser("staggered", help="staggered adoption (Callaway & Sant'Anna)")
    stag.add_argument("csv", metavar="CSV")
    stag.add_argument("--outcome", required=True, metavar="COL")
    stag.add_argument("--unit", required=True, metavar="COL")
    stag.add_argument("--time", required=True, metavar="COL")
    stag.add_argument(
        "--first-treated", required=True, metavar="COL", help="0 or empty: never treated"
    )
    stag.add_argument("--control-group", choices=("never", "notyet"), default="never")
    common(stag)
    stag.set_defaults(handler=_cmd_staggered)

    its = sub.add_parser("its", help="interrupted time series")
    its.add_argument("csv", metavar="CSV")
    its.add_argument("--time", required=True, metavar="COL")
    its.add_argument("--outcome", required=True, metavar="COL")
    its.add_argument("--intervention", required=True, metavar="VALUE")
    its.add_argument("--hac-lags", type=int, metavar="N", help="default floor(4 (n/100)^(2/9))")
    common(its)
    its.set_defaults(handler=_cmd_its)

    power = sub.add_parser("power", help="sample size and duration")
    power.add_argument("--baseline-rate", type=float, metavar="P")
    power.add_argument("--baseline-mean", type=float, metavar="M")
    power.add_argument("--baseline-sd", type=float, metavar="S")
    effect = power.add_mutually_exclusive_group(required=True)
    effect.add_argument("--mde-abs", type=float, metavar="D")
    effect.add_argument("--mde-rel", type=float, metavar="R")
    power.add_argument("--power", type=float, default=0.8)
    power.add_argument("--daily-units", type=float, metavar="N")
    common(power)
    power.set_defaults(handler=_cmd_power)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``civicloop analyze``; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        payload = _clean(args.handler(args))
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if isinstance(exc.code, int | None) else EXIT_BAD_INPUT
    except (InputProblem, StatsInputError) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except (ValueError, ArithmeticError, KeyError, np.linalg.LinAlgError) as exc:
        _error(f"cannot analyse this input: {exc}")
        return EXIT_BAD_INPUT
    if args.format == "json":
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    else:
        sys.stdout.write(_render_table(payload) + "\n")
    return EXIT_OK


def _error(message: str) -> None:
    one_line = " ".join(message.split())
    sys.stderr.write(f"civicloop analyze: error: {one_line}\n")


if __name__ == "__main__":
    raise SystemExit(main())
