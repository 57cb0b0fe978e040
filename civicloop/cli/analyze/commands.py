"""One function per subcommand: read, check, call ``civicloop.stats``, return the payload."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np
import pandas as pd

from civicloop.cli.analyze.inputs import (
    InputProblem,
    _binary,
    _labels,
    _numeric,
    _read_csv,
    _require,
    _time_values,
)
from civicloop.stats import (
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
