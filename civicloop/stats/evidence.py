"""Evidence grading: Maryland Scientific Methods Scale and Nesta Standards of Evidence.

The Maryland scale follows the What Works Centre for Local Economic Growth scoring guide
(Madaleno & Waights, "Guide to scoring methods using the Maryland Scientific Methods Scale",
What Works Centre for Local Economic Growth, 2016):

* 5 - randomised assignment, with balance between arms and no (or negligible) attrition;
* 4 - quasi-random variation: regression discontinuity, instrumental variables, or a randomised
  trial with a minor problem (imbalance on a baseline covariate, material attrition);
* 3 - a justified comparison group with before/after data: difference-in-differences,
  staggered adoption, synthetic control (and a randomised trial whose randomisation failed a
  sample-ratio check, which is no better than a comparison-group design);
* 2 - before/after with controls for trends or a cross-section with controls, and comparison
  group designs whose pre-trends fail;
* 1 - a simple before/after or correlation without controls.

The Nesta Standards of Evidence (Puttick & Ludlow, "Standards of Evidence: an approach that
balances the need for evidence with innovation", Nesta, 2013) describe what a claim rests on:
1 you can describe what you do and why; 2 data show a change; 3 a comparison group shows that
you caused it; 4 one or more independent replications confirm it; 5 manuals and systems make
consistent replication at scale possible. Levels 4 and 5 depend on facts outside one analysis,
so they are granted only when the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Design = Literal[
    "rct",
    "rdd",
    "iv",
    "did",
    "staggered_did",
    "synthetic_control",
    "its",
    "before_after_controls",
    "cross_section_controls",
    "before_after",
    "correlation",
]

# The one list of designs: every other (the API's, the database's) is derived from it.
DESIGNS: tuple[str, ...] = get_args(Design)

# Standardised mean difference above which baseline balance fails (What Works Clearinghouse
# Procedures and Standards Handbook v5.0: > 0.25 SD cannot be adjusted away).
BALANCE_SMD_LIMIT = 0.25
# Overall attrition above which a trial loses a level (WWC "cautious" boundary is ~20-30%
# overall depending on differential attrition; we use 20% overall or 5 points differential).
ATTRITION_LIMIT = 0.20
DIFFERENTIAL_ATTRITION_LIMIT = 0.05
SRM_ALPHA = 0.001
PRETREND_ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason as a stable code and the numbers in it, so a caller can word it in any language.

    The codes are part of the public contract: add new ones, never rename one. ``params`` hold
    plain numbers and design codes, never words.
    """

    code: str
    params: dict[str, float | int | str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvidenceGrade:
    """Maryland SMS (1-5) and Nesta level (1-5) with the reasons that produced them.

    Either level is ``None`` when the result is not evidence of impact (a power calculation).
    ``reason_codes`` run parallel to ``reasons`` (same order, same length): the English
    sentence and its machine-readable code. ``to_dict`` leaves the codes out, so the CLI and
    stored payloads keep their shape.
    """

    maryland_sms: int | None
    nesta_level: int | None
    reasons: list[str] = field(default_factory=list)
    reason_codes: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "maryland_sms": self.maryland_sms,
            "nesta_level": self.nesta_level,
            "reasons": list(self.reasons),
        }


def grade_evidence(
    *,
    design: str,
    srm_p_value: float | None = None,
    balance_smd: float | None = None,
    attrition: float | None = None,
    differential_attrition: float | None = None,
    pretrend_p_value: float | None = None,
    comparison_group_justified: bool = True,
    independent_replications: int = 0,
    replication_system: bool = False,
) -> EvidenceGrade:
    """Grade one analysis on the Maryland SMS and the Nesta Standards of Evidence."""
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    reasons: list[str] = []
    codes: list[Reason] = []

    def because(code: str, text: str, **params: float | int | str | None) -> None:
        reasons.append(text)
        codes.append(Reason(code, params))

    sms: int
    if design == "rct":
        sms = 5
        because(
            "rct_randomised",
            "units were randomly assigned (SMS 5 if balance holds and no attrition)",
        )
        if srm_p_value is not None and srm_p_value < SRM_ALPHA:
            sms = 3
            because(
                "rct_srm_mismatch",
                f"sample ratio mismatch (chi-square p = {srm_p_value:.2g} < {SRM_ALPHA}): "
                "assignment or logging is broken, so arms are only a comparison group (SMS 3)",
                p_value=srm_p_value,
                alpha=SRM_ALPHA,
            )
        elif srm_p_value is not None:
            because(
                "rct_srm_ok",
                f"arm sizes match the designed split (SRM p = {srm_p_value:.2g})",
                p_value=srm_p_value,
            )
        if balance_smd is not None:
            if abs(balance_smd) > BALANCE_SMD_LIMIT:
                sms = min(sms, 4)
                because(
                    "rct_imbalance",
                    f"baseline imbalance: standardised mean difference {balance_smd:.3f} "
                    f"exceeds {BALANCE_SMD_LIMIT} (SMS at most 4)",
                    smd=balance_smd,
                    limit=BALANCE_SMD_LIMIT,
                )
            else:
                because(
                    "rct_balanced",
                    f"arms balanced on the baseline covariate (SMD {balance_smd:.3f})",
                    smd=balance_smd,
                )
        else:
            because(
                "rct_no_covariate",
                "no baseline covariate given: balance checked through SRM only",
            )
        if attrition is None and differential_attrition is None:
            because(
                "rct_attrition_unreported",
                "attrition not reported: assumed none because every assigned unit is analysed",
            )
        else:
            overall = attrition or 0.0
            differential = differential_attrition or 0.0
            if overall > ATTRITION_LIMIT or abs(differential) > DIFFERENTIAL_ATTRITION_LIMIT:
                sms = min(sms, 4)
                because(
                    "rct_attrition_material",
                    f"attrition {overall:.0%} overall, {differential:+.0%} differential "
                    "is material (SMS at most 4)",
                    overall=overall,
                    differential=differential,
                )
            else:
                because(
                    "rct_attrition_negligible",
                    f"attrition {overall:.0%} overall is negligible",
                    overall=overall,
                )
    elif design in ("rdd", "iv"):
        sms = 4
        label = "regression discontinuity" if design == "rdd" else "instrumental variables"
        because(
            "quasi_random",
            f"{label} exploits quasi-random variation (SMS 4)",
            design=design,
        )
    elif design in ("did", "staggered_did", "synthetic_control"):
        label = {
            "did": "difference-in-differences",
            "staggered_did": "staggered difference-in-differences (Callaway & Sant'Anna)",
            "synthetic_control": "synthetic control",
        }[design]
        if not comparison_group_justified:
            sms = 2
            because(
                "comparison_group_unjustified",
                f"{label} without a justified comparison group (SMS 2)",
                design=design,
            )
        else:
            sms = 3
            because(
                "comparison_group",
                f"{label} with a comparison group and before/after data (SMS 3)",
                design=design,
            )
            if pretrend_p_value is None:
                because(
                    "pretrend_untested",
                    "parallel pre-trends not tested (no pre-period contrasts)",
                )
            elif pretrend_p_value < PRETREND_ALPHA:
                sms = 2
                because(
                    "pretrend_differs",
                    f"pre-trends differ (joint test p = {pretrend_p_value:.2g} < "
                    f"{PRETREND_ALPHA}): comparison group not credible (SMS 2)",
                    p_value=pretrend_p_value,
                    alpha=PRETREND_ALPHA,
                )
            else:
                because(
                    "pretrend_ok",
                    f"no evidence of differing pre-trends (p = {pretrend_p_value:.2g})",
                    p_value=pretrend_p_value,
                )
    elif design in ("its", "before_after_controls", "cross_section_controls"):
        sms = 2
        label = {
            "its": "interrupted time series (before/after controlling for the trend)",
            "before_after_controls": "before/after comparison with controls",
            "cross_section_controls": "cross-sectional comparison with controls",
        }[design]
        because(
            "no_comparison_group",
            f"{label}, no untreated comparison group (SMS 2)",
            design=design,
        )
    else:
        sms = 1
        because(
            "no_controls",
            "before/after or correlation without controls (SMS 1)",
            design=design,
        )

    nesta: int
    if sms >= 3:
        nesta = 3
        because(
            "nesta_3",
            "Nesta 3: a comparison group shows the change is caused by the work",
        )
        if independent_replications >= 1:
            nesta = 4
            because(
                "nesta_4",
                f"Nesta 4: {independent_replications} independent replication(s) reported",
                replications=independent_replications,
            )
            if replication_system:
                nesta = 5
                because(
                    "nesta_5",
                    "Nesta 5: manuals and systems exist for replication at scale",
                )
    else:
        nesta = 2
        because(
            "nesta_2",
            "Nesta 2: data show a change but cannot establish causality",
        )
    return EvidenceGrade(maryland_sms=sms, nesta_level=nesta, reasons=reasons, reason_codes=codes)


def planning_grade() -> EvidenceGrade:
    """The grade of a plan (power calculation): no evidence of impact yet."""
    return EvidenceGrade(
        maryland_sms=None,
        nesta_level=None,
        reasons=["a power calculation plans a study; it is not evidence of impact"],
        reason_codes=[Reason("planning_only")],
    )
