"""`civicloop analyze`: the command-line shell around the pure ``civicloop.stats`` library.

Reads a CSV (pandas), calls the library, prints one JSON object (``--format json``) or a table
for people. Bad input prints one line naming the problem to stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

import numpy as np

from civicloop.cli.analyze.commands import (
    _cmd_ab,
    _cmd_did,
    _cmd_its,
    _cmd_power,
    _cmd_staggered,
    _non_negative,
)
from civicloop.cli.analyze.inputs import InputProblem
from civicloop.cli.analyze.render import _clean, _render_table
from civicloop.stats import StatsInputError
from civicloop.stats.margin import HYPOTHESES

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputProblem(
            f"{self.prog}: {message}".removeprefix("civicloop analyze: ").removeprefix(
                "civicloop analyze "
            )
        )


def _common(p: argparse.ArgumentParser, *, alpha: bool = True) -> None:
    if alpha:
        p.add_argument("--alpha", type=float, default=0.05, help="significance level")
    p.add_argument("--format", choices=("json", "table"), default="table")


def _ab_parser(sub: Any) -> None:
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
    _common(ab)
    ab.set_defaults(handler=_cmd_ab)


def _did_parser(sub: Any) -> None:
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
    _common(did)
    did.set_defaults(handler=_cmd_did)


def _staggered_parser(sub: Any) -> None:
    stag = sub.add_parser("staggered", help="staggered adoption (Callaway & Sant'Anna)")
    stag.add_argument("csv", metavar="CSV")
    stag.add_argument("--outcome", required=True, metavar="COL")
    stag.add_argument("--unit", required=True, metavar="COL")
    stag.add_argument("--time", required=True, metavar="COL")
    stag.add_argument(
        "--first-treated", required=True, metavar="COL", help="0 or empty: never treated"
    )
    stag.add_argument("--control-group", choices=("never", "notyet"), default="never")
    _common(stag)
    stag.set_defaults(handler=_cmd_staggered)


def _its_parser(sub: Any) -> None:
    its = sub.add_parser("its", help="interrupted time series")
    its.add_argument("csv", metavar="CSV")
    its.add_argument("--time", required=True, metavar="COL")
    its.add_argument("--outcome", required=True, metavar="COL")
    its.add_argument("--intervention", required=True, metavar="VALUE")
    its.add_argument("--hac-lags", type=int, metavar="N", help="default floor(4 (n/100)^(2/9))")
    _common(its)
    its.set_defaults(handler=_cmd_its)


def _power_parser(sub: Any) -> None:
    power = sub.add_parser("power", help="sample size and duration")
    power.add_argument("--baseline-rate", type=float, metavar="P")
    power.add_argument("--baseline-mean", type=float, metavar="M")
    power.add_argument("--baseline-sd", type=float, metavar="S")
    effect = power.add_mutually_exclusive_group(required=True)
    effect.add_argument("--mde-abs", type=float, metavar="D")
    effect.add_argument("--mde-rel", type=float, metavar="R")
    power.add_argument("--power", type=float, default=0.8)
    power.add_argument("--daily-units", type=float, metavar="N")
    _common(power)
    power.set_defaults(handler=_cmd_power)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="civicloop analyze",
        description="Analyse experiments and pilots from a CSV file (see docs/stats/).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _ab_parser(sub)
    _did_parser(sub)
    _staggered_parser(sub)
    _its_parser(sub)
    _power_parser(sub)
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
