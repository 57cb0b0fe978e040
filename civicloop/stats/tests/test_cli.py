"""`civicloop analyze` contract: JSON keys, exit codes and one-line errors on bad input."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind

from civicloop.cli.analyze import main

ESTIMATE_KEYS = {"estimate", "std_error", "ci_low", "ci_high", "p_value"}


def run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, argv):
    code, out, err = run(capsys, [*argv, "--format", "json"])
    assert code == 0, err
    assert out.count("\n") == 1
    payload = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert {"maryland_sms", "nesta_level", "reasons"} <= set(payload["evidence"])
    return payload


@pytest.fixture
def ab_csv(tmp_path):
    rng = np.random.default_rng(9)
    n = 3000
    variant = rng.choice(["control", "new_form", "short_form"], n)
    pre = rng.normal(10, 2, n)
    minutes = pre + rng.normal(0, 1.5, n) - 0.3 * (variant == "new_form")
    done = (rng.random(n) < 0.4 + 0.05 * (variant == "short_form")).astype(int)
    cases = rng.integers(1, 4, n)
    path = tmp_path / "ab.csv"
    pd.DataFrame(
        {"variant": variant, "minutes": minutes, "pre": pre, "done": done, "cases": cases}
    ).to_csv(path, index=False)
    return path


def test_ab_json_matches_scipy_and_lists_every_non_control_variant(capsys, ab_csv):
    payload = run_json(capsys, ["ab", str(ab_csv), "--variant", "variant", "--metric", "minutes"])
    frame = pd.read_csv(ab_csv)
    assert payload["control"] == "control"
    assert {r["variant"] for r in payload["results"]} == {"new_form", "short_form"}
    for result in payload["results"]:
        assert ESTIMATE_KEYS <= set(result)
        assert ESTIMATE_KEYS <= set(result["relative_lift"])
        assert 0 <= result["chance_to_beat_control"] <= 1
        ref = stats.ttest_ind(
            frame.loc[frame.variant == result["variant"], "minutes"],
            frame.loc[frame.variant == "control", "minutes"],
            equal_var=False,
        )
        assert result["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    counts = frame["variant"].value_counts()
    assert payload["srm"]["p_value"] == pytest.approx(stats.chisquare(counts).pvalue, rel=1e-9)
    assert payload["evidence"]["maryland_sms"] == 5


def test_ab_with_covariate_sequential_and_ratio(capsys, ab_csv):
    cuped = run_json(
        capsys,
        ["ab", str(ab_csv), "--variant", "variant", "--metric", "minutes", "--covariate", "pre",
         "--control", "control"],
    )  # fmt: skip
    assert cuped["cuped"] is True
    assert all(r["variance_reduction"] > 0.5 for r in cuped["results"])
    seq = run_json(
        capsys,
        ["ab", str(ab_csv), "--variant", "variant", "--metric", "done", "--sequential"],
    )
    assert seq["metric_type"] == "proportion"
    for r in seq["results"]:
        width = r["ci_high"] - r["ci_low"]
        fixed = r["fixed_horizon"]["ci_high"] - r["fixed_horizon"]["ci_low"]
        assert width > fixed
    ratio = run_json(
        capsys,
        ["ab", str(ab_csv), "--variant", "variant", "--metric", "minutes", "--denominator",
         "cases"],
    )  # fmt: skip
    frame = pd.read_csv(ab_csv)
    arm = frame[frame.variant == "new_form"]
    ctl = frame[frame.variant == "control"]
    expected = arm.minutes.sum() / arm.cases.sum() - ctl.minutes.sum() / ctl.cases.sum()
    new_form = next(r for r in ratio["results"] if r["variant"] == "new_form")
    assert new_form["estimate"] == pytest.approx(expected, rel=1e-9)


def test_ab_table_is_readable(capsys, ab_csv):
    code, out, _ = run(capsys, ["ab", str(ab_csv), "--variant", "variant", "--metric", "done"])
    assert code == 0
    assert "new_form" in out
    assert "SRM" in out
    assert "Maryland SMS 5" in out


def test_did_2x2_and_panel(capsys, tmp_path):
    rng = np.random.default_rng(4)
    n = 400
    group = rng.integers(0, 2, n)
    post = rng.integers(0, 2, n)
    y = 5 + group + 2 * post + 1.5 * group * post + rng.normal(0, 1, n)
    path = tmp_path / "did.csv"
    pd.DataFrame({"y": y, "g": group, "p": post, "site": rng.integers(0, 20, n)}).to_csv(
        path, index=False
    )
    payload = run_json(capsys, ["did", str(path), "--outcome", "y", "--group", "g", "--post", "p"])
    assert ESTIMATE_KEYS <= set(payload)
    assert payload["n_obs"] == n
    assert payload["se_type"] == "classical"
    assert payload["ci_low"] < 1.5 < payload["ci_high"]
    assert payload["evidence"]["maryland_sms"] == 3
    hc1 = run_json(
        capsys,
        ["did", str(path), "--outcome", "y", "--group", "g", "--post", "p", "--se", "hc1"],
    )
    assert hc1["se_type"] == "hc1"
    assert hc1["estimate"] == pytest.approx(payload["estimate"])

    units, periods = 30, 6
    unit = np.repeat(np.arange(units), periods)
    time = np.tile(np.arange(periods), units)
    treat = ((unit < 10) & (time >= 3)).astype(int)
    yp = unit * 0.1 + time * 0.3 + 2.0 * treat + rng.normal(0, 0.5, unit.size)
    panel = tmp_path / "panel.csv"
    pd.DataFrame({"y": yp, "u": unit, "t": time, "d": treat}).to_csv(panel, index=False)
    result = run_json(
        capsys,
        ["did", str(panel), "--outcome", "y", "--unit", "u", "--time", "t", "--treatment", "d"],
    )
    assert result["se_type"] == "cluster"
    assert result["ci_low"] < 2.0 < result["ci_high"]


def test_staggered_its_and_power(capsys, tmp_path):
    rng = np.random.default_rng(8)
    rows = []
    for u in range(90):
        g = [0, 3, 4][u % 3]
        for t in range(1, 6):
            y = u * 0.01 + t + (1.0 if g and t >= g else 0.0) + rng.normal(0, 0.3)
            rows.append({"site": f"s{u}", "year": t, "first": g if g else "", "y": y})
    stag = tmp_path / "stag.csv"
    pd.DataFrame(rows).to_csv(stag, index=False)
    payload = run_json(
        capsys,
        ["staggered", str(stag), "--outcome", "y", "--unit", "site", "--time", "year",
         "--first-treated", "first"],
    )  # fmt: skip
    assert ESTIMATE_KEYS <= set(payload["simple_att"])
    assert payload["simple_att"]["ci_low"] < 1.0 < payload["simple_att"]["ci_high"]
    assert all(ESTIMATE_KEYS <= set(e) for e in payload["event_study"])

    weeks = np.arange(1, 41)
    calls = 10 + 0.2 * weeks + 3 * (weeks >= 25) + rng.normal(0, 0.5, weeks.size)
    its = tmp_path / "its.csv"
    pd.DataFrame({"month": weeks, "calls": calls}).to_csv(its, index=False)
    payload = run_json(
        capsys,
        ["its", str(its), "--time", "month", "--outcome", "calls", "--intervention", "25",
         "--hac-lags", "2"],
    )  # fmt: skip
    assert ESTIMATE_KEYS <= set(payload["level_change"])
    assert ESTIMATE_KEYS <= set(payload["slope_change"])
    assert payload["level_change"]["ci_low"] < 3 < payload["level_change"]["ci_high"]
    assert payload["evidence"]["maryland_sms"] == 2

    payload = run_json(
        capsys,
        ["power", "--baseline-rate", "0.1", "--mde-abs", "0.02", "--daily-units", "1000"],
    )
    assert payload["n_per_group"] == 3839
    assert payload["days"] == math.ceil(2 * 3839 / 1000)
    means = run_json(
        capsys, ["power", "--baseline-mean", "50", "--baseline-sd", "12", "--mde-rel", "0.06"]
    )
    assert means["n_per_group"] > 0
    assert "days" not in means


@pytest.fixture
def split_csv(tmp_path):
    """A 1:2 designed split, a mean metric (days, lower is better) and a 0/1 metric."""
    rng = np.random.default_rng(31)
    n = 3000
    variant = rng.choice(["control", "online"], n, p=[1 / 3, 2 / 3])
    days = rng.gamma(4, 3, n) + 0.4 * (variant == "online")
    done = (rng.random(n) < 0.42 - 0.01 * (variant == "online")).astype(int)
    path = tmp_path / "split.csv"
    pd.DataFrame({"arm": variant, "days": days, "done": done}).to_csv(path, index=False)
    return path


def test_ab_designed_split_drives_srm_like_scipy_chisquare_with_f_exp(capsys, split_csv):
    base = ["ab", str(split_csv), "--variant", "arm", "--metric", "days"]
    assumed = run_json(capsys, base)
    designed = run_json(capsys, [*base, "--split", "control=1,online=2"])
    counts = pd.read_csv(split_csv)["arm"].value_counts()
    observed = [counts["control"], counts["online"]]
    total = sum(observed)
    ref = stats.chisquare(observed, f_exp=[total / 3, 2 * total / 3])
    assert designed["srm"]["chi2"] == pytest.approx(ref.statistic, rel=1e-12)
    assert designed["srm"]["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert designed["srm"]["flagged"] is False
    assert designed["evidence"]["maryland_sms"] == 5
    # Without the split the same 1:2 traffic looks like a broken assignment.
    assert assumed["srm"]["flagged"] is True
    assert assumed["evidence"]["maryland_sms"] == 3
    assert designed["split"] == {
        "designed": True,
        "weights": {"control": 1.0, "online": 2.0},
        "shares": {"control": pytest.approx(1 / 3), "online": pytest.approx(2 / 3)},
    }
    assert assumed["split"]["designed"] is False
    assert assumed["split"]["shares"] == {"control": 0.5, "online": 0.5}
    # The split changes the SRM check only, never the effect estimates.
    assert designed["results"] == assumed["results"]
    same = run_json(capsys, [*base, "--split", "online=0.5, control=0.25"])
    assert same["srm"] == designed["srm"]  # weights are relative, order-free


def test_ab_margin_tests_match_statsmodels(capsys, split_csv):
    frame = pd.read_csv(split_csv)
    base = ["ab", str(split_csv), "--variant", "arm", "--split", "control=1,online=2"]
    online, control = frame[frame.arm == "online"], frame[frame.arm == "control"]

    # Days to decision, lower is better: treatment may be at most 1 day slower.
    slower = run_json(capsys, [*base, "--metric", "days", "--margin", "1", "--lower-is-better"])
    test = slower["results"][0]["margin_test"]
    t_ref, p_ref, df_ref = sm_ttest_ind(
        online.days, control.days, alternative="smaller", usevar="unequal", value=1.0
    )
    assert test["hypothesis"] == "non-inferiority"
    assert test["null_value"] == 1.0
    assert test["statistic"] == pytest.approx(t_ref, rel=1e-9)
    assert test["p_value"] == pytest.approx(p_ref, rel=1e-9)
    assert test["df"] == pytest.approx(df_ref, rel=1e-9)
    assert p_ref < 0.05
    assert test["decision"] == "non-inferior"
    assert slower["higher_is_better"] is False
    assert slower["results"][0]["non_inferiority"] is None  # existing key keeps its meaning

    # A relative margin is that fraction of the control mean, in the metric's units.
    relative = run_json(
        capsys, [*base, "--metric", "days", "--margin-relative", "0.02", "--lower-is-better"]
    )
    test = relative["results"][0]["margin_test"]
    margin = 0.02 * control.days.mean()
    _, p_ref, _ = sm_ttest_ind(
        online.days, control.days, alternative="smaller", usevar="unequal", value=margin
    )
    assert test["margin"] == pytest.approx(margin, rel=1e-12)
    assert test["margin_relative"] == 0.02
    assert test["p_value"] == pytest.approx(p_ref, rel=1e-9)

    # Superiority, higher is better, on a 0/1 metric: unpooled Wald z.
    superior = run_json(
        capsys, [*base, "--metric", "done", "--margin", "0.01", "--margin-test", "superiority"]
    )
    test = superior["results"][0]["margin_test"]
    ref = sm_proportion.test_proportions_2indep(
        online.done.sum(), len(online), control.done.sum(), len(control),
        value=0.01, method="wald", compare="diff", alternative="larger",
    )  # fmt: skip
    assert test["df"] is None
    assert test["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    assert test["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert test["decision"] == "not shown"  # the online arm completes slightly less

    code, out, err = run(capsys, [*base, "--metric", "done", "--margin", "0.1"])
    assert code == 0, err
    assert "Non-inferiority margin 0.1 (higher is better)" in out
    assert " non-inferior" in out
    assert "(designed, --split)" in out


def test_ab_without_the_new_options_keeps_margin_test_null(capsys, ab_csv):
    payload = run_json(capsys, ["ab", str(ab_csv), "--variant", "variant", "--metric", "done"])
    assert all(r["margin_test"] is None for r in payload["results"])
    assert payload["higher_is_better"] is True


@pytest.fixture
def bad_files(tmp_path):
    files = {}
    files["text"] = tmp_path / "text.csv"
    pd.DataFrame({"variant": ["a", "b", "a", "b"], "m": ["1", "x", "2", "3"]}).to_csv(
        files["text"], index=False
    )
    files["one_arm"] = tmp_path / "one_arm.csv"
    pd.DataFrame({"variant": ["a"] * 5, "m": [1, 2, 3, 4, 5]}).to_csv(files["one_arm"], index=False)
    files["constant"] = tmp_path / "constant.csv"
    pd.DataFrame({"variant": ["a", "b"] * 4, "m": [3] * 8}).to_csv(files["constant"], index=False)
    files["nopost"] = tmp_path / "nopost.csv"
    pd.DataFrame({"y": [1.0, 2, 3, 4], "g": [0, 1, 0, 1], "p": [0, 0, 0, 0]}).to_csv(
        files["nopost"], index=False
    )
    files["its"] = tmp_path / "its.csv"
    pd.DataFrame({"t": range(10), "y": np.arange(10) ** 1.5}).to_csv(files["its"], index=False)
    files["binary"] = tmp_path / "binary.csv"
    files["binary"].write_bytes(b"\x00\xff\xfe\x00garbage")
    files["empty"] = tmp_path / "empty.csv"
    files["empty"].write_text("")
    files["two_arms"] = tmp_path / "two_arms.csv"
    pd.DataFrame({"variant": ["a", "b"] * 4, "m": [1, 2, 3, 4, 5, 6, 7, 9]}).to_csv(
        files["two_arms"], index=False
    )
    files["zero_control"] = tmp_path / "zero_control.csv"
    pd.DataFrame({"variant": ["a", "b"] * 4, "m": [-1, 2, 1, 4, -2, 6, 2, 9]}).to_csv(
        files["zero_control"], index=False
    )
    return files


AB_TWO_ARMS = ["ab", "{two_arms}", "--variant", "variant", "--metric", "m"]


@pytest.mark.parametrize(
    ("case", "argv", "needle"),
    [
        ("missing column", ["ab", "{text}", "--variant", "variant", "--metric", "nope"], "'nope'"),
        ("non-numeric", ["ab", "{text}", "--variant", "variant", "--metric", "m"], "non-numeric"),
        ("empty arm", ["ab", "{one_arm}", "--variant", "variant", "--metric", "m"], "empty"),
        (
            "absent control",
            ["ab", "{constant}", "--variant", "variant", "--metric", "m", "--control", "zzz"],
            "'zzz'",
        ),
        ("constant", ["ab", "{constant}", "--variant", "variant", "--metric", "m"], "constant"),
        (
            "no post period",
            ["did", "{nopost}", "--outcome", "y", "--group", "g", "--post", "p"],
            "post",
        ),
        (
            "its no post",
            ["its", "{its}", "--time", "t", "--outcome", "y", "--intervention", "99"],
            "no post period",
        ),
        ("unreadable", ["ab", "{binary}", "--variant", "variant", "--metric", "m"], "cannot read"),
        ("empty file", ["ab", "{empty}", "--variant", "v", "--metric", "m"], "empty"),
        ("no such file", ["ab", "/nonexistent/x.csv", "--variant", "v", "--metric", "m"], "found"),
        ("bad option", ["ab", "{text}", "--variant", "variant"], "--metric"),
        ("bad power", ["power", "--baseline-rate", "2", "--mde-abs", "0.1"], "baseline rate"),
        *[
            (f"split {value!r}", [*AB_TWO_ARMS, "--split", value], needle)
            for value, needle in [
                ("0.5,0.5", "--split must list ARM=WEIGHT pairs"),
                ("a=1", "--split must give a weight to every arm; missing 'b'"),
                ("a=1,b=0", "--split weight for arm 'b' must be a positive number"),
                ("a=1,b=x", "--split weight for arm 'b' must be a positive number"),
                ("a=1,b=1,c=1", "--split names arm 'c', which has no rows"),
                ("a=1,a=2,b=1", "--split names arm 'a' twice"),
            ]
        ],
        ("negative margin", [*AB_TWO_ARMS, "--margin", "-1"], "--margin: must be a number >= 0"),
        ("zero margin", [*AB_TWO_ARMS, "--margin", "0"], "--margin must be positive"),
        (
            "two margins",
            [*AB_TWO_ARMS, "--margin", "1", "--margin-relative", "0.1"],
            "--margin-relative: not allowed with argument --margin",
        ),
        ("margin test alone", [*AB_TWO_ARMS, "--margin-test", "superiority"], "--margin-test"),
        (
            "sequential margin",
            [*AB_TWO_ARMS, "--margin", "1", "--sequential"],
            "--margin cannot be combined with --sequential",
        ),
        (
            "relative margin, zero control",
            [
                "ab",
                "{zero_control}",
                "--variant",
                "variant",
                "--metric",
                "m",
                "--margin-relative",
                "0.1",
            ],
            "--margin-relative needs a non-zero control mean",
        ),  # fmt: skip
        (
            "both directions",
            [*AB_TWO_ARMS, "--higher-is-better", "--lower-is-better"],
            "--lower-is-better: not allowed",
        ),
    ],
)
def test_bad_input_prints_one_line_and_exits_2(capsys, bad_files, case, argv, needle):
    argv = [a.format(**{k: str(v) for k, v in bad_files.items()}) for a in argv]
    code, out, err = run(capsys, [*argv, "--format", "json"])
    assert code == 2, case
    assert out == ""
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err


def test_every_command_prints_a_table_for_people(capsys, tmp_path):
    rng = np.random.default_rng(12)
    t = np.arange(1, 31)
    its = tmp_path / "its.csv"
    pd.DataFrame({"week": t, "y": t * 0.5 + 2 * (t >= 15) + rng.normal(0, 0.3, 30)}).to_csv(
        its, index=False
    )
    did = tmp_path / "did.csv"
    pd.DataFrame({"y": rng.normal(0, 1, 40), "g": [0, 1] * 20, "p": [0, 0, 1, 1] * 10}).to_csv(
        did, index=False
    )
    commands = [
        ["its", str(its), "--time", "week", "--outcome", "y", "--intervention", "15"],
        ["did", str(did), "--outcome", "y", "--group", "g", "--post", "p"],
        ["power", "--baseline-mean", "5", "--baseline-sd", "2", "--mde-abs", "0.5",
         "--daily-units", "40"],
    ]  # fmt: skip
    for argv in commands:
        code, out, err = run(capsys, [*argv, "--format", "table"])
        assert code == 0, err
        assert "Evidence:" in out
        assert "{" not in out
    code, out, _ = run(capsys, commands[2])
    assert "days" in out
